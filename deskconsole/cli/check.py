"""`deskconsole check`: integrity, schema version and the audit chain; exit 1 when something is wrong."""
from __future__ import annotations

import sys
from datetime import datetime, timedelta

from .. import audit, db
from ..clock import SystemClock
from ..config import Config
from ..i18n import _
from .common import open_db

# How far ahead `check` looks for a year whose working days are a guess: further than any
# working-day deadline the desk sets, so the warning comes before the first such deadline does.
CALENDAR_HORIZON = timedelta(days=60)


def register(sub, common) -> None:
    check = sub.add_parser("check", parents=[common], help="integrity, schema version and audit chain")
    check.add_argument("--purge", action="store_true",
                       help="then blank visitors' and parcel collectors' personal data older than the site "
                            "file's personal_data_days (default 180)")
    check.set_defaults(handler=run)


def run(config: Config, args) -> int:
    open_db(config, migrate_schema=False)
    problems = db.integrity_problems()
    if db.schema_version() is not None:
        problems += audit.verify_chain()
    for warning in calendar_warnings(config, SystemClock().now()):
        print(warning)   # a warning, not a problem: the console starts all the same
    for problem in problems:
        print(problem)
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
