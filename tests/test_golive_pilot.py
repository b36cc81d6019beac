"""Going live (issue 14) at the console, key by key: the first sign-on with a one-time PIN, "Change
my PIN", the supervisor's staff and units screens from the palette, the dispatch form offering the
department's technicians, and an import seen by a console that was already open."""
from __future__ import annotations

import asyncio

from appkit import make_app, settle, sign_on, wait_for
from conftest import NOW

from deskconsole import calls, db, orders, people, site_setup, units
from deskconsole.db import Call, WorkOrder
from deskconsole.screens.call_form import CallFormScreen
from deskconsole.screens.console import ConsoleScreen
from deskconsole.screens.form import ConfirmScreen
from deskconsole.screens.order_forms import DispatchForm
from deskconsole.screens.pin import ChangePinForm, ChoosePinScreen
from deskconsole.screens.staff import OneTimePinScreen, StaffScreen
from deskconsole.screens.units import UnitForm, UnitsScreen

POLICY = people.PinPolicy()


def run(coro):
    return asyncio.run(coro)


async def palette(pilot, command: str) -> None:
    """Ctrl+P, the command's name, Enter: as a user runs any action by name."""
    await pilot.press("ctrl+p")
    await pilot.pause()
    await pilot.press(*command)
    for _ in range(10):
        await pilot.pause(0.05)
    await pilot.press("enter")
    await settle(pilot)


def command_names(app) -> list[str]:
    return [c.title for c in app.get_system_commands(app.screen)]


def test_a_one_time_pin_signs_on_only_to_choose_ones_own_pin(empty_site):
    s1 = people.create_first_supervisor(NOW, code="S1", name="陈静", pin="482913", policy=POLICY)
    new = people.add_staff(s1, NOW, POLICY, code="R1", name="李娜", role="receptionist")

    async def go():
        app = make_app(empty_site)
        async with app.run_test(size=(80, 24)) as pilot:
            await sign_on(pilot, "R1", new.pin)
            await wait_for(pilot, ChoosePinScreen)
            assert app.operator is None and app.focused.id == "new_pin"
            await pilot.press(*"1234", "enter", *"1234", "enter")
            await pilot.pause()
            assert "Too easy to guess" in str(app.screen.query_one("#message").render())
            await pilot.press(*"2580", "enter", *"2851", "enter")
            await pilot.pause()
            assert "differ" in str(app.screen.query_one("#message").render())
            assert isinstance(app.screen, ChoosePinScreen)
            await pilot.press(*"2580", "enter", *"2580", "enter")
            await settle(pilot)
            await wait_for(pilot, ConsoleScreen)
            assert app.operator.code == "R1"
    run(go())
    assert people.verify("R1", "2580", NOW).code == "R1" and not people.needs_own_pin(people.find("R1"))


def test_everyone_changes_their_own_pin_from_the_palette(demo_site):
    async def go():
        app = make_app(demo_site)
        async with app.run_test(size=(80, 24)) as pilot:
            await sign_on(pilot, "G1")
            assert "Change my PIN" in command_names(app) and "Staff" not in command_names(app)
            await palette(pilot, "Change my PIN")
            await wait_for(pilot, ChangePinForm)
            assert app.focused.id == "old_pin"
            await pilot.press(*"9999", "tab", *"3691", "tab", *"3691", "ctrl+s")
            await settle(pilot)
            assert isinstance(app.screen, ChangePinForm)
            assert "Wrong PIN for G1" in str(app.screen.query_one("#old_pin-error").render())
            await pilot.press("ctrl+a", "ctrl+k", *"0000", "ctrl+s")
            await settle(pilot)
            await wait_for(pilot, ConsoleScreen)
    run(go())
    assert people.verify("G1", "3691", NOW).code == "G1"


