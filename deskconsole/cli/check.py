"""`deskconsole check`: what the console builds from the site file, the database's integrity, its schema
version, the audit chain and every record against the state its last event sealed; exit 1 when
something is wrong. A damaged database is reported, never a crash. It prints the chain's anchor
(`audit: N events, head HASH`), and `--anchor N:HASH` checks the trail still leads to one printed before.
The newest records of each kind are compared with the search index: one written behind the program's
back is not in it, and search would not find it."""
from __future__ import annotations

import sys
from datetime import datetime, timedelta

from .. import audit, db, search_index
from ..clock import SystemClock
from ..config import Config, ConfigError
from ..i18n import _
from .common import open_db

# How far ahead `check` looks for a year whose working days are a guess: further than any
# working-day deadline the desk sets, so the warning comes before the first such deadline does.
CALENDAR_HORIZON = timedelta(days=60)
CHECK_SAMPLE = 500   # the newest records of each kind whose index entry is compared


def register(sub, common) -> None:
    check = sub.add_parser("check", parents=[common],
                           help="site file, integrity, schema version, audit chain and records "
                                "(exit 1 when something is wrong)")
    check.add_argument("--anchor", metavar="N:HASH",
                       help="an anchor printed before (by check, backup or the handover sheet): exit 1 unless "
                            "event N still has that hash")
    check.add_argument("--purge", action="store_true",
                       help="then blank visitors' and parcel collectors' personal data older than the site "
                            "file's personal_data_days (default 180)")
    check.set_defaults(handler=run)


def _guard(what: str, read) -> list[str]:
    """The problems `read` finds, or one problem saying the database could not be read that far."""
    try:
        return read()
    except db.READ_ERRORS as exc:
        return [f"{what}: the database could not be read: {exc}"]


def database_problems(config: Config, anchor: tuple[int, str] | None = None, say=lambda line: None) -> list[str]:
    """Everything `check` finds in the database; `say` is given the lines that are not problems (the
    anchor, the count of records compared)."""
    try:
        open_db(config, migrate_schema=False, must_exist=True)
    except (db.SchemaError, db.StoreError) as exc:
        return [f"database: cannot be opened: {exc}"]
    problems = _guard("integrity", db.integrity_problems)
    try:
        has_schema = db.schema_version() is not None
    except db.READ_ERRORS:
        has_schema = False  # said by integrity_problems
    if not has_schema:
        return problems
    with db.tolerant_text():
        problems += _guard("audit", audit.verify_chain)
        if anchor is not None:
            problems += _guard("audit anchor", lambda: audit.anchor_problems(*anchor))

        def records() -> list[str]:
            compared, unsealed, found = audit.record_problems()
            say(f"records: {compared} as their last audit event recorded them"
                + (f"; {unsealed} written before events recorded state, not compared" if unsealed else ""))
            return found
        problems += _guard("records", records)
        _guard("audit", lambda: [say(audit.anchor_line(audit.head()))])
        if db.schema_version() == db.SCHEMA_VERSION:
            problems += _guard("search index", lambda: search_index.verify(sample=CHECK_SAMPLE))
    return problems


def run(config: Config, args) -> int:
    from .console import start_problems
    try:
        anchor = audit.parse_anchor(args.anchor) if args.anchor else None
    except ValueError as exc:
        raise ConfigError(f"--anchor: {exc}") from None
    said: list[str] = []
    problems = start_problems(config) + database_problems(config, anchor, said.append)
    try:
        warnings = calendar_warnings(config, SystemClock().now())
    except ConfigError:
        warnings = []  # the site file's problem is among `problems` (start_problems)
    for warning in warnings:
        print(warning)   # a warning, not a problem: the console starts all the same
    for line in said + problems:
        print(line)
    if problems:
        print(f"check: {len(problems)} problem(s)", file=sys.stderr)
        return 1
    print("check: ok")
    if getattr(args, "purge", False):
        return _purge(config)
    return 0


def _purge(config: Config) -> int:
    """Personal data past the site's retention, blanked as the system (the audit says so)."""
    from .. import frontdesk, people
    from ..clock import SystemClock
    now = SystemClock().now()
    done = frontdesk.purge_personal_data(people.system_operator(now), now, days=config.personal_data_days)
    print(f"purge: {done.visitors} visitor(s), {done.parcels} parcel(s), {done.found_items} found item(s) blanked "
          f"(closed more than {config.personal_data_days} days ago)")
    return 0


def calendar_warnings(config: Config, now: datetime) -> list[str]:
    """A line for each year from now to CALENDAR_HORIZON ahead whose working days have no official
    calendar (the holidays package lacks the State Council's notice, and the site file has none)."""
    calendar = config.sla_engine().calendar
    years = calendar.unofficial_years(now.astimezone(config.tz).date(), (now + CALENDAR_HORIZON).astimezone(config.tz).date())
    return [_("warning: no official holiday calendar for {year} yet: working-day deadlines in {year} are a guess. Enter the State Council's notice in the site file ([calendar.notice.{year}]) or upgrade the holidays package.", year=year) for year in years]
