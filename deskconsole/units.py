"""The site's units (房号): who owns each, their phones, whether it is lived in, taken over or not.

The unit list is what the call, order, log and key forms complete from and check against. A
supervisor keeps it: imported from the company's sheet (site_setup), edited one by one here.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from . import audit, db
from .db import Unit
from .errors import InvalidInput
from .i18n import _
from .people import Operator, require
from .text import clean

STATUSES = ("occupied", "vacant", "not_taken_over")
MAX_OWNER = 60
MAX_NOTES = 500
MAX_PHONES = 255          # the column's width: several numbers, " / " between them
PHONE_SEPARATORS = re.compile(r"[/;、／；,，]")
_PHONE = re.compile(r"\+?[0-9][0-9 ()\-]{3,22}[0-9]")


@dataclass(frozen=True)
class UnitInfo:
    id: int
    code: str
    building: str
    floor: int
    owner: str
    phones: tuple[str, ...]
    status: str             # one of STATUSES
    notes: str


def status_of(unit: Unit) -> str:
    if not unit.handed_over:
        return "not_taken_over"
    return "vacant" if unit.vacant else "occupied"


def status_columns(status: str) -> dict:
    """The stored form of a status: taken over or not (the monthly figures count those), vacant or not."""
    return {"handed_over": status != "not_taken_over", "vacant": status == "vacant"}


def _info(unit: Unit) -> UnitInfo:
    phones = tuple(p for p in unit.phones.split(" / ") if p) if unit.phones else ()
    return UnitInfo(unit.id, unit.code, unit.building, unit.floor, unit.owner_name, phones, status_of(unit),
                    unit.notes)


# --- checks shared by the import and the unit form -----------------------------------------

def parse_phones(text: str, field: str = "phones") -> tuple[str, ...]:
    """One or more numbers, separated by / ; or 、 (full-width too, and commas)."""
    phones = []
    for part in PHONE_SEPARATORS.split(clean(text)):
        part = part.strip()
        if not part:
            continue
        if not _PHONE.fullmatch(part) or not 5 <= sum(c.isdigit() for c in part) <= 20:
            raise InvalidInput(field, _("{phone} is not a phone number: digits, with + - ( ) or spaces.",
                                        phone=part))
        if part not in phones:
            phones.append(part)
    if len(" / ".join(phones)) > MAX_PHONES:
        raise InvalidInput(field, _("Too many phone numbers: at most {n} characters in all.", n=MAX_PHONES))
    return tuple(phones)


def check_owner(text: str, field: str = "owner") -> str:
    owner = clean(text)
    if len(owner) > MAX_OWNER:
        raise InvalidInput(field, _("A name is at most {n} characters.", n=MAX_OWNER))
    return owner


def check_notes(text: str, field: str = "notes") -> str:
    notes = clean(text, multiline=True)
    if len(notes) > MAX_NOTES:
        raise InvalidInput(field, _("At most {n} characters: this has {m}.", n=MAX_NOTES, m=len(notes)))
    return notes


def check_status(status: str, field: str = "status") -> str:
    if status not in STATUSES:
        raise InvalidInput(field, _("The status is occupied, vacant or not taken over."))
    return status


# --- reads -----------------------------------------------------------------------------------

def unit_codes() -> list[str]:
    """Every unit's code, read now (forms build their completion from it when they open)."""
    return [u.code for u in Unit.select(Unit.code).order_by(Unit.code)]


def all_units() -> list[UnitInfo]:
    return [_info(u) for u in Unit.select().order_by(Unit.code)]


def get(unit_id: int) -> UnitInfo | None:
    unit = Unit.get_or_none(Unit.id == unit_id)
    return _info(unit) if unit else None


def find(code: str) -> UnitInfo | None:
    from .fields import find_unit
    unit = find_unit(code)
    return _info(unit) if unit else None


def matches(unit: UnitInfo, words: str) -> bool:
    """The units screen's look-up: every word in the code, owner, a phone, the notes or the status."""
    text = " ".join((unit.code, unit.owner, " ".join(unit.phones), unit.notes, _(unit.status.replace("_", " ")),
                     unit.status)).casefold()
    return all(word in text for word in words.casefold().split())


def for_phone(phone: str) -> UnitInfo | None:
    """The unit whose owner has this number, when exactly one has it (a first call from an owner)."""
    phone = clean(phone)
    if len(phone) < 5:
        return None
    found = [u for u in (_info(u) for u in Unit.select().where(Unit.phones.contains(phone)).limit(2))
             if phone in u.phones]
    return found[0] if len(found) == 1 else None


# --- writes ----------------------------------------------------------------------------------

def snapshot(unit: Unit) -> dict:
    """What the audit trail keeps of a unit, before and after a change."""
    return {"owner": unit.owner_name, "phones": unit.phones, "status": status_of(unit), "notes": unit.notes}


@db.writes
def update_unit(actor: Operator, now: datetime, unit_id: int, *, owner: str, phones: str, status: str,
                notes: str) -> None:
    """The units screen's edit: owner, phones, status and notes of one unit."""
    require(actor, "unit.manage")
    unit = Unit.get_or_none(Unit.id == unit_id)
    if unit is None:
        raise InvalidInput("code", _("There is no such unit."))
    values = {"owner_name": check_owner(owner), "phones": " / ".join(parse_phones(phones)),
              **status_columns(check_status(status)), "notes": check_notes(notes)}
    before = snapshot(unit)
    Unit.update(**values).where(Unit.id == unit_id).execute()
    after = snapshot(Unit.get_by_id(unit_id))
    if after != before:
        audit.record(actor, "unit.edit", "unit", unit_id, now, before=before, after=after)


@db.writes
def take_over(actor: Operator, now: datetime, unit_id: int) -> None:
    """The owner took the unit over (入伙): it counts as occupied from now on."""
    require(actor, "unit.manage")
    unit = Unit.get_or_none(Unit.id == unit_id)
    if unit is None:
        raise InvalidInput("code", _("There is no such unit."))
    if unit.handed_over:
        raise InvalidInput("status", _("{code} is taken over already.", code=unit.code))
    before = snapshot(unit)
    Unit.update(**status_columns("occupied")).where(Unit.id == unit_id).execute()
    audit.record(actor, "unit.take_over", "unit", unit_id, now, before=before, after=snapshot(Unit.get_by_id(unit_id)))
