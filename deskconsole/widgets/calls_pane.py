"""Pane 1: the call log."""
from __future__ import annotations

from datetime import datetime

from .. import orders
from ..console_data import ConsoleData
from ..countdown import wall_deadline
from ..i18n import _, label
from ..text import one_line
from ..timefmt import local
from .pane import Pane
from .record_table import Column, Row


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
