"""The growth table (issue 21): the console's figures on the benchmark database and on the same site
with three (or ten) times the history, in one run, turn about. Printed, never asserted.

    .venv/bin/python bench/make_bench_db.py --history 3          # bench/.data/bench-1-h3.db (≈12 min)
    .venv/bin/python bench/growth.py 1x=bench/.data/bench-mig.db 3x=bench/.data/bench-1-h3.db

Each figure is measured by the harness's own command (measure.py, search_bench.py) as a child process
on each database in turn, `--rounds` times; the table gives the median of the rounds and, last, the
ratio of the last database's figure to the first's (goal: at most 1.2, because nothing the console does
at sign-on or on a change may depend on the length of the history).
"""
from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parent
PYTHON = sys.executable

# (label, command after the script, figure, field)
FIGURES = [
    ("sign-on -> console painted, settled (ms)", ["measure.py", "startup", "--runs", "3"], "signon_to_painted",
     None, "settled_ms"),
    ("filter key -> filtered, p95 (ms)", ["measure.py", "keys"], "filter_key", None, "p95_ms"),
    ("save a call, Ctrl+S -> settled (ms)", ["measure.py", "keys"], "save_call", None, "median_ms"),
    ("peak memory of one console, 200x50 (MB)", ["measure.py", "memory"], "peak_memory", None, "console_MB"),
    ("commit elsewhere -> visible here, p95 (ms)", ["measure.py", "commit"], "commit_visible", None, "p95_ms"),
    ("search -> painted, phone fragment, p95 (ms)", ["search_bench.py", "--painted-only", "--runs", "16"],
     "search_painted", "phone_fragment", "p95_ms"),
    ("search -> painted, 2-character Chinese, p95 (ms)", ["search_bench.py", "--painted-only", "--runs", "16"],
     "search_painted", "chinese_2", "p95_ms"),
    ("dossier -> painted, p50 (ms)", ["search_bench.py", "--painted-only", "--runs", "16"], "dossier_painted",
     None, "p50_ms"),
]


def run(command: list[str], db: Path) -> list[dict]:
    out = subprocess.run([PYTHON, str(BENCH / command[0]), *command[1:], "--db", str(db)], capture_output=True,
                         text=True, check=False)
    results = []
    for line in out.stdout.splitlines():
        try:
            results.append(json.loads(line))
        except ValueError:
            continue
    return results


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("databases", nargs="+", metavar="LABEL=PATH")
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args(argv)
    dbs = [(label, Path(path)) for label, path in (item.split("=", 1) for item in args.databases)]
    commands = {tuple(f[1]) for f in FIGURES}
    found: dict = {}
    for round_no in range(args.rounds):
        order = dbs if round_no % 2 == 0 else list(reversed(dbs))
        for command in sorted(commands):
            for label, path in order:
                for result in run(list(command), path):
                    print(json.dumps({"round": round_no, "db": label, **result}, ensure_ascii=False), flush=True)
                    found.setdefault((label, result.get("figure"), result.get("query")), []).append(result)
    print()
    print("| figure | " + " | ".join(label for label, _p in dbs) + f" | {dbs[-1][0]} / {dbs[0][0]} |")
    print("|---|" + "---|" * (len(dbs) + 1))
    for name, _command, figure, query, field in FIGURES:
        values = []
        for label, _p in dbs:
            got = [r.get(field) for r in found.get((label, figure, query), []) if r.get(field) is not None]
            values.append(statistics.median(got) if got else None)
        ratio = f"{values[-1] / values[0]:.2f}" if values[0] and values[-1] is not None else "—"
        print(f"| {name} | " + " | ".join("—" if v is None else f"{v:g}" for v in values) + f" | {ratio} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
