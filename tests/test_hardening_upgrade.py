"""Upgrades (issue 7): a database made by the previous released schema is migrated in place on first
start, with a backup taken first, and nothing is lost. The steps this program has run on a version 1
database, and then one more is exercised by pretending this program is a version later (a step that
adds a column). Version 2 builds the search index (issue 19)."""
from __future__ import annotations

import sqlite3
from pathlib import Path

from conftest import NOW, make_config

from deskconsole import audit, calls, cli, db, keys, people, search, search_index, shifts

FIXTURES = Path(__file__).parent / "fixtures"


def _v1_database(path: Path) -> dict:
    """schema_v1.sql as released, with a few rows written by the desk functions of that version."""
    conn = sqlite3.connect(path)
    conn.executescript((FIXTURES / "schema_v1.sql").read_text())
    conn.close()
    config = make_config(path)
    db.connect(config.db_url, migrate_schema=False)   # the desk functions of that version: no index
    assert db.schema_version() == 1
    db.Unit.create(code="1-1203", building="1", floor=12)
    s1 = people.create_first_supervisor(NOW, code="S1", name="陈静 Chen Jing", pin="0000")
    call_id = calls.add_call(s1, NOW, category="repair", channel="phone", caller="王[b]小明", unit_code="1-1203",
                             text="厨房水龙头漏水")
    entry_id = shifts.add_entry(s1, config, NOW, kind="note", text="夜班巡逻正常")
    keys.save_key(s1, NOW, tag="PR-01", label="水泵房 Pump room", kind="plant_room")
    rows = {"call": call_id, "entry": entry_id, "events": db.AuditEvent.select().count()}
    db.database.execute_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()
    return rows


def test_a_v1_database_is_migrated_in_place_on_first_start_after_a_backup(tmp_path, monkeypatch, capsys):
    path = tmp_path / "desk.db"
    rows = _v1_database(path)

    def next_step(database):
        database.execute_sql("ALTER TABLE \"call\" ADD COLUMN \"language\" VARCHAR(8) NOT NULL DEFAULT 'zh'")

    latest = db.SCHEMA_VERSION + 1
    monkeypatch.setattr(db, "SCHEMA_VERSION", latest)
    monkeypatch.setitem(db.MIGRATIONS, latest, next_step)
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
    assert conn.execute("SELECT value FROM schema_meta WHERE key = 'schema_version'").fetchone() == (str(latest),)
    assert conn.execute("SELECT caller, text, language FROM call WHERE id = ?", (rows["call"],)).fetchone() == \
        ("王[b]小明", "厨房水龙头漏水", "zh")
    assert conn.execute("SELECT text FROM shift_log_entry WHERE id = ?", (rows["entry"],)).fetchone() == \
        ("夜班巡逻正常",)
    assert conn.execute("SELECT tag FROM key").fetchall() == [("PR-01",)]
    assert conn.execute("SELECT count(*) FROM audit_event").fetchone()[0] == rows["events"]
    conn.close()

    # The migrated database passes check (as the latest version), and so does the backup as version 1.
    assert cli.main(["check", "--db", str(path)]) == 0
    assert "check: ok" in capsys.readouterr().out
    db.connect("sqlite:///" + str(path), migrate_schema=False)
    assert audit.verify_chain() == []
    db.close()
    # A second start runs no step and takes no second backup.
    backup.unlink()
    assert cli.main(["export", "--db", str(path)]) == 0
    assert not backup.exists()


def test_a_failed_step_leaves_the_database_as_it_was(tmp_path, monkeypatch, capsys):
    path = tmp_path / "desk.db"
    rows = _v1_database(path)

    def step_2(database):
        database.execute_sql("ALTER TABLE \"call\" ADD COLUMN \"language\" VARCHAR(8) DEFAULT 'zh'")
        raise db.pw.OperationalError("the step went wrong half-way")

    monkeypatch.setitem(db.MIGRATIONS, 2, step_2)   # the first step from version 1 fails
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


def test_the_upgrade_to_2_indexes_every_record_already_written(tmp_path):
    path = tmp_path / "desk.db"
    rows = _v1_database(path)
    told = []
    db.connect("sqlite:///" + str(path), progress=lambda done, total: told.append((done, total)))
    assert db.schema_version() == db.SCHEMA_VERSION
    assert (tmp_path / "desk.db.v1.bak").exists()
    assert told[0][0] == 0 and told[-1][0] == told[-1][1] > 0
    assert [(h.kind, h.id) for h in search.search("漏水")] == [("call", rows["call"])]
    assert [(h.kind, h.id) for h in search.search("巡逻")] == [("log", rows["entry"])]
    assert [h.kind for h in search.search("水泵")] == ["key"]
    assert search_index.verify() == []
    # Writes from now on are indexed as they commit.
    s1 = people.find("S1")
    call_id = calls.add_call(s1, NOW, category="repair", channel="phone", unit_code="1-1203", text="阳台跑水")
    assert [(h.kind, h.id) for h in search.search("跑水")] == [("call", call_id)]
