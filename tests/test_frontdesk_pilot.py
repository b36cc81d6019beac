"""The Front desk pane (issue 20) by keys only at 80x24: a night's parcels and visitors; and its place
in the grid at 120x36 (the fourth cell, instead of the Keys, while it is active)."""
from __future__ import annotations

import asyncio

from appkit import make_app, settle, sign_on, wait_for
from conftest import NOW

from deskconsole import frontdesk
from deskconsole.db import Parcel, Visitor
from deskconsole.screens.frontdesk_forms import (
    CollectParcelForm,
    NotifyParcelForm,
    ReceiveParcelForm,
    SignInVisitorForm,
)


def run(coro):
    return asyncio.run(coro)


def strip(app) -> str:
    return app.screen.query_one("#strip").plain if hasattr(app.screen.query_one("#strip"), "plain") else \
        str(app.screen.query_one("#strip").render())


async def front_desk(pilot, code="G1"):
    await sign_on(pilot, code)
    await pilot.press("5")
    await settle(pilot)
    return pilot.app.screen.pane(5)


async def receive(pilot, unit: str, tracking: str, carrier: str = "EMS", addressee: str = ""):
    await pilot.press("n")
    await wait_for(pilot, ReceiveParcelForm)
    await pilot.press(*unit, "tab", *addressee, "tab", *carrier, "tab", *tracking, "ctrl+s")
    await settle(pilot)


def test_a_nights_front_desk_at_80x24(demo_site):
    async def go():
        app = make_app(demo_site)
        async with app.run_test(size=(80, 24)) as pilot:
            pane = await front_desk(pilot)
            assert pane.display and pane.table.row_count == 0
            await receive(pilot, "1-1203", "EA123456789CN", addressee="王[b]小明")
            await receive(pilot, "2-1503", "SF1234567890", carrier="SF")
            # The third comes from the parcel locker's script (`deskconsole parcel add`).
            frontdesk.receive_parcel_from_script("", NOW, unit_code="1-1203", carrier="JD", tracking="JD00004321")
            app.reload()
            await settle(pilot)
            assert pane.table.row_count == 3
            assert [r.cells["tracking"] for r in pane.table.rows] == ["EA123456789CN", "SF1234567890", "JD00004321"]
            assert pane.table.rows[0].cells["for"] == "1-1203 王[b]小明"
            # Tell the first addressee, then hand the parcel over: ID last four, signed.
            await pilot.press("home", "t")
            await wait_for(pilot, NotifyParcelForm)
            await pilot.press("ctrl+s")
            await settle(pilot)
            assert Parcel.get(Parcel.tracking == "EA123456789CN").notice_count == 1
            await pilot.press("c")
            await wait_for(pilot, CollectParcelForm)
            form = app.screen
            assert form.query_one("#collector").value == "王[b]小明"
            # Not signed for: refused at the field, nothing typed is lost; y there, and it saves.
            await pilot.press("tab", "tab", "tab", "tab", *"002X", "ctrl+s")
            await settle(pilot)
            assert isinstance(app.screen, CollectParcelForm)
            assert "signs for the parcel" in str(form.query_one("#signed-error").render())
            assert form.query_one("#id_last4").value == "002X" and form.focused.id == "signed"
            await pilot.press("y", "ctrl+s")
            await settle(pilot)
            assert not isinstance(app.screen, CollectParcelForm), form.query_one("#form-message").render()
            parcel = Parcel.get(Parcel.tracking == "EA123456789CN")
            assert (parcel.status, parcel.id_last4, parcel.signed) == ("collected", "002X", True)
            # Two visitors in, one out.
            await pilot.press("v")
            await settle(pilot)
            assert pane.register == "visitors" and pane.table.row_count == 0
            for name, unit in (("张三", "1-1203"), ("Contractor Li", "2-1503")):
                await pilot.press("n")
                await wait_for(pilot, SignInVisitorForm)
                await pilot.press(*name, "tab", "tab", *unit, "tab", "tab", *"visit", "ctrl+s")
                await settle(pilot)
                assert not isinstance(app.screen, SignInVisitorForm)
            assert pane.table.row_count == 2
            await pilot.press("home", "o")
            await settle(pilot)
            assert [v.name for v in frontdesk.visitors_on_site()] == ["Contractor Li"]
            assert Visitor.select().count() == 2
            # 22:00: the visitor is in after office hours. The pane in view says so on its border; the strip
            # (full with the demo's orders) gives the pane in view's place to the others' counts.
            assert pane.border_subtitle == "1 visitors on site ☾ after office hours"
            await pilot.press("1")
            await settle(pilot)
            text = str(app.screen.query_one("#strip").render())
            assert "5 Desk 2/☾1" in text, text
            # Back to the parcels: the two waiting ones.
            await pilot.press("5", "p")
            await settle(pilot)
            assert [r.cells["tracking"] for r in pane.table.rows][:2] == ["SF1234567890", "JD00004321"]
    run(go())


def test_refusals_in_the_pane_say_what_to_do(demo_site):
    async def go():
        app = make_app(demo_site)
        notes = []
        app.notify = lambda message, **kw: notes.append(message)
        async with app.run_test(size=(80, 24)) as pilot:
            await front_desk(pilot)
            await pilot.press("c")
            await settle(pilot)
            assert notes[-1] == "Put the cursor on a waiting parcel, then press c."
            await pilot.press("o")
            await settle(pilot)
            assert notes[-1] == "Show the visitors (v), put the cursor on one on site, then press o."
    run(go())


def test_in_the_grid_the_front_desk_takes_the_keys_cell_while_active(demo_site):
    async def go():
        app = make_app(demo_site)
        async with app.run_test(size=(120, 36)) as pilot:
            await sign_on(pilot)
            screen = app.screen
            assert screen.pane(4).display is True or screen.pane(4).styles.display == "block"
            assert screen.pane(5).styles.display == "none"
            await pilot.press("5")
            await settle(pilot)
            assert screen.pane(5).styles.display == "block" and screen.pane(4).styles.display == "none"
            assert screen.pane(1).styles.display == "block"
            await pilot.press("4")
            await settle(pilot)
            assert screen.pane(4).styles.display == "block" and screen.pane(5).styles.display == "none"
    run(go())
