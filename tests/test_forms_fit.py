"""Every form fits at 80x24 (issue 16): its save hint in view without scrolling, nothing of it
hidden below the box, the header line of the console still in view, and no scrollbar inside it; in
English and in Chinese. And every choice in it is picked by its letter, shown with it, yes before no."""
from __future__ import annotations

import asyncio

import pytest
from appkit import make_app, settle
from formkit import FORMS, form_records, make_form, open_form  # noqa: F401  (a fixture)
from textual.geometry import Region

from textual.widgets import Checkbox, RadioSet, Select, Switch

from deskconsole import i18n
from deskconsole.screens.form import FormScreen
from deskconsole.widgets.choice import PickSelect

SCREEN = Region(0, 0, 80, 24)


def fits(form: FormScreen) -> list[str]:
    """What is wrong with the form as it is painted at 80x24 (nothing: [])."""
    box, hint = form.query_one("#form"), form.query_one("#form-keys")
    wrong = []
    if "Ctrl+S" not in str(hint.render()):
        wrong.append("no save hint")
    if not (SCREEN.contains_region(hint.region) and box.region.contains_region(hint.region)):
        wrong.append(f"the save hint is out of view at {hint.region}")
    if box.max_scroll_y:
        wrong.append(f"{box.max_scroll_y} lines below the box")
    if box.region.y < 1:
        wrong.append("it covers the header line")
    wrong += [f"a scrollbar on {w!r}" for w in (box, *box.query("*"))
              if w.show_vertical_scrollbar or w.show_horizontal_scrollbar]
    return wrong


def test_every_form_is_measured():
    """A new form is added to formkit.FORMS, or this fails: the tests below open each one listed."""
    import deskconsole.screens.actions  # noqa: F401  (imports every screen module with a form)
    import deskconsole.screens.reports  # noqa: F401

    def concrete(cls):
        for sub in cls.__subclasses__():
            yield from concrete(sub)
            if not sub.__name__.startswith("_"):
                yield sub

    assert set(concrete(FormScreen)) == {cls for _code, cls, _args in FORMS.values()}


def picks_by_letter(form: FormScreen) -> list[str]:
    """What is wrong with the form's choices: each a PickSelect, every option with its own letter shown
    after it, yes listed before no."""
    wrong = [f"{w!r} is not picked by a letter" for w in form.query("*")
             if isinstance(w, (Select, Checkbox, RadioSet, Switch)) and not isinstance(w, PickSelect)]
    for choice in form.query(PickSelect):
        options = [(str(text), value) for text, value in choice._options if value is not Select.NULL]
        letters = {value: letter for letter, value in choice.hotkeys.items()}
        wrong += [f"#{choice.id}: {text!r} without its letter" for text, value in options
                  if value not in letters or not text.endswith(f"({letters[value]})")]
        values = [value for _text, value in options]
        if "yes" in values and "no" in values and values.index("yes") > values.index("no"):
            wrong.append(f"#{choice.id}: no before yes")
    return wrong


@pytest.mark.parametrize("name", FORMS)
def test_every_form_fits_at_80x24_in_english_and_chinese_and_picks_by_letter(demo_site, form_records, name):
    async def go():
        app = make_app(demo_site)
        async with app.run_test(size=(80, 24)) as pilot:
            form = await open_form(pilot, name, form_records)
            assert isinstance(form, FormScreen)
            assert fits(form) == [], "en"
            assert picks_by_letter(form) == []
            i18n.set_language("zh")   # the same form made again in Chinese (the console behind stays English)
            app.pop_screen()
            app.push_screen(make_form(app, name, form_records))
            await settle(pilot)
            assert app.screen is not form and "保存" in str(app.screen.query_one("#form-keys").render())
            assert fits(app.screen) == [], "zh"
    asyncio.run(go())


def test_on_a_smaller_terminal_the_fields_scroll_between_the_title_and_the_save_hint(demo_site, form_records):
    """80x14: the issue form is taller than the box can be. Its title and save hint stay; each field
    Tab reaches, with the note under it, comes into view between them (not under the hint)."""
    async def go():
        app = make_app(demo_site)
        async with app.run_test(size=(80, 14)) as pilot:
            form = await open_form(pilot, "issue_key", form_records)
            box, title, foot = form.query_one("#form"), form.query_one(".form-title"), form.query_one("#form-foot")
            assert box.max_scroll_y > 0
            seen = []
            for _ in range(8):
                field = form.query_one(f"#{app.focused.id}-field")
                assert title.region.bottom <= field.region.y and field.region.bottom <= foot.region.y, app.focused.id
                assert "Ctrl+S" in str(form.query_one("#form-keys").render()) and foot.region.bottom <= 14
                seen.append(app.focused.id)
                await pilot.press("tab")
                await pilot.pause()
            assert seen[-2:] == ["auth_code", "auth_pin"]
    asyncio.run(go())
