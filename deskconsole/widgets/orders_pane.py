"""Pane 2: open work orders, what needs action now at the top, with their follow-up reminders.

The filter line (`/`) takes words and a status tag, `status:` (also `st:`, `状态:`): an open status
narrows the open orders (status:dispatched); an ended one lists the orders that ended, newest first,
read from the database however old (status:closed, status:cancelled, status:returned; a prefix or the
translated name works: status:c, 状态:已关闭). Words must all appear; for ended orders they are matched
in the search index (an order's whole words, notes included). An ended order opens read-only.
"""
from __future__ import annotations

from datetime import datetime

from dataclasses import replace

from textual import work

from .. import countdown, orders
from ..console_data import ConsoleData
from ..i18n import _, label
from .bindings import request
from .calls_pane import parse_filter
from .pane import Pane, line
from .record_table import Column, Row

REMINDER_MARK = "⚑"
# Ended orders listed at most (the newest); typing pauses this long (s) before they are read.
ENDED_LIMIT = 200
ENDED_DEBOUNCE = 0.2


def order_filter(text: str) -> tuple[list[str], list[str]]:
    """(statuses wanted, words) of the filter line: each status tag matched against the order statuses
    by prefix, as an id or translated (a tag that matches nothing keeps nothing)."""
    _cats, tags, words = parse_filter(text)
    if not tags:
        return [], words
    wanted = [s for s in orders.STATUSES
              if any(s.startswith(t) or label(s).casefold().startswith(t) for t in tags)]
    return wanted or ["-"], words


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


def ended_row(o: orders.OrderRow, tz=None) -> Row:
    """An ended order listed by the filter: greyed, its clocks stopped."""
    return replace(order_row(o, tz), style="muted", dynamic={})


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
        self._counted = countdown.UntilChange()
        self._ordered = None
        self._ended: dict[int, orders.OrderRow] = {}   # ended orders the filter listed
        self._ended_key = None                         # (statuses, words) they were read for
        self._ended_timer = None

    def on_mount(self) -> None:
        super().on_mount()
        self.table.dynamic_renderer = render_order_cell

    rows_follow_the_clock = True

    def rows(self, data: ConsoleData) -> list[Row]:
        # What needs action now first (orders.act_now_first), as of this reload: the same orders keep
        # their order until a reminder can come or go (orders.next_change), so a reload that changed
        # no order sorts and builds nothing.
        now = self.app.clock.now()
        kept = self._ordered   # (the orders list, valid until)
        if kept is not None and kept[0] is data.orders and (kept[1] is None or now < kept[1]) and self._rows:
            return self._rows
        self._ordered = (data.orders, orders.next_change(data.orders, now))
        ordered = orders.act_now_first(data.orders, now)
        return self.build_rows(ordered, lambda record: order_row(record, self.tz))

    def columns(self) -> list[Column]:
        # In 78 cells (80x24, or a grid cell at 160 columns) what is wrong is worth more than the second
        # clock and who has it (both on the order's screen): they give way first, then the class (at 120
        # columns). With room, the class, the status and who has it (department, technician) show whole.
        return [
            Column("remind", REMINDER_MARK, 2),
            Column("due", _("Due"), 12, align="right"),
            Column("then", _("Then"), 12, align="right", drop=3),
            Column("number", _("No."), 7),
            Column("unit", _("Unit"), 7),
            Column("class", _("Class"), 13, grow=19, drop=1),
            Column("status", _("Status"), 9, grow=12),
            Column("who", _("Dept/person"), 10, grow=24, drop=2),
            Column("what", _("What is wrong"), None, min_width=14),
        ]

    def record(self, key):
        """An open order as last shown, or an ended one the filter listed."""
        return super().record(key) or self._ended.get(key)

    # --- the filter: open orders by status and words; ended ones read from the database ------------

    def _apply_filter(self) -> None:
        statuses, words = order_filter(self._filter)
        if not statuses and not words:
            self._ended, self._ended_key = {}, None
            self.table.set_rows(self._rows)
            return
        open_order = super().record
        shown = [row for row in self._rows
                 if (not statuses or getattr(open_order(row.key), "status", None) in statuses)
                 and all(any(w in text.casefold() for text in row.cells.values()) for w in words)]
        ended = tuple(s for s in statuses if s in orders.ENDED_STATUSES)
        key = (ended, " ".join(words)) if ended else None
        if key != self._ended_key:
            self._ended, self._ended_key = {}, key
            self._read_ended_soon()
        seen = {row.key for row in shown}
        shown += [ended_row(o, self.tz) for o in self._ended.values() if o.id not in seen]
        self.table.set_rows(shown)

    def _read_ended_soon(self) -> None:
        if self._ended_timer is not None:
            self._ended_timer.stop()
            self._ended_timer = None
        key = self._ended_key
        if key is not None:
            self._ended_timer = self.set_timer(ENDED_DEBOUNCE, lambda: self._read_ended(key))

    @work(thread=True, exclusive=True, group="orders-ended", exit_on_error=False)
    def _read_ended(self, key) -> None:
        try:
            from .. import search   # here: search and reports (0.3 MB) load when ended orders are first asked for
            rows = search.ended_orders(self.app.engine, key[0], key[1], limit=ENDED_LIMIT)
        except Exception:  # noqa: BLE001 - a failed read is said in one line, never a traceback
            self.app.call_from_thread(self.app.notify, _("The ended orders could not be read: try again."),
                                      severity="error")
            return
        self.app.call_from_thread(self._show_ended, key, rows)

    def _show_ended(self, key, rows: list[orders.OrderRow]) -> None:
        if key != self._ended_key:
            return  # the filter has changed since
        self._ended = {o.id: o for o in rows}
        self._apply_filter()

    def show(self, data: ConsoleData) -> None:
        super().show(data)
        self._read_ended_soon()   # an order may have ended at another console since

    def counts(self, data: ConsoleData, now: datetime) -> tuple[int, int, int]:
        """(open, overdue, reminders) for the border, the strip and the header, recounted only when one
        can change."""
        rows = data.orders
        return self._counted.get((rows,), now, lambda: (len(rows), orders.overdue_count(rows, now),
                                                        orders.reminder_count(rows, now)),
                                 lambda: orders.next_change(rows, now))

    def summary(self, data: ConsoleData, now: datetime) -> str:
        open_, over, n = self.counts(data, now)
        text = _("{open} open, {over} overdue", open=open_, over=over)
        return text + (_(", {n} to follow up", n=n) if n else "")

    def short_summary(self, data: ConsoleData, now: datetime) -> str:
        open_, over, n = self.counts(data, now)
        text = _("Orders {open}/{over} over", open=open_, over=over)
        return text + (f" {REMINDER_MARK}{n}" if n else "")
