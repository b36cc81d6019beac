"""`deskconsole backup DEST`: a consistent copy of the SQLite database, safe while consoles write."""
from __future__ import annotations

from pathlib import Path

from .. import db
from ..config import Config
from .common import open_db


def register(sub, common) -> None:
    backup = sub.add_parser("backup", parents=[common], help="a consistent copy, safe while consoles write")
    backup.add_argument("dest", help="file to write")
    backup.set_defaults(handler=run)


def run(config: Config, args) -> int:
    open_db(config, must_exist=True)
    db.backup(Path(args.dest))
    print(f"backup written: {args.dest}")
    return 0
