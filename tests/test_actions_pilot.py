"""The one route of the action table, key by key: who may, which record, the same action from the key,
from the record's screen and from the command palette; and keys moved by the site file's [keymap]."""
from __future__ import annotations

import asyncio
from datetime import timedelta

from appkit import make_app, settle, sign_on

from deskconsole import calls, i18n, keymap, orders, people
from deskconsole.screens.call_detail import CallDetailScreen
from deskconsole.screens.console import ConsoleScreen
from deskconsole.screens.form import FormScreen
from deskconsole.screens.help import HelpScreen, help_lines
from deskconsole.screens.order_forms import CancelReturnForm, DecideForm, DispatchForm, ExtendForm
from deskconsole.widgets.footer import DeskFooter


def run(coro):
    return asyncio.run(coro)


def _order(site, clock, pending: str = "") -> int:
    order_id = orders.create_order(people.find("R1"), clock.now(), site.sla_engine(), sla_class="general_repair",
                                   unit_code="1-101", description="窗户关不上 [b]window[/b]", department="engineering")
    if pending == "extension":
        orders.request_extension(people.find("R1"), clock.now(), site.sla_engine(), order_id, until=clock.now() + timedelta(days=5),
                                 reason="等配件")
    elif pending == "return":
        orders.return_order(people.find("R1"), clock.now(), order_id, reason="业主不让进门")
    return order_id


async def _pick(pilot, order_id: int) -> None:
    """The Work orders pane narrowed to one order with `/`, as a user would."""
    await pilot.press("2", "slash", *orders.number(order_id), "enter")
    await settle(pilot)


def _notes(app) -> list[tuple[str, str]]:
    """What the console says from now on (message, severity)."""
    said: list[tuple[str, str]] = []
    app.notify = lambda message, **kw: said.append((message, kw.get("severity", "information")))
    return said


def _palette(app, title: str):
    return next((c for c in app.get_system_commands(app.screen) if c.title == title), None)


def test_a_role_that_may_not_is_told_so_and_no_form_opens(demo_site, clock):
    order_id = _order(demo_site, clock)

    async def go():
        app = make_app(demo_site, clock=clock)
        async with app.run_test(size=(80, 24)) as pilot:
            await sign_on(pilot, "G1")
            await _pick(pilot, order_id)
            said = _notes(app)
            await pilot.press("d")
            await pilot.pause()
            assert isinstance(app.screen, ConsoleScreen)
            assert said == [("A guard may not do this (order.dispatch).", "error")]
    run(go())


def test_an_action_that_needs_a_record_says_choose_one_first(demo_site, clock):
    async def go():
        app = make_app(demo_site, clock=clock)
        async with app.run_test(size=(80, 24)) as pilot:
            await sign_on(pilot, "R1")
            await pilot.press("2", "slash", *"no such order at all", "enter")
            await settle(pilot)
            assert app.screen.pane(2).table.cursor_key is None
            said = _notes(app)
            await pilot.press("d", "c", "n")
            await pilot.pause()
            assert said == [("Choose an order first.", "warning")] * 2
            assert isinstance(app.screen, FormScreen)    # n needs no record: the new order form
    run(go())


def test_the_palette_runs_the_same_action_as_the_key_on_the_same_record(demo_site, clock):
    order_id = _order(demo_site, clock)

    async def go():
        app = make_app(demo_site, clock=clock)
        async with app.run_test(size=(80, 24)) as pilot:
            await sign_on(pilot, "R1")
            await _pick(pilot, order_id)
            await pilot.press("d")
            await pilot.pause()
            assert isinstance(app.screen, DispatchForm) and app.screen.row.id == order_id
            await pilot.press("escape")
            await pilot.press("1")                         # another pane in view: the command shows the order's
            await pilot.pause()
            command = _palette(app, "Dispatch the selected order")
            assert command is not None and "d · Dispatch: department" in command.help
            command.callback()
            await pilot.pause()
            assert isinstance(app.screen, DispatchForm) and app.screen.row.id == order_id
            assert app.screen_stack[-2].active == 2
    run(go())


def test_the_palette_offers_what_this_operator_may_do(demo_site, clock):
    async def go():
        for code, dispatch, void in (("G1", False, False), ("R1", True, False), ("S1", True, True)):
            app = make_app(demo_site, clock=clock)
            async with app.run_test(size=(80, 24)) as pilot:
                await sign_on(pilot, code)
                titles = {c.title for c in app.get_system_commands(app.screen)}
                assert {"New call", "Show Keys", "Keys and help", "Monthly figures", "Reload"} <= titles
                assert ("Dispatch the selected order" in titles, "Void the selected call" in titles) == (dispatch, void)
    run(go())


