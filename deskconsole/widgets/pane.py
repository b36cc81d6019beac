"""The pane every concern builds on: a titled RecordTable with a filter line.

A pane only shows: its columns, a module-level function from a record to its row (`row_of`), its
summaries and its bindings. A key (or Enter) posts `Pane.ActionRequested`; what happens then is the
action table's (screens/actions.py)."""
from __future__ import annotations

from datetime import datetime
from typing import Callable

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.css.query import NoMatches
from textual.message import Message
from textual.widgets import Input

from .. import countdown
from ..console_data import ConsoleData
from ..i18n import _
from .bindings import AsksTheTable, translate_bindings
from .line_input import LineInput
from ..text import one_line
from .record_table import Column, RecordTable, Row


def line(text: str | None) -> str:
    """`text.one_line`, with a fast path for what nearly every stored text is: printable already.
    A printable str has no controls, format characters, line separators or whitespace other than
    the ASCII space (str.isprintable), so one_line only has to collapse and strip spaces."""
    if text and text.isprintable():
        if "  " in text or text[0] == " " or text[-1] == " ":
            return " ".join(text.split())
        return text
    return one_line(text)


def render_countdown(_column: str, value, now: datetime) -> tuple[str, str]:
    return countdown.render(value, now)


# Rows built ahead, off the main thread, while the operator signs on (see Pane.prebuild).
_PREBUILT: dict[type, dict] = {}


class Pane(AsksTheTable, Vertical, can_focus=False):
    """A titled pane: its table, and a filter line that `/` opens."""

    DEFAULT_CSS = """
    Pane { border: round $foreground 40%; height: 1fr; }
    Pane:focus-within { border: round $accent; }
    Pane > Input.pane-filter { display: none; height: 1; border: none; padding: 0 1; }
    Pane.-filtering > Input.pane-filter { display: block; }
    """

    number = 0
    pane_id = ""  # its name in the action table; its bindings' ids start with it ("calls.new")
    source = ""   # the ConsoleData field whose records are this pane's rows
    title = ""
    empty_text = "Nothing here."
    # row_of(record, tz) -> Row: a pure function of the record and the site's time zone (a staticmethod).
    row_of: Callable[..., Row]

    class ActionRequested(Message):
        """A key (or Enter) asks for the action `action_id` of the action table, on the record whose
        row is under the cursor (`key`; None when the pane shows no row)."""

        def __init__(self, pane: Pane, action_id: str, key) -> None:
            super().__init__()
            self.pane = pane
            self.action_id = action_id
            self.key = key

    def __init__(self, tz) -> None:
        super().__init__(id=f"pane-{self.number}")
        translate_bindings(self)  # every pane's keys in the footer speak the console's language
        self.tz = tz
        self._data: ConsoleData | None = None
        self._rows: list[Row] = []
        self._filter = ""
        self._pending_select = None
        self._row_cache: dict = {}

    def compose(self) -> ComposeResult:
        table = RecordTable(self.columns(), empty_text=_(self.empty_text), id=f"table-{self.number}")
        table.dynamic_renderer = render_countdown
        yield table
        filter_input = LineInput(placeholder=_("Filter: type to narrow, Esc clears"), classes="pane-filter",
                             id=f"filter-{self.number}")
        yield filter_input

    def on_mount(self) -> None:
        self.border_title = f"{self.number} {_(self.title)}"

    def action_request(self, action_id: str) -> None:
        """A key of this pane (widgets.bindings.request): one message, the rest is the action table's."""
        self.post_message(self.ActionRequested(self, action_id, self.table.cursor_key))

    def _may(self):
        return getattr(self.screen, "may", None)

    def requested_record(self):
        try:
            return self.record(self.table.cursor_key)
        except NoMatches:
            return None

    def on_record_table_row_highlighted(self, event: RecordTable.RowHighlighted) -> None:
        # Which keys are offered may depend on the record (an emergency at noon is the desk's).
        self.refresh_bindings()

    def on_record_table_row_selected(self, event: RecordTable.RowSelected) -> None:
        """Enter on a row: the `<pane>.open` action, the record with its history and its actions."""
        event.stop()
        if event.key is not None:
            self.post_message(self.ActionRequested(self, f"{self.pane_id}.open", event.key))

    def record(self, key):
        """The record shown with `key` in the data last shown, or None (gone since, or no such row)."""
        if key is None or self._data is None:
            return None
        return next((r for r in getattr(self._data, self.source) if r.id == key), None)

    def select(self, key) -> None:
        """Put the cursor on a record, e.g. the one just saved (once the reload shows it)."""
        if not self.table.move_cursor_to_key(key):
            self._pending_select = key

    _table: RecordTable | None = None

    @property
    def table(self) -> RecordTable:
        """The pane's table (composed once; looked up once: the tick asks every second)."""
        if self._table is None:
            self._table = self.query_one(RecordTable)
        return self._table

    def columns(self) -> list[Column]:
        raise NotImplementedError

    def rows(self, data: ConsoleData) -> list[Row]:
        row_of, tz = self.row_of, self.tz
        return self.build_rows(getattr(data, self.source), lambda record: row_of(record, tz))

    def summary(self, data: ConsoleData, now: datetime) -> str:
        """The pane's counts for the strip and its border."""
        raise NotImplementedError

    def short_summary(self, data: ConsoleData, now: datetime) -> str:
        """The same counts in a few characters, for the strip at 80x24."""
        raise NotImplementedError

    def build_rows(self, records, build) -> list[Row]:
        """`build(record)` for each record, but once per distinct record: the records are frozen
        dataclasses, so one unchanged since the last reload keeps its Row (and the table sees the
        same Row object: nothing to re-render)."""
        old, new, result = self._row_cache, {}, []
        ahead = _PREBUILT.pop(type(self), None) or {}
        for record in records:
            row = old.get(record) or ahead.get(record)
            if row is None:
                row = build(record)
            new[record] = row
            result.append(row)
        self._row_cache = new
        return result

    @classmethod
    def prebuild(cls, data: ConsoleData, tz) -> None:
        """Build the rows of `data` ahead (in the thread that read it, before this pane exists); the
        first `show` takes those of its records that are still the same. Rows are a function of the
        record and the time zone only (`row_of`)."""
        records = getattr(data, cls.source, None)
        if records is None:
            return
        row_of = cls.row_of
        _PREBUILT[cls] = {record: row_of(record, tz) for record in records}

    # Whether the rows depend on the time as well as on the records (the Work orders' order does).
    rows_follow_the_clock = False

    _rows_of = None   # the list of records the rows were last built from

    def show(self, data: ConsoleData) -> None:
        self._data = data
        # A reload keeps a list nobody changed as the very same object (console_data): then this
        # pane's rows are what they were, and a change elsewhere costs it nothing.
        records = getattr(data, self.source)
        if self.rows_follow_the_clock or records is not self._rows_of:
            self._rows_of = records
            self._rows = self.rows(data)
            self._apply_filter()
        pending = self._pending_select
        if pending is not None and self.table.move_cursor_to_key(pending):
            self._pending_select = None
        self.refresh_bindings()  # who holds the desk, and the hour, may have changed since

    # --- filter ------------------------------------------------------------------------

    def open_filter(self) -> None:
        self.add_class("-filtering")
        self.query_one(Input).focus()

    def set_filter(self, text: str) -> None:
        """Show the filter line holding `text` (a view the pane offers, e.g. status:closed); Esc clears it."""
        self.add_class("-filtering")
        self.query_one(Input).value = text
        self._filter = text.casefold().strip()
        self._apply_filter()
        self.table.focus()

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
