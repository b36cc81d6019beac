"""Enter on a call: everything about it, its history (the audit events), and its actions.
Also a read-only view of a work order raised from a call."""
from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Static

from ..widgets.footer import DeskFooter
from .. import calls, orders
from ..i18n import _, label
from ..text import strip_controls
from . import call_actions
from .translated import translate_bindings

DETAIL_CSS = """
#detail { width: 90; max-width: 100%; height: auto; max-height: 100%; border: round $accent;
          background: $surface; padding: 0 1; }
#detail-title { text-style: bold; }
.detail-body { height: auto; }
"""

ACTION_NAMES = {
    "call.add": "logged", "call.edit": "edited", "call.answer": "answered", "call.deliver": "delivered",
    "call.void": "voided", "call.order": "work order raised", "call.close": "closed",
    "order.create": "logged",
}
SKIP = {"status"}


def _plain(value) -> str:
    return strip_controls(str(value)) if value not in (None, "") else ""


def _lines(pairs) -> Content:
    """Label: value lines, user text as plain content (never markup)."""
    parts = []
    for name, value in pairs:
        if value in (None, ""):
            continue
        parts.append(Content.assemble((f"{name}: ", "$text-muted"), _plain(value), "\n"))
    return Content("").join(parts)


def history_lines(app, events: list[dict]) -> Content:
    parts = [Content.assemble((_("History") + "\n", "bold"))]
    for e in events:
        data = e["data"]
        change = ""
        before, after = data.get("before") or {}, data.get("after") or {}
        if e["action"] == "call.edit":
            change = "; ".join(f"{label(k)}: {before.get(k, '')} → {after.get(k, '')}" for k in after)
        elif after:
            shown = {k: v for k, v in after.items() if k not in SKIP and v not in ("", None)}
            if e["action"] in ("call.add", "order.create"):
                shown = {}
            if "order" in shown:
                shown["order"] = orders.number(shown["order"])
            change = "; ".join(f"{label(k)}: {v}" for k, v in shown.items())
        if "status" in after and e["action"] not in ("call.add",):
            change = (f"{_(before.get('status', ''))} → {_(after['status'])}" + ("; " + change if change else "")) \
                if before.get("status") else change
        action = _(ACTION_NAMES.get(e["action"], e["action"]))
        parts.append(Content.assemble(
            (app.local_time(e["at"], "MM-DD HH:mm") + " ", "$text-muted"), (f"{e['actor'] or '—'} ", "bold"),
            action, (": " + strip_controls(change)) if change else "", "\n"))
    return Content("").join(parts)


class CallDetailScreen(ModalScreen):
    DEFAULT_CSS = "CallDetailScreen { align: center middle; }\n" + DETAIL_CSS
    BINDINGS = [
        Binding("escape", "close", "Close", id="call.close"),
        Binding("e", "act('edit')", "Edit", id="call.edit"),
        Binding("o", "act('order')", "Work order", id="call.order"),
        Binding("a", "act('answer')", "Answer", id="call.answer"),
        Binding("d", "act('deliver')", "Delivered", id="call.deliver"),
        Binding("v", "act('void')", "Void", id="call.void"),
        Binding("u", "dossier", "Unit dossier", show=False, id="call.dossier"),
    ]

    def __init__(self, call_id: int) -> None:
        super().__init__()
        translate_bindings(self)
        self.call_id = call_id

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="detail"):
            yield Static("", id="detail-title", markup=False)
            yield Static("", id="detail-fields", classes="detail-body")
            yield Static("", id="detail-history", classes="detail-body")
        yield DeskFooter(compact=True)

    def on_mount(self) -> None:
        self.refresh_detail()

    def refresh_detail(self, _result=None) -> None:
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
        self.dismiss(None)

    def action_dossier(self) -> None:
        from .search import open_dossier
        open_dossier(self.app, self.call.unit_code)

    def action_act(self, what: str) -> None:
        flows = {"edit": call_actions.edit, "order": call_actions.order_from_call, "answer": call_actions.answer,
                 "deliver": call_actions.deliver, "void": call_actions.void}
        flows[what](self.app, self.call_id, self.refresh_detail)


class OrderSummaryScreen(ModalScreen):
    """A work order raised from a call, read-only: its fields and its history."""

    DEFAULT_CSS = "OrderSummaryScreen { align: center middle; }\n" + DETAIL_CSS
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