def test_e_and_x_open_the_decision_for_a_supervisor_when_a_request_waits(demo_site, clock):
    extension, back = _order(demo_site, clock, "extension"), _order(demo_site, clock, "return")

    async def go():
        for code, on_extension, on_return in (("S1", DecideForm, DecideForm), ("R1", ExtendForm, CancelReturnForm)):
            app = make_app(demo_site, clock=clock)
            async with app.run_test(size=(80, 24)) as pilot:
                await sign_on(pilot, code)
                for order_id, key, form in ((extension, "e", on_extension), (back, "x", on_return)):
                    await _pick(pilot, order_id)
                    await pilot.press(key)
                    await pilot.pause()
                    assert type(app.screen) is form and app.screen.row.id == order_id, (code, key)
                    await pilot.press("escape")
                    await pilot.press("escape")            # the filter line
                    await settle(pilot)
    run(go())


def test_a_record_screen_runs_the_same_table_with_the_same_refusals(demo_site, clock):
    async def go():
        app = make_app(demo_site, clock=clock)
        call_id = calls.add_call(people.find("R1"), clock.now(), category="message", channel="phone", text="请回电",
                                 message_for="张师傅")
        async with app.run_test(size=(80, 24)) as pilot:
            await sign_on(pilot, "R1")
            app.screen.pane(1).select(call_id)
            await pilot.press("enter")
            await pilot.pause()
            assert isinstance(app.screen, CallDetailScreen)
            said = _notes(app)
            await pilot.press("v", "o")
            await pilot.pause()
            # The footer offers what this receptionist may do on this call: not Void (a supervisor's).
            offered = [str(k.render()).strip() for k in app.screen.query_one(DeskFooter).query("FooterKey")]
            assert "e Edit" in offered and not [k for k in offered if k.endswith("Void")], offered
            assert said == [("Only a supervisor voids a call.", "warning"),
                            ("A message does not become a work order; only a repair, complaint, emergency or "
                             "inquiry does.", "warning")]
            assert isinstance(app.screen, CallDetailScreen)
    run(go())


def _remapped(site, clock):
    site.keymap = keymap.check({"orders.dispatch": "D", "keys.return": "R"})
    return make_app(site, clock=clock)


def test_a_key_moved_by_the_site_file_does_the_action_and_the_old_key_no_longer_does(demo_site, clock):
    order_id = _order(demo_site, clock)

    async def go():
        app = _remapped(demo_site, clock)
        async with app.run_test(size=(80, 24)) as pilot:
            await sign_on(pilot, "R1")
            await _pick(pilot, order_id)
            await pilot.press("d")
            await pilot.pause()
            assert isinstance(app.screen, ConsoleScreen)
            keys = [str(k.render()).strip() for k in app.screen.query_one(DeskFooter).query("FooterKey")]
            assert "D Dispatch" in keys and "d Dispatch" not in keys
            await pilot.press("D")
            await pilot.pause()
            assert isinstance(app.screen, DispatchForm) and app.screen.row.id == order_id
            await pilot.press("escape")
            await pilot.press("4")
            await settle(pilot)
            on_hook = next(r for r in app.screen.pane(4).table.rows if r.cells["due"] == "on hook")
            app.screen.pane(4).table.move_cursor_to_key(on_hook.key)
            said = _notes(app)
            await pilot.press("R")
            await pilot.pause()
            assert said == [("Put the cursor on a key that is out, then press R.", "warning")]
    run(go())


def test_help_shows_the_moved_keys_in_both_languages(demo_site, clock):
    async def go():
        app = _remapped(demo_site, clock)
        async with app.run_test(size=(80, 24)) as pilot:
            await sign_on(pilot, "R1")
            await pilot.press("question_mark")
            await pilot.pause()
            assert isinstance(app.screen, HelpScreen)
            text = [line.plain for line in help_lines(app)]
            assert " D             Dispatch: department, person, booked visit time" in text
            assert " R             Return the key: condition, note, received by you" in text
            assert not any(line.startswith(" d ") and "Dispatch" in line for line in text)
            i18n.set_language("zh")
            text = [line.plain for line in help_lines(app)]
            assert " D             派工：部门、人员、预约上门时间" in text
            assert "2 工单" in text
    run(go())


def test_the_palette_has_no_english_built_ins_in_chinese(demo_site, clock):
    async def go():
        app = make_app(demo_site, clock=clock)
        async with app.run_test(size=(80, 24)) as pilot:
            await sign_on(pilot, "R1")
            i18n.set_language("zh")
            titles = {c.title for c in app.get_system_commands(app.screen)}
            assert not titles & {"Theme", "Keys", "Maximize", "Minimize", "Screenshot", "Quit"}
            assert "退出" in titles
    run(go())
