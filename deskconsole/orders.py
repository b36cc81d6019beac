"""Work orders: what must be done, by whom, and by when.

Lifecycle (domain.md §2): logged -> dispatched -> on_site -> done -> call-back -> closed, with the
side paths reopened (an unsatisfied call-back), extension (request, supervisor approval), returned
(cannot be done: reason and a supervisor's sign-off) and cancelled (reason).

Every state change is a conditional UPDATE ... WHERE status IN (...): two consoles acting on the
same order at once give one success and one Conflict that says who got there first, and when.
"""
from __future__ import annotations

import functools
import json
import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal, InvalidOperation
from zoneinfo import ZoneInfo

import peewee as pw

from . import audit, db, fields, people
from .countdown import Deadline, wall_deadline
from .db import AuditEvent, Call, FollowUp, ReminderAck, Staff, Unit, WorkOrder
from .errors import Conflict
from .i18n import _, label
from .people import InvalidInput, Operator, may, require
from .text import clean
from .timefmt import stored

DEPARTMENTS = ("engineering", "security", "cleaning", "landscaping", "customer_service", "contractor")
OPEN_STATUSES = ("logged", "dispatched", "on_site", "done", "reopened")
ENDED_STATUSES = ("closed", "returned", "cancelled")
STATUSES = OPEN_STATUSES + ENDED_STATUSES
# Before anyone is on site the respond clock runs; the resolve clock runs until the work is done.
# A reopened order's respond clock runs only where the reopening started a new one (emergencies).
_RESPONDING = ("logged", "dispatched", "reopened")
_RESOLVING = ("logged", "dispatched", "on_site", "reopened")
# How far along the lifecycle a status is: a refusal says "already" when the order is at or past
# the status the action would give it, and "still" when it has not got there yet.
_RANK = {"logged": 0, "reopened": 0, "dispatched": 1, "on_site": 2, "done": 3,
         "closed": 4, "returned": 4, "cancelled": 4}
# 003 §3 5.2.4: the service-centre head signs extensions up to two weeks from when the order was
# logged, across all its extensions; beyond that the director (here: the sign-off of a second
# supervisor, recorded as the director's).
SUPERVISOR_EXTENSION_LIMIT = timedelta(days=14)
# 003 §3 5.2.5: an item due within 24 hours (a working day for the working-day items) is extended only
# with the owner's consent, whatever the cause.
OWNER_CONSENT_WITHIN = timedelta(hours=24)
# 003 §8 1.1.4e: 5 minutes after dispatch the desk checks the technician has left, and again every 5
# minutes until someone is on site.
CHASE_AFTER = timedelta(minutes=5)
# 003 §7 3.2: the technician is never more than 10 minutes late for a booked visit.
VISIT_LATE_AFTER = 10
# domain.md §2: a reopened emergency or hazard gets a new on-site clock.
NEW_RESPOND_CLOCK_ON_REOPEN = ("emergency", "hazard")
COMPLAINT_PREFIX = "complaint"
SIGNOFF_WAYS = ("slip", "phone")
REPORT_WAYS = ("phone", "radio", "in_person")   # how the desk heard that someone is on site
FOLLOW_UP_KINDS = ("area_check", "written_reply")
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
    escalate_at: datetime | None = None   # complaints: to the project manager (see escalation_at)
    pending: str = ""                     # "" | extension | return: waiting for a supervisor
    pending_by: int | None = None         # who asked for it (staff id): their console is told the answer
    chargeable: bool = False
    acked: frozenset[str] = frozenset()   # reminders someone acknowledged
    manager_at: datetime | None = None    # complaints: past their own limit, to the department manager
    round_at: datetime | None = None      # when this round began: logged, or reopened
    signed_off: bool = True               # the owner signed the completion (or confirmed by phone)
    followups: tuple[tuple[str, datetime], ...] = ()   # (kind, asked at) not yet done
    calendar_guess: tuple[int, ...] = ()  # years a working-day clock rests on with no official calendar

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
    """The end of the calendar day (local midnight) of `at`."""
    tz = engine.tz
    day = at.astimezone(tz).date()
    return datetime.combine(day + timedelta(days=1), time(0), tzinfo=tz).astimezone(timezone.utc)


def escalation_at(engine, created_at: datetime, resolve_due: datetime | None) -> datetime:
    """When an unsolved complaint goes to the project manager [002 投诉 4]: not solved by the end of
    the calendar day it came in, and never before its own limit."""
    end = end_of_day(engine, created_at)
    return max(end, resolve_due) if resolve_due is not None else end


def is_complaint(sla_class: str, call_category: str | None = None) -> bool:
    """A complaint: a complaint class, or an order raised from a complaint call."""
    return sla_class.startswith(COMPLAINT_PREFIX) or call_category == "complaint"


def _tzinfo(tz):
    if tz is None:
        return timezone.utc
    return ZoneInfo(tz) if isinstance(tz, str) else tz


# --- reading ---------------------------------------------------------------------------

