"""Write throughput (issue 21): calls saved through the desk function by 1 and by N processes at once,
against a raw insert of the same rows, on a scratch copy of a small site. Printed, never asserted.

    .venv/bin/python bench/writers.py                       # 1, 10 and 20 writers, 200 calls each
    .venv/bin/python bench/writers.py --writers 1 20 --calls 300 --rounds 3

Each writer is a process of its own (as each console and each `deskconsole call add` is): it signs
nothing, it saves `--calls` calls as R1 through `calls.add_call` (validated, audited, indexed, in one
transaction each) and reports each call's wall time. "raw_same_rows" inserts every row a desk save
writes (the call, its audit event, the search index's body and tail, the tail's merge into the FTS tables
every FLUSH calls) with plain sqlite3 and the console's pragmas in one process, one transaction per call;
each desk line has its ratio to it (`desk_over_raw`). "raw_two_rows" is the older reference (the call and
audit rows only), printed for continuity. Figures: calls per second over the whole run (the
first timed save's start to the last one's end; each writer saves one call untimed first, as a console's
first save of a session builds its statements), and the longest single save (a commit that waited).
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

    def save(i):
        calls.add_call(r1, at + timedelta(milliseconds=i), phone="13900001111", caller="Bench", unit_code="1-101",
                       category="repair", channel="phone", text="厨房水龙头漏水")
    save(-1)   # not timed: a console's first save (imports, statements built) is once a session
    start.wait()
    times = []
    first = time.perf_counter()
    for i in range(calls_each):
        t0 = time.perf_counter()
        save(i)
        times.append(time.perf_counter() - t0)
    last = time.perf_counter()
    db.close()
    out.put((first, last, times))


def desk(path: Path, writers: int, calls_each: int) -> dict:
    ctx = multiprocessing.get_context("spawn")
    start, out = ctx.Event(), ctx.Queue()
    procs = [ctx.Process(target=_writer, args=(str(path), calls_each, start, out)) for _ in range(writers)]
    for p in procs:
        p.start()
    time.sleep(1.0 + 0.1 * writers)   # every writer connected and waiting
    start.set()
    runs = [out.get() for _ in procs]
    # From the first save's start to the last one's end, on the clock every process shares (CLOCK_MONOTONIC):
    # not the processes' wake-up after `start` nor the results' trip back.
    wall = max(last for _f, last, _t in runs) - min(first for first, _l, _t in runs)
    times = [t for _f, _l, run in runs for t in run]
    for p in procs:
        p.join()
    return {"calls_per_s": round(len(times) / wall), "median_ms": round(1000 * statistics.median(times), 2),
            "max_ms": round(1000 * max(times), 1), "over_1s": sum(t > 1 for t in times)}


def raw_two_rows(path: Path, calls: int) -> dict:
    """The old reference, kept for continuity: only the call and its audit row, with plain SQL, one
    transaction each (a desk save writes more rows than these: see raw_same_rows)."""
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


def raw_same_rows(path: Path, calls: int, line: bool = False, start=None, out=None) -> dict:
    """Every row one desk save writes, with plain sqlite3 and the console's pragmas, one transaction a
    call: the call, its audit event (as long as the desk's: its JSON, two hashes), the search index's
    body (`search_doc`) and its place in the tail (`search_pending`), and, at every search_index.FLUSH-th
    call, the tail merged into the two FTS tables as the desk's save does then. No reads, no Python
    between the statements: what the rows themselves cost.

    With `line` (several processes at once, `raw_writers`): each transaction waits in the console's line
    (db.writer_line) and counts the tail inside it, as the desk does; `start`/`out` as for `_writer`."""
    from deskconsole import db, search_index
    conn = sqlite3.connect(path, isolation_level=None, timeout=10)
    for name, value in db.SQLITE_PRAGMAS.items():
        conn.execute(f"PRAGMA {name}={value}")
    at = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M:%S.%f")
    text = "厨房水龙头漏水"
    digest = "7ea35be2fd6f2a02951c86ddfeb1831542b9f57b3928f0944d8f8f9b9f09d3f8"
    grams = search_index.bigrams(text)
    pending = conn.execute("SELECT count(*) FROM search_pending").fetchone()[0]
    if start is not None:
        start.wait()
    t0 = time.perf_counter()
    for _ in range(calls):
        with db.writer_line.turn(Path(path) if line else None):
            conn.execute("BEGIN IMMEDIATE")
            if line:
                pending = conn.execute("SELECT count(*) FROM search_pending").fetchone()[0]
            call_id = conn.execute(
                "INSERT INTO call (received_at, channel, category, caller, unit_id, phone, text, taken_by_id, status, "
                "answer, message_for, message_from, callback_number, void_reason, updated_at) "
                "VALUES (?, 'phone', 'repair', 'Bench', 1, '13900001111', ?, 2, 'open', '', '', '', '', '', ?)",
                (at, text, at)).lastrowid
            data = ('{"after": {"caller": "Bench", "category": "repair", "channel": "phone", "phone": "13900001111", '
                    f'"status": "open", "text": "{text}", "unit": "1-101"}}, "state": {{"call:{call_id}": "fd1094d6cf0efb4e"}}}}')
            conn.execute("INSERT INTO audit_event (at, actor_id, action, entity, entity_id, data, prev_hash, hash) "
                         "VALUES (?, 2, 'call.add', 'call', ?, ?, ?, ?)", (at, call_id, data, digest, digest))
            doc = search_index.doc_id("call", call_id)
            conn.execute("INSERT INTO search_doc (id, body) VALUES (?, ?)", (doc, f" C{call_id} 13900001111 Bench 1-101 {text} "))
            conn.execute("INSERT OR IGNORE INTO search_pending (id, old) VALUES (?, NULL)", (doc,))
            pending += 1
            if pending >= search_index.FLUSH:
                docs = conn.execute("SELECT p.id, d.body FROM search_pending AS p JOIN search_doc AS d ON d.id = p.id").fetchall()
                conn.executemany("INSERT INTO search_tri(rowid, body) VALUES (?, ?)", docs)
                conn.executemany("INSERT INTO search_bi(rowid, bi) VALUES (?, ?)", [(d, grams) for d, _body in docs])
                conn.execute("DELETE FROM search_pending")
                pending = 0
            conn.execute("COMMIT")
    t1 = time.perf_counter()
    conn.close()
    if out is not None:
        out.put((t0, t1))
    wall = t1 - t0
    return {"calls_per_s": round(calls / wall), "per_call_ms": round(1000 * wall / calls, 3)}


def raw_writers(path: Path, writers: int, calls_each: int) -> dict:
    """raw_same_rows from `writers` processes at once, each in the console's line: what SQLite itself
    gives several processes writing these rows, against one."""
    ctx = multiprocessing.get_context("spawn")
    start, out = ctx.Event(), ctx.Queue()
    procs = [ctx.Process(target=raw_same_rows, args=(str(path), calls_each, True, start, out)) for _ in range(writers)]
    for p in procs:
        p.start()
    time.sleep(1.0 + 0.1 * writers)
    start.set()
    runs = [out.get() for _ in procs]
    for p in procs:
        p.join()
    wall = max(t1 for _t0, t1 in runs) - min(t0 for t0, _t1 in runs)
    return {"calls_per_s": round(writers * calls_each / wall)}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--writers", type=int, nargs="+", default=[1, 10, 20])
    parser.add_argument("--calls", type=int, default=200, help="calls per writer")
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--raw-writers", action="store_true",
                        help="also the raw insert of the same rows from each number of --writers processes at once")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        site = Path(tmp) / "site.db"
        _site(site)
        for round_no in range(args.rounds):
            scratch = Path(tmp) / "raw.db"
            shutil.copy(site, scratch)
            same = raw_same_rows(scratch, args.calls * 5)
            print(json.dumps({"figure": "raw_same_rows", "round": round_no, "calls": args.calls * 5, **same}),
                  flush=True)
            for writers in args.writers:
                scratch = Path(tmp) / f"w{writers}.db"
                shutil.copy(site, scratch)
                result = desk(scratch, writers, args.calls)
                print(json.dumps({"figure": "desk_writes", "round": round_no, "writers": writers,
                                  "calls_each": args.calls, **result,
                                  "desk_over_raw": round(result["calls_per_s"] / same["calls_per_s"], 3)}), flush=True)
            if args.raw_writers:
                for writers in args.writers:
                    scratch = Path(tmp) / f"r{writers}.db"
                    shutil.copy(site, scratch)
                    print(json.dumps({"figure": "raw_same_rows, processes at once", "round": round_no,
                                      "writers": writers, "calls_each": args.calls,
                                      **raw_writers(scratch, writers, args.calls)}), flush=True)
            scratch = Path(tmp) / "raw2.db"
            shutil.copy(site, scratch)
            print(json.dumps({"figure": "raw_two_rows (old reference: call + audit row only)", "round": round_no,
                              "calls": args.calls * 5, **raw_two_rows(scratch, args.calls * 5)}), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
