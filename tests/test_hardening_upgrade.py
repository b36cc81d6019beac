"""Upgrades (issue 7): a database made by an earlier released schema is migrated in place on first
start, with a backup taken first, and nothing is lost. The real steps run from version 1 (issue 14's
step 2: unit vacancy and notes, one-time PINs, technicians); the machinery is also exercised with a
pretend next version (a step that adds a column, and one that fails half-way)."""
from __future__ import annotations

import sqlite3
from datetime import date, datetime, timezone
from pathlib import Path
from types import SimpleNamespace
from zoneinfo import ZoneInfo

from conftest import NOW, make_config

from deskconsole import audit, calls, cli, db, people, reports, search, search_index, site_setup, units

FIXTURES = Path(__file__).parent / "fixtures"
V1_PIN = "482913"


def _v1_database(path: Path) -> dict:
    """schema_v1.sql as released, with rows as version 1 wrote them: in plain SQL, since this program's
    models are of a later version, and with the audit chain `check` verifies."""
    conn = sqlite3.connect(path)
    conn.executescript((FIXTURES / "schema_v1.sql").read_text())
    at = "2026-11-24 14:00:00.000000"
    conn.execute("INSERT INTO unit (code, building, floor, owner_name, owner_phone, handed_over) VALUES "
                 "('1-1203', '1', 12, '王[b]小明', '13800001111', 1), ('2-1503', '2', 15, '', '', 0)")
    conn.execute("INSERT INTO staff (code, name, role, pin_hash, active, failed_attempts, created_at) VALUES "
                 "('S1', '陈静 Chen Jing', 'supervisor', ?, 1, 0, ?)", (people.hash_pin(V1_PIN), at))
    conn.execute("INSERT INTO call (received_at, channel, category, caller, unit_id, phone, text, taken_by_id, status, "
                 "answer, message_for, message_from, callback_number, void_reason, updated_at) VALUES "
                 "(?, 'phone', 'repair', '王[b]小明', 1, '13800001111', '厨房水龙头漏水', 1, 'open', '', '', '', '', '', ?)",
                 (at, at))
    conn.execute("INSERT INTO key (tag, label, opens, kind, unit_id, hook, copies, status) VALUES "
                 "('PR-01', '水泵房 Pump room', '', 'plant_room', NULL, '', 1, 'board')")
    conn.commit()
    conn.close()
    db.connect("sqlite:///" + str(path), migrate_schema=False)
    assert db.schema_version() == 1
    with db.database.atomic():
        audit.record(None, "staff.create", "staff", 1, NOW, after={"code": "S1"})
        audit.record(None, "call.add", "call", 1, NOW, after={"text": "厨房水龙头漏水"})
        # Version 1 wrote an event for every key too: `check` finds a record without one.
        audit.record(None, "key.create", "key", 1, NOW, after={"tag": "PR-01"})
    rows = {"call": 1, "events": db.AuditEvent.select().count()}
    db.database.execute_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()
    return rows


def test_the_real_steps_keep_everything_and_the_site_goes_live_after(tmp_path, capsys):
    path = tmp_path / "desk.db"
    rows = _v1_database(path)
    assert cli.main(["check", "--db", str(path)]) == 1        # version 1: check asks for the upgrade
    assert cli.main(["export", "--db", str(path)]) == 0       # first start of this program
    capsys.readouterr()
    assert (tmp_path / "desk.db.v1.bak").exists()
    db.connect("sqlite:///" + str(path))
    assert db.schema_version() == db.SCHEMA_VERSION
    by_code = {u.code: u for u in units.all_units()}
    assert (by_code["1-1203"].owner, by_code["1-1203"].phones, by_code["1-1203"].status, by_code["1-1203"].notes) \
        == ("王[b]小明", ("13800001111",), "occupied", "")
    assert by_code["2-1503"].status == "not_taken_over"
    s1 = people.verify("S1", V1_PIN, NOW)                      # the PIN chosen under version 1 still signs on
    assert not people.needs_own_pin(s1)
    assert db.Call.get_by_id(rows["call"]).text == "厨房水龙头漏水"
    assert db.Technician.select().count() == 0
    db.close()
    assert cli.main(["check", "--db", str(path)]) == 0
    # The upgraded site takes the set-up imports.
    csv = tmp_path / "technicians.csv"
    csv.write_text(site_setup.template("technicians"), "utf-8")
    assert cli.main(["technicians", "import", str(csv), "--db", str(path)]) == 0
    assert "3 technicians added" in capsys.readouterr().out


