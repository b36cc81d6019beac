"""Put full-width punctuation (，？：；（）) beside Chinese in the zh catalogues, by the rule
tests/test_i18n.py holds them to (no half-width ,?:;() next to a Chinese character). Run it after
adding strings and read the diff before committing: a `{who},{ago}` join between two placeholders
is outside the rule, fix such ones by hand.

    .venv/bin/python tools/zh_punctuation.py
"""
from __future__ import annotations

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff\u3000-\u303f\uff00-\uffef]")
FULL = {",": "，", "?": "？", ":": "：", ";": "；", "(": "（", ")": "）"}
ENTRY = re.compile(r'^(".*?(?<!\\)"\s*=\s*)"(.*)"\s*$')


def fix(text: str) -> str:
    chars = list(text)
    for i, c in enumerate(chars):
        if c in FULL:
            before = chars[i - 1] if i else " "
            after = chars[i + 1] if i + 1 < len(chars) else " "
            if CJK.match(before) or CJK.match(after):
                chars[i] = FULL[c]
    out = "".join(chars)
    # A pair of brackets is all full-width or all half-width.
    return re.sub(r"[(（]([^()（）]*)[)）]",
                  lambda m: f"（{m.group(1)}）" if "（" in m.group(0) or "）" in m.group(0) or CJK.search(m.group(1))
                  else m.group(0), out)


def main() -> None:
    changed = 0
    for path in sorted((ROOT / "deskconsole" / "locales" / "zh").glob("*.toml")):
        lines = path.read_text("utf-8").split("\n")
        for n, line in enumerate(lines):
            m = ENTRY.match(line)
            if m and not line.startswith("#"):
                value = fix(fix(m.group(2)))  # twice: a bracket made full-width can make a neighbour Chinese-adjacent
                if value != m.group(2):
                    changed += 1
                    lines[n] = f'{m.group(1)}"{value}"'
        path.write_text("\n".join(lines), "utf-8")
        tomllib.loads(path.read_text("utf-8"))
    print(f"{changed} strings changed")


if __name__ == "__main__":
    main()
