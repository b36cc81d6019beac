"""connect(), the pragmas, the schema version and migrations, file permissions, backup and check."""
from __future__ import annotations

import sqlite3
import stat
from pathlib import Path

import pytest

from deskconsole import db

FIXTURES = Path(__file__).parent / "fixtures"


def _schema(path: Path) -> dict[str, str]:
    conn = sqlite3.connect(path)
    try:
        return {name: sql for name, sql in conn.execute(
            "SELECT name, sql FROM sqlite_master WHERE type IN ('table', 'index') AND sql IS NOT NULL")}
    finally:
        conn.close()


@pytest.mark.sqlite_only("SQLite's pragmas")
def test_connect_applies_the_pragmas(empty_site):
    pragma = lambda name: db.database.execute_sql(f"PRAGMA {name}").fetchone()[0]  # noqa: E731
    assert pragma("journal_mode") == "wal"
    assert pragma("busy_timeout") == 10_000
    assert pragma("foreign_keys") == 1
    assert pragma("synchronous") == 1  # NORMAL
    assert db.database.obj._lock_type == "IMMEDIATE"


@pytest.mark.sqlite_only("SQLite's BEGIN IMMEDIATE; PostgreSQL's write lock is tested in test_postgres.py")
def test_write_transactions_begin_immediate(empty_site, tmp_path):
    """While one console is inside a write transaction, another cannot start one: IMMEDIATE takes the lock."""
    path = db.sqlite_path(empty_site.db_url)
    with db.database.atomic():
        db.SchemaMeta.create(key="probe", value="1")
        other = sqlite3.connect(path, timeout=0.1)
        with pytest.raises(sqlite3.OperationalError, match="locked"):
            other.execute("BEGIN IMMEDIATE")
        other.close()


@pytest.mark.sqlite_only("reads sqlite_master")
def test_indexes_for_the_panes_exist(empty_site):
    names = set(_schema(db.sqlite_path(empty_site.db_url)))
    for index in ("call_received_at", "call_phone", "call_category_status", "work_order_status_resolve_due_at",
                  "key_status", "key_loan_key_id_returned_at", "audit_event_entity_entity_id", "shift_log_entry_at"):
        assert index in names


@pytest.mark.sqlite_only("the SQLite file's mode")
def test_new_database_is_latest_version_and_group_only(empty_site):
    assert db.schema_version() == db.SCHEMA_VERSION
    mode = stat.S_IMODE(db.sqlite_path(empty_site.db_url).stat().st_mode)
    assert mode & 0o007 == 0, oct(mode)       # no world access
    assert mode & 0o060 == 0o060, oct(mode)   # the desk's group reads and writes


def test_previous_version_fixture_migrates_to_the_same_schema_as_a_fresh_one(tmp_path):
    old = tmp_path / "old.db"
    conn = sqlite3.connect(old)
    conn.executescript((FIXTURES / f"schema_v{db.SCHEMA_VERSION}.sql").read_text())
    conn.close()
    db.connect("sqlite:///" + str(old))
    assert db.schema_version() == db.SCHEMA_VERSION
    db.close()
    fresh = tmp_path / "fresh.db"
    db.connect("sqlite:///" + str(fresh))
    db.close()
    assert _schema(old) == _schema(fresh)


@pytest.mark.sqlite_only("the copy of the SQLite file made before a migration")
def test_a_migration_step_runs_once_after_a_backup(empty_site, monkeypatch):
    ran = []

    def step_2(database):
        database.execute_sql('ALTER TABLE "unit" ADD COLUMN "note" TEXT DEFAULT \'\'')
        ran.append(2)

    monkeypatch.setitem(db.MIGRATIONS, 2, step_2)
    assert db.migrate(db.database.obj, empty_site.db_url, target=2) == [2]
    assert db.schema_version() == 2
    assert db.migrate(db.database.obj, empty_site.db_url, target=2) == []
    assert ran == [2]
    backup = db.sqlite_path(empty_site.db_url).with_name("desk.db.v1.bak")
    assert backup.exists()
    assert "note" not in _schema(backup)["unit"]


def test_a_database_newer_than_the_program_is_refused(empty_site):
    db.SchemaMeta.update(value=str(db.SCHEMA_VERSION + 1)).execute()
    with pytest.raises(db.SchemaError, match="upgrade deskconsole"):
        db.migrate(db.database.obj)


def test_a_foreign_database_is_refused(tmp_path):
    path = tmp_path / "other.db"
    sqlite3.connect(path).execute("CREATE TABLE accounts (id INTEGER)").connection.commit()
    with pytest.raises(db.SchemaError, match="not made by deskconsole"):
        db.connect("sqlite:///" + str(path))


@pytest.mark.sqlite_only("SQLite's online backup; pg_dump is tested in test_postgres.py")
def test_backup_is_a_consistent_database(demo_site, tmp_path):
    dest = tmp_path / "copy.db"
    db.backup(dest)
    conn = sqlite3.connect(dest)
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert conn.execute("SELECT count(*) FROM call").fetchone()[0] == db.Call.select().count()
    conn.close()


def test_integrity_problems_is_empty_for_a_good_database(demo_site):
    assert db.integrity_problems() == []
