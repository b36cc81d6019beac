"""Work orders: what must be done, by whom, and by when.

Lifecycle (domain.md §2): logged -> dispatched -> on_site -> done -> call-back -> closed, with the
side paths reopened (an unsatisfied call-back), extension (request, supervisor approval), returned
(cannot be done: reason and a supervisor's sign-off) and cancelled (reason).

Every state change is a conditional UPDATE ... WHERE status IN (...): two consoles acting on the
same order at once give one success and one Conflict that says who got there first, and when.
"""
from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal, InvalidOperation
from zoneinfo import ZoneInfo

import peewee as pw

from . import audit, db, fields
from .countdown import Deadline, wall_deadline
from .db import ReminderAck, Staff, Unit, WorkOrder
from .errors import Conflict
from .i18n import _, label
from .people import InvalidInput, Operator, may, require
from .text import clean

DEPARTMENTS = ("engineering", "security", "cleaning", "landscaping", "customer_service", "contractor")
OPEN_STATUSES = ("logged", "dispatched", "on_site", "done", "reopened")
ENDED_STATUSES = ("closed", "returned", "cancelled")
STATUSES = OPEN_STATUSES + ENDED_STATUSES
# Before anyone is on site the respond clock runs; the resolve clock runs until the work is done.
_RESPONDING = ("logged", "dispatched")
_RESOLVING = ("logged", "dispatched", "on_site", "reopened")
# How far along the lifecycle a status is: a refusal says "already" when the order is at or past
# the status the action would give it, and "still" when it has not got there yet.
_RANK = {"logged": 0, "reopened": 0, "dispatched": 1, "on_site": 2, "done": 3,
         "closed": 4, "returned": 4, "cancelled": 4}
# ux/domain: supervisor signs extensions up to two weeks; beyond that the director (here: the
# sign-off of a second supervisor, recorded as the director's).
SUPERVISOR_EXTENSION_LIMIT = timedelta(days=14)
CHASE_AFTER = timedelta(minutes=5)
MAX_FEE = Decimal("99999999.99")
MAX_HOURS = Decimal("9999.99")


@dataclass(frozen=True)
class OrderRow:
    id: int
    unit_code: str
    location: str
    sla_class: str
    description: str
    department: str
    assignee: str
    status: str
    created_at: datetime
    clocks: tuple[Deadline, ...]   # the clocks still running, the nearer first
    dispatched_at: datetime | None = None
    responded_at: datetime | None = None
    booked_visit_at: datetime | None = None
    done_at: datetime | None = None
    escalate_at: datetime | None = None   # complaints: end of the day they were logged
    pending: str = ""                     # "" | extension | return: waiting for a supervisor
    chargeable: bool = False
    acked: frozenset[str] = frozenset()   # reminders someone acknowledged

    @property
    def number(self) -> str:
        return number(self.id)

    @property
    def next_due(self) -> datetime | None:
        return self.clocks[0].due if self.clocks else None


def number(order_id: int) -> str:
    return f"WO{order_id:05d}"


# --- clocks ----------------------------------------------------------------------------

@functools.lru_cache(maxsize=8192)
def _deadline(engine, sla_class: str, kind: str, start: datetime, due: datetime) -> Deadline:
    """Band points in the clock's own terms; cached, because a pane reload rebuilds every row."""
    cls = engine.catalogue.get(sla_class)
    spec = getattr(cls, kind, None) if cls else None
    if spec is None or not spec.working:
        return wall_deadline(start, due, kind)
    # An extension moves `due`; the bands then stretch over the new span in wall time.
    if engine.add(start, spec) != due:
        return wall_deadline(start, due, kind)
    return Deadline(due, *(engine.point_at_fraction(start, spec, f) for f in (0.5, 0.75, 0.9)), kind)


def running_clocks(engine, row: dict) -> tuple[Deadline, ...]:
    clocks = []
    start = row["clock_started_at"]
    if row["respond_due_at"] and row["status"] in _RESPONDING and not row.get("responded_at"):
        clocks.append(_deadline(engine, row["sla_class"], "respond", start, row["respond_due_at"]))
    if row["resolve_due_at"] and row["status"] in _RESOLVING:
        resolve_start = row.get("resolve_started_at") or start
        clocks.append(_deadline(engine, row["sla_class"], "resolve", resolve_start, row["resolve_due_at"]))
    return tuple(sorted(clocks, key=lambda d: d.due))


