"""The Reports screen (issue 9): `m` from the console, `[` `]` months, `r` a range of days, Enter on
a figure lists its records, `g` the chart; the screen and `deskconsole report` agree on every number.
Snapshots at 80x24 and 160x48 with the fixed clock."""
from __future__ import annotations

import argparse
import asyncio
import csv
import io
import subprocess
import sys
import threading
from datetime import date, timedelta

import pytest
from appkit import make_app, settle, sign_on

from deskconsole import calls, people, reports
from deskconsole.cli import report as cli_report
from deskconsole.clock import FixedClock
from deskconsole.screens import reports as screen_mod
from deskconsole.screens.call_detail import CallDetailScreen
from deskconsole.screens.console import ConsoleScreen
from deskconsole.screens.key_detail import KeyDetailScreen
from deskconsole.screens.order_detail import OrderDetailScreen
from deskconsole.screens.reports import RangeForm, RecordsScreen, ReportsScreen

from conftest import NOW

SIZES = [(80, 24), (160, 48)]
NOVEMBER_SO_FAR = (date(2026, 11, 1), date(2026, 11, 24))   # 22:00 on the 24th in Shanghai


def run(coro):
    return asyncio.run(coro)


async def open_reports(pilot, code: str = "R1") -> None:
    await sign_on(pilot, code)
    await pilot.press("m")
    await settle(pilot)


def table_of(screen):
    return screen.query_one("#rp-table")


def shown(screen) -> dict[str, dict[str, str]]:
    """figure id -> the cells the screen shows for it."""
    return {row.key: row.cells for row in table_of(screen).rows if isinstance(row.key, str)}


async def cursor_to(pilot, figure_id: str) -> None:
    """Move the cursor with the arrow keys, as a person would, to one figure."""
    table = table_of(pilot.app.screen)
    keys = [row.key for row in table.rows]
    target = keys.index(figure_id)
    here = table.cursor_index
    if len(keys) - 1 - target < abs(target - here):
        await pilot.press("end")
        here = len(keys) - 1
    steps = target - here
    await pilot.press(*(["down"] * steps if steps > 0 else ["up"] * -steps))
    assert table.cursor_key == figure_id


# --- opening, months, ranges ------------------------------------------------------------------

def test_m_opens_the_month_so_far_and_esc_goes_back(demo_site, clock):
    async def go():
        app = make_app(demo_site, clock=clock)
        async with app.run_test(size=(80, 24)) as pilot:
            await open_reports(pilot, "G1")   # any role may read the figures
            screen = app.screen
            assert isinstance(screen, ReportsScreen)
            assert (screen.start, screen.end) == NOVEMBER_SO_FAR
            assert (screen.report.start, screen.report.end) == NOVEMBER_SO_FAR
            title = screen.query_one("#rp-title").plain
            assert "2026-11-01 – 2026-11-24" in title and "(so far)" in title
            assert shown(screen)["calls.total"]["value"] == str(screen.report.figure("calls.total").count)
            await pilot.press("escape")
            assert isinstance(app.screen, ConsoleScreen)
    run(go())


def test_brackets_move_a_month_and_never_into_the_future(demo_site, clock):
    async def go():
        app = make_app(demo_site, clock=clock)
        async with app.run_test(size=(80, 24)) as pilot:
            await open_reports(pilot)
            screen = app.screen
            await cursor_to(pilot, "orders.total")
            await pilot.press("left_square_bracket")
            await settle(pilot)
            assert (screen.start, screen.end) == (date(2026, 10, 1), date(2026, 10, 31))
            assert table_of(screen).cursor_key == "orders.total"   # the same figure, a month earlier
            assert (screen.report.start, screen.report.end) == (date(2026, 10, 1), date(2026, 10, 31))
            assert "(so far)" not in screen.query_one("#rp-title").plain
            await pilot.press("left_square_bracket", "left_square_bracket")   # across a year's end too
            await settle(pilot)
            assert (screen.start, screen.end) == (date(2026, 8, 1), date(2026, 8, 31))
            await pilot.press("right_square_bracket", "right_square_bracket", "right_square_bracket")
            await settle(pilot)
            assert (screen.start, screen.end) == NOVEMBER_SO_FAR
            await pilot.press("right_square_bracket")   # December has not begun
            await settle(pilot)
            assert (screen.start, screen.end) == NOVEMBER_SO_FAR
            assert any("not begun" in n.message for n in app._notifications)
    run(go())