def _base_query(*columns):
    """The orders with their unit's code and their call's category; `columns`: only these of the order's
    (default: all of them)."""
    return (WorkOrder.select(*(columns or (WorkOrder,)), Unit.code.alias("unit_code"),
                             Call.category.alias("call_category"))
            .join(Unit, on=(WorkOrder.unit == Unit.id), join_type=pw.JOIN.LEFT_OUTER).switch(WorkOrder)
            .join(Call, on=(WorkOrder.call == Call.id), join_type=pw.JOIN.LEFT_OUTER))


# The columns an OrderRow is made of (_row, running_clocks, calendar_guess): a fifth of the order's ≈60.
# The console reads every open order at sign-on; the others are read by `detail` when one is opened.
_ROW_COLUMNS = (WorkOrder.id, WorkOrder.location, WorkOrder.sla_class, WorkOrder.description,
                WorkOrder.department, WorkOrder.assignee, WorkOrder.status, WorkOrder.created_at,
                WorkOrder.clock_started_at, WorkOrder.respond_due_at, WorkOrder.resolve_due_at,
                WorkOrder.resolve_started_at, WorkOrder.dispatched_at, WorkOrder.responded_at,
                WorkOrder.booked_visit_at, WorkOrder.done_at, WorkOrder.pending, WorkOrder.pending_by,
                WorkOrder.chargeable, WorkOrder.owner_signoff)


def _rows_query():
    """Read as tuples (`namedtuples`), each made a dict only while its row is built: ≈2,000 open orders
    read as dicts of every column were megabytes at the console's peak."""
    return _base_query(*_ROW_COLUMNS)


def _row(engine, r: dict, acked: frozenset[str], followups=()) -> OrderRow:
    complaint = is_complaint(r["sla_class"], r.get("call_category"))
    return OrderRow(
        id=r["id"], unit_code=r["unit_code"] or "", location=r["location"], sla_class=r["sla_class"],
        description=r["description"], department=r["department"], assignee=r["assignee"],
        status=r["status"], created_at=r["created_at"], clocks=running_clocks(engine, r),
        dispatched_at=r["dispatched_at"], responded_at=r["responded_at"],
        booked_visit_at=r["booked_visit_at"], done_at=r["done_at"],
        escalate_at=escalation_at(engine, r["created_at"], r["resolve_due_at"]) if complaint else None,
        pending=r["pending"], pending_by=r["pending_by"] if r["pending"] else None,
        chargeable=bool(r["chargeable"]), acked=acked,
        manager_at=r["resolve_due_at"] if complaint else None,
        round_at=r["resolve_started_at"] or r["created_at"],
        signed_off=bool(r["owner_signoff"]), followups=tuple(followups),
        calendar_guess=calendar_guess(engine, r),
    )


def calendar_guess(engine, r: dict) -> tuple[int, ...]:
    """The years without an official holiday calendar that this order's running working-day
    clocks rest on: those deadlines are the calendar's guess."""
    years: set[int] = set()
    for kind, start_key in (("respond", "clock_started_at"), ("resolve", "resolve_started_at")):
        due = r[f"{kind}_due_at"]
        cls = engine.catalogue.get(r["sla_class"])
        spec = getattr(cls, kind, None) if cls else None
        if due is None or spec is None or not spec.working:
            continue
        years |= set(engine.unofficial_years(r[start_key] or r["clock_started_at"], due))
    return tuple(sorted(years))


def _shown_ids():
    """The ids of the orders open, or with a follow-up not yet done (a complaint's written reply after it
    closed). One UNION, so that each half uses its index: `status IN (…) OR id IN (…)` scanned every
    order ever made."""
    waiting = FollowUp.select(FollowUp.order).where(FollowUp.done_at.is_null())
    return WorkOrder.select(WorkOrder.id).where(WorkOrder.status.in_(OPEN_STATUSES)) | waiting


def _shown():
    return WorkOrder.id.in_(_shown_ids())


def open_orders(engine) -> list[OrderRow]:
    """Every open order, and every order with a follow-up not yet done (a complaint's written reply
    after it closed), what breaches first at the top (orders with no running clock last)."""
    return _by_breach(_open_rows(engine, _shown(), _shown_ids()))


def open_rows_by_id(engine, ids) -> dict[int, OrderRow]:
    """The rows of these orders that `open_orders` shows (an order that ended is not among them)."""
    ids = list(ids)
    return {o.id: o for o in _open_rows(engine, WorkOrder.id.in_(ids) & _shown(), ids)} if ids else {}


def merge_open(previous: list[OrderRow], changed_ids, changed: dict[int, OrderRow]) -> list[OrderRow]:
    """What `open_orders` returns now, from what it returned before and the rows read again of the orders
    changed since (`changed`: those of `changed_ids` still shown). A row is a function of its order
    alone (its clocks are stored deadlines, never measured against the time of the read)."""
    return _by_breach([o for o in previous if o.id not in changed_ids] + list(changed.values()))