def end_of_day(engine, at: datetime) -> datetime:
    """When a complaint logged at `at` counts as "not solved the same day": the office's closing
    time that day, or midnight when it was logged after closing."""
    tz = engine.tz
    day = at.astimezone(tz).date()
    closes = datetime.combine(day, engine.office_hours.end, tzinfo=tz).astimezone(timezone.utc)
    if at < closes:
        return closes
    return datetime.combine(day + timedelta(days=1), time(0), tzinfo=tz).astimezone(timezone.utc)


def _tzinfo(tz):
    if tz is None:
        return timezone.utc
    return ZoneInfo(tz) if isinstance(tz, str) else tz


# --- reading ---------------------------------------------------------------------------

def _base_query():
    return (WorkOrder.select(WorkOrder, Unit.code.alias("unit_code"))
            .join(Unit, on=(WorkOrder.unit == Unit.id), join_type=pw.JOIN.LEFT_OUTER))


def _row(engine, r: dict, acked: frozenset[str]) -> OrderRow:
    complaint = r["sla_class"].startswith("complaint")
    return OrderRow(
        id=r["id"], unit_code=r["unit_code"] or "", location=r["location"], sla_class=r["sla_class"],
        description=r["description"], department=r["department"], assignee=r["assignee"],
        status=r["status"], created_at=r["created_at"], clocks=running_clocks(engine, r),
        dispatched_at=r["dispatched_at"], responded_at=r["responded_at"],
        booked_visit_at=r["booked_visit_at"], done_at=r["done_at"],
        escalate_at=end_of_day(engine, r["created_at"]) if complaint else None,
        pending=r["pending"], chargeable=bool(r["chargeable"]), acked=acked,
    )


def open_orders(engine) -> list[OrderRow]:
    """Every open order, what breaches first at the top (orders with no running clock last)."""
    query = _base_query().where(WorkOrder.status.in_(OPEN_STATUSES)).dicts()
    records = list(query)
    acks: dict[int, set[str]] = {}
    if records:
        open_ids = WorkOrder.select(WorkOrder.id).where(WorkOrder.status.in_(OPEN_STATUSES))
        for order_id, reminder in (ReminderAck.select(ReminderAck.order, ReminderAck.reminder)
                                   .where(ReminderAck.order.in_(open_ids)).tuples()):
            acks.setdefault(order_id, set()).add(reminder)
    rows = [_row(engine, r, frozenset(acks.get(r["id"], ()))) for r in records]
    far = datetime.max.replace(tzinfo=timezone.utc)
    rows.sort(key=lambda o: (o.next_due or far, o.id))
    return rows


def ended(engine, *, statuses: tuple[str, ...] = ENDED_STATUSES, ids=None, limit: int = 200) -> list[OrderRow]:
    """Orders that have ended (closed, returned, cancelled), the newest first: what the Work orders pane
    lists for `status:closed`. With `ids`, only those of them."""
    query = _base_query().where(WorkOrder.status.in_(statuses))
    if ids is not None:
        query = query.where(WorkOrder.id.in_(list(ids)))
    return [_row(engine, r, frozenset()) for r in query.order_by(WorkOrder.id.desc()).limit(limit).dicts()]


def overdue_count(rows: list[OrderRow], now: datetime) -> int:
    return sum(1 for o in rows if o.next_due is not None and o.next_due <= now)


@dataclass(frozen=True)
class HistoryItem:
    at: datetime
    actor: str
    action: str
    data: dict


@dataclass(frozen=True)
class OrderDetail:
    row: OrderRow
    created_by: str
    chargeable: bool
    fee_agreed: Decimal | None
    respond_due_at: datetime | None
    resolve_due_at: datetime | None
    booked_visit_at: datetime | None
    work_done: str
    materials: str
    hours: Decimal | None
    fee: Decimal | None
    satisfied: bool | None
    pending: str
    pending_until: datetime | None
    pending_reason: str
    end_reason: str
    history: list[HistoryItem] = field(default_factory=list)


