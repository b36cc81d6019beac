"""The four panes: one widget per concern, each a RecordTable over rows from its desk module."""
from __future__ import annotations

from datetime import datetime

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Input

from .. import countdown, orders
from ..console_data import ConsoleData
from ..countdown import wall_deadline
from ..i18n import _, label
from ..text import one_line
from ..timefmt import local
from .record_table import Column, RecordTable, Row


def render_countdown(_column: str, value, now: datetime) -> tuple[str, str]:
    return countdown.render(value, now)


class Pane(Vertical, can_focus=False):
    """A titled pane: its table, and a filter line that `/` opens."""

    DEFAULT_CSS = """
    Pane { border: round $foreground 40%; height: 1fr; }
    Pane:focus-within { border: round $accent; }
    Pane > Input.pane-filter { display: none; height: 1; border: none; padding: 0 1; }
    Pane.-filtering > Input.pane-filter { display: block; }
    """

    number = 0
    title = ""
    empty_text = "Nothing here."

    def __init__(self, tz) -> None:
        super().__init__(id=f"pane-{self.number}")
        self.tz = tz
        self._rows: list[Row] = []
        self._filter = ""

    def compose(self) -> ComposeResult:
        table = RecordTable(self.columns(), empty_text=_(self.empty_text), id=f"table-{self.number}")
        table.dynamic_renderer = render_countdown
        yield table
        filter_input = Input(placeholder=_("Filter: type to narrow, Esc clears"), classes="pane-filter",
                             id=f"filter-{self.number}")
        yield filter_input

    def on_mount(self) -> None:
        self.border_title = f"{self.number} {_(self.title)}"

    @property
    def table(self) -> RecordTable:
        return self.query_one(RecordTable)

    def columns(self) -> list[Column]:
        raise NotImplementedError

    def rows(self, data: ConsoleData) -> list[Row]:
        raise NotImplementedError

    def summary(self, data: ConsoleData, now: datetime) -> str:
        """The pane's counts for the strip and its border."""
        raise NotImplementedError

    def short_summary(self, data: ConsoleData, now: datetime) -> str:
        """The same counts in a few characters, for the strip at 80x24."""
        raise NotImplementedError

    def show(self, data: ConsoleData) -> None:
        self._rows = self.rows(data)
        self._apply_filter()

    # --- filter ------------------------------------------------------------------------

    def open_filter(self) -> None:
        self.add_class("-filtering")
        self.query_one(Input).focus()

    def close_filter(self) -> None:
        filter_input = self.query_one(Input)
        filter_input.value = ""
        self.remove_class("-filtering")
        self.table.focus()

    def on_input_changed(self, event: Input.Changed) -> None:
        event.stop()
        self._filter = event.value.casefold().strip()
        self._apply_filter()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.table.focus()

    def _apply_filter(self) -> None:
        needle = self._filter
        if not needle:
            self.table.set_rows(self._rows)
            return
        self.table.set_rows([
            row for row in self._rows
            if any(needle in text.casefold() for text in row.cells.values())
        ])


class CallsPane(Pane):
    number = 1
    title = "Calls"
    empty_text = "No calls yet."

    def columns(self) -> list[Column]:
        return [
            Column("mark", "", 1),
            Column("time", _("Time"), 11),
            Column("category", _("Category"), 9),
            Column("unit", _("Unit"), 7),
            Column("caller", _("Caller"), 12),
            Column("text", _("What was said"), None, min_width=10),
            Column("reply", _("Reply/Order"), 12, align="right"),
        ]

    def rows(self, data: ConsoleData) -> list[Row]:
        result = []
        for c in data.calls:
            emergency = c.is_open_emergency
            mark = "‼" if emergency else ("?" if c.reply_due_at and c.status == "open" else "")
            dynamic = {}
            reply = ""
            if c.order_id:
                reply = orders.number(c.order_id)
            elif c.reply_due_at is not None and c.status == "open":
                dynamic["reply"] = wall_deadline(c.received_at, c.reply_due_at, "reply")
            elif c.status == "void":
                reply = _("void")
            result.append(Row(
                key=c.id,
                cells={"mark": mark, "time": local(c.received_at, self.tz), "category": label(c.category), "unit": c.unit_code,
                       "caller": one_line(c.caller), "text": one_line(c.text), "reply": reply},
                style="alarm" if emergency else ("muted" if c.status == "void" else ""),
                dynamic=dynamic,
            ))
        return result

    def summary(self, data: ConsoleData, now: datetime) -> str:
        emergencies = sum(1 for c in data.calls if c.is_open_emergency)
        text = _("{n} this shift", n=data.calls_this_shift)
        return text + (_(", {n} EMERGENCY", n=emergencies) if emergencies else "")

    def short_summary(self, data: ConsoleData, now: datetime) -> str:
        emergencies = sum(1 for c in data.calls if c.is_open_emergency)
        return _("Calls {n}", n=data.calls_this_shift) + (f" ‼{emergencies}" if emergencies else "")


