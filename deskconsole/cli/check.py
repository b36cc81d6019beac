"""`deskconsole check`: integrity, schema version and the audit chain; exit 1 when something is wrong."""
from __future__ import annotations

import sys

from .. import audit, db
from ..config import Config
from .common import open_db


def register(sub, common) -> None:
    check = sub.add_parser("check", parents=[common], help="integrity, schema version and audit chain")
    check.set_defaults(handler=run)


def run(config: Config, args) -> int:
    open_db(config, migrate_schema=False)
    problems = db.integrity_problems()
    if db.schema_version() is not None:
        problems += audit.verify_chain()
    for problem in problems:
        print(problem)
    if problems:
        print(f"check: {len(problems)} problem(s)", file=sys.stderr)
        return 1
    print("check: ok")
    return 0