def test_a_supervisor_adds_disables_and_resets_staff_on_the_staff_screen(demo_site):
    async def go():
        app = make_app(demo_site)
        async with app.run_test(size=(80, 24)) as pilot:
            await sign_on(pilot, "S1")
            await palette(pilot, "Staff")
            await wait_for(pilot, StaffScreen)
            screen = app.screen
            assert [r.cells["code"] for r in screen.table.rows] == ["G1", "G2", "R1", "R2", "S1", "S2"]
            await pilot.press("a")
            await pilot.press(*"G3", "tab", *"周[b]伟", "tab", "enter", "down", "enter", "ctrl+s")
            await wait_for(pilot, OneTimePinScreen)
            pin = str(app.screen.query_one("#otp-pin").render())
            await pilot.press("enter")
            await wait_for(pilot, StaffScreen)
            assert screen.table.row_at_cursor().cells == {"code": "G3", "name": "周[b]伟", "role": "guard",
                                                          "state": "active", "pin": "one-time"}
            assert people.needs_own_pin(people.verify("G3", pin, NOW))

            await pilot.press("x")
            await wait_for(pilot, ConfirmScreen)
            await pilot.press("y")
            await wait_for(pilot, StaffScreen)
            assert screen.table.row_at_cursor().cells["state"] == "disabled"
            assert people.staff_record("G3").active is False

            await pilot.press("slash", *"S1", "enter", "x")   # never oneself
            await wait_for(pilot, ConfirmScreen)
            await pilot.press("y")
            await wait_for(pilot, StaffScreen)
            assert "Another supervisor does this for you" in str(screen.query_one("#ls-status").render())

            await pilot.press("escape", "slash", *"R1", "enter", "p")
            await wait_for(pilot, ConfirmScreen)
            await pilot.press("y")
            await wait_for(pilot, OneTimePinScreen)
            reset = str(app.screen.query_one("#otp-pin").render())
            await pilot.press("enter")
            assert people.needs_own_pin(people.verify("R1", reset, NOW))
            await pilot.press("escape", "escape")
            await wait_for(pilot, ConsoleScreen)
    run(go())


def test_a_supervisor_looks_up_edits_and_takes_over_a_unit(demo_site):
    spare = db.Unit.get((db.Unit.handed_over == False))  # noqa: E712

    async def go():
        app = make_app(demo_site)
        async with app.run_test(size=(80, 24)) as pilot:
            await sign_on(pilot, "S1")
            await palette(pilot, "Units")
            await wait_for(pilot, UnitsScreen)
            screen = app.screen
            assert len(screen.table.rows) == 288
            await pilot.press("slash", *spare.code, "enter")
            assert [r.cells["code"] for r in screen.table.rows] == [spare.code]
            assert screen.table.rows[0].cells["status"] == "not taken over"
            await pilot.press("e")
            await wait_for(pilot, UnitForm)
            await pilot.press(*"王[b]小明", "tab", *"13800001111 / 0755-12345678", "ctrl+s")
            await wait_for(pilot, UnitsScreen)
            await pilot.press("t")
            await pilot.pause()
            assert screen.table.rows[0].cells == {"code": spare.code, "owner": "王[b]小明",
                                                  "phones": "13800001111 / 0755-12345678", "status": "occupied",
                                                  "notes": ""}
            await pilot.press("e", "tab", "ctrl+a", "ctrl+k", *"12", "ctrl+s")   # refused at the field
            await pilot.pause()
            assert isinstance(app.screen, UnitForm)
            assert "12 is not a phone number" in str(app.screen.query_one("#phones-error").render())
    run(go())
    unit = units.get(spare.id)
    assert (unit.owner, unit.phones, unit.status) == ("王[b]小明", ("13800001111", "0755-12345678"), "occupied")


async def dispatch_form(pilot, order_id: int) -> DispatchForm:
    """R1 signs on, finds the order in the Work orders pane and presses d."""
    await sign_on(pilot, "R1")
    await pilot.press("2", "slash", *orders.number(order_id), "enter")
    await settle(pilot)
    await pilot.press("d")
    await wait_for(pilot, DispatchForm)
    return pilot.app.screen


