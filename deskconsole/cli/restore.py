"""`deskconsole restore BACKUP`: put a backup back as the database, then check it.

Never by copying the file over desk.db while consoles run (that tore the database: 101 problems).
The backup is checked first; the restore refuses while any process has the database open; it goes
through SQLite's backup API; what the database held before is kept beside it; the result is checked.
"""
from __future__ import annotations

import sys
from pathlib import Path

from .. import audit, db
from ..config import Config, ConfigError
from .check import database_problems
from .common import fail, open_db

COMMAND = "deskconsole restore"


def register(sub, common) -> None:
    restore = sub.add_parser("restore", parents=[common],
                             help="put a backup back as the database (refused while consoles are open), then check it")
    restore.add_argument("backup", metavar="BACKUP", help="the backup file (made by deskconsole backup)")
    restore.set_defaults(handler=run)


def _backup_problems(config: Config, source: Path) -> list[str]:
    """What `check` would find in the backup (an older schema version is fine: it is migrated after)."""
    try:
        db.connect("sqlite:///" + str(source), migrate_schema=False, must_exist=True)
    except (db.SchemaError, db.StoreError) as exc:
        return [str(exc)]
    try:
        problems = db.integrity_problems(older_is_fine=True)
        if not problems:
            problems = audit.verify_chain()
        return problems
    except db.READ_ERRORS as exc:
        return [f"the backup could not be read: {exc}"]
    finally:
        db.close()


def run(config: Config, args) -> int:
    target = db.sqlite_path(config.db_url)
    if target is None:
        raise ConfigError("restore puts back a SQLite file; for a server database use the server's own tools")
    source = Path(args.backup).expanduser().resolve()
    if not source.is_file():
        return fail(COMMAND, f"there is no backup file {source}", 2)
    if db.file_identity(source) == db.file_identity(target):
        return fail(COMMAND, f"{source} is the database itself, not a backup of it", 2)
    problems = _backup_problems(config, source)
    if problems:
        return fail(COMMAND, f"{source} is not a sound backup, nothing was restored: {problems[0]}"
                             + (f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""), 1)
    # Before this process opens the database (see others_have_it_open).
    if db.others_have_it_open(target):
        return fail(COMMAND, f"the database {target} is open in a console or another program: quit every "
                             "console (Ctrl+Q) and stop the scripts that use it, then restore", 1)
    kept = db.restore(source, target)
    open_db(config)  # an older backup is brought to this version here
    db.close()
    after = database_problems(config)
    for problem in after:
        print(problem)
    print(f"restored {target} from {source}" + (f"; what it held before is kept as {kept}" if kept else ""))
    if after:
        print(f"check: {len(after)} problem(s)", file=sys.stderr)
        return 1
    print("check: ok")
    return 0
