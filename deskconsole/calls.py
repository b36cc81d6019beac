"""The call log: every call, walk-in and patrol finding, written down.

Status of a call (what the desk still has to do with it):
    open       needs the desk's action: an emergency, repair or complaint not yet turned into a work
               order, an inquiry waiting for its reply, a message not yet delivered
    ordered    turned into a work order (the order carries the work from then on)
    answered   an inquiry answered, on the spot or later (by whom and when are kept)
    delivered  a message handed to the person it was for (by whom and when are kept)
    closed     nothing more to do (an "other" call, or closed by hand)
    void       entered by mistake; a supervisor voided it with a reason. It stays in the log.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

import peewee as pw

from . import audit, db, fields
from .db import Call, Staff, Unit, WorkOrder
from .errors import Conflict
from .i18n import _
from .orders import OPEN_STATUSES, number
from .people import InvalidInput, Operator, require
from .text import clean

CATEGORIES = ("inquiry", "repair", "complaint", "emergency", "message", "other")
CHANNELS = ("phone", "walk_in", "intercom", "letter", "patrol", "staff")
STATUSES = ("open", "ordered", "answered", "delivered", "closed", "void")
# Categories a work order can come from.
ORDER_CATEGORIES = ("repair", "complaint", "emergency", "inquiry")
MAX_NAME = 60
# An emergency call is "act first": a work order, or the call marked handled, within 10 minutes.
EMERGENCY_ACT = timedelta(minutes=10)
_PHONE = re.compile(r"\+?[0-9][0-9 \-]{2,19}")


class HasOpenOrder(Conflict):
    """The call already has an open work order: the UI opens that one instead."""

    def __init__(self, order_id: int):
        super().__init__(_("Work order {number} is open for this call already."), number=number(order_id))
        self.order_id = order_id


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
    message_for: str = ""

    @property
    def is_open_emergency(self) -> bool:
        return self.category == "emergency" and self.status == "open"

    @property
    def act_by(self) -> datetime | None:
        """An open emergency's clock: by when it needs an order or to be marked handled."""
        return self.received_at + EMERGENCY_ACT if self.is_open_emergency else None

    @property
    def is_undelivered(self) -> bool:
        return self.category == "message" and self.status == "open"

    @property
    def awaits_reply(self) -> bool:
        return self.category == "inquiry" and self.status == "open" and self.reply_due_at is not None


@dataclass(frozen=True)
class CallDetail:
    """One call with everything the detail screen shows."""
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
    answered_at: datetime | None
    answered_by: str
    answer: str
    message_for: str
    message_from: str
    callback_number: str
    delivered_at: datetime | None
    delivered_by: str
    void_reason: str
    updated_at: datetime
    order_id: int | None          # the newest order raised from this call
    open_order_id: int | None     # the open one, if any
    history: list[dict]           # audit events, oldest first, with "actor" (a staff code)


# --- validation --------------------------------------------------------------------------

def _ident(value: str) -> str:
    """"Walk-in", "walk in" and "walk_in" are the same id."""
    return re.sub(r"[\s\-]+", "_", clean(value).lower())


def _check_phone(value: str, field: str) -> str:
    value = clean(value)
    if value and not _PHONE.fullmatch(value):
        raise InvalidInput(field, _("A phone number is digits, spaces and dashes, with an optional + first."))
    return value


def _check_name(value: str, field: str) -> str:
    value = clean(value)
    if len(value) > MAX_NAME:
        raise InvalidInput(field, _("A name is at most {n} characters.", n=MAX_NAME))
    return value


def validate(*, phone: str, caller: str, unit_code: str, category: str, channel: str, text: str) -> dict:
    """The call's fields cleaned, or InvalidInput naming the first field that is wrong."""
    phone = _check_phone(phone or "", "phone")
    caller = _check_name(caller or "", "caller")
    unit = fields.unit(unit_code)
    category = _ident(category or "")
    if category not in CATEGORIES:
        raise InvalidInput("category", _("Choose a category."))
    channel = _ident(channel or "")
    if channel == "patrol_finding":
        channel = "patrol"
    if channel not in CHANNELS:
        raise InvalidInput("channel", _("Choose how the call came in."))
    text = fields.text(text, "text", _("Write down what was said."))
    return {"phone": phone, "caller": caller, "unit": unit, "category": category,
            "channel": channel, "text": text}


