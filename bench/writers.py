"""Write throughput (issue 21): calls saved through the desk function by 1 and by N processes at once,
against a raw insert of the same rows, on a scratch copy of a small site. Printed, never asserted.

    .venv/bin/python bench/writers.py                       # 1, 10 and 20 writers, 200 calls each
    .venv/bin/python bench/writers.py --writers 1 20 --calls 300 --rounds 3

Each writer is a process of its own (as each console and each `deskconsole call add` is): it signs
nothing, it saves `--calls` calls as R1 through `calls.add_call` (validated, audited, indexed, in one
transaction each) and reports each call's wall time. "raw" inserts the same call and audit rows with
plain SQL in one process, one transaction per call. Figures: calls per second over the whole run (the
first writer's start to the last one's end), and the longest single save (a commit that waited).
"""
from __future__ import annotations

import argparse
import json
import multiprocessing
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH.parent))


def _site(path: Path) -> None:
    from deskconsole import db, demo
    from deskconsole.config import Config
    db.connect("sqlite:///" + str(path))
    demo.seed(Config(db_url="sqlite:///" + str(path)), datetime.now(timezone.utc))
    db.close()


def _writer(path: str, calls_each: int, start, out) -> None:
    from deskconsole import calls, db, people
    db.connect("sqlite:///" + path, migrate_schema=False)
    r1 = people.find("R1")
    at = datetime.now(timezone.utc)
    start.wait()
    times = []
    for i in range(calls_each):
        t0 = time.perf_counter()
        calls.add_call(r1, at + timedelta(milliseconds=i), phone="13900001111", caller="Bench", unit_code="1-101",
                       category="repair", channel="phone", text="厨房水龙头漏水")
        times.append(time.perf_counter() - t0)
    db.close()
    out.put(times)


def desk(path: Path, writers: int, calls_each: int) -> dict:
    ctx = multiprocessing.get_context("spawn")
    start, out = ctx.Event(), ctx.Queue()
    procs = [ctx.Process(target=_writer, args=(str(path), calls_each, start, out)) for _ in range(writers)]
    for p in procs:
        p.start()
    time.sleep(1.0 + 0.1 * writers)   # every writer connected and waiting
    t0 = time.perf_counter()
    start.set()
    times = [t for _ in procs for t in out.get()]
    wall = time.perf_counter() - t0
    for p in procs:
        p.join()
    return {"calls_per_s": round(len(times) / wall), "median_ms": round(1000 * statistics.median(times), 2),
            "max_ms": round(1000 * max(times), 1), "over_1s": sum(t > 1 for t in times)}


def raw(path: Path, calls: int) -> dict:
    """The same two rows per call (the call, its audit event) with plain SQL, one transaction each."""
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=wal")
    conn.execute("PRAGMA synchronous=normal")
    at = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M:%S.%f")
    t0 = time.perf_counter()
    for _ in range(calls):
        conn.execute("BEGIN IMMEDIATE")
        cur = conn.execute("INSERT INTO call (received_at, channel, category, caller, unit_id, phone, text, taken_by_id, "
                           "status, answer, message_for, message_from, callback_number, void_reason, updated_at) "
                           "VALUES (?, 'phone', 'repair', 'Bench', 1, '13900001111', '厨房水龙头漏水', 2, 'open', '', '', '', "
                           "'', '', ?)", (at, at))
        conn.execute("INSERT INTO audit_event (at, actor_id, action, entity, entity_id, data, prev_hash, hash) "
                     "VALUES (?, 2, 'call.add', 'call', ?, '{}', '', '')", (at, cur.lastrowid))
        conn.execute("COMMIT")
    wall = time.perf_counter() - t0
    conn.close()
    return {"calls_per_s": round(calls / wall)}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--writers", type=int, nargs="+", default=[1, 10, 20])
    parser.add_argument("--calls", type=int, default=200, help="calls per writer")
    parser.add_argument("--rounds", type=int, default=1)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        site = Path(tmp) / "site.db"
        _site(site)
        for round_no in range(args.rounds):
            for writers in args.writers:
                scratch = Path(tmp) / f"w{writers}.db"
                shutil.copy(site, scratch)
                result = desk(scratch, writers, args.calls)
                print(json.dumps({"figure": "desk_writes", "round": round_no, "writers": writers,
                                  "calls_each": args.calls, **result}), flush=True)
            scratch = Path(tmp) / "raw.db"
            shutil.copy(site, scratch)
            print(json.dumps({"figure": "raw_writes", "round": round_no, "calls": args.calls * 5,
                              **raw(scratch, args.calls * 5)}), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
