"""`deskconsole check`: integrity, schema version, the audit chain and (the newest records of each kind)
the search index; exit 1 when something is wrong."""
from __future__ import annotations

import sys

from .. import audit, db, search_index
from ..config import Config
from .common import open_db


CHECK_SAMPLE = 500   # the newest records of each kind whose index entry is compared


def register(sub, common) -> None:
    check = sub.add_parser("check", parents=[common], help="integrity, schema version and audit chain")
    check.set_defaults(handler=run)


def run(config: Config, args) -> int:
    open_db(config, migrate_schema=False)
    problems = db.integrity_problems()
    if db.schema_version() is not None:
        problems += audit.verify_chain()
    if db.schema_version() == db.SCHEMA_VERSION:
        # A record written behind the program's back is not in the index: search would not find it.
        problems += search_index.verify(sample=CHECK_SAMPLE)
    for problem in problems:
        print(problem)
    if problems:
        print(f"check: {len(problems)} problem(s)", file=sys.stderr)
        return 1
    print("check: ok")
    return 0
