"""Which key does what: every key binding of the console by id with its default key, the site file's
[keymap] checked against them, and keys said the way a person reads them ("Ctrl+P", "?", "Esc").

Plain Python: the site file is read (and `deskconsole check` reports a bad [keymap]) before any screen
exists. The screens and widgets declare the same bindings, with these ids and keys (a test checks that
each class's BINDINGS are its group here); Textual applies the site's keymap to them by id
(App.set_keymap), and the help and the hints say each key through `key_of`/`fill`, so a key moved in
the site file is the key they show.
"""
from __future__ import annotations

import difflib
import re
import string
import unicodedata

# Each class that declares BINDINGS: binding id -> default key (Textual's name for the key). An id that
# two classes share is one action with one key (a pane's and its record screen's `e` for edit).
GROUPS: dict[str, dict[str, str]] = {
    "ConsoleScreen": {
        "console.pane1": "1", "console.pane2": "2", "console.pane3": "3", "console.pane4": "4",
        "console.pane5": "5", "console.next_pane": "tab", "console.previous_pane": "shift+tab", "console.filter": "slash",
        "console.clear_filter": "escape", "console.help": "question_mark", "console.handover": "h",
        "console.reports": "m", "console.search": "s", "console.quit": "ctrl+q",
    },
    "RecordTable": {
        "record_table.cursor_up": "up", "record_table.cursor_down": "down", "record_table.page_up": "pageup",
        "record_table.page_down": "pagedown", "record_table.cursor_home": "home", "record_table.cursor_end": "end",
        "record_table.select": "enter",
    },
    "CallsPane": {
        "calls.new": "n", "calls.order": "o", "calls.answer": "a", "calls.deliver": "d", "calls.edit": "e",
        "calls.handled": "c", "calls.void": "v", "calls.undelivered": "u",
    },
    "OrdersPane": {
        "orders.new": "n", "orders.dispatch": "d", "orders.arrive": "a", "orders.complete": "c",
        "orders.callback": "b", "orders.extend": "e", "orders.cancel": "x",
    },
    "LogPane": {"log.new": "n"},
    "KeysPane": {"keys.issue": "n", "keys.return": "r", "keys.report": "l", "keys.catalogue": "e"},
    "FrontDeskPane": {
        "frontdesk.parcels": "p", "frontdesk.visitors": "v", "frontdesk.passes": "g", "frontdesk.found": "f",
        "frontdesk.new": "n", "frontdesk.notify": "t", "frontdesk.collect": "c", "frontdesk.return": "r",
        "frontdesk.arrived": "a", "frontdesk.sign_out": "o", "frontdesk.release": "l", "frontdesk.claim": "b",
    },
    "CallDetailScreen": {
        "call.close": "escape", "calls.edit": "e", "calls.order": "o", "calls.answer": "a", "calls.deliver": "d",
        "calls.void": "v", "calls.dossier": "u",
    },
    "OrderSummaryScreen": {"call.order_close": "escape"},
    "OrderDetailScreen": {"order_detail.close": "escape", "orders.acknowledge": "k", "orders.follow_up": "f",
                          "orders.dossier": "u"},
    "ApprovalsScreen": {"approvals.close": "escape"},
    "LogEntryScreen": {"log.done": "d", "log.correct": "c", "log.close": "escape", "log.dossier": "u"},
    "KeyDetailScreen": {"key_detail.close": "escape", "key_detail.quit": "q", "keys.dossier": "u"},
    "SearchScreen": {"search.close": "escape", "search.dossier": "u", "search.again": "slash"},
    "DossierScreen": {"dossier.close": "escape", "dossier.newer": "left_square_bracket",
                      "dossier.older": "right_square_bracket"},
    "FrontDeskRecordScreen": {"frontdesk_record.close": "escape", "frontdesk.collect": "c", "frontdesk.notify": "t",
                              "frontdesk.return": "r", "frontdesk.sign_out": "o", "frontdesk.arrived": "a",
                              "frontdesk.release": "l", "frontdesk.claim": "b", "frontdesk.dossier": "u"},
    "HandoverScreen": {
        "handover.receive": "i", "handover.ack": "a", "handover.ack_section": "A", "handover.query": "q",
        "handover.reply": "r",
        "handover.supervise": "s", "handover.complete": "c", "handover.sheet": "v", "handover.close": "escape",
    },
    "SheetScreen": {"sheet.addendum": "plus", "sheet.close": "escape"},
    "HandoverHistoryScreen": {"history.addendum": "plus", "history.close": "escape"},
    "ReportsScreen": {
        "reports.close": "escape", "reports.quit": "q", "reports.previous": "left_square_bracket",
        "reports.next": "right_square_bracket", "reports.range": "r", "reports.chart": "g",
    },
    "RecordsScreen": {"reports.records_close": "escape", "reports.records_quit": "q"},
    "FormScreen": {"form.save": "ctrl+s", "form.cancel": "escape"},
    "ConfirmScreen": {"confirm.yes": "y", "confirm.yes_enter": "enter", "confirm.no": "n", "confirm.no_escape": "escape"},
    "HelpScreen": {"help.close": "escape", "help.close_again": "question_mark", "help.quit": "q"},
    "SignOnScreen": {"signon.quit": "ctrl+q"},
    "FirstRunScreen": {"signon.quit": "ctrl+q"},
    "ChoosePinScreen": {"signon.quit": "ctrl+q"},
    "ListScreen": {"list.back": "escape", "list.look_up": "slash"},
    "StaffScreen": {"staff.add": "a", "staff.role": "r", "staff.disable": "x", "staff.reset_pin": "p"},
    "UnitsScreen": {"units.edit": "e", "units.take_over": "t"},
    "OneTimePinScreen": {"staff.pin_done": "enter", "staff.pin_close": "escape"},
}

