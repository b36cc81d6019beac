"""Countdowns: how much time is left on a deadline, how urgent that is, and how to say it.

Plain Python, used by the panes on every tick: no database, no allocation beyond the string.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from .i18n import _

BANDS = ("", "band50", "band75", "band90", "over")
# A text marker per band, so the state reads without colour (NO_COLOR, a monochrome terminal).
MARKERS = {"": " ", "band50": "·", "band75": "!", "band90": "‼", "over": "✖"}


@dataclass(frozen=True)
class Deadline:
    """A running clock: when it falls due, and when 50 %, 75 % and 90 % of it are used. The
    fractions are computed once, in the clock's own terms (working minutes for a working clock)."""
    due: datetime
    at50: datetime
    at75: datetime
    at90: datetime
    kind: str = "resolve"   # respond | resolve | reply

    def band(self, now: datetime) -> str:
        if now >= self.due:
            return "over"
        if now >= self.at90:
            return "band90"
        if now >= self.at75:
            return "band75"
        if now >= self.at50:
            return "band50"
        return ""


def wall_deadline(start: datetime, due: datetime, kind: str = "resolve") -> Deadline:
    """A 24/7 clock's bands: fractions of the wall time between start and due."""
    span = due - start
    return Deadline(due, start + span * 0.5, start + span * 0.75, start + span * 0.9, kind)


def format_left(due: datetime, now: datetime) -> str:
    """Precision that adapts: days and hours when far, minutes under a day, seconds under ten
    minutes. A far deadline's text changes at most once a minute, so an idle screen stays still."""
    seconds = int((due - now).total_seconds())
    over = seconds <= 0
    s = -seconds if over else seconds
    if s >= 86400:
        text = _("{d}d{h:02d}h", d=s // 86400, h=s % 86400 // 3600)
    elif s >= 600:
        text = _("{h}h{m:02d}m", h=s // 3600, m=s % 3600 // 60) if s >= 3600 else _("{m}m", m=s // 60)
    else:
        text = _("{m}m{s:02d}s", m=s // 60, s=s % 60)
    return _("OVER {t}", t=text) if over else text


def render(deadline: Deadline | None, now: datetime) -> tuple[str, str]:
    """(text, band) of a countdown cell: marker first, so the state reads without colour."""
    if deadline is None:
        return "", ""
    band = deadline.band(now)
    return f"{MARKERS[band]}{format_left(deadline.due, now)}", band


class UntilChange:
    """A value computed from some lists and the clock (a count of overdue orders), kept until one of
    the lists is replaced (a reload keeps an unchanged list as the same object) or the clock reaches
    the moment it can next change: the 1 s tick then costs a comparison, not a recount of thousands
    of records. `next_change() -> datetime | None` (None: only new lists change it)."""

    __slots__ = ("_sources", "_since", "_until", "_value")

    def __init__(self) -> None:
        self._sources: tuple | None = None
        self._since = self._until = self._value = None

    def get(self, sources: tuple, now: datetime, compute, next_change=lambda: None):
        held = self._sources
        if held is None or len(held) != len(sources) or any(a is not b for a, b in zip(held, sources)) \
                or now < self._since or (self._until is not None and now >= self._until):
            self._value, self._until = compute(), next_change()
            self._sources, self._since = sources, now
        return self._value
