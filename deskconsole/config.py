"""Where the database is and what the site is like (the site file, TOML)."""
from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from datetime import date, time
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import platformdirs

from . import i18n

ENV_DB = "DESKCONSOLE_DB"
ENV_SITE = "DESKCONSOLE_SITE"


class ConfigError(ValueError):
    """A site file or option that cannot be used, with a message that says why."""


@dataclass(frozen=True)
class ShiftDef:
    id: str       # "day" | "night" | a site's own
    start: time   # a shift runs until the next shift's start


@dataclass
class Config:
    db_url: str
    site_name: str = "Demo Gardens 示范花园"
    timezone: str = "Asia/Shanghai"
    language: str = "en"
    theme: str | None = None
    office_start: time = time(8, 0)
    office_end: time = time(17, 0)
    office_weekdays: frozenset[int] = frozenset({1, 2, 3, 4, 5})
    holiday_country: str | None = "CN"
    extra_holidays: frozenset[date] = frozenset()
    extra_workdays: frozenset[date] = frozenset()
    shifts: tuple[ShiftDef, ...] = (ShiftDef("day", time(8, 0)), ShiftDef("night", time(20, 0)))
    sla: dict = field(default_factory=dict)
    # Where the settings came from: a site file's path, "database" (a PostgreSQL site keeps its own),
    # or None (defaults: a SQLite database without a site file). site_text: the TOML as read.
    site_source: str | None = None
    site_text: str = ""

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def sla_engine(self):
        from . import sla  # imported late: sla pulls in the holiday calendars
        hours = sla.OfficeHours(self.office_start, self.office_end, self.office_weekdays)
        calendar = sla.WorkCalendar(
            self.holiday_country,
            weekdays=self.office_weekdays,
            extra_holidays=self.extra_holidays,
            extra_workdays=self.extra_workdays,
        )
        try:
            catalogue = sla.catalogue_from_config(self.sla, hours)
        except ValueError as exc:
            raise ConfigError(f"site file [sla]: {exc}") from exc
        return sla.SlaEngine(catalogue, hours, self.timezone, calendar)


def default_db_path() -> Path:
    return Path(platformdirs.user_data_dir("deskconsole")) / "desk.db"


def db_url_from(value: str | None) -> str:
    """A bare path means SQLite; a URL (sqlite:///..., postgresql://...) is used as given."""
    value = value or os.environ.get(ENV_DB) or str(default_db_path())
    if "://" in value:
        return value
    return "sqlite:///" + str(Path(value).expanduser().resolve())


def _time(value, key: str) -> time:
    try:
        return time.fromisoformat(str(value))
    except ValueError:
        raise ConfigError(f"site file: {key} must be a time like 08:00, not {value!r}") from None


def _dates(values, key: str) -> frozenset[date]:
    try:
        return frozenset(v if isinstance(v, date) else date.fromisoformat(str(v)) for v in values)
    except (TypeError, ValueError):
        raise ConfigError(f"site file: {key} must be a list of dates like 2026-10-09") from None


def load(db: str | None = None, site: str | None = None, lang: str | None = None, *,
         site_settings: bool = True) -> Config:
    """The configuration of the command line. `site_settings=False`: not of one site (a report across
    the sites of a server reads each site's own settings)."""
    config = Config(db_url=db_url_from(db))
    site_path = site or os.environ.get(ENV_SITE)
    if not site_path and config.db_url.startswith("sqlite:///"):
        beside = Path(config.db_url.removeprefix("sqlite:///")).with_name("site.toml")
        site_path = str(beside) if beside.exists() else None
    data: dict = {}
    if site_path:
        try:
            config.site_text = Path(site_path).read_text("utf-8")
        except OSError as exc:
            raise ConfigError(f"cannot read site file {site_path}: {exc.strerror}") from None
        config.site_source = site_path
    elif site_settings and config.db_url.startswith(("postgresql://", "postgres://")):
        # A site on a server carries its settings; without them the console refuses, never guesses.
        from .sites import stored_settings
        config.site_text = stored_settings(config.db_url)
        config.site_source = site_path = "database"
    if config.site_source is not None:
        try:
            data = tomllib.loads(config.site_text)
        except tomllib.TOMLDecodeError as exc:
            where = "the site's stored settings" if site_path == "database" else f"site file {site_path}"
            raise ConfigError(f"{where}: {exc}") from None
        apply_site(config, data)
    if lang:
        config.language = lang
    elif "language" not in data:
        config.language = i18n.language_from_locale()
    if config.language not in i18n.LANGUAGES:
        raise ConfigError(f"language must be one of {', '.join(i18n.LANGUAGES)}, not {config.language!r}")
    return config


def apply_site(config: Config, data: dict) -> None:
    config.site_name = str(data.get("site_name", config.site_name))
    config.timezone = str(data.get("timezone", config.timezone))
    try:
        ZoneInfo(config.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(f"site file: unknown time zone {config.timezone!r}") from None
    config.language = str(data.get("language", config.language))
    config.theme = data.get("theme", config.theme)
    hours = data.get("office_hours", {})
    config.office_start = _time(hours.get("start", "08:00"), "office_hours.start")
    config.office_end = _time(hours.get("end", "17:00"), "office_hours.end")
    if config.office_end <= config.office_start:
        raise ConfigError("site file: office_hours.end must be after office_hours.start")
    weekdays = hours.get("weekdays", [1, 2, 3, 4, 5])
    if not weekdays or any(d not in range(1, 8) for d in weekdays):
        raise ConfigError("site file: office_hours.weekdays must list ISO weekdays 1 (Monday) to 7")
    config.office_weekdays = frozenset(weekdays)
    calendar = data.get("calendar", {})
    config.holiday_country = calendar.get("country", "CN") or None
    config.extra_holidays = _dates(calendar.get("extra_holidays", []), "calendar.extra_holidays")
    config.extra_workdays = _dates(calendar.get("extra_workdays", []), "calendar.extra_workdays")
    if "shifts" in data:
        shifts = tuple(
            ShiftDef(str(s["id"]), _time(s["start"], f"shifts.{s.get('id')}.start"))
            for s in data["shifts"]
        )
        if not shifts:
            raise ConfigError("site file: shifts must name at least one shift")
        config.shifts = tuple(sorted(shifts, key=lambda s: s.start))
    config.sla = dict(data.get("sla", {}))