class OrdersPane(Pane):
    number = 2
    title = "Work orders"
    empty_text = "No open work orders."

    def columns(self) -> list[Column]:
        return [
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
        result = []
        for o in data.orders:
            dynamic = {}
            if o.clocks:
                dynamic["due"] = o.clocks[0]
            if len(o.clocks) > 1:
                dynamic["then"] = o.clocks[1]
            who = " ".join(p for p in (label(o.department) if o.department else "", one_line(o.assignee)) if p)
            result.append(Row(
                key=o.id,
                cells={"number": o.number, "unit": o.unit_code or one_line(o.location), "class": label(o.sla_class),
                       "status": label(o.status), "who": who, "what": one_line(o.description),
                       "due": "" if o.clocks else "—", "then": ""},
                style="alarm" if o.sla_class == "emergency" else "",
                dynamic=dynamic,
            ))
        return result

    def summary(self, data: ConsoleData, now: datetime) -> str:
        return _("{open} open, {over} overdue", open=len(data.orders),
                 over=orders.overdue_count(data.orders, now))

    def short_summary(self, data: ConsoleData, now: datetime) -> str:
        return _("Orders {open}/{over} over", open=len(data.orders), over=orders.overdue_count(data.orders, now))


class LogPane(Pane):
    number = 3
    title = "Shift log"
    empty_text = "Nothing logged this shift yet."

    def columns(self) -> list[Column]:
        return [
            Column("time", _("Time"), 11),
            Column("author", _("By"), 4),
            Column("kind", _("Kind"), 11),
            Column("unit", _("Unit"), 7),
            Column("text", _("Entry"), None, min_width=10),
        ]

    def rows(self, data: ConsoleData) -> list[Row]:
        return [
            Row(
                key=e.id,
                cells={"time": local(e.at, self.tz), "author": e.author,
                       "kind": ("● " if e.open else "") + label(e.kind), "unit": e.unit_code,
                       "text": one_line(e.text)},
                style="warn" if e.open and e.kind == "incident" else "",
            )
            for e in data.log
        ]

    def summary(self, data: ConsoleData, now: datetime) -> str:
        return _("{n} to carry over", n=data.open_log_items)

    def short_summary(self, data: ConsoleData, now: datetime) -> str:
        return _("Log {n} open", n=data.open_log_items)


class KeysPane(Pane):
    number = 4
    title = "Keys"
    empty_text = "No keys in the register."

    def columns(self) -> list[Column]:
        return [
            Column("tag", _("Tag"), 9),
            Column("due", _("Due back"), 12, align="right"),
            Column("holder", _("With"), 14),
            Column("since", _("Since"), 11),
            Column("label", _("Opens"), None, min_width=10),
        ]

    def rows(self, data: ConsoleData) -> list[Row]:
        result = []
        for k in data.keys:
            dynamic = {}
            state = ""
            if k.status == "out" and k.due_at is not None:
                dynamic["due"] = wall_deadline(k.issued_at, k.due_at)
            elif k.status != "board":
                state = label(k.status)
            result.append(Row(
                key=k.id,
                cells={"tag": k.tag, "due": state or ("" if dynamic else _("on hook")),
                       "holder": one_line(k.holder), "since": local(k.issued_at, self.tz),
                       "label": one_line(k.label)},
                style="muted" if k.status in ("lost", "broken") else "",
                dynamic=dynamic,
            ))
        return result

    def summary(self, data: ConsoleData, now: datetime) -> str:
        out = [k for k in data.keys if k.status == "out"]
        over = sum(1 for k in out if k.overdue(now))
        return _("{out} out, {over} overdue", out=len(out), over=over)

    def short_summary(self, data: ConsoleData, now: datetime) -> str:
        out = [k for k in data.keys if k.status == "out"]
        return _("Keys {out} out/{over} over", out=len(out), over=sum(1 for k in out if k.overdue(now)))


PANES = (CallsPane, OrdersPane, LogPane, KeysPane)
