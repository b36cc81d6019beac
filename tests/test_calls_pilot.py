"""The call flows, key by key: new call, emergency, convert, answer, deliver, filter, edit, void."""
from __future__ import annotations

import asyncio
from datetime import timedelta

from appkit import make_app, settle, sign_on, wait_for

from deskconsole import calls, people
from deskconsole.db import Call, WorkOrder
from deskconsole.screens.call_actions import (AnswerFormScreen, ConvertFormScreen, DeliverFormScreen,
                                              VoidFormScreen)
from deskconsole.screens.call_detail import CallDetailScreen, OrderSummaryScreen
from deskconsole.screens.call_form import CallFormScreen
from deskconsole.screens.console import ConsoleScreen
from deskconsole.screens.form import ConfirmScreen


def run(coro):
    return asyncio.run(coro)


def newest_call() -> Call:
    return Call.select().order_by(Call.id.desc()).first()


def test_a_routine_call_from_the_keyboard_is_saved_and_selected(demo_site):
    async def go():
        app = make_app(demo_site)
        async with app.run_test(size=(80, 24)) as pilot:
            await sign_on(pilot)
            await pilot.press("n")
            await wait_for(pilot, CallFormScreen)
            assert app.focused.id == "phone"
            await pilot.press(*"13811112222", "tab", *"王[b]小明", "tab", *"1-1203", "tab", "i", "tab", "w", "tab",
                              *"停车卡多少钱", "ctrl+s")
            await settle(pilot)
            assert isinstance(app.screen, ConsoleScreen)
            call = newest_call()
            assert (call.caller, call.unit.code, call.category, call.channel, call.text) == \
                ("王[b]小明", "1-1203", "inquiry", "walk_in", "停车卡多少钱")
            assert call.status == "answered" and call.taken_by.code == "R1"
            table = app.screen.pane(1).table
            assert table.cursor_key == call.id
            assert table.row_at_cursor().cells["caller"] == "王[b]小明"
    run(go())


def test_a_refused_unit_is_marked_at_the_field_and_nothing_typed_is_lost(demo_site):
    async def go():
        app = make_app(demo_site)
        async with app.run_test(size=(80, 24)) as pilot:
            await sign_on(pilot)
            count = Call.select().count()
            await pilot.press("n")
            await wait_for(pilot, CallFormScreen)
            await pilot.press(*"138", "tab", *"赵先生", "tab", *"9-999", "tab", "r", "tab", "tab", *"漏水 [/x]",
                              "ctrl+s")
            await pilot.pause()
            form = app.screen
            assert isinstance(form, CallFormScreen) and app.focused.id == "unit"
            assert "no unit 9-999" in str(form.query_one("#unit-error").render())
            assert form.values()["caller"] == "赵先生" and form.values()["text"] == "漏水 [/x]"
            assert Call.select().count() == count
            app.focused.value = "1-101"
            await pilot.press("ctrl+s")
            await settle(pilot)
            assert isinstance(app.screen, ConsoleScreen) and Call.select().count() == count + 1
    run(go())


def test_a_phone_that_called_before_fills_caller_and_unit_and_says_so(demo_site):
    async def go():
        app = make_app(demo_site)
        calls.add_call(people.find("G1"), app.clock.now() - timedelta(days=2), phone="13955556666",
                       caller="周[b]先生", unit_code="2-805", category="other", channel="phone", text="x")
        async with app.run_test(size=(80, 24)) as pilot:
            await sign_on(pilot)
            await pilot.press("n")
            await wait_for(pilot, CallFormScreen)
            await pilot.press(*"13955556666")
            await pilot.pause()
            form = app.screen
            assert form.values()["caller"] == "周[b]先生" and form.values()["unit"] == "2-805"
            assert "Called before" in str(form.query_one("#phone-note").render())
    run(go())


def test_message_fields_show_for_a_message_and_for_whom_is_asked(demo_site):
    async def go():
        app = make_app(demo_site)
        async with app.run_test(size=(80, 24)) as pilot:
            await sign_on(pilot)
            await pilot.press("n")
            await wait_for(pilot, CallFormScreen)
            form = app.screen
            assert not form.query_one("#message_for").display or \
                form.query_one("#message_for-field").has_class("-hidden")
            await pilot.press("tab", "tab", "tab", "m", "tab", "tab", *"请回电", "ctrl+s")
            await pilot.pause()
            assert app.focused.id == "message_for"
            await pilot.press(*"张师傅", "tab", *"王小明", "tab", *"13800001234", "ctrl+s")
            await settle(pilot)
            call = newest_call()
            assert (call.message_for, call.message_from, call.callback_number, call.status) == \
                ("张师傅", "王小明", "13800001234", "open")
    run(go())


