"""The monthly figures (月报表): a month or any range of days, each figure beside its target.

`m` at the console (or "Monthly figures" in the palette) opens the current month so far. `[` and
`]` move a month back or on, `r` asks for a range of days, `g` shows or hides the day-by-day chart,
Enter on a figure lists the records it counts (Enter there opens a record's detail). The figures
come from `reports.compute`, the same function `deskconsole report` prints, computed in a worker
thread so the screen never freezes while a large month is read.

textual_plotext is imported when the screen is built, never at the console's start-up.
"""
from __future__ import annotations

from datetime import date, timedelta

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.events import Resize
from textual.screen import ModalScreen, Screen
from textual.widgets import Static
from textual.worker import get_current_worker

from ..widgets.footer import DeskFooter
from .. import keys, report_files, reports
from ..i18n import _
from ..reports import Figure, Report
from ..widgets.header import Line
from ..widgets.record_table import Column, RecordTable, Row
from ..widgets.bindings import translate_bindings
from . import actions
from .form import FormScreen
from ..widgets.line_input import LineInput

# At this size and larger the chart shows beside the figures; smaller, `g` swaps between them.
WIDE_MIN = (120, 36)


# --- how a figure reads: the same text as `deskconsole report` (report_files), so they agree ---------

def value_text(figure: Figure) -> str:
    """A count ("12"), a rate with its sample ("95.0 % (19 of 20)") or an amount ("¥350.00 (4)")."""
    if figure.amount is not None:
        return f"¥{report_files.money(figure.amount)} ({figure.count})"
    if figure.total is None:
        return str(figure.count)
    sample = _("{n} of {m}", n=figure.count, m=figure.total)
    rate = figure.rate
    return f"{report_files.percent(rate) + ' %' if rate is not None else '—'} ({sample})"


def mark_text(figure: Figure) -> str:
    """✗ missed / ✓ met: a mark in words and a sign, so it reads without colour."""
    if figure.target is None:
        return ""
    if figure.rate is None:
        return _("no sample")
    return "✗ " + _("missed") if figure.missed else "✓ " + _("met")


def figure_rows(report: Report) -> list[Row]:
    """Sections as group rows, then each figure: what the screen shows, and what the tests compare."""
    rows: list[Row] = []
    section = None
    for figure in report.figures:
        if figure.section != section:
            section = figure.section
            rows.append(Row(key=("section", section), cells={"figure": f"── {reports.section_title(section)} ──"},
                            ))
        rows.append(Row(
            key=figure.id,
            cells={"figure": figure.label, "value": value_text(figure), "target": report_files.target_text(figure),
                   "mark": mark_text(figure)},
            style="alarm" if figure.missed else "",
        ))
    return rows


def local_today(app) -> date:
    return app.clock.now().astimezone(app.config.tz).date()


def month_of(day: date) -> tuple[date, date]:
    return reports.month_range(f"{day.year}-{day.month:02d}")


# --- the screen ----------------------------------------------------------------------------