def detail(engine, order_id: int) -> OrderDetail:
    """One order with its whole history (every audit event, oldest first)."""
    r = _base_query().where(WorkOrder.id == order_id).dicts().first()
    if r is None:
        raise InvalidInput("order", _("There is no order {number}.", number=number(order_id)))
    acked = frozenset(a for (a,) in ReminderAck.select(ReminderAck.reminder)
                      .where(ReminderAck.order == order_id).tuples())
    codes = dict(Staff.select(Staff.id, Staff.code).tuples())
    history = [HistoryItem(e["at"], codes.get(e["actor_id"], ""), e["action"], e["data"])
               for e in audit.history("work_order", order_id)]
    return OrderDetail(
        row=_row(engine, r, acked), created_by=codes.get(r["created_by"], ""),
        chargeable=bool(r["chargeable"]), fee_agreed=r["fee_agreed"],
        respond_due_at=r["respond_due_at"], resolve_due_at=r["resolve_due_at"],
        booked_visit_at=r["booked_visit_at"], work_done=r["work_done"], materials=r["materials"],
        hours=r["hours"], fee=r["fee"], satisfied=r["satisfied"], pending=r["pending"],
        pending_until=r["pending_until"], pending_reason=r["pending_reason"], end_reason=r["end_reason"],
        history=history,
    )


# --- reminders: a pure function of the rows and the time --------------------------------

@dataclass(frozen=True)
class Reminder:
    key: str       # stable id, what an acknowledgement records
    kind: str      # chase | visit | respond | resolve | callback | escalate
    band: str      # for clocks: band50 | band75 | band90 | over
    at: datetime   # since when it is due
    due: datetime | None = None   # for clocks: the deadline itself

    def text(self) -> str:
        if self.kind == "chase":
            return _("Dispatched 5 minutes ago and nobody on site: chase.")
        if self.kind == "visit":
            return _("The booked visit time has passed.")
        if self.kind == "callback":
            return _("Done: call the owner back.")
        if self.kind == "escalate":
            return _("Complaint not solved today: tell the project manager.")
        clock = _("respond") if self.kind == "respond" else _("resolve")
        if self.band == "over":
            return _("The {clock} deadline has passed.", clock=clock)
        return _("{pct} % of the {clock} time is used.", clock=clock,
                 pct={"band50": 50, "band75": 75, "band90": 90}[self.band])


def _stamp(dt: datetime) -> int:
    return int(dt.timestamp())


def reminders(row: OrderRow, now: datetime) -> list[Reminder]:
    """What the desk must follow up on this order now, not yet acknowledged. No database: the
    1 s tick calls this for every visible row."""
    found = []
    if row.status == "dispatched" and row.dispatched_at and not row.responded_at:
        at = row.dispatched_at + CHASE_AFTER
        if now >= at:
            found.append(Reminder(f"chase:{_stamp(row.dispatched_at)}", "chase", "", at))
        if row.booked_visit_at and now >= row.booked_visit_at:
            found.append(Reminder(f"visit:{_stamp(row.booked_visit_at)}", "visit", "", row.booked_visit_at))
    for clock in row.clocks:
        band = clock.band(now)
        if band:
            at = {"band50": clock.at50, "band75": clock.at75, "band90": clock.at90, "over": clock.due}[band]
            found.append(Reminder(f"{clock.kind}.{band}:{_stamp(clock.due)}", clock.kind, band, at, clock.due))
    if row.status == "done" and row.done_at:
        found.append(Reminder(f"callback:{_stamp(row.done_at)}", "callback", "", row.done_at))
    if row.escalate_at and row.status in _RESOLVING and now >= row.escalate_at:
        found.append(Reminder(f"escalate:{_stamp(row.escalate_at)}", "escalate", "", row.escalate_at))
    return [r for r in found if r.key not in row.acked]


def open_reminders(engine, now: datetime) -> list[dict]:
    """Every reminder due now and not acknowledged, as plain data (for the handover sheet)."""
    return [
        {"id": f"{row.id}:{r.key}", "order_id": row.id, "unit_code": row.unit_code, "kind": r.kind,
         "text": r.text(), "at": r.at, "due_at": r.due or r.at}
        for row in open_orders(engine) for r in reminders(row, now)
    ]


