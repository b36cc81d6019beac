"""`s` at the console: search everything ever written. Results grouped by kind, newest first; Enter
opens the record in its own detail screen (a closed work order read-only, with its whole history),
`u` the dossier of the record's unit."""
from __future__ import annotations

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Input, Static

from .. import search
from ..i18n import _
from ..timefmt import local
from ..widgets.footer import DeskFooter
from ..widgets.header import Line
from ..widgets.line_input import LineInput
from ..widgets.record_table import Column, RecordTable, Row
from ..widgets.bindings import keys_text, translate_bindings
from .dossier import kind_short, open_dossier, record_screen

# How many of each kind the screen lists (the newest); the status line says when there are more.
LIMIT = 30
# Keys further apart than this (seconds) are typed, not one burst (see _search).
BURST_GAP = 0.003

class SearchScreen(Screen):
    BINDINGS = [
        Binding("escape", "close", "Close", id="search.close"),
        Binding("u", "dossier", "Unit dossier", id="search.dossier"),
        Binding("slash", "focus_input", "Search", id="search.again"),
    ]

    def __init__(self, route, text: str = "") -> None:
        super().__init__()
        translate_bindings(self)
        self.route = route   # the action table's (screens/actions.run): the records open through it
        self.text = text
        self.found: dict = {}          # row key -> Hit
        self._words = text            # the words in the input now
        self._searching: str | None = None   # the words being searched (in a thread), if any
        self._shown_words: str | None = None
        self._burst = None                   # the timer that starts a search once a burst of keys is in

    def compose(self) -> ComposeResult:
        yield Line(id="search-title")
        yield LineInput(self.text, placeholder=_("Phone, name, unit, number (WO00211, C123, L5, H4), words"),
                    id="search-input")
        yield Static("", id="search-status", markup=False)
        yield RecordTable([
            Column("kind", _("Kind"), 6),
            Column("number", _("No."), 9),
            Column("when", _("Date"), 10),
            Column("unit", _("Unit"), 7),
            Column("who", _("Who"), 12, grow=26),   # with room: a name and a whole phone number
            Column("what", _("Summary"), None, min_width=20),   # the words before the who grows
            Column("status", _("Status"), 8),
        ], empty_text=_("Type to search every call, order, key, log entry, handover and front-desk record."),
            id="search-results")
        yield DeskFooter(compact=True)

    def on_mount(self) -> None:
        self.query_one("#search-title", Line).set_parts(keys_text(self.app, _(
            "Search everything: Enter opens a record, {search.dossier} its unit's dossier, {search.close} goes back")))
        self.query_one(Input).focus()
        if self.text:
            self._search(self.text)

    # --- typing and searching ------------------------------------------------------------
    # A search starts once the keys already received are in the input: the keys of one burst (a paste,
    # a fast typist's keys as an SSH link delivers them) reach the input a few milliseconds apart, each
    # its own event, so the search waits until none has come for BURST_GAP (one search and one paint
    # per burst, not one per key). Keys typed while a search runs wait for it, then the words as they
    # are by then are searched (one search behind at most, however fast the keys come). Words too
    # short to look up are said without a thread.

    def on_input_changed(self, event: Input.Changed) -> None:
        event.stop()
        self._search(event.value)

    def _search(self, text: str) -> None:
        self._words = text
        if self._searching is None:
            if self._burst is not None:
                self._burst.stop()
            self._burst = self.set_timer(BURST_GAP, self._burst_over)

    def _burst_over(self) -> None:
        self._burst = None
        if self._searching is None:
            self._begin()

    def _begin(self) -> None:
        text = self._searching = self._words
        terms, ignored = search.parse(text)
        if not terms:
            self.show(text, search.Found([], frozenset(), tuple(ignored)))
            return
        self.run_search(text)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.query_one(RecordTable).focus()

    def on_key(self, event) -> None:
        # Down from the words goes to the results.
        if event.key == "down" and isinstance(self.focused, Input):
            event.stop()
            self.query_one(RecordTable).focus()

    @work(thread=True, group="search")
    def run_search(self, text: str) -> None:
        try:
            found = search.find(text, limit=LIMIT, now=self.app.clock.now())
        except Exception:  # noqa: BLE001 - a failed read is said in one line, never a traceback
            self.app.call_from_thread(self._failed, text)
            return
        self.app.call_from_thread(self.show, text, found)

    def _next(self, text: str) -> bool:
        """The search of `text` is over: start the one for the words typed since, if any (True)."""
        self._searching = None
        if self._words != text:
            self._search(self._words)
            return True
        return False

    def _failed(self, text: str) -> None:
        if not self._next(text):
            self.query_one("#search-status", Static).update(_("The search could not be read: try again."),
                                                            layout=False)

    def show(self, text: str, found: search.Found) -> None:
        if self._next(text):
            return  # typing has moved on: its own search is under way
        new_words = text != self._shown_words
        self._shown_words = text
        tz = self.app.config.tz
        rows, self.found = [], {}
        for h in found.hits:
            key = (h.kind, h.id)
            self.found[key] = h
            rows.append(Row(key, {
                "kind": kind_short(h.kind), "number": search.short_number(h.kind, h.number, 9),
                "when": local(h.at, tz, "YYYY-MM-DD") if h.at else "", "unit": h.unit_code,
                "who": " ".join(p for p in (h.who, h.phone) if p),
                "what": h.what, "status": search.status_text(h.kind, h.status)},
                style="muted" if h.closed else ""))
        table = self.query_one(RecordTable)
        table.set_rows(rows)
        if new_words and rows:
            # Other words, other results: the cursor on the first (the best match), not on a record that an
            # earlier, shorter word also found further down.
            table.move_cursor_to_index(0)
        # One line of fixed height (the stylesheet): no layout pass for the whole screen on every key.
        self.query_one("#search-status", Static).update(self._status(text, found), layout=False)

    def _status(self, text: str, found: search.Found) -> str:
        if not text.strip():
            return ""
        if not found.hits and found.ignored and not search.parse(text)[0]:
            return _("Type three letters or digits, or two Chinese characters, to search.")
        counts: dict[str, int] = {}
        for h in found.hits:
            counts[h.kind] = counts.get(h.kind, 0) + 1
        parts = [f"{search.kind_title(k)} {n}{'+' if k in found.more else ''}" for k, n in counts.items()]
        line = " · ".join(parts) if parts else _("Nothing found.")
        if found.ignored:
            line += "  " + _("Too short to search for, left out: {words}", words=" ".join(found.ignored))
        return line

    # --- opening what was found -----------------------------------------------------------

    def current(self) -> search.Hit | None:
        key = self.query_one(RecordTable).cursor_key
        return self.found.get(key) if key is not None else None

    def on_record_table_row_selected(self, event: RecordTable.RowSelected) -> None:
        event.stop()
        h = self.found.get(event.key)
        if h is None:
            return
        screen = record_screen(h.kind, h.id, self.route, key_id=h.key_id, unit_code=h.unit_code, closed=h.closed)
        if screen is not None:
            self.app.push_screen(screen, self._back)

    def _back(self, changed) -> None:
        """A record's screen closed: search again if something was done there (a parcel handed over)."""
        if changed is not None:
            self._search(self._words)

    def action_dossier(self) -> None:
        h = self.current()
        if h is not None:
            open_dossier(self.app, h.unit_code, self.route)

    def action_focus_input(self) -> None:
        self.query_one(Input).focus()

    def action_close(self) -> None:
        self.dismiss(None)
