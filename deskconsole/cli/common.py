"""What every sub-command shares: the site's configuration, the database, and one-line errors."""
from __future__ import annotations

import codecs
import getpass
import os
import sys
import time

from .. import db, i18n, people
from ..config import Config, ConfigError, load, not_utf8, printable
from ..errors import InvalidInput, Refusal, SignOnError
from ..i18n import _
from ..text import clean

# Refusals any sub-command may meet before it does its own work: said in one line, exit status 2.
STARTUP_ERRORS = (ConfigError, db.SchemaError, Refusal)


def load_config(args) -> Config:
    """The configuration from --db, --site and --lang (else the environment, else the defaults), its
    language set. A report across the sites of a server (`report --sites`) is of no one site: each
    site's own settings are read where it is counted."""
    across_sites = getattr(args, "sites", None) or getattr(args, "all_sites", False)
    config = load(args.db, args.site, args.lang, site_settings=not across_sites)
    i18n.set_language(config.language)
    return config


def _upgrading(**values) -> str:
    return _("Upgrading the database: [{bar}] {percent} % ({done:,} of {total:,} records)", **values)


class TerminalProgress:
    """A bar on stderr for slow work (a migration step building the search index of years of calls, an
    export, a report): drawn only once the work has taken more than a second, and only when stderr is a
    terminal. `message(bar=, percent=, done=, total=)` gives the line (translated)."""

    WIDTH = 30
    AFTER = 1.0   # seconds of work before the bar is drawn

    def __init__(self, stream=None, *, after: float | None = None, clock=time.monotonic,
                 message=_upgrading) -> None:
        self.stream = stream if stream is not None else sys.stderr
        self.after = self.AFTER if after is None else after
        self.clock = clock
        self.message = message
        self.started: float | None = None
        self.drawn = False

    def __call__(self, done: int, total: int) -> None:
        now = self.clock()
        if self.started is None:
            self.started = now
        if now - self.started < self.after or not self.stream.isatty():
            return
        filled = self.WIDTH * done // total if total else self.WIDTH
        percent = 100 * done // total if total else 100
        self.stream.write("\r" + self.message(bar="#" * filled + "." * (self.WIDTH - filled), percent=percent,
                                               done=done, total=total))
        self.stream.flush()
        self.drawn = True

    def close(self) -> None:
        if self.drawn:
            self.stream.write("\n")
            self.stream.flush()
            self.drawn = False


def open_db(config: Config, *, migrate_schema: bool = True, must_exist: bool = False) -> None:
    """Connect to the configured database (migrating an older schema first, unless told not to, with a
    bar on the terminal when that takes more than a second). A command that only reads passes
    `must_exist`: a mistyped --db is refused, not made into a new database."""
    progress = TerminalProgress()
    try:
        db.connect(config.db_url, migrate_schema=migrate_schema, must_exist=must_exist, progress=progress)
    finally:
        progress.close()


# How an argument's value is named in a message (its option, as typed).
_OPTION = {"start": "--from", "end": "--to", "sla_class": "CLASS", "dest": "DEST"}
# Paths Python opens itself: any bytes the system allows are fine there.
_PATHS = frozenset({"site", "out"})


def decode_arguments(args) -> None:
    """Arguments arrive as bytes, which Python reads as UTF-8 (what is not UTF-8 becomes lone
    surrogates). A command with --encoding (a phone system sending GBK) reads its values again in that
    encoding; elsewhere a value that is not UTF-8 is refused, naming its option."""
    encoding = getattr(args, "encoding", None) or "utf-8"
    try:
        utf8 = codecs.lookup(encoding).name == "utf-8"
    except LookupError:
        raise ConfigError(f"--encoding: there is no encoding {encoding!r} (utf-8, gbk, gb18030 ...)") from None
    for name, value in vars(args).items():
        if not isinstance(value, str) or name in _PATHS | {"db", "encoding"}:
            continue
        option = _OPTION.get(name, "--" + name.replace("_", "-"))
        if not utf8:
            try:
                setattr(args, name, os.fsencode(value).decode(encoding))
            except UnicodeDecodeError:
                raise ConfigError(f"{option} is not {encoding} text: {printable(value)}") from None
        elif not_utf8(value):
            hint = ": give --encoding (e.g. gbk)" if hasattr(args, "encoding") else ""
            raise ConfigError(f"{option} is not UTF-8 text: {printable(value)}{hint}")


def _script_pin(code: str) -> str:
    """A script's operator PIN: asked at a terminal, else the first line of standard input (never echoed,
    never an argument: arguments show in `ps` and in shell histories)."""
    try:
        if sys.stdin is not None and sys.stdin.isatty():
            return getpass.getpass(f"PIN for {code}: ", stream=sys.stderr)
        return (sys.stdin.readline() if sys.stdin is not None else "").strip()
    except (OSError, EOFError, KeyboardInterrupt, UnicodeDecodeError):
        return ""


def script_operator(config: Config, operator: str, now, what: str) -> tuple[people.Operator | None, tuple | None]:
    """Who a record from a script (`call add`, `parcel add`) is made as, and the phone system or
    locker it comes from: (None, None) for the system; (None, the site file's [integration]) for that
    code; else the staff member whose PIN comes on standard input (a staff code alone proves nothing;
    a wrong PIN counts toward the lock, as at sign-on). Raises InvalidInput or SignOnError."""
    code = clean(operator).upper()
    if not code:
        return None, None
    if config.integration and code == config.integration[0]:
        return None, config.integration
    if people.find(code) is None:
        raise InvalidInput("operator", people.no_such_staff(code))
    pin = _script_pin(code)
    if not pin:
        raise SignOnError(f"--operator {code}: give {code}'s PIN on standard input "
                          f"(or leave --operator out to record {what} as the system)")
    return people.verify(code, pin, now, action="staff.pin_checked"), None


def fail(command: str, message: str, status: int) -> int:
    """Say what went wrong in one line on stderr, prefixed by the command; returns the exit status."""
    print(f"{command}: {message}", file=sys.stderr)
    return status
