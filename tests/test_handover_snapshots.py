"""The handover screen at 80x24 and 160x48: the incoming operator signed on, two items answered
(one queried), the supervisor's sign-off still needed."""
from __future__ import annotations

import pytest
from appkit import make_app, settle, sign_on

SIZES = [(80, 24), (160, 48)]


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_handover_screen(snap_compare, demo_site, size):
    async def handing_over(pilot):
        await sign_on(pilot, "R1")
        await pilot.press("h")
        await pilot.pause()
        await pilot.press("i")
        await pilot.pause()
        await pilot.press(*"G1", "tab", *"0000", "ctrl+s")
        await pilot.pause()
        await pilot.press("a", "q")
        await pilot.pause()
        await pilot.press(*"谁去 [b]跟进[/b]?", "ctrl+s")
        await settle(pilot)

    assert snap_compare(make_app(demo_site), terminal_size=size, run_before=handing_over)