# The groups whose keys are live at the same moment: a key given twice there would hide one of them.
PANES = ("CallsPane", "OrdersPane", "LogPane", "KeysPane", "FrontDeskPane")
_WITH_TABLE = ("HandoverScreen", "HandoverHistoryScreen", "ReportsScreen", "RecordsScreen")
LIVE: tuple[tuple[str, ...], ...] = (
    *(("ConsoleScreen", "RecordTable", pane) for pane in PANES),
    *((group, "RecordTable") for group in _WITH_TABLE),
    *(("ListScreen", group, "RecordTable") for group in ("StaffScreen", "UnitsScreen")),
    *((group,) for group in GROUPS if group not in (*PANES, *_WITH_TABLE, "ConsoleScreen", "RecordTable")),
)

DEFAULTS: dict[str, str] = {binding_id: key for group in GROUPS.values() for binding_id, key in group.items()}

# Keys Textual itself keeps, whatever the bindings say.
RESERVED = {"ctrl+p": "the command palette's key", "ctrl+c": "kept by the terminal program"}

MODIFIERS = ("ctrl", "alt", "shift", "meta", "super", "hyper")
NAMED = {"escape", "enter", "tab", "space", "backspace", "delete", "insert", "home", "end", "pageup", "pagedown",
         "up", "down", "left", "right", *(f"f{n}" for n in range(1, 25))}
# Textual's names of the signs it does not call by their Unicode name.
_RENAMED = {"solidus": "slash", "reverse_solidus": "backslash", "commercial_at": "at", "hyphen_minus": "minus",
            "plus_sign": "plus", "low_line": "underscore"}


def _sign_name(character: str) -> str:
    name = unicodedata.name(character).lower().replace("-", "_").replace(" ", "_")
    return _RENAMED.get(name, name)


SIGNS = {_sign_name(c): c for c in string.punctuation}
LABELS = {"escape": "Esc", "enter": "Enter", "tab": "Tab", "space": "Space", "backspace": "Backspace",
          "delete": "Del", "insert": "Ins", "home": "Home", "end": "End", "pageup": "PgUp", "pagedown": "PgDn",
          "up": "↑", "down": "↓", "left": "←", "right": "→"}


def normalize(key: str) -> str:
    """One key as Textual names it: "?" -> "question_mark", "D" stays "D", " ctrl+d " -> "ctrl+d"."""
    key = key.strip()
    if len(key) == 1 and not key.isalnum() and unicodedata.name(key, ""):
        return _sign_name(key)
    return key


def _sign(name: str) -> str | None:
    """The sign a key name stands for ("question_mark" -> "?"), or None."""
    if name in SIGNS:
        return SIGNS[name]
    try:
        character = unicodedata.lookup(name.replace("_", " "))
    except KeyError:
        return None
    return character if character.isprintable() and not character.isalnum() else None


