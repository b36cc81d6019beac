"""Search and the dossier on the benchmark database (issue 19): printed, never asserted.

    .venv/bin/python bench/search_bench.py                       # queries, dossier, save cost (in-process)
    .venv/bin/python bench/search_bench.py --build               # + the index built by the migration, sizes
    .venv/bin/python bench/search_bench.py --painted             # + key -> results painted, on a terminal
    .venv/bin/python bench/search_bench.py --painted-only        # only that
    .venv/bin/python bench/search_bench.py --flush 64 256 1024   # the save that merges the tail, per FLUSH
    .venv/bin/python bench/search_bench.py --tail 255            # queries with that many docs in the tail

--v1 PATH: the benchmark database at schema 1 (no index), as `make_bench_db.py --out PATH` made it
before this branch; --db PATH: the same migrated (made from --v1 with --build when missing). Results
print as JSON lines. The machine is shared: figures are medians and p95 of many runs, and a second
run is the check.
"""
from __future__ import annotations

import argparse
import json
import random
import resource
import shutil
import sqlite3
import statistics
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))
sys.path.insert(0, str(BENCH.parent))

from deskconsole import calls, db, people, search, search_index  # noqa: E402

DATA = BENCH / ".data"
THREE = ["水龙头", "卫生间", "快递柜", "电梯困", "装修噪", "停车月"]
TWO = ["漏水", "跑水", "噪音", "电梯", "煤气", "投诉"]   # 投诉 is in no bench text: a search that finds nothing


def emit(**result):
    print(json.dumps(result, ensure_ascii=False), flush=True)
    return result


def pct(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, max(0, round(p / 100 * (len(values) - 1))))]


def ms(seconds):
    return round(seconds * 1000, 2)


def cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def checkpointed_size(path: Path) -> int:
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    return path.stat().st_size


# --- the index built by the migration ---------------------------------------------------------

def build(v1: Path, out: Path) -> None:
    for suffix in ("", "-wal", "-shm", ".v1.bak"):
        Path(str(out) + suffix).unlink(missing_ok=True)
    shutil.copy(v1, out)
    before = checkpointed_size(out)
    t0, c0 = time.monotonic(), cpu()
    steps = []
    db.connect("sqlite:///" + str(out), progress=lambda done, total: steps.append((time.monotonic(), done)))
    wall, used = time.monotonic() - t0, cpu() - c0
    db.close()
    Path(str(out) + ".v1.bak").unlink(missing_ok=True)
    after = checkpointed_size(out)
    conn = sqlite3.connect(out)
    parts = dict(conn.execute("SELECT name, sum(pgsize) FROM dbstat WHERE name LIKE 'search%' GROUP BY name"))
    records = conn.execute("SELECT count(*) FROM search_doc").fetchone()[0]
    conn.close()
    # The backup copy the migration takes first is part of the wall time; the index itself from the
    # first progress report to the last.
    index_s = steps[-1][0] - steps[0][0] if len(steps) > 1 else wall
    emit(figure="index_build", records=records, migration_wall_s=round(wall, 1), index_wall_s=round(index_s, 1),
         process_cpu_s=round(used, 1), size_before_MB=round(before / 1e6, 1), size_after_MB=round(after / 1e6, 1),
         growth_pct=round(100 * (after - before) / before, 1),
         parts_MB={k: round(v / 1e6, 1) for k, v in sorted(parts.items(), key=lambda kv: -kv[1]) if v > 1e5})


# --- queries in-process ------------------------------------------------------------------------

def queries(path: Path, runs: int, rng: random.Random) -> dict[str, list[str]]:
    """Each kind of query, `runs` of them, different each time where the kind allows."""
    conn = sqlite3.connect(path)
    phones = [p for (p,) in conn.execute("SELECT DISTINCT phone FROM call WHERE phone != '' LIMIT 1000")]
    max_call = conn.execute("SELECT max(id) FROM call").fetchone()[0]
    max_order = conn.execute("SELECT max(id) FROM work_order").fetchone()[0]
    conn.close()

    def fragment():
        phone = rng.choice(phones)
        start = rng.randrange(2, len(phone) - 6)
        return phone[start:start + rng.choice([4, 5, 6, 7])]

    return {
        "phone_fragment": [fragment() for _ in range(runs)],
        "call_number": [f"C{rng.randrange(1, max_call + 1)}" for _ in range(runs)],
        "order_number": [f"WO{rng.randrange(1, max_order + 1):05d}" for _ in range(runs)],
        "chinese_3": [THREE[i % len(THREE)] for i in range(runs)],
        "chinese_2": [TWO[i % len(TWO)] for i in range(runs)],
        "name": [rng.choice(["张师傅", "王小明", "Anna Schmidt", "刘工"]) for _ in range(runs)],
    }


