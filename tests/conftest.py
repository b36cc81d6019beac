"""Shared fixtures: a demo site seeded once per session and copied for each test that wants one.

Two database engines (fixture `db_engine`). Every desk-level test that takes `empty_site` or `demo_site` (a plain function that does not
run the app) runs twice: on a SQLite file, and on a site of a throwaway PostgreSQL server that this
conftest starts itself (tests/pgserver.py) when PostgreSQL's binaries are on the machine; without them
the PostgreSQL pass is skipped, saying so. A test that only makes sense on SQLite (a pragma, a file
mode, a .db path) carries `@pytest.mark.sqlite_only("why")`. `DESKCONSOLE_TEST_PG=0` leaves the
PostgreSQL pass out (a quicker run while working); CI never sets it.
"""
from __future__ import annotations

import inspect
import itertools
import os
import shutil
import tempfile
from datetime import datetime, timezone
from pathlib import Path

import pytest

from deskconsole import config as config_mod
from deskconsole import db, demo, i18n
from deskconsole.clock import FixedClock

# The support log of every command the tests run (in this process or a child) goes here, not into
# the user's own log folder.
os.environ.setdefault("DESKCONSOLE_LOG_DIR", tempfile.mkdtemp(prefix="deskconsole-test-log-"))

# 22:00 in Shanghai on a Tuesday: the night shift, office closed.
NOW = datetime(2026, 11, 24, 14, 0, tzinfo=timezone.utc)


def make_config(path: Path | str, **changes) -> config_mod.Config:
    """The test site's settings on a SQLite file (a path) or any database URL."""
    url = path if isinstance(path, str) and "://" in path else "sqlite:///" + str(path)
    config = config_mod.Config(db_url=url, language="en")
    for key, value in changes.items():
        setattr(config, key, value)
    return config


@pytest.fixture(autouse=True)
def _english_and_closed():
    i18n.set_language("en")
    yield
    db.close()
    i18n.set_language("en")


@pytest.fixture(scope="session")
def seeded_file(tmp_path_factory) -> Path:
    """One demo database for the whole run (seeding takes a few seconds)."""
    path = tmp_path_factory.mktemp("seed") / "demo.db"
    config = make_config(path)
    db.connect(config.db_url)
    demo.seed(config, NOW, hostile=True)   # the hostile texts: shown literally everywhere
    db.database.execute_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()
    return path


# --- the engines ---------------------------------------------------------------------------

PG_SITE = "gardens"  # the site (schema) the PostgreSQL pass runs on: not `public`, as a company would
# What a PostgreSQL test site keeps as its settings: the defaults a SQLite test database without a site
# file runs on, so the command line reads the same site on both engines.
PG_SITE_SETTINGS = 'site_name = "Demo Gardens 示范花园"\ntimezone = "Asia/Shanghai"\n'


def keep_test_settings() -> None:
    """Store the test site's settings as `deskconsole init --site` would, less its audit event (the
    audit trail then starts as on SQLite, which the tests compare)."""
    from deskconsole import sites
    db.SchemaMeta.insert(key=sites.SETTINGS_KEY, value=PG_SITE_SETTINGS).on_conflict_ignore().execute()


def pytest_configure(config):
    config.addinivalue_line("markers", "sqlite_only(reason): the test only makes sense on SQLite; "
                                       "it is left out of the PostgreSQL pass")
    config.addinivalue_line("markers", "postgres: runs on the throwaway PostgreSQL server")


def _desk_level(function) -> bool:
    """A plain test function that does not run the app: the PostgreSQL pass runs it too."""
    if inspect.iscoroutinefunction(function):
        return False
    try:
        source = inspect.getsource(function)
    except (OSError, TypeError):
        return False
    return "run_test" not in source and "snap_compare" not in source


def pytest_generate_tests(metafunc):
    if "db_engine" not in metafunc.fixturenames or not _desk_level(metafunc.function):
        return
    engines = ["sqlite"]
    if metafunc.definition.get_closest_marker("sqlite_only") is None:
        engines.append(pytest.param("postgres", marks=pytest.mark.postgres))
    metafunc.parametrize("db_engine", engines, indirect=True)


@pytest.fixture
def db_engine(request) -> str:
    """sqlite, or postgres in the PostgreSQL pass of a desk-level test."""
    return getattr(request, "param", "sqlite")


@pytest.fixture(scope="session")
def pg_server():
    """The throwaway PostgreSQL server of this run (started on first use, removed at the end)."""
    if os.environ.get("DESKCONSOLE_TEST_PG") == "0":
        pytest.skip("PostgreSQL pass turned off by DESKCONSOLE_TEST_PG=0")
    from pgserver import PgServer, find_bindir
    if find_bindir() is None:
        pytest.skip("no PostgreSQL binaries (initdb, pg_ctl, postgres) on this machine: "
                    "install Debian's postgresql package (.ci/run does)")
    try:
        import psycopg  # noqa: F401
    except ImportError:
        pytest.skip("the PostgreSQL driver is not installed: pip install -e '.[test]'")
    server = PgServer.start_new()
    yield server
    server.remove()


_numbers = itertools.count(1)


class PgDatabases:
    """Databases of the test server: one per test, from a template when it starts with data."""

    def __init__(self, server):
        self.server = server
        self.made = []

    def new(self, template: str | None = None) -> str:
        name = f"t{os.getpid()}_{next(_numbers)}"
        self.server.admin(f"CREATE DATABASE {name}" + (f" TEMPLATE {template}" if template else ""))
        self.made.append(name)
        return name

    def url(self, name: str, site: str = PG_SITE) -> str:
        return self.server.url(name, site=site)

    def drop_all(self) -> None:
        db.close()
        for name in self.made:
            self.server.admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture
def pg_databases(pg_server):
    databases = PgDatabases(pg_server)
    yield databases
    databases.drop_all()


@pytest.fixture(scope="session")
def pg_seeded(pg_server) -> str:
    """The demo site on the server, seeded once: the template each PostgreSQL demo_site copies."""
    pg_server.admin("CREATE DATABASE seed_demo")
    config = make_config(pg_server.url("seed_demo", site=PG_SITE))
    db.connect(config.db_url)
    demo.seed(config, NOW, hostile=True)   # the same hostile texts as the SQLite demo
    keep_test_settings()
    db.close()
    return "seed_demo"


@pytest.fixture
def empty_site(tmp_path, db_engine, request):
    """A new, empty database, connected."""
    if db_engine == "postgres":
        databases = request.getfixturevalue("pg_databases")
        config = make_config(databases.url(databases.new()))
        db.connect(config.db_url)
        keep_test_settings()
        return config
    config = make_config(tmp_path / "desk.db")
    db.connect(config.db_url)
    return config


@pytest.fixture
def demo_site(tmp_path, db_engine, request):
    """A private copy of the demo database, connected."""
    if db_engine == "postgres":
        databases = request.getfixturevalue("pg_databases")
        config = make_config(databases.url(databases.new(template=request.getfixturevalue("pg_seeded"))))
    else:
        path = tmp_path / "desk.db"
        shutil.copy(request.getfixturevalue("seeded_file"), path)
        config = make_config(path)
    db.connect(config.db_url)
    return config


@pytest.fixture
def clock():
    return FixedClock(NOW)
