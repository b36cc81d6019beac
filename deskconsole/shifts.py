"""Shifts and the shift log: who holds the desk, and what happened on their watch."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import peewee as pw

from . import audit, db
from .calls import find_unit
from .config import Config
from .db import Shift, ShiftLogEntry, Staff, Unit
from .i18n import _
from .people import InvalidInput, Operator, require
from .text import clean

ENTRY_KINDS = ("note", "incident", "patrol", "instruction")
# Kinds that stay on the next shift's list until somebody marks them done.
CARRIED_KINDS = ("incident", "instruction")
MAX_TEXT = 2000


@dataclass(frozen=True)
class ShiftInfo:
    id: int
    kind: str
    starts_at: datetime
    ends_at: datetime
    holder_code: str


@dataclass(frozen=True)
class EntryRow:
    id: int
    at: datetime
    author: str
    kind: str
    text: str
    unit_code: str
    open: bool        # an instruction or incident not yet marked done


def shift_bounds(config: Config, now: datetime) -> tuple[str, datetime, datetime]:
    """The site's shift that contains `now`: (kind, start, end) in UTC."""
    local = now.astimezone(config.tz)
    starts = []
    for day in (-1, 0, 1):
        d = (local + timedelta(days=day)).date()
        for s in config.shifts:
            starts.append((datetime.combine(d, s.start, config.tz), s.id))
    starts.sort()
    for (start, kind), (end, _next) in zip(starts, starts[1:]):
        if start <= local < end:
            return kind, start.astimezone(now.tzinfo), end.astimezone(now.tzinfo)
    raise AssertionError("shift table does not cover the day")  # three days of starts always do


@db.writes
def sign_on(actor: Operator, config: Config, now: datetime) -> ShiftInfo:
    """Open the current shift, or join it: the operator signing on holds the desk."""
    shift = _open_shift(actor, config, now)
    if shift.holder_id != actor.id:
        previous = shift.holder.code if shift.holder_id else ""
        Shift.update(holder=actor.id).where(Shift.id == shift.id).execute()
        audit.record(actor, "shift.join", "shift", shift.id, now, before={"holder": previous},
                     after={"holder": actor.code})
    return ShiftInfo(shift.id, shift.kind, shift.starts_at, shift.ends_at, actor.code)


def _open_shift(actor: Operator, config: Config, now: datetime) -> Shift:
    """The shift record of `now`, opened (held by `actor`) if nobody has opened it yet."""
    kind, start, end = shift_bounds(config, now)
    shift = Shift.get_or_none((Shift.kind == kind) & (Shift.starts_at == start))
    if shift is None:
        shift = Shift.create(kind=kind, starts_at=start, ends_at=end, opened_by=actor.id, holder=actor.id)
        audit.record(actor, "shift.open", "shift", shift.id, now, after={"kind": kind, "holder": actor.code})
    return shift


def current(config: Config, now: datetime) -> ShiftInfo | None:
    kind, start, _end = shift_bounds(config, now)
    shift = (Shift.select(Shift, Staff.code.alias("holder_code"))
             .join(Staff, on=(Shift.holder == Staff.id), join_type=pw.JOIN.LEFT_OUTER)
             .where((Shift.kind == kind) & (Shift.starts_at == start)).dicts().first())
    if shift is None:
        return None
    return ShiftInfo(shift["id"], shift["kind"], shift["starts_at"], shift["ends_at"], shift["holder_code"] or "")


def recent_entries(limit: int = 200) -> list[EntryRow]:
    query = (ShiftLogEntry.select(ShiftLogEntry, Staff.code.alias("author_code"), Unit.code.alias("unit_code"))
             .join(Staff, on=(ShiftLogEntry.author == Staff.id)).switch(ShiftLogEntry)
             .join(Unit, on=(ShiftLogEntry.unit == Unit.id), join_type=pw.JOIN.LEFT_OUTER)
             .order_by(ShiftLogEntry.at.desc(), ShiftLogEntry.id.desc()).limit(limit).dicts())
    return [
        EntryRow(r["id"], r["at"], r["author_code"], r["kind"], r["text"], r["unit_code"] or "",
                 r["kind"] in CARRIED_KINDS and r["done_at"] is None)
        for r in query
    ]


def open_carried_count() -> int:
    return (ShiftLogEntry.select()
            .where(ShiftLogEntry.kind.in_(CARRIED_KINDS) & ShiftLogEntry.done_at.is_null()).count())


@db.writes
def add_entry(actor: Operator, config: Config, now: datetime, *, kind: str, text: str,
              unit_code: str = "") -> int:
    require(actor, "log.add")
    if kind not in ENTRY_KINDS:
        raise InvalidInput("kind", _("Choose what kind of entry this is."))
    text = clean(text, multiline=True)
    if not text:
        raise InvalidInput("text", _("Write the entry."))
    if len(text) > MAX_TEXT:
        raise InvalidInput("text", _("At most {n} characters: this has {m}.", n=MAX_TEXT, m=len(text)))
    unit = None
    if clean(unit_code):
        unit = find_unit(unit_code)
        if unit is None:
            raise InvalidInput("unit", _("There is no unit {code} on this site: check the building and room.",
                                         code=clean(unit_code)))
    shift = _open_shift(actor, config, now)
    entry = ShiftLogEntry.create(shift=shift.id, at=now, author=actor.id, kind=kind, text=text, unit=unit)
    audit.record(actor, "log.add", "shift_log", entry.id, now,
                 after={"kind": kind, "text": text, "unit": unit.code if unit else ""})
    return entry.id