def _open_rows(engine, where, ids) -> list[OrderRow]:
    """Rows of the orders `where` selects; `ids`, a list or a query, holds at least their ids."""
    records = list(_rows_query().where(where).namedtuples())
    acks: dict[int, set[str]] = {}
    followups: dict[int, list[tuple[str, datetime]]] = {}
    if records:
        for order_id, reminder in (ReminderAck.select(ReminderAck.order, ReminderAck.reminder)
                                   .where(ReminderAck.order.in_(ids)).tuples()):
            acks.setdefault(order_id, set()).add(reminder)
        for order_id, kind, asked_at in (FollowUp.select(FollowUp.order, FollowUp.kind, FollowUp.asked_at)
                                         .where(FollowUp.done_at.is_null() & FollowUp.order.in_(ids))
                                         .order_by(FollowUp.id).tuples()):
            followups.setdefault(order_id, []).append((kind, asked_at))
    # One empty set shared by every order without acknowledged reminders: `frozenset(())` makes a new
    # object each time (2,000 of them, 0.4 MB, on a site's open orders).
    return [_row(engine, r._asdict(), frozenset(acks[r.id]) if r.id in acks else _NO_ACKS, followups.get(r.id, ()))
            for r in records]


_NO_ACKS: frozenset[str] = frozenset()


def _by_breach(rows: list[OrderRow]) -> list[OrderRow]:
    far = datetime.max.replace(tzinfo=timezone.utc)
    return sorted(rows, key=lambda o: (o.next_due or far, o.id))


def calls_of(order_ids) -> set[int]:
    """The calls these orders came from (a call's row names its newest order)."""
    order_ids = list(order_ids)
    if not order_ids:
        return set()
    return {c for (c,) in WorkOrder.select(WorkOrder.call).where(WorkOrder.id.in_(order_ids)
                                                                 & WorkOrder.call.is_null(False)).tuples()}


def raised_from(call_ids) -> set[int]:
    """The orders raised from these calls (a complaint call makes its order a complaint)."""
    call_ids = list(call_ids)
    if not call_ids:
        return set()
    return {o for (o,) in WorkOrder.select(WorkOrder.id).where(WorkOrder.call.in_(call_ids)).tuples()}


def guessed_years(rows: list[OrderRow]) -> list[int]:
    """The years without an official holiday calendar that any of these orders' working-day
    deadlines rest on: the console says those deadlines are a guess."""
    return sorted({year for row in rows for year in row.calendar_guess})


def calendar_warning(years) -> str:
    """One sentence for people: which working-day deadlines are a guess, and why."""
    listed = ", ".join(str(y) for y in years)
    return _("No official holiday calendar for {years} yet: working-day deadlines there are a guess.",
             years=listed)


_NOT_ON_SITE = ("logged", "dispatched", "reopened")


def act_now_first(rows: list[OrderRow], now: datetime) -> list[OrderRow]:
    """The rows in the order the desk acts on them: emergencies and hazards nobody is on site for yet,
    then orders with a reminder not acknowledged, then the rest; in each, what breaches first."""
    far = datetime.max.replace(tzinfo=timezone.utc)

    def key(row: OrderRow):
        if row.sla_class in people.ACT_FIRST and row.status in _NOT_ON_SITE:
            tier = 0
        else:
            tier = 1 if reminders(row, now) else 2
        return tier, row.next_due or far, row.id
    return sorted(rows, key=key)
def ended(engine, *, statuses: tuple[str, ...] = ENDED_STATUSES, ids=None, limit: int = 200) -> list[OrderRow]:
    """Orders that have ended (closed, returned, cancelled), the newest first: what the Work orders pane
    lists for `status:closed`. With `ids`, only those of them."""
    query = _rows_query().where(WorkOrder.status.in_(statuses))
    if ids is not None:
        query = query.where(WorkOrder.id.in_(list(ids)))
    query = query.order_by(WorkOrder.id.desc()).limit(limit)
    return [_row(engine, r._asdict(), frozenset()) for r in query.namedtuples()]


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
    booked_by_owner: bool = False
    owner_signoff: str = ""            # "" | slip | phone
    owner_signoff_by: str = ""
    complaint_verdict: str = ""        # "" | effective | not_effective
    major: bool = False
    fee_collected: Decimal | None = None


