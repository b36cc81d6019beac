"""An idle console signs off (site file: idle_sign_off_minutes), keeping a typed form for the same
person; the site file's new keys are checked; a form's actions are in the command palette."""
from __future__ import annotations

import asyncio
import time

import pytest
from appkit import make_app, settle, sign_on

from deskconsole import config as config_mod
from deskconsole.db import Call
from deskconsole.screens.call_form import CallFormScreen
from deskconsole.screens.console import ConsoleScreen
from deskconsole.screens.signon import SignOnScreen

LATER = 16 * 60  # seconds: past the default 15 minutes


async def open_call_form(pilot) -> CallFormScreen:
    await pilot.press("n")
    for _ in range(20):
        if isinstance(pilot.app.screen, CallFormScreen):
            break
        await pilot.pause()
    await pilot.press(*"13811112222", "tab", *"王[b]小明")
    await pilot.pause()
    return pilot.app.screen


def idle_for(app, seconds: float) -> None:
    app.check_idle_sign_off(now=time.monotonic() + seconds)


def test_an_idle_console_signs_off_and_gives_the_same_person_their_form_back(demo_site):
    async def go():
        app = make_app(demo_site)
        async with app.run_test(size=(80, 24)) as pilot:
            await sign_on(pilot)
            form = await open_call_form(pilot)
            idle_for(app, 14 * 60)
            await pilot.pause()
            assert app.screen is form  # not yet
            idle_for(app, LATER)
            await pilot.pause()
            assert isinstance(app.screen, SignOnScreen)
            notice = str(app.screen.query_one("#signon-notice").render())
            assert "R1 was signed off after 15 minutes without a key." in notice and "kept" in notice
            await sign_on(pilot, "R1")
            assert app.screen is form
            assert (form.query_one("#phone").value, form.query_one("#caller").value) == ("13811112222", "王[b]小明")
            # The cursor is back in the caller field: the form goes on from there.
            await pilot.press("tab", *"1-1203", "tab", "i", "tab", "w", "tab", *"停车卡多少钱", "ctrl+s")
            await settle(pilot)
            assert Call.select().where(Call.phone == "13811112222").get().caller == "王[b]小明"
    asyncio.run(go())


def test_someone_else_signing_on_gets_a_clean_console(demo_site):
    async def go():
        app = make_app(demo_site)
        async with app.run_test(size=(80, 24)) as pilot:
            await sign_on(pilot)
            await open_call_form(pilot)
            idle_for(app, LATER)
            await pilot.pause()
            await pilot.press(*"S1", "enter", *"1111", "enter")  # a wrong PIN changes nothing
            await pilot.pause()
            assert isinstance(app.screen, SignOnScreen) and app.operator.code == "R1"
            await pilot.press(*"0000", "enter")  # the code stays; the PIN again
            await settle(pilot)
            assert isinstance(app.screen, ConsoleScreen) and app.operator.code == "S1"
            assert not any(isinstance(s, CallFormScreen) for s in app.screen_stack)
            assert "S1" in str(app.screen.query_one("#header").render())
            assert not Call.select().where(Call.phone == "13811112222").exists()
    asyncio.run(go())


def test_a_key_keeps_the_console_signed_on_and_zero_means_never(demo_site):
    async def go(minutes):
        demo_site.idle_sign_off_minutes = minutes
        app = make_app(demo_site)
        async with app.run_test(size=(80, 24)) as pilot:
            await sign_on(pilot)
            app._last_input -= LATER
            await pilot.press("2")  # a key now: the idle time starts again
            idle_for(app, 60)
            await pilot.pause()
            kept = isinstance(app.screen, ConsoleScreen)
            idle_for(app, 10 * 24 * 3600)
            await pilot.pause()
            return kept, isinstance(app.screen, ConsoleScreen)
    assert asyncio.run(go(15)) == (True, False)
    assert asyncio.run(go(0)) == (True, True)


def test_the_palette_saves_and_closes_a_form(demo_site):
    async def go():
        app = make_app(demo_site)
        async with app.run_test(size=(80, 24)) as pilot:
            await sign_on(pilot)
            form = await open_call_form(pilot)
            commands = {c.title: c.callback for c in app.get_system_commands(form)}
            assert {"Save the form", "Close the form", "Quit"} <= set(commands)
            commands["Save the form"]()  # refused: no unit, category or words yet; nothing lost
            await pilot.pause()
            assert app.screen is form and form.query_one("#caller").value == "王[b]小明"
            commands["Close the form"]()  # asks first: something was typed
            await pilot.pause()
            await pilot.press("y")
            await pilot.pause()
            assert isinstance(app.screen, ConsoleScreen)
    asyncio.run(go())


@pytest.mark.parametrize("site, key", [
    ("idle_sign_off_minutes = -1", "idle_sign_off_minutes"),
    ("idle_sign_off_minutes = \"15min\"", "idle_sign_off_minutes"),
    ("idle_sign_off_minutes = true", "idle_sign_off_minutes"),
    ("[serve]\nmax_consoles = 0", "serve.max_consoles"),
    ("[serve]\nmax_consoles = 2.5", "serve.max_consoles"),
    ("[serve]\ncjk_font = 3", "serve.cjk_font"),
    ("serve = 3", "serve"),
])
def test_a_bad_value_is_one_line_naming_the_key(tmp_path, site, key):
    path = tmp_path / "site.toml"
    path.write_text(site, "utf-8")
    with pytest.raises(config_mod.ConfigError) as refused:
        config_mod.load(str(tmp_path / "desk.db"), str(path))
    message = str(refused.value)
    assert f"site file: {key} must be" in message and "\n" not in message


def test_the_defaults_and_good_values(tmp_path):
    path = tmp_path / "site.toml"
    path.write_text("idle_sign_off_minutes = 5\n[serve]\nmax_consoles = 3\ncjk_font = \"/x/font.ttf\"\n", "utf-8")
    config = config_mod.load(str(tmp_path / "desk.db"), str(path))
    assert (config.idle_sign_off_minutes, config.serve_max_consoles, config.serve_cjk_font) == (5, 3, "/x/font.ttf")
    defaults = config_mod.load(str(tmp_path / "elsewhere" / "desk.db"))  # no site.toml beside it
    assert (defaults.idle_sign_off_minutes, defaults.serve_max_consoles, defaults.serve_cjk_font) == (15, 10, None)
