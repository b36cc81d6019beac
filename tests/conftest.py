"""Shared fixtures: a demo site seeded once per session and copied for each test that wants one."""
from __future__ import annotations

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


def make_config(path: Path, **changes) -> config_mod.Config:
    config = config_mod.Config(db_url="sqlite:///" + str(path), language="en")
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


@pytest.fixture
def empty_site(tmp_path):
    """A new, empty database, connected."""
    config = make_config(tmp_path / "desk.db")
    db.connect(config.db_url)
    return config


@pytest.fixture
def demo_site(tmp_path, seeded_file):
    """A private copy of the demo database, connected."""
    path = tmp_path / "desk.db"
    shutil.copy(seeded_file, path)
    config = make_config(path)
    db.connect(config.db_url)
    return config


@pytest.fixture
def clock():
    return FixedClock(NOW)