def test_january_back_to_december(demo_site):
    clock = FixedClock(NOW.replace(year=2027, month=1, day=10))

    async def go():
        app = make_app(demo_site, clock=clock)
        async with app.run_test(size=(80, 24)) as pilot:
            await open_reports(pilot)
            assert (app.screen.start, app.screen.end) == (date(2027, 1, 1), date(2027, 1, 10))
            await pilot.press("left_square_bracket")
            await settle(pilot)
            assert (app.screen.start, app.screen.end) == (date(2026, 12, 1), date(2026, 12, 31))
    run(go())


def test_r_refuses_a_bad_range_at_its_field_and_keeps_what_was_typed(demo_site, clock):
    async def go():
        app = make_app(demo_site, clock=clock)
        async with app.run_test(size=(80, 24)) as pilot:
            await open_reports(pilot)
            await pilot.press("r")
            form = app.screen
            assert isinstance(form, RangeForm)
            assert form.query_one("#start").value == "2026-11-01"
            form.query_one("#start").value = ""
            form.query_one("#end").value = ""
            await pilot.press(*"2026-11-31", "tab", *"2026-11-10", "ctrl+s")
            await pilot.pause()
            assert app.screen is form and app.focused.id == "start"
            assert "2026-11-24" in str(form.query_one("#start-error").render())   # "written like 2026-11-24"
            form.query_one("#start").value = "2026-11-20"
            await pilot.press("ctrl+s")   # ends before it starts: refused at To
            await pilot.pause()
            assert app.screen is form and app.focused.id == "end"
            assert "ends before it starts" in str(form.query_one("#end-error").render())
            assert form.query_one("#end").value == "2026-11-10"
            form.query_one("#end").value = "2026-11-22"
            await pilot.press("ctrl+s")
            await settle(pilot)
            screen = app.screen
            assert isinstance(screen, ReportsScreen)
            assert (screen.report.start, screen.report.end) == (date(2026, 11, 20), date(2026, 11, 22))
            assert len(screen.report.days) == 3
    run(go())


# --- tracing a figure to its records ------------------------------------------------------------

def test_enter_on_a_figure_lists_its_records_and_enter_opens_one(demo_site, clock):
    calls.add_call(people.find("R1"), clock.now() - timedelta(minutes=5), phone="13800000000",
                   caller="王[b]小明", unit_code="1-101", category="complaint", channel="phone",
                   text="[/x] \x1b[2J noise at night")

    async def go():
        app = make_app(demo_site, clock=clock)
        async with app.run_test(size=(80, 24)) as pilot:
            await open_reports(pilot)
            figure = app.screen.report.figure("calls.category.complaint")
            await cursor_to(pilot, "calls.category.complaint")
            assert str(figure.count) in str(app.screen.query_one("#rp-note").render())
            await pilot.press("enter")
            listing = app.screen
            assert isinstance(listing, RecordsScreen)
            table = listing.query_one("#rs-table")
            assert table.row_count == figure.count == len(figure.records)
            numbers = [row.cells["number"] for row in table.rows]
            assert numbers == [r.number for r in figure.records]
            newest = table.rows[-1]
            assert "王[b]小明" in newest.cells["summary"] and "\x1b" not in newest.cells["summary"]
            assert newest.cells["at"] == "11-24 21:55"
            await pilot.press("end", "enter")
            assert isinstance(app.screen, CallDetailScreen)
            assert app.screen.call_id == figure.records[-1].id
            await pilot.press("escape")
            assert app.screen is listing
            await pilot.press("escape")
            assert isinstance(app.screen, ReportsScreen)
    run(go())


