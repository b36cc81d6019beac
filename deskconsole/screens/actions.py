"""The one table of what can be done in the console, and the one route every action takes.

A pane only shows its records: a key (or Enter) posts `Pane.ActionRequested(pane, action id, selected
key)`, the console screen hands it to `run`, and so do a record's screen (its keys carry the same ids)
and the command palette. `run` checks who may (people.PERMISSIONS) and whether a record is selected,
then opens the action's form or flow; a save then does the same for every pane: the saved record is
selected and the panes are re-read. The footer shows the bindings; the palette (`palette`) and the help
(`help_sections`) are made from this table, and the site file's [keymap] moves any key by its id.

Add an action: a binding `request("x", "<pane>.<verb>", "Words")` in the pane (its default key in
keymap.GROUPS), then one `Action` here. Add a pane: a Pane subclass (pane_id, columns, a row function,
summaries, bindings) in widgets/panes.PANES, its section in TABLE with a `<pane>.open` for Enter, and
its line in CHOOSE.
"""
from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Callable, Iterator

from .. import keymap, orders, people
from ..errors import Refusal, explain
from ..i18n import _, label
from ..widgets.bindings import keys_text
from ..widgets.calls_pane import EMERGENCIES_FILTER, UNDELIVERED_FILTER
from ..widgets.pane import Pane
from ..widgets.panes import PANES

def N_(text: str) -> str:
    """A text of the table, translated where it is shown (the language is chosen after import)."""
    return text


class Job:
    """One action under way: where it was asked (the console, a record's screen), on which record, and
    what a save does, the same for every pane."""

    def __init__(self, host, action: Action, record=None, pane: Pane | None = None,
                 done: Callable[[object], None] | None = None) -> None:
        self.host = host
        self.action = action
        self.record = record
        self.pane = pane
        self.done = done  # the host's own step after a save (a record's screen shows the change)

    @property
    def app(self):
        return self.host.app

    def open(self, screen) -> None:
        """Open the action's form; what it dismisses with (the saved record's key, or None) is `saved`."""
        self.app.push_screen(screen, self.saved)

    def saved(self, key) -> None:
        """A form saved, or a one-key action succeeded: select the record, have the panes re-read."""
        if key is None:
            return
        if self.pane is not None:
            self.pane.select(key)
        self.app.reload()
        if self.done is not None:
            self.done(key)

    def say(self, message: str, severity: str = "warning") -> None:
        """A refusal, where the host shows them (a record's screen may have a line for it)."""
        say = getattr(self.host, "say", None)
        if say is not None:
            say(message)
        else:
            self.app.notify(message, severity=severity)

    def attempt(self, deed: Callable[[], object]) -> bool:
        """A one-key action (no form): its refusal is said, and nothing else happens."""
        try:
            deed()
        except Refusal as exc:
            self.say(explain(exc, self.app.config.tz), "error")
            return False
        return True


Flow = Callable[[Job], None]


# The forms and the records' screens are imported when one of their actions first runs, not with the
# console: ≈2 MB of every console's memory that most shifts never use (issue 21). The import happens in
# the key's handler, so the keys typed meanwhile wait for the form (widgets/typeahead.py).

def screens(module: str):
    """The module `module` of deskconsole.screens, imported now if it is not yet."""
    return importlib.import_module(f"{__package__}.{module}")


def later(module: str, name: str) -> Callable:
    """`name` of the screens module `module`, looked up (its module imported) when first called."""
    return lambda *args: getattr(screens(module), name)(*args)


def form(module: str, screen_class: str) -> Flow:
    """The flow of an action that is one form on the selected record (or on none)."""
    def flow(job: Job) -> None:
        screen = getattr(screens(module), screen_class)
        job.open(screen(job.record) if job.action.needs_record else screen())
    return flow


def _push(module: str, screen_class: str) -> Flow:
    """The flow of an action that opens a screen of its own (not a record's)."""
    return lambda job: job.app.push_screen(getattr(screens(module), screen_class)())


def _register(register: str) -> Flow:
    return lambda job: later("frontdesk_forms", "show_register")(register)(job)


