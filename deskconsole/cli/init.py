"""`deskconsole init [--demo-data]`: create the database, optionally with a demo site."""
from __future__ import annotations

from .. import db
from ..clock import SystemClock
from ..config import Config, ConfigError
from .common import open_db

# A row of schema_meta that says the database was made as a demo (`deskconsole demo` may replace it).
from ..people import DEMO_MARK  # noqa: E402,F401 (one mark: the PIN policy reads it too)


def register(sub, common) -> None:
    init = sub.add_parser("init", parents=[common], help="create the database (optionally with demo data)")
    init.add_argument("--demo-data", action="store_true", help="fill it with a demo site")
    init.set_defaults(handler=run)


def create(config: Config, demo_data: bool) -> dict | None:
    """The database, brought to the current schema; with `demo_data`, a demo site in it (its counts)."""
    open_db(config)
    from .. import sites
    sites.keep_settings(config, SystemClock().now())  # a PostgreSQL site: the site file given is kept in it
    if not demo_data:
        return None
    from .. import demo, people
    if people.has_staff():
        raise ConfigError("this database has data already: demo data goes into a new database")
    counts = demo.seed(config, SystemClock().now())
    with db.database.atomic():
        db.SchemaMeta.create(key=DEMO_MARK, value="1")
    return counts


def run(config: Config, args) -> int:
    counts = create(config, args.demo_data)
    print(f"database ready: {db.safe_url(config.db_url)}" + (f" with demo data {counts}" if counts else ""))
    return 0
