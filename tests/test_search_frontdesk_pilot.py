"""The front desk's records at the console, key by key (issues 19 and 20): `s`, the last four digits of a
parcel's tracking number, Enter opens the parcel with its history, `c` hands it over there, `u` its unit's
dossier lists it; a visitor signed out from search; a pass found by its number opens read-only."""
from __future__ import annotations

import asyncio
from datetime import timedelta

from appkit import make_app, settle, sign_on, wait_for
from conftest import NOW
from test_search_pilot import searched
from textual.geometry import Region

from deskconsole import frontdesk, people
from deskconsole.db import Parcel, Visitor
from deskconsole.screens.dossier import DossierScreen
from deskconsole.screens.frontdesk_forms import CollectParcelForm
from deskconsole.screens.frontdesk_record import FrontDeskRecordScreen
from deskconsole.screens.search import SearchScreen
from deskconsole.widgets.record_table import RecordTable


def run(coro):
    return asyncio.run(coro)


def painted(widget) -> str:
    return "\n".join(strip.text for strip in widget.render_lines(Region(0, 0, widget.size.width, widget.size.height)))


def text_of(screen, selector: str) -> str:
    return str(screen.query_one(selector).render())


def test_a_parcel_found_by_the_last_four_digits_is_handed_over_from_search(demo_site):
    g1 = people.find("G1")
    pid = frontdesk.receive_parcel(g1, NOW - timedelta(days=2), unit_code="1-1203", addressee="王[b]小明",
                                   carrier="顺丰", tracking="SF1402778159437", shelf="[/x] \x1b[2J")

    async def go():
        app = make_app(demo_site)
        async with app.run_test(size=(80, 24)) as pilot:
            await sign_on(pilot)
            await pilot.press("s")
            table = await searched(pilot, "9437")
            assert ("parcel", pid) in [r.key for r in table.rows]
            row = next(r for r in table.rows if r.key == ("parcel", pid))
            assert (row.cells["kind"], row.cells["number"], row.cells["unit"], row.cells["status"]) == \
                ("Parcel", "…78159437", "1-1203", "waiting")
            assert "王[b]小明" in row.cells["who"] and row.style == ""
            await pilot.press("enter")                        # from the words to the results
            table.move_cursor_to_key(("parcel", pid))
            await pilot.pause()
            assert "[/x]" in painted(table) and "王[b]小明" in painted(table)
            await pilot.press("enter")
            await wait_for(pilot, FrontDeskRecordScreen)
            screen = app.screen
            title = text_of(screen, "#detail-title")
            assert "SF1402778159437" in title and "waiting" in title
            fields = text_of(screen, "#detail-fields")
            assert "1-1203 王[b]小明" in fields and "Shelf: [/x]\n" in fields and "not told" in fields
            assert "parcel received" in text_of(screen, "#detail-history")
            assert "c hands it over" in text_of(screen, "#record-keys")
            # c: the Front desk pane's own form, on this parcel; saved, the screen shows it handed over.
            await pilot.press("c")
            await wait_for(pilot, CollectParcelForm)
            await pilot.press("tab", "tab", "tab", "tab", *"002X", "tab", "y", "ctrl+s")   # signed: yes
            await wait_for(pilot, FrontDeskRecordScreen)
            await settle(pilot)
            assert Parcel.get_by_id(pid).status == "collected"
            assert app.screen is screen and "collected" in text_of(screen, "#detail-title")
            assert "Collected by: 王[b]小明" in text_of(screen, "#detail-fields")
            assert "collected" in text_of(screen, "#detail-history")
            assert "Ended: read-only" in text_of(screen, "#record-keys")
            await pilot.press("c")                              # nothing more to do with it
            await pilot.pause()
            assert app.screen is screen
            # u: the unit's dossier lists the parcel and how it ended.
            await pilot.press("u")
            await wait_for(pilot, DossierScreen)
            await settle(pilot)
            dossier = app.screen
            assert dossier.unit_code == "1-1203"
            entries = dossier.query_one(RecordTable)
            line = next(r for r in entries.rows if r.key == ("parcel", pid))
            assert (line.cells["kind"], line.cells["outcome"], line.style) == \
                ("Parcel", "collected by 王[b]小明", "muted")
            assert "Parcels 1" in text_of(dossier, "#dossier-keys")
            # Enter there opens the same record; back in search, the result says it was collected.
            entries.move_cursor_to_key(("parcel", pid))
            await pilot.press("enter")
            await wait_for(pilot, FrontDeskRecordScreen)
            await pilot.press("escape", "escape", "escape")
            await wait_for(pilot, SearchScreen)
            table = await searched(pilot, "")
            row = next(r for r in table.rows if r.key == ("parcel", pid))
            assert (row.cells["status"], row.style) == ("collected", "muted")
    run(go())


def test_a_visitor_is_signed_out_from_search_and_a_pass_opens_read_only(demo_site):
    r1 = people.find("R1")
    vid = frontdesk.sign_in_visitor(r1, NOW - timedelta(hours=1), name="赵雅芝", unit_code="1-1203",
                                    purpose="看房装修")
    gid = frontdesk.issue_pass(r1, NOW - timedelta(hours=1), demo_site.sla_engine(), unit_code="1-1203",
                               requester="钱多多", requester_kind="owner", items="沙发")
    frontdesk.release_pass(r1, NOW - timedelta(minutes=30), gid)

    async def go():
        app = make_app(demo_site)
        async with app.run_test(size=(80, 24)) as pilot:
            await sign_on(pilot)
            await pilot.press("s")
            table = await searched(pilot, "雅芝")
            assert [r.key for r in table.rows] == [("visitor", vid)]
            assert table.rows[0].cells["status"] == "inside"
            await pilot.press("enter", "enter")
            await wait_for(pilot, FrontDeskRecordScreen)
            assert "o signs the visitor out" in text_of(app.screen, "#record-keys")
            await pilot.press("o")
            await settle(pilot)
            assert Visitor.get_by_id(vid).left_at == NOW
            assert "left" in text_of(app.screen, "#detail-title")
            await pilot.press("escape")
            await wait_for(pilot, SearchScreen)
            await settle(pilot)
            assert table.rows[0].cells["status"] == "left" and table.rows[0].style == "muted"
            # A pass by its number: read-only, let out at the gate.
            await pilot.press("slash", "ctrl+a", "ctrl+k")   # the words again
            table = await searched(pilot, frontdesk.pass_number(gid))
            assert [r.key for r in table.rows] == [("pass", gid)]
            await pilot.press("enter", "enter")
            await wait_for(pilot, FrontDeskRecordScreen)
            screen = app.screen
            assert "released" in text_of(screen, "#detail-title")
            assert "Let out at the gate" in text_of(screen, "#detail-fields")
            assert "Ended: read-only" in text_of(screen, "#record-keys")
            for key in ("c", "t", "r", "o"):
                await pilot.press(key)
                await pilot.pause()
                assert app.screen is screen, key
    run(go())