def reminder_count(rows: list[OrderRow], now: datetime) -> int:
    return sum(len(reminders(o, now)) for o in rows)


def next_change(rows: list[OrderRow], now: datetime) -> datetime | None:
    """The first moment after `now` at which an order's overdue state or reminders can change: the
    counts stay true until then, so the 1 s tick need not recount two thousand orders."""
    moments = []
    for row in rows:
        for clock in row.clocks:
            moments += [clock.at50, clock.at75, clock.at90, clock.due]
        if row.dispatched_at:
            moments.append(row.dispatched_at + CHASE_AFTER)
        moments += [row.booked_visit_at, row.escalate_at]
    return min((m for m in moments if m is not None and m > now), default=None)


@db.writes
def acknowledge(actor: Operator, now: datetime, order_id: int, *, keys: list[str]) -> int:
    """Record that the desk has seen (and acted on) these reminders: they stop showing.
    Returns how many were new; one acknowledged at another console already is not an error."""
    require(actor, "reminder.ack")
    if not WorkOrder.select().where(WorkOrder.id == order_id).exists():
        raise InvalidInput("order", _("There is no order {number}.", number=number(order_id)))
    done = set(a for (a,) in ReminderAck.select(ReminderAck.reminder)
               .where((ReminderAck.order == order_id) & (ReminderAck.reminder.in_(list(keys) or [""]))).tuples())
    new = [k for k in dict.fromkeys(keys) if k not in done]
    for key in new:
        ReminderAck.create(order=order_id, reminder=key, acked_at=now, acked_by=actor.id)
    if new:
        audit.record(actor, "order.reminder.ack", "work_order", order_id, now, reminders=new)
    return len(new)


# --- input -----------------------------------------------------------------------------

def parse_money(text, field_name: str) -> Decimal | None:
    if text is None or (isinstance(text, str) and not clean(text)):
        return None
    try:
        value = Decimal(clean(str(text)).replace(",", "").removeprefix("¥").strip())
    except InvalidOperation:
        raise InvalidInput(field_name, _("An amount is a number like 80 or 35.50.")) from None
    if not value.is_finite() or value < 0 or value > MAX_FEE or value != value.quantize(Decimal("0.01")):
        raise InvalidInput(field_name, _("An amount is a number like 80 or 35.50."))
    return value.quantize(Decimal("0.01"))


def parse_hours(text, field_name: str = "hours") -> Decimal | None:
    if text is None or (isinstance(text, str) and not clean(text)):
        return None
    try:
        value = Decimal(clean(str(text)))
    except InvalidOperation:
        raise InvalidInput(field_name, _("Hours are a number like 1.5.")) from None
    if not value.is_finite() or value < 0 or value > MAX_HOURS or value != value.quantize(Decimal("0.01")):
        raise InvalidInput(field_name, _("Hours are a number like 1.5."))
    return value


_LOCAL = re.compile(r"^(?:(?:(\d{4})-)?(\d{1,2})-(\d{1,2})\s+)?(\d{1,2}):(\d{2})$")
_DATE_ONLY = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")


def parse_local(text: str, tz, now: datetime, field_name: str, *, day_end: time = time(17, 0)) -> datetime | None:
    """A time typed at the desk, in the site's zone: "14:30" (the next 14:30 to come),
    "11-25 14:30", "2026-11-25 14:30", or a date alone (that day's closing time). "" is None."""
    text = clean(text)
    if not text:
        return None
    tz = _tzinfo(tz)
    local_now = now.astimezone(tz)
    m = _DATE_ONLY.match(text)
    try:
        if m:
            when = datetime.combine(date(int(m[1]), int(m[2]), int(m[3])), day_end, tzinfo=tz)
        else:
            m = _LOCAL.match(text)
            if not m:
                raise ValueError
            year, month, day, hour, minute = m.groups()
            if month is None:
                when = datetime.combine(local_now.date(), time(int(hour), int(minute)), tzinfo=tz)
                if when < local_now:
                    when += timedelta(days=1)
            else:
                when = datetime(int(year or local_now.year), int(month), int(day), int(hour), int(minute), tzinfo=tz)
    except ValueError:
        raise InvalidInput(field_name, _("A time is like 14:30, 11-25 14:30 or 2026-11-25 14:30.")) from None
    return when.astimezone(timezone.utc)


