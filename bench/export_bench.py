"""Export and report at full size and at a tenth (issue 21): time and peak memory of each, measured
from outside as child processes, with a reference in the same run.

* export: `deskconsole export` against a plain streaming writer (sqlite3, one json.dumps per row, no
  conversion: the floor for writing those rows as JSON from Python), both to /dev/null;
* report: a year (the 365 days before the newest call) as text and as xlsx.

Peak memory is the child's high-water mark (ru_maxrss from wait4: the kernel's VmHWM of that process).
Prints one JSON line per figure (medians of --runs), and the ratio to the reference for export.

    .venv/bin/python bench/export_bench.py [--db bench/.data/bench-mig.db] [--small bench/.data/bench-0.1.db]
                                           [--runs 3] [--only export|report|xlsx] [--busier F]

`--busier 10` with the 10x file: a year of that site is ten times a 1x year's rows (the generator puts
the 10x history into the same five years), so the report covers 37 days, which hold a 1x year's rows:
does a report depend on the history before its period, not on how many rows the period has.
"""
from __future__ import annotations

import argparse
import json
import os
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

HERE = Path(__file__).resolve().parent
DATA = HERE / ".data"
DESKCONSOLE = Path(sys.executable).parent / "deskconsole"


def plain_writer(path: str) -> None:
    """The reference: every table's rows as they are stored, one json.dumps per row."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    out = sys.stdout
    tables = [name for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' "
                                               "AND name NOT LIKE 'sqlite_%' AND name NOT LIKE 'search%' "
                                               "AND name != 'schema_meta' ORDER BY name")]
    for table in tables:
        cursor = conn.execute(f'SELECT * FROM "{table}" ORDER BY rowid')
        names = [d[0] for d in cursor.description]
        for row in cursor:
            out.write(json.dumps(dict(zip(names, row)), ensure_ascii=False) + "\n")


def child(argv: list[str], stdout=subprocess.DEVNULL) -> tuple[float, float]:
    """Seconds and peak MB of one child process."""
    started = time.perf_counter()
    process = subprocess.Popen(argv, stdout=stdout, stderr=subprocess.PIPE)
    _pid, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise SystemExit(f"{argv}: exit {process.returncode}: {process.stderr.read().decode()[-500:]}")
    return seconds, usage.ru_maxrss / 1024


def medians(runs: list[tuple[float, float]]) -> dict:
    return {"seconds": round(statistics.median(r[0] for r in runs), 2),
            "peak_mb": round(statistics.median(r[1] for r in runs), 1),
            "runs_seconds": [round(r[0], 2) for r in runs]}


def a_year(path: str, busier: float = 1.0) -> tuple[str, str]:
    """The 365 local days before the day of the newest call; of a site `busier` times as busy (a file of
    `make_bench_db.py --history F`, which puts F times the calls into the same five years), the days that
    hold as many records as a year of the 1x site: 365/F of them."""
    newest = sqlite3.connect(f"file:{path}?mode=ro", uri=True).execute("SELECT max(received_at) FROM call").fetchone()[0]
    end = date.fromisoformat(newest[:10]) - timedelta(days=1)
    return (end - timedelta(days=round(365 / busier) - 1)).isoformat(), end.isoformat()


def counts(path: str) -> dict:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    return {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in ("call", "work_order", "audit_event")}


def bench(path: str, runs: int, only: set[str], busier: float = 1.0) -> None:
    size = counts(path)
    where = {"db": str(path), **{f"{k}_rows": v for k, v in size.items()}}
    if "export" in only:
        ours, plain = [], []
        for _ in range(runs):   # alternating, so the machine's noise falls on both alike
            ours.append(child([str(DESKCONSOLE), "export", "--db", str(path)]))
            plain.append(child([sys.executable, __file__, "--plain-writer", str(path)]))
        ours_m, plain_m = medians(ours), medians(plain)
        print(json.dumps({"figure": "export", **where, **ours_m, "reference": plain_m,
                          "ratio_time": round(ours_m["seconds"] / plain_m["seconds"], 2)}), flush=True)
    start, end = a_year(path, busier)
    for fmt in ("text", "xlsx"):
        if (fmt == "text" and "report" not in only) or (fmt == "xlsx" and "xlsx" not in only):
            continue
        measured = []
        with tempfile.TemporaryDirectory() as tmp:
            for _ in range(runs):
                measured.append(child([str(DESKCONSOLE), "report", "--db", str(path), "--from", start, "--to", end,
                                       "--format", fmt, "--out", str(Path(tmp) / f"year.{fmt}")]))
        print(json.dumps({"figure": f"report {fmt}, a year" + (f" of the 1x site's rows (busier {busier:g})" if busier != 1 else ""),
                          "from": start, "to": end, **where, **medians(measured)}),
              flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", default=str(DATA / "bench-mig.db"), help="the full-size database (1 M calls)")
    parser.add_argument("--small", default=str(DATA / "bench-0.1.db"),
                        help="a tenth of it (make_bench_db.py --scale 0.1, then opened once to migrate it)")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--only", nargs="+", choices=["export", "report", "xlsx"], default=["export", "report", "xlsx"])
    parser.add_argument("--busier", type=float, default=1.0,
                        help="--db is F times as busy as the 1x site (make_bench_db.py --history F): its report "
                             "covers the days that hold a 1x year's rows, 365/F of them")
    parser.add_argument("--plain-writer", metavar="DB", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.plain_writer:
        plain_writer(args.plain_writer)
        return
    print(json.dumps({"load_average": os.getloadavg(), "at": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
                      "runs": args.runs}), flush=True)
    for path in (args.small, args.db):
        if Path(path).exists():
            bench(path, args.runs, set(args.only), args.busier if path == args.db else 1.0)
        else:
            print(json.dumps({"missing": path}), flush=True)
    print(json.dumps({"load_average_after": os.getloadavg()}), flush=True)


if __name__ == "__main__":
    main()