class ReportsScreen(Screen):
    BINDINGS = [
        Binding("escape", "close", "Back", id="reports.close"),
        Binding("q", "close", "Back", show=False, id="reports.quit"),
        Binding("left_square_bracket", "month(-1)", "Previous month", key_display="[", id="reports.previous"),
        Binding("right_square_bracket", "month(1)", "Next month", key_display="]", id="reports.next"),
        Binding("r", "range", "Range", id="reports.range"),
        Binding("g", "chart", "Chart", id="reports.chart"),
    ]

    def __init__(self) -> None:
        super().__init__()
        translate_bindings(self)
        self.report: Report | None = None
        self.start: date | None = None
        self.end: date | None = None
        self._keep = None      # the figure under the cursor while another range is computed
        self.toggled = False   # `g`: at 80x24 the chart instead of the figures; wide, the chart hidden

    def compose(self) -> ComposeResult:
        from textual_plotext import PlotextPlot   # here, so the console starts without plotext

        yield Line(id="rp-title")
        with Horizontal(id="rp-body"):
            with Vertical(id="rp-figures"):
                yield RecordTable([
                    Column("figure", _("Figure"), None, min_width=16),
                    Column("value", _("Value"), 22, align="right"),
                    Column("target", _("Target"), 8, align="right"),
                    Column("mark", "", 10),
                ], empty_text=_("Computing…"), id="rp-table")
                yield Static("", id="rp-note", markup=False)
            with Vertical(id="rp-chart"):
                for plot_id in ("rp-calls", "rp-overdue"):
                    plot = PlotextPlot(id=plot_id)
                    # The terminal's own colours: reads on 16 colours, with NO_COLOR and on any theme.
                    plot.theme = "clear"
                    yield plot
        yield Static("", id="rp-status", markup=False)
        yield DeskFooter(compact=True)

    def on_mount(self) -> None:
        self._layout_for(self.app.size.width, self.app.size.height)
        start, _end = month_of(local_today(self.app))
        self.show_range(start, self._month_end(start))
        self.query_one(RecordTable).focus()

    def on_resize(self, event: Resize) -> None:
        self._layout_for(event.size.width, event.size.height)

    def _layout_for(self, width: int, height: int) -> None:
        wide = width >= WIDE_MIN[0] and height >= WIDE_MIN[1]
        self.set_class(wide, "-wide")
        self.set_class(not wide, "-narrow")
        self.set_class(self.toggled, "-toggled")

    def _month_end(self, start: date) -> date:
        """A month's last day, or today for the month in progress (the month so far)."""
        _first, last = month_of(start)
        return min(last, max(start, local_today(self.app)))

    # --- which days -----------------------------------------------------------------------

    def show_range(self, start: date, end: date) -> None:
        self.start, self.end = start, end
        self.report = None
        self._title()
        self.query_one("#rp-status", Static).update(_("Computing…"))
        table = self.query_one(RecordTable)
        if table.cursor_key is not None:
            self._keep = table.cursor_key   # the same figure stays under the cursor in the next month
        table.set_rows([])
        self.compute(start, end)

    def action_month(self, step: int) -> None:
        if self.start is None:
            return
        first = self.start.replace(day=1)
        if step < 0:
            first = (first - timedelta(days=1)).replace(day=1)
        else:
            first = (first + timedelta(days=32)).replace(day=1)
            if first > local_today(self.app):
                self.app.notify(_("That month has not begun."))
                return
        self.show_range(first, self._month_end(first))

    def action_range(self) -> None:
        def chosen(result) -> None:
            if result:
                self.show_range(*result)

        self.app.push_screen(RangeForm(self.start, self.end), chosen)

    def action_chart(self) -> None:
        self.toggled = not self.toggled
        self._layout_for(self.app.size.width, self.app.size.height)
        table = self.query_one(RecordTable)
        if table.display and self.query_one("#rp-figures").display:
            table.focus()

    def action_close(self) -> None:
        self.app.pop_screen()

    def _title(self) -> None:
        app = self.app
        start, end = self.start, self.end
        parts: list = [(_("Monthly figures"), "bold"), " · "]
        if self.has_class("-wide"):
            parts += [app.config.site_name, " · "]
        parts.append(f"{start.isoformat()} – {end.isoformat()}")
        if end >= local_today(app):
            parts += [" ", _("(so far)")]
        if self.report is not None:
            parts += [" · ", _("as of {time}", time=app.local_time(self.report.generated_at, "MM-DD HH:mm"))]
        if self.report is not None and self.report.calendar_guess:   # working-day deadlines guessed
            years = ",".join(str(y) for y in self.report.calendar_guess)
            parts += [" · ", (_("≈ calendar {years} a guess", years=years), "$warning")]
        self.query_one("#rp-title", Line).set_parts(*parts)

    # --- computing ------------------------------------------------------------------------

    @work(thread=True, exclusive=True, group="report")
    def compute(self, start: date, end: date) -> None:
        app = self.app
        now = app.clock.now()
        worker = get_current_worker()
        try:
            report = reports.compute_in_worker(app.config, app.engine, start, end, now)
        except Exception as exc:  # shown, never a crash: the console stays usable
            if not worker.is_cancelled:
                app.call_from_thread(self._failed, start, end, exc)
            return
        if not worker.is_cancelled:
            app.call_from_thread(self.show_report, report)

    def _failed(self, start: date, end: date, exc: Exception) -> None:
        if (start, end) != (self.start, self.end) or not self.is_mounted:
            return
        message = getattr(exc, "message", "") or str(exc) or type(exc).__name__
        self.query_one("#rp-status", Static).update(_("The figures could not be computed: {reason}", reason=message))

    def show_report(self, report: Report) -> None:
        if (report.start, report.end) != (self.start, self.end) or not self.is_mounted:
            return   # a range asked for earlier; a newer one is on its way
        self.report = report
        self._title()
        table = self.query_one(RecordTable)
        key = self._keep
        rows = figure_rows(report)
        table.set_rows(rows)
        if key is None or not table.move_cursor_to_key(key):
            first = next((r.key for r in rows if isinstance(r.key, str)), None)
            if first is not None:
                table.move_cursor_to_key(first)
        missed = sum(1 for f in report.figures if f.missed)
        status = self.query_one("#rp-status", Static)
        status.update(_("{n} figures miss their target.", n=missed) if missed else "")
        self._note(table.cursor_key)
        self._chart(report)

    def _chart(self, report: Report) -> None:
        days = report.days
        xs = list(range(1, len(days) + 1))
        step = max(1, (len(days) + 5) // 6)
        ticks = xs[::step]
        labels = [days[i - 1].day.strftime("%m-%d") for i in ticks]
        for widget_id, title, values, colour in (
            ("#rp-calls", _("Calls per day"), [len(d.calls) for d in days], "cyan"),
            ("#rp-overdue", _("Orders gone overdue per day"), [len(d.overdue) for d in days], "red"),
        ):
            plot = self.query_one(widget_id)
            plt = plot.plt
            plt.clear_data()
            plt.clear_figure()
            plt.title(title)
            if xs:
                plt.bar(xs, values, marker="sd", width=0.6, color=colour)
                plt.xticks(ticks, labels)
                top = max(values, default=0)
                ystep = max(1, -(-top // 4))          # about four whole-number ticks
                ceiling = ystep * max(1, -(-top // ystep))
                plt.ylim(0, ceiling)
                plt.yticks(list(range(0, ceiling + 1, ystep)))
            plot.refresh()

    # --- the figure under the cursor ------------------------------------------------------

    def on_record_table_row_highlighted(self, event: RecordTable.RowHighlighted) -> None:
        event.stop()
        self._note(event.key)

    def _note(self, key) -> None:
        note = ""
        if self.report is not None and isinstance(key, str):
            figure = self.report.figure(key)
            note = figure.note + (" · " if figure.note else "") + _("Enter lists its {n} records.", n=len(figure.records))
        self.query_one("#rp-note", Static).update(note)

    def on_record_table_row_selected(self, event: RecordTable.RowSelected) -> None:
        event.stop()
        if self.report is not None and isinstance(event.key, str):
            self.app.push_screen(RecordsScreen(self.report.figure(event.key)))


# --- the records behind a figure --------------------------------------------------------------

class RecordsScreen(ModalScreen):
    """The records a figure counts: number, local time, summary. Enter opens a record's detail."""

    BINDINGS = [
        Binding("escape", "dismiss", "Back", id="reports.records_close"),
        Binding("q", "dismiss", "Back", show=False, id="reports.records_quit"),
    ]

    def __init__(self, figure: Figure) -> None:
        super().__init__()
        translate_bindings(self)
        self.figure = figure

    def compose(self) -> ComposeResult:
        figure = self.figure
        with Vertical(id="rs-box"):
            yield Static(f"{reports.section_title(figure.section)} · {figure.label}: {value_text(figure)}", id="rs-title",
                         markup=False)
            if figure.note:
                yield Static(figure.note, markup=False, classes="rs-note")
            yield RecordTable([
                Column("number", _("Number"), 9),
                Column("at", _("Time"), 11),
                Column("summary", _("Summary"), None, min_width=10),
            ], empty_text=_("No records."), id="rs-table")
            yield Static(_("Enter opens the record · Esc goes back"), id="rs-hint", markup=False)

    def on_mount(self) -> None:
        tz = self.app.config.tz
        table = self.query_one(RecordTable)
        table.set_rows([
            Row(key=index, cells={"number": r.number, "at": r.at.astimezone(tz).strftime("%m-%d %H:%M"),
                                  "summary": r.summary})
            for index, r in enumerate(self.figure.records)
        ])
        table.focus()

    def on_record_table_row_selected(self, event: RecordTable.RowSelected) -> None:
        """Enter: the record's own screen, opened as its pane's Enter opens it (the action table)."""
        event.stop()
        if event.key is None:
            return
        record = self.figure.records[event.key]
        action_id = OPEN.get(record.kind)
        if action_id == "keys.open":   # a loan or a report: the key's screen, with its whole history
            record = keys.find(record.number) if record.kind != "key" else keys.get(record.id)
        if action_id is not None and record is not None:
            actions.run(self, action_id, record=record)


# The action of the action table that opens a record of each kind the figures count.
OPEN = {"call": "calls.open", "order": "orders.open", "loan": "keys.open", "key_report": "keys.open",
        "key": "keys.open"}


# --- a range of days ---------------------------------------------------------------------------

class RangeForm(FormScreen):
    form_title = "Figures for a range of days"

    def __init__(self, start: date | None, end: date | None) -> None:
        super().__init__()
        self.start = start
        self.end = end

    def form_fields(self) -> ComposeResult:
        yield from self.labelled(_("From day"),
                                 LineInput(self.start.isoformat() if self.start else "", id="start", placeholder="2026-11-01"))
        yield from self.labelled(_("To day"),
                                 LineInput(self.end.isoformat() if self.end else "", id="end", placeholder="2026-11-30"))

    def save(self, values: dict):
        start = reports.parse_day(values["start"] or "", "start")
        end = reports.parse_day(values["end"] or "", "end")
        reports.check_range(start, end, "end")
        return start, end
