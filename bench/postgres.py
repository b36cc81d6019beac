"""PostgreSQL figures of issue 22, on a throwaway server (tests/pgserver.py) under build/.

    .venv/bin/python bench/postgres.py feed      # 50 idle consoles on one site: commit -> seen, server CPU
    .venv/bin/python bench/postgres.py report    # the company report of 10 sites of 100,000 calls each
    .venv/bin/python bench/postgres.py all

feed: 50 console processes each open the site as a console does (db.connect, the ChangeFeed) and look at
the feed every 0.5 s (DeskApp.FEED_POLL) at a random phase. Console 0 also re-reads what a console shows
(console_data.load) when the feed moves, and notes when the new call is in it: "visible". A writer process
commits a call (calls.add_call) every second. First an idle window with no commits: the CPU of every
server process (utime+stime from /proc, the postmaster and all backends) divided by the window = the
server's share of a core spent on 50 idle consoles. The same is measured with the feed forced to poll
(the newest audit id, twice a second: what a console would cost without LISTEN/NOTIFY), for comparison.

report: one site of 100,000 calls (bench/make_bench_db.py at scale 0.1: five years, 10,000 work orders)
copied into 10 sites of one database, then `deskconsole report --sites s0,...,s9` for the last full
month and for the last 365 days (a report covers at most a year), wall time of the command (a fresh process, as a person runs it).

Numbers, never asserted. Prints JSON lines and a summary.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from pgserver import PgServer  # noqa: E402

SITE_SETTINGS = 'site_name = "Bench {name}"\ntimezone = "Asia/Shanghai"\nlanguage = "en"\n'
POLL = 0.5


def emit(**fields) -> dict:
    print(json.dumps(fields, ensure_ascii=False), flush=True)
    return fields


def server_cpu_seconds(server: PgServer) -> float:
    """utime+stime of the postmaster and every process it started (backends, checkpointer...)."""
    tick = os.sysconf("SC_CLK_TCK")
    postmaster = int((server.data / "postmaster.pid").read_text().split()[0])
    total = 0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2:].split()
        pid, ppid = int(entry.name), int(fields[1])
        if pid == postmaster or ppid == postmaster:
            total += int(fields[11]) + int(fields[12])
    return total / tick


def make_site(server: PgServer, database: str, site: str) -> str:
    from deskconsole import db, sites
    url = server.url(database, site=site)
    db.connect(url)
    sites.store_settings(SITE_SETTINGS.format(name=site), datetime.now(timezone.utc))
    db.close()
    return url


# --- feed ------------------------------------------------------------------------------------------

def console(url: str, out: str, start: float, idle_until: float, end: float, full: bool, poll_only: bool) -> None:
    """One console's database side: the feed looked at every POLL s; console 0 (full) re-reads its data."""
    from deskconsole import console_data, db, feed
    from deskconsole.config import load
    config = load(url)
    db.connect(url, migrate_schema=False)
    engine = config.sla_engine() if full else None
    watcher = feed.ChangeFeed(url)
    if poll_only:
        watcher._listener.close()
        watcher._listener._listen = lambda: False
        watcher._listener._retry_at = float("inf")
    seen, visible, data = [], [], None
    if full:
        data = console_data.load(config, engine, datetime.now(timezone.utc))
    next_look = start + random.random() * POLL
    while True:
        now = time.time()
        if now >= end:
            break
        time.sleep(max(0.0, next_look - now))
        next_look += POLL
        if watcher.changed():
            seen.append(time.time())
            if full:
                data = console_data.load(config, engine, datetime.now(timezone.utc), data)
                visible.append((time.time(), max((c.id for c in data.calls), default=0)))
    watcher.close()
    Path(out).write_text(json.dumps({"seen": seen, "visible": visible}))


def writer(url: str, out: str, start: float, end: float) -> None:
    from deskconsole import calls, db, people
    db.connect(url, migrate_schema=False)
    r1 = people.find("R1")
    commits = []
    next_at = start
    while next_at < end:
        time.sleep(max(0.0, next_at - time.time()))
        call_id = calls.add_call(r1, datetime.now(timezone.utc), category="other", channel="phone", text="bench")
        commits.append((time.time(), call_id))
        next_at += 1.0
    Path(out).write_text(json.dumps(commits))