def detail(engine, order_id: int) -> OrderDetail:
    """One order with its whole history (every audit event, oldest first)."""
    r = _base_query().where(WorkOrder.id == order_id).dicts().first()
    if r is None:
        raise InvalidInput("order", _("There is no order {number}.", number=number(order_id)))
    acked = frozenset(a for (a,) in ReminderAck.select(ReminderAck.reminder)
                      .where(ReminderAck.order == order_id).tuples())
    followups = [(k, at) for k, at in FollowUp.select(FollowUp.kind, FollowUp.asked_at)
                 .where((FollowUp.order == order_id) & FollowUp.done_at.is_null()).order_by(FollowUp.id).tuples()]
    codes = dict(Staff.select(Staff.id, Staff.code).tuples())
    history = [HistoryItem(e["at"], codes.get(e["actor_id"], ""), e["action"], e["data"])
               for e in audit.history("work_order", order_id)]
    return OrderDetail(
        row=_row(engine, r, acked, followups), created_by=codes.get(r["created_by"], ""),
        chargeable=bool(r["chargeable"]), fee_agreed=r["fee_agreed"],
        respond_due_at=r["respond_due_at"], resolve_due_at=r["resolve_due_at"],
        booked_visit_at=r["booked_visit_at"], work_done=r["work_done"], materials=r["materials"],
        hours=r["hours"], fee=r["fee"], satisfied=r["satisfied"], pending=r["pending"],
        pending_until=r["pending_until"], pending_reason=r["pending_reason"], end_reason=r["end_reason"],
        history=history, booked_by_owner=bool(r["booked_by_owner"]), owner_signoff=r["owner_signoff"],
        owner_signoff_by=r["owner_signoff_by"], complaint_verdict=r["complaint_verdict"], major=bool(r["major"]),
        fee_collected=r["fee_collected"],
    )


# --- reminders: a pure function of the rows and the time --------------------------------

@dataclass(frozen=True)
class Reminder:
    key: str       # stable id, what an acknowledgement records
    kind: str      # dispatch | chase | visit | respond | resolve | callback | signoff | manager | escalate
    #                | area_check | written_reply
    band: str      # for clocks: band50 | band75 | band90 | over
    at: datetime   # since when it is due
    due: datetime | None = None   # for clocks: the deadline itself

    @property
    def sticky(self) -> bool:
        """A follow-up shows until it is done: acknowledging does not hide it."""
        return self.kind in FOLLOW_UP_KINDS

    def text(self) -> str:
        if self.kind == "dispatch":
            return _("Not dispatched: call the department now.")
        if self.kind == "chase":
            return _("Dispatched and nobody on site yet: chase.")
        if self.kind == "visit":
            return _("The booked visit time has passed.")
        if self.kind == "callback":
            return _("Done: call the owner back.")
        if self.kind == "signoff":
            return _("Done without the owner's sign-off: get it signed or confirmed by phone.")
        if self.kind == "manager":
            return _("Complaint past its limit: tell the department manager.")
        if self.kind == "escalate":
            return _("Complaint not solved today: tell the project manager.")
        if self.kind == "area_check":
            return _("Not satisfied at the call-back: the area manager goes to look.")
        if self.kind == "written_reply":
            return _("Complaint handled: send the owner a written reply.")
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
    if row.status in ("logged", "reopened") and row.round_at:
        found.append(Reminder(f"dispatch:{_stamp(row.round_at)}", "dispatch", "", row.round_at))
    if row.status == "dispatched" and row.dispatched_at:
        rounds = int((now - row.dispatched_at) / CHASE_AFTER)
        if rounds >= 1:   # the n-th chase: acknowledging it hides it until the next one is due
            found.append(Reminder(f"chase:{_stamp(row.dispatched_at)}:{rounds}", "chase", "",
                                  row.dispatched_at + rounds * CHASE_AFTER))
        if row.booked_visit_at and now >= row.booked_visit_at:
            found.append(Reminder(f"visit:{_stamp(row.booked_visit_at)}", "visit", "", row.booked_visit_at))
    for clock in row.clocks:
        band = clock.band(now)
        if band:
            at = {"band50": clock.at50, "band75": clock.at75, "band90": clock.at90, "over": clock.due}[band]
            found.append(Reminder(f"{clock.kind}.{band}:{_stamp(clock.due)}", clock.kind, band, at, clock.due))
    if row.status == "done" and row.done_at:
        found.append(Reminder(f"callback:{_stamp(row.done_at)}", "callback", "", row.done_at))
        if not row.signed_off:
            found.append(Reminder(f"signoff:{_stamp(row.done_at)}", "signoff", "", row.done_at))
    if row.status in _RESOLVING:
        if row.manager_at and now >= row.manager_at:
            found.append(Reminder(f"manager:{_stamp(row.manager_at)}", "manager", "", row.manager_at))
        if row.escalate_at and now >= row.escalate_at:
            found.append(Reminder(f"escalate:{_stamp(row.escalate_at)}", "escalate", "", row.escalate_at))
    for kind, asked_at in row.followups:
        found.append(Reminder(f"{kind}:{_stamp(asked_at)}", kind, "", asked_at))
    return [r for r in found if r.sticky or r.key not in row.acked]


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
        if row.status == "dispatched" and row.dispatched_at:
            rounds = max(0, int((now - row.dispatched_at) / CHASE_AFTER))
            moments.append(row.dispatched_at + (rounds + 1) * CHASE_AFTER)
        moments += [row.booked_visit_at, row.escalate_at, row.manager_at]
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


