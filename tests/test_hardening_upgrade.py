"""Upgrades (issue 7): a database made by an earlier released schema is migrated in place on first
start, with a backup taken first, and nothing is lost. The real steps run from version 1 (issue 14's
step 2: unit vacancy and notes, one-time PINs, technicians); the machinery is also exercised with a
pretend next version (a step that adds a column, and one that fails half-way)."""
from __future__ import annotations

import sqlite3
from pathlib import Path

from conftest import NOW

from deskconsole import audit, cli, db, people, site_setup, units

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
    assert conn.execute("SELECT count(*) FROM audit_event").fetchone()[0] == rows["events"]
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
    assert conn.execute("SELECT count(*) FROM audit_event").fetchone()[0] == rows["events"]
    conn.close()
    assert (tmp_path / "desk.db.v1.bak").exists()
