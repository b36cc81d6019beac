"""Staff, PINs, sign-on with lockout, and the one table of who may do what."""
from __future__ import annotations

import hmac
import os
import re
import secrets
import subprocess
import sys
from dataclasses import dataclass
from datetime import datetime, timedelta

import peewee as pw

from . import audit, db, log, openssl
from .db import AuditEvent, Shift, Staff
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
# recording calls from the command line, and the set-up imports of the command line.
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
    "order.followup": _DESK,             # the area manager's look, the written reply to a complaint
    "order.fee.collect": _DESK,
    "complaint.verify": _SUPER,          # 有效投诉: the company's own failure, or not
    "complaint.major": _SUPER,
    "reminder.ack": _ALL,
    "log.add": _ALL,
    "log.done": _ALL,
    "shift.handover": _ALL,
    "shift.supervise": _SUPER,
    "key.issue": _ALL,
    "key.return": _ALL,
    "key.report": _ALL,
    "key.authorise": _SUPER,
    # The site's lists: a supervisor at the console, or the installer's imports from the command line
    # (recorded as the system). Staff need a supervisor's code and PIN wherever they are managed.
    "key.catalogue": _SUPER | {"system"},
    "staff.manage": _SUPER,
    "unit.manage": _SUPER | {"system"},
    "technician.manage": _SUPER | {"system"},
    # The front desk's other registers (frontdesk.py): a parcel locker or scanner records as the system.
    "parcel.receive": _ALL | {"system"},
    "parcel.notify": _ALL,
    "parcel.collect": _ALL,
    "parcel.return": _DESK,
    "visitor.sign_in": _ALL,
    "visitor.sign_out": _ALL,
    "pass.issue": _ALL,
    "pass.release": _ALL,                # the guard at the gate
    "lost.record": _ALL,
    "lost.claim": _ALL,
    "frontdesk.purge": _SUPER | {"system"},   # `deskconsole check --purge`
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

# scrypt with these parameters allocates 128·r·n = 16 MiB for the ≈70 ms it runs: in a console that is a
# quarter of what it holds, and its peak. A console (cli/console.run) hashes in a short-lived child
# instead; the command line and the tests hash in their own process.
HASH_IN_CHILD = False
# The child: a fresh interpreter (fork+exec, safe in a threaded process), isolated (-I) and without
# site-packages (-S). It reads "pin-hex salt-hex n r p" on stdin (never argv: `ps` shows argv) and
# writes the hex digest.
_CHILD = ("import hashlib,sys\n"
          "pin,salt,n,r,p=sys.stdin.read().split()\n"
          "sys.stdout.write(hashlib.scrypt(bytes.fromhex(pin),salt=bytes.fromhex(salt),dklen=32,"
          "n=int(n),r=int(r),p=int(p)).hex())")
_CHILD_TIMEOUT = 10.0  # seconds: a machine swapping hard; the hash itself takes ≈70 ms


def _scrypt_in_child(secret: bytes, salt: bytes, n: int, r: int, p: int) -> bytes:
    done = subprocess.run([sys.executable, "-I", "-S", "-c", _CHILD], input=f"{secret.hex()} {salt.hex()} {n} {r} {p}",
                          capture_output=True, text=True, timeout=_CHILD_TIMEOUT, check=True)
    digest = bytes.fromhex(done.stdout.strip())
    if len(digest) != 32:
        raise ValueError(f"{len(digest)} bytes")
    return digest


