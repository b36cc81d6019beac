"""The company's figures across the sites of one PostgreSQL database (`deskconsole report --sites`).

Each site is computed by `reports.compute` with its own stored settings (time zone, office hours, SLA
catalogue), exactly as its own `deskconsole report` would; the total adds the counts and the
denominators figure by figure, so a rate of the total is the rate of all the sites' records together
(not an average of rates). The records behind each figure are dropped once a site is counted: the
company's report is the figures, a site's own report lists its records.
"""
from __future__ import annotations

import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor
from dataclasses import replace
from datetime import date, datetime
from itertools import repeat
from urllib.parse import parse_qsl, urlencode, urlsplit

from . import db, reports
from .config import ConfigError, load
from .i18n import _
from .reports import Figure, Report


def site_url(url: str, site: str) -> str:
    """`url` with its site set to `site` (checked as a site name)."""
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != "site"] + [("site", site)]
    result = f"{parts.scheme}://{parts.netloc}{parts.path}?{urlencode(query, safe='/')}"
    db.postgres_target(result)  # refuses a name that is not a site's
    return result


def all_sites(url: str) -> list[str]:
    """Every site of the database of `url`: the schemas that hold stored site settings."""
    from .sites import SETTINGS_KEY
    database = db.open_database(url)
    try:
        database.connect()
        schemas = [row[0] for row in database.execute_sql(
            "SELECT table_schema FROM information_schema.tables WHERE table_name = 'schema_meta' "
            "ORDER BY table_schema").fetchall()]
        sites = []
        for schema in schemas:
            if not db.SITE_NAME.fullmatch(schema):
                continue
            found = database.execute_sql(f'SELECT 1 FROM "{schema}".schema_meta WHERE key = %s',
                                         (SETTINGS_KEY,)).fetchone()
            if found:
                sites.append(schema)
    except db.CONNECTION_ERRORS as exc:
        raise db.unreachable(exc, url) from None
    finally:
        if not database.is_closed():
            database.close()
    return sites


def check(url: str, sites: list[str]) -> None:
    """A report across sites is asked of a PostgreSQL database, for at least one site."""
    if not db.is_postgres_url(url):
        raise ConfigError(_("A report across sites needs the PostgreSQL database that holds them."))
    if not sites:
        raise ConfigError(_("There is no site to report on: give --sites a,b,c or --all-sites."))
    for site in sites:
        site_url(url, site)


def compute(url: str, sites: list[str], start: date, end: date, now: datetime) -> tuple[Report, list[Report]]:
    """The total and one report per site, in the order given. Sites are computed side by side, one
    process per core (each site's figures are plain Python work over its own connection)."""
    check(url, sites)
    workers = min(len(sites), os.cpu_count() or 1)
    if workers > 1:
        # fork: the workers start with this process's language and modules, and no connection is open.
        with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork")) as pool:
            per_site = list(pool.map(_one_site, repeat(url), sites, repeat(start), repeat(end), repeat(now)))
    else:
        per_site = [_one_site(url, site, start, end, now) for site in sites]
    return total(per_site, now), per_site


def _one_site(url: str, site: str, start: date, end: date, now: datetime) -> Report:
    """One site's figures with its own settings, without the records behind them."""
    config = load(site_url(url, site))  # the site's own settings; a site without them is refused
    db.connect(config.db_url, migrate_schema=False)
    try:
        version = db.schema_version()
        if version != db.SCHEMA_VERSION:
            raise db.SchemaError(f"site {site!r} has schema version {version}, this program "
                                 f"{db.SCHEMA_VERSION}: run `deskconsole check --db URL` on it first")
        report = reports.compute(config, config.sla_engine(), start, end, now)
    finally:
        db.close()
    return replace(report, figures=[replace(f, records=()) for f in report.figures], days=[], orders=[])


def total(site_reports: list[Report], now: datetime) -> Report:
    """The figures of every site added up, in the order the first site lists them."""
    sums: dict[str, Figure] = {}
    for report in site_reports:
        for f in report.figures:
            seen = sums.get(f.id)
            if seen is None:
                sums[f.id] = f
                continue
            sums[f.id] = replace(
                seen, count=seen.count + f.count,
                total=None if seen.total is None and f.total is None else (seen.total or 0) + (f.total or 0),
                amount=None if seen.amount is None and f.amount is None else (seen.amount or 0) + (f.amount or 0))
    first = site_reports[0]
    return Report(start=first.start, end=first.end, tz=first.tz, generated_at=now,
                  site=_("All sites ({n})", n=len(site_reports)), figures=list(sums.values()))