def validate_message(category: str, message_for: str | None, message_from: str, callback_number: str) -> dict:
    """The message fields cleaned. `message_for` None means the caller did not ask for them (a script
    or the phone system): then "for whom" is not required; the form always asks, so there it is."""
    if category != "message":
        return {"message_for": "", "message_from": "", "callback_number": ""}
    fields = {
        "message_for": _check_name(message_for or "", "message_for"),
        "message_from": _check_name(message_from or "", "message_from"),
        "callback_number": _check_phone(callback_number or "", "callback_number"),
    }
    if message_for is not None and not fields["message_for"]:
        raise InvalidInput("message_for", _("Say whom the message is for."))
    return fields


# --- writes ------------------------------------------------------------------------------

@db.writes
def add_call(actor: Operator, now: datetime, engine=None, *, phone: str = "", caller: str = "",
             unit_code: str = "", category: str, channel: str, text: str, answered: bool = True,
             message_for: str | None = None, message_from: str = "", callback_number: str = "") -> int:
    """Record a call; returns its id. An inquiry not answered on the spot gets a reply deadline: the
    respond clock of the site's `inquiry` class (`engine`, the SLA engine; without one, the shipped
    default of 30 minutes)."""
    require(actor, "call.add")
    fields = validate(phone=phone, caller=caller, unit_code=unit_code, category=category,
                      channel=channel, text=text)
    fields |= validate_message(fields["category"], message_for, message_from, callback_number)
    category = fields["category"]
    extra = {}
    if category == "inquiry":
        if answered:
            status = "answered"
            extra = {"answered_at": now, "answered_by": actor.id}
        else:
            status = "open"
            extra = {"reply_due_at": reply_due(engine, now)}
    elif category in ("emergency", "repair", "complaint", "message"):
        status = "open"
    else:
        status = "closed"
    call = db.create(Call, received_at=now, taken_by=actor.id, status=status, updated_at=now, **fields, **extra)
    audit.record(actor, "call.add", "call", call.id, now, made=call, after=_public(call))
    return call.id


def reply_due(engine, now: datetime) -> datetime | None:
    """When an inquiry not answered on the spot must be answered: [sla.inquiry] respond."""
    if engine is None:
        from .sla import DEFAULT_CATALOGUE as catalogue
        spec = catalogue["inquiry"].respond
        return now + timedelta(minutes=spec.minutes)
    cls = engine.catalogue.get("inquiry")
    return engine.add(now, cls.respond) if cls is not None and cls.respond is not None else None


@db.writes
def add_call_from_script(actor: Operator | None, now: datetime, engine=None, *,
                         system: tuple[str, str] | None = None, **fields) -> int:
    """`deskconsole call add`: the same validation as the form, as an operator whose PIN was checked
    (people.verify), or else (None) as the phone system the site file names (`system`: its [integration]
    code and name), or else as the system. `engine`: the site's, for an inquiry's reply clock. One
    transaction: a refusal writes nothing, not even the system's record."""
    from . import people
    actor = actor or people.system_operator(now, *(system or ()))
    return add_call(actor, now, engine, **fields)


def _public(call: Call) -> dict:
    data = {"category": call.category, "channel": call.channel, "caller": call.caller,
            "unit": call.unit.code if call.unit_id else "", "phone": call.phone, "text": call.text,
            "status": call.status}
    if call.category == "message":
        data |= {"message_for": call.message_for, "message_from": call.message_from,
                 "callback_number": call.callback_number}
    return data


