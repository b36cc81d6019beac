"""What the screens look like, at 80x24 and 160x48, with a fixed clock and the hostile demo text shown literally."""
from __future__ import annotations

import pytest
from appkit import make_app, settle, sign_on

from deskconsole import i18n

SIZES = [(80, 24), (160, 48)]


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_sign_on_screen(snap_compare, demo_site, size):
    async def wrong_pin(pilot):
        await pilot.press(*"R1", "enter", *"1", "enter")
        await pilot.pause()

    assert snap_compare(make_app(demo_site), terminal_size=size, run_before=wrong_pin)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_console_calls(snap_compare, demo_site, size):
    async def signed_on(pilot):
        await sign_on(pilot)

    assert snap_compare(make_app(demo_site), terminal_size=size, run_before=signed_on)


@pytest.mark.parametrize("pane", ["2", "3", "4", "5"])
def test_console_panes_80x24(snap_compare, demo_site, pane):
    async def show(pilot):
        await sign_on(pilot)
        await pilot.press(pane)
        await settle(pilot)

    assert snap_compare(make_app(demo_site), terminal_size=(80, 24), run_before=show)


def test_help_80x24(snap_compare, demo_site):
    async def show(pilot):
        await sign_on(pilot)
        await pilot.press("question_mark")
        await pilot.pause()

    assert snap_compare(make_app(demo_site), terminal_size=(80, 24), run_before=show)


def test_help_80x24_in_chinese(snap_compare, demo_site):
    """The help made from the action table, in Chinese: CJK words wrap under their column."""
    i18n.set_language("zh")

    async def show(pilot):
        await sign_on(pilot)
        await pilot.press("question_mark")
        await pilot.pause()

    assert snap_compare(make_app(demo_site), terminal_size=(80, 24), run_before=show)
