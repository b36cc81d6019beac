"""The Front desk pane's other registers by keys only at 80x24 (issue 20): a goods-release pass issued
and let out at the gate, a found item recorded and handed back, a VIP expected and arrived; the
footer offers the keys of the register in view."""
from __future__ import annotations

import asyncio

from appkit import make_app, settle, sign_on, wait_for

from deskconsole import frontdesk
from deskconsole.db import GoodsPass, LostItem, Visitor
from deskconsole.screens.frontdesk_forms import (
    ClaimItemForm,
    IssuePassForm,
    RecordFoundForm,
    ReleasePassForm,
    SignInVisitorForm,
)


def run(coro):
    return asyncio.run(coro)


def footer_keys(app) -> list[str]:
    return [b.id for (_n, b, enabled, _t) in app.screen.active_bindings.values()
            if b.show and enabled and b.id and b.id.startswith("frontdesk.")]


async def front_desk(pilot, register: str):
    await sign_on(pilot, "G1")
    await pilot.press("5", register)
    await settle(pilot)
    return pilot.app.screen.pane(5)


def test_a_pass_issued_and_let_out_at_the_gate(demo_site):
    async def go():
        app = make_app(demo_site)
        notes = []
        notify = app.notify
        app.notify = lambda message, **kw: (notes.append(message), notify(message, **kw))
        async with app.run_test(size=(80, 24)) as pilot:
            pane = await front_desk(pilot, "g")
            assert pane.register == "passes" and pane.table.row_count == 0
            assert footer_keys(app) == ["frontdesk.parcels", "frontdesk.visitors", "frontdesk.found",
                                        "frontdesk.new", "frontdesk.release"]
            await pilot.press("n")
            await wait_for(pilot, IssuePassForm)
            form = app.screen
            # An authorised person: the authorisation field opens, and is required.
            await pilot.press(*"1-1203", "tab", *"王[b]小明", "tab", "a", "tab", "tab", *"沙发 [/x] 纸箱3个", "ctrl+s")
            await settle(pilot)
            assert app.screen is form
            assert str(form.query_one("#authorisation-error").render()) == \
                "Record the authorisation: from whom, what was shown."
            assert form.query_one("#items").text == "沙发 [/x] 纸箱3个"          # nothing typed is lost
            await pilot.press(*"业主书面授权", "ctrl+s")
            await settle(pilot)
            assert not isinstance(app.screen, IssuePassForm), form.query_one("#form-message").render()
            record = GoodsPass.get()
            number = frontdesk.pass_number(record.id)
            assert (record.requester, record.requester_kind, record.authorisation, record.items) == \
                ("王[b]小明", "authorised", "业主书面授权", "沙发 [/x] 纸箱3个")
            assert any(number in n for n in notes), notes
            row = pane.table.rows[0]
            assert (row.cells["number"], row.cells["requester"]) == (number, "王[b]小明 · authorised")
            # At the gate: l shows the pass and its goods; Ctrl+S lets them out.
            await pilot.press("l")
            await wait_for(pilot, ReleasePassForm)
            assert "沙发 [/x] 纸箱3个" in str(app.screen.query_one("#pass-items").render())
            await pilot.press(*"核对无误", "ctrl+s")
            await settle(pilot)
            record = GoodsPass.get_by_id(record.id)
            assert (record.status, record.gate_note, record.released_by.code) == ("released", "核对无误", "G1")
            assert pane.table.rows[0].cells["state"] == "out 22:00 G1" and pane.table.rows[0].style == "muted"
            # Once only: l on the released pass says what to do.
            await pilot.press("l")
            await settle(pilot)
            assert notes[-1] == "Show the passes (g), put the cursor on an open pass, then press l."
            assert pane.border_subtitle == "0 passes open, 1 released today"
    run(go())


def test_a_found_item_recorded_and_handed_back(demo_site):
    async def go():
        app = make_app(demo_site)
        async with app.run_test(size=(80, 24)) as pilot:
            pane = await front_desk(pilot, "f")
            assert pane.register == "found" and footer_keys(app)[-1] == "frontdesk.claim"
            await pilot.press("n")
            await wait_for(pilot, RecordFoundForm)
            await pilot.press(*"2 栋大堂", "tab", *"黑色钱包 [b]", "tab", *"保洁 刘姐", "tab", *"抽屉 2", "ctrl+s")
            await settle(pilot)
            assert not isinstance(app.screen, RecordFoundForm)
            item = LostItem.get()
            assert (item.found_where, item.description, item.found_by, item.stored_where, item.status) == \
                ("2 栋大堂", "黑色钱包 [b]", "保洁 刘姐", "抽屉 2", "kept")
            assert pane.table.rows[0].cells["what"] == "黑色钱包 [b]"
            # Handed back: the full ID number is refused at its field, then the last four are kept.
            await pilot.press("b")
            await wait_for(pilot, ClaimItemForm)
            form = app.screen
            await pilot.press(*"李四", "tab", "p", "tab", *"12", "ctrl+s")
            await settle(pilot)
            assert app.screen is form and form.query_one("#id_last4").has_class("-invalid")
            assert form.query_one("#claimant").value == "李四"
            await pilot.press("backspace", "backspace", *"123X", "ctrl+s")
            await settle(pilot)
            assert not isinstance(app.screen, ClaimItemForm), form.query_one("#form-message").render()
            item = LostItem.get_by_id(item.id)
            assert (item.status, item.claimant, item.id_type, item.id_last4, item.handed_by.code) == \
                ("claimed", "李四", "passport", "123X", "G1")
            assert pane.table.rows[0].cells["state"] == "claimed: 李四"
            assert frontdesk.kept_items() == []
    run(go())


def test_a_vip_expected_then_arrived(demo_site):
    async def go():
        app = make_app(demo_site)
        async with app.run_test(size=(80, 24)) as pilot:
            pane = await front_desk(pilot, "v")
            await pilot.press("n")
            await wait_for(pilot, SignInVisitorForm)
            # name, people, unit, office, purpose, confirmed by, pass, ID type, ID, phone, VIP, expected at.
            await pilot.press(*"李总", "tab", "tab", "tab", *"会议室", "tab", *"视察", *["tab"] * 6, "space", "tab",
                              *"22:30", "tab", *"23:30", "ctrl+s")
            await settle(pilot)
            assert not isinstance(app.screen, SignInVisitorForm)
            visit = Visitor.get()
            assert (visit.vip, visit.arrived_at) == (True, None)
            row = pane.table.rows[0]
            assert row.cells["state"] == "greet by 22:15 · 视察"
            assert footer_keys(app)[-2:] == ["frontdesk.arrived", "frontdesk.sign_out"]
            await pilot.press("a")
            await settle(pilot)
            visit = Visitor.get_by_id(visit.id)
            assert visit.arrived_at is not None and visit.left_at is None
            assert pane.table.rows[0].cells["state"] == "send-off by 23:20 · 视察"
    run(go())
