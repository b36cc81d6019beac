"""The desk's text fields (search, the panes' filter, the forms) take keys without laying the whole screen
out each time, and a text wider than the field still scrolls with the cursor (widgets/line_input.py)."""
from __future__ import annotations

import asyncio

from appkit import make_app, settle, sign_on

from deskconsole.widgets.line_input import LineInput


def layouts_asked_while_typing(pilot, field, keys):
    """How many times `field` asked for the screen to be laid out while `keys` were typed, key by key."""
    counted = [0]
    original = field.refresh

    def counting(*regions, layout=False, **kwargs):
        counted[0] += bool(layout)
        return original(*regions, layout=layout, **kwargs)

    async def go():
        field.refresh = counting
        try:
            for key in keys:
                await pilot.press(key)
                await pilot.pause()
        finally:
            del field.refresh
    return go, counted


def test_typing_in_search_and_in_a_filter_lays_nothing_out_and_a_long_text_scrolls(demo_site):
    async def go():
        app = make_app(demo_site)
        async with app.run_test(size=(80, 24)) as pilot:
            await sign_on(pilot)
            await pilot.press("/")                           # the focused pane's filter
            field = app.focused
            assert isinstance(field, LineInput)
            typing, layouts = layouts_asked_while_typing(pilot, field, "1-12")
            await typing()
            assert layouts[0] == 0 and field.value == "1-12"
            await pilot.press("escape")
            await pilot.press("s")
            await settle(pilot)
            field = app.screen.query_one("#search-input", LineInput)
            assert app.focused is field
            words = "厨房水龙头漏水 kitchen tap leaking since last night, 1-1203, call back 13800001111"
            typing, layouts = layouts_asked_while_typing(pilot, field, list(words))
            await typing()
            assert layouts[0] == 0
            assert field.value == words
            # Wider than the field: scrolled to its end, with the cursor after it on the screen (as
            # Textual's own Input has it: in the field's right padding).
            assert field.scroll_offset.x == field.max_scroll_x > 0
            assert field.region.x <= field.cursor_screen_offset.x < field.region.right
            await pilot.press("home")
            await pilot.pause()
            assert field.scroll_offset.x == 0
    asyncio.run(go())


def test_no_screen_makes_textuals_own_input():
    """Every one-line field is a LineInput: a screen that made Textual's Input would lay itself out again
    at every key typed into it."""
    import pathlib
    import re
    import deskconsole
    made = [f"{path.name}:{n}" for path in pathlib.Path(deskconsole.__file__).parent.rglob("*.py")
            for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
            if re.search(r"(?<![A-Za-z_])Input\(", line)]
    assert made == []


def test_typing_into_the_new_call_form_lays_nothing_out(demo_site):
    async def go():
        app = make_app(demo_site)
        async with app.run_test(size=(80, 24)) as pilot:
            await sign_on(pilot)
            await pilot.press("n")
            await settle(pilot)
            field = app.focused
            assert isinstance(field, LineInput) and field.id == "phone"
            typing, layouts = layouts_asked_while_typing(pilot, field, "13800001111")
            await typing()
            assert layouts[0] == 0 and field.value == "13800001111"
    asyncio.run(go())
