"""The console: header, the five panes (one at a time below 120x36), the strip of counts, footer.

At 120x36 and larger the grid is 2x2: Calls, Work orders, Shift log, and Keys or the Front desk in the
fourth cell: `5` puts the Front desk there, `4` (or Tab onto Keys) puts the Keys back."""
from __future__ import annotations

from datetime import datetime

from rich.cells import cell_len, set_cell_size
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid
from textual.events import Resize
from textual.screen import Screen
from textual.widgets import Input

from ..widgets.footer import DeskFooter
from .. import bell, countdown, orders
from ..console_data import ConsoleData
from ..i18n import _
from ..timefmt import local
from ..widgets.header import Line
from ..widgets.panes import PANES, Pane
from . import actions
from ..widgets.bindings import translate_bindings

# At this size and larger all four panes show at once (ux.md).
GRID_MIN = (120, 36)
# In the grid the left column (Calls, Shift log) keeps at least this width; the right one (Work orders,
# Keys or the Front desk) takes what the work orders need to show whole, when there is that much.
GRID_LEFT_MIN = 80


def answer_text(answer: orders.Decision, tz) -> str:
    """A supervisor's answer to this operator's request, in one line."""
    who = f"{answer.by_code} {answer.by_name}".strip()
    if answer.kind == "extension" and answer.approved:
        return _("{number}: your extension was approved by {who}; due {until}.", number=answer.number, who=who,
                 until=local(answer.until, tz, "MM-DD HH:mm") if answer.until else "—")
    if answer.kind == "extension":
        return _("{number}: your extension was refused by {who}: {reason}", number=answer.number, who=who,
                 reason=answer.reason or "—")
    if answer.approved:
        return _("{number}: your return was signed by {who}; the order is returned.", number=answer.number, who=who)
    return _("{number}: your return was refused by {who}: {reason}", number=answer.number, who=who,
             reason=answer.reason or "—")


