"""User text at the boundary: strip what must never reach the database or a terminal."""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from rich.cells import cell_len

# C0/C1 controls and DEL. Newline and tab are kept only where a field allows several lines.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
# Escape sequences: strip the whole sequence, not just the ESC, so "\x1b[2J" leaves no "[2J".
_ESCAPE = re.compile(r"\x1b(\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(\x07|\x1b\\)?|[@-Z\\-_])")


def _strip_format_controls(text: str) -> str:
    # Bidi overrides and other Cf characters can reorder what the next operator reads.
    # Zero-width joiners stay in what is stored: emoji sequences need them.
    if text.isprintable():
        return text  # no Cf character is printable: nothing to look at one by one (a year's report cleans 500,000 texts)
    return "".join(
        ch for ch in text
        if unicodedata.category(ch) != "Cf" or ch in "\u200d\ufe0f"
    )


# Controls that separate words on screen: shown as a space, so "a\tb" does not become "ab".
_SPACING = re.compile(r"[\t\n\r\x0b\x0c\x1c-\x1f\x85\u2028\u2029]")
_HIDDEN = frozenset({"Cc", "Cf", "Zl", "Zp"})
# Emoji and text presentation selectors: "❤\ufe0f" is one cell or two depending on the terminal.
_PRESENTATION = frozenset("\ufe0e\ufe0f")


@lru_cache(maxsize=8192)
def strip_controls(text: str) -> str:
    """What reaches the terminal, the one cleaner every pane, form and screen draws through (the
    table's rows too): escape sequences whole, control characters, and every format character removed
    (bidi overrides; and zero-width joiners too, which `clean` keeps in what is stored: a terminal that
    does not join "👩\u200d🔧" into one glyph draws it two cells wider than it was measured, and moves
    every border after it; emoji presentation selectors likewise); separators become a space; lone
    surrogates become U+FFFD."""
    if text.isprintable() and not _PRESENTATION.intersection(text):
        return text  # the common case: nothing to remove (U+3000 and the like take the long way)
    text = _SPACING.sub(" ", _ESCAPE.sub("", text))
    return "".join("\ufffd" if unicodedata.category(ch) == "Cs" else ch for ch in text
                   if unicodedata.category(ch) not in _HIDDEN and ch not in _PRESENTATION)


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


# Where a run of Chinese may break: after full-width punctuation, before an opening bracket. Chinese
# has no spaces, so a line broken anywhere else may split a word (借出钥/匙).
_CJK_BREAK = re.compile(r"(?<=[，。；：、！？）」』】])|(?=[（「『【])")


def _pieces(text: str) -> list[tuple[str, str]]:
    """(glue, piece) in order: the words, and each Chinese run cut where it may break; glue is the
    space before a piece ("" inside a Chinese run)."""
    pieces: list[tuple[str, str]] = []
    for word in one_line(text).split(" "):
        if not word:
            continue
        parts = [p for p in _CJK_BREAK.split(word) if p] if _has_wide(word) else [word]
        pieces += [(" " if i == 0 else "", part) for i, part in enumerate(parts)]
    return pieces


def wrap_cells(text: str, width: int, rest: int | None = None) -> list[str]:
    """Word-wrap to `width` terminal cells (`rest` for the lines after the first). Chinese breaks after
    its punctuation where it can (a clause at a time); a piece longer than a line, Chinese or not,
    breaks between characters."""
    rest = width if rest is None else rest
    lines: list[str] = []
    cur = ""

    def limit() -> int:
        return width if not lines else rest

    for glue, piece in _pieces(text):
        sep = glue if cur else ""
        if cell_len(cur + sep + piece) <= limit():
            cur += sep + piece
            continue
        if cur and cell_len(piece) <= rest:
            lines.append(cur)
            cur = piece
            continue
        if cur and limit() - cell_len(cur + sep) < 4:
            lines.append(cur)
            cur, sep = "", ""
        cur += sep
        for ch in piece:
            if cell_len(cur + ch) > limit():
                lines.append(cur)
                cur = ""
            cur += ch
    if cur or not lines:
        lines.append(cur)
    return lines


# Chinese punctuation (tools/zh_punctuation.py holds the catalogues to it; the demo's texts follow it).
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff\u3000-\u303f\uff00-\uffef]")
_FULL = {",": "，", "?": "？", "!": "！", ":": "：", ";": "；", "(": "（", ")": "）"}


_PLACEHOLDER = re.compile(r"\{[^{}]*\}")


def _beside(text: str, i: int, step: int) -> str:
    """The nearest character to position i in direction `step`, spaces and {placeholders} passed over
    (",{n} 起紧急": the comma stands beside 起)."""
    j = i + step
    while 0 <= j < len(text):
        if text[j] == " ":
            j += step
            continue
        m = _PLACEHOLDER.match(text, j) if step > 0 else None
        if step < 0 and text[j] == "}":
            k = text.rfind("{", 0, j)
            m = _PLACEHOLDER.match(text, k) if k >= 0 else None
            if m and m.end() == j + 1:
                j = k - 1
                continue
        if m:
            j = m.end()
            continue
        return text[j]
    return " "


def zh_punctuation(text: str) -> str:
    """Half-width ,?!:;() next to a Chinese character (spaces and placeholders between them aside) made
    full-width, as a Chinese clerk writes them; a pair of brackets all full-width or all half-width."""
    chars = list(text)
    for i, c in enumerate(chars):
        if c in _FULL:
            before, after = _beside(text, i, -1), _beside(text, i, 1)
            if _CJK.match(before) or _CJK.match(after):
                chars[i] = _FULL[c]
    out = "".join(chars)
    return re.sub(r"[(（]([^()（）]*)[)）]",
                  lambda m: f"（{m.group(1)}）" if "（" in m.group(0) or "）" in m.group(0) or _CJK.search(m.group(1))
                  else m.group(0), out)
