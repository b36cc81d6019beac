"""The Keys pane by keys only: issue, return, a second return elsewhere, lost, history, filter, catalogue."""
from __future__ import annotations

import asyncio

from appkit import make_app, settle, sign_on

from deskconsole import keys, people
from deskconsole.db import Key, KeyLoan, Staff
from deskconsole.screens.console import ConsoleScreen
from deskconsole.screens.key_detail import KeyDetailScreen
from deskconsole.screens.key_forms import (
    CatalogueForm,
    IssueKeyForm,
    ReportKeyForm,
    ReturnKeyForm,
)


def run(coro):
    return asyncio.run(coro)


def note(screen, field: str) -> str:
    widget = screen.query_one(f"#{field}-note")
    return str(widget.render()) if widget.has_class("-shown") else ""


def error(screen, field: str) -> str:
    widget = screen.query_one(f"#{field}-error")
    return str(widget.render()) if widget.has_class("-shown") else ""


async def keys_pane(pilot, code="R1"):
    await sign_on(pilot, code)
    await pilot.press("4")
    await settle(pilot)
    return pilot.app.screen.pane(4)


def test_issue_a_plant_room_key_to_a_contractor(demo_site):
    async def go():
        app = make_app(demo_site)
        async with app.run_test(size=(80, 24)) as pilot:
            pane = await keys_pane(pilot)
            await pilot.press("n")
            await pilot.pause()
            form = app.screen
            assert isinstance(form, IssueKeyForm) and app.focused.id == "tag"
            assert not form.query_one("#holder_company-field").display
            await pilot.press(*"pr-02")
            await pilot.pause()
            assert "Switch room" in note(form, "tag") and "supervisor" not in note(form, "tag")
            assert "11-25 00:00" in note(form, "due")         # a plant room's 2 h
            # Contractor: picked by its letter.
            await pilot.press("tab", "c")
            await pilot.pause()
            assert form.query_one("#holder_kind").value == "contractor"
            assert form.query_one("#holder_company-field").display
            await pilot.press("tab", *"周师傅", "ctrl+s")
            await pilot.pause()
            assert "company" in error(form, "holder_company") and app.focused.id == "holder_company"
            await pilot.press(*"美的[b]", "tab", *"4403011988")
            await pilot.press("tab", *"水泵检修", "tab", *"WO00002")
            await pilot.press("ctrl+s")
            await settle(pilot)
            assert isinstance(app.screen, ConsoleScreen)
            loan = KeyLoan.get(KeyLoan.holder_name == "周师傅", KeyLoan.returned_at.is_null())
            assert loan.key.tag == "PR-02" and loan.holder_company == "美的[b]" and loan.order_id == 2
            assert loan.due_at == app.clock.now().replace(hour=22) and loan.issued_by.code == "R1"
            assert pane.table.cursor_key == loan.key_id                    # the new loan is selected
            assert "周师傅 (美的[b])" in pane.table.get_row(loan.key_id).cells["holder"]
    run(go())


def test_a_master_key_says_so_at_once_and_needs_the_supervisors_pin(demo_site):
    async def go():
        app = make_app(demo_site)
        async with app.run_test(size=(80, 24)) as pilot:
            await keys_pane(pilot, "G1")
            await pilot.press("n", *"MK-02")
            await pilot.pause()
            form = app.screen
            assert "master · hook safe · a supervisor must authorise it (below)" in note(form, "tag")
            assert "master key: a supervisor must authorise" in note(form, "auth_code")
            assert "master key" not in note(form, "tag")                      # said once in full
            await pilot.press("tab", "tab", *"G2", "ctrl+s")
            await pilot.pause()
            assert "master key" in error(form, "auth_code") and app.focused.id == "auth_code"
            await pilot.press(*"S1", "tab", *"1234", "ctrl+s")
            await pilot.pause()
            assert "Wrong PIN for S1" in error(form, "auth_pin")
            assert form.query_one("#holder_name").value == "G2"              # nothing typed is lost
            assert Staff.get(Staff.code == "S1").failed_attempts == 1
            form.query_one("#auth_pin").value = ""
            await pilot.press(*"0000", "ctrl+s")
            await settle(pilot)
            assert isinstance(app.screen, ConsoleScreen)
            loan = KeyLoan.get(KeyLoan.returned_at.is_null(), KeyLoan.key == Key.get(Key.tag == "MK-02"))
            assert (loan.authorised_by.code, loan.issued_by.code, loan.holder_name) == ("S1", "G1", "Tom Baker")
    run(go())


