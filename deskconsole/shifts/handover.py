"""The handover: the sheet compiled from live state at one moment, and the record of its being
handed over.

The sheet (`compile_handover`) is plain data stored as JSON on the Handover record, so what was
listed stays what was listed. The incoming operator answers it item by item (acknowledged, or
queried with a question); once the handover is complete the record is closed and later words are
addenda.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime

import peewee as pw

from .. import audit, db, fields, orders
from ..config import Config
from ..db import (
    Call,
    DeskSignOff,
    Handover,
    HandoverAck,
    HandoverAddendum,
    Key,
    Shift,
    ShiftLogEntry,
    Staff,
    Unit,
)
from ..errors import Conflict
from ..i18n import _
from ..people import InvalidInput, Operator, require
from ..text import clean
from .log import CARRIED_KINDS, _entry_query, _open_carried_where, link_text, write_entry
from .shift import _open_shift, shift_bounds

SHEET_VERSION = 1
_TIME = db.UTCDateTimeField()


SECTIONS = (
    # id, title (translated when shown)
    ("emergencies", "Emergency calls still open"),
    ("orders_overdue", "Overdue work orders"),
    ("orders_next_shift", "Work orders that fall due before the next shift ends"),
    ("orders_open", "Other open work orders"),
    ("reminders", "Reminders not yet acknowledged"),
    ("keys_out", "Keys out (both operators confirm)"),
    ("messages", "Undelivered messages"),
    ("inquiries", "Unanswered inquiries"),
    ("carried", "Incidents and instructions carried over"),
    ("words", "The outgoing shift's own words"),
    ("sign_offs", "Left the desk without a handover"),
    ("calls", "Calls this shift"),
)
# The front desk's registers (frontdesk.py): listed, before "calls", only when they hold open items, so a
# site that keeps no parcels or visitors at the desk has the sheet it always had.
FRONT_DESK_SECTIONS = (
    ("parcels", "Parcels waiting for collection"),
    ("visitors", "Visitors still on site"),
    ("vips", "VIPs expected"),
    ("passes", "Goods-release passes not yet released"),
    ("found", "Found items kept at the desk"),
)
SECTION_TITLES = dict(SECTIONS + FRONT_DESK_SECTIONS)
# Serious sections: emergencies, overdue orders, keys out (overdue ones among them) and open incidents
# are acknowledged one by one, never with the whole section at once.
ONE_BY_ONE = frozenset({"emergencies", "orders_overdue", "keys_out", "carried"})


def _front_desk_sections(engine, now: datetime) -> list[tuple[str, list[dict]]]:
    """The open items of each front-desk register, as sheet sections (the empty ones left out). A visitor
    still in while the office is shut (the site's office hours, `engine.is_open`) is marked after hours."""
    from .. import frontdesk
    parcels = [_item(f"parcel:{p.id}", ref=f"P{p.id}", unit=p.unit_code, what=f"{p.carrier} {p.tracking}",
                     who=p.addressee, at=p.received_at,
                     status="" if p.notified_at else "not told", flags=["remind"] if p.needs_notice(now) else [])
               for p in frontdesk.waiting_parcels()]
    visitors = [_item(f"visitor:{v.id}", ref=v.pass_no or f"V{v.id}", unit=v.unit_code,
                      what=" ".join(x for x in (v.destination, v.purpose) if x),
                      who=v.name + (f" ×{v.party_size}" if v.party_size > 1 else ""), at=v.arrived_at,
                      status="after_hours" if v.after_hours(now, engine) else "",
                      flags=["after_hours"] if v.after_hours(now, engine) else [])
                for v in frontdesk.visitors_on_site()]
    vips = [_item(f"visitor:{v.id}", ref=f"V{v.id}", unit=v.unit_code,
                  what=" ".join(x for x in (v.destination, v.purpose) if x),
                  who=v.name + (f" ×{v.party_size}" if v.party_size > 1 else ""), due=v.expected_at)
            for v in frontdesk.expected_vips()]
    passes = [_item(f"pass:{p.id}", ref=p.number, unit=p.unit_code, what=p.items, who=p.requester, at=p.issued_at,
                    due=p.valid_until) for p in frontdesk.open_passes(now)]
    found = [_item(f"found:{i.id}", ref=f"F{i.id}", what=i.description, who=i.stored_where, at=i.found_at)
             for i in frontdesk.kept_items()]
    listed = {"parcels": parcels, "visitors": visitors, "vips": vips, "passes": passes, "found": found}
    return [(sid, listed[sid]) for sid, _title in FRONT_DESK_SECTIONS if listed[sid]]


def _iso(dt: datetime | None) -> str | None:
    return _TIME.db_value(dt) if dt is not None else None


def parse_time(value: str | None) -> datetime | None:
    return _TIME.python_value(value) if value else None


def _item(key: str, *, ref: str = "", unit: str = "", what: str = "", kind: str = "", status: str = "",
          who: str = "", at: datetime | None = None, due: datetime | None = None, flags=()) -> dict:
    return {"key": key, "ref": ref, "unit": unit, "what": what, "kind": kind, "status": status, "who": who,
            "at": _iso(at), "due": _iso(due), "flags": list(flags)}


def _reminder_items(engine, now: datetime) -> list[dict] | None:
    """HOOK (reminders): the work-orders module is adding reminders. When `orders.open_reminders(engine,
    now)` exists its rows are listed here; until then the section says it is not available (None)."""
    fn = getattr(orders, "open_reminders", None)
    if fn is None:
        return None
    items = []
    for r in fn(engine, now):
        get = (lambda name, default=None: r.get(name, default)) if isinstance(r, dict) else \
            (lambda name, default=None: getattr(r, name, default))
        order_id = get("order_id")
        due = get("due_at") or get("due") or get("at")
        items.append(_item(f"reminder:{get('id')}", ref=orders.number(order_id) if order_id else "",
                           unit=get("unit_code", "") or "",
                           what=get("text", "") or get("what", "") or get("message", "") or "",
                           kind=get("kind", "") or "", due=due if isinstance(due, datetime) else None,
                           flags=["overdue"] if isinstance(due, datetime) and due <= now else []))
    return items


def compile_handover(config: Config, engine, now: datetime) -> dict:
    """The handover sheet of the current shift, from live state at `now`, as plain data (JSON-able)."""
    kind, start, end = shift_bounds(config, now)
    shift = Shift.get_or_none((Shift.kind == kind) & (Shift.starts_at == start))
    next_kind, next_start, next_end = shift_bounds(config, end)
    holder = Staff.get_by_id(shift.holder_id) if shift is not None and shift.holder_id else None
    sections: dict[str, list[dict] | None] = {sid: [] for sid, _title in SECTIONS}
    reasons: list[str] = []

    # Emergencies: calls for help still open are incidents being handled.
    for c in (Call.select(Call, Unit.code.alias("unit_code"))
              .join(Unit, on=(Call.unit == Unit.id), join_type=pw.JOIN.LEFT_OUTER)
              .where((Call.category == "emergency") & (Call.status == "open")).order_by(Call.received_at, Call.id)
              .dicts()):
        sections["emergencies"].append(_item(f"call:{c['id']}", ref=f"C{c['id']}", unit=c["unit_code"] or "",
                                             what=c["text"], kind="emergency", who=c["caller"],
                                             at=c["received_at"], flags=["emergency"]))
    if sections["emergencies"]:
        reasons.append("emergency_call")

    # Work orders, what breaches first at the top.
    emergency_open = False
    for o in orders.open_orders(engine):
        due = o.next_due
        flags = []
        if o.sla_class == "emergency":
            flags.append("emergency")
            if o.status != "done":
                emergency_open = True
        if due is not None and due <= now:
            section = "orders_overdue"
            flags.append("overdue")
        elif due is not None and due < next_end:
            section = "orders_next_shift"
        else:
            section = "orders_open"
        clock = o.clocks[0].kind if o.clocks else ""
        sections[section].append(_item(
            f"order:{o.id}", ref=o.number, unit=o.unit_code or o.location, what=o.description, kind=o.sla_class,
            status=o.status, who=o.assignee, at=o.created_at, due=due,
            flags=flags + ([clock] if clock else [])) | {"dept": o.department})
    if emergency_open:
        reasons.append("emergency_order")

    sections["reminders"] = _reminder_items(engine, now)

    for k in (Key.select(Key, db.KeyLoan.holder_name, db.KeyLoan.holder_company, db.KeyLoan.issued_at,
                         db.KeyLoan.due_at)
              .join(db.KeyLoan, on=((db.KeyLoan.key == Key.id) & db.KeyLoan.returned_at.is_null()))
              .where(Key.status == "out").order_by(db.KeyLoan.due_at, Key.tag).dicts()):
        holder_name = " ".join(p for p in (k["holder_name"], k["holder_company"] and f"({k['holder_company']})")
                               if p)
        sections["keys_out"].append(_item(
            f"key:{k['id']}", ref=k["tag"], what=k["label"], kind=k["kind"], who=holder_name, at=k["issued_at"],
            due=k["due_at"], flags=["overdue"] if k["due_at"] <= now else []))

    for c in (Call.select(Call, Unit.code.alias("unit_code"))
              .join(Unit, on=(Call.unit == Unit.id), join_type=pw.JOIN.LEFT_OUTER)
              .where((Call.category == "message") & (Call.status == "open")).order_by(Call.received_at, Call.id)
              .dicts()):
        who = " → ".join(p for p in (c["message_from"] or c["caller"], c["message_for"]) if p)
        sections["messages"].append(_item(f"call:{c['id']}", ref=f"C{c['id']}", unit=c["unit_code"] or "",
                                          what=c["text"], who=who, at=c["received_at"]))

    for c in (Call.select(Call, Unit.code.alias("unit_code"))
              .join(Unit, on=(Call.unit == Unit.id), join_type=pw.JOIN.LEFT_OUTER)
              .where((Call.category == "inquiry") & (Call.status == "open") & Call.reply_due_at.is_null(False))
              .order_by(Call.reply_due_at, Call.id).dicts()):
        sections["inquiries"].append(_item(
            f"call:{c['id']}", ref=f"C{c['id']}", unit=c["unit_code"] or "", what=c["text"], who=c["caller"],
            at=c["received_at"], due=c["reply_due_at"], flags=["overdue"] if c["reply_due_at"] <= now else []))

    open_incident = False
    for e in _entry_query().where(_open_carried_where()).order_by(ShiftLogEntry.at, ShiftLogEntry.id).dicts():
        if e["kind"] == "incident":
            open_incident = True
        sections["carried"].append(_item(
            f"entry:{e['id']}", ref=f"L{e['id']}", unit=e["unit_code"] or "", what=e["text"], kind=e["kind"],
            who=e["author_code"], at=e["at"],
            status=link_text(e["call"], e["order"], e["key_tag"]),
            flags=["incident"] if e["kind"] == "incident" else []))
    if open_incident:
        reasons.insert(0, "incident")

    if shift is not None:
        words = (ShiftLogEntry.shift == shift.id) & ShiftLogEntry.kind.not_in(CARRIED_KINDS)
        # A second handover in the same shift lists what was written since the first one's sheet: the
        # first operator's notes were handed over already (what is still open is carried, above).
        earlier = (Handover.select(Handover.compiled_at)
                   .where((Handover.shift == shift.id) & (Handover.status == "closed"))
                   .order_by(Handover.compiled_at.desc()).first())
        if earlier is not None:
            words &= ShiftLogEntry.at > earlier.compiled_at
        for e in _entry_query().where(words).order_by(ShiftLogEntry.at, ShiftLogEntry.id).dicts():
            sections["words"].append(_item(
                f"entry:{e['id']}", ref=f"L{e['id']}", unit=e["unit_code"] or "", what=e["text"], kind=e["kind"],
                who=e["author_code"], at=e["at"], status=link_text(e["call"], e["order"], e["key_tag"])))

    for s in (DeskSignOff.select(DeskSignOff, Staff.code.alias("code"), Staff.name.alias("name"))
              .join(Staff, on=(DeskSignOff.staff == Staff.id))
              .where(DeskSignOff.handover.is_null()).order_by(DeskSignOff.at, DeskSignOff.id).dicts()):
        sections["sign_offs"].append(_item(f"sign_off:{s['id']}", ref=s["code"], what=s["note"], who=s["name"],
                                           at=s["at"]))

    counts = {c: n for c, n in (Call.select(Call.category, pw.fn.COUNT(Call.id))
                                .where((Call.received_at >= start) & (Call.received_at <= now)
                                       & (Call.status != "void"))
                                .group_by(Call.category).order_by(Call.category).tuples())}
    total = sum(counts.values())
    sections["calls"].append(_item("calls:count", what=str(total), flags=[]) | {"counts": counts})

    return {
        "version": SHEET_VERSION,
        "site": config.site_name,
        "compiled_at": _iso(now),
        "shift": {"id": shift.id if shift else None, "kind": kind, "starts_at": _iso(start), "ends_at": _iso(end)},
        "next_shift": {"kind": next_kind, "starts_at": _iso(next_start), "ends_at": _iso(next_end)},
        "holder": {"code": holder.code, "name": holder.name} if holder else None,
        "supervisor_reasons": reasons,
        "sections": [{"id": sid, "items": sections[sid]} for sid, _title in SECTIONS if sid != "calls"]
        + [{"id": sid, "items": items} for sid, items in _front_desk_sections(engine, now)]
        + [{"id": "calls", "items": sections["calls"]}],
    }


def sheet_items(sheet: dict) -> list[tuple[str, str]]:
    """Every (section, item key) the incoming operator must answer."""
    return [(s["id"], i["key"]) for s in sheet["sections"] for i in (s["items"] or [])]


# --- the handover record -------------------------------------------------------------------

@dataclass(frozen=True)
class Answer:
    kind: str          # ack | query | reply (the outgoing operator's answer to a query)
    question: str      # a query's question, a reply's answer
    at: datetime
    by: str


@dataclass(frozen=True)
class Addendum:
    at: datetime
    author: str
    text: str


@dataclass(frozen=True)
class HandoverView:
    id: int
    shift_id: int
    status: str
    compiled_at: datetime
    from_code: str
    from_name: str
    to_code: str
    to_name: str
    received_at: datetime | None
    needs_supervisor: bool
    supervisor_code: str
    supervisor_name: str
    supervised_at: datetime | None
    supervisor_note: str
    closed_at: datetime | None
    sheet: dict
    answers: dict = field(default_factory=dict)    # (section, item) -> latest Answer
    queries: tuple = ()                            # (section, item, Answer) every question asked
    addenda: tuple = ()
    replies: dict = field(default_factory=dict)    # (section, item) -> the outgoing operator's latest reply

    def unanswered(self) -> list[tuple[str, str]]:
        return [k for k in sheet_items(self.sheet) if k not in self.answers]

    def unreplied(self) -> list[tuple[str, str]]:
        """Queried items whose last question the outgoing operator has not answered (or carried over)."""
        asked: dict = {}
        for section, item, query in self.queries:
            asked[(section, item)] = query.at
        return [k for k, at in asked.items() if k not in self.replies or self.replies[k].at < at]

    @property
    def closed(self) -> bool:
        return self.status == "closed"


@dataclass(frozen=True)
class HandoverSummary:
    id: int
    compiled_at: datetime
    shift_kind: str
    shift_starts_at: datetime
    from_code: str
    to_code: str
    status: str
    items: int
    queries: int
    supervisor_code: str
    closed_at: datetime | None


def _staff(staff_id) -> Staff | None:
    return Staff.get_by_id(staff_id) if staff_id else None


def handover(handover_id: int) -> HandoverView:
    h = Handover.get_or_none(Handover.id == handover_id)
    if h is None:
        raise InvalidInput("handover", _("There is no handover H{id}.", id=handover_id))
    codes = {s.id: s.code for s in Staff.select(Staff.id, Staff.code)}
    answers, queries = {}, []
    replies = {}
    for a in HandoverAck.select().where(HandoverAck.handover == h.id).order_by(HandoverAck.id):
        answer = Answer(a.kind, a.question, a.at, codes.get(a.by_id, "?"))
        if a.kind == "reply":
            replies[(a.section, a.item)] = answer
            continue
        answers[(a.section, a.item)] = answer
        if a.kind == "query":
            queries.append((a.section, a.item, answer))
    addenda = tuple(Addendum(a.at, codes.get(a.author_id, "?"), a.text)
                    for a in HandoverAddendum.select().where(HandoverAddendum.handover == h.id)
                    .order_by(HandoverAddendum.id))
    frm, to, sup = _staff(h.from_staff_id), _staff(h.to_staff_id), _staff(h.supervisor_id)
    return HandoverView(
        h.id, h.shift_id, h.status, h.compiled_at, frm.code, frm.name, to.code if to else "", to.name if to else "",
        h.received_at, h.needs_supervisor, sup.code if sup else "", sup.name if sup else "", h.supervised_at,
        h.supervisor_note, h.closed_at, json.loads(h.sheet), answers, tuple(queries), addenda, replies)


def handovers(limit: int = 200) -> list[HandoverSummary]:
    """The history, newest first (abandoned ones too: they show who started a handover and left it)."""
    codes = {s.id: s.code for s in Staff.select(Staff.id, Staff.code)}
    query_counts = dict(HandoverAck.select(HandoverAck.handover, pw.fn.COUNT(HandoverAck.id))
                        .where(HandoverAck.kind == "query").group_by(HandoverAck.handover).tuples())
    result = []
    for h in (Handover.select(Handover, Shift.kind.alias("shift_kind"), Shift.starts_at.alias("shift_start"))
              .join(Shift, on=(Handover.shift == Shift.id))
              .order_by(Handover.compiled_at.desc(), Handover.id.desc()).limit(limit).dicts()):
        sheet = json.loads(h["sheet"])
        result.append(HandoverSummary(
            h["id"], h["compiled_at"], h["shift_kind"], parse_time(h["shift_start"]) if isinstance(
                h["shift_start"], str) else h["shift_start"],
            codes.get(h["from_staff"], "?"), codes.get(h["to_staff"], ""), h["status"], len(sheet_items(sheet)),
            query_counts.get(h["id"], 0), codes.get(h["supervisor"], ""), h["closed_at"]))
    return result


def last_handover_id(*, closed_only: bool = False, shift_id: int | None = None) -> int | None:
    query = Handover.select(Handover.id).where(Handover.status != "abandoned")
    if closed_only:
        query = query.where(Handover.status == "closed")
    if shift_id is not None:
        query = query.where(Handover.shift == shift_id)
    row = query.order_by(Handover.compiled_at.desc(), Handover.id.desc()).first()
    return row.id if row else None


@db.writes
def begin_handover(actor: Operator, now: datetime, engine, *, config: Config) -> int:
    """Compile the sheet now and open a handover record with it. A handover of the same shift left
    open before is abandoned: the sheet must be what is true at the moment of handing over."""
    require(actor, "shift.handover")
    shift = _open_shift(actor, now, config=config)
    for old in Handover.select(Handover.id).where((Handover.shift == shift.id) & (Handover.status == "open")):
        if Handover.update(status="abandoned").where((Handover.id == old.id) & (Handover.status == "open")).execute():
            audit.record(actor, "handover.abandon", "handover", old.id, now, before={"status": "open"},
                         after={"status": "abandoned", "reason": "a new handover was started"})
    sheet = compile_handover(config, engine, now)
    h = Handover.create(shift=shift.id, from_staff=actor.id, compiled_at=now,
                        sheet=json.dumps(sheet, ensure_ascii=False, sort_keys=True),
                        needs_supervisor=bool(sheet["supervisor_reasons"]))
    audit.record(actor, "handover.begin", "handover", h.id, now,
                 after={"shift": shift.id, "items": len(sheet_items(sheet)),
                        "needs_supervisor": sheet["supervisor_reasons"]})
    return h.id


def _open_handover(handover_id: int) -> Handover:
    h = Handover.get_or_none(Handover.id == handover_id)
    if h is None:
        raise InvalidInput("handover", _("There is no handover H{id}.", id=handover_id))
    if h.status == "closed":
        raise Conflict(_("Handover H{id} is closed (acknowledged by {who}): add an addendum instead.",
                         id=h.id, who=h.to_staff.code if h.to_staff_id else "?"))
    if h.status != "open":
        raise Conflict(_("Handover H{id} was abandoned: start a new one.", id=h.id))
    return h


@db.writes
def abandon_handover(actor: Operator, now: datetime, handover_id: int) -> None:
    require(actor, "shift.handover")
    _open_handover(handover_id)
    if not Handover.update(status="abandoned").where(
            (Handover.id == handover_id) & (Handover.status == "open")).execute():
        raise Conflict(_("Handover H{id} changed at another console.", id=handover_id))
    audit.record(actor, "handover.abandon", "handover", handover_id, now, before={"status": "open"},
                 after={"status": "abandoned"})


@db.writes
def receive(incoming: Operator, now: datetime, handover_id: int) -> None:
    """The incoming operator, whose code and PIN were checked (people.verify), signs on at the handover."""
    require(incoming, "shift.handover")
    h = _open_handover(handover_id)
    if h.from_staff_id == incoming.id:
        raise InvalidInput("code", _("The incoming operator signs on here, not the one handing over."))
    if h.to_staff_id == incoming.id:
        return
    if h.to_staff_id is not None:
        raise Conflict(_("{who} has signed on to this handover already.", who=h.to_staff.code))
    updated = (Handover.update(to_staff=incoming.id, received_at=now)
               .where((Handover.id == h.id) & (Handover.status == "open") & Handover.to_staff.is_null()).execute())
    if not updated:
        raise Conflict(_("Somebody else signed on to this handover first."))
    audit.record(incoming, "handover.receive", "handover", h.id, now, after={"to": incoming.code})


def _incoming_handover(actor: Operator, handover_id: int) -> Handover:
    h = _open_handover(handover_id)
    if h.to_staff_id is None:
        raise InvalidInput("code", _("The incoming operator signs on first."))
    if h.to_staff_id != actor.id:
        raise InvalidInput("code", _("Only {who}, who is taking over, answers this handover.", who=h.to_staff.code))
    return h


@db.writes
def acknowledge(actor: Operator, now: datetime, handover_id: int, *, items: list[tuple[str, str]],
                whole_section: bool = False) -> int:
    """The incoming operator acknowledges items (one, or a whole section at once). Items already
    acknowledged stay as they were; a queried item can be acknowledged once the answer is known.
    A whole section at once only for the informational sections: the serious ones (ONE_BY_ONE) are
    read item by item (domain.md §3). Returns how many were newly acknowledged."""
    require(actor, "shift.handover")
    if whole_section and any(section in ONE_BY_ONE for section, _item in items):
        raise InvalidInput("item", _("Acknowledge this section item by item: each one must be read."))
    h = _incoming_handover(actor, handover_id)
    listed = set(sheet_items(json.loads(h.sheet)))
    latest = {}
    for a in HandoverAck.select().where(HandoverAck.handover == h.id).order_by(HandoverAck.id):
        latest[(a.section, a.item)] = a.kind
    new = [tuple(i) for i in items if tuple(i) in listed and latest.get(tuple(i)) != "ack"]
    unknown = [i for i in items if tuple(i) not in listed]
    if unknown:
        raise InvalidInput("item", _("That item is not on this handover's sheet."))
    for section, item in new:
        HandoverAck.create(handover=h.id, section=section, item=item, kind="ack", at=now, by=actor.id)
    if new:
        audit.record(actor, "handover.ack", "handover", h.id, now, items=[f"{s}/{i}" for s, i in new])
    return len(new)


@db.writes
def query_item(actor: Operator, now: datetime, handover_id: int, *, section: str, item: str, question: str) -> None:
    """The incoming operator queries an item: the question is recorded with it."""
    require(actor, "shift.handover")
    h = _incoming_handover(actor, handover_id)
    if (section, item) not in set(sheet_items(json.loads(h.sheet))):
        raise InvalidInput("item", _("That item is not on this handover's sheet."))
    question = fields.text(question, "question", _("Write the question."))
    HandoverAck.create(handover=h.id, section=section, item=item, kind="query", question=question, at=now,
                       by=actor.id)
    audit.record(actor, "handover.query", "handover", h.id, now, item=f"{section}/{item}", question=question)


@db.writes
def reply_to_query(actor: Operator, now: datetime, handover_id: int, *, section: str, item: str, answer: str = "",
                   carry_over: bool = False, config: Config) -> int | None:
    """The outgoing operator answers a query (domain.md §3), or carries it over: an instruction with the
    question goes into the log, carried to every shift until marked done. Returns that entry's id."""
    require(actor, "shift.handover")
    h = _open_handover(handover_id)
    if h.from_staff_id != actor.id:
        raise InvalidInput("answer", _("Only {who}, who is handing over, answers a query.", who=h.from_staff.code))
    view = handover(h.id)
    question = next((q.question for s, i, q in reversed(view.queries) if (s, i) == (section, item)), None)
    if question is None:
        raise InvalidInput("item", _("That item has no query to answer."))
    entry_id = None
    if carry_over:
        entry_id = write_entry(actor, now, config=config, kind="instruction",
                               text=_("Carried over from handover H{id}: {question}", id=h.id, question=question))
        answer = _("Carried over as L{id}", id=entry_id)
    else:
        answer = fields.text(answer, "answer", _("Write the answer, or carry the query over."))
    HandoverAck.create(handover=h.id, section=section, item=item, kind="reply", question=answer, at=now, by=actor.id)
    audit.record(actor, "handover.reply", "handover", h.id, now, item=f"{section}/{item}", answer=answer,
                 carried=entry_id)
    return entry_id


@db.writes
def supervise(supervisor: Operator, now: datetime, handover_id: int, *, note: str = "") -> None:
    """A supervisor (code and PIN checked by people.verify) signs the handover off: needed when an
    incident is still being handled or an emergency order is open."""
    require(supervisor, "shift.supervise")
    h = _open_handover(handover_id)
    note = clean(note, multiline=True)
    updated = (Handover.update(supervisor=supervisor.id, supervised_at=now, supervisor_note=note)
               .where((Handover.id == h.id) & (Handover.status == "open")).execute())
    if not updated:
        raise Conflict(_("Handover H{id} changed at another console.", id=h.id))
    audit.record(supervisor, "handover.supervise", "handover", h.id, now, note=note)


@db.writes
def complete(actor: Operator, now: datetime, handover_id: int, *, config: Config) -> None:
    """Close the handover: every item answered, the supervisor's sign-off when one is needed. The
    incoming operator then holds the desk, and the record is closed for good."""
    require(actor, "shift.handover")
    h = _incoming_handover(actor, handover_id)
    view = handover(h.id)
    missing = view.unanswered()
    if missing:
        raise InvalidInput("item", _("{n} items are not acknowledged or queried yet.", n=len(missing)))
    open_queries = view.unreplied()
    if open_queries:
        raise InvalidInput("item", _("{n} queries wait for {who}'s answer: answer each, or carry it over.",
                                     n=len(open_queries), who=view.from_code))
    if h.needs_supervisor and h.supervisor_id is None:
        reasons = ", ".join(_(REASONS[r]) for r in view.sheet["supervisor_reasons"])
        raise InvalidInput("supervisor", _("A supervisor must sign this handover off first ({reasons}).",
                                           reasons=reasons))
    updated = (Handover.update(status="closed", closed_at=now)
               .where((Handover.id == h.id) & (Handover.status == "open") & (Handover.to_staff == actor.id))
               .execute())
    if not updated:
        raise Conflict(_("Handover H{id} changed at another console.", id=h.id))
    shift = Shift.get_by_id(h.shift_id)
    previous = shift.holder.code if shift.holder_id else ""
    Shift.update(holder=actor.id, held_since=now, handed_over_at=now, handed_to=actor.id).where(
        Shift.id == shift.id).execute()
    # The desk now in force (the next shift may have begun while they talked) is held by the incoming one.
    now_shift = _open_shift(actor, now, config=config)
    if now_shift.id != shift.id:
        Shift.update(holder=actor.id, held_since=now).where(Shift.id == now_shift.id).execute()
    sign_off_ids = [int(i["key"].split(":")[1]) for s in view.sheet["sections"] if s["id"] == "sign_offs"
                    for i in (s["items"] or [])]
    if sign_off_ids:
        DeskSignOff.update(handover=h.id).where(DeskSignOff.id.in_(sign_off_ids)
                                                & DeskSignOff.handover.is_null()).execute()
    audit.record(actor, "handover.close", "handover", h.id, now, before={"status": "open", "holder": previous},
                 after={"status": "closed", "holder": actor.code, "queries": len(view.queries)})


@db.writes
def add_addendum(actor: Operator, now: datetime, handover_id: int, *, text: str) -> int:
    """Words after the handover was closed: appended, never changing what was listed or answered."""
    require(actor, "shift.handover")
    h = Handover.get_or_none(Handover.id == handover_id)
    if h is None:
        raise InvalidInput("handover", _("There is no handover H{id}.", id=handover_id))
    if h.status != "closed":
        raise InvalidInput("text", _("Addenda follow a closed handover; this one is still {status}.",
                                     status=_(h.status)))
    text = fields.text(text, "text", _("Write the addendum."))
    a = HandoverAddendum.create(handover=h.id, at=now, author=actor.id, text=text)
    audit.record(actor, "handover.addendum", "handover", h.id, now, addendum=a.id, text=text)
    return a.id


REASONS = {
    "incident": "an incident is still being handled",
    "emergency_call": "an emergency call is still open",
    "emergency_order": "an emergency work order is open",
}
