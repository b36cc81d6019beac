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

from deskconsole.text import zh_punctuation as fix

ROOT = Path(__file__).resolve().parent.parent
ENTRY = re.compile(r'^(".*?(?<!\\)"\s*=\s*)"(.*)"\s*$')


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