def test_return_by_keys_and_a_second_return_at_another_console(demo_site):
    async def go():
        app = make_app(demo_site)
        async with app.run_test(size=(80, 24)) as pilot:
            pane = await keys_pane(pilot)
            first = pane.table.rows[0]
            assert pane.table.cursor_key == first.key
            await pilot.press("r")
            await pilot.pause()
            assert isinstance(app.screen, ReturnKeyForm)
            assert "Received by R1" in str(app.screen.query_one("#received-by").render())
            await pilot.press("ctrl+s")
            await settle(pilot)
            assert isinstance(app.screen, ConsoleScreen)
            assert Key.get_by_id(first.key).status == "board"
            assert KeyLoan.get(KeyLoan.key == first.key).received_by.code == "R1"
            assert pane.table.get_row(first.key).cells["due"] == "on hook"

            # The next key: another console returns it while this one has the form open.
            second = pane.table.rows[0]
            pane.table.move_cursor_to_key(second.key)
            await pilot.press("r")
            await pilot.pause()
            keys.return_key(people.find("G2"), app.clock.now(), second.key)
            await pilot.press("tab", *"looks fine", "ctrl+s")
            await pilot.pause()
            form = app.screen
            assert isinstance(form, ReturnKeyForm)
            message = str(form.query_one("#form-message").render())
            assert "returned already (received by G2 at 11-24 22:00)" in message
            assert form.query_one("#note").value == "looks fine"
    run(go())


def test_r_on_a_key_on_the_hook_says_what_to_do(demo_site):
    async def go():
        app = make_app(demo_site)
        async with app.run_test(size=(80, 24)) as pilot:
            pane = await keys_pane(pilot)
            on_hook = next(r for r in pane.table.rows if r.cells["due"] == "on hook")
            pane.table.move_cursor_to_key(on_hook.key)
            await settle(pilot)
            assert pane.table.cursor_key == on_hook.key
            await pilot.press("r")
            await pilot.pause()
            assert isinstance(app.screen, ConsoleScreen), app.screen
            assert Key.get_by_id(on_hook.key).status == "board"
    run(go())


def test_report_lost_and_see_the_history(demo_site):
    async def go():
        app = make_app(demo_site)
        async with app.run_test(size=(80, 24)) as pilot:
            pane = await keys_pane(pilot)
            first = pane.table.rows[0]
            await pilot.press("l")
            await pilot.pause()
            assert isinstance(app.screen, ReportKeyForm)
            await pilot.press("tab", *"掉在天台 [/x]", "ctrl+s")
            await settle(pilot)
            assert Key.get_by_id(first.key).status == "lost"
            assert pane.table.rows[-1].key == first.key and pane.table.rows[-1].cells["due"] == "lost"
            pane.table.move_cursor_to_key(first.key)
            await pilot.press("enter")
            await pilot.pause()
            assert isinstance(app.screen, KeyDetailScreen)
            text = str(app.screen.query_one("#key-history").render())
            assert "reported lost by R1: 掉在天台 [/x]" in text
            assert "authorised by S1" in text and "issued by G1" in text
            # The catalogue's own events in the history's words (when it was added, by whom).
            edits = str(app.screen.query_one("#key-edits").render())
            assert "key added" in edits and "S1 " in edits
            await pilot.press("escape")
            await pilot.pause()
            assert isinstance(app.screen, ConsoleScreen)
    run(go())


def test_filter_by_unit_and_by_holder(demo_site):
    async def go():
        app = make_app(demo_site)
        async with app.run_test(size=(80, 24)) as pilot:
            pane = await keys_pane(pilot)
            await pilot.press("slash", *"2-1708")
            await pilot.pause()
            assert [r.cells["tag"] for r in pane.table.rows] == ["U-2-1708"]
            await pilot.press("escape")
            await pilot.press("slash", *"1-1203")                       # the owner's unit
            await pilot.pause()
            assert [r.cells["holder"] for r in pane.table.rows] == ["王[b]小明"]
            await pilot.press("escape")
            await pilot.press("slash", *"pump room")                    # what it opens
            await pilot.pause()
            assert [r.cells["tag"] for r in pane.table.rows] == ["PR-01"]
    run(go())


def test_supervisor_edits_the_catalogue_and_others_may_not(demo_site):
    async def go():
        app = make_app(demo_site)
        async with app.run_test(size=(80, 24)) as pilot:
            await keys_pane(pilot, "G1")
            await pilot.press("e")
            await pilot.pause()
            assert isinstance(app.screen, ConsoleScreen)
        app = make_app(demo_site)
        async with app.run_test(size=(80, 24)) as pilot:
            pane = await keys_pane(pilot, "S1")
            on_hook = next(r for r in pane.table.rows if r.cells["tag"] == "CA-04")
            pane.table.move_cursor_to_key(on_hook.key)
            await pilot.press("e")
            await pilot.pause()
            form = app.screen
            assert isinstance(form, CatalogueForm) and form.query_one("#label").value == "垃圾房 Bin store"
            await pilot.press("tab", "tab", "tab", "tab", "tab", "tab", *"12")   # copies (Tab selects the old value)
            await pilot.press("ctrl+s")
            await settle(pilot)
            assert Key.get_by_id(on_hook.key).copies == 12
    run(go())