def bench_feed(server: PgServer, consoles: int, idle: float, busy: float, poll_only: bool) -> dict:
    from deskconsole import db, demo
    from deskconsole.config import Config
    database = f"feed{int(poll_only)}"
    server.admin(f"DROP DATABASE IF EXISTS {database}", f"CREATE DATABASE {database}")
    url = make_site(server, database, "feed")
    db.connect(url)
    demo.seed(Config(db_url=url, language="en"), datetime.now(timezone.utc))
    db.close()
    tmp = ROOT / "build" / f"bench-feed-{os.getpid()}"
    tmp.mkdir(parents=True, exist_ok=True)
    start = time.time() + 3.0 + consoles * 0.15   # every console connected and listening first
    idle_until, end = start + idle, start + idle + busy
    procs = [subprocess.Popen([sys.executable, __file__, "_console", url, str(tmp / f"c{i}.json"), repr(start),
                               repr(idle_until), repr(end), "1" if i == 0 else "0", "1" if poll_only else "0"])
             for i in range(consoles)]
    wproc = subprocess.Popen([sys.executable, __file__, "_writer", url, str(tmp / "w.json"), repr(idle_until + 0.3),
                              repr(end - 1.5)])
    time.sleep(max(0.0, start + 1.0 - time.time()))
    cpu0, t0 = server_cpu_seconds(server), time.monotonic()
    time.sleep(max(0.0, idle_until - 0.5 - time.time()))
    cpu1, t1 = server_cpu_seconds(server), time.monotonic()
    for p in procs + [wproc]:
        p.wait(timeout=busy + idle + 120)
    commits = json.loads((tmp / "w.json").read_text())
    seen_delays, visible_delays = [], []
    for i in range(consoles):
        result = json.loads((tmp / f"c{i}.json").read_text())
        for at, _call in commits:
            later = [s for s in result["seen"] if s >= at]
            if later:
                seen_delays.append(later[0] - at)
        if i == 0:
            for at, call_id in commits:
                shown = [v for v, newest in result["visible"] if newest >= call_id]
                if shown:
                    visible_delays.append(shown[0] - at)
    for path in tmp.iterdir():
        path.unlink()
    tmp.rmdir()

    def p95(values):
        return round(sorted(values)[int(0.95 * (len(values) - 1))], 3) if values else None
    return emit(bench="feed", mode="poll" if poll_only else "listen", consoles=consoles, commits=len(commits),
                idle_window_s=round(t1 - t0, 1),
                server_cpu_pct_of_a_core=round(100 * (cpu1 - cpu0) / (t1 - t0), 2),
                seen_p50_s=round(statistics.median(seen_delays), 3) if seen_delays else None,
                seen_p95_s=p95(seen_delays), seen_max_s=round(max(seen_delays), 3) if seen_delays else None,
                seen_count=len(seen_delays), visible_p95_s=p95(visible_delays),
                visible_max_s=round(max(visible_delays), 3) if visible_delays else None)


# --- the company report ----------------------------------------------------------------------------

def copy_sqlite_site(sqlite_path: Path, url: str) -> None:
    """Every row of the bench SQLite database into the site of `url` (ids kept, sequences moved on)."""
    from deskconsole import db
    db.connect("sqlite:///" + str(sqlite_path), migrate_schema=False)
    tables = {model: list(model.select().tuples()) for model in db.MODELS if model is not db.SchemaMeta}
    db.close()
    db.connect(url)
    with db.database.atomic():
        for model, rows in tables.items():
            fields = model._meta.sorted_fields
            per = 60000 // len(fields)  # PostgreSQL takes at most 65535 parameters a statement
            for i in range(0, len(rows), per):
                model.insert_many(rows[i:i + per], fields=fields).execute()
            if rows and model._meta.primary_key.name == "id":
                table = model._meta.table_name
                db.database.execute_sql(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                                        f"(SELECT max(id) FROM \"{table}\"))")
    db.close()


