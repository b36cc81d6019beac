"""The one refresh route, at the console: one commit is one load, and a failed read never ends it."""
from __future__ import annotations

import asyncio
import sqlite3
import subprocess
import sys
from collections import Counter
from contextlib import asynccontextmanager

import pytest
from appkit import make_app, sign_on

from conftest import NOW, make_config
from deskconsole import calls, console_data, db, people
from deskconsole.screens.call_form import CallFormScreen
from deskconsole.screens.console import ConsoleScreen
from deskconsole.widgets.record_table import RecordTable

WRITER = """
import sys
from datetime import datetime, timezone
from deskconsole import calls, db, people
db.connect(sys.argv[1])
calls.add_call_from_script(people.find("R1"), datetime.now(timezone.utc), phone="13900000000", caller="Writer",
                           unit_code="1-101", category="other", channel="phone", text=sys.argv[2])
db.close()
"""


@pytest.fixture
def loads(monkeypatch):
    """console_data.load, counted per console (each console has a config of its own)."""
    counted: Counter = Counter()
    real = console_data.load

    def load(config, *args):
        counted[id(config)] += 1
        return real(config, *args)
    monkeypatch.setattr(console_data, "load", load)
    return counted


async def quiet(pilot) -> None:
    """Until no load runs or waits, the last one's data on the screen."""
    app = pilot.app
    for _ in range(200):
        await pilot.pause(0.02)
        await app.workers.wait_for_complete()
        await pilot.pause()
        if not app.sequencer.busy:
            return
    raise AssertionError("the loads never stopped")


async def until(pilot, condition, timeout: float = 10.0) -> None:
    for _ in range(int(timeout / 0.02)):
        if condition():
            return
        await pilot.pause(0.02)
    raise AssertionError("never happened")


async def polls(pilot, n: int = 3) -> None:
    """Time for `n` looks at the change feed, then quiet."""
    await pilot.pause(n * pilot.app.FEED_POLL + 0.1)
    await quiet(pilot)


@asynccontextmanager
async def console(site, code: str = "R1"):
    """A console signed on, its first loads done."""
    app = make_app(site)
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_on(pilot, code)
        await polls(pilot)
        yield pilot


def calls_shown(app) -> list[str]:
    return [c.text for c in app.console_screen.data.calls]


def test_a_save_through_a_form_is_one_load(demo_site, loads):
    async def go():
        async with console(demo_site) as pilot:
            app = pilot.app
            loads.clear()
            await pilot.press("n")
            for _ in range(50):
                await pilot.pause(0.02)
                if isinstance(app.screen, CallFormScreen):
                    break
            await pilot.press(*"13811112222", "tab", *"王[b]小明", "tab", *"1-1203", "tab", "i", "tab", "w", "tab",
                              *"停车卡多少钱", "ctrl+s")
            await polls(pilot)
            assert isinstance(app.screen, ConsoleScreen)
            assert sum(loads.values()) == 1
            assert "停车卡多少钱" in calls_shown(app)
    asyncio.run(go())


def test_a_commit_from_another_process_is_one_load_in_each_console(demo_site, loads, tmp_path):
    other = make_config(demo_site.db_url)  # the same database, a config (and a console) of its own

    async def go():
        async with console(demo_site, "R1") as p1, console(other, "G1") as p2:
            one, two = p1.app, p2.app
            loads.clear()
            await asyncio.to_thread(subprocess.run, [sys.executable, "-c", WRITER, demo_site.db_url, "来自别处 [/x]"],
                                    check=True)
            await polls(p1)
            await polls(p2)
            assert loads == {id(demo_site): 1, id(other): 1}
            assert "来自别处 [/x]" in calls_shown(one) and "来自别处 [/x]" in calls_shown(two)
    asyncio.run(go())


async def shown_from_elsewhere(site, text: str, before=None) -> None:
    """A console signed on and quiet (`before(app)` checked then); another process saves a call saying
    `text`; the console shows it within 5 s."""
    app = make_app(site)
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_on(pilot, "R1")
        await quiet(pilot)
        if before is not None:
            before(app)
        await asyncio.to_thread(subprocess.run, [sys.executable, "-c", WRITER, site.db_url, text], check=True)
        await until(pilot, lambda: text in calls_shown(app), timeout=5)


def test_a_commit_elsewhere_wakes_the_console_with_no_poll_at_all(demo_site, monkeypatch):
    """The feed's thread is woken by the commit: on SQLite (Linux) by its write to the -wal file
    (FileWatch), on PostgreSQL by its notification on the listening socket (PgWatch). The console shows
    it at once and need not poll: with both poll timers an hour long, only the watch can show it."""
    from deskconsole.app import DeskApp
    monkeypatch.setattr(DeskApp, "FEED_POLL", 3600.0)
    monkeypatch.setattr(DeskApp, "FEED_WATCHED_POLL", 3600.0)

    asyncio.run(shown_from_elsewhere(demo_site, "叫醒 [/x]"))