def test_a_v1_database_is_migrated_in_place_on_first_start_after_a_backup(tmp_path, monkeypatch, capsys):
    path = tmp_path / "desk.db"
    rows = _v1_database(path)
    pretend = db.SCHEMA_VERSION + 1

    def next_step(database):
        database.execute_sql("ALTER TABLE \"call\" ADD COLUMN \"language\" VARCHAR(8) NOT NULL DEFAULT 'zh'")

    monkeypatch.setattr(db, "SCHEMA_VERSION", pretend)
    monkeypatch.setitem(db.MIGRATIONS, pretend, next_step)
    # First start of the new program: any command that opens the database, here `export`.
    assert cli.main(["export", "--db", str(path)]) == 0
    capsys.readouterr()

    backup = tmp_path / "desk.db.v1.bak"
    assert backup.exists()
    conn = sqlite3.connect(backup)
    assert conn.execute("SELECT value FROM schema_meta WHERE key = 'schema_version'").fetchone() == ("1",)
    assert "language" not in [c[1] for c in conn.execute("PRAGMA table_info(call)")]
    assert conn.execute("SELECT caller, text FROM call WHERE id = ?", (rows["call"],)).fetchone() == \
        ("王[b]小明", "厨房水龙头漏水")
    assert conn.execute("SELECT count(*) FROM audit_event").fetchone()[0] == rows["events"]
    conn.close()

    conn = sqlite3.connect(path)
    assert conn.execute("SELECT value FROM schema_meta WHERE key = 'schema_version'").fetchone() == (str(pretend),)
    assert conn.execute("SELECT caller, text, language FROM call WHERE id = ?", (rows["call"],)).fetchone() == \
        ("王[b]小明", "厨房水龙头漏水", "zh")
    assert conn.execute("SELECT tag FROM key").fetchall() == [("PR-01",)]
    # Issue 18's step says in the audit trail that old months are judged by the new rules: one event more.
    assert conn.execute("SELECT count(*) FROM audit_event").fetchone()[0] == rows["events"] + 1
    conn.close()

    # The migrated database passes check (as the pretended version).
    assert cli.main(["check", "--db", str(path)]) == 0
    assert "check: ok" in capsys.readouterr().out
    db.connect("sqlite:///" + str(path), migrate_schema=False)
    assert audit.verify_chain() == []
    db.close()
    # A second start runs no step and takes no second backup.
    backup.unlink()
    assert cli.main(["export", "--db", str(path)]) == 0
    assert not backup.exists()


def test_a_failed_step_leaves_the_database_as_the_step_before_left_it(tmp_path, monkeypatch, capsys):
    path = tmp_path / "desk.db"
    rows = _v1_database(path)
    current, pretend = db.SCHEMA_VERSION, db.SCHEMA_VERSION + 1

    def next_step(database):
        database.execute_sql("ALTER TABLE \"call\" ADD COLUMN \"language\" VARCHAR(8) DEFAULT 'zh'")
        raise db.pw.OperationalError("the step went wrong half-way")

    monkeypatch.setattr(db, "SCHEMA_VERSION", pretend)
    monkeypatch.setitem(db.MIGRATIONS, pretend, next_step)
    try:
        cli.main(["export", "--db", str(path)])
    except db.pw.OperationalError:
        pass
    capsys.readouterr()
    db.close()
    conn = sqlite3.connect(path)
    # Each step is one transaction: the real ones before it stay, the failed one left nothing.
    assert conn.execute("SELECT value FROM schema_meta WHERE key = 'schema_version'").fetchone() == (str(current),)
    assert "language" not in [c[1] for c in conn.execute("PRAGMA table_info(call)")]
    # ... and the real steps' own event (issue 18's step says what it recomputed) stays.
    assert conn.execute("SELECT count(*) FROM audit_event").fetchone()[0] == rows["events"] + 1
    conn.close()
    assert (tmp_path / "desk.db.v1.bak").exists()


# --- issue 18's step: the orders written before it are judged by the new rules -----------------------

SH = ZoneInfo("Asia/Shanghai")
_TIME = db.UTCDateTimeField()


def sh(mo, d, h=0, mi=0):
    return datetime(2026, mo, d, h, mi, tzinfo=SH).astimezone(timezone.utc)


