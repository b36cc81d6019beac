"""Pane 2: open work orders, what breaches first at the top, with their follow-up reminders.

The filter line (`/`) takes words and a status tag, `status:` (also `st:`, `状态:`): an open status
narrows the open orders (status:dispatched); an ended one lists the orders that ended, newest first,
read from the database however old (status:closed, status:cancelled, status:returned; a prefix or the
translated name works: status:c, 状态:已关闭). Words must all appear; for ended orders they are matched
in the search index (an order's whole words, notes included).
"""
from __future__ import annotations

from datetime import datetime

from textual import work
from textual.binding import Binding

from .. import countdown, orders, search
from ..console_data import ConsoleData
from ..errors import Refusal, explain
from ..i18n import _, label
from ..people import may
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


class OrdersPane(Pane):
    number = 2
    source = "orders"
    title = "Work orders"
    empty_text = "No open work orders."

    BINDINGS = [
        Binding("n", "new_order", "New", id="orders.new"),
        Binding("d", "dispatch", "Dispatch", id="orders.dispatch"),
        Binding("a", "arrive", "Arrived", id="orders.arrive"),
        Binding("c", "complete", "Complete", id="orders.complete"),
        Binding("b", "callback", "Call back", id="orders.callback"),
        Binding("e", "extend", "Extend", id="orders.extend"),
        Binding("x", "cancel_return", "Cancel/return", id="orders.cancel"),
    ]

    def __init__(self, tz) -> None:
        super().__init__(tz)
        self._orders: dict[int, orders.OrderRow] = {}
        self._counted = None
        self._ended: dict[int, orders.OrderRow] = {}   # ended orders the filter listed
        self._ended_key = None                         # (statuses, words) they were read for
        self._ended_timer = None

    def on_mount(self) -> None:
        super().on_mount()
        self.table.dynamic_renderer = render_order_cell

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

    def rows(self, data: ConsoleData) -> list[Row]:
        self._orders = {o.id: o for o in data.orders}
        return self.build_rows(data.orders, self._row)

    def _row(self, o: orders.OrderRow, ended: bool = False) -> Row:
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
                   "class": label(o.sla_class), "status": status, "who": who, "what": line(o.description),
                   "due": "" if o.clocks else "—", "then": ""},
            style="muted" if ended else ("alarm" if o.sla_class == "emergency" else ""),
            dynamic={} if ended else dynamic,
        )

    # --- the filter: open orders by status and words; ended ones read from the database ------------

    def _apply_filter(self) -> None:
        statuses, words = order_filter(self._filter)
        if not statuses and not words:
            self._ended, self._ended_key = {}, None
            self.table.set_rows(self._rows)
            return
        shown = [row for row in self._rows
                 if (not statuses or self._orders[row.key].status in statuses)
                 and all(any(w in text.casefold() for text in row.cells.values()) for w in words)]
        ended = tuple(s for s in statuses if s in orders.ENDED_STATUSES)
        key = (ended, " ".join(words)) if ended else None
        if key != self._ended_key:
            self._ended, self._ended_key = {}, key
            self._read_ended_soon()
        seen = {row.key for row in shown}
        shown += [self._row(o, ended=True) for o in self._ended.values() if o.id not in seen]
        self.table.set_rows(shown)

    def _read_ended_soon(self) -> None:
        if self._ended_timer is not None:
            self._ended_timer.stop()
            self._ended_timer = None
        key = self._ended_key
        if key is not None:
            self._ended_timer = self.set_timer(ENDED_DEBOUNCE, lambda: self._read_ended(key))

    @work(thread=True, exclusive=True, group="orders-ended")
    def _read_ended(self, key) -> None:
        try:
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

    # --- actions -------------------------------------------------------------------------

    def current(self) -> orders.OrderRow | None:
        key = self.table.cursor_key
        return self._orders.get(key) if key is not None else None

    def _allowed(self, action: str) -> bool:
        op = self.app.operator
        if op is None or not may(op, action):
            role = _(op.role) if op else "?"
            self.app.notify(_("A {role} may not do this ({action}).", role=role, action=action), severity="error")
            return False
        return True

    def _selected(self) -> orders.OrderRow | None:
        row = self.current()
        if row is None:
            ended = self._ended.get(self.table.cursor_key)
            if ended is not None:
                self.app.notify(_("{number} has ended ({status}): it is read-only.", number=ended.number,
                                  status=label(ended.status)), severity="warning")
            else:
                self.app.notify(_("Choose an order first."), severity="warning")
        return row

    def saved(self, result) -> None:
        """A form or an action changed an order: show it, selected."""
        if result is None:
            return
        key = result if isinstance(result, int) else None
        if key is not None:
            self.select(key)
        self.app.reload()

    def run_action(self, fn, success: str) -> bool:
        """A one-key action with no form: its refusal becomes a notification."""
        try:
            fn()
        except Refusal as exc:
            self.app.notify(explain(exc, self.app.config.tz), severity="error")
            return False
        self.app.notify(success)
        self.app.reload()
        return True

    def action_new_order(self) -> None:
        from ..screens.order_forms import NewOrderForm
        if self._allowed("order.create"):
            self.app.push_screen(NewOrderForm(), self.saved)

    def action_dispatch(self) -> None:
        from ..screens.order_forms import DispatchForm
        row = self._selected()
        if row and self._allowed("order.dispatch"):
            self.app.push_screen(DispatchForm(row), self.saved)

    def action_arrive(self) -> None:
        row = self._selected()
        if row and self._allowed("order.arrive"):
            app = self.app
            self.run_action(lambda: orders.arrive(app.operator, app.clock.now(), row.id),
                            _("{number}: on site.", number=row.number))

    def action_complete(self) -> None:
        from ..screens.order_forms import CompleteForm
        row = self._selected()
        if row and self._allowed("order.complete"):
            self.app.push_screen(CompleteForm(row), self.saved)

    def action_callback(self) -> None:
        from ..screens.order_forms import CallbackForm
        row = self._selected()
        if row and self._allowed("order.callback"):
            self.app.push_screen(CallbackForm(row), self.saved)

    def action_extend(self) -> None:
        from ..screens.order_forms import DecideForm, ExtendForm
        row = self._selected()
        if row is None:
            return
        if row.pending == "extension" and may(self.app.operator, "order.extend.approve"):
            self.app.push_screen(DecideForm(row), self.saved)
        elif self._allowed("order.extend.request"):
            self.app.push_screen(ExtendForm(row), self.saved)

    def action_cancel_return(self) -> None:
        from ..screens.order_forms import CancelReturnForm, DecideForm
        row = self._selected()
        if row is None:
            return
        if row.pending == "return" and may(self.app.operator, "order.return.approve"):
            self.app.push_screen(DecideForm(row), self.saved)
        elif self._allowed("order.cancel"):
            self.app.push_screen(CancelReturnForm(row), self.saved)

    def open_record(self, key) -> None:
        from ..screens.order_detail import OrderDetailScreen
        if key in self._orders:
            self.app.push_screen(OrderDetailScreen(key), self.saved)
        elif key in self._ended:
            self.app.push_screen(OrderDetailScreen(key, read_only=True))

    def commands(self):
        return (
            (_("New work order"), _("Log an order in the Work orders pane"), self._palette(self.action_new_order)),
            (_("Dispatch the selected order"), _("Work orders: d"), self._palette(self.action_dispatch)),
            (_("Mark the selected order arrived"), _("Work orders: a"), self._palette(self.action_arrive)),
            (_("Complete the selected order"), _("Work orders: c"), self._palette(self.action_complete)),
            (_("Call back the owner of the selected order"), _("Work orders: b"), self._palette(self.action_callback)),
            (_("Extend the selected order"), _("Work orders: e"), self._palette(self.action_extend)),
            (_("Cancel or return the selected order"), _("Work orders: x"), self._palette(self.action_cancel_return)),
            (_("Closed work orders"), _("Work orders: the filter status:closed"),
             self._palette(lambda: self.set_filter("status:closed"))),
        )

    def _palette(self, action):
        def run() -> None:
            screen = self.screen
            if hasattr(screen, "action_show_pane"):
                screen.action_show_pane(self.number)
            action()
        return run
