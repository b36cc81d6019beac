"""The call form (new and edit): phone, caller, unit, category, channel, what was said; the message
fields when the call is a message, "answered on the spot?" when it is an inquiry.

Built for speed at the keyboard: one line per field, category and channel pick by a letter
(r for repair, w for walk-in ...), a phone that called before fills caller and unit.
"""
from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.suggester import SuggestFromList
from textual.widgets import Input, Select, TextArea

from .. import calls, units
from ..i18n import _
from ..widgets.choice import PickSelect
from .form import FormScreen
from ..widgets.line_input import LineInput

# (hotkey, id): the letter picks the option while the field has the cursor.
CATEGORY_KEYS = (("i", "inquiry"), ("r", "repair"), ("c", "complaint"), ("e", "emergency"), ("m", "message"),
                 ("o", "other"))
CHANNEL_KEYS = (("p", "phone"), ("w", "walk_in"), ("i", "intercom"), ("l", "letter"), ("f", "patrol"),
                ("s", "staff"))

CHANNEL_LABELS = {"walk_in": "walk-in", "patrol": "patrol finding"}


def pick(keys: tuple[tuple[str, str], ...], labels: dict[str, str] | None = None, **kwargs) -> PickSelect:
    """A choice of (letter, id) pairs, each id shown as its label (`labels` where it differs)."""
    labels = labels or {}
    return PickSelect([(_(labels.get(value, value.replace("_", " "))), value) for _key, value in keys],
                      letters={value: key for key, value in keys}, **kwargs)


class CallFormScreen(FormScreen):
    """`n` in the Calls pane (new), `e` on a call (edit). Dismisses with (call id, category)."""

    def __init__(self, call: calls.CallDetail | None = None) -> None:
        self.call = call
        self.form_title = "Edit call" if call else "New call"
        super().__init__()
        self._filled: dict[str, str] = {}

    def form_fields(self) -> ComposeResult:
        c = self.call
        yield from self.labelled(_("Phone"), LineInput(value=c.phone if c else "", id="phone", compact=True,
                                                       max_length=24))
        yield from self.labelled(_("Caller"), LineInput(value=c.caller if c else "", id="caller", compact=True))
        yield from self.labelled(_("Unit"), LineInput(
            value=c.unit_code if c else "", id="unit", compact=True, placeholder=_("e.g. 1-1203"),
            suggester=SuggestFromList(calls.unit_codes(), case_sensitive=False)))
        yield from self.labelled(_("Category"), pick(CATEGORY_KEYS, id="category",
                                                           value=c.category if c else Select.NULL))
        yield from self.labelled(_("Channel"), pick(CHANNEL_KEYS, CHANNEL_LABELS, id="channel",
                                                          allow_blank=False,
                                                          value=c.channel if c else "phone"))
        yield from self.labelled(_("What was said"), TextArea(c.text if c else "", id="text", compact=True,
                                                              soft_wrap=True, tab_behavior="focus"))
        message = c is not None and c.category == "message"
        hide = "" if message else "-hidden"
        yield from self.labelled(_("For whom"), LineInput(value=c.message_for if c else "", id="message_for",
                                                          compact=True), "message-field " + hide)
        yield from self.labelled(_("From whom"), LineInput(value=c.message_from if c else "", id="message_from",
                                                           compact=True), "message-field " + hide)
        yield from self.labelled(_("Call back on"), LineInput(value=c.callback_number if c else "",
                                                              id="callback_number", compact=True, max_length=24),
                                 "message-field " + hide)
        if c is None:
            yield from self.labelled(_("Answered?"), pick(
                (("y", "yes"), ("n", "no")),
                {"yes": "yes, on the spot", "no": "no: reply within 30 min"},
                id="answered", allow_blank=False, value="yes"), "inquiry-field -hidden")

    # --- the fields that depend on the category ------------------------------------------

    @on(Select.Changed, "#category")
    def _category_changed(self, event: Select.Changed) -> None:
        category = choice(event.value)
        for field in self.query(".message-field"):
            field.set_class(category != "message", "-hidden")
        for field in self.query(".inquiry-field"):
            field.set_class(category != "inquiry", "-hidden")
        note = _("An emergency: after saving you are offered the work order at once.") \
            if category == "emergency" else ""
        self.show_note("category", note)

    # --- a phone that called before ------------------------------------------------------

    @on(Input.Changed, "#phone")
    def _phone_changed(self, event: Input.Changed) -> None:
        if self.call is not None:
            return
        typed = len(event.value.strip()) >= 5
        found = calls.caller_for_phone(event.value) if typed else None
        before = found is not None
        if found is None and typed:
            # A first call: the number may be an owner's on the unit list.
            owner = units.for_phone(event.value)
            found = (owner.owner, owner.code) if owner is not None else None
        if found is None:
            self.show_note("phone", "")
            return
        caller, unit = found
        for field, value in (("caller", caller), ("unit", unit)):
            widget = self.query_one(f"#{field}", Input)
            if not widget.value or widget.value == self._filled.get(field):
                widget.value = value
                self._filled[field] = value
        self.show_note("phone", _("Called before: {caller} {unit}. Filled in; change it if it is someone else.",
                                  caller=caller, unit=unit) if before else
                       _("The owner of {unit} on the unit list: {caller}. Filled in; change it if it is someone else.",
                         caller=caller, unit=unit))

    # --- save ------------------------------------------------------------------------------

    def save(self, values: dict):
        app = self.app
        now = app.clock.now()
        fields = dict(
            phone=values["phone"], caller=values["caller"], unit_code=values["unit"],
            category=choice(values["category"]), channel=choice(values["channel"]), text=values["text"],
            message_for=values["message_for"], message_from=values["message_from"],
            callback_number=values["callback_number"],
        )
        if self.call is None:
            call_id = calls.add_call(app.operator, now, app.engine, answered=values.get("answered") != "no",
                                     **fields)
        else:
            call_id = self.call.id
            calls.edit_call(app.operator, now, call_id, version=self.call.updated_at, **fields)
        show_saved(app, call_id, new=self.call is None)
        return call_id, fields["category"]


def show_saved(app, call_id: int, *, new: bool) -> None:
    """The saved call in the Calls pane now, read back from the database (so what shows is what was
    stored), without waiting for the load that follows the save; that load then replaces it."""
    screen = getattr(app, "console_screen", None)
    if screen is None or not hasattr(screen, "show_saved_call"):
        return
    try:
        d = calls.detail(call_id)
    except Exception as exc:  # noqa: BLE001 - the call is saved: never let showing it early undo that
        app.log.error(f"saved call {call_id} not shown early: {exc!r}")
        return
    row = calls.CallRow(
        id=d.id, received_at=d.received_at, channel=d.channel, category=d.category, caller=d.caller,
        unit_code=d.unit_code, phone=d.phone, text=d.text, status=d.status, taken_by=d.taken_by,
        reply_due_at=d.reply_due_at, order_id=d.order_id, message_for=d.message_for or "",
    )
    screen.show_saved_call(row, new)


def choice(value) -> str:
    """A Select's value, "" when nothing is chosen (a blank Select's value is Select.NULL)."""
    return value if isinstance(value, str) else ""
