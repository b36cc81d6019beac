"""Memory over a night of pane switches (issue 21): one console at 80x24 signed on to the benchmark site,
switching panes 2-3-4-1 over and over as an operator does; its VmRSS after 8, 40, 100 and 200 switches.
A console whose memory still grows at 200 keeps something of every switch. Printed, never asserted.

    .venv/bin/python bench/switches.py [--db bench/.data/bench-mig.db] [--before DIR]

--before DIR: another copy of the package (a checkout of an older commit) measured the same way, first.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import make_bench_db  # noqa: E402
import measure  # noqa: E402
from ptyterm import APPS, PYTHON, Term  # noqa: E402

MARKS = (8, 40, 100, 200)


def night(db: Path, package: str | None) -> dict:
    env = {"BENCH_MEMLOG": "/dev/null"}
    if package:
        env["PYTHONPATH"] = package   # memory_console.py then imports that copy
    term = Term([PYTHON, str(APPS / "memory_console.py"), "--db", str(db), "--operator", "R1", "--lang", "en"],
                80, 24, env=env)
    seen = {}
    try:
        measure.start_to_signon(term)
        measure.sign_on(term)
        time.sleep(1.0)
        for switch in range(1, MARKS[-1] + 1):
            measure.press(term, "2341"[switch % 4 - 1], quiet=0.05)
            if switch in MARKS:
                time.sleep(1.5)   # a tick or so
                seen[switch] = round(term.status("VmRSS") / 1024, 1)
    finally:
        term.close()
    return seen


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", type=Path)
    parser.add_argument("--before", help="a checkout of an older commit, measured first")
    args = parser.parse_args(argv)
    db = args.db or make_bench_db.ensure(1.0, max_age=24 * 3600)
    for name, package in (("before", args.before), ("this build", None)):
        if name == "before" and not package:
            continue
        print(json.dumps({"figure": "VmRSS MB after N pane switches", "build": name,
                          **{str(k): v for k, v in night(db, package).items()}}), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