@dataclass(frozen=True)
class Action:
    id: str                          # "<pane>.<verb>": the id of the binding that asks for it
    flow: Flow                       # opens the form or does the deed; a save ends in job.saved(key)
    permission: str | None = None    # a key of people.PERMISSIONS; None: anyone signed on
    needs_record: bool = False       # a record must be selected (and `fits` it)
    title: str = ""                  # its name in the command palette; "" keeps it out of the palette
    help: str = ""                   # its line in `?` (else the title); {binding.id} says that key
    key_id: str = ""                 # the binding whose key runs it, when not its own id (Enter: the table's)
    refused: str = ""                # said instead of "A {role} may not do this (...)"
    choose: str = ""                 # said when no fitting record is selected, instead of CHOOSE[pane]
    fits: Callable[[object], bool] | None = None   # which selected records it acts on

    @property
    def pane(self) -> str:
        return self.id.partition(".")[0]

    @property
    def binding(self) -> str:
        return self.key_id or self.id


def _show(number: int) -> Flow:
    return lambda job: job.host.action_show_pane(number)


def _filter(text: str) -> Flow:
    return lambda job: job.pane.set_filter(text)


def _open_call(job: Job) -> None:
    from .call_detail import CallDetailScreen
    job.open(CallDetailScreen(job.record.id, run))


def _open_order(job: Job) -> None:
    from .order_detail import OrderDetailScreen
    # An order that ended (listed by status:closed) opens read-only.
    job.open(OrderDetailScreen(job.record.id, run, read_only=getattr(job.record, "status", "") in orders.ENDED_STATUSES))


def _open_entry(job: Job) -> None:
    from .log_entry import LogEntryScreen
    job.open(LogEntryScreen(job.record.id, run))


def _open_key(job: Job) -> None:
    from .key_detail import KeyDetailScreen
    job.open(KeyDetailScreen(job.record.id, run))


def _dossier(job: Job) -> None:
    """u in a call, an order, a log entry or a key: the dossier of its unit."""
    from .dossier import open_dossier
    open_dossier(job.app, getattr(job.record, "unit_code", ""), run)


def _approvals(job: Job) -> None:
    from .approvals import ApprovalsScreen
    job.open(ApprovalsScreen(run))


ENTER = "record_table.select"

