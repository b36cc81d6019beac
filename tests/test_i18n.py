"""Every text the code shows has its Simplified Chinese, with the same placeholders."""
from __future__ import annotations

import re
import string
from pathlib import Path

import pytest

from deskconsole import i18n
from deskconsole.i18n import _

PACKAGE = Path(__file__).parent.parent / "deskconsole"


def literal_messages() -> set[str]:
    found = set()
    for path in PACKAGE.rglob("*.py"):
        found |= set(re.findall(r'\b_\(\s*"((?:[^"\\]|\\.)*)"', path.read_text()))
    return found


def fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_every_message_has_a_chinese_translation():
    catalogue = i18n.load_catalogue("zh")
    missing = sorted(m for m in literal_messages() if m not in catalogue)
    assert missing == []


def test_translations_keep_the_placeholders():
    catalogue = i18n.load_catalogue("zh")
    assert [k for k, v in catalogue.items() if fields(k) != fields(v)] == []


def test_language_switch_and_fallback():
    i18n.set_language("zh")
    assert _("Calls") == "来电"
    assert _("{n} OVERDUE", n=3) == "3 单超时"
    assert _("a text nobody translated") == "a text nobody translated"
    i18n.set_language("en")
    assert _("Calls") == "Calls"
    with pytest.raises(ValueError):
        i18n.set_language("fr")


@pytest.mark.parametrize("env, lang", [
    ({"LANG": "zh_CN.UTF-8"}, "zh"), ({"LANG": "en_US.UTF-8"}, "en"), ({}, "en"),
    ({"LC_ALL": "zh_TW.UTF-8", "LANG": "en_US.UTF-8"}, "zh"),
])
def test_language_from_locale(env, lang):
    assert i18n.language_from_locale(env) == lang


def test_no_text_is_translated_two_ways():
    """The per-concern files are merged, so one English text with two translations would hide one."""
    import tomllib
    seen: dict[str, tuple[str, str]] = {}
    clashes = []
    for path in sorted((PACKAGE / "locales" / "zh").glob("*.toml")):
        for english, chinese in tomllib.loads(path.read_text("utf-8")).items():
            if english in seen and seen[english][1] != chinese:
                clashes.append(f"{english!r}: {seen[english][0]} and {path.name}")
            seen[english] = (path.name, chinese)
    assert clashes == []


def test_chinese_uses_full_width_punctuation_next_to_chinese():
    """As a clerk writes it: 回车登录，Ctrl+Q 退出。 not 回车登录,Ctrl+Q 退出。"""
    from deskconsole.text import zh_punctuation
    # The rule passes over spaces and placeholders: ",{n} 起紧急" is a half-width comma beside 起.
    offenders = sorted(v for v in i18n.load_catalogue("zh").values() if zh_punctuation(v) != v)
    assert offenders == []
    assert zh_punctuation(",{n} 起紧急") == "，{n} 起紧急" and zh_punctuation("{who},{ago}") == "{who},{ago}"


def _glossary() -> dict[str, list[str]]:
    import tomllib
    return tomllib.loads((PACKAGE / "locales" / "glossary.zh.toml").read_text("utf-8"))


def _says(term: str, english: str) -> bool:
    """Whether `english` has the glossary's term as a word (a plural too), placeholders aside."""
    words = re.sub(r"\{[^}]*\}", "", english)
    return re.search(r"\b" + re.escape(term) + r"(s|es|ed)?\b", words, 0 if term.isupper() else re.I) is not None


def test_the_catalogue_says_each_glossary_term_the_glossarys_way():
    catalogue = i18n.load_catalogue("zh")
    glossary = _glossary()
    assert glossary, "the glossary is empty"
    astray = [f"{term}: {english!r} = {chinese!r} (the glossary: {' / '.join(ways)})"
              for term, ways in glossary.items()
              for english, chinese in catalogue.items()
              if _says(term, english) and not any(way in chinese for way in ways)]
    assert astray == []


def test_the_glossary_check_can_fail():
    """The check above is not vacuous: each term is found in the catalogue, and a stray rendering is caught."""
    catalogue = i18n.load_catalogue("zh")
    assert [t for t in _glossary() if not any(_says(t, e) for e in catalogue)] == []
    assert _says("work order", "Dispatch the {orders.new} work orders") and not _says("void", "{calls.void} avoids")


def test_chinese_wraps_after_its_punctuation_not_inside_a_word():
    from deskconsole.text import wrap_cells
    # Before: 借出钥 / 匙 (the line was filled to the last cell, whatever the word).
    assert wrap_cells("借出钥匙：领用人、用途、归还时间，钥匙须由主管批准（业户钥匙）", 20) == \
        ["借出钥匙：领用人、", "用途、归还时间，", "钥匙须由主管批准", "（业户钥匙）"]
    # English keeps breaking at spaces; a piece longer than the line still breaks (nothing is lost).
    assert wrap_cells("Issue a key: tag, to whom, purpose, due back", 20) == \
        ["Issue a key: tag, to", "whom, purpose, due", "back"]
    assert "".join(wrap_cells("一二三四五六七八九十一二三四五六七八九十", 10)) == "一二三四五六七八九十一二三四五六七八九十"

