"""Search and the dossier at the console, key by key (issue 19): `s` opens search, typing finds, Enter
opens the record (a closed order read-only, with its history), `u` the unit's dossier."""
from __future__ import annotations

import asyncio

from textual.geometry import Region

from appkit import make_app, open_search, settle, sign_on

from deskconsole import calls, db, orders
from deskconsole.screens import actions
from deskconsole.screens.call_detail import CallDetailScreen
from deskconsole.screens.console import ConsoleScreen
from deskconsole.screens.dossier import DossierScreen
from deskconsole.screens.order_detail import OrderDetailScreen
from deskconsole.screens.search import SearchScreen
from deskconsole.widgets.record_table import RecordTable


def run(coro):
    return asyncio.run(coro)


async def searched(pilot, text: str) -> RecordTable:
    await pilot.press(*text)
    screen = pilot.app.screen
    for _ in range(100):                       # each search runs in a thread; the last words come last
        await settle(pilot)
        if screen._searching is None and screen._shown_words == screen.query_one("#search-input").value:
            break
        await pilot.pause(0.05)
    return screen.query_one(RecordTable)


def test_s_opens_search_and_enter_opens_the_call(demo_site):
    async def go():
        app = make_app(demo_site)
        async with app.run_test(size=(80, 24)) as pilot:
            await sign_on(pilot)
            await pilot.press("s")
            assert isinstance(app.screen, SearchScreen)
            table = await searched(pilot, "漏水")
            assert table.row_count > 0
            first = table.rows[0]
            assert first.key[0] == "call" and "漏水" in first.cells["what"]
            assert "Calls 30+" in str(app.screen.query_one("#search-status").render())
            await pilot.press("enter")                       # from the words to the results
            assert app.focused is table
            await pilot.press("enter")
            assert isinstance(app.screen, CallDetailScreen) and app.screen.call_id == first.key[1]
            await pilot.press("escape")
            assert isinstance(app.screen, SearchScreen)
            await pilot.press("escape")
            assert isinstance(app.screen, ConsoleScreen)
    run(go())


def test_a_closed_order_opens_read_only_with_its_whole_history(demo_site):
    closed = orders.WorkOrder.select().where(orders.WorkOrder.status == "closed").order_by(
        orders.WorkOrder.id).first()
    number = orders.number(closed.id)

    async def go():
        app = make_app(demo_site)
        async with app.run_test(size=(80, 24)) as pilot:
            await sign_on(pilot)
            await pilot.press("s")
            table = await searched(pilot, number)
            assert [r.key for r in table.rows] == [("order", closed.id)]
            assert table.rows[0].style == "muted"
            await pilot.press("enter", "enter")
            screen = app.screen
            assert isinstance(screen, OrderDetailScreen) and screen.read_only
            body = str(screen.query_one("#order-body").render())
            for step in ("logged", "dispatched", "on site", "done", "call-back"):
                assert step in body, step
            assert "read-only" in str(screen.query_one("#order-keys").render())
            await pilot.press("k")
            assert app.screen is screen and not screen.changed
            await pilot.press("escape")
            assert isinstance(app.screen, SearchScreen)
    run(go())


def test_u_opens_the_units_dossier_from_search_and_from_a_call(demo_site):
    call = calls.detail(db.Call.select(db.Call.id).where(db.Call.unit.is_null(False)).order_by(
        db.Call.id.desc()).first().id)

    async def go():
        app = make_app(demo_site)
        async with app.run_test(size=(80, 24)) as pilot:
            await sign_on(pilot)
            await pilot.press("s")
            table = await searched(pilot, call.unit_code)
            assert table.rows[0].key[0] == "unit"
            await pilot.press("enter", "u")
            await settle(pilot)
            screen = app.screen
            assert isinstance(screen, DossierScreen) and screen.unit_code == call.unit_code
            entries = screen.query_one(RecordTable)
            assert entries.row_count == sum(screen.dossier.counts.values()) > 0
            title = screen.query_one("#dossier-title").plain
            assert call.unit_code in title and "page 1 of 1" in title
            assert call.phone in str(screen.query_one("#dossier-owner").render())
            # Enter on a call of the dossier opens it; u there opens the same dossier again.
            index = next(i for i, r in enumerate(entries.rows) if r.key == ("call", call.id))
            entries.move_cursor_to_key(("call", call.id))
            assert entries.cursor_index == index
            await pilot.press("enter")
            assert isinstance(app.screen, CallDetailScreen)
            await pilot.press("u")
            await settle(pilot)
            assert isinstance(app.screen, DossierScreen) and app.screen is not screen
    run(go())