# Section by section: the console, then each pane in the order of its number key. The columns, when
# given in order: id, flow, permission, needs a record, palette title, help line.
TABLE: tuple[Action, ...] = (
    Action("console.pane1", _show(1), title=N_("Show Calls"), help=N_("Show Calls, Work orders, Shift log, Keys")),
    Action("console.pane2", _show(2), title=N_("Show Work orders"), help=N_("Show Calls, Work orders, Shift log, Keys")),
    Action("console.pane3", _show(3), title=N_("Show Shift log"), help=N_("Show Calls, Work orders, Shift log, Keys")),
    Action("console.pane4", _show(4), title=N_("Show Keys"), help=N_("Show Calls, Work orders, Shift log, Keys")),
    Action("console.pane5", _show(5), title=N_("Show Front desk"),
           help=N_("Show the Front desk and its four registers")),
    Action("console.next_pane", lambda job: job.host.action_cycle_pane(1), help=N_("Next / previous pane")),
    Action("console.previous_pane", lambda job: job.host.action_cycle_pane(-1), help=N_("Next / previous pane")),
    Action("console.filter", lambda job: job.host.action_filter(), title=N_("Filter this pane"),
           help=N_("Filter the pane (type to narrow, {console.clear_filter} clears)")),
    Action("console.clear_filter", lambda job: job.host.action_clear_filter()),
    Action("console.handover", lambda job: later("handover", "start_handover")(job.app), "shift.handover",
           title=N_("Start the handover"), help=N_("Start the handover (the sheet is compiled now)")),
    Action("console.history", lambda job: later("handover", "show_history")(job.app), title=N_("Handover history"),
           help=N_("Every handover: who to whom, what was listed and queried")),
    Action("console.sign_off", lambda job: later("handover", "sign_off")(job.app), "shift.handover",
           title=N_("Sign off without handover"), help=N_("Leave the desk; recorded and shown on the next handover")),
    Action("console.approvals", _approvals, "order.extend.approve", title=N_("Pending approvals"),
           help=N_("Every extension and return waiting for a supervisor: approve or refuse")),
    Action("console.search", lambda job: job.host.action_search(), title=N_("Search everything"),
           help=N_("Search everything ever written: phone, name, unit, number, words")),
    Action("console.reports", lambda job: job.host.action_reports(), title=N_("Monthly figures"), help=N_(
        "Monthly figures ({reports.previous} {reports.next} month, {reports.range} range, {reports.chart} chart)")),
    Action("console.help", lambda job: job.host.action_help(), title=N_("Keys and help"), help=N_("This help")),
    Action("console.change_pin", _push("pin", "ChangePinForm"), title=N_("Change my PIN"),
           help=N_("Your own PIN; the current one is asked first")),
    Action("console.staff", _push("staff", "StaffScreen"), "staff.manage", title=N_("Staff"),
           help=N_("Add people, change a role, disable, reset a PIN")),
    Action("console.units", _push("units", "UnitsScreen"), "unit.manage", title=N_("Units"),
           help=N_("Look up a unit; edit its owner and phones; mark it taken over")),
    Action("console.quit", lambda job: job.app.call_later(job.app.action_quit), help=N_("Quit")),

    Action("calls.new", later("call_actions", "new_call"), "call.add", title=N_("New call"),
           help=N_("New call, walk-in or patrol finding")),
    Action("calls.open", _open_call, needs_record=True, key_id=ENTER,
           help=N_("The call with its history (the keys below work there)")),
    Action("calls.order", later("call_actions", "order_from_call"), "order.create", True,
           N_("Work order from the selected call"),
           N_("Work order from the call (or show the order it has)")),
    Action("calls.answer", later("call_actions", "answer"), "call.answer", True, N_("Answer the selected inquiry"),
           N_("Answer an inquiry: the reply and who gave it")),
    Action("calls.deliver", later("call_actions", "deliver"), "call.deliver", True, N_("Message delivered"),
           N_("A message was delivered (who and when are recorded)")),
    Action("calls.handled", later("call_actions", "handled"), "call.edit", True, N_("Mark the selected call handled"),
           N_("Mark it handled (an emergency's clock stops)"),
           fits=lambda call: call.status == "open", choose=N_("Put the cursor on an open call, then press {calls.handled}.")),
    Action("calls.edit", later("call_actions", "edit"), "call.edit", True, N_("Edit the selected call"),
           N_("Edit the call (the earlier version is kept)")),
    Action("calls.void", later("call_actions", "void"), "call.void", True, N_("Void the selected call"),
           N_("Void the call, with a reason (supervisor)"), refused=N_("Only a supervisor voids a call.")),
    Action("calls.dossier", _dossier, needs_record=True, help=N_("The unit's dossier (in the call)")),
    Action("calls.undelivered", _filter(UNDELIVERED_FILTER), title=N_("Undelivered messages"),
           help=N_("The undelivered messages ({console.clear_filter} clears)")),
    Action("calls.emergencies", _filter(EMERGENCIES_FILTER), title=N_("Open emergencies"),
           help=N_("Filter the Calls pane to open emergencies")),

    Action("orders.closed", _filter("status:closed"), title=N_("Closed work orders"),
           help=N_("Work orders that ended, however old (the filter status:closed)")),
    Action("orders.new", form("order_forms", "NewOrderForm"), "order.create", title=N_("New work order"),
           help=N_("New work order: unit, class, what is wrong, fee")),
    Action("orders.open", _open_order, needs_record=True, key_id=ENTER,
           help=N_("The order with its reminders and whole history")),
    Action("orders.acknowledge", later("order_detail", "acknowledge"), "reminder.ack", True,
           help=N_("Acknowledge its reminders (in the order's detail)")),
    Action("orders.follow_up", later("order_detail", "follow_up"), "order.followup", True,
           help=N_("A follow-up: the owner's sign-off, the area manager's look, the written reply, the fee collected")),
    Action("orders.dossier", _dossier, needs_record=True, help=N_("The unit's dossier (in the order)")),
    Action("orders.dispatch", form("order_forms", "DispatchForm"), "order.dispatch", True,
           N_("Dispatch the selected order"),
           N_("Dispatch: department, person, booked visit time")),
    Action("orders.arrive", form("order_forms", "ArriveForm"), "order.arrive", True,
           N_("Mark the selected order arrived"),
           N_("Arrived on site: the respond clock stops")),
    Action("orders.complete", form("order_forms", "CompleteForm"), "order.complete", True,
           N_("Complete the selected order"),
           N_("Complete: work done, materials, hours, fee")),
    Action("orders.callback", form("order_forms", "CallbackForm"), "order.callback", True,
           N_("Call back the owner of the selected order"),
           N_("Call-back: satisfied closes, unsatisfied reopens")),
    Action("orders.extend", later("order_forms", "extend"), "order.extend.request", True,
           N_("Extend the selected order"),
           N_("Extension: ask, or (supervisor) approve or refuse")),
    Action("orders.cancel", later("order_forms", "cancel_or_return"), "order.cancel", True,
           N_("Cancel or return the selected order"),
           N_("Cancel (before dispatch) or return (a supervisor signs)")),

    Action("log.new", form("log_entry", "LogEntryForm"), "log.add", title=N_("New log entry"),
           help=N_("New entry: note, incident, patrol, instruction")),
    Action("log.open", _open_entry, needs_record=True, key_id=ENTER, help=N_("The entry (the keys below work there)")),
    Action("log.done", later("log_entry", "mark_done"), "log.done", True,
           help=N_("Mark an instruction or incident done (in the entry)")),
    Action("log.correct", later("log_entry", "correct"), "log.add", True,
           help=N_("Correct it: a new entry that links back (in the entry)")),

    Action("log.dossier", _dossier, needs_record=True, help=N_("The unit's dossier (in the entry)")),
    Action("keys.issue", later("key_forms", "issue"), "key.issue", title=N_("Issue a key"),
           help=N_("Issue a key: tag, to whom, purpose, due back")),
    Action("keys.open", _open_key, needs_record=True, key_id=ENTER,
           help=N_("The key's history: every loan, who authorised it")),
    Action("keys.return", form("key_forms", "ReturnKeyForm"), "key.return", True, N_("Return the selected key"),
           N_("Return the key: condition, note, received by you"),
           fits=lambda key: key.status == "out",
           choose=N_("Put the cursor on a key that is out, then press {keys.return}.")),
    Action("keys.report", form("key_forms", "ReportKeyForm"), "key.report", True,
           N_("Report the selected key lost or broken"),
           N_("Report the key lost or broken (it leaves the board)"),
           fits=lambda key: key.status in ("board", "out"),
           choose=N_("Put the cursor on a key on the board or out, then press {keys.report}.")),
    Action("keys.dossier", _dossier, needs_record=True, help=N_("The unit's dossier (in the key)")),
    Action("keys.catalogue", later("key_forms", "catalogue"), "key.catalogue",
           title=N_("Edit the selected key in the catalogue"),
           help=N_("The key catalogue (supervisor)"),
           refused=N_("Only a supervisor manages the key catalogue.")),
    Action("keys.add", form("key_forms", "CatalogueForm"), "key.catalogue", title=N_("Add a key to the catalogue"),
           help=N_("A new tag on the board"), refused=N_("Only a supervisor manages the key catalogue.")),

    Action("frontdesk.parcels", _register("parcels"), title=N_("Parcels waiting"),
           help=N_("Parcels: waiting first, the oldest at the top")),
    Action("frontdesk.visitors", _register("visitors"), title=N_("Visitors on site"),
           help=N_("Visitors: VIPs expected, then those on site (☾ after office hours)")),
    Action("frontdesk.passes", _register("passes"), title=N_("Goods-release passes"),
           help=N_("Goods-release passes: open first, then the others of the day")),
    Action("frontdesk.found", _register("found"), title=N_("Lost and found"),
           help=N_("Lost and found: the items kept first")),
    Action("frontdesk.new", later("frontdesk_forms", "new"), title=N_("New front-desk record"),
           help=N_("New in the register shown: parcel, visitor (or a VIP ahead), pass, found item")),
    Action("frontdesk.open", later("frontdesk_forms", "open_record"), needs_record=True, key_id=ENTER,
           help=N_("The selected row's next step: hand over, arrived, signed out, let out, claimed")),
    Action("frontdesk.notify", form("frontdesk_forms", "NotifyParcelForm"), "parcel.notify", True,
           N_("Tell the addressee"),
           N_("Tell the addressee a parcel waits (again after a day)"),
           fits=later("frontdesk_forms", "is_waiting_parcel"),
           choose=N_("Put the cursor on a waiting parcel, then press {frontdesk.notify}.")),
    Action("frontdesk.collect", form("frontdesk_forms", "CollectParcelForm"), "parcel.collect", True,
           N_("Hand over the selected parcel"),
           N_("Hand over a parcel: who, ID checked (last four), signed"),
           fits=later("frontdesk_forms", "is_waiting_parcel"),
           choose=N_("Put the cursor on a waiting parcel, then press {frontdesk.collect}.")),
    Action("frontdesk.return", form("frontdesk_forms", "ReturnParcelForm"), "parcel.return", True,
           N_("Return the selected parcel to the sender"), N_("Return a parcel to the sender, with the reason"),
           fits=later("frontdesk_forms", "is_waiting_parcel"),
           choose=N_("Put the cursor on a waiting parcel, then press {frontdesk.return}.")),
    Action("frontdesk.arrived", later("frontdesk_forms", "arrived"), "visitor.sign_in", True,
           N_("The expected VIP arrived"),
           N_("An expected VIP arrived: the time in is now"), fits=later("frontdesk_forms", "is_expected_vip"),
           choose=N_("Show the visitors ({frontdesk.visitors}), put the cursor on an expected VIP, then press "
                     "{frontdesk.arrived}.")),
    Action("frontdesk.sign_out", later("frontdesk_forms", "sign_out"), "visitor.sign_out", True,
           N_("Sign the selected visitor out"),
           N_("A visitor left: the time out is now (an expected VIP: did not come)"),
           fits=later("frontdesk_forms", "is_visitor_here_or_expected"),
           choose=N_("Show the visitors ({frontdesk.visitors}), put the cursor on one on site, then press "
                     "{frontdesk.sign_out}.")),
    Action("frontdesk.release", form("frontdesk_forms", "ReleasePassForm"), "pass.release", True,
           N_("Release the selected pass at the gate"),
           N_("Let the goods out at the gate: the pass checked, the time and who"),
           fits=later("frontdesk_forms", "is_open_pass"),
           choose=N_("Show the passes ({frontdesk.passes}), put the cursor on an open pass, then press "
                     "{frontdesk.release}.")),
    Action("frontdesk.claim", form("frontdesk_forms", "ClaimItemForm"), "lost.claim", True,
           N_("Hand the selected found item back"),
           N_("A found item claimed: by whom, the ID checked (type, last four)"),
           fits=later("frontdesk_forms", "is_kept_item"),
           choose=N_("Show lost and found ({frontdesk.found}), put the cursor on an item kept, then press "
                     "{frontdesk.claim}.")),
    Action("frontdesk.dossier", _dossier, needs_record=True,
           help=N_("The unit's dossier (in a parcel, visit or pass found by search)")),
)
ACTIONS: dict[str, Action] = {action.id: action for action in TABLE}