def parse_local(text: str, tz, now: datetime, field_name: str, *, day_end: time = time(17, 0),
                gone: bool = False) -> datetime | None:
    """A time typed at the desk, in the site's zone: "14:30" (the next 14:30 to come; with `gone`, the
    last one gone: 23:50 typed at 00:10 is last night's, unless it is at most an hour to come, which
    is taken as typed, for the caller to refuse), "11-25 14:30", "2026-11-25 14:30", or a date alone
    (that day's closing time). "" is None."""
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
                if gone:
                    if when - local_now > timedelta(hours=1):
                        when -= timedelta(days=1)
                elif when < local_now:
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
    order = db.create(
        WorkOrder,
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
                to_status: str, *, note: dict | None = None, engine=None, **changes) -> None:
    """A conditional update: it only happens if the order is still in one of `from_statuses`, so two
    consoles acting at once give one success and one clear refusal. With the site's `engine`, the
    desk's holder may act outside office hours (people.may); what they did so is recorded as such."""
    before = _get(order_id)
    require(actor, action, now, engine, sla_class=before.sla_class)
    if people.by_holder(actor, action):
        note = {**(note or {}), "as_desk": True}
    updated = (WorkOrder.update(status=to_status, updated_at=now, updated_by=actor.id, **changes)
               .where((WorkOrder.id == order_id) & (WorkOrder.status.in_(from_statuses))).execute())
    if not updated:
        raise _refusal(order_id, to_status)
    after = {"status": to_status}
    after.update({k: v for k, v in changes.items() if not isinstance(v, pw.Node)})
    audit.record(actor, action, "work_order", order_id, now,
                 before={"status": before.status}, after=after, **(note or {}))


def dispatch(actor: Operator, now: datetime, order_id: int, *, department: str, assignee: str = "",
             booked_visit_at: datetime | None = None, owner_chose: bool = False, engine=None) -> None:
    """Send the order to a department (and a person), with the visit time booked with the owner. When
    the owner chose a later time, the respond clock runs to it: arriving then is not a miss. At night
    the desk's holder notifies the on-call technician: the same step, recorded as such."""
    require(actor, "order.dispatch", now, engine, sla_class=_get(order_id).sla_class)
    if department not in DEPARTMENTS:
        raise InvalidInput("department", _("Choose a department from the list."))
    assignee = clean(assignee)
    if len(assignee) > 60:
        raise InvalidInput("assignee", _("A name is at most {n} characters.", n=60))
    if booked_visit_at is not None and booked_visit_at < now - timedelta(minutes=1):
        raise InvalidInput("booked", _("The visit time has passed: book a time to come."))
    if owner_chose and booked_visit_at is None:
        raise InvalidInput("booked", _("Give the visit time the owner chose."))
    changes: dict = {}
    note: dict = {"on_call": True} if engine is not None and not engine.is_open(now) else {}
    order = _get(order_id)
    if owner_chose and order.respond_due_at is not None and booked_visit_at > order.respond_due_at:
        changes["respond_due_at"] = booked_visit_at
        note.update(owner_chose=True, respond_due_at_before=order.respond_due_at)
    _transition(actor, now, order_id, "order.dispatch", ("logged", "reopened"), "dispatched", note=note or None,
                engine=engine, department=department, assignee=assignee, dispatched_at=now, dispatched_by=actor.id,
                booked_visit_at=booked_visit_at, booked_by_owner=bool(owner_chose), **changes)


