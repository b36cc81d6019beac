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


@pytest.mark.sqlite_only("the SQLite writers' line (PostgreSQL queues writers on its advisory lock)")
def test_writers_wait_in_line_for_the_one_writing(demo_site):
    """Issue 21: a writer waits on the line's flock (woken the moment it is free), not in SQLite's busy
    handler (which polls, and let one save wait 4.7 s among 20 writers)."""
    import fcntl
    import os
    import threading
    from datetime import datetime, timezone

    from deskconsole import calls, people
    path = db.sqlite_path(demo_site.db_url)
    r1 = people.find("R1")
    other = os.open(f"{path}-writers", os.O_RDONLY | os.O_CREAT)   # another process's place in the line
    fcntl.flock(other, fcntl.LOCK_EX)
    saved: list[int] = []
    writer = threading.Thread(target=lambda: saved.append(calls.add_call(
        r1, datetime.now(timezone.utc), category="other", channel="phone", text="王[b]小明 [/x]")))
    try:
        writer.start()
        writer.join(0.5)
        assert writer.is_alive() and not saved          # waiting its turn
    finally:
        fcntl.flock(other, fcntl.LOCK_UN)
        os.close(other)
    writer.join(10)
    assert len(saved) == 1 and db.Call.get_by_id(saved[0]).text == "王[b]小明 [/x]"


def test_indexes_for_the_panes_exist(empty_site):
    names = {index.name for model in db.MODELS for index in db.database.get_indexes(model._meta.table_name)}
    for index in ("call_received_at", "call_phone", "call_category_status", "work_order_status_resolve_due_at",
                  "key_status", "key_loan_key_id_returned_at", "audit_event_entity_entity_id", "shift_log_entry_at"):
        assert index in names


def test_a_new_database_is_of_the_latest_version(empty_site):
    assert db.schema_version() == db.SCHEMA_VERSION


@pytest.mark.sqlite_only("the SQLite file's mode")
def test_a_new_database_file_is_group_only(empty_site):
    mode = stat.S_IMODE(db.sqlite_path(empty_site.db_url).stat().st_mode)
    assert mode & 0o007 == 0, oct(mode)       # no world access
    assert mode & 0o060 == 0o060, oct(mode)   # the desk's group reads and writes


def _columns_and_indexes(path: Path) -> dict:
    """Each table's columns (name, type, not null, primary key) and each index's SQL. A column added
    by ALTER TABLE lands at the end of the table's stored SQL text, after its constraints, and needs
    a DEFAULT where it is NOT NULL: the text differs from a fresh table's, what it holds does not."""
    conn = sqlite3.connect(path)
    try:
        found = {}
        for name, kind, sql in conn.execute("SELECT name, type, sql FROM sqlite_master WHERE sql IS NOT NULL"):
            if kind == "index":
                found[name] = sql
            else:
                found[name] = [(c[1], c[2], c[3], c[5]) for c in conn.execute(f'PRAGMA table_info("{name}")')]
                found[name + " foreign keys"] = sorted(
                    (f[2], f[3], f[4]) for f in conn.execute(f'PRAGMA foreign_key_list("{name}")'))
        return found
    finally:
        conn.close()


@pytest.mark.parametrize("version", range(1, db.SCHEMA_VERSION + 1))
def test_every_released_schema_migrates_to_what_a_fresh_one_holds(tmp_path, version):
    old = tmp_path / "old.db"
    conn = sqlite3.connect(old)
    conn.executescript((FIXTURES / f"schema_v{version}.sql").read_text())
    conn.close()
    db.connect("sqlite:///" + str(old))
    assert db.schema_version() == db.SCHEMA_VERSION
    db.close()
    fresh = tmp_path / "fresh.db"
    db.connect("sqlite:///" + str(fresh))
    db.close()
    assert _columns_and_indexes(old) == _columns_and_indexes(fresh)
    if version == db.SCHEMA_VERSION:   # the fixture of this version is the fresh schema, to the letter
        assert _schema(old) == _schema(fresh)
    else:                              # an older one was copied aside before it was migrated
        assert (tmp_path / f"old.db.v{version}.bak").exists()


@pytest.mark.sqlite_only("the copy of the SQLite file made before a migration")
def test_a_migration_step_runs_once_after_a_backup(empty_site, monkeypatch):
    ran = []
    nxt = db.SCHEMA_VERSION + 1

    def step(database):
        database.execute_sql('ALTER TABLE "unit" ADD COLUMN "note" TEXT DEFAULT \'\'')
        ran.append(nxt)

    monkeypatch.setitem(db.MIGRATIONS, nxt, step)
    assert db.migrate(db.database.obj, empty_site.db_url, target=nxt) == [nxt]
    assert db.schema_version() == nxt
    assert db.migrate(db.database.obj, empty_site.db_url, target=nxt) == []
    assert ran == [nxt]
    backup = db.sqlite_path(empty_site.db_url).with_name(f"desk.db.v{db.SCHEMA_VERSION}.bak")
    assert backup.exists()
    assert '"note"' not in _schema(backup)["unit"]


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




def test_a_sqlite_console_loads_neither_psycopg_nor_every_countrys_holidays(tmp_path):
    """Issue 21, a console's memory: psycopg with libpq (16 MB) is for PostgreSQL only, and the
    holiday package's ~280 other countries (7 MB) are not loaded to find China's."""
    import subprocess
    import sys
    probe = (
        "import sys\n"
        "from deskconsole import db, sla\n"
        "from deskconsole.config import Config\n"
        f"config = Config(db_url='sqlite:///{tmp_path / 'desk.db'}')\n"
        "db.connect(config.db_url)\n"
        "engine = config.sla_engine()\n"
        "assert engine.calendar.is_working_day(__import__('datetime').date(2026, 10, 1)) is False\n"
        "print('psycopg' in sys.modules, sum(m.startswith('holidays.countries.') for m in sys.modules))\n")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout.split()
    assert out[0] == "False" and int(out[1]) <= 3, out
