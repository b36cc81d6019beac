"""Pane 2: open work orders, what breaches first at the top."""
from __future__ import annotations

from datetime import datetime

from .. import orders
from ..console_data import ConsoleData
from ..i18n import _, label
from ..text import one_line
from .pane import Pane
from .record_table import Column, Row


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
