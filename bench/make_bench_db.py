"""The benchmark database: five years of a busy site, written in bulk.

    .venv/bin/python bench/make_bench_db.py                 # full size, cached in bench/.data/
    .venv/bin/python bench/make_bench_db.py --scale 0.01    # 1 % of it, to try things fast
    .venv/bin/python bench/make_bench_db.py --force         # make it again

Full size: 1,000,000 calls over five years, 100,000 work orders of which 2,000 open, 1,000 keys with
50 out, 20,000 shift-log entries. Units and staff (S1/R1/G1/... PIN 0000) are made by the desk
functions (demo._units, people.create_first_supervisor / create_staff), so sign-on works. The bulk is
written with peewee insert_many in a few big transactions, NOT through the desk functions (1,000,000
audited writes would take hours): the audit trail holds the units, the staff and one chained event
per *open* record (open orders, keys out, open calls, open log items), so `deskconsole check` passes
but the history of closed records has no events. The search index is built once at the end
(search_index.rebuild), as the migration builds it for an existing database.

The live part (open orders' ages, keys out, the last day's calls) is placed relative to the moment
the file is made; `--max-age` (run_all uses it) makes it again when the cached file is older.
Prints the path of the database on the last line of stdout.
"""
from __future__ import annotations

import argparse
import json
import random
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from deskconsole import audit, db, demo, people, search_index, shifts  # noqa: E402
from deskconsole.config import Config  # noqa: E402
from deskconsole.db import (  # noqa: E402
    AuditEvent, Call, Key, KeyLoan, SchemaMeta, Shift, ShiftLogEntry, Unit, WorkOrder,
)

DATA = Path(__file__).resolve().parent / ".data"
META_KEY = "bench"
YEARS = 5
FMT = "%Y-%m-%d %H:%M:%S.%f"
# Text of the newest call, an open emergency (so it stays at the top of the calls pane, whatever the
# benchmarks add later): the measurement scripts wait for it to know the console painted its rows.
NEWEST_MARK = "BENCH-NEWEST"
CLOSED_ORDER_STATUSES = (("closed", 92), ("cancelled", 5), ("returned", 3))
OPEN_ORDER_STATUSES = (("logged", 30), ("dispatched", 40), ("on_site", 20), ("done", 10))


def _ts(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, timezone.utc).strftime(FMT)


