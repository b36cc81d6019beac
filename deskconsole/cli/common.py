"""What every sub-command shares: the site's configuration, the database, and one-line errors."""
from __future__ import annotations

import sys
import time

from .. import db, i18n
from ..config import Config, ConfigError, load
from ..errors import Refusal
from ..i18n import _

# Refusals any sub-command may meet before it does its own work: said in one line, exit status 2.
STARTUP_ERRORS = (ConfigError, db.SchemaError, Refusal)


def load_config(args) -> Config:
    """The configuration from --db, --site and --lang (else the environment, else the defaults), its
    language set."""
    config = load(args.db, args.site, args.lang)
    i18n.set_language(config.language)
    return config


class TerminalProgress:
    """A bar on stderr for a migration step (building the search index of years of calls): drawn only
    once the step has taken more than a second, and only when stderr is a terminal."""

    WIDTH = 30

    def __init__(self, stream=None, *, after: float = 1.0, clock=time.monotonic) -> None:
        self.stream = stream if stream is not None else sys.stderr
        self.after = after
        self.clock = clock
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
        self.stream.write("\r" + _("Upgrading the database: [{bar}] {percent} % ({done:,} of {total:,} records)",
                                    bar="#" * filled + "." * (self.WIDTH - filled), percent=percent, done=done,
                                    total=total))
        self.stream.flush()
        self.drawn = True

    def close(self) -> None:
        if self.drawn:
            self.stream.write("\n")
            self.stream.flush()
            self.drawn = False


def open_db(config: Config, *, migrate_schema: bool = True) -> None:
    """Connect to the configured database (migrating an older schema first, unless told not to, with a
    bar on the terminal when that takes more than a second)."""
    progress = TerminalProgress()
    try:
        db.connect(config.db_url, migrate_schema=migrate_schema, progress=progress)
    finally:
        progress.close()


def fail(command: str, message: str, status: int) -> int:
    """Say what went wrong in one line on stderr, prefixed by the command; returns the exit status."""
    print(f"{command}: {message}", file=sys.stderr)
    return status