def test_a_watch_that_fails_is_said_in_the_log_and_the_console_polls_again(demo_site, monkeypatch):
    """The feed's thread never puts a traceback on the terminal: a failing watch hands the console back
    to the twice-a-second poll, and a commit elsewhere still shows."""
    from deskconsole.app import DeskApp
    from deskconsole.feed import FileWatch, PgWatch

    def broken(self):
        raise OSError("inotify went away")
    monkeypatch.setattr(FileWatch, "wait", broken)
    monkeypatch.setattr(PgWatch, "wait", broken)
    monkeypatch.setattr(DeskApp, "FEED_WATCHED_POLL", 3600.0)

    def watch_given_up(app):
        assert app._feed_watch is None
    asyncio.run(shown_from_elsewhere(demo_site, "轮询 [/x]", before=watch_given_up))


def test_the_cycle_collector_is_paused_from_the_pin_to_the_first_load_then_leaves_the_site_frozen(
        demo_site, monkeypatch):
    """No full collection on the way from the PIN to the console (30-60 ms each on a big site), and once
    the first load is painted what the console holds is frozen out of the collector's way."""
    import gc
    from deskconsole.app import DeskApp
    monkeypatch.setattr(DeskApp, "freeze_heap", True)   # as `deskconsole` runs it (cli/console.run)
    seen = []
    real = ConsoleScreen.compose

    def compose(self):
        seen.append(gc.isenabled())   # the console screen is built after the PIN, before the first load shows
        return real(self)
    monkeypatch.setattr(ConsoleScreen, "compose", compose)

    async def go():
        app = make_app(demo_site)
        gc.unfreeze()
        try:
            async with app.run_test(size=(80, 24)) as pilot:
                assert gc.isenabled() and gc.get_freeze_count() == 0
                await sign_on(pilot, "R1")
                await quiet(pilot)
                assert seen == [False]
                assert gc.isenabled() and gc.get_freeze_count() > 0
        finally:
            gc.unfreeze()
            gc.enable()
    asyncio.run(go())


def test_a_failed_read_leaves_the_console_up_says_so_and_the_next_change_clears_it(demo_site, monkeypatch):
    async def go():
        async with console(demo_site) as pilot:
            app = pilot.app
            real = console_data.load
            broken = [True]

            def load(*args):
                if broken[0]:
                    raise sqlite3.OperationalError("disk I/O error")
                return real(*args)
            monkeypatch.setattr(console_data, "load", load)
            r1 = people.find("R1")
            calls.add_call(r1, NOW, category="inquiry", channel="phone", text="第一条")
            app.reload()                                  # a write made here: the feed looks now
            await until(pilot, lambda: app.read_failure is not None)
            await polls(pilot)                            # each poll reads again, and fails again
            assert app.is_running and isinstance(app.screen, ConsoleScreen)
            line = "Could not read the database: disk I/O error"
            assert app.read_failure == line
            assert [n.message for n in app._notifications] == [line]   # said once, not at every retry
            assert "STALE" in app.screen.query_one("#header").plain
            assert "第一条" not in calls_shown(app)

            broken[0] = False
            calls.add_call(r1, NOW, category="inquiry", channel="phone", text="第二条")
            await polls(pilot)
            assert app.read_failure is None and not list(app._notifications)
            assert "STALE" not in app.screen.query_one("#header").plain
            assert {"第一条", "第二条"} <= set(calls_shown(app))
            rows = app.screen.query_one("#table-1", RecordTable).rows
            assert any("第二条" in str(cell) for row in rows for cell in row.cells.values())
    asyncio.run(go())


def test_reload_full_reads_everything_even_when_nothing_changed(demo_site, loads):
    async def go():
        async with console(demo_site) as pilot:
            app = pilot.app
            loads.clear()
            app.reload()                                  # nothing was written: nothing to read
            await polls(pilot)
            assert sum(loads.values()) == 0
            # A write from outside (no audit event): the palette's Reload reads it, once.
            db.WorkOrder.update(description="改过的").where(db.WorkOrder.status == "logged").execute()
            app.reload(full=True)
            await polls(pilot)
            assert sum(loads.values()) == 1
            assert any(o.description == "改过的" for o in app.console_screen.data.orders)
    asyncio.run(go())


def test_a_new_call_rebuilds_no_other_panes_rows(demo_site, loads, monkeypatch):
    """Issue 21: a change costs each console in proportion to the change. A reload that changed only
    the calls leaves the other panes' rows as they were (not sorted, not rebuilt): the lists nobody
    changed are the very same objects."""
    from deskconsole import orders
    from deskconsole.widgets.pane import Pane
    built: Counter = Counter()
    real_rows, real_sort = Pane.rows, orders.act_now_first

    def rows(self, data):
        built[self.pane_id] += 1
        return real_rows(self, data)

    def act_now_first(rows, now):
        built["orders sorted"] += 1
        return real_sort(rows, now)

    monkeypatch.setattr(Pane, "rows", rows)
    monkeypatch.setattr(orders, "act_now_first", act_now_first)

    async def go():
        async with console(demo_site) as pilot:
            app = pilot.app
            built.clear()
            calls.add_call(people.find("R1"), NOW, category="other", channel="phone", text="王[b]小明 问路 [/x]")
            app.reload()
            await polls(pilot)
            assert "王[b]小明 问路 [/x]" in calls_shown(app)
            assert built == {"calls": 1}
    asyncio.run(go())
