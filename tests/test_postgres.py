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
