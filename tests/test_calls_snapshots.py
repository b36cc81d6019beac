"""The call screens at 80x24: the form with a refusal showing, and a call's detail with its history."""
from __future__ import annotations

from datetime import timedelta

from appkit import make_app, settle, sign_on

from deskconsole import calls, people


def test_call_form_with_a_refused_unit_80x24(snap_compare, demo_site):
    async def refused(pilot):
        await sign_on(pilot)
        await pilot.press("n")
        await pilot.pause()
        await pilot.press(*"13800001111", "tab", *"王[b]小明", "tab", *"9-999", "tab", "r", "tab", "w", "tab",
                          *"[/x] 厨房漏水 💧", "ctrl+s")
        await pilot.pause()

    assert snap_compare(make_app(demo_site), terminal_size=(80, 24), run_before=refused)


def test_call_detail_with_history_80x24(snap_compare, demo_site, clock):
    g1, r1 = people.find("G1"), people.find("R1")
    call_id = calls.add_call(g1, clock.now() - timedelta(minutes=20), category="message", channel="intercom",
                             phone="13800001111", caller="王[b]小明", unit_code="1-1203", text="请张师傅回电 [/x]",
                             message_for="张师傅", message_from="王[b]小明", callback_number="13800001111")
    calls.deliver_message(r1, clock.now() - timedelta(minutes=2), call_id)

    async def opened(pilot):
        await sign_on(pilot)
        pilot.app.screen.pane(1).select(call_id)
        await pilot.press("enter")
        await settle(pilot)

    assert snap_compare(make_app(demo_site), terminal_size=(80, 24), run_before=opened)
