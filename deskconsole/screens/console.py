"""The console: header, the four panes (one at a time below 120x36), the strip of counts, footer."""
from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from itertools import takewhile

from rich.cells import set_cell_size
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid
from textual.events import Resize
from textual.screen import Screen
from textual.widgets import Input

from ..widgets.footer import DeskFooter
from .. import keys, orders
from ..console_data import ConsoleData
from ..i18n import _
from ..widgets.header import Line
from ..widgets.panes import PANES, Pane
from ..widgets.record_table import RecordTable
from .help import HelpScreen
from .translated import translate_bindings

# At this size and larger all four panes show at once (ux.md).
GRID_MIN = (120, 36)


class ConsoleScreen(Screen):
    DEFAULT_CSS = """
    ConsoleScreen { layout: vertical; }
    #header { background: $panel; color: $foreground; }
    #strip { background: $panel; color: $text-muted; display: none; }
    #panes { grid-size: 1 1; height: 1fr; }
    ConsoleScreen.-compact #strip { display: block; }
    ConsoleScreen.-compact Pane { display: none; }
    ConsoleScreen.-compact Pane.-active { display: block; }
    ConsoleScreen.-grid #panes { grid-size: 2 2; }
    """

    BINDINGS = [
        Binding("1", "show_pane(1)", "Calls", show=False, id="console.pane1"),
        Binding("2", "show_pane(2)", "Orders", show=False, id="console.pane2"),
        Binding("3", "show_pane(3)", "Log", show=False, id="console.pane3"),
        Binding("4", "show_pane(4)", "Keys", show=False, id="console.pane4"),
        Binding("tab", "cycle_pane(1)", "Next pane", show=False, priority=True, id="console.next_pane"),
        Binding("shift+tab", "cycle_pane(-1)", "Previous pane", show=False, priority=True,
                id="console.previous_pane"),
        Binding("slash", "filter", "Filter", id="console.filter"),
        Binding("escape", "clear_filter", "Clear filter", show=False, id="console.clear_filter"),
        Binding("question_mark", "help", "Help", id="console.help"),
        Binding("h", "handover", "Handover", id="console.handover"),
        Binding("m", "reports", "Reports", id="console.reports"),
        # Not in the footer yet: the table of actions (screens/actions.py) will place it.
        Binding("s", "search", "Search", show=False, id="console.search"),
        Binding("ctrl+q", "app.quit", "Quit", priority=True, id="console.quit"),
    ]

    def __init__(self) -> None:
        super().__init__()
        translate_bindings(self)
        self.active = 1
        self.data: ConsoleData | None = None
        self._overdue_orders = 0

    def compose(self) -> ComposeResult:
        yield Line(id="header")
        with Grid(id="panes"):
            for pane in PANES:
                yield pane(self.app.config.tz)
        yield Line(id="strip")
        yield DeskFooter(compact=True)

    def on_mount(self) -> None:
        self._layout_for(self.app.size.width, self.app.size.height)
        self.action_show_pane(1)
        self.update_header(self.app.clock.now())
        # Show what the app read for the panes while they were built (or read it now).
        self.app.console_mounted()

    def on_resize(self, event: Resize) -> None:
        self._layout_for(event.size.width, event.size.height)

    def _layout_for(self, width: int, height: int) -> None:
        grid = width >= GRID_MIN[0] and height >= GRID_MIN[1]
        self.set_class(grid, "-grid")
        self.set_class(not grid, "-compact")

    # --- panes -------------------------------------------------------------------------

    @property
    def panes(self) -> list[Pane]:
        return list(self.query(Pane))

    def pane(self, number: int) -> Pane:
        return self.query_one(f"#pane-{number}", Pane)

    def action_show_pane(self, number: int) -> None:
        self.active = number
        for pane in self.panes:
            pane.set_class(pane.number == number, "-active")
        self.pane(number).table.focus()
        self.refresh_strip()

    def action_cycle_pane(self, step: int) -> None:
        if isinstance(self.focused, Input) and not self.focused.has_class("pane-filter"):
            return
        self.action_show_pane((self.active - 1 + step) % len(PANES) + 1)

    def on_descendant_focus(self, event) -> None:
        # A click or a filter line focused a pane: that pane is the active one.
        for pane in event.widget.ancestors:
            if isinstance(pane, Pane) and pane.number != self.active:
                self.active = pane.number
                for other in self.panes:
                    other.set_class(other is pane, "-active")
                self.refresh_strip()
                break

    def action_filter(self) -> None:
        self.pane(self.active).open_filter()

    def action_clear_filter(self) -> None:
        self.pane(self.active).close_filter()

    def action_help(self) -> None:
        self.app.push_screen(HelpScreen())

    def action_handover(self) -> None:
        from .handover import start_handover
        start_handover(self.app)

    def action_reports(self) -> None:
        """The monthly figures: every role may read them (a supervisor signs them)."""
        from .reports import ReportsScreen   # here: plotext loads only when the figures are opened
        self.app.push_screen(ReportsScreen())

    def action_search(self) -> None:
        """Search everything ever written (a screen of its own over the console)."""
        from .search import SearchScreen
        self.app.push_screen(SearchScreen())

    # --- data and time -----------------------------------------------------------------

    def show_data(self, data: ConsoleData, now: datetime) -> None:
        self.data = data
        with self.app.batch_update():
            for pane in self.panes:
                pane.show(data)
            self.tick(now)

    def show_saved_call(self, call, new: bool) -> None:
        """A call this console just saved (`call`: its CallRow as read back after the commit), shown
        at once in the Calls pane instead of after the next reload, which then replaces it: a new call
        goes on top (below the open emergencies, or first if it is one), an edited one replaces its row."""
        data = self.data
        if data is None:
            return
        rest = [c for c in data.calls if c.id != call.id]
        if new or len(rest) == len(data.calls):
            top = 0 if call.is_open_emergency else sum(1 for _ in takewhile(lambda c: c.is_open_emergency, rest))
            rows = rest[:top] + [call] + rest[top:]
        else:
            rows = [call if c.id == call.id else c for c in data.calls]
        counted = new and data.shift is not None and call.received_at >= data.shift.starts_at
        self.data = replace(data, calls=rows, calls_this_shift=data.calls_this_shift + (1 if counted else 0))
        now = self.app.clock.now()
        with self.app.batch_update():
            self.pane(1).show(self.data)
            self.update_header(now)
            self.refresh_strip(now)

    def tick(self, now: datetime) -> None:
        """The 1 s tick: countdown cells and the counts. No database, no layout."""
        for table in self.query(RecordTable):
            table.tick(now)
        self.update_header(now)
        self.refresh_strip(now)

    def update_header(self, now: datetime) -> None:
        """Site, operator and role, shift, clock (to the minute: a seconds clock would cost a slow
        link bytes every second), and the overdue and emergency counts, visible from every pane."""
        app = self.app
        op = app.operator
        data = self.data
        wide = self.size.width >= GRID_MIN[0]
        sep = " │ "
        site = app.config.site_name if wide else set_cell_size(app.config.site_name, 12).rstrip()
        parts: list = [(site, "bold")]
        if op:
            who = f"{op.code} {op.name} ({_(op.role)})" if wide else f"{op.code} {_(op.role)}"
            parts += [sep, who]
        if data and data.shift:
            shift = _(data.shift.kind)
            if wide:
                shift += " " + app.local_time(data.shift.starts_at, "HH:mm") + "–" + \
                    app.local_time(data.shift.ends_at, "HH:mm")
            parts += [sep, shift]
        # At 80 columns the date goes and the alarms shorten, so that all three alarms fit.
        parts += [sep, app.local_time(now, "YYYY-MM-DD HH:mm" if wide else "HH:mm")]
        overdue = orders.overdue_count(data.orders, now) if data else 0
        emergencies = data.open_emergencies if data else 0
        keys_over = keys.overdue_count(data.keys, now) if data else 0
        alarms = [
            (overdue, _("{n} OVERDUE", n=overdue) if wide else _("OVER {n}", n=overdue), "$error"),
            (emergencies, "‼ " + (_("{n} EMERGENCY", n=emergencies) if wide else _("EMERG {n}", n=emergencies)),
             "$warning"),
            (keys_over, _("{n} KEYS OVERDUE", n=keys_over) if wide else _("KEYS {n}", n=keys_over), "$error"),
        ]
        for count, text, colour in alarms:
            if count:
                parts += [" ", (f" {text} ", f"bold reverse {colour}")]
        for header in self.query("#header"):  # absent while the screen is being torn down
            header.set_parts(*parts)

    def refresh_strip(self, now: datetime | None = None) -> None:
        """The other panes' counts in one line (80x24), and each pane's counts on its border."""
        if self.data is None:
            return
        now = now or self.app.clock.now()
        parts: list = []
        for pane in self.panes:
            if parts:
                parts.append(" │ ")
            label = f"{pane.number} {pane.short_summary(self.data, now)}"
            parts.append((label, "bold") if pane.number == self.active else label)
            subtitle = pane.summary(self.data, now)
            if pane.border_subtitle != subtitle:  # Textual repaints the whole pane on every assignment
                pane.border_subtitle = subtitle
        for strip in self.query("#strip"):
            strip.set_parts(*parts)
