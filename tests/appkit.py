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


async def wait_for(pilot, cls, tries: int = 20) -> None:
    """Until the screen on top is a `cls` (a form or screen opening takes a few message rounds)."""
    for _ in range(tries):
        if isinstance(pilot.app.screen, cls):
            return
        await pilot.pause()
    assert isinstance(pilot.app.screen, cls), pilot.app.screen


async def open_search(pilot) -> None:
    """Signed on as R1, `s`: the search screen, its input focused."""
    await sign_on(pilot)
    await pilot.press("s")
    await settle(pilot)
