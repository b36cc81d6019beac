"""Pane 3: the shift log, with what is carried over from earlier shifts."""
from __future__ import annotations

from datetime import datetime

from textual.binding import Binding

from ..console_data import ConsoleData
from ..i18n import _, label
from ..timefmt import local
from .pane import Pane, line
from .record_table import Column, Row


class LogPane(Pane):
    number = 3
    source = "log"
    title = "Shift log"
    empty_text = "Nothing logged this shift yet."

    BINDINGS = [
        Binding("n", "new_entry", "New entry", id="log.new"),
    ]

    def columns(self) -> list[Column]:
        return [
            Column("time", _("Time"), 11),
            Column("author", _("By"), 4),
            Column("kind", _("Kind"), 11),
            Column("unit", _("Unit"), 7),
            Column("text", _("Entry"), None, min_width=10),
        ]

    def rows(self, data: ConsoleData) -> list[Row]:
        return self.build_rows(data.log, self._row)

    def _row(self, e) -> Row:
        text = line(e.text)
        if e.corrects:
            text = _("(corrects L{id})", id=e.corrects) + " " + text
        if e.link:
            text = f"{e.link}: {text}"
        return Row(
            key=e.id,
            cells={"time": local(e.at, self.tz), "author": e.author,
                   "kind": ("● " if e.open else "") + label(e.kind), "unit": e.unit_code, "text": text},
            style="warn" if e.open and e.kind == "incident" else "",
        )

    def summary(self, data: ConsoleData, now: datetime) -> str:
        return _("{n} to carry over", n=data.open_log_items)

    def short_summary(self, data: ConsoleData, now: datetime) -> str:
        return _("Log {n} open", n=data.open_log_items)

    # --- actions -------------------------------------------------------------------------

    def action_new_entry(self) -> None:
        from ..screens.log_entry import LogEntryForm
        self.app.push_screen(LogEntryForm(), self._saved)

    def open_record(self, key) -> None:
        from ..screens.log_entry import LogEntryScreen
        self.app.push_screen(LogEntryScreen(key), self._saved)

    def _saved(self, entry_id) -> None:
        if entry_id is not None:
            self.select(entry_id)
            self.app.reload()

    def commands(self):
        from ..screens import handover
        app = self.app
        yield _("New log entry"), _("Write in the shift log"), self.action_new_entry
        yield _("Start the handover"), _("Compile the handover sheet now"), lambda: handover.start_handover(app)
        yield _("Handover history"), _("Every handover: who to whom, what was listed and queried"), \
            lambda: handover.show_history(app)
        yield _("Sign off without handover"), _("Leave the desk; recorded and shown on the next handover"), \
            lambda: handover.sign_off(app)
