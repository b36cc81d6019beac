"""Upgrades (issue 7): a database made by the previous released schema is migrated in place on first
start, with a backup taken first, and nothing is lost. Schema 2 (issue 18) is the first real step: it
adds columns and a table, and judges the orders written before it by the new rules (their first
round, a retroactive extension's breach), read from their audit trail."""
from __future__ import annotations

import sqlite3
from datetime import date, datetime, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

from conftest import NOW, make_config

from deskconsole import audit, calls, cli, db, keys, people, reports, shifts

FIXTURES = Path(__file__).parent / "fixtures"
SH = ZoneInfo("Asia/Shanghai")
_TIME = db.UTCDateTimeField()


def sh(mo, d, h=0, mi=0):
    return datetime(2026, mo, d, h, mi, tzinfo=SH).astimezone(timezone.utc)


def _v1_order(s1, **fields) -> int:
    """A work order as schema 1 stored it (the models of this program have columns it lacks)."""
    row = dict(created_at=None, created_by_id=s1.id, call_id=None, unit_id=None, location="", sla_class="",
               description="漏水", department="engineering", assignee="", status="logged", chargeable=0,
               fee_agreed=None, clock_started_at=None, respond_due_at=None, resolve_due_at=None,
               dispatched_at=None, dispatched_by_id=None, booked_visit_at=None, responded_at=None, done_at=None,
               closed_at=None, updated_at=None, updated_by_id=s1.id, resolve_started_at=None, work_done="",
               materials="", hours=None, fee=None, callback_at=None, callback_by_id=None, satisfied=None,
               reopen_count=0, pending="", pending_at=None, pending_by_id=None, pending_reason="",
               pending_until=None, pending_owner_caused=0, pending_owner_consent=0,
               pending_first_approval_id=None, extension_count=0, end_reason="", signed_off_by_id=None) | fields
    row = {k: _TIME.db_value(v) if isinstance(v, datetime) else v for k, v in row.items()}
    cursor = db.database.execute_sql(
        f'INSERT INTO "work_order" ({", ".join(row)}) VALUES ({", ".join("?" * len(row))})', list(row.values()))
    return cursor.lastrowid


def _v1_database(path: Path) -> dict:
    """schema_v1.sql as released, with a few rows written as the desk functions of that version did."""
    conn = sqlite3.connect(path)
    conn.executescript((FIXTURES / "schema_v1.sql").read_text())
    conn.close()
    config = make_config(path)
    db.connect(config.db_url, migrate_schema=False)
    assert db.schema_version() == 1
    unit = db.Unit.create(code="1-1203", building="1", floor=12)
    s1 = people.create_first_supervisor(NOW, code="S1", name="陈静 Chen Jing", pin="0000")
    call_id = calls.add_call(s1, NOW, category="repair", channel="phone", caller="王[b]小明", unit_code="1-1203",
                             text="厨房水龙头漏水")
    entry_id = shifts.add_entry(s1, config, NOW, kind="note", text="夜班巡逻正常")
    keys.save_key(s1, NOW, tag="PR-01", label="水泵房 Pump room", kind="plant_room")
    with db.database.atomic():
        # A blocked drain done a day late, reopened after the call-back and redone in time: schema 1
        # kept the late completion in done_at and judged the order on its last round.
        late = _v1_order(s1, created_at=sh(9, 7, 10), unit_id=unit.id, sla_class="urgent_repair",
                         status="reopened", clock_started_at=sh(9, 7, 10), respond_due_at=sh(9, 7, 10, 30),
                         responded_at=sh(9, 7, 10, 20), resolve_due_at=sh(9, 10, 14), resolve_started_at=sh(9, 9, 14),
                         done_at=sh(9, 9, 10), updated_at=sh(9, 9, 14), callback_at=sh(9, 9, 14), satisfied=0,
                         reopen_count=1)
        audit.record(s1, "order.create", "work_order", late, sh(9, 7, 10), after={"class": "urgent_repair"})
        audit.record(s1, "order.complete", "work_order", late, sh(9, 9, 10), after={"status": "done"})
        audit.record(s1, "order.callback", "work_order", late, sh(9, 9, 14), satisfied=False, note="还在漏",
                     old_resolve_due_at=sh(9, 8, 10), after={"status": "reopened"})
        # A general repair whose extension was asked the day after its deadline, then approved.
        extended = _v1_order(s1, created_at=sh(9, 7, 10), unit_id=unit.id, sla_class="general_repair", status="done",
                             clock_started_at=sh(9, 7, 10), resolve_due_at=sh(9, 18, 17), responded_at=sh(9, 14, 10),
                             done_at=sh(9, 15, 10), updated_at=sh(9, 15, 10), extension_count=1)
        audit.record(s1, "order.create", "work_order", extended, sh(9, 7, 10), after={"class": "general_repair"})
        audit.record(s1, "order.extend.request", "work_order", extended, sh(9, 11, 9), until=sh(9, 18, 17),
                     current_due_at=sh(9, 10, 10), reason="忘了申请")
        audit.record(s1, "order.extend.approve", "work_order", extended, sh(9, 11, 10), complete=True,
                     signed_as="supervisor", before={"resolve_due_at": sh(9, 10, 10)},
                     after={"resolve_due_at": sh(9, 18, 17)})
        audit.record(s1, "order.complete", "work_order", extended, sh(9, 15, 10), after={"status": "done"})
    rows = {"call": call_id, "entry": entry_id, "events": db.AuditEvent.select().count(),
            "late": late, "extended": extended}
    db.database.execute_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()
    return rows


