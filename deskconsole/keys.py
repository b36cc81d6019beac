"""The key register: every key is on its hook or with a named person (domain.md §4).

Rules:
- A key's type gives its default loan length (`LOAN_LENGTH`); a contractor's loan defaults to a
  working day whatever the key. A default never runs overnight (see `next_morning`).
- Master keys and owners' unit keys leave the board only with a supervisor's authorisation entered
  at the console (code and PIN, checked by `authorise`); so does any loan that runs overnight.
- A contractor leaves company and ID document number; an owner or tenant names the unit.
- A key is returned once: the return is a conditional update, so a second return at another
  console is refused with who received it and when.
- Lost and broken keys leave the board with a report; nothing is deleted.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

import peewee as pw

from . import audit, db, fields, people
from .db import Key, KeyLoan, KeyReport, Staff, Unit, WorkOrder
from .errors import SignOnError
from .i18n import _
from .people import InvalidInput, Operator, require
from .text import clean
from .timefmt import local

if TYPE_CHECKING:  # sla loads the holiday calendars: only the console and the writes that need it do
    from .sla import SlaEngine

KINDS = ("unit_spare", "plant_room", "office", "common_area", "master")
HOLDER_KINDS = ("staff", "contractor", "owner")
CONDITIONS = ("fine", "damaged")
REPORT_KINDS = ("lost", "broken")
# Keys that need a supervisor's authorisation, entered at the console, to leave the board.
NEEDS_SUPERVISOR = ("master", "unit_spare")
# Default loan length by the key's type (a site's desk can type another due time).
LOAN_LENGTH = {
    "plant_room": timedelta(hours=2),
    "common_area": timedelta(hours=2),
    "office": timedelta(hours=4),
    "unit_spare": timedelta(hours=2),
    "master": timedelta(hours=1),
}
# ... and by the holder, which wins: a contractor keeps a key for a working day.
HOLDER_LOAN_LENGTH = {"contractor": timedelta(hours=8)}
# Work-order states in which the work is finished: a key still out for it is a reminder.
ORDER_FINISHED = ("done", "closed")
MAX_NOTE = 500
_TAG = re.compile(r"[A-Z0-9][A-Z0-9\-]{0,15}")


@dataclass(frozen=True)
class KeyRow:
    """One key as the pane and the handover see it. Keys that are out carry their loan."""
    id: int
    tag: str
    label: str
    kind: str
    hook: str
    status: str                     # board | out | lost | broken
    holder: str
    issued_at: datetime | None
    due_at: datetime | None
    opens: str = ""
    unit_code: str = ""             # the unit the key opens (unit spare keys)
    holder_kind: str = ""           # staff | contractor | owner
    holder_company: str = ""
    holder_unit: str = ""           # an owner's or tenant's unit
    purpose: str = ""
    issued_by: str = ""             # staff code
    authorised_by: str = ""         # a supervisor's code, or the name typed
    loan_id: int | None = None
    order_id: int | None = None
    order_done: bool = False        # the work order it was issued for is finished, key still out

    def overdue(self, now: datetime) -> bool:
        return self.status == "out" and self.due_at is not None and self.due_at <= now

    def overdue_by(self, now: datetime) -> timedelta | None:
        return now - self.due_at if self.overdue(now) else None


@dataclass(frozen=True)
class KeyInfo:
    """A catalogue entry, for forms: what the key is and where it is now."""
    id: int
    tag: str
    label: str
    opens: str
    kind: str
    unit_code: str
    hook: str
    copies: int
    status: str
    holder: str = ""
    issued_at: datetime | None = None
    due_at: datetime | None = None

    @property
    def needs_supervisor(self) -> bool:
        return self.kind in NEEDS_SUPERVISOR


@dataclass(frozen=True)
class LoanRow:
    id: int
    issued_at: datetime
    issued_by: str
    holder_kind: str
    holder: str
    holder_company: str
    holder_document: str
    holder_unit: str
    purpose: str
    order_id: int | None
    due_at: datetime
    authorised_by: str
    overnight: bool
    returned_at: datetime | None
    received_by: str
    condition: str
    note: str

    def out_for(self, now: datetime) -> timedelta:
        return (self.returned_at or now) - self.issued_at


@dataclass(frozen=True)
class ReportRow:
    at: datetime
    kind: str
    by: str
    note: str


@dataclass(frozen=True)
class KeyHistory:
    key: KeyInfo
    loans: list[LoanRow]            # newest first
    reports: list[ReportRow]        # newest first


@dataclass(frozen=True)
class OutForDoneOrder:
    key_id: int
    tag: str
    holder: str
    order_id: int
    done_at: datetime | None


# --- reading -----------------------------------------------------------------------------

def board() -> list[KeyRow]:
    """Keys that are out first (the longest overdue at the top), then the board by tag, then
    the keys reported lost or broken (off the board, with their report)."""
    return _board_rows(None)


def board_rows_by_id(ids) -> dict[int, list[KeyRow]]:
    """The rows `board` shows of these keys (none for a retired one)."""
    ids = list(ids)
    rows: dict[int, list[KeyRow]] = {i: [] for i in ids}
    for row in _board_rows(ids) if ids else ():
        rows[row.id].append(row)
    return rows


def merge_board(previous: list[KeyRow], changed: dict[int, list[KeyRow]]) -> list[KeyRow]:
    """What `board` returns now, from what it returned before and the rows read again of the keys
    changed since (`changed`, by key)."""
    return sorted([k for k in previous if k.id not in changed] + [k for rows in changed.values() for k in rows],
                  key=_board_order)


def _board_order(row: KeyRow):
    # Sorted here, not by the database: tags then sort alike on every engine and collation.
    if row.status == "out":
        return 0, row.due_at, row.tag
    return (1 if row.status == "board" else 2), row.tag


def _board_rows(ids) -> list[KeyRow]:
    Issuer = Staff.alias("issuer")
    Authoriser = Staff.alias("authoriser")
    HolderUnit = Unit.alias("holder_unit")
    out = (Key.select(Key, Unit.code.alias("unit_code"), KeyLoan.id.alias("loan_id"), KeyLoan.holder_name,
                      KeyLoan.holder_kind, KeyLoan.holder_company, KeyLoan.purpose, KeyLoan.issued_at,
                      KeyLoan.due_at, KeyLoan.order.alias("order_id"), KeyLoan.authorised_name,
                      Issuer.code.alias("issued_by"), Authoriser.code.alias("authorised_code"),
                      HolderUnit.code.alias("holder_unit"), WorkOrder.status.alias("order_status"),
                      WorkOrder.done_at.alias("order_done_at"))
           .join(KeyLoan, on=((KeyLoan.key == Key.id) & KeyLoan.returned_at.is_null()))
           .join(Issuer, on=(KeyLoan.issued_by == Issuer.id))
           .join(Authoriser, pw.JOIN.LEFT_OUTER, on=(KeyLoan.authorised_by == Authoriser.id))
           .join(HolderUnit, pw.JOIN.LEFT_OUTER, on=(KeyLoan.holder_unit == HolderUnit.id))
           .join(WorkOrder, pw.JOIN.LEFT_OUTER, on=(KeyLoan.order == WorkOrder.id))
           .switch(Key).join(Unit, pw.JOIN.LEFT_OUTER, on=(Key.unit == Unit.id))
           .where(Key.status == "out"))
    rest = (Key.select(Key, Unit.code.alias("unit_code"))
            .join(Unit, pw.JOIN.LEFT_OUTER, on=(Key.unit == Unit.id))
            .where(Key.status.in_(("board", "lost", "broken"))))
    if ids is not None:
        out, rest = out.where(Key.id.in_(ids)), rest.where(Key.id.in_(ids))
    rows = [KeyRow(
        r["id"], r["tag"], r["label"], r["kind"], r["hook"], r["status"], r["holder_name"], r["issued_at"],
        r["due_at"], opens=r["opens"], unit_code=r["unit_code"] or "", holder_kind=r["holder_kind"],
        holder_company=r["holder_company"], holder_unit=r["holder_unit"] or "", purpose=r["purpose"],
        issued_by=r["issued_by"], authorised_by=r["authorised_code"] or r["authorised_name"],
        loan_id=r["loan_id"], order_id=r["order_id"],
        order_done=_finished(r["order_status"], r["order_done_at"]),
    ) for r in out.dicts()]
    rows += [KeyRow(r["id"], r["tag"], r["label"], r["kind"], r["hook"], r["status"], "", None, None,
                    opens=r["opens"], unit_code=r["unit_code"] or "") for r in rest.dicts()]
    return sorted(rows, key=_board_order)


def keys_lent_for(order_ids) -> set[int]:
    """The keys out on a loan for one of these orders (their rows say whether the order is done)."""
    order_ids = list(order_ids)
    if not order_ids:
        return set()
    return {k for (k,) in KeyLoan.select(KeyLoan.key).where(KeyLoan.order.in_(order_ids)
                                                            & KeyLoan.returned_at.is_null()).tuples()}


def _finished(status: str | None, done_at) -> bool:
    return status in ORDER_FINISHED or (status is not None and done_at is not None)


def overdue_count(rows: list[KeyRow], now: datetime) -> int:
    return sum(1 for k in rows if k.overdue(now))


def next_change(rows: list[KeyRow], now: datetime) -> datetime | None:
    """The first moment after `now` at which a key out falls overdue: the counts hold until then."""
    return min((k.due_at for k in rows if k.status == "out" and k.due_at is not None and k.due_at > now),
               default=None)


def keys_out_for_done_orders() -> list[OutForDoneOrder]:
    """Keys still out for a work order whose work is finished: the desk should get them back.
    Reads only WorkOrder.status and done_at, so it holds whoever completes the order."""
    query = (KeyLoan.select(KeyLoan.key, Key.tag, KeyLoan.holder_name, KeyLoan.order, WorkOrder.done_at)
             .join(Key, on=(KeyLoan.key == Key.id))
             .switch(KeyLoan).join(WorkOrder, on=(KeyLoan.order == WorkOrder.id))
             .where(KeyLoan.returned_at.is_null() & (Key.status == "out")
                    & (WorkOrder.status.in_(ORDER_FINISHED) | WorkOrder.done_at.is_null(False)))
             .order_by(Key.tag).dicts())
    return [OutForDoneOrder(r["key"], r["tag"], r["holder_name"], r["order"], r["done_at"]) for r in query]


def find(tag: str) -> KeyInfo | None:
    """The catalogue entry of `tag` (any state), with its holder when it is out."""
    key = (Key.select(Key, Unit.code.alias("unit_code")).join(Unit, pw.JOIN.LEFT_OUTER, on=(Key.unit == Unit.id))
           .where(Key.tag == clean(tag).upper()).dicts().first())
    return _info(key) if key else None


def get(key_id: int) -> KeyInfo | None:
    key = (Key.select(Key, Unit.code.alias("unit_code")).join(Unit, pw.JOIN.LEFT_OUTER, on=(Key.unit == Unit.id))
           .where(Key.id == key_id).dicts().first())
    return _info(key) if key else None


def _info(k: dict) -> KeyInfo:
    loan = None
    if k["status"] == "out":
        loan = KeyLoan.get_or_none((KeyLoan.key == k["id"]) & KeyLoan.returned_at.is_null())
    return KeyInfo(k["id"], k["tag"], k["label"], k["opens"], k["kind"], k["unit_code"] or "", k["hook"],
                   k["copies"], k["status"], loan.holder_name if loan else "", loan.issued_at if loan else None,
                   loan.due_at if loan else None)


def catalogue_tags(*, active_only: bool = True) -> list[str]:
    query = Key.select(Key.tag).order_by(Key.tag)
    if active_only:
        query = query.where(Key.status != "retired")
    return [k.tag for k in query]


def history(key_id: int) -> KeyHistory | None:
    """Every loan of a key (who had it, who authorised, how long it was out) and every report."""
    info = get(key_id)
    if info is None:
        return None
    Issuer, Authoriser, Receiver = Staff.alias("i"), Staff.alias("a"), Staff.alias("r")
    HolderUnit = Unit.alias("hu")
    loans = (KeyLoan.select(KeyLoan, Issuer.code.alias("issuer"), Authoriser.code.alias("authoriser"),
                            Receiver.code.alias("receiver"), HolderUnit.code.alias("unit_code"))
             .join(Issuer, on=(KeyLoan.issued_by == Issuer.id))
             .switch(KeyLoan).join(Authoriser, pw.JOIN.LEFT_OUTER, on=(KeyLoan.authorised_by == Authoriser.id))
             .switch(KeyLoan).join(Receiver, pw.JOIN.LEFT_OUTER, on=(KeyLoan.received_by == Receiver.id))
             .switch(KeyLoan).join(HolderUnit, pw.JOIN.LEFT_OUTER, on=(KeyLoan.holder_unit == HolderUnit.id))
             .where(KeyLoan.key == key_id).order_by(KeyLoan.issued_at.desc(), KeyLoan.id.desc()).dicts())
    reports = (KeyReport.select(KeyReport, Staff.code.alias("by_code")).join(Staff, on=(KeyReport.by == Staff.id))
               .where(KeyReport.key == key_id).order_by(KeyReport.at.desc(), KeyReport.id.desc()).dicts())
    return KeyHistory(
        info,
        [LoanRow(r["id"], r["issued_at"], r["issuer"], r["holder_kind"], r["holder_name"], r["holder_company"],
                 r["holder_document"], r["unit_code"] or "", r["purpose"], r["order"], r["due_at"],
                 r["authoriser"] or r["authorised_name"], r["overnight"], r["returned_at"], r["receiver"] or "",
                 r["condition"], r["note"]) for r in loans],
        [ReportRow(r["at"], r["kind"], r["by_code"], r["note"]) for r in reports],
    )


# --- due times ---------------------------------------------------------------------------

def next_morning(after: datetime, engine: SlaEngine) -> datetime:
    """The first office opening (the site's office hours start, site time) after `after`, on any day
    of the week (the site's SLA engine knows its zone and office hours).

    "Overnight" is defined against it: a loan is overnight when it is due back after the next
    morning's opening, i.e. the key stays out across the moment the day shift takes the desk over.
    A key issued in the evening and back before the morning is the night shift's own business
    (an emergency repair at 23:00 is not overnight); a key kept past the morning is, and so is one
    issued at 16:00 and due back tomorrow at 09:00. Weekends count too: a night is a night.
    """
    tz, start = engine.tz, engine.office_hours.start
    here = after.astimezone(tz)
    opening = datetime.combine(here.date(), start, tz)
    if opening <= here:
        opening = datetime.combine(here.date() + timedelta(days=1), start, tz)
    return opening.astimezone(after.tzinfo)


def is_overnight(issued_at: datetime, due_at: datetime, engine: SlaEngine) -> bool:
    return due_at > next_morning(issued_at, engine)


def loan_length(kind: str, holder_kind: str = "") -> timedelta:
    return HOLDER_LOAN_LENGTH.get(holder_kind) or LOAN_LENGTH.get(kind, timedelta(hours=2))


def default_due(kind: str, holder_kind: str, now: datetime, engine: SlaEngine) -> datetime:
    """Now plus the type's loan length, but never overnight: at the latest the next morning."""
    return min(now + loan_length(kind, holder_kind), next_morning(now, engine))


def parse_due(text: str, now: datetime, engine: SlaEngine) -> datetime:
    """A due time as the desk types it, in site time: "18:30" (the next 18:30), "11-25 09:00",
    "2026-11-25 09:00", or a length from now: "2h", "90m", "1h30m"."""
    tz = engine.tz
    text = clean(text).lower().replace("：", ":")
    if not text:
        raise InvalidInput("due", _("Say when the key is due back, like 18:30 or 2h."))
    span = re.fullmatch(r"\+?(?:(\d{1,3})\s*h)?\s*(?:(\d{1,4})\s*m(?:in)?)?", text)
    if span and (span.group(1) or span.group(2)):
        return now + timedelta(hours=int(span.group(1) or 0), minutes=int(span.group(2) or 0))
    here = now.astimezone(tz)
    for pattern, fmt in ((r"\d{1,2}:\d{2}", "%H:%M"), (r"\d{1,2}-\d{1,2} \d{1,2}:\d{2}", "%m-%d %H:%M"),
                         (r"\d{4}-\d{1,2}-\d{1,2} \d{1,2}:\d{2}", "%Y-%m-%d %H:%M")):
        if re.fullmatch(pattern, text):
            try:
                parsed = datetime.strptime(text, fmt)
            except ValueError:
                break
            if fmt == "%H:%M":
                when = datetime.combine(here.date(), parsed.time(), tz)
                if when <= here:
                    when += timedelta(days=1)
            elif fmt == "%m-%d %H:%M":
                when = parsed.replace(year=here.year, tzinfo=tz)
                if when < here - timedelta(days=180):
                    when = when.replace(year=here.year + 1)
            else:
                when = parsed.replace(tzinfo=tz)
            return when.astimezone(now.tzinfo)
    raise InvalidInput("due", _("A due time is like 18:30, 11-25 09:00 or 2h."))


def why_supervisor(key: KeyInfo, issued_at: datetime, due_at: datetime | None,
                   engine: SlaEngine) -> str:
    """Why this loan needs a supervisor's authorisation at the console, or "" when it does not."""
    if key.kind == "master":
        return _("{tag} is a master key: a supervisor must authorise it here with code and PIN.", tag=key.tag)
    if key.kind == "unit_spare":
        return _("{tag} is an owner's unit key: a supervisor must authorise it here with code and PIN.",
                 tag=key.tag)
    if due_at is not None and is_overnight(issued_at, due_at, engine):
        return _("Due back after {time} the next morning is overnight: a supervisor must authorise it here with code and PIN.",
                 time=local(next_morning(issued_at, engine), engine.tz, "HH:mm"))
    return ""


# --- authorisation -----------------------------------------------------------------------

def authorise(code: str, pin: str, now: datetime, local_time=lambda t: t.strftime("%H:%M:%S")) -> Operator:
    """A supervisor's code and PIN entered at the console, checked like a sign-on: wrong PINs count
    toward the code's lockout. Call it outside any transaction (a refusal must not roll back the
    count), then pass the operator to `issue` as `authorised_by`."""
    if not clean(code):
        raise InvalidInput("auth_code", _("A supervisor enters their staff code here."))
    known = people.find(code) is not None
    try:
        supervisor = people.verify(code, pin, now, local_time)
    except SignOnError as exc:
        raise InvalidInput("auth_pin" if known else "auth_code", str(exc)) from None
    if not people.may(supervisor, "key.authorise"):
        raise InvalidInput("auth_code", _("{code} is not a supervisor: only a supervisor can authorise this.",
                                          code=supervisor.code))
    return supervisor


def _is_supervisor(operator: Operator | None) -> bool:
    if operator is None:
        return False
    staff = Staff.get_or_none((Staff.id == operator.id) & (Staff.active == True))
    return staff is not None and staff.role in people.PERMISSIONS["key.authorise"]


def _order_id(text: str) -> int | None:
    text = clean(str(text or "")).upper()
    if not text:
        return None
    match = re.fullmatch(r"(?:WO)?0*(\d{1,9})", text)
    order = WorkOrder.get_or_none(WorkOrder.id == int(match.group(1))) if match else None
    if order is None:
        raise InvalidInput("order", _("There is no work order {order}: give its number, like WO00012.",
                                      order=text))
    return order.id


# --- writes ------------------------------------------------------------------------------

@db.writes
def issue(actor: Operator, now: datetime, engine: SlaEngine, *, tag: str, holder_kind: str, holder_name: str,
          due_at: datetime | None = None, purpose: str = "", holder_company: str = "", holder_document: str = "",
          holder_unit: str = "", authorised_by: Operator | None = None, authorised_name: str = "",
          order: str | int | None = None) -> int:
    """Give a key to a named person; returns the loan id. `authorised_by` is a supervisor checked
    with `authorise` (required for master and unit keys and for overnight loans)."""
    require(actor, "key.issue")
    tag = clean(tag).upper()
    if not tag:
        raise InvalidInput("tag", _("Give the key's tag, like PR-01."))
    key = Key.get_or_none(Key.tag == tag)
    if key is None or key.status == "retired":
        raise InvalidInput("tag", _("There is no key tagged {tag}.", tag=tag))
    if holder_kind not in HOLDER_KINDS:
        raise InvalidInput("holder_kind", _("Say who takes the key: staff, contractor or owner."))
    holder_name = clean(holder_name)
    if not holder_name:
        raise InvalidInput("holder_name", _("Write who takes the key."))
    if len(holder_name) > 60:
        raise InvalidInput("holder_name", _("A name is at most {n} characters.", n=60))
    holder_staff = None
    company, document, unit = clean(holder_company), clean(holder_document), None
    if holder_kind == "staff":
        # From the staff list when the name or code is on it; the desk's list holds only the desk's
        # own staff, so a technician of another department is written by name.
        staff = people.find(holder_name) or next(
            (s for s in people.list_staff() if s.name.casefold() == holder_name.casefold()), None)
        if staff is not None:
            holder_staff, holder_name = staff.id, staff.name
    elif holder_kind == "contractor":
        if not company:
            raise InvalidInput("holder_company", _("A contractor's company is written down."))
        if not document:
            raise InvalidInput("holder_document", _("A contractor leaves an ID document: write its number."))
    else:
        unit = fields.find_unit(holder_unit)
        if unit is None:
            raise InvalidInput("holder_unit", _("An owner or tenant: give their unit, like 1-1203."))
    order_id = _order_id(order)
    if due_at is None:
        due_at = default_due(key.kind, holder_kind, now, engine)
    if due_at <= now:
        raise InvalidInput("due", _("The key must be due back after now."))
    if due_at > now + timedelta(days=14):
        raise InvalidInput("due", _("A key goes out for at most two weeks."))
    info = KeyInfo(key.id, key.tag, key.label, key.opens, key.kind, "", key.hook, key.copies, key.status)
    reason = why_supervisor(info, now, due_at, engine)
    if reason and not _is_supervisor(authorised_by):
        raise InvalidInput("auth_code", reason)
    authorised_name = clean(authorised_name)
    updated = Key.update(status="out").where((Key.id == key.id) & (Key.status == "board")).execute()
    if not updated:
        loan = KeyLoan.get_or_none((KeyLoan.key == key.id) & KeyLoan.returned_at.is_null())
        if loan is not None:
            raise InvalidInput("tag", _("Key {tag} is out already, with {holder} since {time}."), tag=key.tag,
                               holder=loan.holder_name, time=loan.issued_at)
        raise InvalidInput("tag", _("Key {tag} is not on the board ({status}).", tag=key.tag,
                                    status=_(key.status)))
    loan = KeyLoan.create(
        key=key.id, issued_at=now, issued_by=actor.id, holder_kind=holder_kind, holder_name=holder_name,
        holder_staff=holder_staff, holder_unit=unit.id if unit else None, holder_company=company,
        holder_document=document, purpose=clean(purpose, multiline=True)[:MAX_NOTE], order=order_id,
        due_at=due_at, authorised_by=authorised_by.id if authorised_by else None,
        authorised_name="" if authorised_by else authorised_name,
        overnight=is_overnight(now, due_at, engine),
    )
    audit.record(actor, "key.issue", "key", key.id, now, before={"status": "board"}, after={
        "status": "out", "loan": loan.id, "holder": holder_name, "holder_kind": holder_kind, "due_at": due_at,
        "authorised_by": authorised_by.code if authorised_by else authorised_name, "order": order_id})
    return loan.id


@db.writes
def return_key(actor: Operator, now: datetime, key_id: int, *, condition: str = "fine", note: str = "") -> None:
    """The key is back, received by `actor`. Only once: a second return is refused with who and when."""
    require(actor, "key.return")
    if condition not in CONDITIONS:
        raise InvalidInput("condition", _("Say how the key came back: fine or damaged."))
    note = clean(note, multiline=True)
    if len(note) > MAX_NOTE:
        raise InvalidInput("note", _("At most {n} characters: this has {m}.", n=MAX_NOTE, m=len(note)))
    if condition == "damaged" and not note:
        raise InvalidInput("note", _("Say what is wrong with the key."))
    loan = KeyLoan.get_or_none((KeyLoan.key == key_id) & KeyLoan.returned_at.is_null())
    returned = 0
    if loan is not None:
        returned = (KeyLoan.update(returned_at=now, received_by=actor.id, condition=condition, note=note)
                    .where((KeyLoan.id == loan.id) & KeyLoan.returned_at.is_null()).execute())
    if not returned:
        last = (KeyLoan.select(KeyLoan, Staff.code.alias("receiver"))
                .join(Staff, pw.JOIN.LEFT_OUTER, on=(KeyLoan.received_by == Staff.id))
                .where(KeyLoan.key == key_id).order_by(KeyLoan.returned_at.desc()).dicts().first())
        if last is None or last["returned_at"] is None:
            key = Key.get_or_none(Key.id == key_id)
            raise InvalidInput("key", _("This key is not out ({status}).", status=_(key.status) if key else "?"))
        raise InvalidInput("key", _("This key was returned already (received by {who} at {time})."),
                           who=last["receiver"] or "?", time=last["returned_at"])
    status = "board" if condition == "fine" else "broken"
    Key.update(status=status).where((Key.id == key_id) & (Key.status == "out")).execute()
    if condition == "damaged":
        KeyReport.create(key=key_id, loan=loan.id, kind="broken", at=now, by=actor.id, note=note)
    audit.record(actor, "key.return", "key", key_id, now, before={"status": "out"},
                 after={"status": status, "loan": loan.id, "condition": condition, "note": note})


@db.writes
def report(actor: Operator, now: datetime, key_id: int, *, kind: str, note: str) -> int:
    """A key lost or broken: it leaves the board (and closes its loan) with the report."""
    require(actor, "key.report")
    if kind not in REPORT_KINDS:
        raise InvalidInput("kind", _("Say whether the key is lost or broken."))
    note = clean(note, multiline=True)
    if not note:
        raise InvalidInput("note", _("Say what happened."))
    if len(note) > MAX_NOTE:
        raise InvalidInput("note", _("At most {n} characters: this has {m}.", n=MAX_NOTE, m=len(note)))
    key = Key.get_or_none(Key.id == key_id)
    if key is None:
        raise InvalidInput("key", _("There is no such key."))
    updated = Key.update(status=kind).where((Key.id == key_id) & Key.status.in_(("board", "out"))).execute()
    if not updated:
        raise InvalidInput("key", _("Key {tag} is {status} already.", tag=key.tag, status=_(key.status)))
    loan = KeyLoan.get_or_none((KeyLoan.key == key_id) & KeyLoan.returned_at.is_null())
    if loan is not None:
        KeyLoan.update(returned_at=now, condition=kind, note=note).where(KeyLoan.id == loan.id).execute()
    entry = KeyReport.create(key=key_id, loan=loan.id if loan else None, kind=kind, at=now, by=actor.id, note=note)
    audit.record(actor, f"key.{kind}", "key", key_id, now, before={"status": key.status},
                 after={"status": kind, "note": note, "loan": loan.id if loan else None})
    return entry.id


@db.writes
def save_key(actor: Operator, now: datetime, *, tag: str, label: str, kind: str, opens: str = "", hook: str = "",
             copies: str | int = 1, active: bool | None = True, unit_code: str = "") -> int:
    """Add a key to the catalogue, or change the one with this tag. Retiring (active=False) takes
    it off the board (never while it is out); making a retired, lost or broken key active puts it
    back; active=None leaves its state as it is."""
    require(actor, "key.catalogue")
    tag = clean(tag).upper()
    if not _TAG.fullmatch(tag):
        raise InvalidInput("tag", _("A tag is up to 16 letters, digits and dashes, like PR-01."))
    label = clean(label)
    if not label:
        raise InvalidInput("label", _("Give the key a label people recognise."))
    if len(label) > 60:
        raise InvalidInput("label", _("A label is at most {n} characters.", n=60))
    if kind not in KINDS:
        raise InvalidInput("kind", _("Choose the key's type."))
    try:
        copies = int(str(copies).strip())
    except ValueError:
        copies = 0
    if not 1 <= copies <= 99:
        raise InvalidInput("copies", _("The number of copies is 1 to 99."))
    unit = fields.unit(unit_code)
    if unit is None and kind == "unit_spare":
        raise InvalidInput("unit", _("A unit's spare key names its unit, like 2-1503."))
    values = {"label": label, "opens": clean(opens), "kind": kind, "hook": clean(hook)[:20], "copies": copies,
              "unit": unit.id if unit else None}
    key = Key.get_or_none(Key.tag == tag)
    if key is None:
        key = Key.create(tag=tag, status="retired" if active is False else "board", **values)
        audit.record(actor, "key.create", "key", key.id, now, after={"tag": tag, **values, "status": key.status})
        return key.id
    before = {"label": key.label, "opens": key.opens, "kind": key.kind, "hook": key.hook, "copies": key.copies,
              "unit": key.unit_id, "status": key.status}
    status = key.status
    if active is False and key.status != "retired":
        if key.status == "out":
            raise InvalidInput("active", _("Key {tag} is out: retire it when it is back.", tag=tag))
        status = "retired"
    elif active is None:
        pass
    elif active and key.status in ("retired", "lost", "broken"):
        status = "board"
    updated = Key.update(status=status, **values).where((Key.id == key.id) & (Key.status == key.status)).execute()
    if not updated:
        raise InvalidInput("tag", _("Key {tag} changed at another console: open it again.", tag=tag))
    audit.record(actor, "key.edit", "key", key.id, now, before=before, after={**values, "status": status})
    return key.id
