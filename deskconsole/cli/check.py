"""`deskconsole check`: what the console builds from the site file, the database's integrity, its schema
version and the audit chain; exit 1 when something is wrong. A damaged database is reported, never a crash."""
from __future__ import annotations

import sys

from .. import audit, db
from ..config import Config
from .common import open_db


def register(sub, common) -> None:
    check = sub.add_parser("check", parents=[common],
                           help="site file, integrity, schema version and audit chain (exit 1 when something is wrong)")
    check.set_defaults(handler=run)


def _guard(what: str, read) -> list[str]:
    """The problems `read` finds, or one problem saying the database could not be read that far."""
    try:
        return read()
    except db.READ_ERRORS as exc:
        return [f"{what}: the database could not be read: {exc}"]


def database_problems(config: Config) -> list[str]:
    try:
        open_db(config, migrate_schema=False, must_exist=True)
    except (db.SchemaError, db.StoreError) as exc:
        return [f"database: cannot be opened: {exc}"]
    problems = _guard("integrity", db.integrity_problems)
    try:
        has_schema = db.schema_version() is not None
    except db.READ_ERRORS:
        has_schema = False  # said by integrity_problems
    if has_schema:
        problems += _guard("audit", audit.verify_chain)
    return problems


def run(config: Config, args) -> int:
    from .console import start_problems
    problems = start_problems(config) + database_problems(config)
    for problem in problems:
        print(problem)
    if problems:
        print(f"check: {len(problems)} problem(s)", file=sys.stderr)
        return 1
    print("check: ok")
    return 0