def timed_queries(path: Path, runs: int, rng: random.Random) -> None:
    db.connect("sqlite:///" + str(path), migrate_schema=False)
    for kind, texts in queries(path, runs, rng).items():
        search.find(texts[0], limit=30)   # warm-up, not counted
        times, hits = [], []
        for text in texts:
            t0 = time.perf_counter()
            found = search.find(text, limit=30)
            times.append(time.perf_counter() - t0)
            hits.append(len(found.hits))
        emit(figure="search", query=kind, runs=runs, p50_ms=ms(pct(times, 50)), p95_ms=ms(pct(times, 95)),
             max_ms=ms(max(times)), median_hits=statistics.median(hits), example=texts[0])
    db.close()


def timed_dossiers(path: Path, runs: int, rng: random.Random) -> None:
    db.connect("sqlite:///" + str(path), migrate_schema=False)
    codes = [u.code for u in db.Unit.select(db.Unit.code)]
    now = datetime.now(timezone.utc)
    search.dossier(codes[0], now, per_page=50)
    times, totals, last = [], [], []
    for code in rng.sample(codes, runs):
        t0 = time.perf_counter()
        d = search.dossier(code, now, per_page=50)
        times.append(time.perf_counter() - t0)
        totals.append(d.total)
        t0 = time.perf_counter()
        search.dossier(code, now, page=d.pages - 1, per_page=50)
        last.append(time.perf_counter() - t0)
    db.close()
    emit(figure="dossier", runs=runs, median_records=statistics.median(totals), p50_ms=ms(pct(times, 50)),
         p95_ms=ms(pct(times, 95)), last_page_p50_ms=ms(pct(last, 50)), last_page_p95_ms=ms(pct(last, 95)))


# --- the cost of saving a call -----------------------------------------------------------------

SAVE_TEXTS = ["厨房水龙头漏水", "楼上装修噪音太大", "Dog barking all night", "门锁坏了打不开", "电梯困人"]


def scratch_copy(path: Path, name: str) -> Path:
    scratch = DATA / name
    drop(scratch)
    src, dst = sqlite3.connect(path), sqlite3.connect(scratch)
    src.backup(dst)
    src.close()
    dst.close()
    return scratch


def drop(scratch: Path) -> None:
    for suffix in ("", "-wal", "-shm", "-writers"):
        Path(str(scratch) + suffix).unlink(missing_ok=True)


class Saver:
    """add_call as the desk does it, on the connected database."""

    def __init__(self, rng: random.Random, phones: list[str] | None = None) -> None:
        self.rng = rng
        self.phones = phones
        self.r1 = people.find("R1")
        self.units = [u.code for u in db.Unit.select(db.Unit.code)]
        self.at = datetime.now(timezone.utc)
        self.n = 0

    def __call__(self) -> float:
        self.n += 1
        t0 = time.perf_counter()
        phone = self.rng.choice(self.phones) if self.phones else f"139{self.rng.randrange(10**8):08d}"
        calls.add_call(self.r1, self.at + timedelta(seconds=self.n), phone=phone,
                       caller="Bench", unit_code=self.rng.choice(self.units), category="repair", channel="phone",
                       text=self.rng.choice(SAVE_TEXTS))
        return time.perf_counter() - t0


def tail_size() -> int:
    if "search_pending" not in db.database.get_tables():
        return 0
    return db.database.execute_sql("SELECT count(*) FROM search_pending").fetchone()[0]


def save_cost(path: Path, runs: int, rng: random.Random) -> None:
    """add_call on a copy of the database, the index kept or not, alternating call by call (so the
    machine's noise falls on both alike). With the index's tail, an indexed save that merges it (one in
    search_index.FLUSH) is in the mean, not the median: `flush` below times those."""
    scratch = scratch_copy(path, "search-save-scratch.db")
    db.connect("sqlite:///" + str(scratch), migrate_schema=False)
    save = Saver(rng)
    times = {True: [], False: []}
    for i in range(2 * runs + 10):
        indexed = i % 2 == 0
        search_index.enabled = indexed
        took = save()
        if i >= 10:  # the first few warm the caches
            times[indexed].append(took)
    search_index.enabled = True
    db.close()
    drop(scratch)
    with_index, without = statistics.median(times[True]), statistics.median(times[False])
    emit(figure="save_call_desk", runs=runs, without_index_median_ms=ms(without), with_index_median_ms=ms(with_index),
         extra_pct=round(100 * (with_index - without) / without, 1),
         without_index_mean_ms=ms(statistics.mean(times[False])), with_index_mean_ms=ms(statistics.mean(times[True])),
         without_index_p95_ms=ms(pct(times[False], 95)), with_index_p95_ms=ms(pct(times[True], 95)))


