"""The shift log: notes, incidents, patrols and instructions for the next shift.

Entries are never edited: a correction is a new entry that links back. Instructions and incidents
are carried over to every following shift until somebody marks them done.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

import peewee as pw

from .. import audit, db, fields, orders
from ..config import Config
from ..db import Call, Key, ShiftLogEntry, Staff, Unit, WorkOrder
from ..errors import Conflict
from ..i18n import _
from ..people import InvalidInput, Operator, require
from ..text import clean
from .shift import _open_shift

ENTRY_KINDS = ("note", "incident", "patrol", "instruction")
# Kinds that stay on the next shift's list until somebody marks them done.
CARRIED_KINDS = ("incident", "instruction")


@dataclass(frozen=True)
class EntryRow:
    id: int
    at: datetime
    author: str
    kind: str
    text: str
    unit_code: str
    open: bool        # an instruction or incident not yet marked done (nor corrected by a later entry)
    corrects: int | None = None
    link: str = ""


@dataclass(frozen=True)
class EntryDetail:
    id: int
    at: datetime
    author: str
    kind: str
    text: str
    unit_code: str
    link: str
    corrects: int | None
    corrected_by: tuple[int, ...]
    done_at: datetime | None
    done_by: str
    open: bool


def _corrected_ids() -> pw.SelectQuery:
    Correction = ShiftLogEntry.alias()
    return Correction.select(Correction.corrects).where(Correction.corrects.is_null(False))


def _open_carried_where():
    """An instruction or incident still to do: not done, and not superseded by a correction (the
    correction carries on in its place)."""
    return (ShiftLogEntry.kind.in_(CARRIED_KINDS) & ShiftLogEntry.done_at.is_null()
            & ShiftLogEntry.id.not_in(_corrected_ids()))


def link_text(call_id: int | None, order_id: int | None, key_tag: str | None) -> str:
    if order_id:
        return orders.number(order_id)
    if call_id:
        return f"C{call_id}"
    return key_tag or ""


def _entry_query():
    return (ShiftLogEntry.select(ShiftLogEntry, Staff.code.alias("author_code"), Unit.code.alias("unit_code"),
                                 Key.tag.alias("key_tag"))
            .join(Staff, on=(ShiftLogEntry.author == Staff.id)).switch(ShiftLogEntry)
            .join(Unit, on=(ShiftLogEntry.unit == Unit.id), join_type=pw.JOIN.LEFT_OUTER).switch(ShiftLogEntry)
            .join(Key, on=(ShiftLogEntry.key_id == Key.id), join_type=pw.JOIN.LEFT_OUTER))


def recent_entries(limit: int = 200) -> list[EntryRow]:
    """The newest entries, and every instruction or incident still open however old it is: carried
    over to every following shift until it is done."""
    corrected = {r.corrects_id for r in ShiftLogEntry.select(ShiftLogEntry.corrects)
                 .where(ShiftLogEntry.corrects.is_null(False))}
    newest = list(_entry_query().order_by(ShiftLogEntry.at.desc(), ShiftLogEntry.id.desc()).limit(limit).dicts())
    seen = {r["id"] for r in newest}
    older_open = [r for r in _entry_query().where(_open_carried_where()).order_by(ShiftLogEntry.at.desc()).dicts()
                  if r["id"] not in seen]
    return [
        EntryRow(r["id"], r["at"], r["author_code"], r["kind"], r["text"], r["unit_code"] or "",
                 r["kind"] in CARRIED_KINDS and r["done_at"] is None and r["id"] not in corrected,
                 r["corrects"], link_text(r["call"], r["order"], r["key_tag"]))
        for r in newest + older_open
    ]


def open_carried_count() -> int:
    return ShiftLogEntry.select().where(_open_carried_where()).count()


_CALL_REF = re.compile(r"C(?:ALL)?\s*#?\s*0*(\d{1,9})", re.IGNORECASE)


def resolve_link(link: str) -> dict:
    """A link typed in the form: WO00012 (a work order), C123 (a call) or a key's tag."""
    link = clean(link)
    if not link:
        return {}
    m = re.fullmatch(r"WO\s*0*(\d{1,9})", link, re.IGNORECASE)
    if m:
        order = WorkOrder.get_or_none(WorkOrder.id == int(m.group(1)))
        if order is None:
            raise InvalidInput("link", _("There is no work order {ref}.", ref=link.upper()))
        return {"order": order.id}
    m = _CALL_REF.fullmatch(link)
    if m:
        call = Call.get_or_none(Call.id == int(m.group(1)))
        if call is None:
            raise InvalidInput("link", _("There is no call {ref}.", ref=link.upper()))
        return {"call": call.id}
    key = Key.get_or_none(Key.tag == link.upper())
    if key is None:
        raise InvalidInput("link", _("Link to a work order (WO00012), a call (C123) or a key tag (PR-01)."))
    return {"key_id": key.id}


