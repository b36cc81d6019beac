"""A choice picked by its letter: every choice in every form (category, department, class, condition,
yes/no ...) is a `PickSelect`, its options shown with their letters: "repair (r)".

The letters come from the stored values (English ids), so they are the same in every language: a
clerk who learnt `r` for repair keeps it when the console speaks Chinese.
"""
from __future__ import annotations

from typing import Iterable, Mapping

from textual import events
from textual.widgets import Select

from ..i18n import _

LETTERS = "abcdefghijklmnopqrstuvwxyz"


def assign_letters(values: Iterable[str], given: Mapping[str, str] | None = None) -> dict[str, str]:
    """A letter for each value: `given` first, then the first free one of: the first letters of the
    value's words ("urgent_repair": u, r), its other letters, any letter. More than 26 values: the
    rest have none (the list still opens with Enter)."""
    given = dict(given or {})
    used = set(given.values())
    result: dict[str, str] = {}
    for value in values:
        if value in given:
            result[value] = given[value]
            continue
        words = [w for w in str(value).lower().replace("-", "_").split("_") if w]
        candidates = [w[0] for w in words] + [c for w in words for c in w[1:]] + list(LETTERS)
        letter = next((c for c in candidates if c in LETTERS and c not in used), None)
        if letter is not None:
            result[value] = letter
            used.add(letter)
    return result


class PickSelect(Select):
    """A compact Select that also picks by a letter typed while it is closed: the letter shown in
    brackets after each option. Enter still opens the list, and Up/Down move in it."""

    def __init__(self, options: Iterable[tuple[str, str]], *, letters: Mapping[str, str] | None = None,
                 **kwargs) -> None:
        self._given = dict(letters or {})
        self._hotkeys: dict[str, str] = {}
        kwargs.setdefault("compact", True)
        kwargs.setdefault("prompt", _("type a letter"))
        super().__init__(self._lettered(options), **kwargs)

    def _lettered(self, options: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
        options = list(options)
        letters = assign_letters([value for _label, value in options], self._given)
        self._hotkeys = {letter: value for value, letter in letters.items()}
        return [(f"{text} ({letters[value]})" if value in letters else text, value) for text, value in options]

    def set_options(self, options: Iterable[tuple[str, str]]) -> None:
        super().set_options(self._lettered(options))

    @property
    def hotkeys(self) -> dict[str, str]:
        """letter -> value."""
        return dict(self._hotkeys)

    def check_consume_key(self, key: str, character: str | None = None) -> bool:
        return character is not None and character.lower() in self._hotkeys

    async def _on_key(self, event: events.Key) -> None:
        character = (event.character or "").lower()
        if not self.expanded and character in self._hotkeys:
            event.stop()
            event.prevent_default()
            self.value = self._hotkeys[character]
            return
        await super()._on_key(event)


def yes_no(**kwargs) -> PickSelect:
    """A yes/no choice: yes first, y and n. Values are the strings "yes" and "no" (a Select treats
    False as blank)."""
    return PickSelect([(_("yes"), "yes"), (_("no"), "no")], letters={"yes": "y", "no": "n"}, **kwargs)