# --- writing ---------------------------------------------------------------------------

@db.writes
def create_order(actor: Operator, now: datetime, engine, *, sla_class: str, description: str,
                 unit_code: str = "", location: str = "", department: str = "",
                 call_id: int | None = None, chargeable: bool = False, fee_agreed=None) -> int:
    """Log an order; its deadlines are computed now, once, from the site's SLA catalogue.
    Chargeable work needs the fee agreed with the owner before work starts."""
    require(actor, "order.create")
    unit = fields.unit(unit_code)
    location = clean(location)
    if unit is None and not location:
        raise InvalidInput("unit", _("Give the unit, or where the work is."))
    if sla_class not in engine.catalogue:
        raise InvalidInput("sla_class", _("Choose the kind of work from the list."))
    description = fields.text(description, "description", _("Say what is wrong."))
    if department and department not in DEPARTMENTS:
        raise InvalidInput("department", _("Choose a department from the list."))
    fee = parse_money(fee_agreed, "fee")
    if chargeable and fee is None:
        raise InvalidInput("fee", _("Chargeable work: agree the fee with the owner before work starts."))
    if not chargeable and fee:
        raise InvalidInput("fee", _("Free work has no fee: leave it empty, or mark the order chargeable."))
    respond_due, resolve_due = engine.deadlines(sla_class, now)
    order = WorkOrder.create(
        created_at=now, created_by=actor.id, call=call_id, unit=unit, location=location,
        sla_class=sla_class, description=description, department=department,
        chargeable=bool(chargeable), fee_agreed=fee if chargeable else None,
        clock_started_at=now, respond_due_at=respond_due, resolve_due_at=resolve_due,
        updated_at=now, updated_by=actor.id,
    )
    audit.record(actor, "order.create", "work_order", order.id, now, after={
        "class": sla_class, "unit": unit.code if unit else "", "location": location,
        "description": description, "department": department, "call": call_id,
        "chargeable": bool(chargeable), "fee_agreed": fee if chargeable else None,
        "respond_due_at": respond_due, "resolve_due_at": resolve_due,
    })
    return order.id


def _get(order_id: int) -> WorkOrder:
    order = WorkOrder.get_or_none(WorkOrder.id == order_id)
    if order is None:
        raise InvalidInput("order", _("There is no order {number}.", number=number(order_id)))
    return order


def _conflict(message: str, order: WorkOrder, by_id: int | None, at: datetime | None, **values) -> Conflict:
    """Another console changed the order first: who (`by_id`) at `at`, and what they did then."""
    staff = Staff.get_or_none(Staff.id == by_id) if by_id else None
    event = audit.last_event("work_order", order.id, at) if at is not None else None
    return Conflict(message, by=staff.code if staff else "", by_name=staff.name if staff else "", at=at,
                    did=event.action if event else "", number=number(order.id), **values)


def _changed_first(message: str, order_id: int, **values) -> Conflict:
    """A Conflict naming the last change of the order as it is now."""
    current = _get(order_id)
    return _conflict(message, current, current.updated_by_id, current.updated_at, **values)


def _refusal(order_id: int, to_status: str) -> Conflict:
    """Why a conditional update changed nothing: the order as it is now, who made it so, when."""
    current = _get(order_id)
    side_path = to_status in ("cancelled", "returned")   # refused because the order moved on
    if side_path or _RANK.get(current.status, 0) >= _RANK.get(to_status, 0) or _RANK.get(current.status) == 4:
        message = _("{number} is already {status} (by {who} at {time}).")
    else:
        message = _("{number} is still {status} (by {who} at {time}): not possible yet.")
    return _conflict(message, current, current.updated_by_id, current.updated_at, status=label(current.status))


def _audit_value(value):
    return value.code if isinstance(value, Operator) else value


