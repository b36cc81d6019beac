"""Stored UTC, shown in the site's local time."""
from __future__ import annotations

from datetime import datetime

import arrow


def local(dt: datetime | None, tz, fmt: str = "MM-DD HH:mm") -> str:
    if dt is None:
        return ""
    return arrow.get(dt).to(tz).format(fmt)


def iso(dt: datetime | None, tz) -> str | None:
    """ISO 8601 with the site's offset, for export and the command line."""
    if dt is None:
        return None
    return arrow.get(dt).to(tz).isoformat()
