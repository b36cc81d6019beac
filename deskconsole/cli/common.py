"""What every sub-command shares: the site's configuration, the database, and one-line errors."""
from __future__ import annotations

import sys

from .. import db, i18n
from ..config import Config, ConfigError, load
from ..errors import Refusal

# Refusals any sub-command may meet before it does its own work: said in one line, exit status 2.
STARTUP_ERRORS = (ConfigError, db.SchemaError, Refusal)


def load_config(args) -> Config:
    """The configuration from --db, --site and --lang (else the environment, else the defaults), its
    language set."""
    config = load(args.db, args.site, args.lang)
    i18n.set_language(config.language)
    return config


def open_db(config: Config, *, migrate_schema: bool = True) -> None:
    """Connect to the configured database (migrating an older schema first, unless told not to)."""
    db.connect(config.db_url, migrate_schema=migrate_schema)


def fail(command: str, message: str, status: int) -> int:
    """Say what went wrong in one line on stderr, prefixed by the command; returns the exit status."""
    print(f"{command}: {message}", file=sys.stderr)
    return status
