"""Monthly figures (月报表): counts and rates for a date range, each traceable to its records.

One `compute()` feeds the Reports screen and `deskconsole report`, so the screen and the files
can never disagree. Every figure carries the records it counts (`Figure.records`), which is how
Enter on a figure lists them and how a supervisor checks a number before signing it.

Who is counted (the rules are the service centre's, domain.md §2 and §5):
* calls: received in the range, void calls left out;
* work orders: logged in the range (the month's orders), cancelled ones left out of the rates;
* keys: loans issued in the range, reports (lost, broken) made in the range;
* fees: chargeable orders completed in the range (when the money is due).
"""
from __future__ import annotations

import json
from calendar import monthrange
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from peewee import JOIN

from . import calls, orders
from .db import (AuditEvent, Call, FollowUp, GoodsPass, Key, KeyLoan, KeyReport, Parcel, Unit, UTCDateTimeField,
                 Visitor, WorkOrder)
from .errors import InvalidInput
from .i18n import _, label
from .text import one_line


@dataclass(frozen=True, slots=True)   # slots: a year of calls is ≈200,000 of them
class Record:
    """One record a figure counts."""
    kind: str            # call | order | loan | key_report
    id: int
    number: str          # what a person calls it: C000123, WO00012, a key's tag
    at: datetime         # UTC: when it was received / logged / issued / reported
    summary: str         # one line of cleaned text: category or class, unit, words


@dataclass(frozen=True)
class Target:
    """A rate the documents set: `at_least` (timeliness ≥ 100 %) or `below` (complaints < 2 %)."""
    rate: Decimal        # 1 = 100 %
    kind: str            # at_least | below

    def met(self, rate: Decimal) -> bool:
        return rate >= self.rate if self.kind == "at_least" else rate < self.rate


@dataclass(frozen=True)
class Figure:
    id: str              # stable: "calls.category.repair", "orders.timely", "keys.lost" ...
    section: str         # calls | orders | quality | complaints | keys | fees
    label: str           # translated, for people
    count: int           # how many records it counts (the numerator of a rate)
    total: int | None = None        # the denominator of a rate; None for a plain count
    amount: Decimal | None = None   # money (fees)
    target: Target | None = None
    note: str = ""       # translated: how it was counted, what the denominator is
    records: tuple[Record, ...] = ()

    @property
    def rate(self) -> Decimal | None:
        if not self.total:   # a plain count, or a rate without any sample
            return None
        return Decimal(self.count) / Decimal(self.total)

    @property
    def missed(self) -> bool:
        """True when the figure has a target and misses it (no sample: not missed, nothing to judge)."""
        rate = self.rate
        return self.target is not None and rate is not None and not self.target.met(rate)


@dataclass(frozen=True)
class Day:
    day: date                            # local date
    calls: tuple[Record, ...] = ()       # calls received that day
    overdue: tuple[Record, ...] = ()     # orders whose deadline passed unmet that day


@dataclass(frozen=True, slots=True)
class OrderLine:
    """One order of the range, for the sheet of orders behind the figures."""
    id: int
    number: str
    created_at: datetime
    sla_class: str
    department: str
    unit: str
    status: str
    respond_due_at: datetime | None
    responded_at: datetime | None
    resolve_due_at: datetime | None
    original_resolve_due_at: datetime | None   # before any extension
    done_at: datetime | None
    extensions: int
    reopened: int
    callback_at: datetime | None
    satisfied: bool | None
    chargeable: bool
    fee: Decimal | None
    timely: bool | None          # None: still running, not yet judged
    description: str


@dataclass
class Report:
    start: date                          # first local day, inclusive
    end: date                            # last local day, inclusive
    tz: str                              # the site's time zone name
    generated_at: datetime               # UTC
    site: str
    figures: list[Figure] = field(default_factory=list)
    days: list[Day] = field(default_factory=list)
    orders: list[OrderLine] = field(default_factory=list)
    calendar_guess: list[int] = field(default_factory=list)   # years whose working days are a guess

    def figure(self, figure_id: str) -> Figure:
        for f in self.figures:
            if f.id == figure_id:
                return f
        raise KeyError(figure_id)


def month_range(text: str, field_name: str = "month") -> tuple[date, date]:
    """"2026-11" -> (2026-11-01, 2026-11-30); a clear refusal for anything else."""
    try:
        year, month = (int(part) for part in text.strip().split("-"))
        last = monthrange(year, month)[1]
        return date(year, month, 1), date(year, month, last)
    except (ValueError, TypeError):
        raise InvalidInput(field_name, _("A month is written like 2026-11.")) from None