def _scrypt(pin: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    """The PIN's scrypt digest: in a child process when HASH_IN_CHILD, else (or if the child fails) here."""
    if HASH_IN_CHILD:
        try:
            return _scrypt_in_child(pin.encode(), salt, n, r, p)
        except (OSError, ValueError, subprocess.SubprocessError) as exc:
            # The error's type only: a child's output or a command line could carry the PIN.
            log.warning(f"PIN hash in a child process failed ({type(exc).__name__}): hashed in this process")
    return openssl.scrypt()(pin.encode(), salt=salt, dklen=32, n=n, r=r, p=p)


def hash_pin(pin: str) -> str:
    salt = os.urandom(16)
    digest = _scrypt(pin, salt, **_SCRYPT)
    return f"scrypt${_SCRYPT['n']}${_SCRYPT['r']}${_SCRYPT['p']}${salt.hex()}${digest.hex()}"


def pin_matches(pin: str, stored: str) -> bool:
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
    except ValueError:
        return False
    if scheme != "scrypt":
        return False
    candidate = _scrypt(pin, bytes.fromhex(salt), int(n), int(r), int(p))
    return hmac.compare_digest(candidate.hex(), digest)


def check_pin_format(pin: str, field: str = "pin") -> None:
    if not re.fullmatch(r"\d{4,12}", pin or ""):
        raise InvalidInput(field, _("A PIN is 4 to 12 digits."))


def check_code_format(code: str, field: str = "code") -> str:
    code = clean(code).upper()
    if not re.fullmatch(r"[A-Z0-9]{1,12}", code):
        raise InvalidInput(field, _("A staff code is 1 to 12 letters or digits, like R1."))
    return code


@dataclass(frozen=True)
class PinPolicy:
    """What a PIN a person chooses must be: the site file's [pins] min_length, and never a trivial
    one (0000, 1234, one digit repeated) except on the demo, whose people all have 0000."""
    min_length: int = 4
    allow_trivial: bool = False


# The schema_meta key that marks a demo database (written by `deskconsole demo` and `init --demo-data`).
DEMO_MARK = "demo"


def is_demo() -> bool:
    return db.SchemaMeta.get_or_none(db.SchemaMeta.key == DEMO_MARK) is not None


def pin_policy(config) -> PinPolicy:
    """The policy of this site and database."""
    return PinPolicy(config.pin_min_length, allow_trivial=is_demo())


def is_trivial(pin: str) -> bool:
    """One digit repeated, or a run of digits up or down (1234, 4321, 345678)."""
    steps = {int(b) - int(a) for a, b in zip(pin, pin[1:])}
    return len(steps) <= 1 and steps <= {-1, 0, 1}


def check_pin_policy(pin: str, policy: PinPolicy, field: str = "pin") -> None:
    check_pin_format(pin, field)
    if len(pin) < policy.min_length:
        raise InvalidInput(field, _("A PIN on this site is at least {n} digits.", n=policy.min_length))
    if not policy.allow_trivial and is_trivial(pin):
        raise InvalidInput(field, _("Too easy to guess (like 0000 or 1234): choose another PIN."))


def one_time_pin(policy: PinPolicy) -> str:
    """A random PIN a supervisor hands over once; its owner replaces it at the first sign-on."""
    length = max(6, policy.min_length)
    while True:
        pin = "".join(secrets.choice("0123456789") for _ in range(length))
        if not is_trivial(pin):
            return pin


# --- staff -------------------------------------------------------------------------------

def has_staff() -> bool:
    return Staff.select().where(Staff.role != "system").exists()


def _name(name: str) -> str:
    name = clean(name)
    if not name:
        raise InvalidInput("name", _("Enter the person's name."))
    if len(name) > 60:
        raise InvalidInput("name", _("A name is at most 60 characters."))
    return name


def _role(role: str) -> str:
    if role not in ROLES:
        raise InvalidInput("role", _("The role is guard, receptionist or supervisor."))
    return role


def _create(actor: Operator | None, now: datetime, *, code: str, name: str, role: str, pin: str,
            one_time: bool = False) -> Operator:
    code = check_code_format(code)
    name = _name(name)
    _role(role)
    check_pin_format(pin)
    if Staff.select().where(Staff.code == code).exists():
        raise InvalidInput("code", _("Code {code} is taken already.", code=code))
    staff = Staff.create(code=code, name=name, role=role, pin_hash=hash_pin(pin), created_at=now,
                         pin_one_time=one_time)
    audit.record(actor or Operator.of(staff), "staff.create", "staff", staff.id, now,
                 after={"code": code, "name": name, "role": role, **({"pin_one_time": True} if one_time else {})})
    return Operator.of(staff)


@db.writes
def create_first_supervisor(now: datetime, *, code: str, name: str, pin: str,
                            policy: PinPolicy | None = None) -> Operator:
    """Only on a database with no staff yet: the person who sets the desk up. `policy`: the site's,
    when a person chooses the PIN (the demo passes none: its PINs are 0000)."""
    if has_staff():
        raise SignOnError(_("This database has staff already: sign on instead."))
    if policy is not None:
        check_code_format(code)
        _name(name)
        check_pin_policy(pin, policy)
    return _create(None, now, code=code, name=name, role="supervisor", pin=pin)


@db.writes
def create_staff(actor: Operator, now: datetime, *, code: str, name: str, role: str, pin: str,
                 one_time: bool = False) -> Operator:
    require(actor, "staff.manage")
    return _create(actor, now, code=code, name=name, role=role, pin=pin, one_time=one_time)


@dataclass(frozen=True)
class NewPin:
    """A one-time PIN, to be shown once to the supervisor who hands it over; only its hash is kept."""
    operator: Operator
    pin: str


@db.writes
def add_staff(actor: Operator, now: datetime, policy: PinPolicy, *, code: str, name: str, role: str) -> NewPin:
    """A new person with a one-time PIN, which they replace with their own at their first sign-on."""
    pin = one_time_pin(policy)
    return NewPin(create_staff(actor, now, code=code, name=name, role=role, pin=pin, one_time=True), pin)


@dataclass(frozen=True)
class StaffInfo:
    """A staff member as the staff screen and `staff list` show them (never the PIN's hash)."""
    id: int
    code: str
    name: str
    role: str
    active: bool
    pin_one_time: bool
    created_at: datetime
    locked_until: datetime | None = None


def _info(staff: Staff) -> StaffInfo:
    return StaffInfo(staff.id, staff.code, staff.name, staff.role, staff.active, staff.pin_one_time,
                     staff.created_at, staff.locked_until)


def staff_records() -> list[StaffInfo]:
    """Everyone who can or could sign on, disabled people too, by code."""
    return [_info(s) for s in Staff.select().where(Staff.role != "system").order_by(Staff.code)]


def staff_record(code: str) -> StaffInfo | None:
    staff = Staff.get_or_none((Staff.code == clean(code).upper()) & (Staff.role != "system"))
    return _info(staff) if staff else None


def _staff_for_change(actor: Operator, staff_id: int, what: str) -> Staff:
    require(actor, "staff.manage")
    staff = Staff.get_or_none((Staff.id == staff_id) & (Staff.role != "system"))
    if staff is None:
        raise InvalidInput("code", _("There is no such staff member."))
    if staff.id == actor.id:
        raise InvalidInput("code", _("Another supervisor does this for you ({what}).", what=what))
    return staff


@db.writes
def set_role(actor: Operator, now: datetime, staff_id: int, *, role: str) -> None:
    staff = _staff_for_change(actor, staff_id, _("change of role"))
    _role(role)
    if staff.role == role:
        return
    Staff.update(role=role).where(Staff.id == staff_id).execute()
    audit.record(actor, "staff.role", "staff", staff_id, now, before={"role": staff.role}, after={"role": role})


@db.writes
def set_active(actor: Operator, now: datetime, staff_id: int, *, active: bool) -> None:
    """Disable (they cannot sign on; every record they made keeps their name) or enable again."""
    staff = _staff_for_change(actor, staff_id, _("enable") if active else _("disable"))
    if staff.active == active:
        return
    Staff.update(active=active).where(Staff.id == staff_id).execute()
    audit.record(actor, "staff.enable" if active else "staff.disable", "staff", staff_id, now,
                 before={"active": staff.active}, after={"active": active})


@db.writes
def reset_pin(actor: Operator, now: datetime, policy: PinPolicy, staff_id: int) -> str:
    """A new one-time PIN (returned, to be shown once), and the code unlocked."""
    _staff_for_change(actor, staff_id, _("PIN reset"))
    pin = one_time_pin(policy)
    Staff.update(pin_hash=hash_pin(pin), pin_one_time=True, failed_attempts=0, locked_until=None).where(
        Staff.id == staff_id).execute()
    audit.record(actor, "staff.reset_pin", "staff", staff_id, now)
    return pin


def needs_own_pin(operator: Operator) -> bool:
    """Signed on with a one-time PIN: the person chooses their own before the console opens."""
    return Staff.select().where((Staff.id == operator.id) & (Staff.pin_one_time == True)).exists()  # noqa: E712


@db.writes
def _save_own_pin(actor: Operator, now: datetime, policy: PinPolicy, new_pin: str, one_time_only: bool) -> None:
    check_pin_policy(new_pin, policy, "new_pin")
    staff = Staff.get_by_id(actor.id)
    if one_time_only and not staff.pin_one_time:
        raise InvalidInput("old_pin", _("Enter your current PIN."))
    if pin_matches(new_pin, staff.pin_hash):
        raise InvalidInput("new_pin", _("That is the PIN you have now: choose another."))
    Staff.update(pin_hash=hash_pin(new_pin), pin_one_time=False).where(Staff.id == actor.id).execute()
    audit.record(actor, "staff.pin_change", "staff", actor.id, now)


def choose_pin(actor: Operator, now: datetime, policy: PinPolicy, *, new_pin: str) -> None:
    """Right after signing on with a one-time PIN (which proved who this is): their own PIN."""
    _save_own_pin(actor, now, policy, new_pin, True)


def change_pin(actor: Operator, now: datetime, policy: PinPolicy, *, old_pin: str, new_pin: str,
               local_time=lambda t: t.strftime("%H:%M:%S")) -> None:
    """Anyone's own PIN, the old one asked first. A wrong old PIN counts toward the lockout like a
    sign-on, so it is checked in a transaction of its own before the new PIN is saved."""
    check_pin_policy(new_pin, policy, "new_pin")
    try:
        verify(actor.code, old_pin, now, local_time, action="staff.pin_checked")
    except SignOnError as exc:
        raise InvalidInput("old_pin", str(exc)) from None
    _save_own_pin(actor, now, policy, new_pin, False)


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
_GOOD_PIN = ("staff.sign_on", "staff.pin_checked")  # a right PIN ends the escalation
_LOCKED = '"locked_until": "'  # in the data of a failed attempt that locked the code (else it is null)


def _next_lock(staff_id: int) -> timedelta:
    """How long the next lock of this code lasts: by the locks since its last good sign-on (the audit
    trail keeps them)."""
    mine = (AuditEvent.entity == "staff") & (AuditEvent.entity_id == staff_id)
    last_ok = AuditEvent.select(pw.fn.MAX(AuditEvent.id)).where(mine & AuditEvent.action.in_(_GOOD_PIN)).scalar()
    locks = AuditEvent.select().where(mine & (AuditEvent.action == "staff.sign_on_failed") &
                                      (AuditEvent.id > (last_ok or 0)) & AuditEvent.data.contains(_LOCKED)).count()
    return LOCKS[min(locks, len(LOCKS) - 1)]


@dataclass(frozen=True)
class _Attempt:
    outcome: str                     # ok | unknown | disabled | locked | wrong
    staff: Staff | None = None
    left: int = 0                    # wrong: tries before the code locks
    locked_until: datetime | None = None
    lock: timedelta = LOCKS[0]       # wrong: how long the lock it caused, or the next one, lasts


def _hashed_ahead(code: str, pin: str) -> tuple[str, bool] | None:
    """(the stored hash, whether `pin` matches it), read and computed before the write transaction: the
    hash takes 40-70 ms, and every other console's save would wait that long behind the write lock.
    None where there is nothing to check (no such code, no PIN), or the read failed: the write then
    reads, hashes and says what went wrong as it always did."""
    if not pin:
        return None
    try:
        stored = Staff.select(Staff.pin_hash).where(Staff.code == code).scalar()
    except pw.PeeweeException:
        return None
    if not stored:
        return None
    return stored, pin_matches(pin, stored)


@db.writes
def _attempt(code: str, pin: str, now: datetime, action: str = "staff.sign_on",
             ahead: tuple[str, bool] | None = None) -> _Attempt:
    """One PIN attempt, whole inside one write transaction: the lock is read, the PIN judged and the
    count written while this console holds the write lock, so consoles guessing at once get
    MAX_TRIES guesses between them, not each. `ahead` (_hashed_ahead): the answer for the hash stored
    then, used if it is still the one stored (else the PIN is hashed here). `action`: the audit event of
    a right PIN. Returns what happened (a refusal raised here would roll the count back)."""
    staff = Staff.get_or_none(Staff.code == code)
    if staff is None or staff.role == "system":
        return _Attempt("unknown")
    if not staff.active:
        return _Attempt("disabled", staff)
    if staff.locked_until is not None and staff.locked_until > now:
        return _Attempt("locked", staff, locked_until=staff.locked_until)
    if ahead is not None and ahead[0] == staff.pin_hash:
        matches = ahead[1]
    else:
        matches = bool(pin) and pin_matches(pin, staff.pin_hash)
    if matches:
        if staff.failed_attempts:
            Staff.update(failed_attempts=0).where(Staff.id == staff.id).execute()
        audit.record(Operator.of(staff), action, "staff", staff.id, now)
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


def verify(code: str, pin: str, now: datetime, local_time=lambda t: t.strftime("%H:%M:%S"), *,
           action: str = "staff.sign_on") -> Operator:
    """The operator whose code and PIN these are, or SignOnError saying what is wrong. `action`: the
    audit event of a right PIN (a sign-on, or a PIN checked to authorise something)."""
    code = clean(code).upper()
    if not code:
        raise SignOnError(_("Enter your staff code."))
    attempt = _attempt(code, pin, now, action, ahead=_hashed_ahead(code, pin))
    log.info(f"PIN for {code}: {attempt.outcome}" + (f", {attempt.left} tries left" if attempt.outcome == "wrong"
                                                     and attempt.locked_until is None else "")
             + (f", locked until {attempt.locked_until:%Y-%m-%d %H:%M} UTC" if attempt.locked_until else ""))
    if attempt.outcome == "unknown":
        raise SignOnError(no_such_staff(code))
    if attempt.outcome == "disabled":
        raise SignOnError(_("{code} is disabled: a supervisor can enable it again.", code=code))
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