def _v1_order(**fields) -> int:
    """A work order as schema 1 stored it (the models of this program have columns it lacks)."""
    row = dict(created_at=None, created_by_id=1, call_id=None, unit_id=1, location="", sla_class="",
               description="漏水", department="engineering", assignee="", status="logged", chargeable=0,
               fee_agreed=None, clock_started_at=None, respond_due_at=None, resolve_due_at=None,
               dispatched_at=None, dispatched_by_id=None, booked_visit_at=None, responded_at=None, done_at=None,
               closed_at=None, updated_at=None, updated_by_id=1, resolve_started_at=None, work_done="",
               materials="", hours=None, fee=None, callback_at=None, callback_by_id=None, satisfied=None,
               reopen_count=0, pending="", pending_at=None, pending_by_id=None, pending_reason="",
               pending_until=None, pending_owner_caused=0, pending_owner_consent=0,
               pending_first_approval_id=None, extension_count=0, end_reason="", signed_off_by_id=None) | fields
    row = {k: _TIME.db_value(v) if isinstance(v, datetime) else v for k, v in row.items()}
    cursor = db.database.execute_sql(
        f'INSERT INTO "work_order" ({", ".join(row)}) VALUES ({", ".join("?" * len(row))})', list(row.values()))
    return cursor.lastrowid


def _v1_orders(path: Path) -> dict:
    """The version-1 database above, with two orders version 1 judged on time and the rules call late."""
    rows = _v1_database(path)
    db.connect("sqlite:///" + str(path), migrate_schema=False)
    s1 = SimpleNamespace(id=1)
    with db.database.atomic():
        # A blocked drain done a day late, reopened after the call-back and redone in time: schema 1
        # kept the late completion in done_at and judged the order on its last round.
        late = _v1_order(created_at=sh(9, 7, 10), sla_class="urgent_repair", status="reopened",
                         clock_started_at=sh(9, 7, 10), respond_due_at=sh(9, 7, 10, 30),
                         responded_at=sh(9, 7, 10, 20), resolve_due_at=sh(9, 10, 14), resolve_started_at=sh(9, 9, 14),
                         done_at=sh(9, 9, 10), updated_at=sh(9, 9, 14), callback_at=sh(9, 9, 14), satisfied=0,
                         reopen_count=1)
        audit.record(s1, "order.create", "work_order", late, sh(9, 7, 10), after={"class": "urgent_repair"})
        audit.record(s1, "order.complete", "work_order", late, sh(9, 9, 10), after={"status": "done"})
        audit.record(s1, "order.callback", "work_order", late, sh(9, 9, 14), satisfied=False, note="还在漏",
                     old_resolve_due_at=sh(9, 8, 10), after={"status": "reopened"})
        # A general repair whose extension was asked the day after its deadline, then approved.
        extended = _v1_order(created_at=sh(9, 7, 10), sla_class="general_repair", status="done",
                             clock_started_at=sh(9, 7, 10), resolve_due_at=sh(9, 18, 17), responded_at=sh(9, 14, 10),
                             done_at=sh(9, 15, 10), updated_at=sh(9, 15, 10), extension_count=1)
        audit.record(s1, "order.create", "work_order", extended, sh(9, 7, 10), after={"class": "general_repair"})
        audit.record(s1, "order.extend.request", "work_order", extended, sh(9, 11, 9), until=sh(9, 18, 17),
                     current_due_at=sh(9, 10, 10), reason="忘了申请")
        audit.record(s1, "order.extend.approve", "work_order", extended, sh(9, 11, 10), complete=True,
                     signed_as="supervisor", before={"resolve_due_at": sh(9, 10, 10)},
                     after={"resolve_due_at": sh(9, 18, 17)})
        audit.record(s1, "order.complete", "work_order", extended, sh(9, 15, 10), after={"status": "done"})
    db.database.execute_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()
    return rows | {"late": late, "extended": extended}


def test_the_orders_of_a_v1_database_are_judged_by_the_new_rules(tmp_path):
    path = tmp_path / "desk.db"
    rows = _v1_orders(path)
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
    db.close()


def test_the_upgrade_to_the_search_index_indexes_every_record_already_written(tmp_path):
    path = tmp_path / "desk.db"
    rows = _v1_database(path)
    told = []
    db.connect("sqlite:///" + str(path), progress=lambda done, total: told.append((done, total)))
    assert db.schema_version() == db.SCHEMA_VERSION
    assert (tmp_path / "desk.db.v1.bak").exists()
    assert told[0][0] == 0 and told[-1][0] == told[-1][1] > 0
    assert [(h.kind, h.id) for h in search.search("漏水")] == [("call", rows["call"])]
    assert [h.kind for h in search.search("水泵")] == ["key"]
    assert search_index.verify() == []
    # Writes from now on are indexed as they commit.
    s1 = people.find("S1")
    call_id = calls.add_call(s1, NOW, category="repair", channel="phone", unit_code="1-1203", text="阳台跑水")
    assert [(h.kind, h.id) for h in search.search("跑水")] == [("call", call_id)]