# What `run` says when an action needs a selected record and there is none, pane by pane.
CHOOSE = {"calls": N_("Choose a call first."), "orders": N_("Choose an order first."),
          "log": N_("Choose an entry first."), "keys": N_("Choose a key first."),
          "frontdesk": N_("Choose a row first.")}

_NOT_GIVEN = object()


def holds_desk(app) -> bool:
    """Whether the signed-on operator holds the desk: as the console last read it, else asked now."""
    console = app.console_screen
    data = console.data if console is not None else None
    if data is not None and data.shift is not None:
        return data.shift.holder_code == app.operator.code
    return people.holds_desk(app.operator, app.clock.now())


def allowed(app, action: Action, record=None) -> bool:
    """Whether the signed-on operator may do `action` now (on `record`): people.may, with the hour and
    whether they hold the desk for what the desk's holder does at night (and to an emergency at any
    hour). The key, the footer, the palette and the help all ask here."""
    operator = app.operator
    if action.permission is None:
        return True
    if operator is None:
        return False
    if not people.by_holder(operator, action.permission):
        return people.may(operator, action.permission)
    return people.may(operator, action.permission, app.clock.now(), app.engine, holds_desk=holds_desk(app),
                      sla_class=getattr(record, "sla_class", ""))


def ended(action: Action, record) -> bool:
    """Whether `action` would act on a work order that has ended (listed by status:closed): such an
    order is read-only, it only opens."""
    return (action.pane == "orders" and action.needs_record and action.key_id != ENTER
            and getattr(record, "status", None) in orders.ENDED_STATUSES)