def save_blocks(path: Path, blocks: int, size: int, rng: random.Random) -> None:
    """What the index costs a save over many: blocks of `size` saves, the index kept or not block by block
    (the order turning), each block's mean per save. Unlike the median above, this holds what a save
    leaves for later: the FTS tables' merge of the tail (one save in FLUSH), FTS5's own merges of its
    segments, and SQLite's checkpoints, more frequent as each commit writes more pages to the WAL."""
    scratch = scratch_copy(path, "search-blocks-scratch.db")
    db.connect("sqlite:///" + str(scratch), migrate_schema=False)
    save = Saver(rng)
    for _ in range(50):
        save()
    means = {True: [], False: []}
    for n in range(blocks):
        for indexed in (True, False) if n % 2 == 0 else (False, True):
            search_index.enabled = indexed
            t0 = time.perf_counter()
            for _ in range(size):
                save()
            means[indexed].append((time.perf_counter() - t0) / size)
    search_index.enabled = True
    db.close()
    drop(scratch)
    with_index, without = statistics.median(means[True]), statistics.median(means[False])
    emit(figure="save_call_blocks", blocks=blocks, saves_a_block=size, without_index_mean_ms=ms(without),
         with_index_mean_ms=ms(with_index), extra_pct=round(100 * (with_index - without) / without, 1),
         each_with_ms=[ms(v) for v in means[True]], each_without_ms=[ms(v) for v in means[False]])


def flush_cost(path: Path, sizes: list[int], flushes: int, rng: random.Random) -> None:
    """For each FLUSH: indexed saves until `flushes` of them merged the tail; the merging save's own time,
    the others', and the mean of all (what a save costs on average, the merge shared out)."""
    for size in sizes:
        scratch = scratch_copy(path, "search-flush-scratch.db")
        db.connect("sqlite:///" + str(scratch), migrate_schema=False)
        search_index.FLUSH = size
        save = Saver(rng)
        for _ in range(10):
            save()
        merged, other = [], []
        while len(merged) < flushes:
            before = tail_size()
            took = save()
            (merged if tail_size() < before else other).append(took)
        db.close()
        drop(scratch)
        every = merged + other
        emit(figure="flush", FLUSH=size, saves=len(every), flush_median_ms=ms(statistics.median(merged)),
             flush_max_ms=ms(max(merged)), other_median_ms=ms(statistics.median(other)),
             all_mean_ms=ms(statistics.mean(every)), other_mean_ms=ms(statistics.mean(other)))


def with_tail(path: Path, n: int, rng: random.Random) -> Path:
    """A copy of the database with `n` calls saved since the tail was last merged (search's worst case is
    FLUSH - 1): the queries then read the FTS tables and the tail."""
    scratch = scratch_copy(path, "search-tail-scratch.db")
    db.connect("sqlite:///" + str(scratch), migrate_schema=False)
    search_index.FLUSH = max(search_index.FLUSH, n + 1)
    # Callers who called before: the phones `queries` picks from are the same as without the tail.
    phones = [p for (p,) in db.database.execute_sql("SELECT DISTINCT phone FROM call WHERE phone != '' LIMIT 1000")]
    save = Saver(rng, phones)
    for _ in range(n):
        save()
    emit(figure="tail", docs=tail_size())
    db.close()
    return scratch


# --- key -> results painted, on a terminal ----------------------------------------------------------