@db.writes
def _transition(actor: Operator, now: datetime, order_id: int, action: str, from_statuses: tuple[str, ...],
                to_status: str, *, note: dict | None = None, **changes) -> None:
    """A conditional update: it only happens if the order is still in one of `from_statuses`, so two
    consoles acting at once give one success and one clear refusal."""
    require(actor, action)
    before = _get(order_id)
    updated = (WorkOrder.update(status=to_status, updated_at=now, updated_by=actor.id, **changes)
               .where((WorkOrder.id == order_id) & (WorkOrder.status.in_(from_statuses))).execute())
    if not updated:
        raise _refusal(order_id, to_status)
    after = {"status": to_status}
    after.update({k: v for k, v in changes.items() if not isinstance(v, pw.Node)})
    audit.record(actor, action, "work_order", order_id, now,
                 before={"status": before.status}, after=after, **(note or {}))


def dispatch(actor: Operator, now: datetime, order_id: int, *, department: str, assignee: str = "",
             booked_visit_at: datetime | None = None) -> None:
    """Send the order to a department (and a person), with the visit time booked with the owner."""
    require(actor, "order.dispatch")
    if department not in DEPARTMENTS:
        raise InvalidInput("department", _("Choose a department from the list."))
    assignee = clean(assignee)
    if len(assignee) > 60:
        raise InvalidInput("assignee", _("A name is at most {n} characters.", n=60))
    if booked_visit_at is not None and booked_visit_at < now - timedelta(minutes=1):
        raise InvalidInput("booked", _("The visit time has passed: book a time to come."))
    _transition(actor, now, order_id, "order.dispatch", ("logged", "reopened"), "dispatched",
                department=department, assignee=assignee, dispatched_at=now, dispatched_by=actor.id,
                booked_visit_at=booked_visit_at)


def arrive(actor: Operator, now: datetime, order_id: int) -> None:
    """Someone is on site: the respond clock stops (the first arrival counts)."""
    stamp = WorkOrder.responded_at.db_value(now)
    _transition(actor, now, order_id, "order.arrive", ("logged", "dispatched", "reopened"), "on_site",
                note={"arrived_at": now},
                responded_at=pw.fn.COALESCE(WorkOrder.responded_at, stamp))


def complete(actor: Operator, now: datetime, order_id: int, *, work_done: str, materials: str = "",
             hours=None, fee=None) -> None:
    """The work is done: what was done, with what, how long, and the fee of chargeable work."""
    require(actor, "order.complete")
    order = _get(order_id)
    work_done = fields.text(work_done, "work_done", _("Say what was done."))
    materials = fields.text(materials, "materials")
    hours_value = parse_hours(hours)
    fee_value = parse_money(fee, "fee")
    if order.chargeable:
        if fee_value is None:
            fee_value = order.fee_agreed
    elif fee_value:
        raise InvalidInput("fee", _("This order is free of charge: leave the fee empty."))
    _transition(actor, now, order_id, "order.complete", ("on_site",), "done",
                work_done=work_done, materials=materials, hours=hours_value, fee=fee_value, done_at=now,
                pending="", pending_until=None, pending_first_approval=None)


def callback(actor: Operator, now: datetime, engine, order_id: int, *, satisfied: bool, note: str = "") -> str:
    """The call-back (回访): satisfied closes the order; not satisfied reopens it with a new resolve
    clock. Returns the new status."""
    require(actor, "order.callback")
    order = _get(order_id)
    note = fields.text(note, "note", None if satisfied else _("Write down what the owner said."))
    common = dict(callback_at=now, callback_by=actor.id, satisfied=bool(satisfied))
    if satisfied:
        _transition(actor, now, order_id, "order.callback", ("done",), "closed",
                    note={"satisfied": True, "note": note}, closed_at=now, **common)
        return "closed"
    cls = engine.catalogue.get(order.sla_class)
    resolve_due = engine.add(now, cls.resolve) if cls and cls.resolve else None
    _transition(actor, now, order_id, "order.callback", ("done",), "reopened",
                note={"satisfied": False, "note": note, "old_resolve_due_at": order.resolve_due_at},
                resolve_started_at=now, resolve_due_at=resolve_due, reopen_count=WorkOrder.reopen_count + 1,
                **common)
    return "reopened"


