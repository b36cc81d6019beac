"""Pane 3: the shift log."""
from __future__ import annotations

from datetime import datetime

from ..console_data import ConsoleData
from ..i18n import _, label
from ..text import one_line
from ..timefmt import local
from .pane import Pane
from .record_table import Column, Row


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
