"""Work orders: what must be done, by whom, and by when."""
from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import datetime

import peewee as pw

from . import audit, db
from .calls import MAX_TEXT, find_unit
from .countdown import Deadline, wall_deadline
from .db import Unit, WorkOrder
from .errors import Conflict
from .i18n import _
from .people import InvalidInput, Operator, require
from .text import clean

DEPARTMENTS = ("engineering", "security", "cleaning", "landscaping", "customer_service", "contractor")
OPEN_STATUSES = ("logged", "dispatched", "on_site", "done")
# Before anyone is on site the respond clock runs; the resolve clock runs until the work is done.
_RESPONDING = ("logged", "dispatched")


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

    @property
    def number(self) -> str:
        return number(self.id)

    @property
    def next_due(self) -> datetime | None:
        return self.clocks[0].due if self.clocks else None


def number(order_id: int) -> str:
    return f"WO{order_id:05d}"


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
    if row["respond_due_at"] and row["status"] in _RESPONDING:
        clocks.append(_deadline(engine, row["sla_class"], "respond", start, row["respond_due_at"]))
    if row["resolve_due_at"] and row["status"] in _RESPONDING + ("on_site",):
        clocks.append(_deadline(engine, row["sla_class"], "resolve", start, row["resolve_due_at"]))
    return tuple(sorted(clocks, key=lambda d: d.due))


def open_orders(engine) -> list[OrderRow]:
    """Every open order, what breaches first at the top (orders with no running clock last)."""
    query = (WorkOrder.select(WorkOrder, Unit.code.alias("unit_code"))
             .join(Unit, on=(WorkOrder.unit == Unit.id), join_type=pw.JOIN.LEFT_OUTER)
             .where(WorkOrder.status.in_(OPEN_STATUSES)).dicts())
    rows = [
        OrderRow(
            id=r["id"], unit_code=r["unit_code"] or "", location=r["location"], sla_class=r["sla_class"],
            description=r["description"], department=r["department"], assignee=r["assignee"],
            status=r["status"], created_at=r["created_at"], clocks=running_clocks(engine, r),
        )
        for r in query
    ]
    far = datetime.max.replace(tzinfo=rows[0].created_at.tzinfo) if rows else None
    rows.sort(key=lambda o: (o.next_due or far, o.id))
    return rows


def overdue_count(rows: list[OrderRow], now: datetime) -> int:
    return sum(1 for o in rows if o.next_due is not None and o.next_due <= now)


@db.writes
def create_order(actor: Operator, now: datetime, engine, *, sla_class: str, description: str,
                 unit_code: str = "", location: str = "", department: str = "",
                 call_id: int | None = None) -> int:
    """Log an order; its deadlines are computed now, once, from the site's SLA catalogue."""
    require(actor, "order.create")
    if sla_class not in engine.catalogue:
        raise InvalidInput("sla_class", _("Choose the kind of work from the list."))
    unit = None
    if clean(unit_code):
        unit = find_unit(unit_code)
        if unit is None:
            raise InvalidInput("unit", _("There is no unit {code} on this site: check the building and room.",
                                         code=clean(unit_code)))
    location = clean(location)
    if unit is None and not location:
        raise InvalidInput("unit", _("Give the unit, or where the work is."))
    description = clean(description, multiline=True)
    if not description:
        raise InvalidInput("description", _("Say what is wrong."))
    if len(description) > MAX_TEXT:
        raise InvalidInput("description", _("At most {n} characters: this has {m}.", n=MAX_TEXT, m=len(description)))
    if department and department not in DEPARTMENTS:
        raise InvalidInput("department", _("Choose a department from the list."))
    respond_due, resolve_due = engine.deadlines(sla_class, now)
    order = WorkOrder.create(
        created_at=now, created_by=actor.id, call=call_id, unit=unit, location=location,
        sla_class=sla_class, description=description, department=department,
        clock_started_at=now, respond_due_at=respond_due, resolve_due_at=resolve_due,
        updated_at=now, updated_by=actor.id,
    )
    audit.record(actor, "order.create", "work_order", order.id, now, after={
        "class": sla_class, "unit": unit.code if unit else "", "location": location,
        "description": description, "department": department, "call": call_id,
        "respond_due_at": respond_due, "resolve_due_at": resolve_due,
    })
    return order.id


@db.writes
def _transition(actor: Operator, now: datetime, order_id: int, action: str, from_statuses: tuple[str, ...],
                to_status: str, **changes) -> None:
    """A conditional update: it only happens if the order is still in one of `from_statuses`, so two
    consoles acting at once give one success and one clear refusal."""
    require(actor, action)
    before = WorkOrder.get_or_none(WorkOrder.id == order_id)
    if before is None:
        raise InvalidInput("order", _("There is no order {number}.", number=number(order_id)))
    updated = (WorkOrder.update(status=to_status, updated_at=now, updated_by=actor.id, **changes)
               .where((WorkOrder.id == order_id) & (WorkOrder.status.in_(from_statuses))).execute())
    if not updated:
        who = before.updated_by.code if before.updated_by_id else "?"
        raise Conflict(_("{number} is already {status} (by {who}).", number=number(order_id),
                         status=_(before.status), who=who))
    audit.record(actor, action, "work_order", order_id, now,
                 before={"status": before.status}, after={"status": to_status, **changes})


def dispatch(actor: Operator, now: datetime, order_id: int, *, department: str, assignee: str = "") -> None:
    if department not in DEPARTMENTS:
        raise InvalidInput("department", _("Choose a department from the list."))
    _transition(actor, now, order_id, "order.dispatch", ("logged",), "dispatched",
                department=department, assignee=clean(assignee), dispatched_at=now, dispatched_by=actor.id)


def arrive(actor: Operator, now: datetime, order_id: int) -> None:
    _transition(actor, now, order_id, "order.arrive", ("logged", "dispatched"), "on_site", responded_at=now)
