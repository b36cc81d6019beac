"""Builds of the console in the same run, on the same database, taking turns: idle bytes/s and CPU
(80x24), a commit by another process -> visible here, and save a call -> the row shown. Each round
starts each build once (the order turning round by round) and measures all three in that one
session; the table gives the median of the rounds and every round's figure.

    .venv/bin/python bench/compare.py --build main=/work/main/.venv/bin/deskconsole [--rounds 5] [--db PATH]

`--build NAME=PROGRAM` (repeatable) is another checkout's `deskconsole` (its own venv, its own code);
"this" is this checkout's. Nothing is written to the other checkout: bytecode goes to
bench/.data/pycache like this one's.
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
import ptyterm  # noqa: E402
from measure import median, ms, pct  # noqa: E402


def session(db, program: str, writer, window: float, tries: int, saves: int) -> dict:
    with ptyterm.console(db, 80, 24, program=program) as term:
        measure.start_to_signon(term)
        measure.sign_on(term)
        bps, cpu = measure._idle_window(term, settle=5.0, window=window)
        lags = measure.commit_lags(term, writer, tries)
        time.sleep(1)
        saved, shown = measure.save_calls(term, saves)
    return {"idle_Bps": round(bps), "idle_cpu_pct": round(cpu, 2),
            "commit_p50_ms": ms(pct(lags, 50)), "commit_p95_ms": ms(pct(lags, 95)),
            "commit_missed": sum(v is None for v in lags),
            "save_shown_ms": ms(median(shown)), "save_settled_ms": ms(median(saved))}


FIGURES = (("idle_Bps", "idle bytes/s, 80x24", " B/s"), ("idle_cpu_pct", "idle CPU, 80x24", " %"),
           ("commit_p50_ms", "commit elsewhere -> visible here, p50", " ms"),
           ("commit_p95_ms", "commit elsewhere -> visible here, p95", " ms"),
           ("save_shown_ms", "save a call, Ctrl+S -> row shown", " ms"),
           ("save_settled_ms", "save a call, Ctrl+S -> output settled", " ms"))


def table(results: dict[str, list[dict]]) -> str:
    names = list(results)
    out = ["| figure | " + " | ".join(f"{n} (median; rounds)" for n in names) + " |", "|---|" + "---|" * len(names)]
    for key, title, unit in FIGURES:
        cells = []
        for n in names:
            values = [r[key] for r in results[n] if r.get(key) is not None]
            m = median(values)
            cells.append("—" if m is None else f"**{m:g}{unit}** ({', '.join(f'{v:g}' for v in values)})")
        out.append(f"| {title} | " + " | ".join(cells) + " |")
    return "\n".join(out)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--build", action="append", required=True, metavar="NAME=PROGRAM",
                        help="another build's deskconsole program (repeatable)")
    parser.add_argument("--name", default="this", help="what to call this checkout's build")
    parser.add_argument("--db", type=Path)
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--window", type=float, default=20.0, help="seconds of idle measured")
    parser.add_argument("--tries", type=int, default=10, help="commits timed per round")
    parser.add_argument("--saves", type=int, default=3, help="calls saved per round")
    args = parser.parse_args(argv)
    db = args.db or make_bench_db.ensure(args.scale, max_age=24 * 3600)
    builds = {args.name: ptyterm.DESKCONSOLE} | dict(b.split("=", 1) for b in args.build)
    for program in builds.values():  # warm-up, not counted: bytecode cache and the OS file cache
        with ptyterm.console(db, 80, 24, program=program) as term:
            measure.start_to_signon(term)
            measure.sign_on(term)
    results: dict[str, list[dict]] = {name: [] for name in builds}
    writer = measure.writer_process(db)
    try:
        for r in range(args.rounds):
            names = list(builds)
            order = names[r % len(names):] + names[:r % len(names)]
            for name in order:
                result = session(db, builds[name], writer, args.window, args.tries, args.saves)
                results[name].append(result)
                print(json.dumps({"round": r + 1, "build": name, **result}), flush=True)
    finally:
        writer.stdin.close()
        writer.wait(10)
    print()
    print(f"database: {db}")
    print(table(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
