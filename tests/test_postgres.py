"""PostgreSQL only (issue 22): what SQLite has no counterpart for, on the throwaway server of the run.

The desk-level tests run on PostgreSQL as well through the `db_engine` fixture (conftest.py); this file
holds the concurrent writers, the sites of one server, the connection failures and the restart.
"""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from conftest import make_config
from test_hardening_load import check_load, run_load

from deskconsole import audit, db

pytestmark = pytest.mark.postgres
ROOT = Path(__file__).parent.parent


def deskconsole(*args: str, env=None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "deskconsole", *args], capture_output=True, text=True,
                          timeout=120, cwd=ROOT, env=env)


@pytest.fixture
def pg_demo(pg_databases, pg_seeded):
    """A private copy of the demo site on the server (not connected)."""
    return make_config(pg_databases.url(pg_databases.new(template=pg_seeded)))


# --- the audit chain and the conditional writes under concurrent writers ---------------------------

def test_twenty_consoles_writing_at_once_on_postgresql(pg_demo, tmp_path):
    """The load of test_hardening_load on one PostgreSQL site: one audit chain (no event "does not follow
    the event before it"), one winner per race, every success stored, `deskconsole check` ok."""
    results, streams, _ = run_load(pg_demo, tmp_path)
    check_load(pg_demo, results, streams)
    db.connect(pg_demo.db_url, migrate_schema=False)
    assert audit.verify_chain() == []


# --- sites: one schema each, settings stored with the site -------------------------------------------

NORTH = 'site_name = "North Gardens 北园"\ntimezone = "Asia/Shanghai"\nlanguage = "en"\n'
SOUTH = 'site_name = "South Court 南苑"\ntimezone = "Asia/Shanghai"\nlanguage = "en"\n'


def test_the_site_is_named_in_the_url_and_a_password_is_never_shown():
    conninfo, schema = db.postgres_target("postgresql://desk:s3cret@db.example:5433/company?site=north&sslmode=require")
    assert schema == "north" and "site=" not in conninfo and conninfo.startswith("postgresql://desk:s3cret@db.example")
    assert db.postgres_target("postgresql:///company")[1] == "public"
    assert db.safe_url("postgresql://desk:s3cret@db/company?site=north") == "postgresql://desk:***@db/company?site=north"
    assert "s3cret" not in db.safe_url("postgresql://db/company?password=s3cret&site=north")
    with pytest.raises(db.SchemaError, match="lower-case letters"):
        db.postgres_target("postgresql:///company?site=North;DROP")


def test_init_makes_each_site_a_schema_with_its_settings(pg_databases, tmp_path):
    name = pg_databases.new()
    north, south = pg_databases.url(name, site="north"), pg_databases.url(name, site="south")
    (tmp_path / "north.toml").write_text(NORTH)
    (tmp_path / "south.toml").write_text(SOUTH)
    for url, site in ((north, "north"), (south, "south")):
        result = deskconsole("init", "--db", url, "--site", str(tmp_path / f"{site}.toml"))
        assert result.returncode == 0, result.stderr
    # Each site is a schema of its own, with its own settings and its own audit chain.
    assert deskconsole("call", "add", "--db", north, "--category", "other", "--channel", "phone",
                       "--text", "north only").returncode == 0
    from deskconsole import config as config_mod
    assert config_mod.load(north).site_name == "North Gardens 北园"
    assert config_mod.load(south).site_name == "South Court 南苑"
    db.connect(south, migrate_schema=False)
    assert db.Call.select().count() == 0 and audit.verify_chain() == []
    assert [e.action for e in db.AuditEvent.select()] == ["site.settings"]
    db.close()
    for url in (north, south):
        check = deskconsole("check", "--db", url)
        assert check.returncode == 0 and "check: ok" in check.stdout, check.stdout + check.stderr


