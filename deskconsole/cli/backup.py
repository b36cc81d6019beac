"""`deskconsole backup DEST`: a consistent copy of the SQLite database (of a PostgreSQL site: pg_dump of
its schema), safe while consoles write. It
prints the copy's audit anchor (`audit: N events, head HASH`): kept with the copy, or on paper, it
shows later that neither the copy nor the database was rewritten up to there."""
from __future__ import annotations

from pathlib import Path

from .. import audit, db
from ..config import Config
from .common import open_db


def register(sub, common) -> None:
    backup = sub.add_parser("backup", parents=[common], help="a consistent copy, safe while consoles write")
    backup.add_argument("dest", help="file to write")
    backup.set_defaults(handler=run)


def run(config: Config, args) -> int:
    open_db(config, must_exist=True)
    dest = Path(args.dest)
    if not db.is_sqlite():  # a PostgreSQL site: pg_dump of its schema, the anchor read in the dump's snapshot
        written, newest = db.pg_backup(dest)
        print(f"backup written: {written} ({audit.anchor_line(newest)})")
        return 0
    db.backup(dest)
    with db.sqlite_file(dest, read_only=True) as copy:
        newest = copy.execute(f"SELECT id, hash FROM {db.AuditEvent._meta.table_name} ORDER BY id DESC LIMIT 1").fetchone()
    print(f"backup written: {args.dest} ({audit.anchor_line(newest)})")
    return 0