def test_the_dispatch_form_offers_the_departments_technicians_on_call_first(demo_site, clock):
    order_id = orders.create_order(people.find("R1"), clock.now(), demo_site.sla_engine(), sla_class="urgent_repair",
                                   description="马桶堵了", unit_code="1-101", department="engineering")

    async def go():
        app = make_app(demo_site, clock=clock)
        async with app.run_test(size=(80, 24)) as pilot:
            form = await dispatch_form(pilot, order_id)
            assert form.query_one("#assignee").value == "张师傅"
            assert str(form.query_one("#assignee-note").render()) == \
                "On call: 张师傅 13800138001 · Also: Li Gong, 刘工"
            assert not form.is_dirty()
            await pilot.press("tab", *"L")
            await pilot.pause()
            await pilot.press("right")        # takes the suggestion
            assert form.query_one("#assignee").value == "Li Gong"
            await pilot.press("ctrl+s")
            await settle(pilot)
    run(go())
    order = WorkOrder.get_by_id(order_id)
    assert (order.status, order.department, order.assignee) == ("dispatched", "engineering", "Li Gong")


def test_a_typed_name_is_dispatched_and_another_department_offers_its_own(demo_site, clock):
    order_id = orders.create_order(people.find("R1"), clock.now(), demo_site.sla_engine(), sla_class="cleaning",
                                   description="垃圾房清理", location="垃圾房")

    async def go():
        app = make_app(demo_site, clock=clock)
        async with app.run_test(size=(80, 24)) as pilot:
            form = await dispatch_form(pilot, order_id)
            assert form.query_one("#assignee").value == ""
            await pilot.press("enter", *"cl", "enter")          # the department list, typed to "cleaning"
            await pilot.pause()
            assert form.query_one("#assignee").value == "刘阿姨"
            await pilot.press("tab", *"外包 [/x] 王", "ctrl+s")
            await settle(pilot)
    run(go())
    order = WorkOrder.get_by_id(order_id)
    assert (order.department, order.assignee) == ("cleaning", "外包 [/x] 王")


def test_units_imported_while_a_console_is_open_fill_and_complete_its_forms(demo_site, tmp_path):
    path = tmp_path / "new.csv"
    path.write_text("building,unit,owner,phone\n3,3-0101,周敏,13812340000\n", "utf-8")

    async def go():
        app = make_app(demo_site)
        async with app.run_test(size=(80, 24)) as pilot:
            await sign_on(pilot, "R1")
            # Imported elsewhere (the installer's command line) after this console opened.
            site_setup.import_units(people.system_operator(NOW), NOW, demo_site, table=site_setup.read_table(path))
            await pilot.press("n")
            await wait_for(pilot, CallFormScreen)
            await pilot.press(*"13812340000")
            await pilot.pause()
            form = app.screen
            # A first call from the owner's number: the unit list fills in the owner and the unit.
            assert (form.query_one("#caller").value, form.query_one("#unit").value) == ("周敏", "3-0101")
            assert str(form.query_one("#phone-note").render()) == \
                "The owner of 3-0101 on the unit list: 周敏. Filled in; change it if it is someone else."
            await pilot.press("tab", "tab", *"3-01")
            await settle(pilot)
            await pilot.press("right")       # takes the unit's completion
            assert app.screen.query_one("#unit").value == "3-0101"
            await pilot.press("tab", "r", "tab", "p", "tab", *"楼上漏水", "ctrl+s")
            await settle(pilot)
            await wait_for(pilot, ConsoleScreen)
    run(go())
    call = Call.select().order_by(Call.id.desc()).first()
    assert (call.unit.code, call.caller, call.category) == ("3-0101", "周敏", "repair")
    assert calls.detail(call.id).unit_code == "3-0101"


def test_the_first_supervisor_at_the_console_keeps_to_the_pin_policy(empty_site):
    empty_site.pin_min_length = 6

    async def go():
        app = make_app(empty_site)
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.pause()
            await pilot.press(*"S1", "enter", *"陈静", "enter", *"123456", "enter", *"123456", "enter")
            await pilot.pause()
            assert "Too easy to guess" in str(app.screen.query_one("#message").render())
            await pilot.press("ctrl+a", "ctrl+k", *"48291", "enter")   # the PIN field has the focus again
            await pilot.press(*"48291", "enter")
            await pilot.pause()
            assert "at least 6 digits" in str(app.screen.query_one("#message").render())
            await pilot.press("ctrl+a", "ctrl+k", *"482913", "enter", "ctrl+a", "ctrl+k", *"482913", "enter")
            await settle(pilot)
            await wait_for(pilot, ConsoleScreen)
    run(go())
    assert people.verify("S1", "482913", NOW).role == "supervisor"
