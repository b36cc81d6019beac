"""Enter on a call: everything about it, its history (the audit events), and its actions (the Calls
pane's, by the same ids: the action table runs them). Also a read-only view of a work order raised
from a call."""
from __future__ import annotations

from typing import Callable

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Static

from ..widgets.footer import DeskFooter
from .. import calls, history, orders
from ..i18n import _, label
from ..text import strip_controls
from ..widgets.bindings import AsksTheTable, request, translate_bindings



def _plain(value) -> str:
    return strip_controls(str(value)) if value not in (None, "") else ""


def _lines(pairs) -> Content:
    """Label: value lines, user text as plain content (never markup)."""
    parts = []
    for name, value in pairs:
        if value in (None, ""):
            continue
        parts.append(Content.assemble((_("{label}: ", label=name), "$text-muted"), _plain(value), "\n"))
    return Content("").join(parts)


def history_lines(app, events: list[dict], **how) -> Content:
    """The record's history (history.lines, given `how`), user text as plain content (never markup)."""
    parts = [Content.assemble((_("History") + "\n", "bold"))]
    for line in history.lines(events, app.config.tz, app.clock.now(), **how):
        what = _("{event}: {changes}", event=line.event, changes=_("; ").join(line.changes)) \
            if line.changes else line.event
        parts.append(Content.assemble(
            (line.at + " ", "$text-muted"), (line.who + " ", "bold"), what,
            (history.ago_suffix(line.ago), "$text-muted"), "\n"))
    return Content("").join(parts)


class CallDetailScreen(AsksTheTable, ModalScreen):
    BINDINGS = [
        Binding("escape", "close", "Close", id="call.close"),
        request("e", "calls.edit", "Edit"),
        request("o", "calls.order", "Work order"),
        request("a", "calls.answer", "Answer"),
        request("d", "calls.deliver", "Delivered"),
        request("v", "calls.void", "Void"),
        request("u", "calls.dossier", "Unit dossier", show=False),
    ]

    def __init__(self, call_id: int, route: Callable[..., bool]) -> None:
        super().__init__()
        translate_bindings(self)
        self.call_id = call_id
        self.route = route  # the action table's route (screens/actions.run), given by whoever opens this
        self.changed = False

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="detail"):
            yield Static("", id="detail-title", markup=False)
            yield Static("", id="detail-fields", classes="detail-body")
            yield Static("", id="detail-history", classes="detail-body")
        yield DeskFooter(compact=True)

    def on_mount(self) -> None:
        self.refresh_detail()

    def refresh_detail(self) -> None:
        c = calls.detail(self.call_id)
        self.call = c
        app = self.app
        t = lambda dt: app.local_time(dt, "MM-DD HH:mm") if dt else ""  # noqa: E731
        self.query_one("#detail-title", Static).update(
            _("Call {id}", id=c.id) + f" · {label(c.category)} · {_(c.status)}")
        taken = _("taken by {code}", code=c.taken_by)
        pairs = [
            (_("Received"), f"{t(c.received_at)} {label(c.channel)} · {taken}"),
            (_("Caller"), c.caller), (_("Unit"), c.unit_code), (_("Phone"), c.phone),
            (_("What was said"), c.text),
        ]
        if c.category == "message":
            pairs += [(_("For whom"), c.message_for), (_("From whom"), c.message_from),
                      (_("Call back on"), c.callback_number)]
            if c.delivered_at:
                pairs.append((_("Delivered"), f"{t(c.delivered_at)} {c.delivered_by}"))
        if c.category == "inquiry":
            if c.reply_due_at and c.status == "open":
                pairs.append((_("Reply due"), t(c.reply_due_at)))
            if c.answered_at:
                pairs.append((_("Answered"), f"{t(c.answered_at)} {c.answered_by}"))
            pairs.append((_("Answer"), c.answer))
        if c.order_id:
            pairs.append((_("Work order"), orders.number(c.order_id)))
        if c.status == "void":
            pairs.append((_("Void because"), c.void_reason))
        self.query_one("#detail-fields", Static).update(_lines(pairs))
        self.query_one("#detail-history", Static).update(history_lines(app, c.history))

    def action_close(self) -> None:
        self.dismiss(self.call_id if self.changed else None)

    def requested_record(self):
        return getattr(self, "call", None)

    def action_request(self, action_id: str) -> None:
        """A key of the Calls pane's actions, on this call: the same table, the same flow."""
        self.route(self, action_id, record=self.call, done=self.saved_here)

    def saved_here(self, _key) -> None:
        self.changed = True
        self.refresh_detail()


class OrderSummaryScreen(ModalScreen):
    """A work order raised from a call, read-only: its fields and its history."""

    BINDINGS = [Binding("escape", "close", "Close", id="call.order_close")]

    def __init__(self, order_id: int) -> None:
        super().__init__()
        translate_bindings(self)
        self.order_id = order_id

    def compose(self) -> ComposeResult:
        o = calls.order_summary(self.order_id)
        app = self.app
        t = lambda dt: app.local_time(dt, "MM-DD HH:mm") if dt else ""  # noqa: E731
        pairs = [
            (_("Class"), label(o["sla_class"])), (_("Status"), _(o["status"])),
            (_("Unit"), o["unit"]), (_("Where"), o["location"]), (_("What is wrong"), o["description"]),
            (_("Department"), label(o["department"]) if o["department"] else ""), (_("Assignee"), o["assignee"]),
            (_("Logged"), t(o["created_at"])), (_("On site by"), t(o["respond_due_at"])),
            (_("Done by"), t(o["resolve_due_at"])),
            (_("From call"), f"#{o['call_id']}" if o["call_id"] else ""),
        ]
        with VerticalScroll(id="detail"):
            yield Static(_("Work order {number}", number=orders.number(o["id"])), id="detail-title", markup=False)
            yield Static(_lines(pairs), classes="detail-body")
            yield Static(history_lines(app, o["history"]), classes="detail-body")
        yield DeskFooter(compact=True)

    def action_close(self) -> None:
        self.dismiss(None)