def test_a_v1_database_is_migrated_in_place_on_first_start_after_a_backup(tmp_path, capsys):
    path = tmp_path / "desk.db"
    rows = _v1_database(path)
    # First start of the new program: any command that opens the database, here `export`.
    assert cli.main(["export", "--db", str(path)]) == 0
    capsys.readouterr()

    backup = tmp_path / "desk.db.v1.bak"
    assert backup.exists()
    conn = sqlite3.connect(backup)
    assert conn.execute("SELECT value FROM schema_meta WHERE key = 'schema_version'").fetchone() == ("1",)
    assert "first_done_at" not in [c[1] for c in conn.execute("PRAGMA table_info(work_order)")]
    assert conn.execute("SELECT caller, text FROM call WHERE id = ?", (rows["call"],)).fetchone() == \
        ("王[b]小明", "厨房水龙头漏水")
    assert conn.execute("SELECT count(*) FROM audit_event").fetchone()[0] == rows["events"]
    conn.close()

    conn = sqlite3.connect(path)
    assert conn.execute("SELECT value FROM schema_meta WHERE key = 'schema_version'").fetchone() == ("2",)
    assert conn.execute("SELECT caller, text FROM call WHERE id = ?", (rows["call"],)).fetchone() == \
        ("王[b]小明", "厨房水龙头漏水")
    assert conn.execute("SELECT text FROM shift_log_entry WHERE id = ?", (rows["entry"],)).fetchone() == \
        ("夜班巡逻正常",)
    assert conn.execute("SELECT tag FROM key").fetchall() == [("PR-01",)]
    # The step says what it did in the audit trail: one event more.
    assert conn.execute("SELECT count(*) FROM audit_event").fetchone()[0] == rows["events"] + 1
    conn.close()

    # The migrated database passes check (as version 2), and so does the backup as version 1.
    assert cli.main(["check", "--db", str(path)]) == 0
    assert "check: ok" in capsys.readouterr().out
    db.connect("sqlite:///" + str(path), migrate_schema=False)
    assert audit.verify_chain() == []
    db.close()
    # A second start runs no step and takes no second backup.
    backup.unlink()
    assert cli.main(["export", "--db", str(path)]) == 0
    assert not backup.exists()


def test_the_orders_of_a_v1_database_are_judged_by_the_new_rules(tmp_path):
    path = tmp_path / "desk.db"
    rows = _v1_database(path)
    config = make_config(path)
    db.connect(config.db_url)
    late, extended = db.WorkOrder.get_by_id(rows["late"]), db.WorkOrder.get_by_id(rows["extended"])
    # The first round of the reopened order, from its audit trail; it is not done now.
    assert (late.first_done_at, late.first_resolve_due_at, late.done_at) == (sh(9, 9, 10), sh(9, 8, 10), None)
    assert late.first_responded_at == sh(9, 7, 10, 20)
    # The extension asked after the deadline keeps the breach.
    assert extended.breached_due_at == sh(9, 10, 10)
    report = reports.compute(config, config.sla_engine(), date(2026, 9, 1), date(2026, 9, 30), NOW)
    timely = report.figure("timeliness.rate")
    assert (timely.count, timely.total) == (0, 2)
    assert {r.id for r in report.figure("timeliness.overdue").records} == {rows["late"], rows["extended"]}


def test_a_failed_step_leaves_the_database_as_it_was(tmp_path, monkeypatch, capsys):
    path = tmp_path / "desk.db"
    rows = _v1_database(path)

    def step_2(database):
        database.execute_sql("ALTER TABLE \"call\" ADD COLUMN \"language\" VARCHAR(8) DEFAULT 'zh'")
        raise db.pw.OperationalError("the step went wrong half-way")

    monkeypatch.setitem(db.MIGRATIONS, 2, step_2)
    try:
        cli.main(["export", "--db", str(path)])
    except db.pw.OperationalError:
        pass
    capsys.readouterr()
    db.close()
    conn = sqlite3.connect(path)
    assert conn.execute("SELECT value FROM schema_meta WHERE key = 'schema_version'").fetchone() == ("1",)
    assert "language" not in [c[1] for c in conn.execute("PRAGMA table_info(call)")]
    assert conn.execute("SELECT count(*) FROM audit_event").fetchone()[0] == rows["events"]
    conn.close()
    assert (tmp_path / "desk.db.v1.bak").exists()
