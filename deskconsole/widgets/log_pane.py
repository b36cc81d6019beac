"""Pane 3: the shift log, with what is carried over from earlier shifts."""
from __future__ import annotations

from datetime import datetime

from .. import shifts
from ..console_data import ConsoleData
from ..i18n import _, label
from ..timefmt import local
from .bindings import request
from .pane import Pane, line
from .record_table import Column, Row


def entry_row(e: shifts.EntryRow, tz) -> Row:
    """A log entry as its row in the pane: a function of the entry and the time zone only."""
    text = line(e.text)
    if e.corrects:
        text = _("(corrects L{id})", id=e.corrects) + " " + text
    if e.link:
        text = f"{e.link}: {text}"
    return Row(
        key=e.id,
        cells={"time": local(e.at, tz), "author": e.author,
               "kind": ("● " if e.open else "") + label(e.kind), "unit": e.unit_code, "text": text},
        style="warn" if e.open and e.kind == "incident" else "",
    )


class LogPane(Pane):
    number = 3
    pane_id = "log"
    source = "log"
    title = "Shift log"
    empty_text = "Nothing logged this shift yet."

    row_of = staticmethod(entry_row)
    BINDINGS = [
        request("n", "log.new", "New entry"),
    ]

    def columns(self) -> list[Column]:
        return [
            Column("time", _("Time"), 11),
            Column("author", _("By"), 4),
            Column("kind", _("Kind"), 11),
            Column("unit", _("Unit"), 7),
            Column("text", _("Entry"), None, min_width=10),
        ]

    def summary(self, data: ConsoleData, now: datetime) -> str:
        return _("{n} to carry over", n=data.open_log_items)

    def short_summary(self, data: ConsoleData, now: datetime) -> str:
        return _("Log {n} open", n=data.open_log_items)