def test_an_emergency_is_offered_its_work_order_at_once(demo_site):
    async def go():
        app = make_app(demo_site)
        async with app.run_test(size=(80, 24)) as pilot:
            await sign_on(pilot)
            await pilot.press("n")
            await wait_for(pilot, CallFormScreen)
            await pilot.press("tab", *"王强", "tab", *"1-1203", "tab", "e", "tab", "tab", *"家里跑水了", "ctrl+s")
            await wait_for(pilot, ConfirmScreen)
            await pilot.press("y")
            await settle(pilot)
            call = newest_call()
            order = WorkOrder.get(WorkOrder.call == call.id)
            assert order.sla_class == "emergency"
            assert order.respond_due_at == app.clock.now() + timedelta(minutes=10)
            assert call.status == "ordered" and call.category == "emergency"
            row = app.screen.pane(1).table.get_row(call.id)
            assert row.cells["reply"] == f"WO{order.id:05d}"
    run(go())


def test_an_open_emergency_stands_at_the_top_in_the_alarm_style(demo_site):
    async def go():
        app = make_app(demo_site)
        call_id = calls.add_call(people.find("G1"), app.clock.now() - timedelta(hours=3), category="emergency",
                                 channel="patrol", text="电梯困人", unit_code="1-101")
        async with app.run_test(size=(80, 24)) as pilot:
            await sign_on(pilot)
            table = app.screen.pane(1).table
            top = [r for r in table.rows if r.style == "alarm"]
            assert call_id in [r.key for r in top] and table.rows[0].style == "alarm"
            assert all(r.cells["mark"] == "‼" for r in top)
            # 80 columns: the short form, with the oldest open emergency's 10 minutes long gone
            assert "‼2 OVER 2h50m" in app.screen.query_one("#header").plain
    run(go())


def test_o_turns_a_repair_into_an_order_and_a_second_o_opens_it(demo_site):
    async def go():
        app = make_app(demo_site)
        call_id = calls.add_call(people.find("R1"), app.clock.now(), category="repair", channel="phone",
                                 text="卫生间地漏堵塞", unit_code="1-101")
        async with app.run_test(size=(80, 24)) as pilot:
            await sign_on(pilot)
            pane = app.screen.pane(1)
            pane.select(call_id)
            await pilot.press("o")
            await wait_for(pilot, ConvertFormScreen)
            form = app.screen
            assert form.values()["sla_class"] == "urgent_repair"
            assert "urgent repair" in str(form.query_one("#sla_class-note").render())
            await pilot.press("ctrl+s")
            await settle(pilot)
            order = WorkOrder.get(WorkOrder.call == call_id)
            assert order.sla_class == "urgent_repair" and order.unit.code == "1-101"
            assert pane.table.get_row(call_id).cells["reply"] == f"WO{order.id:05d}"
            await pilot.press("o")
            await wait_for(pilot, OrderSummaryScreen)
            assert app.screen.order_id == order.id
            assert WorkOrder.select().where(WorkOrder.call == call_id).count() == 1
            await pilot.press("escape")
            await wait_for(pilot, ConsoleScreen)
    run(go())


def test_answering_an_inquiry_from_the_pane_stops_its_countdown(demo_site):
    async def go():
        app = make_app(demo_site)
        call_id = calls.add_call(people.find("G1"), app.clock.now() - timedelta(minutes=10), category="inquiry",
                                 channel="phone", text="明天停水吗", answered=False)
        async with app.run_test(size=(80, 24)) as pilot:
            await sign_on(pilot)
            pane = app.screen.pane(1)
            pane.select(call_id)
            assert pane.table.get_row(call_id).dynamic["reply"].kind == "reply"
            await pilot.press("a")
            await wait_for(pilot, AnswerFormScreen)
            await pilot.press(*"周三 9-12 停水", "ctrl+s")
            await settle(pilot)
            call = Call.get_by_id(call_id)
            assert call.status == "answered" and call.answer == "周三 9-12 停水" and call.answered_by.code == "R1"
            assert not pane.table.get_row(call_id).dynamic
    run(go())


