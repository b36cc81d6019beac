"""Pane 2: open work orders, what needs action now at the top, with their follow-up reminders."""
from __future__ import annotations

from datetime import datetime

from .. import countdown, orders
from ..console_data import ConsoleData
from ..i18n import _, label
from .bindings import request
from .pane import Pane, line
from .record_table import Column, Row

REMINDER_MARK = "⚑"


def render_order_cell(column: str, value, now: datetime) -> tuple[str, str]:
    """The tick's renderer: countdowns, and the reminder marker (a pure function of the row)."""
    if column == "remind":
        n = len(orders.reminders(value, now))
        if not n:
            return "", ""
        return (REMINDER_MARK if n == 1 else f"{REMINDER_MARK}{n}"), "band90"
    return countdown.render(value, now)


def order_row(o: orders.OrderRow, tz=None) -> Row:
    """An order as its row in the pane: a function of the order only (its clocks count down by the tick)."""
    dynamic: dict = {"remind": o}
    if o.clocks:
        dynamic["due"] = o.clocks[0]
    if len(o.clocks) > 1:
        dynamic["then"] = o.clocks[1]
    who = " ".join(p for p in (label(o.department) if o.department else "", line(o.assignee)) if p)
    status = label(o.status)
    if o.pending:
        status = f"{status}?"   # a request waits for a supervisor
    return Row(
        key=o.id,
        cells={"remind": "", "number": o.number, "unit": o.unit_code or line(o.location),
               "class": label(o.sla_class) + (" ≈" if o.calendar_guess else ""),   # ≈: calendar guessed
                   "status": status, "who": who, "what": line(o.description),
               "due": "" if o.clocks else "—", "then": ""},
        style="alarm" if o.sla_class == "emergency" else "",
        dynamic=dynamic,
    )


class OrdersPane(Pane):
    number = 2
    pane_id = "orders"
    source = "orders"
    title = "Work orders"
    empty_text = "No open work orders."

    row_of = staticmethod(order_row)
    BINDINGS = [
        request("n", "orders.new", "New"),
        request("d", "orders.dispatch", "Dispatch"),
        request("a", "orders.arrive", "Arrived"),
        request("c", "orders.complete", "Complete"),
        request("b", "orders.callback", "Call back"),
        request("e", "orders.extend", "Extend"),
        request("x", "orders.cancel", "Cancel/return"),
    ]

    def __init__(self, tz) -> None:
        super().__init__(tz)
        self._counted = None

    def on_mount(self) -> None:
        super().on_mount()
        self.table.dynamic_renderer = render_order_cell

    def rows(self, data: ConsoleData) -> list[Row]:
        # What needs action now first (orders.act_now_first), as of this reload.
        ordered = orders.act_now_first(data.orders, self.app.clock.now())
        return self.build_rows(ordered, lambda record: order_row(record, self.tz))

    def columns(self) -> list[Column]:
        return [
            Column("remind", REMINDER_MARK, 2),
            Column("due", _("Due"), 12, align="right"),
            Column("then", _("Then"), 12, align="right"),
            Column("number", _("No."), 7),
            Column("unit", _("Unit"), 7),
            Column("class", _("Class"), 13),
            Column("status", _("Status"), 9),
            Column("who", _("Dept/person"), 10),
            Column("what", _("What is wrong"), None, min_width=1),
        ]

    def _counts(self, data: ConsoleData, now: datetime) -> tuple[int, int, int]:
        """(open, overdue, reminders) for the border and the strip, recounted only when one can change."""
        cached = self._counted  # (data, valid until, computed at, counts)
        if cached is None or cached[0] is not data or now < cached[2] or (cached[1] is not None and now >= cached[1]):
            counts = (len(data.orders), orders.overdue_count(data.orders, now), orders.reminder_count(data.orders, now))
            # Valid from `now` until the next moment a count can change (or new data arrives).
            self._counted = (data, orders.next_change(data.orders, now), now, counts)
        return self._counted[3]

    def summary(self, data: ConsoleData, now: datetime) -> str:
        open_, over, n = self._counts(data, now)
        text = _("{open} open, {over} overdue", open=open_, over=over)
        return text + (_(", {n} to follow up", n=n) if n else "")

    def short_summary(self, data: ConsoleData, now: datetime) -> str:
        open_, over, n = self._counts(data, now)
        text = _("Orders {open}/{over} over", open=open_, over=over)
        return text + (f" {REMINDER_MARK}{n}" if n else "")
