"""The call log: every call, walk-in and patrol finding, written down."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

import peewee as pw

from . import audit, db
from .db import Call, Staff, Unit, WorkOrder
from .i18n import _
from .people import InvalidInput, Operator, require
from .text import clean

CATEGORIES = ("inquiry", "repair", "complaint", "emergency", "message", "other")
CHANNELS = ("phone", "walk_in", "intercom", "letter", "patrol", "staff")
MAX_TEXT = 2000
MAX_NAME = 60
INQUIRY_REPLY = timedelta(minutes=30)
_PHONE = re.compile(r"\+?[0-9][0-9 \-]{2,19}")


@dataclass(frozen=True)
class CallRow:
    id: int
    received_at: datetime
    channel: str
    category: str
    caller: str
    unit_code: str
    phone: str
    text: str
    status: str
    taken_by: str
    reply_due_at: datetime | None
    order_id: int | None

    @property
    def is_open_emergency(self) -> bool:
        return self.category == "emergency" and self.status == "open"


def find_unit(code: str) -> Unit | None:
    code = clean(code).upper().replace(" ", "")
    return Unit.get_or_none(Unit.code == code) if code else None


def validate(*, phone: str, caller: str, unit_code: str, category: str, channel: str, text: str) -> dict:
    """The call's fields cleaned, or InvalidInput naming the first field that is wrong."""
    phone = clean(phone)
    if phone and not _PHONE.fullmatch(phone):
        raise InvalidInput("phone", _("A phone number is digits, spaces and dashes, with an optional + first."))
    caller = clean(caller)
    if len(caller) > MAX_NAME:
        raise InvalidInput("caller", _("A name is at most {n} characters.", n=MAX_NAME))
    unit = None
    if clean(unit_code):
        unit = find_unit(unit_code)
        if unit is None:
            raise InvalidInput("unit", _("There is no unit {code} on this site: check the building and room.",
                                         code=clean(unit_code)))
    if category not in CATEGORIES:
        raise InvalidInput("category", _("Choose a category."))
    if channel not in CHANNELS:
        raise InvalidInput("channel", _("Choose how the call came in."))
    text = clean(text, multiline=True)
    if not text:
        raise InvalidInput("text", _("Write down what was said."))
    if len(text) > MAX_TEXT:
        raise InvalidInput("text", _("At most {n} characters: this has {m}.", n=MAX_TEXT, m=len(text)))
    return {"phone": phone, "caller": caller, "unit": unit, "category": category,
            "channel": channel, "text": text}


@db.writes
def add_call(actor: Operator, now: datetime, *, phone: str = "", caller: str = "", unit_code: str = "",
             category: str, channel: str, text: str, answered: bool = True) -> int:
    """Record a call; returns its id. An inquiry not answered on the spot gets a reply deadline."""
    require(actor, "call.add")
    fields = validate(phone=phone, caller=caller, unit_code=unit_code, category=category,
                      channel=channel, text=text)
    reply_due = now + INQUIRY_REPLY if category == "inquiry" and not answered else None
    status = "open" if category in ("emergency", "repair", "complaint", "message") or reply_due else "closed"
    call = Call.create(received_at=now, taken_by=actor.id, status=status, reply_due_at=reply_due,
                       updated_at=now, **fields)
    audit.record(actor, "call.add", "call", call.id, now, after=_public(call))
    return call.id


def _public(call: Call) -> dict:
    return {"category": call.category, "channel": call.channel, "caller": call.caller,
            "unit": call.unit.code if call.unit_id else "", "phone": call.phone, "text": call.text,
            "status": call.status}


def recent(limit: int = 300) -> list[CallRow]:
    """The newest calls, open emergencies first: a window, never the whole table."""
    order = WorkOrder.select(WorkOrder.id).where(WorkOrder.call == Call.id).order_by(WorkOrder.id.desc()).limit(1)
    base = (Call.select(Call, Unit.code.alias("unit_code"), Staff.code.alias("taken_by_code"), order.alias("order_id"))
            .join(Unit, on=(Call.unit == Unit.id), join_type=pw.JOIN.LEFT_OUTER).switch(Call)
            .join(Staff, on=(Call.taken_by == Staff.id)))
    emergencies = list(base.where((Call.category == "emergency") & (Call.status == "open"))
                       .order_by(Call.received_at.desc()).limit(50).dicts())
    rest = list(base.order_by(Call.received_at.desc(), Call.id.desc()).limit(limit).dicts())
    seen = {r["id"] for r in emergencies}
    return [_row(r) for r in emergencies + [r for r in rest if r["id"] not in seen]]


def _row(r: dict) -> CallRow:
    return CallRow(
        id=r["id"], received_at=r["received_at"], channel=r["channel"], category=r["category"],
        caller=r["caller"], unit_code=r["unit_code"] or "", phone=r["phone"], text=r["text"],
        status=r["status"], taken_by=r["taken_by_code"],
        reply_due_at=r["reply_due_at"], order_id=r.get("order_id"),
    )


def count_since(since: datetime) -> int:
    return Call.select().where(Call.received_at >= since).count()


@db.writes
def close(actor: Operator, now: datetime, call_id: int, *, note: str = "") -> None:
    """Mark a call handled: it leaves the pane's open views but stays in the log."""
    require(actor, "call.edit")
    updated = (Call.update(status="closed", updated_at=now)
               .where((Call.id == call_id) & (Call.status == "open")).execute())
    if not updated:
        raise InvalidInput("call", _("This call is not open any more."))
    audit.record(actor, "call.close", "call", call_id, now, before={"status": "open"},
                 after={"status": "closed", "note": clean(note, multiline=True)})