def test_orders_and_keys_open_their_own_detail(demo_site, clock):
    async def go():
        app = make_app(demo_site, clock=clock)
        async with app.run_test(size=(160, 48)) as pilot:
            await open_reports(pilot)
            report = app.screen.report
            for figure_id, detail in (("orders.total", OrderDetailScreen), ("keys.overdue", KeyDetailScreen)):
                assert report.figure(figure_id).records, figure_id
                await cursor_to(pilot, figure_id)
                await pilot.press("enter", "enter")
                assert isinstance(app.screen, detail), figure_id
                await pilot.press("escape", "escape")
                assert isinstance(app.screen, ReportsScreen)
    run(go())


# --- the screen and `deskconsole report` agree -----------------------------------------------------

def test_the_screen_and_the_command_agree_on_every_number(demo_site, clock, capsys):
    args = argparse.Namespace(month=None, start="2026-11-01", end="2026-11-24", format="csv", out=None,
                              records=None)
    assert cli_report.run(demo_site, args, clock=clock) == 0
    lines = capsys.readouterr().out.splitlines()
    rows = list(csv.reader(io.StringIO("\n".join(lines[lines.index("") + 1:]))))
    heading, body = rows[0], rows[1:]
    command = {row[heading.index("Figure id")]: dict(zip(heading, row)) for row in body}

    async def go():
        app = make_app(demo_site, clock=clock)
        async with app.run_test(size=(160, 48)) as pilot:
            await open_reports(pilot)
            return app.screen.report, shown(app.screen)
    report, screen = run(go())
    assert list(screen) == list(command) == [f.id for f in report.figures]
    for figure_id, cells in screen.items():
        theirs = command[figure_id]
        value = cells["value"]
        if theirs["Amount"]:
            assert value == f"¥{theirs['Amount']} ({theirs['Count']})", figure_id
        elif theirs["Total"]:
            rate = f"{theirs['Rate %']} %" if theirs["Rate %"] else "—"
            assert value == f"{rate} ({theirs['Count']} of {theirs['Total']})", figure_id
        else:
            assert value == theirs["Count"], figure_id
        assert cells["target"] == theirs["Target"], figure_id
        assert ("missed" in cells["mark"]) == (theirs["Met / missed"] == "MISSED"), figure_id
    assert any(report.figure(i).missed for i in screen)   # the demo month misses a target


@pytest.mark.parametrize("colours", ["NO_COLOR", "16 colours"])
def test_a_missed_target_reads_without_colour(demo_site, clock, monkeypatch, colours):
    if colours == "NO_COLOR":
        monkeypatch.setenv("NO_COLOR", "1")
    else:
        demo_site.theme = "ansi-dark"   # what the console picks on a 16-colour terminal

    async def go():
        app = make_app(demo_site, clock=clock)
        async with app.run_test(size=(160, 48)) as pilot:
            await open_reports(pilot)
            screen = app.screen
            table = table_of(screen)
            missed = [f.id for f in screen.report.figures if f.missed]
            assert missed
            index = [row.key for row in table.rows].index(missed[0])
            table.scroll_to(y=index, animate=False)
            await pilot.pause()
            line = table.render_line(index + 1 - round(table.scroll_offset.y)).text
            assert "✗ missed" in line and "≥ 100 %" in line
            assert table.rows[index].style == "alarm"
            assert "figures miss their target" in str(screen.query_one("#rp-status").render())
            # The chart draws in the terminal's own colours, its titles and days as text.
            await pilot.press("g", "g")
            await pilot.pause()
            chart = "".join(s.text for s in screen.query_one("#rp-overdue").render_lines(
                screen.query_one("#rp-overdue").region.reset_offset))
            assert "Orders gone overdue per day" in chart and "11-01" in chart and "█" in chart
    run(go())


# --- computing off the UI thread ------------------------------------------------------------------

