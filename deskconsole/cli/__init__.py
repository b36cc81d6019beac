"""The command line: the console by default, and the sub-commands a supervisor or a script uses.

This package holds `main` (the `deskconsole` console script and `python -m deskconsole`), the
argument parser and the dispatch; each sub-command is a module named as the user types it (`call`,
`sla`, `report` ...), the console (no sub-command) is `console`, and what they share is `common`.
A sub-command's module is imported only when the sub-command (or --help) is on the command line:
the console starts without them (the report writers, for one, are not needed to paint a sign-on
screen).
"""
from __future__ import annotations

import argparse
import importlib
import sys

from .. import db, i18n, log
from .common import STARTUP_ERRORS, decode_arguments, fail, load_config

# In the order --help lists them. Each module has register(sub, common), which adds its parser with
# set_defaults(handler=function(config, args) -> exit status).
SUBCOMMANDS = ("demo", "init", "export", "backup", "restore", "check", "call", "parcel", "sla", "handover", "report", "serve",
               "units", "technicians", "keys", "staff", "search")


class _Mistake(Exception):
    """The command line could not be parsed by a parser that knows only the sub-commands named on it."""


class _PartialParser(argparse.ArgumentParser):
    def error(self, message):
        raise _Mistake(message)


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version
    try:
        return version("deskconsole")
    except PackageNotFoundError:  # run from a checkout that was never installed
        return "unknown"


class _Version(argparse.Action):
    """--version, the version asked for only when it is printed: importlib.metadata costs every console
    ≈1 MB of memory otherwise (issue 21)."""

    def __init__(self, option_strings, dest=argparse.SUPPRESS, default=argparse.SUPPRESS,
                 help="show program's version number and exit"):
        super().__init__(option_strings=option_strings, dest=dest, default=default, nargs=0, help=help)

    def __call__(self, parser, namespace, values, option_string=None):
        print(f"deskconsole {_version()}")
        parser.exit()


def _parser(argv: list[str] | None = None) -> argparse.ArgumentParser:
    """The parser: with every sub-command when `argv` is None (tests, completion) or asks for --help;
    else with only the sub-commands named in `argv`, and a mistake raises _Mistake (see main)."""
    words = set(argv or ())
    every = argv is None or bool(words & {"-h", "--help"})
    parser_class = argparse.ArgumentParser if argv is None else _PartialParser
    # SUPPRESS: an option given before the sub-command must not be reset by the sub-command's parser.
    common = argparse.ArgumentParser(add_help=False, argument_default=argparse.SUPPRESS)
    common.add_argument("--db", help="database file or URL (default: $DESKCONSOLE_DB, else the user data directory)")
    common.add_argument("--site", help="site file, TOML (default: $DESKCONSOLE_SITE, else site.toml beside the database)")
    common.add_argument("--lang", choices=i18n.LANGUAGES, help="language of the console (default: site file, else locale)")

    parser = parser_class(prog="deskconsole", parents=[common],
                          description="The duty-desk console of a property-management service centre.",
                          # Raw: the log's path stays on one line, whole, to be copied.
                          formatter_class=argparse.RawDescriptionHelpFormatter,
                          epilog=f"support log (sign-ons, refusals, store errors, migrations; never a PIN),\n"
                                 f"rotated; ${log.ENV_LOG_DIR} puts it in another folder:\n  {log.log_path()}")
    parser.add_argument("--operator", default="", help="staff code to pre-fill at sign-on")
    parser.add_argument("--version", action=_Version)
    sub = parser.add_subparsers(dest="command")
    for name in SUBCOMMANDS:
        if every or name in words:
            importlib.import_module(f"{__name__}.{name}").register(sub, common)
    return parser


def handler(args: argparse.Namespace):
    """What runs the parsed command line: its sub-command's handler, else the console."""
    if getattr(args, "handler", None) is not None:
        return args.handler
    from .console import run  # only when the console is wanted
    return run


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    try:
        args = _parser(argv).parse_args(argv)
    except _Mistake:
        # Parsed again knowing every sub-command, so that the message (and its usage line) names them all.
        args = _parser().parse_args(argv)
    for name in ("db", "site", "lang"):  # absent wherever it was not given (argparse.SUPPRESS)
        setattr(args, name, getattr(args, name, None))
    log.setup()
    config = None
    try:
        decode_arguments(args)
        config = load_config(args)
        return handler(args)(config, args)
    except STARTUP_ERRORS as exc:
        log.warning(f"refused: {exc}")
        return fail("deskconsole", str(exc), 2)
    except KeyboardInterrupt:
        return 130
    except (*db.CONNECTION_ERRORS, *db.DATABASE_ERRORS) as exc:
        if config is not None and db.is_connection_failure(exc, config.db_url):
            # The server went away while the command ran: one line, without the password, exit 2.
            reason = str(db.unreachable(exc, config.db_url))
            log.warning(f"database server lost: {reason}")
            return fail("deskconsole", reason, 2)
        if not isinstance(exc, db.DATABASE_ERRORS):
            return fail("deskconsole", log.crash(exc), 1)
        log.warning(f"store error: {exc}")
        return fail("deskconsole", f"the database could not be read or written ({exc}): `deskconsole check` says "
                                   "what is wrong, `deskconsole restore` puts a backup back", 1)
    except Exception as exc:  # noqa: BLE001 - no traceback reaches a person: one line, the rest in the log
        return fail("deskconsole", log.crash(exc), 1)
    finally:
        db.close()
