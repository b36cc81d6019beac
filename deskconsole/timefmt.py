"""Stored UTC, shown in the site's local time.

Formats use arrow's tokens ("MM-DD HH:mm"). The ones the console uses (YYYY MM DD HH mm ss and
punctuation) are formatted here with zoneinfo; any other format falls back to arrow, imported only
then (arrow costs ≈25 ms of start-up and ≈25 µs a call; a pane reload formats hundreds of times).
"""
from __future__ import annotations

import re
from datetime import datetime, timezone, tzinfo
from functools import lru_cache

_TOKEN = re.compile(r"YYYY|MM|DD|HH|mm|ss|[A-Za-z\[\]]")
_FIELDS = {"YYYY": "{0.year:04d}", "MM": "{0.month:02d}", "DD": "{0.day:02d}",
           "HH": "{0.hour:02d}", "mm": "{0.minute:02d}", "ss": "{0.second:02d}"}


@lru_cache(maxsize=64)
def _template(fmt: str) -> str | None:
    """A str.format template for `fmt`, or None when it has a token not handled here."""
    out, pos = [], 0
    for m in _TOKEN.finditer(fmt):
        field = _FIELDS.get(m.group())
        if field is None:
            return None
        out += [fmt[pos:m.start()].replace("{", "{{").replace("}", "}}"), field]
        pos = m.end()
    out.append(fmt[pos:].replace("{", "{{").replace("}", "}}"))
    return "".join(out)


def _to(dt: datetime, tz) -> datetime | None:
    if not isinstance(tz, tzinfo):
        return None
    if dt.tzinfo is None:  # naive values are UTC (as arrow.get takes them)
        dt = dt.replace(tzinfo=timezone.utc)
    return dt.astimezone(tz)


def local(dt: datetime | None, tz, fmt: str = "MM-DD HH:mm") -> str:
    if dt is None:
        return ""
    template = _template(fmt)
    shown = _to(dt, tz)
    if template is None or shown is None:
        import arrow
        return arrow.get(dt).to(tz).format(fmt)
    return template.format(shown)


# How a time is written inside an audit event's data (str() of the naive UTC value).
_STORED = re.compile(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(\.\d{1,6})?")


def stored(value) -> datetime | None:
    """The UTC time an audit payload holds as text ("2026-11-27 04:30:00.000000"), else None."""
    if isinstance(value, str) and _STORED.fullmatch(value):
        return datetime.fromisoformat(value).replace(tzinfo=timezone.utc)
    return None


def iso(dt: datetime | None, tz) -> str | None:
    """ISO 8601 with the site's offset, for export and the command line."""
    if dt is None:
        return None
    shown = _to(dt, tz)
    if shown is None:
        import arrow
        return arrow.get(dt).to(tz).isoformat()
    return shown.isoformat()