def _ago(then: datetime, now: datetime) -> str:
    minutes = int((now - then).total_seconds() // 60)
    if minutes < 1:
        return _("just now")
    if minutes < 120:
        return _("{n} min ago", n=minutes)
    return _("{n} h ago", n=minutes // 60)


def _conflict(message: str, call_id: int, now: datetime, **values) -> Conflict:
    """A refusal after a race: who changed the call last, when, what they did, and how long ago
    ({who}, {ago} in the message)."""
    event = audit.last_event("call", call_id)
    if event is None:
        return Conflict(message, who="?", ago="", **values)
    staff = Staff.get_or_none(Staff.id == event.actor_id) if event.actor_id else None
    return Conflict(message, by=staff.code if staff else "", by_name=staff.name if staff else "", at=event.at,
                    did=event.action, ago=_ago(event.at, now), **values)


def _get(call_id: int) -> Call:
    call = Call.get_or_none(Call.id == call_id)
    if call is None:
        raise InvalidInput("call", _("There is no call {id}.", id=call_id))
    return call


def _conditional(call: Call, now: datetime, **changes) -> None:
    """UPDATE ... WHERE status and updated_at are still what we read: two consoles racing get one
    success and one Conflict that says who changed it first."""
    updated = (Call.update(updated_at=now, **changes)
               .where((Call.id == call.id) & (Call.status == call.status) & (Call.updated_at == call.updated_at))
               .execute())
    if not updated:
        raise _conflict(_("Someone changed this call first ({who}, {ago}): look at it again."), call.id, now)


@db.writes
def answer_inquiry(actor: Operator, now: datetime, call_id: int, *, answer: str) -> None:
    """An inquiry's reply: the answer, who gave it and when. Its countdown stops."""
    require(actor, "call.answer")
    call = _get(call_id)
    if call.category != "inquiry":
        raise InvalidInput("answer", _("Only an inquiry is answered; this call is a {category}.",
                                       category=_(call.category)))
    answer = fields.text(answer, "answer", _("Write down the answer that was given."))
    if call.status != "open":
        raise _conflict(_("This inquiry is {status} already ({who}, {ago})."), call.id, now, status=_(call.status))
    _conditional(call, now, status="answered", answered_at=now, answered_by=actor.id, answer=answer)
    audit.record(actor, "call.answer", "call", call_id, now, before={"status": call.status},
                 after={"status": "answered", "answer": answer})


@db.writes
def deliver_message(actor: Operator, now: datetime, call_id: int, *, note: str = "") -> None:
    """A message handed to the person it was for: who delivered it and when."""
    require(actor, "call.deliver")
    call = _get(call_id)
    if call.category != "message":
        raise InvalidInput("note", _("Only a message is delivered; this call is a {category}.",
                                     category=_(call.category)))
    note = fields.text(note, "note")
    if call.status != "open":
        raise _conflict(_("This message is {status} already ({who}, {ago})."), call.id, now, status=_(call.status))
    _conditional(call, now, status="delivered", delivered_at=now, delivered_by=actor.id)
    audit.record(actor, "call.deliver", "call", call_id, now, before={"status": call.status},
                 after={"status": "delivered", "note": note})


@db.writes
def edit_call(actor: Operator, now: datetime, call_id: int, *, version: datetime | None = None,
              phone: str = "", caller: str = "", unit_code: str = "", category: str, channel: str, text: str,
              message_for: str | None = None, message_from: str = "", callback_number: str = "") -> None:
    """Correct a call. The earlier version stays in the audit history ("before"). `version` is the
    `updated_at` the form was filled from: if someone changed the call since, the edit is refused."""
    require(actor, "call.edit")
    call = _get(call_id)
    if call.status == "void":
        raise Conflict(_("This call was voided: it cannot be edited."))
    if version is not None and call.updated_at != version:
        raise _conflict(_("Someone changed this call first ({who}, {ago}): look at it again."), call.id, now)
    fields = validate(phone=phone, caller=caller, unit_code=unit_code, category=category,
                      channel=channel, text=text)
    fields |= validate_message(fields["category"], message_for, message_from, callback_number)
    before = _public(call)
    changes = {k: v for k, v in fields.items()}
    _conditional(call, now, **changes)
    after = _public(Call.get_by_id(call_id))
    if after == before:
        return
    changed = {k: before.get(k, "") for k in after if after[k] != before.get(k, "")}
    audit.record(actor, "call.edit", "call", call_id, now, before=changed,
                 after={k: after[k] for k in changed})


@db.writes
def void_call(actor: Operator, now: datetime, call_id: int, *, reason: str) -> None:
    """A call entered by mistake: a supervisor voids it with a reason. Nothing is deleted."""
    require(actor, "call.void")
    reason = fields.text(reason, "reason", _("Say why the call is voided."))
    call = _get(call_id)
    if call.status == "void":
        raise _conflict(_("This call is void already ({who}, {ago})."), call.id, now)
    open_order = open_order_of(call_id)
    if open_order is not None:
        raise InvalidInput("reason", _("Work order {number} came from this call: cancel it first.",
                                       number=number(open_order)))
    _conditional(call, now, status="void", void_reason=reason)
    audit.record(actor, "call.void", "call", call_id, now, before={"status": call.status},
                 after={"status": "void", "reason": reason})


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


# --- from a call to a work order ---------------------------------------------------------

# Words that point to a class, checked in this order; the first class with a matching word wins.
_CLASS_WORDS: dict[str, tuple[tuple[str, tuple[str, ...]], ...]] = {
    "repair": (
        ("emergency", ("跑水", "水浸", "爆管", "爆裂", "停电", "断电", "停水", "火", "煤气", "燃气", "烟", "困人",
                       "flood", "burst", "power cut", "outage", "no power", "no water", "fire", "gas", "smoke",
                       "trapped", "intrusion")),
        ("hazard", ("井盖", "污水", "积水", "冒水", "天台排水", "噪声", "manhole", "sewage", "standing water",
                    "roof drain", "overflow")),
        ("urgent_repair", ("堵", "漏水", "渗漏", "马桶", "地漏", "下水", "blocked", "block", "leak", "toilet", "drain",
                           "clog")),
        ("cleaning", ("垃圾", "打扫", "清理", "清洁", "rubbish", "garbage", "litter", "clean")),
        ("simple_repair", ("灯", "门锁", "锁", "开关", "插座", "lamp", "bulb", "light", "lock", "switch", "socket")),
        ("common_area", ("楼道", "大堂", "电梯", "走廊", "车库", "公共", "花园", "stair", "corridor", "lobby", "lift",
                         "elevator", "garage", "car park", "common")),
    ),
    "complaint": (
        ("complaint_staff", ("保安", "保洁", "态度", "员工", "客服", "guard", "cleaner", "rude", "staff")),
        ("complaint_neighbour", ("装修", "噪音", "吵", "邻居", "唱歌", "狗", "异味", "renovation", "noise", "noisy",
                                 "neighbour", "neighbor", "dog", "bark", "smell", "music")),
        ("complaint_impact", ("停水", "停电", "没水", "没电", "漏水", "no water", "no power", "leak", "flood")),
    ),
}
_DEFAULT_CLASS = {"repair": "general_repair", "complaint": "complaint_other", "emergency": "emergency",
                  "inquiry": "inquiry"}


def propose_class(category: str, text: str) -> str:
    """The SLA class a call of this category and these words most likely needs: a proposal the user
    confirms or changes. An emergency call is always `emergency`."""
    if category == "emergency":
        return "emergency"
    words = clean(text, multiline=True).casefold()
    for sla_class, needles in _CLASS_WORDS.get(category, ()):
        if any(n in words for n in needles):
            return sla_class
    return _DEFAULT_CLASS.get(category, "general_repair")


def open_order_of(call_id: int) -> int | None:
    """The call's open order, by the one set of open statuses (a reopened order is open)."""
    order = (WorkOrder.select(WorkOrder.id)
             .where((WorkOrder.call == call_id) & (WorkOrder.status.in_(OPEN_STATUSES)))
             .order_by(WorkOrder.id.desc()).first())
    return order.id if order else None


@db.writes
def convert_to_order(actor: Operator, now: datetime, engine, call_id: int, *, sla_class: str,
                     description: str | None = None, unit_code: str | None = None, location: str = "",
                     department: str = "") -> int:
    """Turn a call into a work order (through orders.create_order, linked by call_id); the call becomes
    `ordered`. One call has at most one open order: a second conversion raises HasOpenOrder."""
    from . import orders
    require(actor, "order.create")
    call = _get(call_id)
    if call.status == "void":
        raise Conflict(_("This call was voided: it cannot become a work order."))
    if call.category not in ORDER_CATEGORIES:
        raise InvalidInput("sla_class", _(
            "A {category} does not become a work order; only a repair, complaint, emergency or inquiry does.",
            category=_(call.category)))
    existing = open_order_of(call_id)
    if existing is not None:
        raise HasOpenOrder(existing)
    # Take the call first (a conditional update), so two consoles converting at once give one order.
    _conditional(call, now, status="ordered")
    order_id = orders.create_order(
        actor, now, engine, sla_class=sla_class,
        description=call.text if description is None else description,
        unit_code=(call.unit.code if call.unit_id else "") if unit_code is None else unit_code,
        location=location, department=department, call_id=call_id)
    audit.record(actor, "call.order", "call", call_id, now, before={"status": call.status},
                 after={"status": "ordered", "order": order_id, "class": sla_class})
    return order_id


# --- reads -------------------------------------------------------------------------------

def caller_for_phone(phone: str) -> tuple[str, str] | None:
    """(caller, unit code) of the newest earlier call from this number that named someone."""
    phone = clean(phone)
    if not phone or not _PHONE.fullmatch(phone):
        return None
    row = (Call.select(Call.caller, Unit.code.alias("unit_code"))
           .join(Unit, on=(Call.unit == Unit.id), join_type=pw.JOIN.LEFT_OUTER)
           .where((Call.phone == phone) & (Call.status != "void") & (Call.caller != ""))
           .order_by(Call.received_at.desc(), Call.id.desc()).dicts().first())
    if row is None:
        return None
    return row["caller"], row["unit_code"] or ""


def unit_codes() -> list[str]:
    return [u.code for u in Unit.select(Unit.code).order_by(Unit.code)]


# The Calls pane's window (recent): the newest calls, the open emergencies before them, the open calls
# older than the newest, each capped.
RECENT_SHOWN = 300
EMERGENCIES_SHOWN = 50
OLDER_OPEN_SHOWN = 200


def _rows_query():
    order = WorkOrder.select(WorkOrder.id).where(WorkOrder.call == Call.id).order_by(WorkOrder.id.desc()).limit(1)
    return (Call.select(Call, Unit.code.alias("unit_code"), Staff.code.alias("taken_by_code"), order.alias("order_id"))
            .join(Unit, on=(Call.unit == Unit.id), join_type=pw.JOIN.LEFT_OUTER).switch(Call)
            .join(Staff, on=(Call.taken_by == Staff.id)))


def _newest_first(query):
    return query.order_by(Call.received_at.desc(), Call.id.desc())


def recent(limit: int = RECENT_SHOWN) -> list[CallRow]:
    """The newest calls, open emergencies first: a window, never the whole table. Calls still open
    (messages not delivered, inquiries not answered) are in it even when older than the window.
    Newest first by (received_at, id) everywhere: `merge_recent` keeps the same order in memory."""
    base = _rows_query()
    emergencies = [_row(r) for r in _newest_first(base.where((Call.category == "emergency") & (Call.status == "open")))
                   .limit(EMERGENCIES_SHOWN).dicts()]
    rest = [_row(r) for r in _newest_first(base).limit(limit).dicts()]
    older_open = [_row(r) for r in _newest_first(base.where(Call.status == "open")).limit(OLDER_OPEN_SHOWN).dicts()]
    return _shown(emergencies, rest, older_open)


def _shown(emergencies: list[CallRow], rest: list[CallRow], older_open: list[CallRow]) -> list[CallRow]:
    first = {c.id for c in emergencies}
    seen = first | {c.id for c in rest}
    return emergencies + [c for c in rest if c.id not in first] + [c for c in older_open if c.id not in seen]


def rows_by_id(ids) -> dict[int, CallRow]:
    """These calls' rows as `recent` builds them, whatever their age or status."""
    ids = list(ids)
    return {r["id"]: _row(r) for r in _rows_query().where(Call.id.in_(ids)).dicts()} if ids else {}


def _age(row: CallRow):
    return row.received_at, row.id


def merge_recent(previous: list[CallRow], changed: dict[int, CallRow], limit: int = RECENT_SHOWN) -> list[CallRow] | None:
    """What `recent()` returns now, from what it returned before (`previous`) and the rows of every call
    changed or added since (`changed`); None when that cannot be known without reading the table.

    Each of the three windows is the newest `n` of the calls that fit it. `previous` holds every call of
    every window, and a call that did not change fits the same windows as before; so the new window,
    taken from `previous` and `changed`, is right unless the old one was full and a call left it: the next
    one in, older than any it held, was not read."""
    pool = {c.id: c for c in previous} | changed
    old_order = sorted(previous, key=_age, reverse=True)
    new_order = sorted(pool.values(), key=_age, reverse=True)
    windows = []
    for fits, n in ((CallRow.is_open_emergency.fget, EMERGENCIES_SHOWN), (lambda c: True, limit),
                    (lambda c: c.status == "open", OLDER_OPEN_SHOWN)):
        old = [c for c in old_order if fits(c)][:n]
        new = [c for c in new_order if fits(c)][:n]
        if len(old) == n and (len(new) < n or _age(new[-1]) < _age(old[-1])):
            return None
        windows.append(new)
    return _shown(*windows)


def _row(r: dict) -> CallRow:
    return CallRow(
        id=r["id"], received_at=r["received_at"], channel=r["channel"], category=r["category"],
        caller=r["caller"], unit_code=r["unit_code"] or "", phone=r["phone"], text=r["text"],
        status=r["status"], taken_by=r["taken_by_code"],
        reply_due_at=r["reply_due_at"], order_id=r.get("order_id"), message_for=r.get("message_for") or "",
    )


def count_since(since: datetime) -> int:
    return Call.select().where(Call.received_at >= since).count()


def _codes(ids) -> dict[int, str]:
    ids = {i for i in ids if i}
    if not ids:
        return {}
    return {s.id: s.code for s in Staff.select(Staff.id, Staff.code).where(Staff.id.in_(ids))}


def history_of(entity: str, entity_id: int) -> list[dict]:
    events = audit.history(entity, entity_id)
    codes = _codes(e["actor_id"] for e in events)
    return [e | {"actor": codes.get(e["actor_id"], "")} for e in events]


def detail(call_id: int) -> CallDetail:
    call = _get(call_id)
    codes = _codes((call.taken_by_id, call.answered_by_id, call.delivered_by_id))
    newest = WorkOrder.select(WorkOrder.id).where(WorkOrder.call == call_id).order_by(WorkOrder.id.desc()).first()
    return CallDetail(
        id=call.id, received_at=call.received_at, channel=call.channel, category=call.category,
        caller=call.caller, unit_code=call.unit.code if call.unit_id else "", phone=call.phone, text=call.text,
        status=call.status, taken_by=codes.get(call.taken_by_id, ""), reply_due_at=call.reply_due_at,
        answered_at=call.answered_at, answered_by=codes.get(call.answered_by_id, ""), answer=call.answer,
        message_for=call.message_for, message_from=call.message_from, callback_number=call.callback_number,
        delivered_at=call.delivered_at, delivered_by=codes.get(call.delivered_by_id, ""),
        void_reason=call.void_reason, updated_at=call.updated_at,
        order_id=newest.id if newest else None, open_order_id=open_order_of(call_id),
        history=history_of("call", call_id),
    )


def order_summary(order_id: int) -> dict:
    """A work order's fields and history, read-only, for the call's "show the order" screen."""
    order = WorkOrder.get_or_none(WorkOrder.id == order_id)
    if order is None:
        raise InvalidInput("order", _("There is no work order {id}.", id=order_id))
    return {
        "id": order.id, "sla_class": order.sla_class, "status": order.status,
        "unit": order.unit.code if order.unit_id else "", "location": order.location,
        "description": order.description, "department": order.department, "assignee": order.assignee,
        "created_at": order.created_at, "respond_due_at": order.respond_due_at,
        "resolve_due_at": order.resolve_due_at, "call_id": order.call_id,
        "history": history_of("work_order", order_id),
    }
