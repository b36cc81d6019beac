"""Enter on a work order: the order, its reminders, and its whole history (every audit event). A closed
order found by search opens read-only."""
from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Static

from .. import orders
from ..errors import Refusal, explain
from ..i18n import _, label
from ..text import strip_controls
from ..timefmt import local
from .translated import translate_bindings


def action_text(action: str) -> str:
    texts = {
        "order.create": _("logged"), "order.dispatch": _("dispatched"), "order.arrive": _("on site"),
        "order.complete": _("done"), "order.callback": _("call-back"), "order.cancel": _("cancelled"),
        "order.void": _("voided"), "order.extend.request": _("extension asked"),
        "order.extend.approve": _("extension signed"), "order.extension.refuse": _("extension refused"),
        "order.return.request": _("return asked"), "order.return.approve": _("returned, signed"),
        "order.return.refuse": _("return refused"), "order.note": _("note"),
        "order.reminder.ack": _("reminder acknowledged"),
    }
    return texts.get(action, action)


def _plain(value) -> str:
    if isinstance(value, dict):
        return ", ".join(f"{k}={_plain(v)}" for k, v in value.items() if v not in (None, "", {}))
    if isinstance(value, list):
        return "; ".join(_plain(v) for v in value)
    return strip_controls(str(value))


class OrderDetailScreen(ModalScreen):
    DEFAULT_CSS = """
    OrderDetailScreen { align: center middle; }
    #order-detail { width: 100; max-width: 100%; height: auto; max-height: 100%; border: round $accent;
                    background: $surface; padding: 0 1; }
    #order-detail .section { text-style: bold; margin-top: 1; }
    #order-detail .reminder { color: $warning; }
    #order-keys { color: $text-muted; }
    """
    BINDINGS = [
        Binding("escape", "close", "Close", id="order_detail.close"),
        Binding("k", "acknowledge", "Acknowledge reminders", id="order_detail.ack"),
        Binding("u", "dossier", "Unit dossier", show=False, id="order_detail.dossier"),
    ]

    def __init__(self, order_id: int, *, read_only: bool = False) -> None:
        super().__init__()
        translate_bindings(self)
        self.order_id = order_id
        self.read_only = read_only
        self.changed = False
        self.unit_code = ""

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="order-detail"):
            yield Static("", id="order-body", markup=False)
            yield Static(_("Closed: read-only · u the unit's dossier · Esc closes") if self.read_only
                         else _("k acknowledges the reminders · Esc closes"), id="order-keys")

    def check_action(self, action: str, parameters) -> bool | None:
        return not (action == "acknowledge" and self.read_only)

    def on_mount(self) -> None:
        self.refresh_body()

    def refresh_body(self) -> None:
        app = self.app
        tz = app.config.tz
        now = app.clock.now()
        d = orders.detail(app.engine, self.order_id)
        r = d.row
        self.unit_code = r.unit_code
        t = lambda dt: local(dt, tz, "YYYY-MM-DD HH:mm") if dt else "—"  # noqa: E731
        lines: list = [(f"{r.number}  {label(r.sla_class)}  {label(r.status)}", "bold"), "\n"]
        facts = [
            (_("Unit"), r.unit_code or r.location), (_("What is wrong"), r.description),
            (_("Dept/person"), " ".join(p for p in (label(r.department) if r.department else "", r.assignee) if p)),
            (_("Logged"), f"{t(r.created_at)} {d.created_by}"),
            (_("Respond by"), t(d.respond_due_at)), (_("Resolve by"), t(d.resolve_due_at)),
            (_("Visit booked"), t(d.booked_visit_at)),
            (_("Chargeable"), (_("yes, fee {fee}", fee=d.fee_agreed) if d.chargeable else _("no"))),
        ]
        if d.work_done:
            facts += [(_("Work done"), d.work_done), (_("Materials used"), d.materials),
                      (_("Hours"), str(d.hours or "")), (_("Fee charged"), str(d.fee or ""))]
        if d.pending:
            facts.append((_("Waiting for a supervisor"), f"{label(d.pending)} {t(d.pending_until) if d.pending_until else ''} "
                          f"{d.pending_reason}"))
        if d.end_reason:
            facts.append((_("Reason"), d.end_reason))
        for name, value in facts:
            lines += [(f"{name}: ", "$text-muted"), strip_controls(str(value)), "\n"]
        self.due = orders.reminders(r, now)
        lines += ["\n", (_("Reminders"), "bold"), "\n"]
        if not self.due:
            lines += [_("None."), "\n"]
        for rem in self.due:
            lines += [(f"⚑ {local(rem.at, tz, 'MM-DD HH:mm')} {rem.text()}", "$warning"), "\n"]
        lines += ["\n", (_("History"), "bold"), "\n"]
        for item in d.history:
            lines += [f"{local(item.at, tz, 'MM-DD HH:mm')}  {item.actor:<6} ", (action_text(item.action), "bold"),
                      "  ", _plain({k: v for k, v in item.data.items()}), "\n"]
        body = self.query_one("#order-body", Static)
        body.update(Content.assemble(*lines))

    def action_close(self) -> None:
        self.dismiss(self.order_id if self.changed else None)

    def action_dossier(self) -> None:
        from .search import open_dossier
        open_dossier(self.app, self.unit_code)

    def action_acknowledge(self) -> None:
        if not self.due:
            self.app.notify(_("No reminders to acknowledge."))
            return
        app = self.app
        try:
            orders.acknowledge(app.operator, app.clock.now(), self.order_id, keys=[r.key for r in self.due])
        except Refusal as exc:
            self.app.notify(explain(exc, app.config.tz), severity="error")
            return
        self.changed = True
        self.refresh_body()

