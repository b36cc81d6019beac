"""The shift: which one `now` falls in, signing on and off, and who holds the desk.

The desk changes hands by a handover (handover.py) or, after its holder signed off, passes to
whoever signs on next; a supervisor looking in joins the shift without taking the desk.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import peewee as pw

from .. import audit, db, fields
from ..config import Config
from ..db import DeskSignOff, Shift, Staff
from ..people import Operator, require


@dataclass(frozen=True)
class ShiftInfo:
    id: int
    kind: str
    starts_at: datetime
    ends_at: datetime
    holder_code: str


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
def sign_on(actor: Operator, now: datetime, *, config: Config) -> ShiftInfo:
    """Open the current shift, or join it. Joining does not take the desk from its holder (a
    supervisor looking in must not become the desk on paper): the desk changes hands by a
    handover, or passes to whoever signs on after the holder signed off."""
    shift = _open_shift(actor, now, config=config)
    holder_code = actor.code
    if shift.holder_id != actor.id:
        left = shift.holder_id is None or DeskSignOff.select().where(
            (DeskSignOff.shift == shift.id) & (DeskSignOff.staff == shift.holder_id)
            & (DeskSignOff.at >= (shift.held_since or shift.starts_at))).exists()
        previous = shift.holder.code if shift.holder_id else ""
        if left:
            Shift.update(holder=actor.id, held_since=now).where(Shift.id == shift.id).execute()
            audit.record(actor, "shift.take", "shift", shift.id, now, before={"holder": previous},
                         after={"holder": actor.code})
        else:
            audit.record(actor, "shift.join", "shift", shift.id, now, after={"present": actor.code,
                                                                              "holder": previous})
            holder_code = previous
    return ShiftInfo(shift.id, shift.kind, shift.starts_at, shift.ends_at, holder_code)


def _open_shift(actor: Operator, now: datetime, *, config: Config) -> Shift:
    """The shift record of `now`, opened (held by `actor`) if nobody has opened it yet."""
    kind, start, end = shift_bounds(config, now)
    shift = Shift.get_or_none((Shift.kind == kind) & (Shift.starts_at == start))
    if shift is None:
        shift = Shift.create(kind=kind, starts_at=start, ends_at=end, opened_by=actor.id, holder=actor.id,
                             held_since=now)
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


# --- leaving the desk without a handover ---------------------------------------------------

@db.writes
def sign_off(actor: Operator, now: datetime, *, config: Config, note: str = "") -> int:
    """Leave the desk without a handover. Allowed, but recorded: the next handover lists it. The
    shift's holder stays on record until somebody signs on, so the desk is never unmanned on paper."""
    require(actor, "shift.handover")
    shift = _open_shift(actor, now, config=config)
    note = fields.text(note, "note")
    record = DeskSignOff.create(shift=shift.id, staff=actor.id, at=now, note=note)
    audit.record(actor, "shift.sign_off", "shift", shift.id, now, after={"sign_off": record.id, "note": note})
    return record.id