def cancel(actor: Operator, now: datetime, order_id: int, *, reason: str) -> None:
    """Cancel an order (the owner withdrew it, a duplicate ...). The desk cancels what nobody has
    been sent to yet; once dispatched, only a supervisor voids it."""
    reason = fields.text(reason, "reason", _("Say why the order is cancelled."))
    if may(actor, "order.void"):
        action, statuses = "order.void", ("logged", "reopened", "dispatched", "on_site")
    else:
        action, statuses = "order.cancel", ("logged", "reopened")
    _transition(actor, now, order_id, action, statuses, "cancelled", note={"reason": reason},
                end_reason=reason, closed_at=now, pending="", pending_until=None, pending_first_approval=None)


@db.writes
def _set_pending(actor: Operator, now: datetime, order_id: int, action: str, kind: str, data: dict,
                 **fields) -> None:
    require(actor, action)
    before = _get(order_id)
    updated = (WorkOrder.update(pending=kind, pending_at=now, pending_by=actor.id, pending_first_approval=None,
                                updated_at=now, updated_by=actor.id, **fields)
               .where((WorkOrder.id == order_id) & (WorkOrder.status.in_(_RESOLVING))
                      & (WorkOrder.pending == "")).execute())
    if not updated:
        current = _get(order_id)
        if current.status in _RESOLVING:
            raise _conflict(_("{number} already has a request waiting for a supervisor (by {who} at {time})."),
                            current, current.pending_by_id, current.pending_at)
        raise _refusal(order_id, "done")
    audit.record(actor, action, "work_order", order_id, now, before={"status": before.status}, **data)


def request_extension(actor: Operator, now: datetime, order_id: int, *, until: datetime | None, reason: str,
                      owner_caused: bool = False, owner_consent: bool = False) -> None:
    """Ask for more time. A supervisor approves; an extension the owner caused needs the owner's consent."""
    require(actor, "order.extend.request")
    order = _get(order_id)
    if until is None:
        raise InvalidInput("until", _("Give the new deadline."))
    current = order.resolve_due_at or order.respond_due_at
    if until <= now or (current is not None and until <= current):
        raise InvalidInput("until", _("The new deadline must be later than the present one ({time})."),
                           time=current or now, time_format="YYYY-MM-DD HH:mm")
    reason = fields.text(reason, "reason", _("Say why more time is needed."))
    if owner_caused and not owner_consent:
        raise InvalidInput("owner_consent", _("The owner caused the delay: record the owner's consent first."))
    _set_pending(actor, now, order_id, "order.extend.request", "extension",
                 {"until": until, "current_due_at": current, "reason": reason,
                  "owner_caused": bool(owner_caused), "owner_consent": bool(owner_consent)},
                 pending_until=until, pending_reason=reason, pending_owner_caused=bool(owner_caused),
                 pending_owner_consent=bool(owner_consent))


@db.writes
def approve_extension(actor: Operator, now: datetime, order_id: int) -> str:
    """A supervisor approves the waiting extension: the new deadline is stored, the old one stays in the
    history. Beyond two weeks the first approval is a supervisor's and a second supervisor signs for
    the director. Returns "approved" or "needs_director"."""
    require(actor, "order.extend.approve")
    order = _get(order_id)
    if order.pending != "extension" or order.status not in _RESOLVING:
        raise _conflict(_("{number} has no extension waiting (last change by {who} at {time})."),
                        order, order.updated_by_id, order.updated_at)
    old_due = order.resolve_due_at or order.respond_due_at
    long = old_due is not None and order.pending_until - old_due > SUPERVISOR_EXTENSION_LIMIT
    same = (WorkOrder.id == order_id) & (WorkOrder.pending == "extension") & WorkOrder.status.in_(_RESOLVING)
    if long and order.pending_first_approval_id is None:
        updated = (WorkOrder.update(pending_first_approval=actor.id, updated_at=now, updated_by=actor.id)
                   .where(same & WorkOrder.pending_first_approval.is_null()).execute())
        if not updated:
            raise _changed_first(_("{number} was signed at another console just now: look again."), order_id)
        audit.record(actor, "order.extend.approve", "work_order", order_id, now, signed_as="supervisor",
                     until=order.pending_until, complete=False)
        return "needs_director"
    if long and order.pending_first_approval_id == actor.id:
        raise InvalidInput("order", _("Beyond two weeks a second supervisor signs for the director."))
    changes = dict(pending="", pending_until=None, pending_first_approval=None,
                   extension_count=WorkOrder.extension_count + 1, updated_at=now, updated_by=actor.id)
    if order.resolve_due_at is not None:
        changes["resolve_due_at"] = order.pending_until
    else:
        changes["respond_due_at"] = order.pending_until
    first = order.pending_first_approval_id
    condition = same & (WorkOrder.pending_first_approval == first if first else WorkOrder.pending_first_approval.is_null())
    if not WorkOrder.update(**changes).where(condition).execute():
        raise _changed_first(_("{number} was signed at another console just now: look again."), order_id)
    audit.record(actor, "order.extend.approve", "work_order", order_id, now,
                 signed_as="director" if long else "supervisor", complete=True,
                 before={"resolve_due_at": old_due}, after={"resolve_due_at": order.pending_until},
                 reason=order.pending_reason, owner_caused=order.pending_owner_caused,
                 owner_consent=order.pending_owner_consent,
                 first_signature=order.pending_first_approval.code if first else None)
    return "approved"


