"""Where the database is and what the site is like (the site file, TOML)."""
from __future__ import annotations

import os
import re
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
    # [integration]: the identity a phone system records calls as (`call add --operator CODE`, no PIN):
    # (code, name), or None.
    integration: tuple[str, str] | None = None
    # Visitors' and parcel collectors' names, phones and ID digits are blanked this many days after
    # the visit or the collection (`deskconsole check --purge`).
    personal_data_days: int = 180
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
        try:
            calendar = sla.WorkCalendar(
                self.holiday_country,
                weekdays=self.office_weekdays,
                extra_holidays=self.extra_holidays,
                extra_workdays=self.extra_workdays,
                notices=self.calendar_notices,
            )
        except ValueError as exc:  # an unknown country, a date listed as holiday and workday
            key = "calendar.country" if "country" in str(exc) else "calendar.extra_holidays and extra_workdays"
            raise ConfigError(f"site file: {key}: {exc}") from None
        try:
            catalogue = sla.catalogue_from_config(self.sla, hours)
        except ValueError as exc:
            raise ConfigError(f"site file [sla]: {exc}") from exc
        return sla.SlaEngine(catalogue, hours, self.timezone, calendar)


def default_db_path() -> Path:
    return Path(platformdirs.user_data_dir("deskconsole")) / "desk.db"


def db_url_from(value: str | None) -> str:
    """A bare path means SQLite; a URL (sqlite:///..., postgresql://...) is used as given."""
    if value is not None and not value.strip():
        raise ConfigError("--db is empty: give the database file or URL")
    value = value or os.environ.get(ENV_DB) or str(default_db_path())
    if not_utf8(value):
        raise ConfigError(f"the database path is not UTF-8 text: {printable(value)}")
    if "://" in value:
        if value.startswith("sqlite:") and not value.removeprefix("sqlite:").strip("/"):
            raise ConfigError("the database URL names no file: give a path like /srv/desk/desk.db")
        return value
    return "sqlite:///" + str(Path(value).expanduser().resolve())


def not_utf8(text: str) -> bool:
    """Python reads bytes that are not UTF-8 in arguments and the environment as lone surrogates."""
    return any("\udc80" <= ch <= "\udcff" for ch in text)


def printable(text: str) -> str:
    """A value that is not UTF-8, shown with its odd bytes as \\xNN."""
    return os.fsencode(text).decode("utf-8", "backslashreplace") if not_utf8(text) else text


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
        except UnicodeDecodeError:
            raise ConfigError(f"site file {site_path}: not UTF-8 text (save it as UTF-8)") from None
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


def _kind(value) -> str:
    """How a TOML value is called in a message: a table, a list, a string ..."""
    return {dict: "a table", list: "a list", str: "a string", bool: "true/false", int: "a number",
            float: "a number"}.get(type(value), type(value).__name__)


def _table(data: dict, key: str, where: str = "") -> dict:
    value = data.get(key, {})
    if not isinstance(value, dict):
        raise ConfigError(f"site file: {where}{key} must be a table ([{where}{key}]), not {_kind(value)}")
    return value


def _text(data: dict, key: str, default, where: str = ""):
    value = data.get(key, default)
    if value is not default and not isinstance(value, str):
        raise ConfigError(f"site file: {where}{key} must be a string in quotes, not {_kind(value)}")
    return value


def _list(data: dict, key: str, default, where: str = "") -> list:
    value = data.get(key, default)
    if not isinstance(value, list):
        raise ConfigError(f"site file: {where}{key} must be a list [...], not {_kind(value)}")
    return value


