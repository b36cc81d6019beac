"""Staff, PINs, sign-on with lockout, and the one table of who may do what."""
from __future__ import annotations

import hashlib
import hmac
import os
import re
from dataclasses import dataclass
from datetime import datetime, timedelta

import peewee as pw

from . import audit, db, log
from .db import AuditEvent, Staff
from .errors import InvalidInput, PermissionDenied, SignOnError  # noqa: F401 (re-exported)
from .i18n import _
from .text import clean

ROLES = ("guard", "receptionist", "supervisor")
SYSTEM_CODE = "SYSTEM"
MAX_TRIES = 5

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


def may(operator: Operator, action: str) -> bool:
    return operator.role in PERMISSIONS[action]


def require(operator: Operator, action: str) -> None:
    if not may(operator, action):
        raise PermissionDenied(_("A {role} may not do this ({action}).", role=_(operator.role), action=action))


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


def _create(code: str, name: str, role: str, pin: str, now: datetime, actor: Operator | None) -> Operator:
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
def create_first_supervisor(code: str, name: str, pin: str, now: datetime) -> Operator:
    """Only on a database with no staff yet: the person who sets the desk up."""
    if has_staff():
        raise SignOnError(_("This database has staff already: sign on instead."))
    return _create(code, name, "supervisor", pin, now, None)


@db.writes
def create_staff(actor: Operator, code: str, name: str, role: str, pin: str, now: datetime) -> Operator:
    require(actor, "staff.manage")
    return _create(code, name, role, pin, now, actor)


@db.writes
def system_operator(now: datetime, code: str = SYSTEM_CODE, name: str = "System") -> Operator:
    """The operator recorded for calls from a script (SYSTEM), or from the phone system the site file
    names (its [integration] code and name). It has the role "system" and cannot sign on."""
    staff = Staff.get_or_none(Staff.code == code)
    if staff is None:
        staff = Staff.create(code=code, name=name, role="system", pin_hash="", created_at=now)
        audit.record(None, "staff.create", "staff", staff.id, now,
                     after={"code": code, "name": name, "role": "system"})
    elif staff.role != "system":
        raise InvalidInput("operator", _(
            "{code} is a person's staff code, not a phone system's: change integration.code in the site file.",
            code=code))
    return Operator.of(staff)


def find(code: str) -> Operator | None:
    staff = Staff.get_or_none((Staff.code == clean(code).upper()) & (Staff.active == True))  # noqa: E712
    return Operator.of(staff) if staff else None


def no_such_staff(code: str) -> str:
    return _("No staff member has the code {code}.", code=clean(code).upper())


def list_staff() -> list[Operator]:
    return [Operator.of(s) for s in Staff.select().where(Staff.role != "system").order_by(Staff.code)]


# --- sign-on -----------------------------------------------------------------------------

# A code that takes MAX_TRIES wrong PINs in a row is locked; each lock since its last good sign-on lasts
# longer than the one before: 1, 5, 15, then 60 minutes.
LOCKS = (timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=15), timedelta(minutes=60))
_LOCKED = '"locked_until": "'  # in the data of a failed attempt that locked the code (else it is null)


def _next_lock(staff_id: int) -> timedelta:
    """How long the next lock of this code lasts: by the locks since its last good sign-on (the audit
    trail keeps them)."""
    mine = (AuditEvent.entity == "staff") & (AuditEvent.entity_id == staff_id)
    last_ok = AuditEvent.select(pw.fn.MAX(AuditEvent.id)).where(mine & (AuditEvent.action == "staff.sign_on")).scalar()
    locks = AuditEvent.select().where(mine & (AuditEvent.action == "staff.sign_on_failed") &
                                      (AuditEvent.id > (last_ok or 0)) & AuditEvent.data.contains(_LOCKED)).count()
    return LOCKS[min(locks, len(LOCKS) - 1)]


@dataclass(frozen=True)
class _Attempt:
    outcome: str                     # ok | unknown | locked | wrong
    staff: Staff | None = None
    left: int = 0                    # wrong: tries before the code locks
    locked_until: datetime | None = None
    lock: timedelta = LOCKS[0]       # wrong: how long the lock it caused, or the next one, lasts


@db.writes
def _attempt(code: str, pin: str, now: datetime) -> _Attempt:
    """One PIN attempt, whole inside one write transaction: the lock is read, the PIN checked and the
    count written while this console holds the write lock, so consoles guessing at once get
    MAX_TRIES guesses between them, not each. Returns what happened (a refusal raised here would roll
    the count back)."""
    staff = Staff.get_or_none((Staff.code == code) & (Staff.active == True))  # noqa: E712
    if staff is None or staff.role == "system":
        return _Attempt("unknown")
    if staff.locked_until is not None and staff.locked_until > now:
        return _Attempt("locked", staff, locked_until=staff.locked_until)
    if bool(pin) and pin_matches(pin, staff.pin_hash):
        if staff.failed_attempts:
            Staff.update(failed_attempts=0).where(Staff.id == staff.id).execute()
        audit.record(Operator.of(staff), "staff.sign_on", "staff", staff.id, now)
        return _Attempt("ok", staff)
    tries, locked_until, lock = staff.failed_attempts + 1, None, _next_lock(staff.id)
    if tries >= MAX_TRIES:
        locked_until, tries = now + lock, 0
    Staff.update(failed_attempts=tries, locked_until=locked_until or staff.locked_until).where(
        Staff.id == staff.id).execute()
    audit.record(None, "staff.sign_on_failed", "staff", staff.id, now, locked_until=locked_until)
    return _Attempt("wrong", staff, MAX_TRIES - tries, locked_until, lock)


def _for(lock: timedelta) -> str:
    minutes = int(lock.total_seconds() // 60)
    return _("for a minute") if minutes == 1 else _("for {n} minutes", n=minutes)


def verify(code: str, pin: str, now: datetime, local_time=lambda t: t.strftime("%H:%M:%S")) -> Operator:
    """The operator whose code and PIN these are, or SignOnError saying what is wrong."""
    code = clean(code).upper()
    if not code:
        raise SignOnError(_("Enter your staff code."))
    attempt = _attempt(code, pin, now)
    log.info(f"PIN for {code}: {attempt.outcome}" + (f", {attempt.left} tries left" if attempt.outcome == "wrong"
                                                     and attempt.locked_until is None else "")
             + (f", locked until {attempt.locked_until:%Y-%m-%d %H:%M} UTC" if attempt.locked_until else ""))
    if attempt.outcome == "unknown":
        raise SignOnError(no_such_staff(code))
    if attempt.outcome == "locked":
        raise SignOnError(_("{code} is locked after {n} wrong PINs until {time}.",
                            code=code, n=MAX_TRIES, time=local_time(attempt.locked_until)))
    if attempt.outcome == "ok":
        return Operator.of(attempt.staff)
    if attempt.locked_until is not None:
        raise SignOnError(_("Wrong PIN. {code} is now locked {duration}, until {time}.",
                            code=code, duration=_for(attempt.lock), time=local_time(attempt.locked_until)))
    raise SignOnError(_("Wrong PIN for {code}: {left} more tries before it locks {duration}.",
                        code=code, left=attempt.left, duration=_for(attempt.lock)))