def test_a_site_without_its_settings_refuses_to_start_and_says_why(pg_databases, tmp_path):
    name = pg_databases.new()
    url = pg_databases.url(name, site="east")
    # No such site yet: every command says how to make it, and nothing is created.
    for args in ([], ["check"], ["report"], ["init"]):
        result = deskconsole(*args, "--db", url)
        assert result.returncode == 2, (args, result.stdout, result.stderr)
        assert result.stderr.strip().count("\n") == 0, result.stderr
        assert "there is no site 'east'" in result.stderr and "deskconsole init --db URL --site FILE" in result.stderr
        assert "Demo Gardens" not in result.stdout + result.stderr
    # A schema made without settings (as by hand): refused too, never the defaults.
    db.connect(url)
    db.close()
    result = deskconsole("--db", url)
    assert result.returncode == 2 and "has no site settings" in result.stderr, result.stderr
    # Settings given once with init: kept with the site, and the console's settings from then on.
    (tmp_path / "east.toml").write_text(NORTH)
    assert deskconsole("init", "--db", url, "--site", str(tmp_path / "east.toml")).returncode == 0
    check = deskconsole("check", "--db", url)
    assert check.returncode == 0, check.stderr


def test_init_never_prints_the_password(pg_server, pg_databases, tmp_path):
    name = pg_databases.new()
    url = pg_databases.url(name, site="west").replace("postgresql:///", "postgresql://desk:hunter2@/", 1)
    (tmp_path / "west.toml").write_text(NORTH)
    # trust authentication: the password is not needed, but it is in the URL and must not be shown.
    result = deskconsole("init", "--db", url, "--site", str(tmp_path / "west.toml"))
    assert result.returncode == 0, result.stderr
    assert "hunter2" not in result.stdout + result.stderr and "***" in result.stdout


# --- connection failures on the command line: one line, exit 2, no password -------------------------

def _one_line_failure(result, *, says: str, secret: str = "") -> None:
    assert result.returncode == 2, (result.returncode, result.stdout, result.stderr)
    assert result.stderr.startswith("deskconsole") and result.stderr.count("\n") == 1, result.stderr
    assert says in result.stderr, result.stderr
    assert "Traceback" not in result.stderr and (not secret or secret not in result.stdout + result.stderr)


@pytest.mark.parametrize("command", [[], ["init"], ["check"], ["export"], ["report"], ["call", "add", "--category", "other", "--channel", "phone", "--text", "x"]])
def test_a_wrong_password_is_one_line(pg_server, pg_databases, command):
    from pgserver import PASSWORD_ROLE
    url = pg_databases.url(pg_databases.new(), site="north").replace("user=desk", f"user={PASSWORD_ROLE}")
    env = {**__import__("os").environ, "PGPASSWORD": "wrong-password"}
    result = deskconsole(*command, "--db", url.replace("postgresql:///", "postgresql://clerk:wrong-password@/"),
                         env=env)
    _one_line_failure(result, says=f'password authentication failed for user "{PASSWORD_ROLE}"',
                      secret="wrong-password")


def test_a_missing_database_and_a_server_that_is_not_there_are_one_line(pg_server, tmp_path):
    result = deskconsole("check", "--db", pg_server.url("no_such_database", site="north"))
    _one_line_failure(result, says='database "no_such_database" does not exist')
    result = deskconsole("check", "--db", f"postgresql:///desk?host={tmp_path}&site=north")
    _one_line_failure(result, says="No such file or directory")


# --- the change feed: LISTEN/NOTIFY, polling while the listener is away -------------------------------

def _within(seconds: float, condition) -> bool:
    import time
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if condition():
            return True
        time.sleep(0.02)
    return False


def test_the_feed_hears_a_commit_of_its_site_and_only_of_its_site(pg_demo, pg_databases, clock):
    from deskconsole import calls, feed, people
    other = pg_demo.db_url.replace("site=gardens", "site=elsewhere")
    (db.connect(other), db.close())
    db.connect(pg_demo.db_url, migrate_schema=False)
    mine, theirs = feed.ChangeFeed(pg_demo.db_url), feed.ChangeFeed(other)
    try:
        assert not mine.changed() and not theirs.changed() and mine.listening
        calls.add_call(people.find("R1"), clock.now(), category="other", channel="phone", text="heard?")
        assert _within(1.0, mine.changed)
        assert not mine.changed() and not theirs.changed()  # once per commit; the other site heard nothing
        # A write that is rolled back (a refusal) sends nothing.
        with pytest.raises(Exception):
            calls.add_call(people.find("R1"), clock.now(), category="other", channel="phone", text="  ")
        assert not _within(0.3, mine.changed)
    finally:
        mine.close()
        theirs.close()