def test_the_dossier_pages_with_brackets(demo_site, clock):
    from deskconsole import people
    r1 = people.find("R1")
    for i in range(130):
        calls.add_call(r1, clock.now(), category="inquiry", channel="phone", unit_code="2-1808", text=f"问 {i}")

    async def go():
        app = make_app(demo_site)
        async with app.run_test(size=(80, 24)) as pilot:
            await sign_on(pilot)
            app.push_screen(DossierScreen("2-1808", actions.run))
            await settle(pilot)
            screen = app.screen
            pages = screen.dossier.pages
            assert pages == -(-screen.dossier.total // 50) >= 3
            assert f"page 1 of {pages}" in screen.query_one("#dossier-title").plain
            first = screen.query_one(RecordTable).rows[0].key
            await pilot.press("right_square_bracket")
            await settle(pilot)
            assert screen.dossier.page == 1 and f"page 2 of {pages}" in screen.query_one("#dossier-title").plain
            assert screen.query_one(RecordTable).rows[0].key != first
            await pilot.press("left_square_bracket", "left_square_bracket")
            await settle(pilot)
            assert screen.dossier.page == 0 and screen.query_one(RecordTable).rows[0].key == first
    run(go())


def test_hostile_text_in_results_is_shown_as_typed(demo_site):
    async def go():
        app = make_app(demo_site)
        async with app.run_test(size=(80, 24)) as pilot:
            await sign_on(pilot)
            await pilot.press("s")
            table = await searched(pilot, "王[b]小明")
            assert table.row_count > 0
            assert any("王[b]小明" in r.cells["who"] for r in table.rows)
            painted = "\n".join(strip.text for strip in table.render_lines(Region(0, 0, 80, table.size.height)))
            assert "王[b]小明" in painted
    run(go())


def test_too_short_says_what_to_type_and_the_palette_offers_search(demo_site):
    async def go():
        app = make_app(demo_site)
        async with app.run_test(size=(80, 24)) as pilot:
            await sign_on(pilot)
            names = [c.title for c in app.get_system_commands(app.screen)]
            assert "Search everything" in names
            await pilot.press("s")
            table = await searched(pilot, "ab")
            assert table.row_count == 0
            assert "two Chinese characters" in str(app.screen.query_one("#search-status").render())
    run(go())


# --- the Work orders pane's ended orders ---------------------------------------------------------

async def filtered(pilot, text: str) -> RecordTable:
    await pilot.press("slash", *text)
    await pilot.pause(0.4)                     # the pause after typing, then the read of ended orders
    await settle(pilot)
    return pilot.app.screen.pane(2).table


def test_the_orders_pane_lists_closed_orders_by_a_filter_tag(demo_site):
    closed = {o.id for o in orders.WorkOrder.select().where(orders.WorkOrder.status == "closed")}
    by_li = {o.id for o in orders.WorkOrder.select().where((orders.WorkOrder.status == "closed")
                                                         & (orders.WorkOrder.assignee == "刘工"))}
    assert closed and by_li

    async def go():
        app = make_app(demo_site)
        async with app.run_test(size=(80, 24)) as pilot:
            await sign_on(pilot)
            await pilot.press("2")
            pane = app.screen.pane(2)
            open_count = pane.table.row_count
            table = await filtered(pilot, "status:closed")
            keys = [r.key for r in table.rows]
            assert set(keys) == closed and keys == sorted(keys, reverse=True)
            assert {r.style for r in table.rows} == {"muted"} and {r.cells["status"] for r in table.rows} == {"closed"}
            # Actions are refused on an ended order; Enter opens it read-only.
            await pilot.press("enter")                 # from the filter line to the table
            await pilot.press("d")
            assert isinstance(app.screen, ConsoleScreen)
            await pilot.press("enter")
            assert isinstance(app.screen, OrderDetailScreen) and app.screen.read_only
            assert app.screen.order_id == keys[0]
            await pilot.press("escape")
            # Words with the tag: found in the index, however old.
            pane.close_filter()
            table = await filtered(pilot, "status:closed 刘工")
            assert {r.key for r in table.rows} == by_li
            pane.close_filter()
            await pilot.pause()
            assert table.row_count == open_count
            # An open status narrows the open orders.
            table = await filtered(pilot, "st:disp")
            assert table.row_count and {r.cells["status"] for r in table.rows} == {"dispatched"}
    run(go())


def test_the_orders_filter_tag_reads_statuses_in_either_language():
    from deskconsole import i18n
    from deskconsole.widgets.orders_pane import order_filter
    assert order_filter("status:closed 1-1203") == (["closed"], ["1-1203"])
    assert order_filter("st:c") == (["closed", "cancelled"], [])
    assert order_filter("status:nothing") == (["-"], [])
    i18n.set_language("zh")
    assert order_filter("状态：已关闭 漏水") == (["closed"], ["漏水"])


def test_a_burst_of_keys_is_one_search(demo_site, monkeypatch):
    """Issue 19: a paste, or a fast typist's keys as an SSH link delivers them, is searched once and
    painted once, with all its words (not once per key, each a paint of its own)."""
    from test_typeahead import burst, until

    from deskconsole import search
    asked: list[str] = []
    real_find = search.find

    def find(text, *args, **kwargs):
        asked.append(text)
        return real_find(text, *args, **kwargs)

    monkeypatch.setattr(search, "find", find)
    # Wider than the keys of a burst can be apart on a loaded test machine: the test is of the
    # mechanism, not of the 8 ms.
    monkeypatch.setattr("deskconsole.screens.search.BURST_GAP", 0.5)

    async def go():
        app = make_app(demo_site)
        async with app.run_test(size=(80, 24)) as pilot:
            await sign_on(pilot)
            await pilot.press("s")
            screen = app.screen
            burst(app, "漏水 1-1")
            await until(pilot, lambda: screen._shown_words == "漏水 1-1" and screen._searching is None)
            assert asked == ["漏水 1-1"]
            assert screen.query_one(RecordTable).row_count > 0
    run(go())


def test_the_cursor_is_on_the_best_match_of_the_words_as_typed_so_far(demo_site):
    """Typed slowly, searches run for "1-7" and "1-70" before "1-703" is whole. Each time the cursor goes
    to the first result of the words as they are, not to the record the shorter words put first (still
    found, further down), nor to whatever row is where that record was."""
    async def go():
        app = make_app(demo_site)
        async with app.run_test(size=(80, 24)) as pilot:
            await open_search(pilot)
            table = await searched(pilot, "1-7")
            first_before = table.cursor_key
            table = await searched(pilot, "0")
            assert first_before in [row.key for row in table.rows][1:]   # the cursor could have stayed on it
            assert table.cursor_index == 0
            table = await searched(pilot, "3")
            assert table.rows[0].key[0] == "unit" and table.rows[0].cells["number"] == "1-703"
            assert table.cursor_index == 0
            await pilot.press("down", "u")
            await settle(pilot)
            assert isinstance(app.screen, DossierScreen) and app.screen.unit_code == "1-703"
    run(go())
