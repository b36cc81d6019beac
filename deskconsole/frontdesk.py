"""The front desk's other registers (domain.md §6): parcels, visitors, goods-release passes, lost and found.

Parcels: received for a unit or a person (carrier, tracking number, size, shelf, who received it);
the addressee is notified (how, when, by whom) and reminded again after `REMIND_AFTER` if not
collected; collected by the addressee or an authorised person (ID checked, signed), or returned to
sender. A parcel is `waiting` until then: the pane ages it and the handover lists it.

Visitors: who, how many, visiting which unit or office, purpose, who confirmed with the host by
phone, pass or card, ID type and the last four characters only of its number, time in and out.
A visitor without a time out is on site; after office hours (the site's, as `people.may` reads them:
`SlaEngine.is_open`) that is marked on the pane and at the handover.

VIP arrivals (003 §8 1.1.5): a VIP can be signed in ahead with the announced arrival (and departure)
time; they have no time in until the desk records that they came. Two preparations are due:
reception staff at the entrance 15 minutes before the arrival (c), and the departments told 10
minutes before the departure (e). Signed out before arriving, a VIP did not come.

Goods-release passes (物品放行): asked for by the owner or tenant of a unit, or someone they authorised
(the authorisation recorded); the items listed; a move-out is checked first (arrears cleared, keys
and passes returned: the desk records that it checked); a numbered pass is issued, valid to the end
of the site's day; the gate records the release (time, by whom). An issued pass not yet released
and still valid is open.

Lost and found: found where, by whom, what, kept where; claimed by whom, the ID checked.

Only the last four characters of an ID number are ever stored: a longer number is refused, so a
full number never reaches the database or the audit trail.

Personal data are kept only as long as needed: `purge_personal_data` blanks visitors', addressees' and
collectors' names, phones and ID digits in place once the visit, the collection or the claim is older
than the site's `personal_data_days`; the records and their counts remain. Because the audit trail is
append-only (a hash chain), the events of these registers never carry those data: they say which
fields were entered, not what was typed.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import TYPE_CHECKING

import peewee as pw

from . import audit, db, fields
from .db import GoodsPass, LostItem, Parcel, Staff, Unit, Visitor
from .errors import Conflict
from .i18n import _
from .people import InvalidInput, Operator, require
from .text import clean

if TYPE_CHECKING:  # sla loads the holiday calendars: only the writes that need the site's zone do
    from .sla import SlaEngine

PARCEL_STATUSES = ("waiting", "collected", "returned")
SIZES = ("small", "medium", "large")
NOTICE_WAYS = ("phone", "sms", "wechat", "note")
ID_TYPES = ("id_card", "passport", "driving_licence", "other")
REQUESTER_KINDS = ("owner", "tenant", "authorised")
# What the desk checks before a move-out's goods leave (domain.md §6, 002 退租流程).
MOVE_OUT_CHECKS = ("arrears_cleared", "keys_returned", "passes_returned")
REMIND_AFTER = timedelta(days=1)
# A VIP's preparations (003 §8 1.1.5 c, e): (kind, how long before the announced time).
GREET_BEFORE = timedelta(minutes=15)      # reception staff at the entrance before the arrival
SEND_OFF_BEFORE = timedelta(minutes=10)   # the departments told before the departure
MAX_NAME = 60
MAX_SHORT = 40
MAX_PARTY = 50
_LAST4 = re.compile(r"[0-9]{3}[0-9Xx]|[0-9A-Za-z]{4}")
_TRACKING = re.compile(r"[0-9A-Za-z\-]{4,40}")
_PHONE = re.compile(r"\+?[0-9][0-9 \-]{2,19}")


@dataclass(frozen=True)
class ParcelRow:
    id: int
    received_at: datetime
    received_by: str
    unit_code: str
    addressee: str
    carrier: str
    tracking: str
    size: str
    shelf: str
    status: str
    notified_at: datetime | None
    notified_how: str
    notice_count: int
    collected_at: datetime | None = None
    collector: str = ""
    returned_at: datetime | None = None

    def waiting_for(self, now: datetime) -> timedelta:
        return (self.collected_at or self.returned_at or now) - self.received_at

    def needs_notice(self, now: datetime) -> bool:
        """Waiting and never notified, or last notified more than a day ago: tell the addressee (again)."""
        return self.status == "waiting" and (self.notified_at is None or now - self.notified_at >= REMIND_AFTER)


@dataclass(frozen=True)
class Preparation:
    """A VIP's preparation that falls due at `at`: "greet" (staff at the entrance) or "send_off"
    (the departments told)."""
    visitor_id: int
    kind: str
    at: datetime

    @property
    def key(self) -> str:
        """Stable while the preparation is the same one (a changed time is another reminder)."""
        return f"vip:{self.visitor_id}:{self.kind}:{int(self.at.timestamp())}"


@dataclass(frozen=True)
class VisitorRow:
    id: int
    arrived_at: datetime | None            # None: an expected VIP not here yet
    signed_in_by: str
    name: str
    party_size: int
    unit_code: str
    destination: str
    purpose: str
    host_confirmed_by: str
    pass_no: str
    id_type: str
    id_last4: str
    vip: bool
    left_at: datetime | None
    signed_out_by: str = ""
    expected_at: datetime | None = None    # a VIP signed in ahead: the announced arrival
    leaves_at: datetime | None = None      # a VIP's announced departure

    @property
    def on_site(self) -> bool:
        return self.arrived_at is not None and self.left_at is None

    @property
    def expected(self) -> bool:
        """A VIP signed in ahead who has not come yet."""
        return self.arrived_at is None and self.left_at is None

    @property
    def no_show(self) -> bool:
        """Signed out before arriving: the VIP did not come."""
        return self.arrived_at is None and self.left_at is not None

    def after_hours(self, now: datetime, engine: SlaEngine) -> bool:
        """On site while the office is shut (the site's office hours and working days)."""
        return self.on_site and not engine.is_open(now)

    @property
    def preparation(self) -> Preparation | None:
        """The VIP's next preparation: staff at the entrance before an expected VIP arrives; the
        departments told before a VIP on site leaves (when the departure was announced)."""
        if self.expected and self.expected_at is not None:
            return Preparation(self.id, "greet", self.expected_at - GREET_BEFORE)
        if self.on_site and self.leaves_at is not None:
            return Preparation(self.id, "send_off", self.leaves_at - SEND_OFF_BEFORE)
        return None

    @property
    def visiting(self) -> str:
        return " ".join(x for x in (self.unit_code, self.destination) if x)


@dataclass(frozen=True)
class FrontDeskCounts:
    parcels_waiting: int
    parcels_to_notify: int
    visitors_on_site: int      # people, a party counted by its size
    passes_open: int = 0
    found_kept: int = 0
    vips_expected: int = 0


def parcel_status_label(status: str) -> str:
    # "returned" alone already means a returned work order (退单): a parcel's says where it went.
    return {"waiting": _("waiting"), "collected": _("collected"), "returned": _("returned to sender")}.get(status, status)


# --- validation --------------------------------------------------------------------------

def _short(value: str | None, field: str, missing: str | None = None, max_len: int = MAX_SHORT) -> str:
    return fields.text(value, field, missing, multiline=False, max_len=max_len)


def _choice(value: str | None, field: str, choices: tuple[str, ...], message: str, *, optional: bool = True) -> str:
    value = re.sub(r"[\s\-]+", "_", clean(value).lower())
    if not value and optional:
        return ""
    if value not in choices:
        raise InvalidInput(field, message)
    return value


def check_last4(value: str | None, field: str = "id_last4") -> str:
    """The last four characters of an ID number, or "". A longer number is refused, never cut:
    the person typing learns that the full number is not kept."""
    value = clean(value).replace(" ", "")
    if not value:
        return ""
    if not _LAST4.fullmatch(value):
        raise InvalidInput(field, _("Type the last four characters of the ID number only: the full number is not kept."))
    return value.upper()


def _phone(value: str | None, field: str = "phone") -> str:
    value = clean(value)
    if value and not _PHONE.fullmatch(value):
        raise InvalidInput(field, _("A phone number is digits, spaces and dashes, with an optional + first."))
    return value


def validate_parcel(*, unit_code: str = "", addressee: str = "", carrier: str, tracking: str,
                    size: str = "", shelf: str = "") -> dict:
    """A parcel's fields cleaned, or InvalidInput naming the first field that is wrong."""
    unit = fields.unit(unit_code)
    addressee = _short(addressee, "addressee", max_len=MAX_NAME)
    if unit is None and not addressee:
        raise InvalidInput("unit", _("Say which unit or person the parcel is for."))
    carrier = _short(carrier, "carrier", _("Say which carrier brought it (EMS, SF, ...)."))
    tracking = clean(tracking).replace(" ", "")
    if not tracking:
        raise InvalidInput("tracking", _("Type the tracking number (or scan it)."))
    if not _TRACKING.fullmatch(tracking):
        raise InvalidInput("tracking", _("A tracking number is 4 to 40 letters, digits and dashes."))
    size = _choice(size, "size", SIZES, _("Choose a size: small, medium or large."))
    shelf = _short(shelf, "shelf")
    return {"unit": unit, "addressee": addressee, "carrier": carrier, "tracking": tracking.upper(),
            "size": size, "shelf": shelf}


# --- parcels: writes ---------------------------------------------------------------------

def _parcel(parcel_id: int) -> Parcel:
    parcel = Parcel.get_or_none(Parcel.id == parcel_id)
    if parcel is None:
        raise InvalidInput("parcel", _("There is no parcel {id}.", id=parcel_id))
    return parcel


def _parcel_public(parcel: Parcel) -> dict:
    return {"unit": parcel.unit.code if parcel.unit_id else "", "addressee_given": bool(parcel.addressee),
            "carrier": parcel.carrier, "tracking": parcel.tracking, "size": parcel.size, "shelf": parcel.shelf,
            "status": parcel.status}


def _refused_after_race(entity: str, record_id: int, message: str, **values) -> Conflict:
    """The record changed at another console first: who did what, when."""
    event = audit.last_event(entity, record_id)
    staff = Staff.get_or_none(Staff.id == event.actor_id) if event is not None and event.actor_id else None
    return Conflict(message, by=staff.code if staff else "?", by_name=staff.name if staff else "",
                    at=event.at if event is not None else None, did=event.action if event is not None else "",
                    **values)


def _take_parcel(parcel: Parcel, now: datetime, **changes) -> None:
    """A conditional update on a waiting parcel: two consoles handing out the same parcel get one
    success and one Conflict that says who did it first."""
    updated = (Parcel.update(updated_at=now, **changes)
               .where((Parcel.id == parcel.id) & (Parcel.status == "waiting")
                      & (Parcel.updated_at == parcel.updated_at)).execute())
    if not updated:
        raise _refused_after_race("parcel", parcel.id, _("Someone changed this parcel first ({who}, {time}): look at it again."))


def _waiting(parcel: Parcel) -> None:
    if parcel.status != "waiting":
        raise _refused_after_race("parcel", parcel.id, _("This parcel is {status} already ({who}, {time})."),
                                  status=parcel_status_label(parcel.status))


@db.writes
def receive_parcel(actor: Operator, now: datetime, *, unit_code: str = "", addressee: str = "", carrier: str,
                   tracking: str, size: str = "", shelf: str = "") -> int:
    """A parcel received at the desk; returns its id. It waits until collected or returned."""
    require(actor, "parcel.receive")
    values = validate_parcel(unit_code=unit_code, addressee=addressee, carrier=carrier, tracking=tracking,
                             size=size, shelf=shelf)
    parcel = db.create(Parcel, received_at=now, received_by=actor.id, status="waiting", updated_at=now, **values)
    audit.record(actor, "parcel.receive", "parcel", parcel.id, now, after=_parcel_public(parcel))
    return parcel.id


@db.writes
def receive_parcel_from_script(actor: Operator | None, now: datetime, *, system: tuple[str, str] | None = None,
                               **values) -> int:
    """`deskconsole parcel add`: the form's checks, as an operator whose PIN was checked, or else (None)
    as the parcel locker the site file names (`system`: its [integration] code and name), or the system."""
    from . import people
    return receive_parcel(actor or people.system_operator(now, *(system or ())), now, **values)


@db.writes
def notify_parcel(actor: Operator, now: datetime, parcel_id: int, *, how: str) -> None:
    """The addressee told that a parcel waits: how, when, by whom. A reminder is another notice."""
    require(actor, "parcel.notify")
    how = _choice(how, "how", NOTICE_WAYS, _("Choose how the addressee was told: phone, sms, wechat or note."),
                  optional=False)
    parcel = _parcel(parcel_id)
    _waiting(parcel)
    _take_parcel(parcel, now, notified_at=now, notified_by=actor.id, notified_how=how,
                 notice_count=parcel.notice_count + 1)
    audit.record(actor, "parcel.notify", "parcel", parcel_id, now,
                 after={"how": how, "notice": parcel.notice_count + 1})


@db.writes
def collect_parcel(actor: Operator, now: datetime, parcel_id: int, *, collector: str,
                   by_addressee: bool = True, authority: str = "", id_type: str = "", id_last4: str = "",
                   signed: bool = False) -> None:
    """The parcel handed over: to the addressee, or to someone showing authority (what they showed
    is required). The ID was checked (its type and last four characters) and the collector signed."""
    require(actor, "parcel.collect")
    collector = _short(collector, "collector", _("Say who collected the parcel."), max_len=MAX_NAME)
    authority = _short(authority, "authority", max_len=200)
    if not by_addressee and not authority:
        raise InvalidInput("authority", _("Someone other than the addressee shows an authority: say what it was."))
    id_type = _choice(id_type, "id_type", ID_TYPES, _("Choose the ID type."), optional=False)
    last4 = check_last4(id_last4)
    if not last4:
        raise InvalidInput("id_last4", _("Check the ID and type the last four characters of its number."))
    if not signed:
        raise InvalidInput("signed", _("The collector signs for the parcel."))
    parcel = _parcel(parcel_id)
    _waiting(parcel)
    _take_parcel(parcel, now, status="collected", collected_at=now, handed_by=actor.id, collector=collector,
                 collector_is_addressee=by_addressee, authority=authority, id_type=id_type, id_last4=last4,
                 signed=True)
    audit.record(actor, "parcel.collect", "parcel", parcel_id, now, before={"status": "waiting"},
                 after={"status": "collected", "by_addressee": by_addressee, "authority_given": bool(authority),
                        "id_type": id_type, "id_checked": True, "signed": True})


@db.writes
def return_parcel(actor: Operator, now: datetime, parcel_id: int, *, reason: str) -> None:
    """Returned to sender (refused, wrong address, never collected): it leaves the waiting list."""
    require(actor, "parcel.return")
    reason = fields.text(reason, "reason", _("Say why the parcel goes back to the sender."), max_len=500)
    parcel = _parcel(parcel_id)
    _waiting(parcel)
    _take_parcel(parcel, now, status="returned", returned_at=now, returned_by=actor.id, note=reason)
    audit.record(actor, "parcel.return", "parcel", parcel_id, now, before={"status": "waiting"},
                 after={"status": "returned", "reason": reason})


# --- visitors: writes --------------------------------------------------------------------

def _visitor(visitor_id: int) -> Visitor:
    visitor = Visitor.get_or_none(Visitor.id == visitor_id)
    if visitor is None:
        raise InvalidInput("visitor", _("There is no visitor {id}.", id=visitor_id))
    return visitor


def _visitor_values(*, name: str, party_size: int | str, unit_code: str, destination: str, purpose: str,
                    host_confirmed_by: str, pass_no: str, id_type: str, id_last4: str, phone: str) -> dict:
    """A visit's fields cleaned, or InvalidInput naming the first field that is wrong."""
    name = _short(name, "name", _("Write down the visitor's name."), max_len=MAX_NAME)
    try:
        party = int(clean(str(party_size)) or "1")
    except ValueError:
        party = 0
    if not 1 <= party <= MAX_PARTY:
        raise InvalidInput("party_size", _("How many people: 1 to {n}.", n=MAX_PARTY))
    unit = fields.unit(unit_code)
    destination = _short(destination, "destination", max_len=MAX_NAME)
    if unit is None and not destination:
        raise InvalidInput("unit", _("Say which unit or office the visitor goes to."))
    purpose = fields.text(purpose, "purpose", _("Write down the purpose of the visit."), multiline=False, max_len=200)
    return {"name": name, "party_size": party, "unit": unit, "destination": destination, "purpose": purpose,
            "host_confirmed_by": _short(host_confirmed_by, "host_confirmed_by", max_len=MAX_NAME),
            "pass_no": _short(pass_no, "pass_no"),
            "id_type": _choice(id_type, "id_type", ID_TYPES, _("Choose the ID type.")),
            "id_last4": check_last4(id_last4), "phone": _phone(phone)}


def _visit_public(values: dict) -> dict:
    """What a visit's audit event says: never the name, phone or ID digits (they are purged later)."""
    return {"party_size": values["party_size"], "unit": values["unit"].code if values["unit"] else "",
            "destination": values["destination"], "purpose": values["purpose"],
            "host_confirmed": bool(values["host_confirmed_by"]), "pass_no": values["pass_no"],
            "id_type": values["id_type"], "id_checked": bool(values["id_last4"]), "phone_given": bool(values["phone"])}


def _check_leaves(leaves_at: datetime | None, after: datetime) -> None:
    if leaves_at is not None and leaves_at <= after:
        raise InvalidInput("leaves_at", _("The departure comes after the arrival."))


@db.writes
def sign_in_visitor(actor: Operator, now: datetime, *, name: str, party_size: int | str = 1, unit_code: str = "",
                    destination: str = "", purpose: str, host_confirmed_by: str = "", pass_no: str = "",
                    id_type: str = "", id_last4: str = "", phone: str = "", vip: bool = False,
                    leaves_at: datetime | None = None) -> int:
    """A visitor signed in; returns the visit's id. The visitor is on site until signed out. A VIP's
    announced departure (`leaves_at`) brings the send-off reminder."""
    require(actor, "visitor.sign_in")
    values = _visitor_values(name=name, party_size=party_size, unit_code=unit_code, destination=destination,
                             purpose=purpose, host_confirmed_by=host_confirmed_by, pass_no=pass_no,
                             id_type=id_type, id_last4=id_last4, phone=phone)
    _check_leaves(leaves_at, now)
    visitor = Visitor.create(arrived_at=now, signed_in_by=actor.id, vip=bool(vip), leaves_at=leaves_at,
                             updated_at=now, **values)
    audit.record(actor, "visitor.sign_in", "visitor", visitor.id, now,
                 after=_visit_public(values) | {"vip": bool(vip), "leaves_at": leaves_at})
    return visitor.id


@db.writes
def expect_vip(actor: Operator, now: datetime, *, name: str, arrives_at: datetime | None,
               leaves_at: datetime | None = None, party_size: int | str = 1, unit_code: str = "",
               destination: str = "", purpose: str, host_confirmed_by: str = "", pass_no: str = "",
               id_type: str = "", id_last4: str = "", phone: str = "") -> int:
    """A VIP signed in ahead (003 §8 1.1.5): the announced arrival, and the departure when known; returns
    the visit's id. No time in until `vip_arrived`; the preparations fall due before each time."""
    require(actor, "visitor.sign_in")
    values = _visitor_values(name=name, party_size=party_size, unit_code=unit_code, destination=destination,
                             purpose=purpose, host_confirmed_by=host_confirmed_by, pass_no=pass_no,
                             id_type=id_type, id_last4=id_last4, phone=phone)
    if arrives_at is None:
        raise InvalidInput("expected_at", _("Say when the VIP arrives."))
    if arrives_at <= now:
        raise InvalidInput("expected_at", _("The VIP is expected later than now: a VIP who is here is signed in."))
    _check_leaves(leaves_at, arrives_at)
    visitor = Visitor.create(arrived_at=None, expected_at=arrives_at, leaves_at=leaves_at, signed_in_by=actor.id,
                             vip=True, updated_at=now, **values)
    audit.record(actor, "visitor.expect", "visitor", visitor.id, now,
                 after=_visit_public(values) | {"vip": True, "expected_at": arrives_at, "leaves_at": leaves_at})
    return visitor.id


@db.writes
def vip_arrived(actor: Operator, now: datetime, visitor_id: int, *, pass_no: str = "") -> None:
    """An expected VIP came: the time in is now (the greeting's reminder ends). Once."""
    require(actor, "visitor.sign_in")
    _visitor(visitor_id)
    pass_no = _short(pass_no, "pass_no")
    changes = {"arrived_at": now, "updated_at": now} | ({"pass_no": pass_no} if pass_no else {})
    updated = (Visitor.update(**changes)
               .where((Visitor.id == visitor_id) & Visitor.arrived_at.is_null() & Visitor.left_at.is_null()
                      & Visitor.expected_at.is_null(False)).execute())
    if not updated:
        raise _refused_after_race("visitor", visitor_id, _("This visitor is not expected any more ({who}, {time})."))
    audit.record(actor, "visitor.arrive", "visitor", visitor_id, now, after={"arrived_at": now, "pass_no": pass_no})


@db.writes
def sign_out_visitor(actor: Operator, now: datetime, visitor_id: int) -> None:
    """The visitor left: time out and who signed them out. Signed out once. An expected VIP signed out
    before arriving did not come (no time in is recorded)."""
    require(actor, "visitor.sign_out")
    visitor = _visitor(visitor_id)
    updated = (Visitor.update(left_at=now, signed_out_by=actor.id, updated_at=now)
               .where((Visitor.id == visitor_id) & Visitor.left_at.is_null()).execute())
    if not updated:
        raise _refused_after_race("visitor", visitor_id, _("This visitor was signed out already ({who}, {time})."))
    action = "visitor.sign_out" if visitor.arrived_at is not None else "visitor.no_show"
    audit.record(actor, action, "visitor", visitor_id, now, after={"left_at": now, "pass_no": visitor.pass_no})


# --- reads -------------------------------------------------------------------------------

def _codes(ids) -> dict[int, str]:
    ids = {i for i in ids if i}
    if not ids:
        return {}
    return {s.id: s.code for s in Staff.select(Staff.id, Staff.code).where(Staff.id.in_(ids))}


def _unit_codes(ids) -> dict[int, str]:
    ids = {i for i in ids if i}
    if not ids:
        return {}
    return {u.id: u.code for u in Unit.select(Unit.id, Unit.code).where(Unit.id.in_(ids))}


def _parcel_rows(query) -> list[ParcelRow]:
    parcels = list(query)
    staff = _codes(p.received_by_id for p in parcels)
    units = _unit_codes(p.unit_id for p in parcels)
    return [ParcelRow(
        id=p.id, received_at=p.received_at, received_by=staff.get(p.received_by_id, ""),
        unit_code=units.get(p.unit_id, ""), addressee=p.addressee, carrier=p.carrier, tracking=p.tracking,
        size=p.size, shelf=p.shelf, status=p.status, notified_at=p.notified_at, notified_how=p.notified_how,
        notice_count=p.notice_count, collected_at=p.collected_at, collector=p.collector,
        returned_at=p.returned_at) for p in parcels]


def waiting_parcels() -> list[ParcelRow]:
    """Every parcel waiting for collection, oldest first (the oldest ages most)."""
    return _parcel_rows(Parcel.select().where(Parcel.status == "waiting").order_by(Parcel.received_at, Parcel.id))


def recent_parcels(limit: int = 200) -> list[ParcelRow]:
    """The waiting parcels, then the newest of the others: a window, never the whole table."""
    done = _parcel_rows(Parcel.select().where(Parcel.status != "waiting")
                        .order_by(Parcel.updated_at.desc(), Parcel.id.desc()).limit(limit))
    return waiting_parcels() + done


def parcels_of_unit(unit_code: str) -> list[ParcelRow]:
    unit = fields.find_unit(unit_code)
    if unit is None:
        return []
    return _parcel_rows(Parcel.select().where(Parcel.unit == unit.id).order_by(Parcel.received_at.desc()))


def find_parcels(tracking_part: str) -> list[ParcelRow]:
    """Parcels whose tracking number contains `tracking_part` (the last digits are enough)."""
    part = clean(tracking_part).replace(" ", "").upper()
    if not part:
        return []
    return _parcel_rows(Parcel.select().where(Parcel.tracking.contains(part)).order_by(Parcel.received_at.desc()))


def _visitor_rows(query) -> list[VisitorRow]:
    visitors = list(query)
    staff = _codes([v.signed_in_by_id for v in visitors] + [v.signed_out_by_id for v in visitors])
    units = _unit_codes(v.unit_id for v in visitors)
    return [VisitorRow(
        id=v.id, arrived_at=v.arrived_at, signed_in_by=staff.get(v.signed_in_by_id, ""), name=v.name,
        party_size=v.party_size, unit_code=units.get(v.unit_id, ""), destination=v.destination, purpose=v.purpose,
        host_confirmed_by=v.host_confirmed_by, pass_no=v.pass_no, id_type=v.id_type, id_last4=v.id_last4,
        vip=v.vip, left_at=v.left_at, signed_out_by=staff.get(v.signed_out_by_id, ""), expected_at=v.expected_at,
        leaves_at=v.leaves_at) for v in visitors]


_ON_SITE = Visitor.arrived_at.is_null(False) & Visitor.left_at.is_null()


def visitors_on_site() -> list[VisitorRow]:
    """Who is on site now: every visitor who came and is not signed out, earliest first."""
    return _visitor_rows(Visitor.select().where(_ON_SITE).order_by(Visitor.arrived_at, Visitor.id))


def expected_vips() -> list[VisitorRow]:
    """VIPs signed in ahead who have not come (nor been signed out), the soonest first."""
    return _visitor_rows(Visitor.select().where(Visitor.arrived_at.is_null() & Visitor.left_at.is_null())
                         .order_by(Visitor.expected_at, Visitor.id))


def recent_visitors(limit: int = 200) -> list[VisitorRow]:
    """The VIPs expected, those on site, then the newest who left: a window, never the whole table."""
    left = _visitor_rows(Visitor.select().where(Visitor.left_at.is_null(False))
                         .order_by(Visitor.left_at.desc(), Visitor.id.desc()).limit(limit))
    return expected_vips() + visitors_on_site() + left


def visitors_of_unit(unit_code: str) -> list[VisitorRow]:
    unit = fields.find_unit(unit_code)
    if unit is None:
        return []
    return _visitor_rows(Visitor.select().where(Visitor.unit == unit.id).order_by(Visitor.arrived_at.desc()))


def counts(now: datetime) -> FrontDeskCounts:
    """The open items of each register, as the strip and the pane's border count them."""
    waiting = Parcel.select(Parcel.notified_at).where(Parcel.status == "waiting")
    to_notify = waiting.where(Parcel.notified_at.is_null() | (Parcel.notified_at <= now - REMIND_AFTER)).count()
    people = (Visitor.select(pw.fn.COALESCE(pw.fn.SUM(Visitor.party_size), 0)).where(_ON_SITE).scalar())
    return FrontDeskCounts(
        parcels_waiting=waiting.count(), parcels_to_notify=to_notify, visitors_on_site=int(people or 0),
        passes_open=GoodsPass.select().where(_pass_open(now)).count(),
        found_kept=LostItem.select().where(LostItem.status == "kept").count(),
        vips_expected=Visitor.select().where(Visitor.arrived_at.is_null() & Visitor.left_at.is_null()).count())


def counts_of(parcels: list[ParcelRow], visitors: list[VisitorRow], passes: list[PassRow], found: list[LostRow],
              now: datetime) -> FrontDeskCounts:
    """`counts(now)` from the registers' lists as the console holds them (recent_parcels, recent_visitors,
    todays_passes, recent_found: each holds every open item of its register), without a query."""
    waiting = [p for p in parcels if p.status == "waiting"]
    return FrontDeskCounts(
        parcels_waiting=len(waiting),
        parcels_to_notify=sum(1 for p in waiting if p.notified_at is None or p.notified_at <= now - REMIND_AFTER),
        visitors_on_site=sum(v.party_size for v in visitors if v.on_site),
        passes_open=sum(1 for p in passes if p.open(now)),
        found_kept=sum(1 for i in found if i.status == "kept"),
        vips_expected=sum(1 for v in visitors if v.expected))


# --- goods-release passes ----------------------------------------------------------------

def pass_number(pass_id: int) -> str:
    return f"GP{pass_id:05d}"


@dataclass(frozen=True)
class PassRow:
    id: int
    number: str
    issued_at: datetime
    issued_by: str
    unit_code: str
    requester: str
    requester_kind: str
    items: str
    move_out: bool
    valid_until: datetime
    status: str                    # issued | released
    released_at: datetime | None
    released_by: str

    def open(self, now: datetime) -> bool:
        return self.status == "issued" and now < self.valid_until


def end_of_day(now: datetime, engine: SlaEngine) -> datetime:
    """Midnight at the end of the site's day: when a pass issued `now` expires."""
    here = now.astimezone(engine.tz)
    return datetime.combine(here.date() + timedelta(days=1), time(0), engine.tz).astimezone(now.tzinfo)


@db.writes
def issue_pass(actor: Operator, now: datetime, engine: SlaEngine, *, unit_code: str, requester: str,
               requester_kind: str, items: str, authorisation: str = "", move_out: bool = False,
               checked: tuple[str, ...] | list[str] = ()) -> int:
    """A numbered goods-release pass, valid to the end of the site's day; returns its id. An authorised
    person's authorisation is required; a move-out needs every MOVE_OUT_CHECKS item checked."""
    require(actor, "pass.issue")
    unit = fields.unit(unit_code)
    if unit is None:
        raise InvalidInput("unit", _("Say which unit the goods leave from."))
    requester = _short(requester, "requester", _("Say who asks for the pass."), max_len=MAX_NAME)
    kind = _choice(requester_kind, "requester_kind", REQUESTER_KINDS,
                   _("Say who asks: the owner, the tenant or an authorised person."), optional=False)
    authorisation = fields.text(authorisation, "authorisation", max_len=500)
    if kind == "authorised" and not authorisation:
        raise InvalidInput("authorisation", _("Record the authorisation: from whom, what was shown."))
    items = fields.text(items, "items", _("List the items that leave."), max_len=1000)
    checked = tuple(c for c in MOVE_OUT_CHECKS if c in set(checked))
    if move_out and len(checked) < len(MOVE_OUT_CHECKS):
        raise InvalidInput("checked", _("A move-out needs arrears cleared and keys and passes returned: check each."))
    record = GoodsPass.create(issued_at=now, issued_by=actor.id, unit=unit, requester=requester,
                              requester_kind=kind, authorisation=authorisation, items=items, move_out=bool(move_out),
                              checks=",".join(checked), valid_until=end_of_day(now, engine), status="issued",
                              updated_at=now)
    audit.record(actor, "pass.issue", "goods_pass", record.id, now, after={
        "number": pass_number(record.id), "unit": unit.code, "requester_kind": kind,
        "authorisation": authorisation, "items": items, "move_out": bool(move_out), "checked": list(checked),
        "valid_until": record.valid_until})
    return record.id


@db.writes
def release_pass(actor: Operator, now: datetime, pass_id: int, *, note: str = "") -> None:
    """The gate checked the pass and let the goods out: time and by whom. Once, and only on its day."""
    require(actor, "pass.release")
    record = GoodsPass.get_or_none(GoodsPass.id == pass_id)
    if record is None:
        raise InvalidInput("pass", _("There is no pass {id}.", id=pass_id))
    note = fields.text(note, "note", max_len=500)
    if record.status == "issued" and now >= record.valid_until:
        raise Conflict(_("Pass {number} expired at the end of its day: issue a new one.", number=pass_number(pass_id)))
    updated = (GoodsPass.update(status="released", released_at=now, released_by=actor.id, gate_note=note, updated_at=now)
               .where((GoodsPass.id == pass_id) & (GoodsPass.status == "issued")).execute())
    if not updated:
        raise _refused_after_race("goods_pass", pass_id, _("Pass {number} was released already ({who}, {time})."),
                                  number=pass_number(pass_id))
    audit.record(actor, "pass.release", "goods_pass", pass_id, now, before={"status": "issued"},
                 after={"status": "released", "note": note})


def _pass_rows(query) -> list[PassRow]:
    passes = list(query)
    staff = _codes([p.issued_by_id for p in passes] + [p.released_by_id for p in passes])
    units = _unit_codes(p.unit_id for p in passes)
    return [PassRow(id=p.id, number=pass_number(p.id), issued_at=p.issued_at, issued_by=staff.get(p.issued_by_id, ""),
                    unit_code=units.get(p.unit_id, ""), requester=p.requester, requester_kind=p.requester_kind,
                    items=p.items, move_out=p.move_out, valid_until=p.valid_until, status=p.status,
                    released_at=p.released_at, released_by=staff.get(p.released_by_id, "")) for p in passes]


def _pass_open(now: datetime):
    return (GoodsPass.status == "issued") & (GoodsPass.valid_until > now)


def open_passes(now: datetime) -> list[PassRow]:
    """Passes issued and not yet released that are still valid, oldest first."""
    return _pass_rows(GoodsPass.select().where(_pass_open(now)).order_by(GoodsPass.issued_at, GoodsPass.id))


def todays_passes(now: datetime, engine: SlaEngine) -> list[PassRow]:
    """The open passes, then the others of the site's day (released, or expired at midnight), newest first."""
    day_start = end_of_day(now, engine) - timedelta(days=1)
    done = _pass_rows(GoodsPass.select().where(~_pass_open(now) & (
        (GoodsPass.issued_at >= day_start) | (GoodsPass.released_at >= day_start)))
        .order_by(GoodsPass.updated_at.desc(), GoodsPass.id.desc()))
    return open_passes(now) + done


# --- lost and found ----------------------------------------------------------------------

@dataclass(frozen=True)
class LostRow:
    id: int
    found_at: datetime
    found_where: str
    found_by: str
    description: str
    stored_where: str
    status: str                    # kept | claimed
    claimed_at: datetime | None
    claimant: str
    id_type: str = ""
    recorded_by: str = ""
    handed_by: str = ""


@db.writes
def record_found(actor: Operator, now: datetime, *, found_where: str, description: str, found_by: str = "",
                 stored_where: str = "") -> int:
    """Something found: where, by whom, what, and where the desk keeps it; returns its id."""
    require(actor, "lost.record")
    found_where = _short(found_where, "found_where", _("Say where it was found."), max_len=MAX_NAME)
    description = fields.text(description, "description", _("Describe what was found."), max_len=500)
    found_by = _short(found_by, "found_by", max_len=MAX_NAME)
    stored_where = _short(stored_where, "stored_where")
    item = LostItem.create(found_at=now, recorded_by=actor.id, found_where=found_where, found_by=found_by,
                           description=description, stored_where=stored_where, status="kept", updated_at=now)
    audit.record(actor, "lost.record", "lost_item", item.id, now, after={
        "found_where": found_where, "found_by": found_by, "description": description, "stored_where": stored_where})
    return item.id


@db.writes
def claim_item(actor: Operator, now: datetime, item_id: int, *, claimant: str, id_type: str, id_last4: str) -> None:
    """Claimed by its owner: who, the ID checked (type and last four characters). Once."""
    require(actor, "lost.claim")
    claimant = _short(claimant, "claimant", _("Say who claimed it."), max_len=MAX_NAME)
    id_type = _choice(id_type, "id_type", ID_TYPES, _("Choose the ID type."), optional=False)
    last4 = check_last4(id_last4)
    if not last4:
        raise InvalidInput("id_last4", _("Check the ID and type the last four characters of its number."))
    if LostItem.get_or_none(LostItem.id == item_id) is None:
        raise InvalidInput("item", _("There is no found item {id}.", id=item_id))
    updated = (LostItem.update(status="claimed", claimed_at=now, claimant=claimant, id_type=id_type, id_last4=last4,
                               handed_by=actor.id, updated_at=now)
               .where((LostItem.id == item_id) & (LostItem.status == "kept")).execute())
    if not updated:
        raise _refused_after_race("lost_item", item_id, _("This item was claimed already ({who}, {time})."))
    audit.record(actor, "lost.claim", "lost_item", item_id, now, before={"status": "kept"},
                 after={"status": "claimed", "id_type": id_type, "id_checked": True})


def _lost_rows(query) -> list[LostRow]:
    items = list(query)
    staff = _codes([i.recorded_by_id for i in items] + [i.handed_by_id for i in items])
    return [LostRow(id=i.id, found_at=i.found_at, found_where=i.found_where, found_by=i.found_by,
                    description=i.description, stored_where=i.stored_where, status=i.status,
                    claimed_at=i.claimed_at, claimant=i.claimant, id_type=i.id_type,
                    recorded_by=staff.get(i.recorded_by_id, ""), handed_by=staff.get(i.handed_by_id, ""))
            for i in items]


def kept_items() -> list[LostRow]:
    """Found items still kept at the desk, oldest first."""
    return _lost_rows(LostItem.select().where(LostItem.status == "kept").order_by(LostItem.found_at, LostItem.id))


def recent_found(limit: int = 200) -> list[LostRow]:
    """The items kept, then the newest claimed: a window, never the whole table."""
    claimed = _lost_rows(LostItem.select().where(LostItem.status != "kept")
                         .order_by(LostItem.claimed_at.desc(), LostItem.id.desc()).limit(limit))
    return kept_items() + claimed


# --- personal data kept only as long as needed ---------------------------------------------

@dataclass(frozen=True)
class Purged:
    visitors: int
    parcels: int
    found_items: int
    before: datetime               # records closed before this were blanked


@db.writes
def purge_personal_data(actor: Operator, now: datetime, *, days: int) -> Purged:
    """Blank in place, once, the names, phones and ID digits of visits that ended, parcels collected or
    returned, and found items claimed more than `days` ago. One audit event says what was blanked
    (which fields of which records) and when; the records and their counts remain."""
    require(actor, "frontdesk.purge")
    if days < 1:
        raise InvalidInput("days", _("Keep personal data at least one day."))
    before = now - timedelta(days=days)
    visitors = [v.id for v in Visitor.select(Visitor.id).where(
        Visitor.purged_at.is_null() & (Visitor.left_at < before))]
    parcels = [p.id for p in Parcel.select(Parcel.id).where(
        Parcel.purged_at.is_null() & ((Parcel.collected_at < before) | (Parcel.returned_at < before)))]
    found = [i.id for i in LostItem.select(LostItem.id).where(
        LostItem.purged_at.is_null() & (LostItem.claimed_at < before))]
    blank = {"updated_at": now, "purged_at": now}
    if visitors:
        Visitor.update(name="", phone="", id_type="", id_last4="", host_confirmed_by="", **blank) \
            .where(Visitor.id.in_(visitors)).execute()
    if parcels:
        Parcel.update(addressee="", collector="", authority="", id_type="", id_last4="", **blank) \
            .where(Parcel.id.in_(parcels)).execute()
    if found:
        LostItem.update(claimant="", id_type="", id_last4="", **blank).where(LostItem.id.in_(found)).execute()
    if visitors or parcels or found:
        audit.record(actor, "frontdesk.purge", "frontdesk", None, now, before=before, days=days, blanked={
            "visitor": {"ids": visitors, "fields": ["name", "phone", "id_type", "id_last4", "host_confirmed_by"]},
            "parcel": {"ids": parcels, "fields": ["addressee", "collector", "authority", "id_type", "id_last4"]},
            "lost_item": {"ids": found, "fields": ["claimant", "id_type", "id_last4"]}})
    return Purged(visitors=len(visitors), parcels=len(parcels), found_items=len(found), before=before)


# --- one record, as search and the unit's dossier open it ---------------------------------

ENTITIES = {"parcel": "parcel", "visitor": "visitor", "pass": "goods_pass", "lost": "lost_item"}


@dataclass(frozen=True)
class Record:
    """One record of a register with its history (audit events, oldest first): `row` is what the
    pane's actions take (a ParcelRow, VisitorRow, PassRow or LostRow)."""
    kind: str                      # parcel | visitor | pass | lost
    row: ParcelRow | VisitorRow | PassRow | LostRow
    purged_at: datetime | None     # its personal data were blanked then
    history: list[dict]


def record(kind: str, record_id: int) -> Record | None:
    """A parcel, a visit, a pass or a found item by its id; None when there is none."""
    if kind == "parcel":
        rows, model = _parcel_rows(Parcel.select().where(Parcel.id == record_id)), Parcel
    elif kind == "visitor":
        rows, model = _visitor_rows(Visitor.select().where(Visitor.id == record_id)), Visitor
    elif kind == "pass":
        rows, model = _pass_rows(GoodsPass.select().where(GoodsPass.id == record_id)), GoodsPass
    elif kind == "lost":
        rows, model = _lost_rows(LostItem.select().where(LostItem.id == record_id)), LostItem
    else:
        raise ValueError(f"not a register of the front desk: {kind}")
    if not rows:
        return None
    purged = model.select(model.purged_at).where(model.id == record_id).scalar() \
        if hasattr(model, "purged_at") else None   # a pass holds nothing that is purged
    return Record(kind, rows[0], purged, audit.history(ENTITIES[kind], record_id))