def is_key(key: str) -> bool:
    """Whether `key` (normalized) names a key Textual can bind: a letter, digit or sign, a named key
    (f5, pageup, escape ...), either with modifiers (ctrl+d, alt+x, shift+tab)."""
    *modifiers, base = key.split("+")
    if any(m not in MODIFIERS for m in modifiers) or len(set(modifiers)) != len(modifiers):
        return False
    if len(base) == 1:
        # With a modifier the terminal sends the lower-case letter ("ctrl+d"); a capital is Shift's.
        return base.isprintable() and not base.isspace() and not (modifiers and base.isupper())
    return base in NAMED or _sign(base) is not None


def keys_of(value: str) -> list[str]:
    """The keys of one keymap value: "D" or several, "D, ctrl+d"."""
    return [normalize(part) for part in value.split(",")]


def check(table) -> dict[str, str]:
    """The site file's [keymap] (binding id -> key), each key normalized; ValueError naming the first
    entry that cannot be used: an id no binding has, a value that is not a key, a key Textual keeps,
    or a key that another binding live at the same moment has."""
    if not isinstance(table, dict):
        raise ValueError('[keymap] must be a table of binding ids and keys, like "orders.dispatch" = "D"')
    keymap: dict[str, str] = {}
    for binding_id, value in table.items():
        if binding_id not in DEFAULTS:
            near = difflib.get_close_matches(binding_id, DEFAULTS, n=1)
            hint = f' (did you mean "{near[0]}"?)' if near else " (the ids are in the README, section The site file)"
            raise ValueError(f'[keymap] "{binding_id}": no key binding has this id{hint}')
        keys = keys_of(value) if isinstance(value, str) else []
        said = f'"{value}"' if isinstance(value, str) else repr(value)
        bad = next((k for k in keys if not is_key(k)), None) if keys else said
        if bad is not None:
            raise ValueError(f'[keymap] "{binding_id}" = {said}: "{bad}" is not a key '
                             f'(a letter, a digit, a sign like "?", or a name like "f5", "pageup" or "ctrl+d")'
                             if bad != said else f'[keymap] "{binding_id}" = {said} is not a key')
        reserved = next((k for k in keys if k in RESERVED), None)
        if reserved is not None:
            raise ValueError(f'[keymap] "{binding_id}" = {said}: {label(reserved)} is {RESERVED[reserved]}')
        keymap[binding_id] = ",".join(keys)
    _check_clashes(keymap)
    return keymap


def _check_clashes(keymap: dict[str, str]) -> None:
    for live in LIVE:
        owner: dict[str, str] = {}
        for group in live:
            for binding_id, default in GROUPS[group].items():
                for key in keymap.get(binding_id, default).split(","):
                    other = owner.setdefault(key, binding_id)
                    if other != binding_id:
                        moved = binding_id if binding_id in keymap else other
                        rival = other if moved == binding_id else binding_id
                        raise ValueError(f'[keymap] "{moved}" = "{keymap[moved]}": {label(key)} is already '
                                         f'the key of "{rival}" on the same screen')


def label(keys: str) -> str:
    """Keys as a person reads them: "ctrl+p" -> "Ctrl+P", "question_mark" -> "?", "escape" -> "Esc"."""
    return "/".join(_label_one(key) for key in keys.split(","))


def _label_one(key: str) -> str:
    *modifiers, base = key.split("+")
    base = LABELS.get(base) or _sign(base) or (base.upper() if base in NAMED else base)
    if modifiers and len(base) == 1:
        base = base.upper()
    return "+".join([m.capitalize() for m in modifiers] + [base])


def key_of(keymap: dict[str, str], binding_id: str) -> str:
    """The key of a binding as it is here: the site's, else the default."""
    return keymap.get(binding_id) or DEFAULTS[binding_id]


_FIELD = re.compile(r"\{([a-z_]+\.[a-z_0-9]+)\}")


def fill(text: str, keymap: dict[str, str]) -> str:
    """`text` with each {binding.id} replaced by that binding's key as a person reads it, e.g.
    "{keys.return}" -> "r" (or the key the site file gives it)."""
    return _FIELD.sub(lambda m: label(key_of(keymap, m.group(1))) if m.group(1) in DEFAULTS else m.group(0), text)
