"""Type-ahead: keys that arrive in one read (as an SSH link delivers them) reach the screen they were
typed for, in order. The bytes go through Textual's own terminal parser and are posted to the app
in one go, as the driver's input thread does with one read; Pilot's `press` waits between keys and
would hide the bug."""
from __future__ import annotations

import asyncio

from appkit import make_app, open_search, settle, sign_on

from textual._xterm_parser import XTermParser

from deskconsole.db import Call
from deskconsole.screens.call_form import CallFormScreen
from deskconsole.screens.console import ConsoleScreen


def run(coro):
    return asyncio.run(coro)


def burst(app, data: str) -> None:
    """Post what the driver would post for one read of `data` from the terminal."""
    for event in XTermParser().feed(data):
        app.post_message(event)


async def until(pilot, test, rounds: int = 300) -> None:
    """Wait (in event-loop turns, not seconds) until `test()`; a loaded machine needs more turns."""
    for _ in range(rounds):
        if test():
            return
        await pilot.pause()
    app = pilot.app
    assert test(), (app.screen, getattr(app.focused, "id", None), getattr(app.screen, "values", dict)())


def newest_call() -> Call:
    return Call.select().order_by(Call.id.desc()).first()


CTRL_S = "\x13"


def test_sign_on_typed_in_one_burst_signs_on(demo_site):
    async def go():
        app = make_app(demo_site)
        async with app.run_test(size=(80, 24)) as pilot:
            burst(app, "R1\r0000\r")
            await until(pilot, lambda: isinstance(app.screen, ConsoleScreen))
            assert app.operator.code == "R1"
    run(go())


def test_a_whole_call_typed_ahead_in_one_burst_is_saved_as_typed(demo_site):
    async def go():
        app = make_app(demo_site)
        async with app.run_test(size=(80, 24)) as pilot:
            await sign_on(pilot)
            count = Call.select().count()
            burst(app, "n13800001111\t王小明\t1-1203\ti\tw\t停车卡多少钱" + CTRL_S)
            await until(pilot, lambda: Call.select().count() == count + 1)
            await settle(pilot)
            call = newest_call()
            assert (call.phone, call.caller, call.unit.code, call.category, call.channel, call.text) == \
                ("13800001111", "王小明", "1-1203", "inquiry", "walk_in", "停车卡多少钱")
            assert isinstance(app.screen, ConsoleScreen)
    run(go())


def test_the_key_that_opens_the_form_and_the_phone_in_one_read(demo_site):
    async def go():
        app = make_app(demo_site)
        async with app.run_test(size=(80, 24)) as pilot:
            await sign_on(pilot)
            burst(app, "n13800001111")
            await until(pilot, lambda: isinstance(app.screen, CallFormScreen)
                        and app.screen.values()["phone"] == "13800001111")
            assert app.focused.id == "phone"
    run(go())


def test_keys_a_moment_apart_while_the_form_opens_all_arrive(demo_site):
    async def go():
        app = make_app(demo_site)
        async with app.run_test(size=(80, 24)) as pilot:
            await sign_on(pilot)
            for char in "n13600003333":  # one read per key, the event loop turning between them
                burst(app, char)
                await asyncio.sleep(0)
            await until(pilot, lambda: isinstance(app.screen, CallFormScreen)
                        and app.screen.values()["phone"] == "13600003333")
    run(go())


def test_text_tabs_and_ctrl_s_in_one_read_into_an_open_form(demo_site):
    async def go():
        app = make_app(demo_site)
        async with app.run_test(size=(80, 24)) as pilot:
            await sign_on(pilot)
            await pilot.press("n")
            await until(pilot, lambda: isinstance(app.screen, CallFormScreen))
            await pilot.pause()
            count = Call.select().count()
            burst(app, "13911112222\t李女士\t1-1203\tr\tp\t厨房水龙头漏水，已关总阀" + CTRL_S)
            await until(pilot, lambda: Call.select().count() == count + 1)
            await settle(pilot)
            call = newest_call()
            assert (call.phone, call.caller, call.unit.code, call.text) == \
                ("13911112222", "李女士", "1-1203", "厨房水龙头漏水，已关总阀")
    run(go())


def test_a_burst_into_a_quiet_screen_waits_no_millisecond_a_key(demo_site, monkeypatch):
    """Each key of a burst is let through once the one before it is handled, looked for on the event
    loop's next turns: a phone number's digits typed into search do not each wait a millisecond."""
    from deskconsole.widgets import typeahead
    slept: list[float] = []
    real_sleep = asyncio.sleep

    async def sleep(seconds, *args):
        slept.append(seconds)
        return await real_sleep(seconds, *args)

    async def go():
        app = make_app(demo_site)
        async with app.run_test(size=(80, 24)) as pilot:
            await open_search(pilot)
            monkeypatch.setattr(typeahead.asyncio, "sleep", sleep)
            burst(app, "13800001111")
            field = app.screen.query_one("#search-input")
            await until(pilot, lambda: field.value == "13800001111")
            monkeypatch.undo()
            assert slept and slept.count(0.001) <= 2, slept
    run(go())
