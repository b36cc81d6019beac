"""Sites on one PostgreSQL server: each site is a schema of its own in one database, named in the URL
(`postgresql://host/desk?site=north`), and carries its settings (the site file's TOML) inside it, so
every console of the site reads the same settings from the same place. A SQLite site keeps its
site.toml beside the database file as before.
"""
from __future__ import annotations

import tomllib
from datetime import datetime

from . import audit, db
from .config import Config, ConfigError, apply_site

SETTINGS_KEY = "site_settings"


def stored_settings(url: str) -> str:
    """The settings stored with the site of `url`, read on a short connection of its own (the console
    has not bound its database yet). ConfigError says why when there are none: never silent defaults."""
    _, schema = db.postgres_target(url)
    database = db.open_database(url)
    try:
        database.connect()
    except db.CONNECTION_ERRORS as exc:
        raise db.unreachable(exc, url) from None
    try:
        if "schema_meta" not in database.get_tables():
            raise ConfigError(f"there is no site {schema!r} in {db.safe_url(url)}: create it with "
                              f"`deskconsole init --db URL --site FILE`")
        row = database.execute_sql("SELECT value FROM schema_meta WHERE key = %s", (SETTINGS_KEY,)).fetchone()
    except db.CONNECTION_ERRORS as exc:
        raise db.unreachable(exc, url) from None
    finally:
        try:
            database.close()
        except db.CONNECTION_ERRORS:
            pass
    if row is None:
        raise ConfigError(f"the site {schema!r} in {db.safe_url(url)} has no site settings: store them once "
                          f"with `deskconsole init --db URL --site FILE`")
    return row[0]


def check_settings(text: str) -> None:
    """The settings would load: the TOML parses and every value is one the console accepts."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"site file: {exc}") from None
    trial = Config(db_url="")
    apply_site(trial, data)
    trial.sla_engine()


@db.writes
def store_settings(text: str, now: datetime) -> bool:
    """Keep `text` (a site file) as the site's settings; False when they were already these."""
    check_settings(text)
    row = db.SchemaMeta.get_or_none(db.SchemaMeta.key == SETTINGS_KEY)
    if row is not None and row.value == text:
        return False
    if row is None:
        db.SchemaMeta.create(key=SETTINGS_KEY, value=text)
    else:
        db.SchemaMeta.update(value=text).where(db.SchemaMeta.key == SETTINGS_KEY).execute()
    audit.record(None, "site.settings", "site", None, now, before={"text": row.value if row else None},
                 after={"text": text})
    return True


def keep_settings(config: Config, now: datetime) -> None:
    """`deskconsole init` on a PostgreSQL site: the site file given becomes the site's settings."""
    if db.is_sqlite() or config.site_source in (None, "database"):
        return
    store_settings(config.site_text, now)