def _chunks(rows, fields, size):
    # SQLite allows 32766 variables per statement.
    per = max(1, min(size, 32000 // len(fields)))
    for i in range(0, len(rows), per):
        yield rows[i:i + per]


def bulk(model, fields, rows, size=2000):
    for chunk in _chunks(rows, fields, size):
        model.insert_many(chunk, fields=fields).execute()


class Chain:
    """Audit events written in bulk, chained by hash like audit.record does."""

    def __init__(self):
        last = AuditEvent.select(AuditEvent.hash).order_by(AuditEvent.id.desc()).first()
        self.prev = last.hash if last else ""
        self.rows = []

    def add(self, at: str, actor_id, action, entity, entity_id, **data):
        text = json.dumps(data, ensure_ascii=False, sort_keys=True, default=str)
        digest = audit._digest(self.prev, at, actor_id, action, entity, entity_id, text)
        self.rows.append((at, actor_id, action, entity, entity_id, text, self.prev, digest))
        self.prev = digest

    def write(self):
        fields = [AuditEvent.at, AuditEvent.actor, AuditEvent.action, AuditEvent.entity, AuditEvent.entity_id,
                  AuditEvent.data, AuditEvent.prev_hash, AuditEvent.hash]
        bulk(AuditEvent, fields, self.rows)
        self.rows = []


def generate(path: Path, scale: float, now: datetime, seed: int = 8, history: float = 1.0) -> dict:
    rng = random.Random(seed)
    config = Config(db_url=f"sqlite:///{path}")
    engine = config.sla_engine()
    for suffix in ("", "-wal", "-shm"):
        Path(str(path) + suffix).unlink(missing_ok=True)
    conn = db.connect(config.db_url)
    conn.execute_sql("PRAGMA synchronous = OFF")
    conn.execute_sql("PRAGMA cache_size = -200000")
    start = now - timedelta(days=365 * YEARS)
    t_start, t_now = start.timestamp(), now.timestamp()
    # `history` lengthens only the past (calls, closed orders, log entries): the live part of the site
    # (open orders, keys and keys out) stays as `scale` makes it, as a site's does over the years.
    n_calls = max(500, int(1_000_000 * scale * history))
    n_orders = max(100, int(100_000 * scale * history))
    n_open = max(20, int(2_000 * scale))
    n_keys = max(20, int(1_000 * scale))
    n_out = max(5, int(50 * scale))
    n_log = max(100, int(20_000 * scale * history))
    timings = {}

    # --- units and staff, through the desk functions ------------------------------------
    t0 = time.monotonic()
    with conn.atomic():
        demo._units(start)
        code, name, _role = demo.DEMO_STAFF[0]
        staff = {code: people.create_first_supervisor(start, code=code, name=name, pin=demo.DEMO_PIN)}
        for code, name, role in demo.DEMO_STAFF[1:]:
            staff[code] = people.create_staff(staff["S1"], start, code=code, name=name, role=role, pin=demo.DEMO_PIN)
    unit_ids = [u.id for u in Unit.select(Unit.id).order_by(Unit.id)]
    unit_code = {u.id: u.code for u in Unit.select(Unit.id, Unit.code)}
    desk_ids = [staff[c].id for c in ("R1", "R2", "G1", "G2")]
    phones = {u: f"13{rng.randrange(10**9):09d}" for u in unit_ids}
    timings["staff"] = time.monotonic() - t0

    # --- calls ----------------------------------------------------------------------------
    t0 = time.monotonic()
    cats = list(demo.CATEGORY_WEIGHTS)
    cat_w = list(demo.CATEGORY_WEIGHTS.values())
    chans = list(demo.CHANNEL_WEIGHTS)
    chan_w = list(demo.CHANNEL_WEIGHTS.values())
    moments = sorted(rng.uniform(t_start, t_now - 120) for _ in range(n_calls - 1))
    moments.append(t_now - 60)  # the newest call, with a text the benchmarks look for
    category_of = rng.choices(cats, weights=cat_w, k=n_calls)
    channel_of = rng.choices(chans, weights=chan_w, k=n_calls)
    recent_cut = t_now - 12 * 3600
    call_fields = [Call.received_at, Call.channel, Call.category, Call.caller, Call.unit, Call.phone, Call.text,
                   Call.taken_by, Call.status, Call.reply_due_at, Call.answered_at, Call.answered_by,
                   Call.message_for, Call.delivered_at, Call.delivered_by, Call.updated_at]
    rows = []
    open_calls = []  # (index, at, category)
    emergencies_open = 0
    for i, at in enumerate(moments):
        category = category_of[i]
        unit = rng.choice(unit_ids)
        at_s = _ts(at)
        taken = rng.choice(desk_ids)
        reply_due = answered_at = answered_by = delivered_at = delivered_by = None
        message_for = ""
        # The last 12 hours: `history` times as many calls (they are spread over the same five years), of
        # which as many stay open as at 1x: a longer past does not leave more calls waiting at the desk.
        live = at >= recent_cut
        if category == "inquiry":
            if live and rng.random() < 0.15 / history:
                status, reply_due = "open", _ts(at + 1800)
            else:
                status, answered_at, answered_by = "answered", at_s, taken
        elif category == "message":
            message_for = rng.choice(["张师傅", "the manager", "王经理", "保安队长"])
            if live and rng.random() < 0.3 / history:
                status = "open"
            else:
                status, delivered_at, delivered_by = "delivered", _ts(at + 1200), rng.choice(desk_ids)
        elif category in ("repair", "complaint", "emergency"):
            if live and (category != "emergency" or emergencies_open < 2) and rng.random() < 0.3 / history:
                status = "open"
                emergencies_open += category == "emergency"
            else:
                status = "closed"
        else:
            status = "closed"
        if rng.random() < 0.0005:
            status = "void"
        if status == "open":
            open_calls.append((i, at_s, category))
        text = rng.choice(demo.CALL_TEXTS[category])
        caller = demo._name(rng)
        if i == n_calls - 1:
            # An open emergency: the calls pane lists those first, so later calls never push it off.
            category, status, text, caller = "emergency", "open", NEWEST_MARK + " 电梯困人 newest call", "Bench"
            reply_due = answered_at = answered_by = None
            open_calls.append((i, at_s, category))
        rows.append((at_s, channel_of[i], category, caller, unit, phones[unit], text, taken, status, reply_due,
                     answered_at, answered_by, message_for, delivered_at, delivered_by, at_s))
        if len(rows) >= 100_000:
            with conn.atomic():
                bulk(Call, call_fields, rows)
            rows = []
    with conn.atomic():
        bulk(Call, call_fields, rows)
    rows = []
    timings["calls"] = time.monotonic() - t0

    # --- work orders ------------------------------------------------------------------------
    t0 = time.monotonic()
    order_fields = [WorkOrder.created_at, WorkOrder.created_by, WorkOrder.call, WorkOrder.unit, WorkOrder.sla_class,
                    WorkOrder.description, WorkOrder.department, WorkOrder.assignee, WorkOrder.status,
                    WorkOrder.clock_started_at, WorkOrder.respond_due_at, WorkOrder.resolve_due_at,
                    WorkOrder.dispatched_at, WorkOrder.dispatched_by, WorkOrder.responded_at, WorkOrder.done_at,
                    WorkOrder.closed_at, WorkOrder.updated_at, WorkOrder.updated_by]
    n_closed = n_orders - n_open
    closed_moments = sorted(rng.uniform(t_start, t_now - 3 * 86400) for _ in range(n_closed))
    st_names = [s for s, _w in CLOSED_ORDER_STATUSES]
    st_w = [w for _s, w in CLOSED_ORDER_STATUSES]
    for at in closed_moments:
        sla_class, text = rng.choice(demo.ORDER_MIX)
        unit = rng.choice(unit_ids)
        # A third of the orders came from a call: any call near that moment stands in for it.
        call_id = rng.randrange(1, n_calls) if rng.random() < 0.33 else None
        at_s = _ts(at)
        done = _ts(at + rng.uniform(1800, 3 * 86400))
        rows.append((at_s, rng.choice(desk_ids), call_id, unit, sla_class, text, demo.DEPT_OF[sla_class], "张师傅",
                     rng.choices(st_names, weights=st_w)[0], at_s, _ts(at + 3600), _ts(at + 86400),
                     _ts(at + 600), staff["R1"].id, _ts(at + 1800), done, done, done, staff["R1"].id))
    with conn.atomic():
        bulk(WorkOrder, order_fields, rows)
    rows = []
    # Open orders: ages chosen (like the demo) so some are overdue, some about to breach, most in hand.
    open_specs = []
    o_names = [s for s, _w in OPEN_ORDER_STATUSES]
    o_w = [w for _s, w in OPEN_ORDER_STATUSES]
    for i in range(n_open):
        sla_class, text = demo.ORDER_MIX[i % len(demo.ORDER_MIX)]
        age = 60 * rng.choice([3, 7, 9, 20, 45, 90, 200, 400, 900, 1500, 3000, 5000, 9000, 20000])
        created = now - timedelta(seconds=age)
        respond_due, resolve_due = engine.deadlines(sla_class, created)
        status = rng.choices(o_names, weights=o_w)[0]
        dispatched = _ts(created.timestamp() + age * 0.2) if status != "logged" else None
        responded = _ts(created.timestamp() + age * 0.4) if status in ("on_site", "done") else None
        done = _ts(created.timestamp() + age * 0.6) if status == "done" else None
        c = _ts(created.timestamp())
        rows.append((c, rng.choice(desk_ids), None, rng.choice(unit_ids), sla_class, text, demo.DEPT_OF[sla_class],
                     rng.choice(["张师傅", "Li Gong", "刘工", ""]) if dispatched else "", status, c,
                     respond_due, resolve_due, dispatched, staff["R1"].id if dispatched else None, responded, done,
                     None, c, staff["R1"].id))
        open_specs.append((c, sla_class, status))
    with conn.atomic():
        bulk(WorkOrder, order_fields, rows)
    rows = []
    first_open = n_closed + 1
    timings["orders"] = time.monotonic() - t0

    # --- keys -------------------------------------------------------------------------------
    t0 = time.monotonic()
    key_rows = []
    for i in range(n_keys):
        if i < len(demo.KEY_SET):
            tag, label, kind, hook = demo.KEY_SET[i]
            unit = None
        else:
            unit = unit_ids[i % len(unit_ids)]
            tag, label, kind, hook = (f"U-{i:04d}", f"{unit_code[unit]} 备用钥匙 spare #{i}", "unit_spare",
                                      f"H{i:04d}")
        step = n_keys // n_out
        out = i % step == 3 and i // step < n_out
        key_rows.append((tag, label, label, kind, unit, hook, "out" if out else "board"))
    with conn.atomic():
        bulk(Key, [Key.tag, Key.label, Key.opens, Key.kind, Key.unit, Key.hook, Key.status], key_rows)
    key_ids = {k.tag: k.id for k in Key.select(Key.id, Key.tag)}
    loan_fields = [KeyLoan.key, KeyLoan.issued_at, KeyLoan.issued_by, KeyLoan.holder_kind, KeyLoan.holder_name,
                   KeyLoan.holder_company, KeyLoan.purpose, KeyLoan.due_at, KeyLoan.authorised_by,
                   KeyLoan.returned_at, KeyLoan.received_by, KeyLoan.condition]
    loans = []
    # History: ten returned loans a key on average.
    for _ in range(n_keys * 10):
        key_id = rng.randrange(1, n_keys + 1)
        at = rng.uniform(t_start, t_now - 86400)
        loans.append((key_id, _ts(at), rng.choice(desk_ids), "contractor", demo._name(rng), "美的空调维修", "维修 repair",
                      _ts(at + 7200), staff["S1"].id, _ts(at + 5400), rng.choice(desk_ids), "fine"))
    out_loans = []
    for tag, *_rest, status in key_rows:
        if status == "out":
            at = t_now - 60 * rng.choice([30, 90, 200, 400, 700])
            due = at + 3600 * rng.choice([1, 2, 8])
            out_loans.append(key_ids[tag])
            loans.append((key_ids[tag], _ts(at), staff["G1"].id, "contractor", demo._name(rng), "Fix-It", "维修 repair",
                          _ts(due), staff["S1"].id, None, None, ""))
    loans.sort(key=lambda r: r[1])
    with conn.atomic():
        bulk(KeyLoan, loan_fields, loans)
    timings["keys"] = time.monotonic() - t0

    # --- shift log ----------------------------------------------------------------------------
    t0 = time.monotonic()
    log_moments = sorted(rng.uniform(t_start, t_now - 1800) for _ in range(n_log))
    shift_ids: dict[tuple, int] = {}
    shift_rows = []
    bounds_of = []
    for at in log_moments:
        kind, s_start, s_end = shifts.shift_bounds(config, datetime.fromtimestamp(at, timezone.utc))
        key = (kind, _ts(s_start.timestamp()))
        bounds_of.append(key)
        if key not in shift_ids:
            shift_ids[key] = len(shift_rows) + 1
            holder = rng.choice(desk_ids)
            shift_rows.append((kind, key[1], _ts(s_end.timestamp()), holder, holder, key[1]))
    # The shift going on now is opened by the first console that signs on (none is made here).
    with conn.atomic():
        bulk(Shift, [Shift.kind, Shift.starts_at, Shift.ends_at, Shift.opened_by, Shift.holder, Shift.held_since],
             shift_rows)
    real_ids = {(s.kind, db.UTCDateTimeField().db_value(s.starts_at)): s.id for s in Shift.select()}
    log_texts = [("note", "夜班巡逻正常 Night patrol normal"), ("patrol", "2栋地下车库积水 standing water, B2"),
                 ("incident", "1-1203 跑水,已关总阀"), ("instruction", "明早8点前联系电梯公司 call the lift company"),
                 ("note", "快递柜故障 parcel locker fault"), ("patrol", "消防通道畅通 fire exits clear")]
    log_rows = []
    open_log = []
    for i, at in enumerate(log_moments):
        kind, text = rng.choice(log_texts)
        at_s = _ts(at)
        carried = kind in shifts.CARRIED_KINDS
        still_open = carried and at > t_now - 2 * 86400 and len(open_log) < 10
        done_at = _ts(at + 3600) if carried and not still_open else None
        if still_open:
            open_log.append((i + 1, at_s, kind))
        log_rows.append((real_ids[bounds_of[i]], at_s, rng.choice(desk_ids), kind, text,
                         rng.choice(unit_ids) if rng.random() < 0.3 else None, done_at,
                         rng.choice(desk_ids) if done_at else None))
    with conn.atomic():
        bulk(ShiftLogEntry, [ShiftLogEntry.shift, ShiftLogEntry.at, ShiftLogEntry.author, ShiftLogEntry.kind,
                             ShiftLogEntry.text, ShiftLogEntry.unit, ShiftLogEntry.done_at, ShiftLogEntry.done_by],
             log_rows)
    timings["log"] = time.monotonic() - t0

    # --- the audit trail of the open records -------------------------------------------------
    t0 = time.monotonic()
    with conn.atomic():
        chain = Chain()
        for i, at_s, category in open_calls:
            chain.add(at_s, None, "call.add", "call", i + 1, after={"category": category, "status": "open"},
                      bench="bulk")
        for n, (c, sla_class, status) in enumerate(open_specs):
            chain.add(c, None, "order.create", "work_order", first_open + n, after={"class": sla_class,
                      "status": status}, bench="bulk")
        for key_id in out_loans:
            chain.add(_ts(t_now - 3600), staff["G1"].id, "key.issue", "key", key_id, bench="bulk")
        for entry_id, at_s, kind in open_log:
            chain.add(at_s, None, "log.add", "shift_log", entry_id, after={"kind": kind}, bench="bulk")
        chain.add(_ts(t_now), None, "bench.generate", "bench", None, scale=scale, calls=n_calls, orders=n_orders)
        chain.write()
        SchemaMeta.insert(key=META_KEY, value=json.dumps({"scale": scale, "generated_at": t_now})).execute()
    timings["audit"] = time.monotonic() - t0
    # The bulk rows were written past the desk functions, so past the search index: build it now.
    t0 = time.monotonic()
    with conn.atomic():
        search_index.rebuild()
    timings["search_index"] = time.monotonic() - t0
    t0 = time.monotonic()
    conn.execute_sql("PRAGMA synchronous = NORMAL")
    conn.execute_sql("ANALYZE")
    conn.execute_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    timings["analyze"] = time.monotonic() - t0
    db.close()
    return {"calls": n_calls, "orders": n_orders, "open_orders": n_open, "keys": n_keys, "keys_out": len(out_loans),
            "log": n_log, "open_calls": len(open_calls), "open_log": len(open_log),
            "seconds": {k: round(v, 1) for k, v in timings.items()}}


def default_path(scale: float) -> Path:
    return DATA / f"bench-{scale:g}.db"


def cached_age(path: Path) -> float | None:
    """Seconds since the cached database was made, or None when there is none (or it is unfinished)."""
    if not path.exists():
        return None
    import sqlite3
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        row = conn.execute("SELECT value FROM schema_meta WHERE key = ?", (META_KEY,)).fetchone()
        indexes = {name for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}
        conn.close()
    except sqlite3.Error:
        return None
    if row is None:
        return None
    if not model_indexes() <= indexes:
        # Made before an index was added to the models: its query plans are not the program's.
        return None
    return time.time() - json.loads(row[0])["generated_at"]


def model_indexes() -> set[str]:
    """The names of the indexes deskconsole's models create (on a fresh database)."""
    from deskconsole import db
    return {index._name for model in db.MODELS for index in model._meta.fields_to_index()}


def ensure(scale: float = 1.0, *, max_age: float | None = None, force: bool = False, path: Path | None = None,
           quiet: bool = False, history: float = 1.0) -> Path:
    path = path or default_path(scale)
    age = cached_age(path)
    if not force and age is not None and (max_age is None or age <= max_age):
        if not quiet:
            print(f"cached: {path} (made {age / 3600:.1f} h ago)", file=sys.stderr)
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    t0 = time.monotonic()
    counts = generate(path, scale, datetime.now(timezone.utc), history=history)
    if not quiet:
        print(f"made {path} in {time.monotonic() - t0:.0f} s: {counts}", file=sys.stderr)
    return path


def thin_open_calls(path: Path, history: float) -> int:
    """A file made before the open calls were divided by `history` (above): close, through the desk
    functions (audited, as a desk would), all but one in `history` of its open calls, the emergencies and
    the newest call kept. Returns how many were closed."""
    from deskconsole import calls
    db.connect(f"sqlite:///{path}", migrate_schema=False)
    try:
        actor, now, keep_every = people.find("R1"), datetime.now(timezone.utc), max(1, round(history))
        open_calls = (Call.select(Call.id, Call.category).where(Call.status == "open", Call.category != "emergency")
                      .order_by(Call.id))
        closed = 0
        for n, call in enumerate(open_calls):
            if n % keep_every == 0:
                continue
            if call.category == "inquiry":
                calls.answer_inquiry(actor, now, call.id, answer="answered (bench: thinned)")
            elif call.category == "message":
                calls.deliver_message(actor, now, call.id, note="bench: thinned")
            else:
                calls.close(actor, now, call.id, note="bench: thinned")
            closed += 1
        return closed
    finally:
        db.close()


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=float, default=1.0, help="size factor (1.0 = full size; 0.01 to try)")
    parser.add_argument("--out", type=Path, help="database file (default bench/.data/bench-SCALE.db)")
    parser.add_argument("--force", action="store_true", help="make it even when a cached one exists")
    parser.add_argument("--max-age", type=float, default=None, help="hours: make it again when older")
    parser.add_argument("--history", type=float, default=1.0,
                        help="times as much past (calls, closed orders, log), the live part as --scale makes it "
                             "(3 and 10: the growth figures)")
    parser.add_argument("--thin-open-calls", type=Path, metavar="FILE",
                        help="a file made with --history before its open calls were divided by it: close the "
                             "extra ones (through the desk functions) and exit")
    args = parser.parse_args(argv)
    if args.thin_open_calls:
        print(f"{thin_open_calls(args.thin_open_calls, args.history)} open calls closed")
        return 0
    if args.history != 1.0 and args.out is None:
        args.out = DATA / f"bench-{args.scale:g}-h{args.history:g}.db"
    path = ensure(args.scale, max_age=None if args.max_age is None else args.max_age * 3600, force=args.force,
                  path=args.out, history=args.history)
    print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
