"""A supervisor's list of the site's records (staff, units): a title, a look-up line, the list, a line
for what happened, the footer. The records are read when the screen opens and after each change."""
from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Input, Static

from ..i18n import _
from ..widgets.footer import DeskFooter
from ..widgets.header import Line
from ..widgets.record_table import Column, RecordTable, Row
from ..widgets.bindings import translate_bindings
from ..widgets.line_input import LineInput


class ListScreen(Screen):
    BINDINGS = [
        Binding("escape", "back", "Back", id="list.back"),
        Binding("slash", "look_up", "Look up", id="list.look_up"),
    ]
    title_text = ""

    def __init__(self) -> None:
        super().__init__()
        translate_bindings(self)
        self.records: list = []
        self._words = ""

    # --- what a list gives -------------------------------------------------------------------

    def columns(self) -> list[Column]:
        raise NotImplementedError

    def read(self) -> list:
        raise NotImplementedError

    def row(self, record) -> Row:
        raise NotImplementedError

    def matches(self, record, words: str) -> bool:
        raise NotImplementedError

    def open(self, record) -> None:
        """Enter on a record."""

    # --- the screen --------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield Line(id="ls-title")
        yield LineInput(placeholder=_("Look up: type to narrow, Esc clears"), id="ls-filter")
        yield RecordTable(self.columns(), empty_text=_("Nothing here."), id="ls-table")
        yield Static("", id="ls-status", markup=False)
        yield DeskFooter(compact=True)

    @property
    def table(self) -> RecordTable:
        return self.query_one(RecordTable)

    def on_mount(self) -> None:
        self.reload()
        self.table.focus()

    def reload(self, keep=None) -> None:
        """Read the records again and show those the look-up keeps; the cursor stays on `keep` (a
        record's key) or where it was."""
        key = keep if keep is not None else self.table.cursor_key
        self.records = self.read()
        shown = [r for r in self.records if not self._words or self.matches(r, self._words)]
        self.table.set_rows([self.row(r) for r in shown])
        if key is None or not self.table.move_cursor_to_key(key):
            self.table.move_cursor_to_index(0)
        count = _("{n} of {m}", n=len(shown), m=len(self.records)) if self._words else str(len(self.records))
        self.query_one("#ls-title", Line).set_parts((_(self.title_text), "bold"), f" · {count} · ",
                                                    self.app.config.site_name)

    def selected(self):
        key = self.table.cursor_key
        return next((r for r in self.records if self.row_key(r) == key), None) if key is not None else None

    def row_key(self, record):
        return record.id

    def say(self, text: str) -> None:
        self.query_one("#ls-status", Static).update(text)

    def on_record_table_row_selected(self, event: RecordTable.RowSelected) -> None:
        event.stop()
        record = self.selected()
        if record is not None:
            self.open(record)

    # --- look-up -----------------------------------------------------------------------------

    def action_look_up(self) -> None:
        self.add_class("-filtering")
        self.query_one("#ls-filter", Input).focus()

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id == "ls-filter":
            event.stop()
            self._words = event.value.strip()
            self.reload()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id == "ls-filter":
            event.stop()
            self.table.focus()

    def action_back(self) -> None:
        filter_input = self.query_one("#ls-filter", Input)
        if self.has_class("-filtering"):
            filter_input.value = ""
            self._words = ""
            self.remove_class("-filtering")
            self.reload()
            self.table.focus()
            return
        self.app.pop_screen()
