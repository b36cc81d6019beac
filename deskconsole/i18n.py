"""One translation function for every user-visible string.

Messages are written in English in the code; `locales/<lang>/*.toml` map each English text to
its translation. A text missing from a catalogue falls back to English, never to a blank.
"""
from __future__ import annotations

import os
import tomllib
from importlib import resources

LANGUAGES = ("en", "zh")
_catalogue: dict[str, str] = {}
_language = "en"


def language_from_locale(environ: dict[str, str] | None = None) -> str:
    env = os.environ if environ is None else environ
    for name in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
        value = env.get(name, "")
        if value:
            return "zh" if value.lower().startswith("zh") else "en"
    return "en"


def load_catalogue(lang: str) -> dict[str, str]:
    """All of `locales/<lang>/*.toml` merged: one file per concern, so each can grow on its own."""
    if lang == "en":
        return {}
    catalogue: dict[str, str] = {}
    folder = resources.files("deskconsole").joinpath("locales", lang)
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".toml"):
            catalogue.update(tomllib.loads(entry.read_text("utf-8")))
    return catalogue


def set_language(lang: str) -> None:
    global _catalogue, _language
    if lang not in LANGUAGES:
        raise ValueError(f"unknown language {lang!r}: use one of {', '.join(LANGUAGES)}")
    _catalogue = load_catalogue(lang)
    _language = lang


def current_language() -> str:
    return _language


def _(message: str, /, **values) -> str:
    text = _catalogue.get(message, message)
    return text.format(**values) if values else text


def label(identifier: str) -> str:
    """A stored id shown to a person: "urgent_repair" -> "urgent repair" (or its translation)."""
    return _(identifier.replace("_", " "))