def test_deliver_a_message_from_its_detail_screen_with_its_history(demo_site):
    async def go():
        app = make_app(demo_site)
        call_id = calls.add_call(people.find("G1"), app.clock.now() - timedelta(minutes=5), category="message",
                                 channel="phone", text="请张师傅回电", message_for="张师傅", message_from="[b]王")
        async with app.run_test(size=(80, 24)) as pilot:
            await sign_on(pilot)
            pane = app.screen.pane(1)
            assert pane.table.get_row(call_id).cells["reply"] == "undelivered"
            pane.select(call_id)
            await pilot.press("enter")
            await wait_for(pilot, CallDetailScreen)
            detail = app.screen
            assert "[b]王" in str(detail.query_one("#detail-fields").render())
            assert "G1" in str(detail.query_one("#detail-history").render())
            await pilot.press("d")
            await wait_for(pilot, DeliverFormScreen)
            await pilot.press("ctrl+s")
            await wait_for(pilot, CallDetailScreen)
            await settle(pilot)
            assert Call.get_by_id(call_id).status == "delivered"
            assert "delivered" in str(app.screen.query_one("#detail-history").render())
            await pilot.press("escape")
            await settle(pilot)
            assert pane.table.get_row(call_id).cells["reply"] == ""
    run(go())


def test_filter_by_category_status_words_and_the_undelivered_view(demo_site):
    async def go():
        app = make_app(demo_site)
        g1 = people.find("G1")
        msg = calls.add_call(g1, app.clock.now(), category="message", channel="phone", text="回电", message_for="李工")
        done = calls.add_call(g1, app.clock.now(), category="message", channel="phone", text="回电 2",
                              message_for="刘工")
        calls.deliver_message(g1, app.clock.now(), done)
        async with app.run_test(size=(80, 24)) as pilot:
            await sign_on(pilot)
            table = app.screen.pane(1).table
            total = table.row_count
            await pilot.press("slash", *"cat:complaint")
            await pilot.pause()
            assert 0 < table.row_count < total and {r.cells["category"] for r in table.rows} == {"complaint"}
            await pilot.press("escape")
            await pilot.press("slash", *"status:open cat:rep")
            await pilot.pause()
            assert table.row_count > 0 and {r.cells["category"] for r in table.rows} == {"repair"}
            await pilot.press("escape")
            await pilot.press("slash", *"李工")
            await pilot.pause()
            assert [r.key for r in table.rows] == [msg]
            await pilot.press("escape")
            await pilot.press("u")
            await pilot.pause()
            keys = [r.key for r in table.rows]
            assert msg in keys and done not in keys
            assert all(r.cells["reply"] == "undelivered" for r in table.rows)
            await pilot.press("escape")
            await pilot.pause()
            assert table.row_count == total
    run(go())


def test_edit_from_the_pane_keeps_the_earlier_version(demo_site):
    async def go():
        app = make_app(demo_site)
        call_id = calls.add_call(people.find("R1"), app.clock.now(), category="repair", channel="phone",
                                 text="灯不亮", caller="王小明", unit_code="1-101")
        async with app.run_test(size=(80, 24)) as pilot:
            await sign_on(pilot)
            app.screen.pane(1).select(call_id)
            await pilot.press("e")
            await wait_for(pilot, CallFormScreen)
            assert app.screen.values()["caller"] == "王小明"
            await pilot.press("tab", *"王大明", "ctrl+s")
            await settle(pilot)
            assert Call.get_by_id(call_id).caller == "王大明"
            assert calls.detail(call_id).history[-1]["data"]["before"] == {"caller": "王小明"}
    run(go())


def test_void_needs_a_supervisor_and_a_reason(demo_site):
    async def go():
        app = make_app(demo_site)
        call_id = calls.add_call(people.find("R1"), app.clock.now(), category="other", channel="phone",
                                 text="entered twice")
        async with app.run_test(size=(80, 24)) as pilot:
            await sign_on(pilot, "S1")
            pane = app.screen.pane(1)
            pane.select(call_id)
            await pilot.press("enter")
            await wait_for(pilot, CallDetailScreen)
            await pilot.press("v")
            await wait_for(pilot, VoidFormScreen)
            await pilot.press("ctrl+s")
            await pilot.pause()
            assert "why" in str(app.screen.query_one("#reason-error").render())
            await pilot.press(*"duplicate of the 21:58 call", "ctrl+s")
            await wait_for(pilot, CallDetailScreen)
            await settle(pilot)
            assert Call.get_by_id(call_id).status == "void"
            assert "void" in str(app.screen.query_one("#detail-title").render())
            await pilot.press("escape")
            await settle(pilot)
            row = pane.table.get_row(call_id)
            assert row.style == "muted" and row.cells["reply"] == "void"
    run(go())


def test_a_receptionist_is_told_only_a_supervisor_voids(demo_site):
    async def go():
        app = make_app(demo_site)
        call_id = calls.add_call(people.find("R1"), app.clock.now(), category="other", channel="phone", text="x")
        async with app.run_test(size=(80, 24)) as pilot:
            await sign_on(pilot, "R1")
            app.screen.pane(1).select(call_id)
            await pilot.press("v")
            await pilot.pause()
            assert isinstance(app.screen, ConsoleScreen)
            assert Call.get_by_id(call_id).status == "closed"
    run(go())