def bench_report(server: PgServer, sites: int, scale: float) -> list[dict]:
    import make_bench_db
    from deskconsole import db
    source = make_bench_db.ensure(scale)
    server.admin("DROP DATABASE IF EXISTS company", "CREATE DATABASE company")
    t0 = time.monotonic()
    first = server.url("company", site="s0")
    copy_sqlite_site(source, first)
    make_site(server, "company", "s0")
    db.connect(first, migrate_schema=False)
    tables = [m._meta.table_name for m in db.MODELS]
    db.close()
    for n in range(1, sites):
        db.connect(server.url("company", site=f"s{n}"))
        with db.database.atomic():
            for table in tables:
                if table == "schema_meta":
                    continue
                db.database.execute_sql(f'INSERT INTO "s{n}"."{table}" SELECT * FROM "s0"."{table}"')
                db.database.execute_sql(f"SELECT setval(pg_get_serial_sequence('s{n}.{table}', 'id'), "
                                        f"(SELECT coalesce(max(id), 1) FROM \"s{n}\".\"{table}\"))")
            # A copy of s0, so its audit chain is s0's: the settings go in beside it, not as an event.
            db.SchemaMeta.insert(key="site_settings", value=SITE_SETTINGS.format(name=f"s{n}")).execute()
        db.database.execute_sql("ANALYZE")
        db.close()
    db.connect(first, migrate_schema=False)
    made = emit(bench="report-data", sites=sites, calls_per_site=db.Call.select().count(),
                seconds_to_make=round(time.monotonic() - t0, 1))
    db.close()
    names = ",".join(f"s{n}" for n in range(sites))
    results = [made]
    from datetime import date, timedelta
    today = date.today()
    last_month_end = today.replace(day=1) - timedelta(days=1)
    ranges = {"last month": ["--month", last_month_end.strftime("%Y-%m")],
              # A report covers at most a year: the last 365 days (a fifth of each site's five years).
              "last 365 days": ["--from", (today - timedelta(days=364)).isoformat(), "--to", today.isoformat()]}
    for label, args in ranges.items():
        for fmt in ("text", "xlsx"):
            out = ROOT / "build" / f"bench-company.{fmt}"
            t = time.monotonic()
            result = subprocess.run([sys.executable, "-m", "deskconsole", "report", "--db", server.url("company"),
                                     "--sites", names, *args, "--format", fmt, "--out", str(out)],
                                    capture_output=True, text=True, cwd=ROOT)
            took = time.monotonic() - t
            out.unlink(missing_ok=True)
            results.append(emit(bench="company-report", range=label, format=fmt, sites=sites,
                                seconds=round(took, 2), ok=result.returncode == 0,
                                error=result.stderr.strip()[-300:] if result.returncode else ""))
    return results


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] == "_console":
        url, out, start, idle_until, end, full, poll_only = argv[1:]
        console(url, out, float(start), float(idle_until), float(end), full == "1", poll_only == "1")
        return 0
    if argv and argv[0] == "_writer":
        writer(argv[1], argv[2], float(argv[3]), float(argv[4]))
        return 0
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("what", choices=["feed", "report", "all"])
    parser.add_argument("--consoles", type=int, default=50)
    parser.add_argument("--idle", type=float, default=30.0, help="seconds of the idle window")
    parser.add_argument("--busy", type=float, default=30.0, help="seconds of commits, one a second")
    parser.add_argument("--sites", type=int, default=10)
    parser.add_argument("--scale", type=float, default=0.1, help="of make_bench_db: 0.1 = 100,000 calls a site")
    args = parser.parse_args(argv)
    server = PgServer.start_new()
    try:
        if args.what in ("feed", "all"):
            bench_feed(server, args.consoles, args.idle, args.busy, poll_only=False)
            bench_feed(server, args.consoles, args.idle, args.busy, poll_only=True)
        if args.what in ("report", "all"):
            bench_report(server, args.sites, args.scale)
    finally:
        server.remove()
    return 0


if __name__ == "__main__":
    sys.exit(main())