def painted(path: Path, runs: int, rng: random.Random, program: str | None = None, build: str = "this") -> None:
    """`program`: another build's `deskconsole` to measure instead of this checkout's (`build` names it in
    the output)."""
    import measure
    db.connect("sqlite:///" + str(path), migrate_schema=False)
    plan = []
    for kind, texts in queries(path, runs, rng).items():
        if kind == "name":
            continue
        for text in texts:
            found = search.find(text, limit=30)
            if found.hits:  # the marker: the first result's number, as the table paints it
                plan.append((kind, text, found.hits[0].number))
    units = rng.sample([u.code for u in db.Unit.select(db.Unit.code)], max(8, runs // 2))
    now = datetime.now(timezone.utc)
    newest = {code: search.dossier(code, now, per_page=1).entries[0].number for code in units}
    # What the status line says once the unit's search is in (1-407 also finds 1-1407 and 2-1407).
    status = {code: f"Units {sum(h.kind == 'unit' for h in search.find(code, limit=30).hits)} ·" for code in units}
    db.close()
    rng.shuffle(plan)
    results: dict[str, list] = {}
    shown: dict[str, list] = {}
    with measure.console(path, program=program) as term:
        measure.start_to_signon(term)
        measure.sign_on(term)
        time.sleep(1)
        measure.press(term, "s", quiet=0.2)
        for kind, text, marker in plan:
            measure.press(term, "\x15", quiet=0.1)     # Ctrl+U: the input emptied
            term.settle(time.monotonic(), quiet=0.1)
            mark = term.mark()
            t0 = term.send(text)                       # the words at once, as a fast typist's keys arrive
            try:
                seen = term.wait_for(marker, since=mark, timeout=10)
                results.setdefault(kind, []).append(term.settle(seen, quiet=0.03) - t0)
                shown.setdefault(kind, []).append(seen - t0)
            except TimeoutError:
                results.setdefault(kind, []).append(None)
        for kind, values in results.items():
            done = [v for v in values if v is not None]
            first = shown.get(kind, [])
            # p50/p95: until the screen is still (the scrollbar's thumb may come a frame after the rows);
            # shown: until the first result is on the screen.
            emit(figure="search_painted", build=build, query=kind, runs=len(values), missed=len(values) - len(done),
                 p50_ms=ms(pct(done, 50)) if done else None, p95_ms=ms(pct(done, 95)) if done else None,
                 shown_p50_ms=ms(pct(first, 50)) if first else None, shown_p95_ms=ms(pct(first, 95)) if first else None)
        dossier = []
        for code in units:
            measure.press(term, "\x15", quiet=0.1)
            typed = term.mark()
            term.send(code)
            try:                                       # the results are in: the unit named is the first row
                term.settle(term.wait_for(status[code], since=typed, timeout=10), quiet=0.2)
            except TimeoutError:
                dossier.append(None)
                continue
            term.send("\r")                            # to the results
            term.settle(time.monotonic(), quiet=0.2)
            mark = term.mark()
            t0 = term.send("u")
            try:
                seen = term.wait_for(newest[code], since=mark, timeout=10)
                dossier.append(term.settle(seen, quiet=0.03) - t0)
            except TimeoutError:
                dossier.append(None)
            term.send("\x1b")                          # back to search
            term.settle(time.monotonic(), quiet=0.2)
            term.send("/")                             # and to its input
            time.sleep(0.1)
        done = [v for v in dossier if v is not None]
        emit(figure="dossier_painted", build=build, runs=len(dossier), missed=len(dossier) - len(done),
             p50_ms=ms(pct(done, 50)) if done else None, p95_ms=ms(pct(done, 95)) if done else None)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--v1", type=Path, default=DATA / "bench-v1.db", help="the database at schema 1")
    parser.add_argument("--db", type=Path, default=DATA / "bench-mig.db", help="the same, migrated")
    parser.add_argument("--build", action="store_true", help="migrate --v1 into --db first (timed, sizes)")
    parser.add_argument("--painted", action="store_true", help="also key -> results painted on a terminal")
    parser.add_argument("--painted-only", action="store_true", help="only key -> results painted")
    parser.add_argument("--runs", type=int, default=40)
    parser.add_argument("--seed", type=int, default=19)
    parser.add_argument("--flush", type=int, nargs="*", metavar="FLUSH",
                        help="only the save that merges the index's tail, at each of these FLUSH")
    parser.add_argument("--tail", type=int, default=0, metavar="N",
                        help="measure the queries on a copy with N calls in the index's tail")
    parser.add_argument("--reference", metavar="PROGRAM",
                        help="painted: also another build's deskconsole, turn about with this one, the same "
                             "queries for both in a round")
    parser.add_argument("--rounds", type=int, default=1, help="painted: rounds (with --reference)")
    args = parser.parse_args(argv)
    rng = random.Random(args.seed)
    if args.build or not args.db.exists():
        build(args.v1, args.db)
    if args.flush is not None:
        flush_cost(args.db, args.flush or [search_index.FLUSH], 10, rng)
        return 0
    # Its own generator: the queries are the same with and without a tail.
    path = with_tail(args.db, args.tail, random.Random(args.seed + 1)) if args.tail else args.db
    try:
        if not args.painted_only:
            timed_queries(path, args.runs, rng)
            timed_dossiers(path, max(5, args.runs // 2), rng)
            save_cost(path, args.runs * 5, rng)
            save_blocks(path, 6, 2000, rng)
        if args.painted or args.painted_only:
            if not args.reference:
                painted(path, max(8, args.runs // 4), rng)
            builds = [("reference", args.reference), ("this", None)]
            for n in range(args.rounds if args.reference else 0):
                for name, program in builds if n % 2 == 0 else builds[::-1]:   # the order turns round by round
                    painted(path, max(8, args.runs // 4), random.Random(args.seed + n), program, name)
    finally:
        if path != args.db:
            drop(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