def test_the_feed_survives_a_server_restart(pg_server, pg_demo, clock):
    from deskconsole import calls, feed, people
    db.connect(pg_demo.db_url, migrate_schema=False)
    r1 = people.find("R1")
    watcher = feed.ChangeFeed(pg_demo.db_url)
    try:
        assert not watcher.changed()
        pg_server.restart()
        # The listener notices the restart (says "changed" once, to reload), then listens again.
        assert _within(5.0, watcher.changed)
        assert _within(10.0, lambda: watcher.changed() is not None and watcher.listening)
        watcher.changed()
        # The console's own connection died with the restart: the next write opens a new one.
        calls.add_call(r1, clock.now(), category="other", channel="phone", text="after the restart")
        assert _within(1.0, watcher.changed)
        assert watcher._listener.drops == 1
    finally:
        watcher.close()


def test_the_feed_polls_while_it_cannot_listen(pg_server, pg_demo, clock):
    from deskconsole import calls, feed, people
    db.connect(pg_demo.db_url, migrate_schema=False)
    watcher = feed.ChangeFeed(pg_demo.db_url)
    try:
        watcher._listener._listen = lambda: False  # LISTEN cannot be had again (say, through a pooler)
        pg_server.admin("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                        "WHERE application_name = 'deskconsole feed'")
        assert _within(2.0, watcher.changed) and not watcher.listening
        assert not watcher.changed()
        calls.add_call(people.find("R1"), clock.now(), category="other", channel="phone", text="polled")
        assert _within(1.0, watcher.changed)
        assert not watcher.changed()
    finally:
        watcher.close()


def test_the_watch_wakes_at_a_commit_waits_for_the_look_and_polls_while_it_cannot_listen(pg_server, pg_demo,
                                                                                          clock):
    """PgWatch: a thread blocked on the listening socket, woken by a commit's notification (no poll), not
    again until the console has looked; while LISTEN cannot be had it wakes twice a second instead."""
    from test_feed_watch import Waiter

    from deskconsole import calls, feed, people
    db.connect(pg_demo.db_url, migrate_schema=False)
    watcher = feed.ChangeFeed(pg_demo.db_url)
    watch = watcher.watch()
    assert isinstance(watch, feed.PgWatch)
    waiter = Waiter(watch)
    try:
        assert not waiter.woken.wait(0.5) and waiter.results == []   # nothing committed: still waiting
        calls.add_call(people.find("R1"), clock.now(), category="other", channel="phone", text="wake up")
        assert waiter.woken.wait(5) and waiter.results == [True]
        # The socket holds the notification until the console looks: the thread does not spin on it.
        waiter.woken.clear()
        assert not waiter.woken.wait(0.3) and waiter.results == [True]
        assert watcher.changed() and not watcher.changed()
        assert not waiter.woken.wait(0.5) and waiter.results == [True]   # looked: waiting for the next

        watcher._listener._listen = lambda: False  # LISTEN cannot be had again (say, through a pooler)
        pg_server.admin("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                        "WHERE application_name = 'deskconsole feed'")
        assert waiter.woken.wait(5)   # the closed socket wakes it; the look finds the listener gone
        assert _within(2.0, watcher.changed) and not watcher.listening
        before = len(waiter.results)
        assert _within(3.0, lambda: len(waiter.results) >= before + 3)   # now it wakes to poll
        calls.add_call(people.find("R1"), clock.now(), category="other", channel="phone", text="polled")
        assert _within(1.0, watcher.changed)
    finally:
        watch.close()
        waiter.thread.join(5)
        watcher.close()
    assert not waiter.thread.is_alive() and waiter.results[-1] is False


# --- a console through a server restart -----------------------------------------------------------

def test_a_console_waits_out_a_server_restart_and_keeps_the_typed_form(pg_server, pg_demo):
    """The server goes down while a call is half typed: the console says it is reconnecting (no
    traceback, no exit), and when the server is back the form is there as typed and saves."""
    import asyncio

    from appkit import make_app, settle, sign_on

    from deskconsole.screens.call_form import CallFormScreen
    from deskconsole.screens.reconnecting import ReconnectingScreen

    async def until(pilot, condition, seconds: float) -> bool:
        for _ in range(int(seconds / 0.1)):
            if condition():
                return True
            await pilot.pause(0.1)
        return condition()

    async def go():
        db.connect(pg_demo.db_url, migrate_schema=False)
        app = make_app(pg_demo)
        async with app.run_test(size=(80, 24)) as pilot:
            await sign_on(pilot)
            count = db.Call.select().count()
            await pilot.press("n")
            assert await until(pilot, lambda: isinstance(app.screen, CallFormScreen), 5)
            form = app.screen
            await pilot.press(*"13811112222", "tab", *"王[b]小明", "tab", *"1-1203", "tab", "r", "tab", "tab",
                              *"停电了 [/x]")
            pg_server.stop()
            try:
                assert await until(pilot, lambda: isinstance(app.screen, ReconnectingScreen), 10), app.screen
                await pilot.pause(1.5)  # a try or two fails meanwhile
                assert isinstance(app.screen, ReconnectingScreen) and app.is_running
            finally:
                pg_server.start()
            assert await until(pilot, lambda: app.screen is form, 20), app.screen
            values = form.values()
            assert (values["phone"], values["caller"], values["unit"], values["text"]) == \
                ("13811112222", "王[b]小明", "1-1203", "停电了 [/x]")
            await pilot.press("ctrl+s")
            await settle(pilot)
            assert not isinstance(app.screen, CallFormScreen), app.screen
            assert db.Call.select().count() == count + 1
    asyncio.run(go())


# --- the company's figures and a site's backup --------------------------------------------------------

@pytest.fixture
def two_sites(pg_databases, tmp_path):
    """Sites north (3 calls today) and south (2) in one database, made with the command line."""
    name = pg_databases.new()
    urls = {}
    for site, settings, calls in (("north", NORTH, 3), ("south", SOUTH, 2)):
        (tmp_path / f"{site}.toml").write_text(settings)
        urls[site] = pg_databases.url(name, site=site)
        assert deskconsole("init", "--db", urls[site], "--site", str(tmp_path / f"{site}.toml")).returncode == 0
        for i in range(calls):
            added = deskconsole("call", "add", "--db", urls[site], "--category", "repair", "--channel", "phone",
                                "--text", f"{site} {i}")
            assert added.returncode == 0, added.stderr
    return urls


def _today() -> str:
    from datetime import datetime
    from zoneinfo import ZoneInfo
    return datetime.now(ZoneInfo("Asia/Shanghai")).date().isoformat()


@pytest.mark.parametrize("fmt", ["text", "markdown", "csv", "xlsx"])
def test_the_company_report_has_a_table_per_site_and_the_total(two_sites, tmp_path, fmt):
    out = tmp_path / f"company.{fmt}"
    result = deskconsole("report", "--db", two_sites["north"], "--sites", "north,south", "--from", _today(),
                         "--to", _today(), "--format", fmt, "--out", str(out))
    assert result.returncode == 0, result.stderr
    if fmt == "xlsx":
        from openpyxl import load_workbook
        book = load_workbook(out)
        assert book.sheetnames == ["Total", "North Gardens 北园", "South Court 南苑"]
        counts = [{row[1]: row[3] for row in sheet.iter_rows(values_only=True) if row and len(row) > 3}
                  ["calls.total"] for sheet in book.worksheets]
        assert counts == [5, 3, 2]
        return
    text = out.read_text("utf-8-sig").replace("\\", "")  # Markdown escapes ( ) and .
    assert text.index("All sites (2)") < text.index("North Gardens 北园") < text.index("South Court 南苑")
    import re
    rows = [line for line in text.splitlines() if re.search(r"calls\\?\.total\b", line) and re.search(r"\d", line)]
    assert [int(re.search(r"\b(\d+)\b", row).group(1)) for row in rows] == [5, 3, 2], rows


def test_all_sites_and_the_refusals_of_a_company_report(two_sites):
    database = two_sites["south"].replace("&site=south", "")  # the database, no site: as the README says
    everyone = deskconsole("report", "--db", database, "--all-sites", "--from", _today(), "--to", _today())
    assert everyone.returncode == 0, everyone.stderr
    assert "North Gardens 北园" in everyone.stdout and "South Court 南苑" in everyone.stdout
    for args, says in ((["--sites", "north,nowhere"], "there is no site 'nowhere'"),
                       (["--sites", "north", "--all-sites"], "not both"),
                       (["--sites", "North!"], "lower-case letters")):
        result = deskconsole("report", "--db", two_sites["north"], *args)
        _one_line_failure(result, says=says)


def test_a_site_is_backed_up_with_pg_dump_and_restores(two_sites, pg_server, pg_databases, tmp_path):
    dest = tmp_path / "north.dump"
    result = deskconsole("backup", "--db", two_sites["north"], str(dest))
    assert result.returncode == 0 and dest.stat().st_size > 0, result.stderr
    restored = pg_databases.new()
    subprocess.run([str(pg_server.bindir / "pg_restore"), "--no-owner", "--dbname",
                    pg_server.url(restored).split("?")[0] + "?" + pg_server.url(restored).split("?")[1],
                    str(dest)], check=True, capture_output=True)
    url = pg_databases.url(restored, site="north")
    check = deskconsole("check", "--db", url)
    assert check.returncode == 0 and "check: ok" in check.stdout, check.stdout + check.stderr
    db.connect(url, migrate_schema=False)
    assert db.Call.select().count() == 3
    # The anchor printed is the copy's own (read in the snapshot pg_dump copied), as for a SQLite backup.
    assert f"backup written: {dest} ({audit.anchor_line(audit.head())})" in result.stdout, result.stdout
    # The south site is not in north's backup.
    assert "south" not in [r[0] for r in db.database.execute_sql("SELECT nspname FROM pg_namespace").fetchall()]


def test_without_pg_dump_the_backup_gives_the_command_to_run(two_sites, tmp_path, monkeypatch):
    from deskconsole import cli
    monkeypatch.setattr(db, "pg_dump_program", lambda: None)
    url = two_sites["north"].replace("postgresql:///", "postgresql://desk:hunter2@/")
    monkeypatch.setenv("PGPASSWORD", "x")
    import io
    import contextlib
    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        assert cli.main(["backup", "--db", url, str(tmp_path / "n.dump")]) == 2
    said = err.getvalue()
    assert "pg_dump --format=custom --schema=north" in said and "hunter2" not in said and said.count("\n") == 1


def test_a_save_right_after_a_server_restart_goes_through(pg_server, pg_demo, clock):
    """The console's own connection died with the restart but the server is back: the save opens a new
    connection (nothing was committed on the dead one) instead of saying the server is away."""
    from deskconsole import calls, people
    db.connect(pg_demo.db_url, migrate_schema=False)
    r1 = people.find("R1")
    pg_server.restart()
    call_id = calls.add_call(r1, clock.now(), category="other", channel="phone", text="just after")
    assert db.Call.get_by_id(call_id).text == "just after"
    assert audit.verify_chain() == []


def test_the_longest_site_name_still_has_a_change_feed(pg_databases, clock):
    """A site's channel is "deskconsole_" + its name, within PostgreSQL's 63 characters."""
    from deskconsole import calls, feed, people
    longest = "s" * 48
    url = pg_databases.url(pg_databases.new(), site=longest)
    with pytest.raises(db.SchemaError, match="at most 48"):
        db.postgres_target(url.replace(longest, longest + "s"))
    db.connect(url)
    people.create_first_supervisor(clock.now(), code="S1", name="Supervisor", pin="0000")
    watcher = feed.ChangeFeed(url)
    try:
        calls.add_call(people.find("S1"), clock.now(), category="other", channel="phone", text="long")
        assert _within(1.0, watcher.changed)
    finally:
        watcher.close()


def test_text_longer_than_255_characters_is_kept_as_on_sqlite(demo_site, db_engine, clock):
    """Found by the PostgreSQL pass (test_hardening_input): a CharField was VARCHAR(255) there, and a key
    issued with a 256-character document number was refused by the database instead of stored."""
    from datetime import timedelta

    from deskconsole import keys, people
    tag = db.Key.select().where((db.Key.kind == "office") & (db.Key.status == "board")).first().tag
    loan = keys.issue(people.find("S1"), clock.now(), demo_site.sla_engine(), tag=tag, holder_kind="contractor", holder_name="张师傅",
                      holder_company="Acme", holder_document="0" * 256, due_at=clock.now() + timedelta(hours=1),
                      purpose="x")
    assert db.KeyLoan.get_by_id(loan).holder_document == "0" * 256


def test_a_migration_step_leaves_text_columns_unbounded(pg_databases, monkeypatch):
    """A step that adds a CharField adds VARCHAR(255) on PostgreSQL: the migration makes it text."""
    def step(database):
        database.execute_sql('ALTER TABLE "unit" ALTER COLUMN "building" TYPE varchar(255)')
    url = pg_databases.url(pg_databases.new())
    db.connect(url)
    db.close()
    following = db.SCHEMA_VERSION + 1
    monkeypatch.setattr(db, "SCHEMA_VERSION", following)
    monkeypatch.setitem(db.MIGRATIONS, following, step)
    db.connect(url)
    kind = db.database.execute_sql("SELECT data_type FROM information_schema.columns WHERE table_schema = "
                                   "current_schema() AND table_name = 'unit' AND column_name = 'building'").fetchone()
    assert kind == ("text",) and db.schema_version() == following


# --- a site made by schema version 1 (the first that ran on PostgreSQL) is migrated --------------------

def postgres_v1_schema(sqlite_sql: str) -> list[str]:
    """tests/fixtures/schema_v1.sql (SQLite's text) as Peewee made version 1 on PostgreSQL: SERIAL ids,
    TIMESTAMP, BOOLEAN where the model's field is one, text for VARCHAR(255) (issue 22 made them text at
    creation), and the foreign keys added once every table exists (SQLite takes them in any order)."""
    import re
    tables = {model._meta.table_name: model for model in db.MODELS}
    statements, foreign = [], []
    for statement in (s.strip() for s in sqlite_sql.split(";\n")):
        if not statement.startswith(("CREATE", "INSERT")):
            continue  # BEGIN TRANSACTION, COMMIT
        table = re.match(r'(?:CREATE TABLE|CREATE (?:UNIQUE )?INDEX "\w+" ON|INSERT INTO) "(\w+)"', statement)[1]
        if statement.startswith("CREATE TABLE"):
            statement = statement.replace('"id" INTEGER NOT NULL PRIMARY KEY', '"id" SERIAL NOT NULL PRIMARY KEY')
            statement = statement.replace(" DATETIME", " TIMESTAMP").replace(" VARCHAR(255)", " TEXT")
            columns = tables[table]._meta.columns
            statement = re.sub(r'"(\w+)" INTEGER', lambda m: f'"{m[1]}" BOOLEAN' if isinstance(
                columns.get(m[1]), db.pw.BooleanField) else m[0], statement)
            for key in re.findall(r', (FOREIGN KEY \("\w+"\) REFERENCES "\w+" \("\w+"\))', statement):
                foreign.append(f'ALTER TABLE "{table}" ADD {key}')
                statement = statement.replace(", " + key, "", 1)
        statements.append(statement)
    return statements + foreign


def _columns(schema: str) -> set[tuple[str, str, str]]:
    return set(db.database.execute_sql(
        "SELECT table_name, column_name, data_type FROM information_schema.columns WHERE table_schema = %s",
        (schema,)).fetchall())


def _indexes(schema: str) -> set[str]:
    return {name for (name,) in db.database.execute_sql("SELECT indexname FROM pg_indexes WHERE schemaname = %s",
                                                        (schema,)).fetchall()}


def test_a_version_1_site_is_migrated_by_the_real_steps(pg_databases, tmp_path):
    """Every step (2 to this version's) runs on PostgreSQL: a site of schema 1 with a unit, a supervisor, a
    call and a key is brought to this version on its first start; nothing is lost, its tables, columns
    and indexes are those of a new site, and `check` passes."""
    from test_hardening_upgrade import FIXTURES, V1_PIN

    from deskconsole import people, search
    from deskconsole.clock import FixedClock
    now = FixedClock(__import__("conftest").NOW).now()
    name = pg_databases.new()
    url, fresh = pg_databases.url(name, site="north"), pg_databases.url(name, site="fresh")
    database = db.open_database(url)
    database.connect()
    with database.atomic():
        database.execute_sql('CREATE SCHEMA "north"')
        for statement in postgres_v1_schema((FIXTURES / "schema_v1.sql").read_text()):
            database.execute_sql(statement)
        at = "2026-11-24 14:00:00.000000"
        database.execute_sql("INSERT INTO schema_meta (key, value) VALUES ('site_settings', %s)", (NORTH,))
        database.execute_sql("INSERT INTO unit (code, building, floor, owner_name, owner_phone, handed_over) VALUES "
                             "('1-1203', '1', 12, '王[b]小明', '13800001111', TRUE), ('2-1503', '2', 15, '', '', FALSE)")
        database.execute_sql("INSERT INTO staff (code, name, role, pin_hash, active, failed_attempts, created_at) "
                             "VALUES ('S1', '陈静 Chen Jing', 'supervisor', %s, TRUE, 0, %s)", (people.hash_pin(V1_PIN), at))
        database.execute_sql("INSERT INTO call (received_at, channel, category, caller, unit_id, phone, text, taken_by_id, "
                             "status, answer, message_for, message_from, callback_number, void_reason, updated_at) VALUES "
                             "(%s, 'phone', 'repair', '王[b]小明', 1, '13800001111', '厨房水龙头漏水', 1, 'open', '', '', '', "
                             "'', '', %s)", (at, at))
        database.execute_sql("INSERT INTO key (tag, label, opens, kind, unit_id, hook, copies, status) VALUES "
                             "('PR-01', '水泵房 Pump room', '', 'plant_room', NULL, '', 1, 'board')")
    database.close()
    db.connect(url, migrate_schema=False)
    assert db.schema_version() == 1
    with db.database.atomic():
        audit.record(None, "staff.create", "staff", 1, now, after={"code": "S1"})
        audit.record(None, "call.add", "call", 1, now, after={"text": "厨房水龙头漏水"})
        audit.record(None, "key.create", "key", 1, now, after={"tag": "PR-01"})
    db.close()

    assert deskconsole("check", "--db", url).returncode == 1   # version 1: check asks for the upgrade
    first_start = deskconsole("export", "--db", url)
    assert first_start.returncode == 0, first_start.stderr
    check = deskconsole("check", "--db", url)
    assert check.returncode == 0 and "check: ok" in check.stdout, check.stdout + check.stderr

    (tmp_path / "fresh.toml").write_text(NORTH)
    assert deskconsole("init", "--db", fresh, "--site", str(tmp_path / "fresh.toml")).returncode == 0
    db.connect(url, migrate_schema=False)
    assert db.schema_version() == db.SCHEMA_VERSION
    assert _columns("north") - _columns("fresh") == set() and _columns("fresh") - _columns("north") == set()
    assert _indexes("north") == _indexes("fresh")
    assert people.verify("S1", V1_PIN, now).code == "S1"        # the PIN chosen under version 1 still signs on
    assert db.Call.get_by_id(1).text == "厨房水龙头漏水"
    assert [h.id for h in search.find("水龙头").hits] == [1]      # step 5 indexed what version 1 wrote
    assert audit.verify_chain() == []
