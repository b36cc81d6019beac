"""User text at the boundary: strip what must never reach the database or a terminal."""
from __future__ import annotations

import re
import unicodedata

# C0/C1 controls and DEL. Newline and tab are kept only where a field allows several lines.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
# Escape sequences: strip the whole sequence, not just the ESC, so "\x1b[2J" leaves no "[2J".
_ESCAPE = re.compile(r"\x1b(\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(\x07|\x1b\\)?|[@-Z\\-_])")


def _strip_format_controls(text: str) -> str:
    # Bidi overrides and other Cf characters can reorder what the next operator reads.
    # Zero-width joiners stay: emoji sequences need them.
    return "".join(
        ch for ch in text
        if unicodedata.category(ch) != "Cf" or ch in "\u200d\ufe0f"
    )


def strip_controls(text: str) -> str:
    """For display: escape sequences and control characters removed, spacing kept as it is."""
    return _strip_format_controls(_CONTROL.sub("", _ESCAPE.sub("", text)).replace("\n", " ").replace("\t", " "))


def clean(text: str | None, *, multiline: bool = False) -> str:
    """What the user meant: escape sequences and control characters removed, the rest kept."""
    if text is None:
        return ""
    text = _ESCAPE.sub("", str(text))
    if multiline:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
        text = _CONTROL.sub("", text)
    else:
        # A pasted line break or tab in a one-line field becomes a space; other controls go.
        text = re.sub(r"[\r\n\t]+", " ", text)
        text = _CONTROL.sub("", text)
    return _strip_format_controls(text).strip()


def one_line(text: str | None) -> str:
    """For list panes: a multi-line note shown on one line."""
    return " ".join(clean(text, multiline=True).split())