@db.writes
def refuse_request(actor: Operator, now: datetime, order_id: int, *, reason: str = "") -> None:
    """A supervisor refuses the waiting extension or return: the order goes on as before."""
    order = _get(order_id)
    if not order.pending:
        raise _conflict(_("{number} has no request waiting (last change by {who} at {time})."),
                        order, order.updated_by_id, order.updated_at)
    require(actor, "order.extend.approve" if order.pending == "extension" else "order.return.approve")
    reason = fields.text(reason, "reason")
    updated = (WorkOrder.update(pending="", pending_until=None, pending_first_approval=None,
                                updated_at=now, updated_by=actor.id)
               .where((WorkOrder.id == order_id) & (WorkOrder.pending == order.pending)).execute())
    if not updated:
        raise _changed_first(_("{number} was signed at another console just now: look again."), order_id)
    audit.record(actor, f"order.{order.pending}.refuse", "work_order", order_id, now, reason=reason)


def return_order(actor: Operator, now: datetime, order_id: int, *, reason: str) -> str:
    """The work cannot be done (退单). A supervisor's return takes effect with their sign-off; anyone
    else's waits for one. Returns "returned" or "requested"."""
    reason = fields.text(reason, "reason", _("Say why the work cannot be done."))
    if may(actor, "order.return.approve"):
        _transition(actor, now, order_id, "order.return.approve", _RESOLVING, "returned",
                    note={"reason": reason, "signed_off_by": actor.code}, end_reason=reason,
                    signed_off_by=actor.id, closed_at=now, pending="", pending_until=None,
                    pending_first_approval=None)
        return "returned"
    _set_pending(actor, now, order_id, "order.return.request", "return", {"reason": reason},
                 pending_reason=reason, pending_until=None)
    return "requested"


def approve_return(actor: Operator, now: datetime, order_id: int) -> None:
    """A supervisor signs the waiting return."""
    require(actor, "order.return.approve")
    order = _get(order_id)
    if order.pending != "return":
        raise _conflict(_("{number} has no return waiting (last change by {who} at {time})."),
                        order, order.updated_by_id, order.updated_at)
    _approve_return(actor, now, order_id, order.pending_reason)


@db.writes
def _approve_return(actor, now, order_id, reason) -> None:
    updated = (WorkOrder.update(status="returned", end_reason=reason, signed_off_by=actor.id, closed_at=now,
                                pending="", updated_at=now, updated_by=actor.id)
               .where((WorkOrder.id == order_id) & (WorkOrder.pending == "return")
                      & WorkOrder.status.in_(_RESOLVING)).execute())
    if not updated:
        raise _refusal(order_id, "returned")
    audit.record(actor, "order.return.approve", "work_order", order_id, now,
                 after={"status": "returned"}, reason=reason, signed_off_by=actor.code)


@db.writes
def add_note(actor: Operator, now: datetime, order_id: int, *, text: str) -> None:
    """A note on the order's history (what the technician said, a second call from the owner ...)."""
    require(actor, "order.note")
    _get(order_id)
    text = fields.text(text, "note", _("Write the note."))
    audit.record(actor, "order.note", "work_order", order_id, now, note=text)