class ConsoleScreen(Screen):
    BINDINGS = [
        Binding("1", "show_pane(1)", "Calls", show=False, id="console.pane1"),
        Binding("2", "show_pane(2)", "Orders", show=False, id="console.pane2"),
        Binding("3", "show_pane(3)", "Log", show=False, id="console.pane3"),
        Binding("4", "show_pane(4)", "Keys", show=False, id="console.pane4"),
        Binding("5", "show_pane(5)", "Front desk", show=False, id="console.pane5"),
        Binding("tab", "cycle_pane(1)", "Next pane", show=False, priority=True, id="console.next_pane"),
        Binding("shift+tab", "cycle_pane(-1)", "Previous pane", show=False, priority=True,
                id="console.previous_pane"),
        Binding("slash", "filter", "Filter", id="console.filter"),
        Binding("escape", "clear_filter", "Clear filter", show=False, id="console.clear_filter"),
        Binding("question_mark", "help", "Help", id="console.help"),
        Binding("h", "handover", "Handover", id="console.handover"),
        Binding("m", "reports", "Reports", id="console.reports"),
        Binding("s", "search", "Search", show=False, id="console.search"),
        Binding("ctrl+q", "app.quit", "Quit", priority=True, id="console.quit"),
    ]

    def __init__(self) -> None:
        super().__init__()
        translate_bindings(self)
        self.active = 1
        self.data: ConsoleData | None = None
        self._guessed = countdown.UntilChange()   # the years whose deadlines the calendar guesses
        self._waiting = countdown.UntilChange()   # requests waiting for a supervisor
        self._lines: dict[str, Line] = {}

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
        if grid:
            orders = self.query_one("#pane-2", Pane)
            roomy = orders.table.roomy_width + orders.styles.gutter.width
            right = max(width // 2, min(width - GRID_LEFT_MIN, roomy))
            self.query_one("#panes").styles.grid_columns = f"{width - right} {right}"

    # --- panes -------------------------------------------------------------------------

    def may(self, action_id: str, record) -> bool:
        """Whether a pane's key is offered now (Pane.check_action): the action table decides."""
        action = actions.ACTIONS.get(action_id)
        return action is None or (actions.allowed(self.app, action, record) and not actions.ended(action, record))

    _panes: list[Pane] | None = None

    @property
    def panes(self) -> list[Pane]:
        """The panes, composed once: looked up once (a DOM query on every 1 s tick costs more than the
        tick's own work)."""
        if self._panes is None:
            found = list(self.query(Pane))
            if not found:
                return found
            self._panes = found
        return self._panes

    def pane(self, number: int) -> Pane:
        return next(p for p in self.panes if p.number == number)

    def action_show_pane(self, number: int) -> None:
        self.active = number
        # The grid's fourth cell: the Front desk while it is active, else the Keys.
        if number in (4, 5):
            self.set_class(number == 5, "-frontdesk")
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
        from .help import HelpScreen   # imported when first opened, like the forms (screens/actions.py)
        self.app.push_screen(HelpScreen())

    def action_handover(self) -> None:
        actions.run(self, "console.handover")   # the one route: who may, then the table's flow

    def action_reports(self) -> None:
        """The monthly figures: every role may read them (a supervisor signs them)."""
        from .reports import ReportsScreen   # here: plotext loads only when the figures are opened
        self.app.push_screen(ReportsScreen())

    def on_pane_action_requested(self, event: Pane.ActionRequested) -> None:
        """A pane's key or Enter: the action table's one route (who may, which record, then the form)."""
        event.stop()
        actions.run(self, event.action_id, pane=event.pane, key=event.key)
    def action_search(self) -> None:
        """Search everything ever written (a screen of its own over the console)."""
        from .search import SearchScreen
        self.app.push_screen(SearchScreen(actions.run))

    # --- data and time -----------------------------------------------------------------

    def show_data(self, data: ConsoleData, now: datetime) -> None:
        before, self.data = self.data, data
        with self.app.batch_update():
            for pane in self.panes:
                pane.show(data)
            self.tick(now)
        if before is not None:
            self.tell_answers(before, data)

    def tell_answers(self, before: ConsoleData, after: ConsoleData) -> None:
        """A request this operator made (an extension, a return) that a supervisor has answered since
        the last load, at any console: said here, with who answered, and the new deadline or the reason."""
        op = self.app.operator
        if op is None or after.orders is before.orders:   # the same list: no order changed
            return
        now_open = {o.id: o for o in after.orders}
        for asked in before.orders:
            if not asked.pending or asked.pending_by != op.id:
                continue
            still = now_open.get(asked.id)
            if still is not None and still.pending == asked.pending:
                continue
            try:
                answer = orders.decision(asked.id)
            except Exception:  # noqa: BLE001 - a failed read: the history shows the answer all the same
                continue
            if answer is None or answer.kind != asked.pending or answer.by_code == op.code:
                continue
            self.app.notify(answer_text(answer, self.app.config.tz), severity="information" if answer.approved
                            else "warning", timeout=30)

    def show_saved_call(self, call, new: bool) -> None:
        """A call this console just saved (`call`: its CallRow as read back after the commit), shown
        at once in the Calls pane instead of after the load the save starts (refresh.Sequencer keeps
        it there until a load has read it): a new call goes on top (below the open emergencies, or
        first if it is one), an edited one replaces its row."""
        data = self.app.sequencer.saved_call(call, new)
        if data is None:
            return
        self.data = data
        now = self.app.clock.now()
        with self.app.batch_update():
            self.pane(1).show(self.data)
            self.update_header(now)
            self.refresh_strip(now)

    def tick(self, now: datetime) -> None:
        """The 1 s tick: countdown cells and the counts. No database, no layout."""
        for pane in self.panes:
            pane.table.tick(now)
        self.update_header(now)
        self.refresh_strip(now)
        self.ring_if_due(now)

    _bell: bell.Bell | None = None
    _rung_once = False
    _standing: bell.Standing | None = None   # the alarms, recomputed list by list when one can change

    def ring_if_due(self, now: datetime) -> None:
        """The terminal bell (BEL) for a new alarm, again every 5 minutes while it holds (bell.py)."""
        app = self.app
        if not app.config.bell or self.data is None or app.operator is None:
            return
        if self._standing is None:
            self._standing = bell.Standing()
        alarms = self._standing.get(self.data, now, supervisor=app.operator.role == "supervisor")
        if self._bell is None:
            self._bell = bell.Bell()
        if self._bell.check(alarms, now):
            app.bell()
            if self._rung_once:   # what holds at sign-on rings, but the header already shows it
                self.flash_header()
            self._rung_once = True

    RING_MARK = 3.0   # seconds the header stays reversed after a ring

    def flash_header(self) -> None:
        """The bell seen as well as heard: the header reversed for a moment (a muted terminal, a
        guard back from the round; the counts in it say what rang)."""
        header = self.query_one("#header")
        header.add_class("-ringing")
        self.set_timer(self.RING_MARK, lambda: header.remove_class("-ringing"))

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
        overdue = self.pane(2).counts(data, now)[1] if data else 0
        emergencies = data.open_emergencies if data else 0
        keys_over = self.pane(4).counts(data, now)[1] if data else 0
        act_by = data.first_emergency_due if data else None
        if act_by is None:
            emergency = "‼ " + (_("{n} EMERGENCY", n=emergencies) if wide else _("EMERG {n}", n=emergencies))
        elif wide:  # the oldest open emergency call's 10 minutes, going OVER
            emergency = f"‼ {_('{n} EMERGENCY', n=emergencies)} {countdown.format_left(act_by, now)}"
        else:       # at 80 columns "EMERG" gives way to the clock, so that all three alarms still fit
            emergency = f"‼{emergencies} {countdown.format_left(act_by, now)}"
        alarms = [
            (app.read_failure is not None, "✖ " + (_("NOT UPDATED") if wide else _("STALE")), "$error"),
            (overdue, _("{n} OVERDUE", n=overdue) if wide else _("OVER {n}", n=overdue), "$error"),
            (emergencies, emergency, "$error" if act_by is not None and act_by <= now else "$warning"),
            (keys_over, _("{n} KEYS OVERDUE", n=keys_over) if wide else _("KEYS {n}", n=keys_over), "$error"),
        ]
        if wide and op is not None and op.role == "supervisor":  # at 80 columns the strip says it
            waiting = self._waiting_approval()
            alarms.append((waiting, _("{n} TO APPROVE", n=waiting), "$warning"))
        for count, text, colour in alarms:
            if count:
                # NO_COLOR greys the colour to about 2:1 on the header: the header's own colours, reversed.
                style = "bold reverse" if app.no_color else f"bold reverse {colour}"
                parts += [" ", (f" {text} ", style)]
        # Deadlines the calendar guesses: only new orders change them.
        guess = self._guessed.get((data.orders,), now, lambda: orders.guessed_years(data.orders)) if data else []
        if guess:
            years = ",".join(str(y) for y in guess)
            parts += [" ", (_("≈ calendar {years} a guess", years=years) if wide else f"≈{years}", "$warning")]
        header = self._line("header")
        if header is not None:
            header.set_parts(*parts)

    def refresh_strip(self, now: datetime | None = None) -> None:
        """The other panes' counts in one line (80x24), and each pane's counts on its border."""
        if self.data is None:
            return
        now = now or self.app.clock.now()
        labels = []
        for pane in self.panes:
            labels.append((pane.number, f"{pane.number} {pane.short_summary(self.data, now)}"))
            subtitle = pane.summary(self.data, now)
            if pane.border_subtitle != subtitle:  # Textual repaints the whole pane on every assignment
                pane.border_subtitle = subtitle
        waiting = self._waiting_approval()
        if waiting:
            labels.append((0, f"✎{waiting}"))
        # Five panes' counts at 80 columns: the separators lose their spaces before any count is cut, then
        # the pane in view gives its place (its border says its counts) to the others' counts.
        sep = " │ " if cell_len(" │ ".join(text for _n, text in labels)) <= self.size.width else "│"
        if cell_len(sep.join(text for _n, text in labels)) > self.size.width:
            labels = [(n, str(n) if n == self.active else text) for n, text in labels]
        parts: list = []
        for number, label in labels:
            if parts:
                parts.append(sep)
            if number == 0:
                parts.append((label, "bold $warning"))   # the supervisor's queue
            else:
                parts.append((label, "bold") if number == self.active else label)
        strip = self._line("strip")
        if strip is not None:
            strip.set_parts(*parts)

    def _line(self, name: str) -> Line | None:
        """The header or the strip: looked up once (the tick sets both every second), None while the
        screen is built or torn down."""
        line = self._lines.get(name)
        if line is None:
            line = next(iter(self.query(f"#{name}")), None)
            if line is None:
                return None
            self._lines[name] = line
        return line if line.is_attached else None

    def _waiting_approval(self) -> int:
        """Requests waiting for a supervisor's signature, counted on supervisors' consoles (0 elsewhere)."""
        op, data = self.app.operator, self.data
        if op is None or op.role != "supervisor" or data is None:
            return 0
        return self._waiting.get((data.orders,), self.app.clock.now(), lambda: sum(1 for o in data.orders if o.pending))