def arrive(actor: Operator, now: datetime, order_id: int, *, engine=None, at: datetime | None = None,
           on_site: str | None = None, reported_how: str = "") -> None:
    """Someone is on site: the respond clock stops (the first arrival of the round counts). After a
    booked visit, how late the arrival was is recorded (more than 10 minutes counts as late).

    As the desk hears of it: `on_site` who is there (the technician; None when not said), how the desk
    was told (`reported_how`, one of REPORT_WAYS), and `at` when they got there when that was before
    now (not in the future, not before the order was dispatched). The order has no column for who and
    how: they are kept in the audit event, which the order's history shows."""
    order = _get(order_id)
    at = _arrival_time(order, now, at)
    if on_site is not None:
        on_site = clean(on_site)
        if not on_site:
            raise InvalidInput("on_site", _("Say who is on site."))
        if len(on_site) > 60:
            raise InvalidInput("on_site", _("A name is at most {n} characters.", n=60))
    if reported_how and reported_how not in REPORT_WAYS:
        raise InvalidInput("reported_how", _("Say how you were told: by phone, by radio or in person."))
    stamp = WorkOrder.responded_at.db_value(at)
    note: dict = {"arrived_at": at}
    note.update({k: v for k, v in (("on_site_by", on_site), ("reported_how", reported_how)) if v})
    changes: dict = {}
    if order.booked_visit_at is not None and order.status == "dispatched":
        late = max(0, int((at - order.booked_visit_at).total_seconds() // 60))
        note["late_minutes"] = late
        changes["visit_late_minutes"] = pw.fn.COALESCE(WorkOrder.visit_late_minutes, late)
    _transition(actor, now, order_id, "order.arrive", ("logged", "dispatched", "reopened"), "on_site",
                note=note, engine=engine, responded_at=pw.fn.COALESCE(WorkOrder.responded_at, stamp), **changes)


def _arrival_time(order: WorkOrder, now: datetime, at: datetime | None) -> datetime:
    """When someone got there: now, or an earlier time told now; not before the order was logged,
    dispatched or reopened (to the minute: the desk types minutes)."""
    if at is None:
        return now
    if at > now:
        raise InvalidInput("arrived_at", _("That time is still to come: give the time they got there."))
    floor, message = order.created_at, _("That is before the order was logged ({time}).")
    if order.dispatched_at is not None and order.dispatched_at > floor:
        floor, message = order.dispatched_at, _("That is before the order was dispatched ({time}).")
    if order.status == "reopened" and order.callback_at is not None and order.callback_at > floor:
        floor, message = order.callback_at, _("That is before the order was reopened ({time}).")
    if at < floor.replace(second=0, microsecond=0):
        raise InvalidInput("arrived_at", message, time=floor)
    return at


def _signoff(how: str, by: str) -> tuple[str, str]:
    """The owner's sign-off as given: how (slip, phone, or "" for not yet) and by whom."""
    how = clean(how or "")
    if how not in ("",) + SIGNOFF_WAYS:
        raise InvalidInput("signoff", _("The owner signs the slip, or confirms by phone."))
    by = clean(by or "")
    if len(by) > 60:
        raise InvalidInput("signed_by", _("A name is at most {n} characters.", n=60))
    if how and not by:
        raise InvalidInput("signed_by", _("Say who signed, or who confirmed on the phone."))
    return how, by if how else ""


def complete(actor: Operator, now: datetime, order_id: int, *, work_done: str, materials: str = "",
             hours=None, fee=None, signoff: str = "", signed_by: str = "", engine=None) -> None:
    """The work is done: what was done, with what, how long, the fee of chargeable work, and the
    owner's sign-off (a signed slip, or confirmed by phone: by whom). Without the sign-off the order
    carries a reminder until it is recorded (sign_off). A complaint then needs a written reply."""
    order = _get(order_id)
    require(actor, "order.complete", now, engine, sla_class=order.sla_class)
    work_done = fields.text(work_done, "work_done", _("Say what was done."))
    materials = fields.text(materials, "materials")
    hours_value = parse_hours(hours)
    fee_value = parse_money(fee, "fee")
    how, by = _signoff(signoff, signed_by)
    if order.chargeable:
        if fee_value is None:
            fee_value = order.fee_agreed
    elif fee_value:
        raise InvalidInput("fee", _("This order is free of charge: leave the fee empty."))
    _complete(actor, now, order, work_done=work_done, materials=materials, hours=hours_value, fee=fee_value,
              done_at=now, owner_signoff=how, owner_signoff_by=by, engine=engine,
              pending="", pending_until=None, pending_first_approval=None)


@db.writes
def _complete(actor: Operator, now: datetime, order: WorkOrder, *, engine=None, **changes) -> None:
    _transition(actor, now, order.id, "order.complete", ("on_site",), "done", engine=engine, **changes)
    category = Call.get_by_id(order.call_id).category if order.call_id else None
    if is_complaint(order.sla_class, category) and not FollowUp.select().where(
            (FollowUp.order == order.id) & (FollowUp.kind == "written_reply")).exists():
        FollowUp.create(order=order.id, kind="written_reply", asked_at=now)


@db.writes
def sign_off(actor: Operator, now: datetime, order_id: int, *, how: str, by: str) -> None:
    """The owner's sign-off recorded after the completion (the slip came back, or a phone call)."""
    require(actor, "order.complete")
    how, by = _signoff(how, by)
    if not how:
        raise InvalidInput("signoff", _("The owner signs the slip, or confirms by phone."))
    updated = (WorkOrder.update(owner_signoff=how, owner_signoff_by=by, updated_at=now, updated_by=actor.id)
               .where((WorkOrder.id == order_id) & WorkOrder.status.in_(("done", "closed"))
                      & (WorkOrder.owner_signoff == "")).execute())
    if not updated:
        current = _get(order_id)
        if current.owner_signoff:
            raise _changed_first(_("{number} is signed off already (by {who} at {time})."), order_id)
        raise _refusal(order_id, "done")
    audit.record(actor, "order.signoff", "work_order", order_id, now, how=how, by=by)


def callback(actor: Operator, now: datetime, engine, order_id: int, *, satisfied: bool, note: str = "") -> str:
    """The call-back (回访): satisfied closes the order; not satisfied reopens it with a new resolve
    clock (and, for an emergency or hazard, a new on-site clock), keeps the first round for the
    timeliness figure, and sends the area manager to look. Returns the new status."""
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
    W = WorkOrder
    first_round = dict(first_respond_due_at=pw.fn.COALESCE(W.first_respond_due_at, W.respond_due_at),
                       first_responded_at=pw.fn.COALESCE(W.first_responded_at, W.responded_at),
                       first_resolve_due_at=pw.fn.COALESCE(W.first_resolve_due_at, W.resolve_due_at),
                       first_done_at=pw.fn.COALESCE(W.first_done_at, W.done_at))
    new_respond = {}
    if order.sla_class in NEW_RESPOND_CLOCK_ON_REOPEN and cls and cls.respond:
        new_respond = dict(respond_due_at=engine.add(now, cls.respond), responded_at=None, clock_started_at=now)
    _reopen(actor, now, order_id, note={"satisfied": False, "note": note, "old_resolve_due_at": order.resolve_due_at},
            resolve_started_at=now, resolve_due_at=resolve_due, reopen_count=W.reopen_count + 1, done_at=None,
            **first_round, **new_respond, **common)
    return "reopened"


@db.writes
def _reopen(actor: Operator, now: datetime, order_id: int, *, note: dict, **changes) -> None:
    # Every SET expression reads the row as it was before the update: the first round is copied from
    # the values this update replaces.
    _transition(actor, now, order_id, "order.callback", ("done",), "reopened", note=note, **changes)
    FollowUp.create(order=order_id, kind="area_check", asked_at=now)


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


def needs_owner_consent(engine, sla_class: str) -> bool:
    """A 24-hour item (003 §3 5.2.5: done within 24 hours, or within a working day for the working-day
    items): extending it needs the owner's consent as well as the head's signature, whatever the cause."""
    cls = engine.catalogue.get(sla_class)
    spec = cls.resolve if cls else None
    if spec is None:
        return False
    if spec.working:
        return spec.minutes <= engine.office_hours.day_minutes
    return timedelta(minutes=spec.minutes) <= OWNER_CONSENT_WITHIN


def request_extension(actor: Operator, now: datetime, engine, order_id: int, *, until: datetime | None,
                      reason: str, owner_caused: bool = False, owner_consent: bool = False) -> None:
    """Ask for more time, before the deadline. A supervisor approves; an extension the owner caused, or
    of a 24-hour item, needs the owner's consent. One asked after the deadline passed is recorded as
    retroactive: approved, it moves the countdown, but the breach stays in the timeliness figure."""
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
    if needs_owner_consent(engine, order.sla_class) and not owner_consent:
        raise InvalidInput("owner_consent", _("A job due within 24 hours is extended only with the owner's consent: record it first."))
    retroactive = current is not None and now > current
    _set_pending(actor, now, order_id, "order.extend.request", "extension",
                 {"until": until, "current_due_at": current, "reason": reason, "retroactive": retroactive,
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
    # Two weeks from when the order was logged, whatever extensions it had before.
    long = order.pending_until - order.created_at > SUPERVISOR_EXTENSION_LIMIT
    retroactive = old_due is not None and order.pending_at is not None and order.pending_at > old_due
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
    if retroactive:   # the deadline had passed when the extension was asked: the breach stays
        changes["breached_due_at"] = pw.fn.COALESCE(WorkOrder.breached_due_at, WorkOrder.resolve_due_at.db_value(old_due))
    if order.resolve_due_at is not None:
        changes["resolve_due_at"] = order.pending_until
    else:
        changes["respond_due_at"] = order.pending_until
    first = order.pending_first_approval_id
    condition = same & (WorkOrder.pending_first_approval == first if first else WorkOrder.pending_first_approval.is_null())
    if not WorkOrder.update(**changes).where(condition).execute():
        raise _changed_first(_("{number} was signed at another console just now: look again."), order_id)
    audit.record(actor, "order.extend.approve", "work_order", order_id, now,
                 signed_as="director" if long else "supervisor", complete=True, retroactive=retroactive,
                 before={"resolve_due_at": old_due}, after={"resolve_due_at": order.pending_until},
                 reason=order.pending_reason, owner_caused=order.pending_owner_caused,
                 owner_consent=order.pending_owner_consent,
                 first_signature=order.pending_first_approval.code if first else None)
    return "approved"


@dataclass(frozen=True)
class Decision:
    """A supervisor's answer to a request (an extension, a return), for the console of who asked."""
    order_id: int
    number: str
    kind: str            # extension | return
    approved: bool
    by_code: str
    by_name: str
    at: datetime
    until: datetime | None   # an approved extension's new deadline
    reason: str              # a refusal's


_DECISIONS = {"order.extend.approve": ("extension", True), "order.extension.refuse": ("extension", False),
              "order.return.approve": ("return", True), "order.return.refuse": ("return", False)}


def decision(order_id: int) -> Decision | None:
    """The newest answer a supervisor gave to a request on this order (a first signature beyond two
    weeks, which still waits for the director's, is not an answer), or None."""
    events = (AuditEvent.select(AuditEvent.action, AuditEvent.at, AuditEvent.data, Staff.code, Staff.name)
              .join(Staff, pw.JOIN.LEFT_OUTER, on=(AuditEvent.actor == Staff.id))
              .where((AuditEvent.entity == "work_order") & (AuditEvent.entity_id == order_id)
                     & AuditEvent.action.in_(list(_DECISIONS)))
              .order_by(AuditEvent.id.desc()).limit(3).dicts())
    for event in events:
        data = json.loads(event["data"] or "{}")
        if event["action"] == "order.extend.approve" and data.get("complete") is False:
            continue
        kind, approved = _DECISIONS[event["action"]]
        until = (data.get("after") or {}).get("resolve_due_at") or data.get("until")
        return Decision(order_id, number(order_id), kind, approved, event["code"] or "?", event["name"] or "",
                        event["at"], stored(until),
                        str(data.get("reason") or "") if not approved else "")
    return None


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


# --- what follows the work: follow-ups, the supervisor's marks, the fee -------------------------

@db.writes
def finish_followup(actor: Operator, now: datetime, order_id: int, *, kind: str, person: str,
                    note: str = "") -> None:
    """A follow-up done: the area manager went to look (who, what they found), or the written reply
    went to the owner (to whom, how). Its reminder stops."""
    require(actor, "order.followup")
    if kind not in FOLLOW_UP_KINDS:
        raise InvalidInput("kind", _("Choose what was done."))
    person = clean(person)
    if not person or len(person) > 60:
        raise InvalidInput("person", _("Say who: a name of at most {n} characters.", n=60))
    note = fields.text(note, "note", _("Write down what was found.") if kind == "area_check"
                       else _("Write down how the reply was sent."))
    waiting = (FollowUp.select().where((FollowUp.order == order_id) & (FollowUp.kind == kind)
                                       & FollowUp.done_at.is_null()).order_by(FollowUp.id).first())
    if waiting is None:
        _get(order_id)
        raise InvalidInput("kind", _("{number} has nothing of this kind waiting.", number=number(order_id)))
    updated = (FollowUp.update(done_at=now, done_by=actor.id, person=person, note=note)
               .where((FollowUp.id == waiting.id) & FollowUp.done_at.is_null()).execute())
    if not updated:
        raise _changed_first(_("{number} was changed at another console just now: look again."), order_id)
    WorkOrder.update(updated_at=now, updated_by=actor.id).where(WorkOrder.id == order_id).execute()
    audit.record(actor, f"order.{kind}", "work_order", order_id, now, person=person, note=note)


def _complaint(order: WorkOrder) -> None:
    category = Call.get_by_id(order.call_id).category if order.call_id else None
    if not is_complaint(order.sla_class, category):
        raise InvalidInput("order", _("{number} is not a complaint.", number=number(order.id)))


@db.writes
def verify_complaint(actor: Operator, now: datetime, order_id: int, *, effective: bool, note: str = "") -> None:
    """A supervisor's verdict on a complaint (有效投诉): the company's own service failure, or not
    (a neighbour dispute, a developer's defect, an unreasonable demand). Only verified ones count."""
    require(actor, "complaint.verify")
    order = _get(order_id)
    _complaint(order)
    note = fields.text(note, "note", None if effective else _("Say why it is not the company's failure."))
    verdict = "effective" if effective else "not_effective"
    WorkOrder.update(complaint_verdict=verdict, verdict_by=actor.id, verdict_at=now,
                     updated_at=now, updated_by=actor.id).where(WorkOrder.id == order_id).execute()
    audit.record(actor, "order.complaint.verify", "work_order", order_id, now,
                 before={"verdict": order.complaint_verdict}, after={"verdict": verdict}, note=note)


@db.writes
def mark_major(actor: Operator, now: datetime, order_id: int, *, major: bool) -> None:
    """A supervisor marks a complaint major (重大投诉): every major complaint is called back."""
    require(actor, "complaint.major")
    order = _get(order_id)
    _complaint(order)
    WorkOrder.update(major=bool(major), updated_at=now, updated_by=actor.id).where(WorkOrder.id == order_id).execute()
    audit.record(actor, "order.complaint.major", "work_order", order_id, now,
                 before={"major": order.major}, after={"major": bool(major)})


@db.writes
def collect_fee(actor: Operator, now: datetime, order_id: int, *, amount) -> None:
    """The fee of chargeable work collected (usually at the call-back visit, 003 §3 6.5)."""
    require(actor, "order.fee.collect")
    order = _get(order_id)
    if not order.chargeable:
        raise InvalidInput("amount", _("This order is free of charge: there is no fee to collect."))
    value = parse_money(amount, "amount")
    if value is None:
        raise InvalidInput("amount", _("An amount is a number like 80 or 35.50."))
    updated = (WorkOrder.update(fee_collected=value, fee_collected_at=now, updated_at=now, updated_by=actor.id)
               .where((WorkOrder.id == order_id) & WorkOrder.status.in_(("done", "closed"))
                      & WorkOrder.fee_collected.is_null()).execute())
    if not updated:
        if _get(order_id).fee_collected is not None:
            raise _changed_first(_("{number}: the fee is collected already (by {who} at {time})."), order_id)
        raise _refusal(order_id, "done")
    audit.record(actor, "order.fee.collect", "work_order", order_id, now, amount=value, charged=order.fee)
