"""Building the app for Pilot and snapshot tests the way the CLI does, with a fixed clock."""
from __future__ import annotations

from deskconsole.app import DeskApp
from deskconsole.clock import FixedClock

from conftest import NOW


def make_app(config, clock=None, **kwargs) -> DeskApp:
    return DeskApp(config, clock=clock or FixedClock(NOW), cursor_blink=False, **kwargs)


async def sign_on(pilot, code: str = "R1", pin: str = "0000") -> None:
    await pilot.press(*code, "enter", *pin, "enter")
    await settle(pilot)


async def settle(pilot) -> None:
    """Wait until the pane reload has run and its rows are painted."""
    await pilot.pause()
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()
    await pilot.pause()
