"""Flows a user goes through, key by key: sign-on, the panes, help, quit, and two consoles in step."""
from __future__ import annotations

import asyncio

from appkit import make_app, settle, sign_on

from deskconsole import calls, people
from deskconsole.screens.console import ConsoleScreen
from deskconsole.screens.help import HelpScreen
from deskconsole.screens.signon import FirstRunScreen, SignOnScreen
from deskconsole.widgets.record_table import RecordTable


def run(coro):
    return asyncio.run(coro)


def test_right_pin_opens_the_console(demo_site):
    async def go():
        app = make_app(demo_site)
        async with app.run_test(size=(80, 24)) as pilot:
            assert isinstance(app.screen, SignOnScreen)
            await sign_on(pilot, "r1", "0000")
            assert isinstance(app.screen, ConsoleScreen)
            assert app.operator.code == "R1"
            assert "R1" in app.screen.query_one("#header").plain
            assert app.focused.id == "table-1"
    run(go())


def test_wrong_pin_says_so_and_lets_the_user_try_again(demo_site):
    async def go():
        app = make_app(demo_site)
        async with app.run_test(size=(80, 24)) as pilot:
            await sign_on(pilot, "R1", "1234")
            assert isinstance(app.screen, SignOnScreen)
            message = str(app.screen.query_one("#message").render())
            assert "Wrong PIN for R1" in message
            assert app.focused.id == "pin" and app.focused.value == ""
            await pilot.press(*"0000", "enter")
            await settle(pilot)
            assert isinstance(app.screen, ConsoleScreen)
    run(go())


def test_five_wrong_pins_lock_the_code(demo_site):
    async def go():
        app = make_app(demo_site)
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.press(*"G1", "enter")
            for _ in range(5):
                await pilot.press(*"9999", "enter")
            await pilot.press(*"0000", "enter")
            await pilot.pause()
            assert isinstance(app.screen, SignOnScreen)
            assert "locked" in str(app.screen.query_one("#message").render())
    run(go())


def test_operator_option_prefills_the_code(demo_site):
    async def go():
        app = make_app(demo_site, operator_code="G1")
        async with app.run_test(size=(80, 24)) as pilot:
            assert app.focused.id == "pin"
            await pilot.press(*"0000", "enter")
            await settle(pilot)
            assert app.operator.code == "G1"
    run(go())


def test_an_empty_database_asks_for_the_first_supervisor(empty_site):
    async def go():
        app = make_app(empty_site)
        async with app.run_test(size=(80, 24)) as pilot:
            assert isinstance(app.screen, FirstRunScreen)
            await pilot.press(*"S1", "enter", *"Chen Jing", "enter", *"2468", "enter", *"2469", "enter")
            assert "differ" in str(app.screen.query_one("#message").render())
            await pilot.press(*"2468", "enter")
            await settle(pilot)
            assert isinstance(app.screen, ConsoleScreen)
            assert app.operator.role == "supervisor"
        assert people.verify("S1", "2468", app.clock.now()).name == "Chen Jing"
    run(go())


def test_keys_1_to_4_and_tab_switch_panes(demo_site):
    async def go():
        app = make_app(demo_site)
        async with app.run_test(size=(80, 24)) as pilot:
            await sign_on(pilot)
            screen = app.screen

            def visible():
                return [p.number for p in screen.panes if p.display and p.region.width > 0]

            assert visible() == [1]
            for key, number in (("2", 2), ("4", 4), ("3", 3), ("1", 1)):
                await pilot.press(key)
                await pilot.pause()
                assert screen.active == number and visible() == [number]
                assert app.focused.id == f"table-{number}"
            await pilot.press("tab")
            await pilot.pause()
            assert screen.active == 2
            await pilot.press("shift+tab", "shift+tab")
            await pilot.pause()
            assert screen.active == 5                       # the Front desk is the fifth pane
            await pilot.press("shift+tab")
            await pilot.pause()
            assert screen.active == 4
    run(go())


def test_all_four_panes_at_120x36(demo_site):
    async def go():
        app = make_app(demo_site)
        async with app.run_test(size=(120, 36)) as pilot:
            await sign_on(pilot)
            shown = [p.number for p in app.screen.panes if p.region.width > 0 and p.region.height > 0]
            assert shown == [1, 2, 3, 4]                    # the Front desk takes the fourth cell on `5`
            assert not app.screen.query_one("#strip").display
    run(go())


def test_orders_pane_counts_down_and_is_sorted(demo_site):
    async def go():
        app = make_app(demo_site)
        async with app.run_test(size=(80, 24)) as pilot:
            await sign_on(pilot)
            await pilot.press("2")
            table = app.screen.pane(2).table
            first = table.render_line(1).text
            assert "OVER" in first
            app.clock.advance(seconds=30)
            app.tick()
            await pilot.pause()
            assert "OVER" in app.screen.query_one("#header").plain
    run(go())


def test_help_opens_and_closes(demo_site):
    async def go():
        app = make_app(demo_site)
        async with app.run_test(size=(80, 24)) as pilot:
            await sign_on(pilot)
            await pilot.press("question_mark")
            assert isinstance(app.screen, HelpScreen)
            await pilot.press("escape")
            assert isinstance(app.screen, ConsoleScreen)
    run(go())


def test_filter_narrows_the_pane_and_escape_clears_it(demo_site):
    async def go():
        app = make_app(demo_site)
        async with app.run_test(size=(80, 24)) as pilot:
            await sign_on(pilot)
            table = app.screen.pane(1).table
            total = table.row_count
            await pilot.press("slash", *"王[b]")
            await pilot.pause()
            assert 0 < table.row_count < total
            await pilot.press("escape")
            await pilot.pause()
            assert table.row_count == total and app.focused is table
    run(go())


def test_ctrl_q_quits(demo_site):
    async def go():
        app = make_app(demo_site)
        async with app.run_test(size=(80, 24)) as pilot:
            await sign_on(pilot)
            await pilot.press("ctrl+q")
            await pilot.pause()
        assert app.return_code == 0
    run(go())


def test_a_write_elsewhere_appears_without_a_key_press(demo_site):
    """Another console (here: a desk call on a second connection) writes; within the feed's poll the pane shows it."""
    async def go():
        app = make_app(demo_site)
        async with app.run_test(size=(80, 24)) as pilot:
            await sign_on(pilot)
            table = app.screen.query_one("#table-1", RecordTable)
            assert not any("来自另一台" in r.cells["text"] for r in table.rows)
            calls.add_call(people.find("G1"), app.clock.now(), category="message", channel="phone",
                           text="来自另一台 console [b]hello[/b]")
            for _ in range(30):
                await asyncio.sleep(0.1)
                await settle(pilot)
                if any("来自另一台" in r.cells["text"] for r in table.rows):
                    break
            assert any("来自另一台 console [b]hello[/b]" == r.cells["text"] for r in table.rows)
    run(go())


def test_no_color_header_counts_read_in_the_headers_own_colours_reversed(demo_site, monkeypatch):
    """NO_COLOR turns red into a dark grey (about 2:1 on the header): the counts are bold and reversed
    in the header's own foreground and background instead."""
    monkeypatch.setenv("NO_COLOR", "1")

    async def go():
        app = make_app(demo_site)
        async with app.run_test(size=(80, 24)) as pilot:
            await sign_on(pilot)
            assert app.no_color
            header = app.screen.query_one("#header")
            segments = list(header.render_line(0))
            site = segments[0].style
            over = next(s for s in segments if "OVER" in s.text).style
            assert over.bold and over.reverse
            assert (over.color, over.bgcolor) == (site.color, site.bgcolor)
    run(go())
