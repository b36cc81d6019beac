"""User text at the boundary: strip what must never reach the database or a terminal."""
from __future__ import annotations

import re
import unicodedata

from rich.cells import cell_len

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


def _has_wide(text: str) -> bool:
    return cell_len(text) != len(text)


def wrap_cells(text: str, width: int, rest: int | None = None) -> list[str]:
    """Word-wrap to `width` terminal cells (`rest` for the lines after the first); CJK (which has no
    spaces) and over-long words break between characters."""
    rest = width if rest is None else rest
    lines: list[str] = []
    cur = ""

    def limit() -> int:
        return width if not lines else rest

    for word in one_line(text).split(" "):
        if not word:
            continue
        sep = " " if cur else ""
        if cell_len(cur + sep + word) <= limit():
            cur += sep + word
            continue
        if cur and cell_len(word) <= rest and not _has_wide(word):
            lines.append(cur)
            cur = word
            continue
        if cur and limit() - cell_len(cur + sep) < 4:
            lines.append(cur)
            cur, sep = "", ""
        cur += sep
        for ch in word:
            if cell_len(cur + ch) > limit():
                lines.append(cur)
                cur = ""
            cur += ch
    if cur or not lines:
        lines.append(cur)
    return lines
