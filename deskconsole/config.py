"""Where the database is and what the site is like (the site file, TOML)."""
from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from datetime import date, time
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import platformdirs

from . import i18n, keymap

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
    # year -> (days off, adjusted working days) of the official notice, entered until the package has it
    calendar_notices: dict = field(default_factory=dict)
    shifts: tuple[ShiftDef, ...] = (ShiftDef("day", time(8, 0)), ShiftDef("night", time(20, 0)))
    sla: dict = field(default_factory=dict)
    keymap: dict[str, str] = field(default_factory=dict)   # binding id -> key(s), see keymap.py
    # A signed-on console with no key or mouse for this long signs off (0: never).
    idle_sign_off_minutes: int = 15
    # The terminal bell for alarms (a new emergency, an order at 90 % or over, a key overdue, an approval
    # waiting); a site may turn it off.
    bell: bool = True
    # `deskconsole serve`: consoles open at once, and a font file for Chinese (None: look for one).
    serve_max_consoles: int = 10
    serve_cjk_font: str | None = None
    pin_min_length: int = 4            # [pins] min_length: 4 to 12 digits
    unit_code: str = "{building}-{room}"  # [units] code: how a building and a room make a unit's code
    # Visitors' and parcel collectors' names, phones and ID digits are blanked this many days after
    # the visit or the collection (`deskconsole check --purge`).
    personal_data_days: int = 180

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
            notices=self.calendar_notices,
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


def _whole(value, key: str, minimum: int, meaning: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise ConfigError(f"site file: {key} must be {meaning}, not {value!r}")
    return value


def _notices(table) -> dict[int, tuple[frozenset[date], frozenset[date]]]:
    """[calendar.notice.2027] holidays = [...], workdays = [...]: the official notice of a year."""
    if not isinstance(table, dict):
        raise ConfigError("site file: calendar.notice must be tables like [calendar.notice.2027]")
    notices = {}
    for year, notice in table.items():
        key = f"calendar.notice.{year}"
        if not str(year).isdigit() or not isinstance(notice, dict) or set(notice) - {"holidays", "workdays"}:
            raise ConfigError(f"site file: {key} must be a year with the lists holidays and workdays")
        off = _dates(notice.get("holidays", []), f"{key}.holidays")
        on = _dates(notice.get("workdays", []), f"{key}.workdays")
        stray = sorted(d for d in off | on if d.year != int(year))
        if stray:
            raise ConfigError(f"site file: {key} lists {stray[0].isoformat()}, a day of another year")
        notices[int(year)] = (off, on)
    return notices


def load(db: str | None = None, site: str | None = None, lang: str | None = None) -> Config:
    config = Config(db_url=db_url_from(db))
    site_path = site or os.environ.get(ENV_SITE)
    if not site_path and config.db_url.startswith("sqlite:///"):
        beside = Path(config.db_url.removeprefix("sqlite:///")).with_name("site.toml")
        site_path = str(beside) if beside.exists() else None
    if site_path:
        try:
            data = tomllib.loads(Path(site_path).read_text("utf-8"))
        except OSError as exc:
            raise ConfigError(f"cannot read site file {site_path}: {exc.strerror}") from None
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"site file {site_path}: {exc}") from None
        apply_site(config, data)
    if lang:
        config.language = lang
    elif not site_path or "language" not in data:
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
    config.calendar_notices = _notices(calendar.get("notice", {}))
    if "shifts" in data:
        shifts = tuple(
            ShiftDef(str(s["id"]), _time(s["start"], f"shifts.{s.get('id')}.start"))
            for s in data["shifts"]
        )
        if not shifts:
            raise ConfigError("site file: shifts must name at least one shift")
        config.shifts = tuple(sorted(shifts, key=lambda s: s.start))
    config.sla = dict(data.get("sla", {}))
    try:
        config.keymap = keymap.check(data.get("keymap", {}))
    except ValueError as exc:
        raise ConfigError(f"site file {exc}") from None
    config.idle_sign_off_minutes = _whole(data.get("idle_sign_off_minutes", config.idle_sign_off_minutes),
                                          "idle_sign_off_minutes", 0, "a whole number of minutes (0: never)")
    bell = data.get("bell", config.bell)
    if not isinstance(bell, bool):
        raise ConfigError("site file: bell is true or false")
    config.bell = bell
    serve = data.get("serve", {})
    if not isinstance(serve, dict):
        raise ConfigError("site file: serve must be a table ([serve])")
    config.serve_max_consoles = _whole(serve.get("max_consoles", config.serve_max_consoles),
                                       "serve.max_consoles", 1, "a whole number from 1")
    font = serve.get("cjk_font", config.serve_cjk_font)
    if font is not None and (not isinstance(font, str) or not font.strip()):
        raise ConfigError(f"site file: serve.cjk_font must be the path of a font file, not {font!r}")
    config.serve_cjk_font = font
    pins = data.get("pins", {})
    length = pins.get("min_length", config.pin_min_length)
    if not isinstance(length, int) or isinstance(length, bool) or not 4 <= length <= 12:
        raise ConfigError(f"site file: pins.min_length must be a whole number from 4 to 12, not {length!r}")
    config.pin_min_length = length
    unit_code = str(data.get("units", {}).get("code", config.unit_code))
    try:
        unit_code.format(building="1", room="1203")
    except (KeyError, IndexError, ValueError):
        unit_code = ""
    if "{room}" not in unit_code:
        raise ConfigError("site file: units.code must be a pattern like \"{building}-{room}\" with {room} in it")
    config.unit_code = unit_code
    config.personal_data_days = _whole(data.get("personal_data_days", config.personal_data_days),
                                       "personal_data_days", 1, "a whole number of days from 1")
