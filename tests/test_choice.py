"""Choices picked by a letter (widgets/choice.py): which letter each option gets, and a key press."""
from __future__ import annotations

import asyncio

from textual.app import App

from deskconsole import i18n
from deskconsole.widgets.choice import PickSelect, assign_letters, yes_no


def test_letters_come_from_the_ids_given_ones_first_never_twice():
    assert assign_letters(["engineering", "security", "cleaning", "landscaping", "customer_service", "contractor"]) \
        == {"engineering": "e", "security": "s", "cleaning": "c", "landscaping": "l", "customer_service": "u",
            "contractor": "o"}
    assert assign_letters(["slip", "phone", "none"], {"none": "s"}) == {"none": "s", "slip": "l", "phone": "p"}
    many = assign_letters([f"x{i}" for i in range(30)])
    assert len(many) == 26 and len(set(many.values())) == 26   # the rest have none: the list still opens


def test_a_letter_picks_and_the_label_shows_it_in_any_language():
    i18n.set_language("zh")
    values = []

    class Form(App):
        def compose(self):
            yield yes_no(id="answer")
            yield PickSelect([("下雨", "rain"), ("晴", "sun")], id="weather", allow_blank=False, value="sun")

        def on_select_changed(self, event):
            values.append((event.select.id, event.value))

    async def go():
        app = Form()
        async with app.run_test() as pilot:
            answer = app.query_one("#answer", PickSelect)
            assert [str(text) for text, _value in answer._options][1:] == ["是 (y)", "否 (n)"]   # yes first
            await pilot.press("n")
            assert answer.value == "no"
            await pilot.press("tab", "R")
            assert app.query_one("#weather").value == "rain"
            await pilot.press("x")   # no such letter: nothing changes
            assert app.query_one("#weather").value == "rain"
            await pilot.pause()
            assert ("answer", "no") in values and ("weather", "rain") in values
    asyncio.run(go())
