"""`deskconsole demo`: a fresh demo database, then the console (never replacing a database that is not a demo)."""
from __future__ import annotations

import os
import shlex
import sys
from pathlib import Path

from .. import db
from ..config import Config, ConfigError
from . import console
from .common import open_db
from .init import DEMO_MARK, create


def register(sub, common) -> None:
    demo = sub.add_parser("demo", parents=[common], help="a fresh demo database, then the console")
    demo.add_argument("--operator", default="", help="staff code to pre-fill at sign-on")
    demo.set_defaults(handler=run)


def run(config: Config, args) -> int:
    problems = console.start_problems(config)  # before a database is made for a console that would not start
    if problems:
        raise ConfigError(problems[0])
    if not args.db and "DESKCONSOLE_DB" not in os.environ:
        config.db_url = "sqlite:///" + str(Path(config.db_url.removeprefix("sqlite:///")).with_name("demo.db"))
    path = db.sqlite_path(config.db_url)
    if path is None:
        raise ConfigError("the demo makes a SQLite file: give --db a file path")
    if path.exists():
        open_db(config, migrate_schema=False)
        is_demo = "schema_meta" in db.database.get_tables() and \
            db.SchemaMeta.get_or_none(db.SchemaMeta.key == DEMO_MARK) is not None
        db.close()
        if not is_demo:
            raise ConfigError(f"{path} exists and is not a demo database: the demo will not replace it")
    console.need_terminal()  # before the demo database is made for nobody to see
    if path.exists():
        for suffix in ("", "-wal", "-shm"):
            Path(str(path) + suffix).unlink(missing_ok=True)
    create(config, demo_data=True)
    print(notice(path), file=sys.stderr)
    return console.run(config, args)


def notice(path: Path) -> str:
    """What the demo says before the console takes the screen: where its database is, how to open a
    second console on it (as a second desk would), and who to sign on as."""
    return (f"demo database: {path}\n"
            f"a second console on it (another terminal): deskconsole --db {shlex.quote(str(path))}\n"
            "sign on as S1 (supervisor), R1 (receptionist) or G1 (guard), PIN 0000")