def apply_site(config: Config, data: dict) -> None:
    """The site file's values into `config`; a value of the wrong shape is a ConfigError naming its key."""
    config.site_name = _text(data, "site_name", config.site_name)
    config.timezone = _text(data, "timezone", config.timezone)
    try:
        ZoneInfo(config.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(f"site file: unknown time zone {config.timezone!r}") from None
    config.language = _text(data, "language", config.language)
    config.theme = _text(data, "theme", config.theme)
    hours = _table(data, "office_hours")
    config.office_start = _time(hours.get("start", "08:00"), "office_hours.start")
    config.office_end = _time(hours.get("end", "17:00"), "office_hours.end")
    if config.office_end <= config.office_start:
        raise ConfigError("site file: office_hours.end must be after office_hours.start")
    weekdays = hours.get("weekdays", [1, 2, 3, 4, 5])
    if not isinstance(weekdays, list) or not weekdays or \
            any(isinstance(d, bool) or d not in range(1, 8) for d in weekdays):
        raise ConfigError("site file: office_hours.weekdays must list ISO weekdays 1 (Monday) to 7")
    config.office_weekdays = frozenset(weekdays)
    calendar = _table(data, "calendar")
    country = calendar.get("country", "CN")
    if country is not None and not isinstance(country, str):
        raise ConfigError(f"site file: calendar.country must be a country code like \"CN\", not {_kind(country)}")
    config.holiday_country = country or None
    config.extra_holidays = _dates(_list(calendar, "extra_holidays", [], "calendar."), "calendar.extra_holidays")
    config.extra_workdays = _dates(_list(calendar, "extra_workdays", [], "calendar."), "calendar.extra_workdays")
    config.calendar_notices = _notices(calendar.get("notice", {}))
    if "shifts" in data:
        config.shifts = _shifts(data["shifts"])
    config.sla = dict(_table(data, "sla"))
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
    pins = _table(data, "pins")
    length = pins.get("min_length", config.pin_min_length)
    if not isinstance(length, int) or isinstance(length, bool) or not 4 <= length <= 12:
        raise ConfigError(f"site file: pins.min_length must be a whole number from 4 to 12, not {length!r}")
    config.pin_min_length = length
    unit_code = str(_table(data, "units").get("code", config.unit_code))
    try:
        unit_code.format(building="1", room="1203")
    except (KeyError, IndexError, ValueError):
        unit_code = ""
    if "{room}" not in unit_code:
        raise ConfigError("site file: units.code must be a pattern like \"{building}-{room}\" with {room} in it")
    config.unit_code = unit_code
    config.personal_data_days = _whole(data.get("personal_data_days", config.personal_data_days),
                                       "personal_data_days", 1, "a whole number of days from 1")
    if "integration" in data:
        config.integration = _integration(_table(data, "integration"))


def _integration(table: dict) -> tuple[str, str]:
    code = _text(table, "code", None, "integration.")
    if code is None or not re.fullmatch(r"[A-Za-z0-9]{1,12}", code):
        raise ConfigError("site file: integration.code must be 1 to 12 letters or digits, like \"PBX\"")
    name = _text(table, "name", "Phone system", "integration.")
    return code.upper(), name.strip()[:60] or "Phone system"


def _shifts(value) -> tuple[ShiftDef, ...]:
    """[[shifts]] tables, each with an id and a start, sorted by start."""
    if not isinstance(value, list) or not all(isinstance(s, dict) for s in value):
        raise ConfigError("site file: shifts must be [[shifts]] tables, each with an id and a start")
    shifts = []
    for number, table in enumerate(value, 1):
        for key in ("id", "start"):
            if key not in table:
                raise ConfigError(f"site file: shift {number} in [[shifts]] has no {key}")
        if not isinstance(table["id"], str) or not table["id"].strip():
            raise ConfigError(f"site file: shifts.id of shift {number} must be a name in quotes, like \"night\"")
        shifts.append(ShiftDef(table["id"], _time(table["start"], f"shifts.{table['id']}.start")))
    if not shifts:
        raise ConfigError("site file: shifts must name at least one shift")
    if len({s.id for s in shifts}) != len(shifts) or len({s.start for s in shifts}) != len(shifts):
        raise ConfigError("site file: shifts must have different ids and different starts")
    return tuple(sorted(shifts, key=lambda s: s.start))
