"""The command line: the console by default, and the sub-commands a supervisor or a script uses."""
from __future__ import annotations

import argparse
import os
import importlib
import json
import sys
from decimal import Decimal
from pathlib import Path

from . import audit, db, i18n
from .clock import SystemClock
from .config import Config, ConfigError, load

EXPORT_TABLES = {
    "units": db.Unit, "staff": db.Staff, "calls": db.Call, "work_orders": db.WorkOrder, "reminder_acks": db.ReminderAck,
    "shifts": db.Shift, "shift_log": db.ShiftLogEntry, "keys": db.Key, "key_loans": db.KeyLoan, "key_reports": db.KeyReport,
    "audit": db.AuditEvent,
    "handovers": db.Handover, "handover_acks": db.HandoverAck, "handover_addenda": db.HandoverAddendum,
    "desk_sign_offs": db.DeskSignOff,
}
# Never leaves the database: not in the export, the audit or a log.
SECRET_COLUMNS = {"pin_hash"}
DEMO_MARK = "demo"
# Modules that add sub-commands of their own concern, by the sub-command each adds. A module is
# imported only when its sub-command (or --help) is on the command line: the console itself starts
# without them (the report writers, for one, are not needed to paint a sign-on screen).
SUBCOMMAND_MODULES = {"call": "cli_calls", "sla": "cli_orders", "handover": "cli_shifts", "report": "cli_reports"}


def _parser(argv: list[str] | None = None) -> argparse.ArgumentParser:
    # SUPPRESS: an option given before the sub-command must not be reset by the sub-command's parser.
    common = argparse.ArgumentParser(add_help=False, argument_default=argparse.SUPPRESS)
    common.add_argument("--db", help="database file or URL (default: $DESKCONSOLE_DB, else the user data directory)")
    common.add_argument("--site", help="site file, TOML (default: $DESKCONSOLE_SITE, else site.toml beside the database)")
    common.add_argument("--lang", choices=i18n.LANGUAGES, help="language of the console (default: site file, else locale)")

    parser = argparse.ArgumentParser(prog="deskconsole", parents=[common],
                                     description="The duty-desk console of a property-management service centre.")
    parser.add_argument("--operator", default="", help="staff code to pre-fill at sign-on")
    sub = parser.add_subparsers(dest="command")
    demo = sub.add_parser("demo", parents=[common], help="a fresh demo database, then the console")
    demo.add_argument("--operator", default="", help="staff code to pre-fill at sign-on")
    init = sub.add_parser("init", parents=[common], help="create the database (optionally with demo data)")
    init.add_argument("--demo-data", action="store_true", help="fill it with a demo site")
    sub.add_parser("export", parents=[common], help="every table as one JSON object on stdout")
    backup = sub.add_parser("backup", parents=[common], help="a consistent copy, safe while consoles write")
    backup.add_argument("dest", help="file to write")
    sub.add_parser("check", parents=[common], help="integrity, schema version and audit chain")
    # argv None: every sub-command (tests, completion); else those named on the line (or all for --help).
    words = set(argv or ())
    wanted = SUBCOMMAND_MODULES if argv is None or words & {"-h", "--help"} else \
        {command: name for command, name in SUBCOMMAND_MODULES.items() if command in words}
    for name in wanted.values():
        # Each adds its parsers with set_defaults(handler=function(config, args) -> exit status).
        importlib.import_module(f"deskconsole.{name}").register(sub, common)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    args = _parser(argv).parse_args(argv)
    for name in ("db", "site", "lang"):  # absent wherever it was not given (argparse.SUPPRESS)
        setattr(args, name, getattr(args, name, None))
    try:
        across_sites = getattr(args, "sites", None) or getattr(args, "all_sites", False)  # report --sites
        config = load(args.db, args.site, args.lang, site_settings=not across_sites)
        i18n.set_language(config.language)
        if getattr(args, "handler", None) is not None:
            return args.handler(config, args)
        return COMMANDS[args.command or "console"](config, args)
    except (ConfigError, db.SchemaError, db.StoreError) as exc:
        print(f"deskconsole: {exc}", file=sys.stderr)
        return 2
    except db.CONNECTION_ERRORS as exc:  # the server went away while the command ran
        print(f"deskconsole: {db.unreachable(exc)}", file=sys.stderr)
        return 2
    finally:
        db.close()


def run_console(config: Config, args) -> int:
    db.connect(config.db_url)
    from .app import DeskApp  # Textual only when a console is wanted
    app = DeskApp(config, operator_code=args.operator)
    app.run()
    return app.return_code or 0  # 129 when the terminal went away


def run_demo(config: Config, args) -> int:
    if not args.db and "DESKCONSOLE_DB" not in os.environ:
        config.db_url = "sqlite:///" + str(Path(config.db_url.removeprefix("sqlite:///")).with_name("demo.db"))
    path = db.sqlite_path(config.db_url)
    if path is None:
        raise ConfigError("the demo makes a SQLite file: give --db a file path")
    if path.exists():
        db.connect(config.db_url, migrate_schema=False)
        is_demo = "schema_meta" in db.database.get_tables() and \
            db.SchemaMeta.get_or_none(db.SchemaMeta.key == DEMO_MARK) is not None
        db.close()
        if not is_demo:
            raise ConfigError(f"{path} exists and is not a demo database: the demo will not replace it")
        for suffix in ("", "-wal", "-shm"):
            Path(str(path) + suffix).unlink(missing_ok=True)
    _init(config, demo_data=True)
    print(f"demo database: {path}\nsign on as S1 (supervisor), R1 (receptionist) or G1 (guard), PIN 0000",
          file=sys.stderr)
    return run_console(config, args)


def _init(config: Config, demo_data: bool) -> dict | None:
    db.connect(config.db_url)
    from . import sites
    sites.keep_settings(config, SystemClock().now())
    if not demo_data:
        return None
    from . import demo, people
    if people.has_staff():
        raise ConfigError("this database has data already: demo data goes into a new database")
    counts = demo.seed(config, SystemClock().now())
    with db.database.atomic():
        db.SchemaMeta.create(key=DEMO_MARK, value="1")
    return counts


def run_init(config: Config, args) -> int:
    counts = _init(config, args.demo_data)
    print(f"database ready: {db.safe_url(config.db_url)}" + (f" with demo data {counts}" if counts else ""))
    return 0


def _jsonable(value, tz):
    from .timefmt import iso
    if hasattr(value, "tzinfo"):
        return iso(value, tz)
    if isinstance(value, Decimal):
        return str(value)
    return value


def export_data(config: Config) -> dict:
    tz = config.tz
    result = {"schema_version": db.schema_version()}
    for name, model in EXPORT_TABLES.items():
        rows = []
        for row in model.select().order_by(model._meta.primary_key).dicts().iterator():
            record = {k: _jsonable(v, tz) for k, v in row.items() if k not in SECRET_COLUMNS}
            if model is db.AuditEvent:
                record["data"] = json.loads(record["data"])
            rows.append(record)
        result[name] = rows
    return result


def run_export(config: Config, args) -> int:
    db.connect(config.db_url)
    json.dump(export_data(config), sys.stdout, ensure_ascii=False, indent=1)
    sys.stdout.write("\n")
    return 0


def run_backup(config: Config, args) -> int:
    db.connect(config.db_url)
    print(f"backup written: {db.backup(Path(args.dest))}")
    return 0


def run_check(config: Config, args) -> int:
    db.connect(config.db_url, migrate_schema=False)
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


COMMANDS = {"console": run_console, "demo": run_demo, "init": run_init, "export": run_export,
            "backup": run_backup, "check": run_check}