@db.writes
def add_entry(actor: Operator, now: datetime, *, config: Config, kind: str, text: str,
              unit_code: str = "", link: str = "", corrects: int | None = None) -> int:
    """Write an entry in the current shift's log. Entries are never edited: a correction is a new
    entry that links back to the one it corrects (and carries on in its place)."""
    require(actor, "log.add")
    return write_entry(actor, now, config=config, kind=kind, text=text, unit_code=unit_code, link=link,
                       corrects=corrects)


def write_entry(actor: Operator, now: datetime, *, config: Config, kind: str, text: str, unit_code: str = "",
                link: str = "", corrects: int | None = None) -> int:
    """add_entry's work inside the caller's transaction (a query carried over at a handover is written
    with its answer)."""
    if kind not in ENTRY_KINDS:
        raise InvalidInput("kind", _("Choose what kind of entry this is."))
    text = fields.text(text, "text", _("Write the entry."))
    unit = fields.unit(unit_code)
    links = resolve_link(link)
    if corrects is not None:
        original = ShiftLogEntry.get_or_none(ShiftLogEntry.id == corrects)
        if original is None:
            raise InvalidInput("text", _("There is no log entry L{id} to correct.", id=corrects))
        if original.done_at is not None:
            raise InvalidInput("text", _("L{id} is marked done already: write a new entry instead.", id=corrects))
    shift = _open_shift(actor, now, config=config)
    entry = db.create(ShiftLogEntry, shift=shift.id, at=now, author=actor.id, kind=kind, text=text, unit=unit,
                      corrects=corrects, **links)
    audit.record(actor, "log.correct" if corrects else "log.add", "shift_log", entry.id, now,
                 after={"kind": kind, "text": text, "unit": unit.code if unit else "", "corrects": corrects,
                        **links})
    return entry.id


@db.writes
def mark_done(actor: Operator, now: datetime, entry_id: int) -> None:
    """An instruction or incident is dealt with: it stops being carried over."""
    require(actor, "log.done")
    entry = ShiftLogEntry.get_or_none(ShiftLogEntry.id == entry_id)
    if entry is None:
        raise InvalidInput("entry", _("There is no log entry L{id}.", id=entry_id))
    if entry.kind not in CARRIED_KINDS:
        raise InvalidInput("entry", _("Only instructions and incidents are marked done."))
    if ShiftLogEntry.select().where(ShiftLogEntry.corrects == entry_id).exists():
        raise InvalidInput("entry", _("L{id} was corrected: mark the correction done.", id=entry_id))
    updated = (ShiftLogEntry.update(done_at=now, done_by=actor.id)
               .where((ShiftLogEntry.id == entry_id) & ShiftLogEntry.done_at.is_null()).execute())
    if not updated:
        who = entry.done_by.code if entry.done_by_id else "?"
        raise Conflict(_("L{id} was marked done already (by {who}).", id=entry_id, who=who))
    audit.record(actor, "log.done", "shift_log", entry_id, now, before={"done_at": None}, after={"done_at": now})


def entry_detail(entry_id: int) -> EntryDetail | None:
    r = _entry_query().where(ShiftLogEntry.id == entry_id).dicts().first()
    if r is None:
        return None
    corrected_by = tuple(e.id for e in ShiftLogEntry.select(ShiftLogEntry.id)
                         .where(ShiftLogEntry.corrects == entry_id).order_by(ShiftLogEntry.id))
    done_by = Staff.get_by_id(r["done_by"]).code if r["done_by"] else ""
    return EntryDetail(r["id"], r["at"], r["author_code"], r["kind"], r["text"], r["unit_code"] or "",
                       link_text(r["call"], r["order"], r["key_tag"]), r["corrects"], corrected_by,
                       r["done_at"], done_by,
                       r["kind"] in CARRIED_KINDS and r["done_at"] is None and not corrected_by)
