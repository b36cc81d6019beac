"""What the set-up sub-commands share (`units`, `technicians`, `keys`, `staff`): importing a file,
printing a template, a PIN read from standard input, a refusal said on stderr with exit status 1."""
from __future__ import annotations

import getpass
import json
import os
import sys

from rich.cells import cell_len

from .. import db, people, site_setup
from ..clock import SystemClock
from ..config import Config
from ..i18n import _


class Refused(Exception):
    """Said on stderr as "deskconsole <command>: <message>"; the command exits 1 and wrote nothing."""


def fail(command: str, message: str) -> int:
    print(f"deskconsole {command}: {message}", file=sys.stderr)
    return 1


def add_import_parsers(sub, common, kind: str, what: str, lister=None):
    """`<kind> import FILE [--dry-run]`, `<kind> template [--lang zh]` (the common options' --lang
    chooses the headers) and, given `lister`, `<kind> list [--json]` (see print_list)."""
    parser = sub.add_parser(kind, parents=[common], help=f"the site's {what}: import a file, list, template")
    commands = parser.add_subparsers(dest=f"{kind}_command", required=True)
    load = commands.add_parser("import", parents=[common],
                               help=f"import {what} from CSV (UTF-8 or GBK) or xlsx: all rows or none")
    load.add_argument("file", help="the file; first row a header, in English or Chinese")
    load.add_argument("--dry-run", action="store_true", help="say what would change and write nothing")
    load.set_defaults(handler=lambda config, args: run_import(config, args, kind))
    template = commands.add_parser("template", parents=[common],
                                   help="print an example file that imports as it is (--lang zh: Chinese headers)")
    template.set_defaults(handler=lambda config, args: run_template(config, args, kind))
    if lister is not None:
        show = commands.add_parser("list", parents=[common], help=f"every one of the site's {what}")
        show.add_argument("--json", action="store_true", help="as JSON")
        show.set_defaults(handler=lambda config, args: print_list(config, args, lister))


def run_import(config: Config, args, kind: str, clock=None) -> int:
    command = f"{kind} import"
    db.connect(config.db_url)
    now = (clock or SystemClock()).now()
    try:
        table = site_setup.read_table(args.file)
        # From the command line the import is the installer's, recorded as the system (SYSTEM).
        actor = people.system_operator(now)
        if kind == "units":
            result = site_setup.import_units(actor, now, config, table=table, dry_run=args.dry_run)
        elif kind == "technicians":
            result = site_setup.import_technicians(actor, now, table=table, dry_run=args.dry_run)
        else:
            result = site_setup.import_keys(actor, now, table=table, dry_run=args.dry_run)
    except site_setup.ImportRefused as refused:
        for problem in refused.problems:
            print(str(problem), file=sys.stderr)
        return fail(command, refused.summary(args.file))
    print("\n".join(result.lines()))
    return 0


def run_template(config: Config, args, kind: str) -> int:
    text = site_setup.template(kind, args.lang or "en")
    # Into a file: with a BOM, so that Excel opens the Chinese right (the import reads either).
    if not sys.stdout.isatty():
        text = "\ufeff" + text
    sys.stdout.write(text)
    return 0


def text_table(headings: list[str], rows: list[list[str]]) -> str:
    """Columns padded by terminal cells, so Chinese names line up."""
    widths = [max([cell_len(h)] + [cell_len(r[i]) for r in rows]) for i, h in enumerate(headings)]
    lines = [headings, ["-" * w for w in widths], *rows]
    return "\n".join("  ".join(c + " " * (widths[i] - cell_len(c)) for i, c in enumerate(line)).rstrip()
                     for line in lines)


def print_list(config: Config, args, lister) -> int:
    """`lister()` -> (records as JSON objects, headings, rows of text): JSON with --json, else a table."""
    db.connect(config.db_url)
    records, headings, rows = lister()
    if args.json:
        json.dump(records, sys.stdout, ensure_ascii=False, indent=1)
        sys.stdout.write("\n")
    else:
        print(text_table(headings, rows))
    return 0


def read_line() -> str:
    """One line of standard input and not a byte more, so that a script can feed several commands'
    PINs through one pipe."""
    data = b""
    while True:
        byte = os.read(0, 1)
        if not byte or byte == b"\n":
            return data.decode("utf-8", errors="replace").strip()
        data += byte


def read_pin(prompt: str, *, confirm: bool = False) -> str:
    """A PIN: asked without echo at a terminal (twice when it is a new one), else the first line of
    standard input."""
    if sys.stdin is not None and sys.stdin.isatty():
        try:
            pin = getpass.getpass(prompt + ": ", stream=sys.stderr)
            if confirm and getpass.getpass(prompt + " (again): ", stream=sys.stderr) != pin:
                raise Refused(_("The two PINs differ: nothing was written."))
        except (EOFError, KeyboardInterrupt):   # Ctrl+D or Ctrl+C at the prompt
            print(file=sys.stderr)
            raise Refused(_("No PIN given: nothing was written.")) from None
        return pin.strip()
    pin = read_line()
    if not pin:
        raise Refused(_("No PIN on standard input (its first line is read)."))
    return pin