def parse_day(text: str, field_name: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise InvalidInput(field_name, _("A day is written like 2026-11-24.")) from None


def check_range(start: date, end: date, field_name: str = "end") -> None:
    if end < start:
        raise InvalidInput(field_name, _("The range ends before it starts."))
    if (end - start).days > 366:
        raise InvalidInput(field_name, _("A report covers at most a year."))


# The targets the documents name (domain.md §5; 003 §3 8, §6).
TIMELINESS_TARGET = Target(Decimal(1), "at_least")
CALLBACK_TARGET = Target(Decimal("0.5"), "at_least")          # the sampling rule, 003 §6 (三)2
MAJOR_CALLBACK_TARGET = Target(Decimal(1), "at_least")        # ... and every major complaint
HANDLED_TARGET = Target(Decimal(1), "at_least")               # 回访处理率 100 %, 003 §3 8
VISIT_TARGET = Target(Decimal(1), "at_least")                 # never more than 10 min late, 003 §7 3.2
REPLY_TARGET = Target(Decimal(1), "at_least")                 # a written reply to each, 003 §3 8(一)6
COLLECTION_TARGET = Target(Decimal("0.9"), "at_least")        # fee collection, 003 §10
SATISFACTION_TARGET = Target(Decimal("0.9"), "at_least")
EFFECTIVE_COMPLAINTS_TARGET = Target(Decimal("0.02"), "below")

SECTIONS = ("calls", "channels", "orders", "departments", "timeliness", "quality", "complaints", "keys", "fees",
            "frontdesk")
COMPLAINT_CLASSES_PREFIX = "complaint_"


def section_title(section: str) -> str:
    """A section's title for people; a section this list does not know reads as its id."""
    return {
        "calls": _("Calls by category"),
        "channels": _("Calls by channel"),
        "orders": _("Work orders by class"),
        "departments": _("Work orders by department"),
        "timeliness": _("Timeliness (及时率)"),
        "quality": _("Quality and call-backs"),
        "complaints": _("Complaints"),
        "keys": _("Keys"),
        "fees": _("Chargeable work"),
        "frontdesk": _("Front desk"),
    }.get(section) or label(section)


def local_bounds(start: date, end: date, tz) -> tuple[datetime, datetime]:
    """UTC [from, to) of the local days start..end inclusive."""
    lo = datetime.combine(start, time(0), tzinfo=tz).astimezone(UTC)
    hi = datetime.combine(end + timedelta(days=1), time(0), tzinfo=tz).astimezone(UTC)
    return lo, hi


def _short(text: str, limit: int = 80) -> str:
    """A record's words in a list: one line, at most `limit` characters (the record has the rest)."""
    line = one_line(text)
    return line if len(line) <= limit else line[:limit - 1] + "…"


def _judge(met_at: datetime | None, due: datetime | None, now: datetime) -> bool | None:
    """True: done by the deadline; False: done late, or not done and the deadline passed; None: no
    deadline, or still running."""
    if due is None:
        return None
    if met_at is not None:
        return met_at <= due
    return False if now > due else None


def _overall(r: dict, resolve_due: datetime | None, now: datetime) -> bool | None:
    """Both clocks an order has, judged together (see _combine)."""
    return _combine([_judge(met, due, now) for met, due in ((r["responded_at"], r["respond_due_at"]),
                                                            (r["done_at"], resolve_due)) if due is not None])


def _first_extension_deadlines(order_ids) -> dict[int, datetime]:
    """Each extended order's deadline before its first approved extension (from the audit trail)."""
    parse = UTCDateTimeField().python_value
    found: dict[int, datetime] = {}
    ids = list(order_ids)
    for chunk in range(0, len(ids), 500):
        events = (AuditEvent.select(AuditEvent.entity_id, AuditEvent.data)
                  .where((AuditEvent.entity == "work_order") & (AuditEvent.action == "order.extend.approve")
                         & AuditEvent.entity_id.in_(ids[chunk:chunk + 500]))
                  .order_by(AuditEvent.id).tuples())
        for entity_id, data in events:
            if entity_id in found:
                continue
            event = json.loads(data)
            if not event.get("complete", True):
                continue   # the first of a director's two signatures: nothing moved yet
            before = event.get("before") or {}
            if before.get("resolve_due_at"):
                found[entity_id] = parse(before["resolve_due_at"])
    return found


def compute_in_worker(config, engine, start: date, end: date, now: datetime) -> Report:
    """`compute` from a worker thread, on a connection of its own that is closed after."""
    from . import db
    with db.database.connection_context():
        return compute(config, engine, start, end, now)


# The steps compute() counts on its `progress` (what a bar on the terminal shows).
COMPUTE_STEPS = 15


def compute(config, engine, start: date, end: date, now: datetime, progress=None) -> Report:
    """The figures for the local days start..end (inclusive) at the site, as of `now` (UTC).
    `progress(done, COMPUTE_STEPS)` is told after each step (a year of calls takes seconds)."""
    check_range(start, end)
    lo, hi = local_bounds(start, end, config.tz)
    steps = iter(range(1, COMPUTE_STEPS + 1))

    def step(result):
        if progress is not None:
            progress(next(steps), COMPUTE_STEPS)
        return result

    if progress is not None:
        progress(0, COMPUTE_STEPS)
    live_calls, void_calls = step(_calls_in(lo, hi))
    counted, cancelled = step(_orders_in(lo, hi))
    lines, verdicts = step(_judge_orders(counted, now))
    records = {r["id"]: rec for r, rec in counted}
    figures = [*step(_call_figures(live_calls, void_calls)),
               *step(_order_figures(engine, counted, cancelled)),
               *step(_timeliness_figures(counted, verdicts, records)),
               *step(_other_timeliness_figures(counted, verdicts, records, lo, hi, now)),
               *step(_overdue_figures(counted, verdicts, records)),
               *step(_quality_figures(counted, lo, hi)),
               *step(_complaint_figures(lo, hi)),
               *step(_key_figures(lo, hi, now)),
               *step(_fee_figures(lo, hi)),
               *step(_frontdesk_figures(lo, hi))]
    return Report(
        start=start, end=end, tz=config.timezone, generated_at=now, site=config.site_name,
        figures=figures,
        days=step(_days(start, end, live_calls, lo, hi, now, config.tz)),
        orders=lines,
        calendar_guess=step(_calendar_guess(engine, counted)))


def _calendar_guess(engine, counted) -> list[int]:
    """The years without an official holiday calendar that the working-day deadlines judged here
    rest on: those deadlines, and the verdicts on them, are a guess."""
    years: set[int] = set()
    for r, _rec in counted:
        years |= set(orders.calendar_guess(engine, r))
    return sorted(years)


def _calls_in(lo: datetime, hi: datetime) -> tuple[list[tuple[str, str, Record]], list[Record]]:
    """The calls received in [lo, hi): the live ones as (category, channel, record) and the void ones.
    A year holds ≈200,000: rows are read raw (not as peewee dicts), a batch at a time, and each call
    kept as one small tuple."""
    query = (Call.select(Call.id, Call.received_at, Call.category, Call.channel, Call.status, Call.text,
                         Call.caller, Unit.code.alias("unit_code"))
             .join(Unit, join_type=JOIN.LEFT_OUTER, on=(Call.unit == Unit.id))
             .where((Call.received_at >= lo) & (Call.received_at < hi))
             .order_by(Call.received_at))
    parse = UTCDateTimeField().python_value
    names: dict[str, str] = {}   # one string per category and channel, not one per call
    labels: dict[str, str] = {}
    live_calls: list[tuple[str, str, Record]] = []
    void_calls: list[Record] = []
    cursor = query.model._meta.database.execute(query)
    while rows := cursor.fetchmany(2000):
        for call_id, received_at, category, channel, status, text, caller, unit_code in rows:
            category, channel = names.setdefault(category, category), names.setdefault(channel, channel)
            kind = labels.get(category) or labels.setdefault(category, label(category))
            words = " · ".join(x for x in (kind, unit_code or "", one_line(caller), _short(text)) if x)
            record = Record("call", call_id, f"#{call_id}", parse(received_at), words)
            if status == "void":
                void_calls.append(record)
            else:
                live_calls.append((category, channel, record))
    return live_calls, void_calls


def _call_figures(live_calls, void_calls) -> list[Figure]:
    """Calls in all, by category (void ones apart) and by channel."""
    figures = [Figure("calls.total", "calls", _("All calls"), len(live_calls),
                      note=_("Received in the range; void calls left out."),
                      records=tuple(rec for _category, _channel, rec in live_calls))]
    for category in calls.CATEGORIES:
        chosen = tuple(rec for of, _channel, rec in live_calls if of == category)
        figures.append(Figure(f"calls.category.{category}", "calls", label(category), len(chosen), records=chosen))
    figures.append(Figure("calls.void", "calls", _("Void (not counted above)"), len(void_calls),
                          records=tuple(void_calls)))
    for channel in calls.CHANNELS:
        chosen = tuple(rec for _category, by, rec in live_calls if by == channel)
        figures.append(Figure(f"calls.channel.{channel}", "channels", label(channel), len(chosen), records=chosen))
    return figures


def _order_record(r: dict) -> Record:
    """A work order as a record a figure counts."""
    where = r["unit_code"] or one_line(r["location"])
    words = " · ".join(x for x in (label(r["sla_class"]), where, _short(r["description"])) if x)
    return Record("order", r["id"], orders.number(r["id"]), r["created_at"], words)


def _orders_in(lo: datetime, hi: datetime) -> tuple[list[tuple[dict, Record]], list[Record]]:
    """The work orders logged in [lo, hi): those counted (every one but the cancelled) and the cancelled."""
    order_rows = (
        WorkOrder.select(WorkOrder, Unit.code.alias("unit_code"), Call.category.alias("call_category"))
        .join(Unit, join_type=JOIN.LEFT_OUTER, on=(WorkOrder.unit == Unit.id)).switch(WorkOrder)
        .join(Call, join_type=JOIN.LEFT_OUTER, on=(WorkOrder.call == Call.id))
        .where((WorkOrder.created_at >= lo) & (WorkOrder.created_at < hi))
        .order_by(WorkOrder.created_at).dicts().iterator())   # not cached: the rows are kept below once
    counted: list[tuple[dict, Record]] = []
    cancelled: list[Record] = []
    for r in order_rows:
        if r["status"] == "cancelled":
            cancelled.append(_order_record(r))
        else:
            counted.append((r, _order_record(r)))
    return counted, cancelled


def _order_figures(engine, counted, cancelled) -> list[Figure]:
    """Work orders in all, by class (cancelled ones apart) and by department."""
    figures = [Figure("orders.total", "orders", _("All work orders"), len(counted),
                      note=_("Logged in the range; cancelled orders left out."),
                      records=tuple(rec for _r, rec in counted))]
    classes = list(engine.catalogue) + sorted({r["sla_class"] for r, _rec in counted} - set(engine.catalogue))
    for cls in classes:
        chosen = tuple(rec for r, rec in counted if r["sla_class"] == cls)
        figures.append(Figure(f"orders.class.{cls}", "orders", label(cls), len(chosen), records=chosen))
    figures.append(Figure("orders.cancelled", "orders", _("Cancelled (not counted above)"), len(cancelled),
                          records=tuple(cancelled)))
    for department in orders.DEPARTMENTS + ("",):
        chosen = tuple(rec for r, rec in counted if r["department"] == department)
        name = label(department) if department else _("not dispatched")
        figures.append(Figure(f"orders.department.{department or 'none'}", "departments", name, len(chosen),
                              records=chosen))
    return figures


# Which timeliness line an order's class belongs to (domain.md §5): 及时率 is a repair figure
# (零修/急修); complaints, inquiries and cleaning have their own lines; a site's own classes another.
REPAIR_CLASSES = ("emergency", "hazard", "urgent_repair", "simple_repair", "general_repair", "common_area")


def timeliness_group(sla_class: str) -> str:
    if sla_class in REPAIR_CLASSES:
        return "repairs"
    if sla_class.startswith(COMPLAINT_CLASSES_PREFIX):
        return "complaints"
    if sla_class == "inquiry":
        return "inquiries"
    if sla_class == "cleaning":
        return "cleaning"
    return "other"


@dataclass
class _Verdicts:
    """Each judged order's verdicts by id (True met, False missed, None running), on its first round;
    returned orders are not judged."""
    respond: dict[int, bool | None] = field(default_factory=dict)
    resolve: dict[int, bool | None] = field(default_factory=dict)
    timely: dict[int, bool | None] = field(default_factory=dict)      # both clocks, extensions counted
    original: dict[int, bool | None] = field(default_factory=dict)    # both clocks, by the original deadline
    group: dict[int, str] = field(default_factory=dict)               # repairs | complaints | ...

    def of(self, verdicts: dict[int, bool | None], group: str) -> dict[int, bool | None]:
        return {oid: v for oid, v in verdicts.items() if self.group[oid] == group}


def first_round(r: dict) -> dict:
    """The order as its first round left it: a reopened order is judged on the work the owner later
    refused (domain.md §2: the rework counts against first-time quality, not timeliness)."""
    if r["first_done_at"] is None:
        return r
    return {**r, "respond_due_at": r["first_respond_due_at"], "responded_at": r["first_responded_at"],
            "resolve_due_at": r["first_resolve_due_at"], "done_at": r["first_done_at"]}


def _judge_orders(counted, now: datetime) -> tuple[list[OrderLine], _Verdicts]:
    """Every counted order judged against its deadlines on its first round, as the sheet's lines and
    the rates' verdicts. An extension asked after the deadline passed keeps the breach."""
    original_due = _first_extension_deadlines(r["id"] for r, _rec in counted if r["extension_count"])
    lines: list[OrderLine] = []
    verdicts = _Verdicts()
    for r, rec in counted:
        judged = first_round(r)
        respond = _judge(judged["responded_at"], judged["respond_due_at"], now)
        resolve = _judge(judged["done_at"], judged["resolve_due_at"], now)
        breached = r["breached_due_at"]
        if breached is not None and (judged["done_at"] is None or breached < judged["done_at"]):
            if judged["resolve_due_at"] is not None:   # the clock the extension moved
                resolve = False
            else:
                respond = False
        before_extension = (original_due.get(r["id"], judged["resolve_due_at"])
                            if judged["resolve_due_at"] is not None else None)
        timely = _combine([v for v, due in ((respond, judged["respond_due_at"]), (resolve, judged["resolve_due_at"]))
                           if due is not None])
        timely_original = _overall(judged, before_extension, now)
        if r["status"] != "returned":   # returned orders (退单) are judged apart
            verdicts.respond[r["id"]], verdicts.resolve[r["id"]] = respond, resolve
            verdicts.timely[r["id"]], verdicts.original[r["id"]] = timely, timely_original
            verdicts.group[r["id"]] = timeliness_group(r["sla_class"])
        lines.append(OrderLine(
            id=r["id"], number=rec.number, created_at=r["created_at"], sla_class=r["sla_class"],
            department=r["department"], unit=r["unit_code"] or one_line(r["location"]), status=r["status"],
            respond_due_at=judged["respond_due_at"], responded_at=judged["responded_at"],
            resolve_due_at=judged["resolve_due_at"], original_resolve_due_at=before_extension,
            done_at=judged["done_at"], extensions=r["extension_count"], reopened=r["reopen_count"],
            callback_at=r["callback_at"], satisfied=r["satisfied"], chargeable=bool(r["chargeable"]),
            fee=r["fee"], timely=timely if r["status"] != "returned" else None,
            description=one_line(r["description"])))
    return lines, verdicts


def _combine(verdicts: list[bool | None]) -> bool | None:
    """The verdicts of an order's clocks together: missed if one was missed, running while one runs;
    None too for an order without any clock."""
    if False in verdicts:
        return False
    if None in verdicts:
        return None
    return True if verdicts else None


def _rate_figure(figure_id: str, section: str, name: str, verdicts: dict, records: dict[int, Record],
                 target: Target | None = None, note: str = "") -> Figure:
    """A rate over the judged orders: those that met it, of those judged (running ones left out)."""
    judged = [oid for oid, v in verdicts.items() if v is not None]
    good = tuple(records[oid] for oid in judged if verdicts[oid])
    return Figure(figure_id, section, name, len(good), total=len(judged), target=target, note=note, records=good)


def _timeliness_figures(counted, verdicts: _Verdicts, records) -> list[Figure]:
    """及时率: repair orders only, on their first round; each clock, extensions, the original deadlines."""
    repairs = lambda v: verdicts.of(v, "repairs")  # noqa: E731
    extended = tuple(rec for r, rec in counted if r["extension_count"] and r["status"] != "returned"
                     and timeliness_group(r["sla_class"]) == "repairs")
    return [
        _rate_figure(
            "timeliness.rate", "timeliness", _("Repairs on time (及时率)"), repairs(verdicts.timely), records,
            TIMELINESS_TARGET,
            _("Repair orders (零修/急修) logged in the range whose deadlines have passed or that are done, judged on the first completion: a reopened job keeps its first result. An extension approved before the deadline counts as the deadline; one asked after it does not erase the breach.")),
        _rate_figure("timeliness.respond", "timeliness", _("Repairs: on site on time"), repairs(verdicts.respond),
                     records),
        _rate_figure("timeliness.resolve", "timeliness", _("Repairs: done on time"), repairs(verdicts.resolve),
                     records),
        Figure("timeliness.extended", "timeliness", _("Repairs given an extension"), len(extended),
               note=_("Approved extensions; their new deadline is the one judged above."), records=extended),
        _rate_figure("timeliness.original", "timeliness", _("Repairs on time by the original deadlines"),
                     repairs(verdicts.original), records, note=_("Extensions not counted.")),
    ]


def _other_timeliness_figures(counted, verdicts: _Verdicts, records, lo, hi, now) -> list[Figure]:
    """The timeliness lines of the work that is not repair: complaints, inquiries (orders, and the
    inquiry calls not answered at once), cleaning, and a site's own classes."""
    figures = [
        _rate_figure("timeliness.complaints", "timeliness", _("Complaints solved on time"),
                     verdicts.of(verdicts.timely, "complaints"), records,
                     note=_("Complaint orders, each against its own limit, on the first round.")),
    ]
    inquiry = dict(verdicts.of(verdicts.timely, "inquiries"))
    inquiry_records = dict(records)
    for r in (Call.select(Call.id, Call.received_at, Call.reply_due_at, Call.answered_at, Call.text)
              .where((Call.received_at >= lo) & (Call.received_at < hi) & (Call.category == "inquiry")
                     & Call.reply_due_at.is_null(False) & (Call.status != "void")).dicts()):
        key = -r["id"]   # calls and orders in one table of verdicts: a call's key is negative
        inquiry[key] = _judge(r["answered_at"], r["reply_due_at"], now)
        inquiry_records[key] = Record("call", r["id"], f"#{r['id']}", r["received_at"],
                                      " · ".join((label("inquiry"), _short(r["text"]))))
    figures += [
        _rate_figure("timeliness.inquiries", "timeliness", _("Inquiries answered on time"), inquiry,
                     inquiry_records, note=_("Inquiry calls not answered at once (their reply clock), and inquiry orders.")),
        _rate_figure("timeliness.cleaning", "timeliness", _("Cleaning done on time"),
                     verdicts.of(verdicts.timely, "cleaning"), records),
        _rate_figure("timeliness.other", "timeliness", _("Other work on time"),
                     verdicts.of(verdicts.timely, "other"), records,
                     note=_("The site's own kinds of work.")),
    ]
    booked = [(r, rec) for r, rec in counted if r["visit_late_minutes"] is not None]
    punctual = tuple(rec for r, rec in booked if r["visit_late_minutes"] <= orders.VISIT_LATE_AFTER)
    figures.append(Figure(
        "timeliness.visits", "timeliness", _("Booked visits kept (at most 10 min late)"), len(punctual),
        total=len(booked), target=VISIT_TARGET,
        note=_("Orders with a visit booked with the owner, by the first arrival."), records=punctual))
    return figures


def _overdue_figures(counted, verdicts: _Verdicts, records) -> list[Figure]:
    """The orders of every kind not judged on time: still running, overdue, and returned (退单, apart)."""
    running = tuple(records[oid] for oid, v in verdicts.timely.items() if v is None)
    overdue = tuple(records[oid] for oid, v in verdicts.timely.items() if v is False)
    returned = tuple(rec for r, rec in counted if r["status"] == "returned")
    return [
        Figure("timeliness.running", "timeliness", _("Still running (not judged yet)"), len(running),
               records=running),
        Figure("timeliness.overdue", "timeliness", _("Overdue (missed a deadline)"), len(overdue),
               note=_("Orders of every kind that missed a deadline on their first round."), records=overdue),
        Figure("timeliness.returned", "timeliness", _("Returned (退单)"), len(returned),
               note=_("Could not be done; signed off by a supervisor. Not judged for timeliness."),
               records=returned),
    ]


def _callbacks_in(lo: datetime, hi: datetime) -> list[tuple[int, datetime, bool]]:
    """Every call-back made in [lo, hi): (order id, when, satisfied), oldest first, from the audit trail."""
    found = []
    for entity_id, at, data in (AuditEvent.select(AuditEvent.entity_id, AuditEvent.at, AuditEvent.data)
                                .where((AuditEvent.action == "order.callback") & (AuditEvent.at >= lo)
                                       & (AuditEvent.at < hi) & (AuditEvent.entity == "work_order"))
                                .order_by(AuditEvent.id).tuples()):
        found.append((entity_id, at, bool(json.loads(data).get("satisfied"))))
    return found


def _called_back_before(order_ids, lo: datetime) -> set[int]:
    ids, found = list(order_ids), set()
    for chunk in range(0, len(ids), 500):
        found |= {oid for (oid,) in AuditEvent.select(AuditEvent.entity_id).where(
            (AuditEvent.action == "order.callback") & (AuditEvent.at < lo) & (AuditEvent.entity == "work_order")
            & AuditEvent.entity_id.in_(ids[chunk:chunk + 500])).tuples()}
    return found


def _order_records(order_ids) -> dict[int, Record]:
    ids, found = list(order_ids), {}
    for chunk in range(0, len(ids), 500):
        for r in (WorkOrder.select(WorkOrder.id, WorkOrder.created_at, WorkOrder.sla_class, WorkOrder.description,
                                   WorkOrder.location, Unit.code.alias("unit_code"))
                  .join(Unit, join_type=JOIN.LEFT_OUTER, on=(WorkOrder.unit == Unit.id))
                  .where(WorkOrder.id.in_(ids[chunk:chunk + 500])).dicts()):
            found[r["id"]] = _order_record(r)
    return found


def _quality_figures(counted, lo: datetime, hi: datetime) -> list[Figure]:
    """合格率, 回访率 against the sampling rule, 满意率, and what the call-backs found handled."""
    callbacks = _callbacks_in(lo, hi)
    earlier = _called_back_before({oid for oid, _at, _ok in callbacks}, lo)
    first: dict[int, bool] = {}
    for oid, _at, ok in callbacks:
        if oid not in earlier:
            first.setdefault(oid, ok)
    satisfied_ids = [oid for oid, _at, ok in callbacks if ok]
    recs = _order_records(set(first) | set(satisfied_ids))
    completed = [(r, rec) for r, rec in counted if first_round(r)["done_at"] is not None]
    called = tuple(rec for r, rec in completed if r["callback_at"] is not None)
    major = [(r, rec) for r, rec in completed if r["major"]]
    major_called = tuple(rec for r, rec in major if r["callback_at"] is not None)
    unhappy = list(FollowUp.select(FollowUp.order, FollowUp.done_at)
                   .where((FollowUp.kind == "area_check") & (FollowUp.asked_at >= lo) & (FollowUp.asked_at < hi))
                   .tuples())
    handled_recs = _order_records({oid for oid, done in unhappy if done is not None})
    return [
        Figure("quality.first_time", "quality", _("Done right the first time (合格率)"),
               sum(1 for ok in first.values() if ok), total=len(first),
               note=_("Jobs first called back in the range: those the owner accepted at the first call-back (not reopened). A job never called back is not counted either way."),
               records=tuple(recs[oid] for oid, ok in first.items() if ok)),
        Figure("quality.callback", "quality", _("Called back (回访率)"), len(called), total=len(completed),
               target=CALLBACK_TARGET,
               note=_("Of the orders logged in the range and completed; the rule is at least half of them, and every major complaint."), records=called),
        Figure("quality.callback.major", "quality", _("Major complaints called back"), len(major_called),
               total=len(major), target=MAJOR_CALLBACK_TARGET,
               note=_("Complaints a supervisor marked major: every one is called back."), records=major_called),
        Figure("quality.satisfaction", "quality", _("Owner satisfied (满意率)"), len(satisfied_ids),
               total=len(callbacks), target=SATISFACTION_TARGET,
               note=_("Satisfied call-backs of the call-backs made in the range, whichever month the order is of: a closed month does not change."),
               records=tuple(recs[oid] for oid in dict.fromkeys(satisfied_ids))),
        Figure("quality.handled", "quality", _("Call-back findings handled (回访处理率)"),
               sum(1 for _oid, done in unhappy if done is not None), total=len(unhappy),
               target=HANDLED_TARGET,
               note=_("Unsatisfied call-backs made in the range that the area manager has gone to look at."),
               records=tuple(handled_recs.values())),
    ]


def _complaints_in(lo: datetime, hi: datetime) -> list[tuple[Record, list[dict]]]:
    """Each complaint received in [lo, hi) once, with its orders (not cancelled): a complaint call by
    when it was received, a complaint order logged without a complaint call by when it was logged."""
    found: list[tuple[Record, list[dict]]] = []
    complaint_calls = list(Call.select(Call.id, Call.received_at, Call.text, Call.caller, Unit.code.alias("unit_code"))
                           .join(Unit, join_type=JOIN.LEFT_OUTER, on=(Call.unit == Unit.id))
                           .where((Call.category == "complaint") & (Call.status != "void")
                                  & (Call.received_at >= lo) & (Call.received_at < hi))
                           .order_by(Call.received_at).dicts())
    by_call: dict[int, list[dict]] = {}
    ids = [c["id"] for c in complaint_calls]
    for chunk in range(0, len(ids), 500):
        for o in (WorkOrder.select(WorkOrder.id, WorkOrder.call, WorkOrder.complaint_verdict, WorkOrder.major,
                                   WorkOrder.status)
                  .where(WorkOrder.call.in_(ids[chunk:chunk + 500]) & (WorkOrder.status != "cancelled")).dicts()):
            by_call.setdefault(o["call"], []).append(o)
    for c in complaint_calls:
        words = " · ".join(x for x in (label("complaint"), c["unit_code"] or "", one_line(c["caller"]),
                                       _short(c["text"])) if x)
        found.append((Record("call", c["id"], f"#{c['id']}", c["received_at"], words), by_call.get(c["id"], [])))
    alone = (WorkOrder.select(WorkOrder, Unit.code.alias("unit_code"))
             .join(Unit, join_type=JOIN.LEFT_OUTER, on=(WorkOrder.unit == Unit.id)).switch(WorkOrder)
             .join(Call, join_type=JOIN.LEFT_OUTER, on=(WorkOrder.call == Call.id))
             .where(WorkOrder.sla_class.startswith(COMPLAINT_CLASSES_PREFIX) & (WorkOrder.status != "cancelled")
                    & (WorkOrder.created_at >= lo) & (WorkOrder.created_at < hi)
                    & (WorkOrder.call.is_null() | (Call.category != "complaint")))
             .order_by(WorkOrder.created_at).dicts())
    found += [(_order_record(o), [o]) for o in alone]
    return found


def _complaint_figures(lo: datetime, hi: datetime) -> list[Figure]:
    """Complaints received; the effective ones (有效投诉率) a supervisor verified, per occupied unit;
    those waiting for the verdict; the major ones; and the written replies sent."""
    complaints = _complaints_in(lo, hi)
    effective = tuple(rec for rec, os_ in complaints if any(o["complaint_verdict"] == "effective" for o in os_))
    waiting = tuple(rec for rec, os_ in complaints if os_ and not any(o["complaint_verdict"] for o in os_))
    major = tuple(rec for rec, os_ in complaints if any(o["major"] for o in os_))
    order_ids = [o["id"] for _rec, os_ in complaints for o in os_]
    replies: dict[int, bool] = {}
    for chunk in range(0, len(order_ids), 500):
        for oid, done in (FollowUp.select(FollowUp.order, FollowUp.done_at)
                          .where((FollowUp.kind == "written_reply") & FollowUp.order.in_(order_ids[chunk:chunk + 500]))
                          .tuples()):
            replies[oid] = replies.get(oid, False) or done is not None
    handled = [(rec, os_) for rec, os_ in complaints if any(o["id"] in replies for o in os_)]
    sent = tuple(rec for rec, os_ in handled if any(replies.get(o["id"]) for o in os_))
    households = Unit.select().where(Unit.handed_over == True).count()
    return [
        Figure("complaints.total", "complaints", _("Complaints received"), len(complaints),
               note=_("Each once: a complaint call when it was received, a complaint order logged without one when it was logged."), records=tuple(rec for rec, _os in complaints)),
        Figure("complaints.effective", "complaints", _("Effective complaints (有效投诉率)"), len(effective),
               total=households, target=EFFECTIVE_COMPLAINTS_TARGET,
               note=_("Complaints received in the range that a supervisor verified as the company's own service failure (not a neighbour dispute, a developer's defect or an unreasonable demand), per occupied unit."), records=effective),
        Figure("complaints.unverified", "complaints", _("Complaints waiting for a supervisor's verdict"),
               len(waiting), note=_("Not counted as effective until verified."), records=waiting),
        Figure("complaints.major", "complaints", _("Major complaints"), len(major),
               note=_("Marked major by a supervisor."), records=major),
        Figure("complaints.replied", "complaints", _("Written replies sent"), len(sent), total=len(handled),
               target=REPLY_TARGET, note=_("Of the complaints handled: a written reply to each."), records=sent),
    ]


def _key_figures(lo: datetime, hi: datetime, now: datetime) -> list[Figure]:
    """Keys issued in the range back late or still out past due; keys reported lost or broken."""
    loans = (KeyLoan.select(KeyLoan.id, KeyLoan.issued_at, KeyLoan.due_at, KeyLoan.returned_at,
                            KeyLoan.holder_name, Key.tag, Key.label)
             .join(Key).where((KeyLoan.issued_at >= lo) & (KeyLoan.issued_at < hi))
             .order_by(KeyLoan.issued_at).dicts())
    late = []
    for r in loans:
        back = r["returned_at"]
        if (back is not None and back > r["due_at"]) or (back is None and now > r["due_at"]):
            words = " · ".join(x for x in (one_line(r["label"]), one_line(r["holder_name"])) if x)
            late.append(Record("loan", r["id"], r["tag"], r["issued_at"], words))
    figures = [Figure("keys.overdue", "keys", _("Keys back late or still out past due"), len(late),
                      note=_("Loans issued in the range."), records=tuple(late))]
    for kind, name in (("lost", _("Keys lost")), ("broken", _("Keys broken"))):
        found = tuple(
            Record("key_report", r["id"], r["tag"], r["at"],
                   " · ".join(x for x in (one_line(r["label"]), one_line(r["note"])) if x))
            for r in (KeyReport.select(KeyReport.id, KeyReport.at, KeyReport.note, Key.tag, Key.label)
                      .join(Key).where((KeyReport.kind == kind) & (KeyReport.at >= lo) & (KeyReport.at < hi))
                      .order_by(KeyReport.at).dicts()))
        figures.append(Figure(f"keys.{kind}", "keys", name, len(found), records=found))
    return figures


def _fee_figures(lo: datetime, hi: datetime) -> list[Figure]:
    """Chargeable work completed in the range: the fees agreed before work, charged at completion,
    and collected (collection ≥ 90 % a month, 003 §10)."""
    paid = list(
        WorkOrder.select(WorkOrder.id, WorkOrder.done_at, WorkOrder.fee, WorkOrder.fee_agreed, WorkOrder.fee_collected,
                         WorkOrder.sla_class, WorkOrder.description, WorkOrder.location, Unit.code.alias("unit_code"))
        .join(Unit, join_type=JOIN.LEFT_OUTER, on=(WorkOrder.unit == Unit.id))
        .where(WorkOrder.chargeable & (WorkOrder.done_at >= lo) & (WorkOrder.done_at < hi)
               & (WorkOrder.status != "cancelled"))
        .order_by(WorkOrder.done_at).dicts())
    total = lambda key, rows: sum((r[key] or Decimal(0) for r in rows), Decimal(0))  # noqa: E731
    record = lambda r: _order_record({**r, "created_at": r["done_at"]})  # noqa: E731
    collected = [r for r in paid if r["fee_collected"] is not None]
    return [
        Figure("fees.total", "fees", _("Fees charged"), len(paid), amount=total("fee", paid),
               note=_("Chargeable orders completed in the range, at the fee charged on completion."),
               records=tuple(record(r) for r in paid)),
        Figure("fees.agreed", "fees", _("Fees agreed before work"), len(paid), amount=total("fee_agreed", paid),
               note=_("The same orders, at the fee told and agreed before work started."),
               records=tuple(record(r) for r in paid)),
        Figure("fees.collected", "fees", _("Fees collected"), len(collected), total=len(paid),
               amount=total("fee_collected", collected), target=COLLECTION_TARGET,
               note=_("Of the same orders, those whose fee was collected."),
               records=tuple(record(r) for r in collected)),
    ]


def _median(values: list[timedelta]) -> timedelta | None:
    if not values:
        return None
    values = sorted(values)
    middle = len(values) // 2
    return values[middle] if len(values) % 2 else (values[middle - 1] + values[middle]) / 2


def _hours(span: timedelta) -> str:
    minutes = int(span.total_seconds() // 60)
    return f"{minutes // 60}:{minutes % 60:02d}"


def _frontdesk_figures(lo: datetime, hi: datetime) -> list[Figure]:
    """The front desk's registers: parcels received and collected (with the median time to collection
    of those collected in the range), visits and visitors, goods-release passes issued and released."""
    from .frontdesk import pass_number

    def record(kind: str, record_id: int, number: str, at: datetime, *words: str) -> Record:
        return Record(kind, record_id, number, at, " · ".join(one_line(w) for w in words if w))

    received = [record("parcel", p.id, f"P{p.id}", p.received_at, p.carrier, p.tracking)
                for p in Parcel.select().where((Parcel.received_at >= lo) & (Parcel.received_at < hi))
                .order_by(Parcel.received_at)]
    collected = list(Parcel.select().where((Parcel.collected_at >= lo) & (Parcel.collected_at < hi))
                     .order_by(Parcel.collected_at))
    median = _median([p.collected_at - p.received_at for p in collected])
    visits = list(Visitor.select().where((Visitor.arrived_at >= lo) & (Visitor.arrived_at < hi))
                  .order_by(Visitor.arrived_at))
    passes = list(GoodsPass.select().where((GoodsPass.issued_at >= lo) & (GoodsPass.issued_at < hi))
                  .order_by(GoodsPass.issued_at))
    return [
        Figure("frontdesk.parcels_received", "frontdesk", _("Parcels received"), len(received),
               records=tuple(received)),
        Figure("frontdesk.parcels_collected", "frontdesk", _("Parcels collected"), len(collected),
               note=_("Median time to collection: {time} (hours:minutes).", time=_hours(median)) if median else "",
               records=tuple(record("parcel", p.id, f"P{p.id}", p.collected_at, p.carrier, p.tracking) for p in collected)),
        Figure("frontdesk.visits", "frontdesk", _("Visits"), len(visits),
               note=_("{n} people in all.", n=sum(v.party_size for v in visits)),
               records=tuple(record("visitor", v.id, f"V{v.id}", v.arrived_at, v.purpose) for v in visits)),
        Figure("frontdesk.passes", "frontdesk", _("Goods-release passes issued"), len(passes),
               note=_("{n} released at the gate.", n=sum(1 for p in passes if p.status == "released")),
               records=tuple(record("goods_pass", p.id, pass_number(p.id), p.issued_at, p.items) for p in passes)),
    ]


def _days(start, end, live_calls, lo, hi, now, tz) -> list[Day]:
    """Calls received each day, and orders that fell overdue each day (the moment a deadline passed
    unmet), whenever they were logged."""
    calls_by_day: dict[date, list[Record]] = {}
    for _category, _channel, rec in live_calls:
        calls_by_day.setdefault(rec.at.astimezone(tz).date(), []).append(rec)
    overdue_by_day: dict[date, list[Record]] = {}
    in_range = lambda column: (column >= lo) & (column < hi)  # noqa: E731
    candidates = (
        WorkOrder.select(WorkOrder, Unit.code.alias("unit_code"))
        .join(Unit, join_type=JOIN.LEFT_OUTER, on=(WorkOrder.unit == Unit.id))
        .where((in_range(WorkOrder.respond_due_at) | in_range(WorkOrder.resolve_due_at)
                | in_range(WorkOrder.first_respond_due_at) | in_range(WorkOrder.first_resolve_due_at)
                | in_range(WorkOrder.breached_due_at))
               & WorkOrder.status.not_in(("cancelled", "returned")))
        .dicts().iterator())   # read once: not cached
    for r in candidates:
        judged = first_round(r)   # the round the timeliness figure judges
        breach = None
        if r["breached_due_at"] is not None and (judged["done_at"] is None or r["breached_due_at"] < judged["done_at"]):
            breach = r["breached_due_at"]
        elif _judge(judged["responded_at"], judged["respond_due_at"], now) is False:
            breach = judged["respond_due_at"]
        elif _judge(judged["done_at"], judged["resolve_due_at"], now) is False:
            breach = judged["resolve_due_at"]
        if breach is not None and lo <= breach < hi:
            overdue_by_day.setdefault(breach.astimezone(tz).date(), []).append(_order_record(r))
    days = []
    day = start
    while day <= end:
        days.append(Day(day, tuple(calls_by_day.get(day, ())), tuple(overdue_by_day.get(day, ()))))
        day += timedelta(days=1)
    return days
