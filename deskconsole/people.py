"""Staff, PINs, sign-on with lockout, and the one table of who may do what."""
from __future__ import annotations

import hashlib
import hmac
import os
import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from . import audit, db
from .db import Shift, Staff
from .errors import InvalidInput, PermissionDenied, SignOnError  # noqa: F401 (re-exported)
from .i18n import _
from .text import clean

ROLES = ("guard", "receptionist", "supervisor")
SYSTEM_CODE = "SYSTEM"
MAX_TRIES = 5
LOCK_FOR = timedelta(minutes=1)

_ALL = frozenset({"guard", "receptionist", "supervisor"})
_DESK = frozenset({"receptionist", "supervisor"})
_SUPER = frozenset({"supervisor"})

# Who may do what: the only place a role is checked. "system" is the phone system or a script
# recording calls from the command line.
PERMISSIONS: dict[str, frozenset[str]] = {
    "call.add": _ALL | {"system"},
    "call.edit": _ALL,
    "call.answer": _ALL,
    "call.deliver": _ALL,
    "call.void": _SUPER,
    "order.create": _ALL,
    "order.arrive": _ALL,
    "order.note": _ALL,
    "order.dispatch": _DESK,
    "order.complete": _DESK,
    "order.callback": _DESK,
    "order.cancel": _DESK,
    "order.void": _SUPER,                # cancel an order already dispatched or on site
    "order.return.request": _DESK,
    "order.extend.request": _DESK,
    "order.extend.approve": _SUPER,
    "order.return.approve": _SUPER,
    "reminder.ack": _ALL,
    "log.add": _ALL,
    "log.done": _ALL,
    "shift.handover": _ALL,
    "shift.supervise": _SUPER,
    "key.issue": _ALL,
    "key.return": _ALL,
    "key.report": _ALL,
    "key.authorise": _SUPER,
    "key.catalogue": _SUPER,
    "staff.manage": _SUPER,
}


@dataclass(frozen=True)
class Operator:
    """Who is acting: what desk functions receive and audit events record."""
    id: int
    code: str
    name: str
    role: str

    @classmethod
    def of(cls, staff: Staff) -> "Operator":
        return cls(staff.id, staff.code, staff.name, staff.role)


# Whoever holds the desk is the desk (domain.md, "Who sits at the desk"): outside office hours they
# notify (dispatch) the on-call technician, record arrival and completion, whatever their role; an
# emergency or hazard they act on at any hour. Call-backs, approvals and key authorisations stay
# with the roles above.
HOLDER_MAY = frozenset({"order.dispatch", "order.arrive", "order.complete"})
ACT_FIRST = frozenset({"emergency", "hazard"})


def may(operator: Operator, action: str, now: datetime | None = None, engine=None, *,
        holds_desk: bool = False, sla_class: str = "") -> bool:
    """The one answer to "may this operator do this now": the role (PERMISSIONS), then, for what the
    desk does, whether they hold the desk and the office is shut (the site's engine) or the order is
    an emergency or hazard. Without `now` and `engine`, the role alone."""
    if operator.role in PERMISSIONS[action]:
        return True
    if not holds_desk or action not in HOLDER_MAY or now is None or engine is None:
        return False
    return sla_class in ACT_FIRST or not engine.is_open(now)


def by_holder(operator: Operator, action: str) -> bool:
    """Whether `action` is one the operator may do only as the desk's holder (not by role)."""
    return action in HOLDER_MAY and operator.role not in PERMISSIONS[action]


def holds_desk(operator: Operator, now: datetime) -> bool:
    """Whether the operator holds the desk in the shift of `now` (shifts.sign_on, the handover)."""
    return Shift.select().where((Shift.starts_at <= now) & (Shift.ends_at > now)
                                & (Shift.holder == operator.id)).exists()


def require(operator: Operator, action: str, now: datetime | None = None, engine=None, *,
            sla_class: str = "") -> None:
    holding = now is not None and by_holder(operator, action) and holds_desk(operator, now)
    if not may(operator, action, now, engine, holds_desk=holding, sla_class=sla_class):
        raise PermissionDenied(operator.role, action)


# --- PINs --------------------------------------------------------------------------------

_SCRYPT = {"n": 2**14, "r": 8, "p": 1}


def hash_pin(pin: str) -> str:
    salt = os.urandom(16)
    digest = hashlib.scrypt(pin.encode(), salt=salt, dklen=32, **_SCRYPT)
    return f"scrypt${_SCRYPT['n']}${_SCRYPT['r']}${_SCRYPT['p']}${salt.hex()}${digest.hex()}"


def pin_matches(pin: str, stored: str) -> bool:
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
    except ValueError:
        return False
    if scheme != "scrypt":
        return False
    candidate = hashlib.scrypt(pin.encode(), salt=bytes.fromhex(salt), dklen=32, n=int(n), r=int(r), p=int(p))
    return hmac.compare_digest(candidate.hex(), digest)


def check_pin_format(pin: str, field: str = "pin") -> None:
    if not re.fullmatch(r"\d{4,12}", pin or ""):
        raise InvalidInput(field, _("A PIN is 4 to 12 digits."))