def test_computing_shows_and_never_freezes_the_screen(demo_site, clock, monkeypatch):
    real = reports.compute
    release = threading.Event()

    def slow(*args, **kwargs):
        release.wait(10)
        return real(*args, **kwargs)
    monkeypatch.setattr(reports, "compute", slow)

    async def go():
        app = make_app(demo_site, clock=clock)
        async with app.run_test(size=(80, 24)) as pilot:
            await sign_on(pilot)
            await pilot.press("m")
            await pilot.pause()
            screen = app.screen
            assert "Computing…" in str(screen.query_one("#rp-status").render())
            assert screen.report is None
            await pilot.press("g")   # the screen answers keys while the figures are computed
            assert screen.has_class("-toggled")
            release.set()
            await settle(pilot)
            assert screen.report is not None
            assert "Computing…" not in str(screen.query_one("#rp-status").render())
    run(go())


def test_a_failure_is_shown_not_raised(demo_site, clock, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("disk on fire")
    monkeypatch.setattr(reports, "compute", broken)

    async def go():
        app = make_app(demo_site, clock=clock)
        async with app.run_test(size=(80, 24)) as pilot:
            await open_reports(pilot)
            assert "disk on fire" in str(app.screen.query_one("#rp-status").render())
            await pilot.press("escape")
            assert isinstance(app.screen, ConsoleScreen)
    run(go())


# --- wiring: the palette, the role table, lazy plotext ---------------------------------------------

def test_the_palette_offers_the_figures_to_a_guard(demo_site, clock):
    async def go():
        app = make_app(demo_site, clock=clock)
        async with app.run_test(size=(80, 24)) as pilot:
            await sign_on(pilot, "G1")
            commands = [c for c in app.get_system_commands(app.screen) if c.title == "Monthly figures"]
            assert len(commands) == 1
            commands[0].callback()
            await settle(pilot)
            assert isinstance(app.screen, ReportsScreen)
            await pilot.press("escape")
            assert isinstance(app.screen, ConsoleScreen)
    run(go())


def test_plotext_is_not_loaded_with_the_console():
    code = ("import sys, deskconsole.app, deskconsole.screens.console; "
            "print('textual_plotext' in sys.modules, 'plotext' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["False", "False"]


def test_value_texts():
    from decimal import Decimal
    target = reports.Target(Decimal("0.9"), "at_least")
    assert screen_mod.value_text(reports.Figure("a", "quality", "x", 19, 20, target=target)) == "95.0 % (19 of 20)"
    assert screen_mod.value_text(reports.Figure("a", "quality", "x", 0, 0, target=target)) == "— (0 of 0)"
    assert screen_mod.mark_text(reports.Figure("a", "quality", "x", 0, 0, target=target)) == "no sample"
    assert screen_mod.mark_text(reports.Figure("a", "quality", "x", 8, 10, target=target)) == "✗ missed"
    assert screen_mod.mark_text(reports.Figure("a", "quality", "x", 9, 10, target=target)) == "✓ met"
    assert screen_mod.value_text(reports.Figure("f", "fees", "x", 2, amount=Decimal("1250.5"))) == "¥1250.50 (2)"


# --- how it looks -----------------------------------------------------------------------------------

@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_reports_screen(snap_compare, demo_site, size):
    assert snap_compare(make_app(demo_site), terminal_size=size, run_before=open_reports)


def test_reports_chart_80x24(snap_compare, demo_site):
    async def chart(pilot):
        await open_reports(pilot)
        await pilot.press("g")
        await pilot.pause()

    assert snap_compare(make_app(demo_site), terminal_size=(80, 24), run_before=chart)


def test_records_of_a_figure_80x24(snap_compare, demo_site):
    async def records(pilot):
        await open_reports(pilot)
        await cursor_to(pilot, "timeliness.overdue")
        await pilot.press("enter")
        await pilot.pause()

    assert snap_compare(make_app(demo_site), terminal_size=(80, 24), run_before=records)
