"""What an idle console's CPU goes to: the same console with all its timers, and with some left out,
several of each signed on at once and measured over one window. Printed, never asserted.

    .venv/bin/python bench/idle_parts.py [--db PATH] [--each 3] [--window 60]

"all": the console as it is; "no tick": without the 1 s clock tick; "no timers": without the tick,
the feed's safety poll, the terminal check and the idle sign-off check (what Textual itself costs).
CPU is utime+stime from /proc over the window, per console, median of `--each`.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))

import make_bench_db  # noqa: E402
import measure  # noqa: E402
from ptyterm import PYTHON, Term  # noqa: E402

VARIANTS = {"all": "", "no tick": "tick", "no timers": "tick,feed,terminal,idle"}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", type=Path)
    parser.add_argument("--each", type=int, default=3)
    parser.add_argument("--window", type=float, default=60.0)
    args = parser.parse_args(argv)
    db = args.db or make_bench_db.ensure(1.0, max_age=24 * 3600)
    terms = []
    try:
        for name, skip in VARIANTS.items():
            for _ in range(args.each):
                term = Term([PYTHON, str(BENCH / "apps" / "timers_console.py"), "--db", str(db), "--operator", "R1",
                             "--lang", "en"], 80, 24, env={"BENCH_SKIP_TIMERS": skip})
                terms.append((name, term))
                measure.start_to_signon(term)
                measure.sign_on(term)
        time.sleep(5)
        before, t0 = [t.cpu_seconds() for _n, t in terms], time.monotonic()
        time.sleep(args.window)
        after, t1 = [t.cpu_seconds() for _n, t in terms], time.monotonic()
    finally:
        for _n, term in terms:
            term.close()
    for name in VARIANTS:
        cpu = [100 * (b - a) / (t1 - t0) for (n, _t), a, b in zip(terms, before, after) if n == name]
        measure.emit(figure="idle_parts", variant=name, consoles=len(cpu), window_s=args.window,
                     cpu_pct_median=round(statistics.median(cpu), 3), cpu_pct=[round(c, 3) for c in cpu])
    return 0


if __name__ == "__main__":
    sys.exit(main())