def check_code_format(code: str, field: str = "code") -> str:
    code = clean(code).upper()
    if not re.fullmatch(r"[A-Z0-9]{1,12}", code):
        raise InvalidInput(field, _("A staff code is 1 to 12 letters or digits, like R1."))
    return code


# --- staff -------------------------------------------------------------------------------

def has_staff() -> bool:
    return Staff.select().where(Staff.role != "system").exists()


def _create(actor: Operator | None, now: datetime, *, code: str, name: str, role: str, pin: str) -> Operator:
    code = check_code_format(code)
    name = clean(name)
    if not name:
        raise InvalidInput("name", _("Enter the person's name."))
    if len(name) > 60:
        raise InvalidInput("name", _("A name is at most 60 characters."))
    if role not in ROLES:
        raise InvalidInput("role", _("The role is guard, receptionist or supervisor."))
    check_pin_format(pin)
    if Staff.select().where(Staff.code == code).exists():
        raise InvalidInput("code", _("Code {code} is taken already.", code=code))
    staff = Staff.create(code=code, name=name, role=role, pin_hash=hash_pin(pin), created_at=now)
    audit.record(actor or Operator.of(staff), "staff.create", "staff", staff.id, now,
                 after={"code": code, "name": name, "role": role})
    return Operator.of(staff)


@db.writes
def create_first_supervisor(now: datetime, *, code: str, name: str, pin: str) -> Operator:
    """Only on a database with no staff yet: the person who sets the desk up (no one acts before)."""
    if has_staff():
        raise SignOnError(_("This database has staff already: sign on instead."))
    return _create(None, now, code=code, name=name, role="supervisor", pin=pin)


@db.writes
def create_staff(actor: Operator, now: datetime, *, code: str, name: str, role: str, pin: str) -> Operator:
    require(actor, "staff.manage")
    return _create(actor, now, code=code, name=name, role=role, pin=pin)


@db.writes
def system_operator(now: datetime) -> Operator:
    """The operator recorded for calls from the phone system or a script. It cannot sign on."""
    staff = Staff.get_or_none(Staff.code == SYSTEM_CODE)
    if staff is None:
        staff = Staff.create(code=SYSTEM_CODE, name="System", role="system", pin_hash="", created_at=now)
        audit.record(None, "staff.create", "staff", staff.id, now, after={"code": SYSTEM_CODE, "role": "system"})
    return Operator.of(staff)


def find(code: str) -> Operator | None:
    staff = Staff.get_or_none((Staff.code == clean(code).upper()) & (Staff.active == True))  # noqa: E712
    return Operator.of(staff) if staff else None


def list_staff() -> list[Operator]:
    return [Operator.of(s) for s in Staff.select().where(Staff.role != "system").order_by(Staff.code)]


# --- sign-on -----------------------------------------------------------------------------

@db.writes
def _note_attempt(now: datetime, staff_id: int, *, ok: bool) -> tuple[int, datetime | None]:
    """Count a PIN attempt in the database, so a lock holds across every console."""
    staff = Staff.get_by_id(staff_id)
    if ok:
        if staff.failed_attempts:
            Staff.update(failed_attempts=0).where(Staff.id == staff_id).execute()
        audit.record(Operator.of(staff), "staff.sign_on", "staff", staff_id, now)
        return 0, None
    tries = staff.failed_attempts + 1
    locked_until = None
    if tries >= MAX_TRIES:
        locked_until = now + LOCK_FOR
        tries = 0
    Staff.update(failed_attempts=tries, locked_until=locked_until or staff.locked_until).where(
        Staff.id == staff_id).execute()
    audit.record(None, "staff.sign_on_failed", "staff", staff_id, now,
                 locked_until=locked_until)
    return tries, locked_until


def verify(code: str, pin: str, now: datetime, local_time=lambda t: t.strftime("%H:%M:%S")) -> Operator:
    """The operator whose code and PIN these are, or SignOnError saying what is wrong."""
    code = clean(code).upper()
    if not code:
        raise SignOnError(_("Enter your staff code."))
    staff = Staff.get_or_none((Staff.code == code) & (Staff.active == True))  # noqa: E712
    if staff is None or staff.role == "system":
        raise SignOnError(_("No staff member has the code {code}.", code=code))
    if staff.locked_until is not None and staff.locked_until > now:
        raise SignOnError(_("{code} is locked after {n} wrong PINs until {time}.",
                            code=code, n=MAX_TRIES, time=local_time(staff.locked_until)))
    ok = bool(pin) and pin_matches(pin, staff.pin_hash)
    tries, locked_until = _note_attempt(now, staff.id, ok=ok)
    if ok:
        return Operator.of(staff)
    if locked_until is not None:
        raise SignOnError(_("Wrong PIN. {code} is now locked for a minute, until {time}.",
                            code=code, time=local_time(locked_until)))
    raise SignOnError(_("Wrong PIN for {code}: {left} more tries before it locks for a minute.",
                        code=code, left=MAX_TRIES - tries))
