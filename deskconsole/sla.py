"""SLA clocks for work orders: allowances, working calendars and due times.

The spec is section 2 of the domain notes (the "defaults the console ships" table).
Every order has up to two clocks, *respond* and *resolve*.  A clock is either 24/7
(every minute counts) or *working* (only office hours on working days count, in the
site's time zone).  Working days come from the public-holiday calendar of the
`holidays` package (mainland China by default, which includes the adjusted working
weekends, 调休) plus the site's own extra holidays / working days.

Plain Python on purpose: no Textual here, so the CLI, the reports and the tests can
use it without a terminal.
"""

from __future__ import annotations

import importlib
import importlib.util
import math
import re
import sys
import types
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


def _lazy_packages(names: tuple[str, ...]) -> None:
    """The `holidays` package imports, to give China's calendar: every country (some 280 modules, 7 MB
    of a console's memory) through `holidays.countries`, and every calendar and holiday group (Islamic,
    Hindu, Hebrew ... ≈2 MB) through the `__init__` of `holidays.calendars` and `holidays.groups`.
    Before the package is imported, each of these is put in `sys.modules` as an empty package of the
    same folder, which imports a submodule when one of its names is first asked for (the names its own
    `__init__` imports, read from that file). China then loads China's modules alone, and any other
    country still finds everything it asks for. A package whose `__init__` does anything but import
    names from its submodules is left as it is (everything loaded, as before)."""
    try:
        spec = importlib.util.find_spec("holidays")  # a top-level spec: the package is not run
    except (ImportError, ValueError):
        return
    if spec is None or not spec.submodule_search_locations:
        return
    root = Path(next(iter(spec.submodule_search_locations)))
    for name in names:
        folder = root / name.partition(".")[2].replace(".", "/")
        if name in sys.modules or not (folder / "__init__.py").is_file():
            continue
        try:
            where = _names_imported((folder / "__init__.py").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if where is not None:
            package = types.ModuleType(name)
            package.__path__ = [str(folder)]
            package.__package__ = name
            package.__spec__ = importlib.util.spec_from_file_location(
                name, folder / "__init__.py", submodule_search_locations=[str(folder)])
            package.__getattr__ = _lazy_getattr(name, where, folder)
            sys.modules[name] = package


# `from holidays.x.y import A, B as C` or `from holidays.x.y import (\n A,\n B,\n)`, at the start of a line.
_IMPORT_FROM = re.compile(r"^from[ \t]+(holidays(?:\.\w+)+)[ \t]+import[ \t]+(\([^()]*\)|[^\n()]*)$", re.M)
_COMMENT_OR_DOCSTRING = re.compile(r'^[ \t]*(?:#[^\n]*)?$|^"""(?:[^"]|"(?!""))*"""[ \t]*$', re.M)


def _names_imported(source: str) -> dict[str, tuple[str, str]] | None:
    """name -> (the submodule, its name there) for an `__init__` made only of `from holidays.… import …`
    lines (and comments, a docstring); None for anything else. A regular expression, not `ast.parse`:
    the syntax tree of holidays.countries (16 KB of imports) left ≈1 MB of the console's heap behind."""
    where: dict[str, tuple[str, str]] = {}
    for module, names in _IMPORT_FROM.findall(source):
        listed = " ".join(line.split("#")[0] for line in names.strip("()").splitlines())
        for item in listed.split(","):
            words = item.split()
            if not words:
                continue
            if words[0] == "*" or len(words) not in (1, 3) or (len(words) == 3 and words[1] != "as"):
                return None
            where[words[-1]] = (module, words[0])
    rest = _COMMENT_OR_DOCSTRING.sub("", _IMPORT_FROM.sub("", source))
    return where if not rest.strip() else None


def _lazy_getattr(package: str, where: dict[str, tuple[str, str]], folder: Path):
    def lazy(attr: str):
        if attr in where:
            module, original = where[attr]
            return getattr(importlib.import_module(module), original)
        if (folder / f"{attr}.py").is_file() or (folder / attr / "__init__.py").is_file():
            return importlib.import_module(f"{package}.{attr}")
        raise AttributeError(f"module {package!r} has no attribute {attr!r}")
    return lazy


def _version_without_metadata() -> None:
    """`holidays.version` asks importlib.metadata for the package's version: importing it (email, zipfile,
    csv ...) and scanning the path cost ≈1 MB, for a string the console never shows. The same string is in
    the METADATA of the package's own .dist-info folder: read there, when there is exactly one."""
    try:
        spec = importlib.util.find_spec("holidays")
        root = Path(next(iter(spec.submodule_search_locations)))
        found = list(root.parent.glob("holidays-*.dist-info/METADATA"))
        if "holidays.version" in sys.modules or len(found) != 1:
            return
        with found[0].open(encoding="utf-8") as metadata:
            version = next((line[8:].strip() for line in metadata if line.startswith("Version:")), None)
    except (AttributeError, ImportError, OSError, StopIteration, TypeError, ValueError):
        return
    if version:
        module = types.ModuleType("holidays.version")
        module.__version__ = version
        sys.modules["holidays.version"] = module


def _dateutil_parser_later() -> None:
    """`holidays.holiday_base` imports dateutil's parser for dates given as text (`"2026-10-01" in cn`),
    which the desk never gives: with the tz module it brings, 0.4 MB of a console. Until then
    `dateutil.parser` is a stand-in whose `parse`, or any other name asked of it, imports the real
    module, which takes its place."""
    if "dateutil.parser" in sys.modules:
        return
    stand_in = types.ModuleType("dateutil.parser")

    def real():
        if sys.modules.get("dateutil.parser") is stand_in:
            del sys.modules["dateutil.parser"]
        return importlib.import_module("dateutil.parser")

    def parse(*args, **kwargs):
        return real().parse(*args, **kwargs)

    def other_name(name: str):
        if name.startswith("__"):   # the import system asks for __path__ and others: not a request for the parser
            raise AttributeError(name)
        return getattr(real(), name)

    stand_in.parse = parse
    stand_in.__getattr__ = other_name
    sys.modules["dateutil.parser"] = stand_in


_LAZY = ("holidays.countries", "holidays.calendars", "holidays.groups")
_lazy_packages(_LAZY)
_version_without_metadata()
_dateutil_parser_later()

import holidays  # noqa: E402 (after the lazy packages are in place)

for _name in _LAZY:   # `holidays.calendars` an attribute too, as for a package imported the usual way
    if _name in sys.modules and _name.rpartition(".")[2] not in vars(holidays):
        setattr(holidays, _name.rpartition(".")[2], sys.modules[_name])

__all__ = [
    "ClockSpec",
    "SlaClass",
    "OfficeHours",
    "WorkCalendar",
    "DEFAULT_CATALOGUE",
    "default_catalogue",
    "parse_duration",
    "format_duration",
    "catalogue_from_config",
    "SlaEngine",
]

UTC = timezone.utc
_MINUTE = timedelta(minutes=1)


# --------------------------------------------------------------------------- data


@dataclass(frozen=True)
class ClockSpec:
    """One clock of a class.

    ``minutes`` is the allowance: wall minutes for a 24/7 clock, working minutes for a
    working clock.  ``days`` is set when the allowance was written in working days
    ("3wd"): the engine then recomputes ``minutes`` from the site's day length, so a
    catalogue follows a change of office hours.
    """

    minutes: int
    working: bool
    days: float | None = None


@dataclass(frozen=True)
class SlaClass:
    id: str
    respond: ClockSpec | None  # on site / first reply
    resolve: ClockSpec | None  # done


@dataclass(frozen=True)
class OfficeHours:
    start: time = time(8, 0)
    end: time = time(17, 0)
    weekdays: frozenset[int] = frozenset({1, 2, 3, 4, 5})  # ISO weekdays, Mon=1

    def __post_init__(self) -> None:
        # Accept any iterable of weekdays (a TOML list, a set) but store a frozenset
        # so the dataclass stays hashable.
        days = frozenset(self.weekdays)
        object.__setattr__(self, "weekdays", days)
        if not days <= set(range(1, 8)):
            raise ValueError(f"office weekdays must be ISO weekdays 1..7, got {sorted(days)}")
        # No overnight offices: a working day is one interval inside one date.
        if self.end <= self.start:
            raise ValueError(
                f"office hours must end after they start, got {self.start:%H:%M}-{self.end:%H:%M}"
            )

    @property
    def day_minutes(self) -> int:
        """Length of a working day in minutes (end - start)."""
        return (self.end.hour * 60 + self.end.minute) - (self.start.hour * 60 + self.start.minute)


# ------------------------------------------------------------------ work calendar


class WorkCalendar:
    """Which dates are working days.

    A date is a working day when, in this order of precedence:
    1. it is in the site's ``extra_workdays`` -> working;
    2. it is in the site's ``extra_holidays`` -> not working;
    3. it is a public holiday of the package calendar -> not working;
    4. it is an adjusted working weekend (调休) of the package calendar -> working;
    5. otherwise its ISO weekday is in ``weekdays``.

    The package calendar is loaded one year at a time and cached.  For a year the
    package cannot produce (too far out, or it raises) the calendar falls back to
    the weekdays rule, so a due time is never a crash.

    The calendar is only as good as its data: the State Council publishes next year's
    holidays and 调休 each November or December and the package learns them later.
    For a year it has no official data for, the package's days are a guess (it invents
    "observed" days and knows no 调休), and ``is_official(year)`` says so.  A site can
    enter the official notice of such a year (``notices``: year -> (days off, adjusted
    working days)); the notice then replaces the package's data for that year and the
    year counts as official.
    """

    def __init__(
        self,
        country: str | None = "CN",
        weekdays: Iterable[int] = frozenset({1, 2, 3, 4, 5}),
        extra_holidays: Iterable[date] = (),
        extra_workdays: Iterable[date] = (),
        notices: Mapping[int, tuple[Iterable[date], Iterable[date]]] | None = None,
    ) -> None:
        self.country = country
        self.weekdays = frozenset(weekdays)
        if not self.weekdays <= set(range(1, 8)):
            raise ValueError(f"weekdays must be ISO weekdays 1..7, got {sorted(self.weekdays)}")
        self.extra_holidays = frozenset(extra_holidays)
        self.extra_workdays = frozenset(extra_workdays)
        both = self.extra_holidays & self.extra_workdays
        if both:
            listed = ", ".join(d.isoformat() for d in sorted(both))
            raise ValueError(f"dates listed both as extra holiday and extra workday: {listed}")
        self.notices: dict[int, tuple[frozenset[date], frozenset[date]]] = {}
        for year, (off, on) in (notices or {}).items():
            off, on = frozenset(off), frozenset(on)
            stray = sorted(d for d in off | on if d.year != year)
            if stray:
                raise ValueError(f"the notice for {year} lists dates of another year: {stray[0].isoformat()}")
            if off & on:
                raise ValueError(f"the notice for {year} lists {min(off & on).isoformat()} as both off and working")
            self.notices[year] = (off, on)
        # The last year the package has the official notice for; None: the country has no notices
        # (its calendar is rules only, never a guess).
        self.last_official_year: int | None = None
        if country is not None:
            # Fail at start-up on a typo in the site file, not at the first due time.
            try:
                package = holidays.country_holidays(country)
            except NotImplementedError:
                raise ValueError(f"unknown holiday country {country!r}") from None
            special = getattr(package, "special_public_holidays", None) or {}
            self.last_official_year = max(special) if special else None
        # year -> (public holidays, adjusted working days) from the package
        self._years: dict[int, tuple[frozenset[date], frozenset[date]]] = {}
        self.fallback_years: set[int] = set()  # years where the package failed

    def _year(self, year: int) -> tuple[frozenset[date], frozenset[date]]:
        cached = self._years.get(year)
        if cached is not None:
            return cached
        off: frozenset[date] = frozenset()
        on: frozenset[date] = frozenset()
        if year in self.notices:
            off, on = self.notices[year]
        elif self.country is not None:
            try:
                cal = holidays.country_holidays(self.country, years=year)
                off = frozenset(d for d in cal.keys() if d.year == year)
                # weekend_workdays holds the 调休 days; it can carry other years too.
                on = frozenset(
                    d for d in getattr(cal, "weekend_workdays", ()) if d.year == year
                )
            except Exception:  # noqa: BLE001 - any package failure means "weekdays only"
                off, on = frozenset(), frozenset()
                self.fallback_years.add(year)
        self._years[year] = (off, on)
        return off, on

    def is_official(self, year: int) -> bool:
        """True when the working days of `year` come from official data (the package's, or a notice in
        the site file); False when they are a guess."""
        if year in self.notices or self.country is None or self.last_official_year is None:
            return True
        return year <= self.last_official_year

    def unofficial_years(self, first: date, last: date) -> list[int]:
        """The years from `first` to `last` (local dates) whose working days are a guess."""
        return [y for y in range(first.year, last.year + 1) if not self.is_official(y)]

    def is_working_day(self, d: date) -> bool:
        if d in self.extra_workdays:
            return True
        if d in self.extra_holidays:
            return False
        off, on = self._year(d.year)
        if d in off:
            return False
        if d in on:
            return True
        return d.isoweekday() in self.weekdays


# ------------------------------------------------------------- duration syntax

_NO_CLOCK = {"", "-", "—", "none"}
_DURATION_RE = re.compile(r"^(\d+(?:\.\d+)?)\s*(min|h|d|wmin|wh|wd)(?:\s+(24/7))?$")
# minutes per unit for the units that do not depend on the site's day length
_UNIT_MINUTES = {"min": 1, "h": 60, "d": 1440, "wmin": 1, "wh": 60}
_SYNTAX_HELP = (
    "use e.g. '10min', '2h', '1d' (24/7) or '4.5wh', '3wd' (working hours/days), or '-' for none"
)


def parse_duration(text: str | None, office_hours: OfficeHours) -> ClockSpec | None:
    """Parse a site-file allowance; the unit decides the clock.

    24/7: ``min``, ``h``, ``d`` (calendar days of 24 h), optionally followed by
    " 24/7" (what format_duration writes).  Working: ``wmin``, ``wh`` (working
    minutes/hours) and ``wd`` (working days of the site's day length).
    ``"-"``, ``""`` and ``"none"`` mean no clock and return None.
    """
    if text is None:
        return None
    if not isinstance(text, str):
        raise ValueError(f"bad duration {text!r}: expected a string; {_SYNTAX_HELP}")
    s = text.strip().lower()
    if s in _NO_CLOCK:
        return None
    m = _DURATION_RE.match(s)
    if not m:
        raise ValueError(f"bad duration {text!r}: {_SYNTAX_HELP}")
    number, unit, suffix = float(m.group(1)), m.group(2), m.group(3)
    working = unit.startswith("w")
    if working and suffix:
        raise ValueError(f"bad duration {text!r}: a working-time unit cannot be 24/7")
    if number <= 0:
        raise ValueError(f"bad duration {text!r}: the allowance must be more than zero")
    if unit == "wd":
        # Working days round to the minute: a day length need not be even.
        minutes = round(number * office_hours.day_minutes)
        if minutes < 1:
            raise ValueError(f"bad duration {text!r}: less than one minute")
        return ClockSpec(minutes=minutes, working=True, days=number)
    exact = number * _UNIT_MINUTES[unit]
    minutes = round(exact)
    # Refuse to round silently: "1.5min" or "0.01h" is a typo, not an allowance.
    if minutes < 1 or not math.isclose(exact, minutes, abs_tol=1e-9):
        raise ValueError(f"bad duration {text!r}: not a whole number of minutes")
    return ClockSpec(minutes=minutes, working=working)


def _num(x: float) -> str:
    """Shortest decimal for a number: 3.0 -> '3', 0.5 -> '0.5'."""
    return str(int(x)) if x == int(x) else repr(float(x))


def format_duration(spec: ClockSpec | None, office_hours: OfficeHours | None = None) -> str:
    """Inverse of parse_duration, for listings: "10min 24/7", "24h 24/7", "3wd", "4.5wh".

    parse_duration(format_duration(spec, oh), oh) == spec for any spec parse_duration
    produced.  ``office_hours`` is accepted for symmetry; the text does not need it.
    """
    if spec is None:
        return "-"
    n = spec.minutes
    if spec.working:
        if spec.days is not None:
            return f"{_num(spec.days)}wd"
        if (n * 100) % 60 == 0:  # hours with at most two decimals, e.g. 4.5wh
            return f"{_num(n / 60)}wh"
        return f"{n}wmin"
    if n % 1440 == 0 and n >= 2 * 1440:  # "7d" reads better than "168h"; "24h" stays
        text = f"{n // 1440}d"
    elif n % 60 == 0:
        text = f"{n // 60}h"
    else:
        text = f"{n}min"
    return f"{text} 24/7"


# -------------------------------------------------------------------- catalogue

# The second table of domain.md section 2, in its order, as site-file text; the
# minutes are computed from the office hours so "wd" follows the day length.
_DEFAULT_SPECS: dict[str, tuple[str, str]] = {
    "emergency": ("10min", "24h"),
    "hazard": ("10min", "3wd"),
    "urgent_repair": ("30min", "24h"),
    "simple_repair": ("-", "0.5wd"),
    "general_repair": ("-", "3wd"),
    "common_area": ("-", "3wd"),
    "complaint_impact": ("-", "2h"),
    "complaint_neighbour": ("15min", "8h"),
    "complaint_staff": ("-", "0.5wd"),
    "complaint_staff_serious": ("-", "2wd"),
    "complaint_other": ("8h", "3wd"),
    "inquiry": ("30min", "2wd"),
    "cleaning": ("-", "3wd"),
}


def default_catalogue(office_hours: OfficeHours | None = None) -> dict[str, SlaClass]:
    """The shipped defaults, with working-day allowances in this site's minutes."""
    oh = office_hours or OfficeHours()
    return {
        cid: SlaClass(cid, parse_duration(respond, oh), parse_duration(resolve, oh))
        for cid, (respond, resolve) in _DEFAULT_SPECS.items()
    }


# Minutes for the default 08:00-17:00 day; SlaEngine rescales "wd" clocks anyway.
DEFAULT_CATALOGUE: dict[str, SlaClass] = default_catalogue()

_CLASS_ID_RE = re.compile(r"^[a-z][a-z0-9_]*$")


def catalogue_from_config(
    section: Mapping[str, object] | None, office_hours: OfficeHours
) -> dict[str, SlaClass]:
    """Build a site's catalogue from the [sla] table of its site file.

    Starts from the defaults; ``{"urgent_repair": {"resolve": "12h"}}`` overrides one
    clock and keeps the other; an unknown class id adds a class (missing clocks are
    none).  Any bad value raises ValueError naming the class and the key.
    """
    catalogue = default_catalogue(office_hours)
    for cid, table in (section or {}).items():
        if not isinstance(cid, str) or not _CLASS_ID_RE.match(cid):
            raise ValueError(
                f"[sla] bad class id {cid!r}: use lower-case letters, digits and '_'"
            )
        if not isinstance(table, Mapping):
            raise ValueError(
                f"[sla.{cid}] must be a table like {{respond = \"30min\", resolve = \"3wd\"}},"
                f" got {table!r}"
            )
        unknown = set(table) - {"respond", "resolve"}
        if unknown:
            raise ValueError(
                f"[sla.{cid}] unknown key(s) {', '.join(sorted(map(str, unknown)))}:"
                " only 'respond' and 'resolve' are allowed"
            )
        current = catalogue.get(cid) or SlaClass(cid, None, None)
        clocks = {}
        for key in ("respond", "resolve"):
            if key in table:
                try:
                    clocks[key] = parse_duration(table[key], office_hours)
                except ValueError as exc:
                    raise ValueError(f"[sla.{cid}] {key}: {exc}") from None
        catalogue[cid] = replace(current, **clocks)
    return catalogue


# ----------------------------------------------------------------------- engine


class SlaEngine:
    """Due times for a site: its catalogue, office hours, time zone and calendar."""

    # Guards against a calendar with no working days at all (endless search).
    _MAX_IDLE_DAYS = 3700

    def __init__(
        self,
        catalogue: Mapping[str, SlaClass],
        office_hours: OfficeHours,
        tz: str = "Asia/Shanghai",
        calendar: WorkCalendar | None = None,
    ) -> None:
        self.office_hours = office_hours
        try:
            self.tz = ZoneInfo(tz)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {tz!r}") from None
        self.calendar = calendar or WorkCalendar(weekdays=office_hours.weekdays)
        # Allowances written in working days follow this site's day length.
        self.catalogue: dict[str, SlaClass] = {
            cid: replace(c, respond=self._rescale(c.respond), resolve=self._rescale(c.resolve))
            for cid, c in catalogue.items()
        }

    def _rescale(self, spec: ClockSpec | None) -> ClockSpec | None:
        if spec is None or not spec.working or spec.days is None:
            return spec
        return replace(spec, minutes=round(spec.days * self.office_hours.day_minutes))

    # -- office intervals ---------------------------------------------------

    def _office(self, d: date) -> tuple[datetime, datetime] | None:
        """Opening and closing instant (UTC) of local date ``d``, or None if closed.

        Built from local wall-clock times, so a DST change moves the office with the
        clock, as it does in real life.
        """
        if not self.calendar.is_working_day(d):
            return None
        oh = self.office_hours
        opens = datetime.combine(d, oh.start, tzinfo=self.tz).astimezone(UTC)
        closes = datetime.combine(d, oh.end, tzinfo=self.tz).astimezone(UTC)
        return opens, closes

    @staticmethod
    def _utc(moment: datetime, name: str) -> datetime:
        if moment.tzinfo is None or moment.utcoffset() is None:
            raise ValueError(f"{name} must be a time-zone-aware datetime, got naive {moment!r}")
        return moment.astimezone(UTC)

    def _local_date(self, moment_utc: datetime) -> date:
        return moment_utc.astimezone(self.tz).date()

    def _add_working(self, start: datetime, amount: timedelta) -> datetime:
        """Walk office intervals day by day, spending ``amount`` of office time."""
        cur = start
        remaining = amount
        d = self._local_date(cur)
        idle = 0
        while True:
            office = self._office(d)
            if office is not None:
                idle = 0
                opens, closes = office
                if cur < closes:
                    cur = max(cur, opens)
                    available = closes - cur
                    # "<=": a deadline landing on closing time stays at closing time.
                    if remaining <= available:
                        return cur + remaining
                    remaining -= available
            else:
                idle += 1
                if idle > self._MAX_IDLE_DAYS:
                    raise ValueError("the work calendar has no working day in ten years")
            d += timedelta(days=1)

    # -- public API ---------------------------------------------------------

    def is_open(self, moment: datetime) -> bool:
        """Whether ``moment`` falls in office hours on a working day (the day staff are in)."""
        moment = self._utc(moment, "moment")
        office = self._office(self._local_date(moment))
        return office is not None and office[0] <= moment < office[1]

    def add(self, start: datetime, spec: ClockSpec) -> datetime:
        """Due time (aware UTC) of a clock of ``spec`` started at ``start``."""
        return self._add(self._utc(start, "start"), timedelta(minutes=spec.minutes), spec)

    def _add(self, start: datetime, amount: timedelta, spec: ClockSpec) -> datetime:
        if not spec.working:
            return start + amount
        return self._add_working(start, amount)

    def deadlines(
        self, class_id: str, start: datetime
    ) -> tuple[datetime | None, datetime | None]:
        """(respond_due, resolve_due) in UTC for an order of ``class_id``."""
        try:
            cls = self.catalogue[class_id]
        except KeyError:
            known = ", ".join(self.catalogue)
            raise ValueError(f"unknown SLA class {class_id!r}; known classes: {known}") from None
        respond = None if cls.respond is None else self.add(start, cls.respond)
        resolve = None if cls.resolve is None else self.add(start, cls.resolve)
        return respond, resolve

    def point_at_fraction(self, start: datetime, spec: ClockSpec, fraction: float) -> datetime:
        """The moment ``fraction`` of the allowance is used, in the clock's own terms.

        For a working clock, 0.5 of 3wd is 13.5 working hours after counting starts.
        Fraction 0 is the moment counting starts (next opening, for a working clock).
        """
        if not 0 <= fraction <= 1:
            raise ValueError(f"fraction must be between 0 and 1, got {fraction!r}")
        amount = timedelta(minutes=spec.minutes * fraction)
        return self._add(self._utc(start, "start"), amount, spec)

    def unofficial_years(self, start: datetime, due: datetime) -> list[int]:
        """The years a working-day clock from `start` to `due` rests on without an official calendar."""
        return self.calendar.unofficial_years(self._local_date(self._utc(start, "start")),
                                              self._local_date(self._utc(due, "due")))

    def deadline_guess(self, class_id: str, start: datetime) -> list[int]:
        """The years without an official calendar that the working-day deadlines of an order of
        `class_id` logged at `start` rest on (empty: the deadlines are not a guess)."""
        cls = self.catalogue[class_id]
        years: set[int] = set()
        for spec in (cls.respond, cls.resolve):
            if spec is not None and spec.working:
                years |= set(self.unofficial_years(start, self.add(start, spec)))
        return sorted(years)

    def working_minutes_between(self, a: datetime, b: datetime) -> int:
        """Whole minutes of office time in [a, b); 0 if b is not after a."""
        a, b = self._utc(a, "a"), self._utc(b, "b")
        if b <= a:
            return 0
        total = timedelta()
        d, last = self._local_date(a), self._local_date(b)
        while d <= last:
            office = self._office(d)
            if office is not None:
                lo, hi = max(office[0], a), min(office[1], b)
                if hi > lo:
                    total += hi - lo
            d += timedelta(days=1)
        return total // _MINUTE