def run(host, action_id: str, *, pane: Pane | None = None, key=None, record=_NOT_GIVEN,
        done: Callable[[object], None] | None = None) -> bool:
    """The one route: who may, which record, then the action's form or flow. `host` is the screen it was
    asked on; `pane` and `key` the pane and its selected row (the record is looked up there), or
    `record` the record a record's screen shows; `done` what that screen does after a save."""
    action = ACTIONS[action_id]
    app = host.app
    operator = app.operator
    if record is _NOT_GIVEN:
        record = pane.record(key) if pane is not None and key is not None else None
    if not allowed(app, action, record):
        message = _(action.refused) if action.refused else _(
            "A {role} may not do this ({action}).", role=_(operator.role) if operator else "?",
            action=action.permission)
        app.notify(message, severity="warning" if action.refused else "error")
        return False
    if ended(action, record):
        app.notify(_("{number} has ended ({status}): it is read-only.", number=record.number,
                     status=label(record.status)), severity="warning")
        return False
    if action.needs_record and (record is None or (action.fits is not None and not action.fits(record))):
        app.notify(keys_text(app, _(action.choose or CHOOSE[action.pane])), severity="warning")
        return False
    action.flow(Job(host, action, record, pane, done))
    return True


# --- the command palette and the help, from the table ----------------------------------------

