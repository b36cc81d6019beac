"""Search and a unit's dossier as the desk sees them (issue 19): results grouped by kind, newest first,
hostile text shown as typed; at 80x24 and 200x50, fixed clock."""
from __future__ import annotations

from datetime import timedelta

import pytest
from appkit import make_app, open_search, settle
from test_search_pilot import searched

from deskconsole import calls, people

SIZES = [(80, 24), (200, 50)]


@pytest.fixture
def search_site(demo_site, clock):
    """The demo site plus a call with markup and control characters in its words."""
    calls.add_call(people.find("R1"), clock.now() - timedelta(minutes=3), phone="139-1111-2222", caller="王[b]小明",
                   unit_code="1-703", category="repair", channel="phone", text="卫生间跑水 [/x] \x1b[2J")
    return demo_site


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_search_results(snap_compare, search_site, size):
    async def search(pilot):
        await open_search(pilot)
        await searched(pilot, "跑水")
        await pilot.pause()

    assert snap_compare(make_app(search_site), terminal_size=size, run_before=search)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_unit_dossier(snap_compare, search_site, size):
    async def dossier(pilot):
        await open_search(pilot)
        await searched(pilot, "1-703")
        await pilot.press("down", "u")
        await settle(pilot)
        await pilot.pause()

    assert snap_compare(make_app(search_site), terminal_size=size, run_before=dossier)
