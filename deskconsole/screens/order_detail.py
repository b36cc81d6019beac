"""Enter on a work order: the order, its reminders, and its whole history (every audit event). A closed
order found by search opens read-only."""
from __future__ import annotations

from typing import TYPE_CHECKING, Callable

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Static

from .. import history, orders
from ..i18n import _, label
from ..text import strip_controls
from ..timefmt import local
from ..widgets.bindings import AsksTheTable, keys_text, request, translate_bindings
from .call_detail import history_lines

if TYPE_CHECKING:
    from .actions import Job


class OrderDetailScreen(AsksTheTable, ModalScreen):
    BINDINGS = [
        Binding("escape", "close", "Close", id="order_detail.close"),
        request("k", "orders.acknowledge", "Acknowledge reminders"),
        request("f", "orders.follow_up", "Follow-up"),
        request("u", "orders.dossier", "Unit dossier", show=False),
    ]

    def __init__(self, order_id: int, route: Callable[..., bool], *, read_only: bool = False) -> None:
        super().__init__()
        translate_bindings(self)
        self.order_id = order_id
        self.route = route  # the action table's route (screens/actions.run), given by whoever opens this
        self.read_only = read_only  # an order that ended (found by search, or status:closed): nothing to do
        self.changed = False

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="order-detail"):
            yield Static("", id="order-body", markup=False)
            if self.read_only:
                hint = _("Ended: read-only · {orders.dossier} the unit's dossier · {order_detail.close} closes")
            else:
                hint = _("{orders.acknowledge} acknowledges the reminders · {orders.follow_up} records a follow-up · {order_detail.close} closes")  # noqa: E501
            yield Static(keys_text(self.app, hint), id="order-keys")

    def check_action(self, action: str, parameters) -> bool | None:
        # An ended order only shows: its unit's dossier is the one thing asked of it.
        if action == "request" and self.read_only and parameters[:1] != ("orders.dossier",):
            return False
        return super().check_action(action, parameters)

    def on_mount(self) -> None:
        self.refresh_body()

    def refresh_body(self) -> None:
        app = self.app
        tz = app.config.tz
        now = app.clock.now()
        d = orders.detail(app.engine, self.order_id)
        r = self.row = d.row
        t = lambda dt: local(dt, tz, "YYYY-MM-DD HH:mm") if dt else "—"  # noqa: E731
        lines: list = [(f"{r.number}  {label(r.sla_class)}  {label(r.status)}", "bold"), "\n"]
        facts = [
            (_("Unit"), r.unit_code or r.location), (_("What is wrong"), r.description),
            (_("Dept/person"), " ".join(p for p in (label(r.department) if r.department else "", r.assignee) if p)),
            (_("Logged"), f"{t(r.created_at)} {d.created_by}"),
            (_("Respond by"), t(d.respond_due_at)), (_("Resolve by"), t(d.resolve_due_at)),
            (_("Visit booked"), t(d.booked_visit_at) + (" " + _("(chosen by the owner)") if d.booked_by_owner else "")),
            (_("Chargeable"), (_("yes, fee {fee}", fee=d.fee_agreed) if d.chargeable else _("no"))),
        ]
        if d.work_done:
            facts += [(_("Work done"), d.work_done), (_("Materials used"), d.materials),
                      (_("Hours"), str(d.hours or "")), (_("Fee charged"), str(d.fee or ""))]
        if r.calendar_guess:
            facts.append((_("Calendar"), orders.calendar_warning(r.calendar_guess)))
        if d.owner_signoff:
            facts.append((_("Owner's sign-off"), f"{label(d.owner_signoff)} {d.owner_signoff_by}"))
        if d.complaint_verdict or d.major:
            facts.append((_("Complaint"), " ".join(p for p in (label(d.complaint_verdict) if d.complaint_verdict
                                                                  else "", _("major") if d.major else "") if p)))
        if d.fee_collected is not None:
            facts.append((_("Fee collected"), str(d.fee_collected)))
        if d.pending:
            facts.append((_("Waiting for a supervisor"), f"{label(d.pending)} {t(d.pending_until) if d.pending_until else ''} "
                          f"{d.pending_reason}"))
        if d.end_reason:
            facts.append((_("Reason"), d.end_reason))
        for name, value in facts:
            lines += [(_("{label}: ", label=name), "$text-muted"), strip_controls(str(value)), "\n"]
        due = orders.reminders(r, now)
        lines += ["\n", (_("Reminders"), "bold"), "\n"]
        if not due:
            lines += [_("None."), "\n"]
        for rem in due:
            lines += [(f"⚑ {local(rem.at, tz, 'MM-DD HH:mm')} {rem.text()}", "$warning"), "\n"]
        lines.append("\n")
        body = self.query_one("#order-body", Static)
        body.update(Content.assemble(*lines) + history_lines(self.app, history.events_of("work_order", r.id)))

    def action_close(self) -> None:
        self.dismiss(self.order_id if self.changed else None)

    def requested_record(self):
        return getattr(self, "row", None)

    def action_request(self, action_id: str) -> None:
        """An action of the Work orders pane's table on this order (k: acknowledge its reminders)."""
        self.route(self, action_id, record=self.row, done=self.saved_here)

    def saved_here(self, _key) -> None:
        self.changed = True
        self.refresh_body()


def acknowledge(job: Job) -> None:
    """k in an order's screen: the reminders due now, acknowledged (the ⚑ goes from its row)."""
    app, row = job.app, job.record
    due = orders.reminders(row, app.clock.now())
    if not due:
        app.notify(_("No reminders to acknowledge."))
        return
    # A follow-up (sign-off, area manager, written reply) stays until it is done, not acknowledged.
    if job.attempt(lambda: orders.acknowledge(app.operator, app.clock.now(), row.id,
                                              keys=[r.key for r in due if not r.sticky])):
        job.saved(row.id)


def follow_up(job: Job) -> None:
    """f in an order's screen: the owner's sign-off, the area manager's look, the written reply, the fee
    collected, a supervisor's marks on a complaint (each desk function checks who may)."""
    from .order_forms import FollowUpForm
    job.open(FollowUpForm(job.record))