def palette(console) -> Iterator[tuple[str, str, Callable[[], None]]]:
    """(title, help, callback) for each action the signed-on operator may do that has a palette title.
    A pane's action first shows its pane, then runs on that pane's selected record, as its key would."""
    app = console.app
    titles = {pane.pane_id: _(pane.title) for pane in PANES}
    selected = {pane.pane_id: pane.record(pane.table.cursor_key) for pane in console.panes}
    for action in TABLE:
        if not action.title or not allowed(app, action, selected.get(action.pane)):
            continue
        where = titles.get(action.pane)
        key = keymap.key_of(app.config.keymap, action.binding) if action.binding in keymap.DEFAULTS else ""
        words = keys_text(app, _(action.help)) if action.help else ""
        said = " · ".join(p for p in (where, keymap.label(key) if key else "", words) if p)
        yield _(action.title), said, (lambda action_id=action.id: from_palette(console, action_id))


def from_palette(console, action_id: str) -> bool:
    action = ACTIONS[action_id]
    pane = next((p for p in console.panes if p.pane_id == action.pane), None)
    if pane is None:
        return run(console, action_id)
    console.action_show_pane(pane.number)
    return run(console, action_id, pane=pane, key=pane.table.cursor_key)


# Keys that are not a pane's: the handover screen's and every form's, said in a line each.
OTHER_KEYS: tuple[tuple[str, tuple[tuple[tuple[str, ...], str], ...]], ...] = (
    (N_("Handover"), (
        (("handover.receive", "handover.ack", "handover.ack_section", "handover.query", "handover.supervise",
          "handover.complete"), N_("Sign on, acknowledge, whole section, query, supervisor, complete")),
        (("handover.reply",), N_("The outgoing operator answers a query, or carries it over")),
        (("handover.sheet",), N_("The sheet; {sheet.addendum} adds to it once closed")),
    )),
    (N_("Search"), (
        (("search.again",), N_("Type again; Enter opens the record found")),
        (("search.dossier",), N_("The unit's dossier of the result")),
        (("dossier.newer", "dossier.older"), N_("Newer, older records in the dossier")),
    )),
    (N_("Forms"), (
        (("form.save",), N_("Save")),
        (("form.cancel",), N_("Close without saving (asks first if anything was typed)")),
    )),
)


def help_sections(app) -> list[tuple[str, list[tuple[str, str]]]]:
    """The `?` screen: (heading, [(keys, what they do)]) for the console, each pane and the other screens,
    each key as this console has it. Consecutive actions with the same words share a line ("1 2 3 4")."""
    site = app.config.keymap
    headings = {"console": _("Console"), **{
        p.pane_id: f"{keymap.label(keymap.key_of(site, f'console.pane{p.number}'))} {_(p.title)}" for p in PANES}}
    sections: dict[str, list[tuple[str, str]]] = {name: [] for name in headings}
    for action in TABLE:
        words = action.help or action.title
        if not words or action.binding not in keymap.DEFAULTS:
            continue
        key = keymap.label(keymap.key_of(site, action.binding))
        text = keymap.fill(_(words), site)
        lines = sections[action.pane]
        if lines and lines[-1][1] == text:
            lines[-1] = (f"{lines[-1][0]} {key}", text)
        else:
            lines.append((key, text))
    palette_key = keymap.label(keymap.normalize(app.COMMAND_PALETTE_BINDING))
    sections["console"].append((palette_key, _("Command palette: every action by name")))
    result = [(headings[name], lines) for name, lines in sections.items()]
    for heading, entries in OTHER_KEYS:
        result.append((_(heading), [(" ".join(keymap.label(keymap.key_of(site, b)) for b in ids),
                                     keymap.fill(_(words), site)) for ids, words in entries]))
    return result
