"""The database: Peewee models, connect(url) with the pragmas, the schema version and migrations.

Every time is stored as naive UTC text of fixed width, so SQLite compares them in order.
Nothing is ever deleted: records are closed, voided, returned or retired instead.
"""
from __future__ import annotations

import contextlib
import functools
import os
import random
import re
import sqlite3
import sys
import threading
import time as _time
import urllib.parse
import zlib
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit

# psycopg (with libpq: 16 MB of a console's 90) is loaded only for a PostgreSQL database
# (load_psycopg); peewee would load it on import, whatever the database.
_psycopg_unloaded = "psycopg" not in sys.modules
if _psycopg_unloaded:
    sys.modules["psycopg"] = None   # peewee's `import psycopg` fails: it sets its names to None
try:
    import peewee as pw
finally:
    if _psycopg_unloaded:
        sys.modules.pop("psycopg", None)

from . import log
from .errors import Refusal, SignOnError
from .errors import StoreError  # noqa: F401 (db.StoreError: it lives with the other refusals, for the screens)
from .i18n import _

database = pw.DatabaseProxy()

SCHEMA_VERSION = 8
# version -> function(db) that brings a database from version-1 to version. Each later issue
# that changes the schema adds a step here and a fixture of the previous version in tests/fixtures.
# The steps themselves are in migrations.py (defined after the models they read). A long step reports
# how far it is with `progress(done, total)` (a bar on the terminal).
MIGRATIONS: dict[int, callable] = {}


class SchemaError(RuntimeError):
    """The database cannot be used by this program (too new, or not a deskconsole database)."""


# What reading a damaged database may raise (a torn page, text that is not UTF-8, a version that is
# not a number): `check` reports these instead of stopping.
READ_ERRORS = (pw.DatabaseError, sqlite3.Error, ValueError, UnicodeDecodeError)
# What the database itself raises (a disk I/O error after its -wal file was removed, a torn page).
DATABASE_ERRORS = (pw.DatabaseError, sqlite3.Error)


class Unreachable(StoreError):
    """The database server cannot be reached or refused us (down, restarting, wrong password, no such
    database). The message is one line and never holds a password."""

    def __init__(self, message: str, /, **values):
        super().__init__(message, kind="unreachable", **values)


class UTCDateTimeField(pw.Field):
    field_type = "DATETIME"
    _FORMAT = "%Y-%m-%d %H:%M:%S.%f"

    def db_value(self, value):
        if value is None:
            return None
        if isinstance(value, str):
            return value
        if value.tzinfo is not None:
            value = value.astimezone(timezone.utc).replace(tzinfo=None)
        return value.strftime(self._FORMAT)

    def python_value(self, value):
        if value is None or isinstance(value, datetime):
            return value.replace(tzinfo=timezone.utc) if isinstance(value, datetime) else None
        # fromisoformat reads the stored form ~30x faster than strptime: a pane reload parses thousands.
        return datetime.fromisoformat(value).replace(tzinfo=timezone.utc)


class BaseModel(pw.Model):
    class Meta:
        database = database
        legacy_table_names = False


class SchemaMeta(BaseModel):
    key = pw.CharField(primary_key=True)
    value = pw.TextField()


class Unit(BaseModel):
    """A unit (房号) of the site: the list the forms complete from and check against."""
    code = pw.CharField(unique=True)          # e.g. "1-1203": building 1, room 1203
    building = pw.CharField()
    floor = pw.IntegerField()
    owner_name = pw.CharField(default="")
    # One or more numbers, " / " between them. The column keeps its version-1 name: no data to move.
    phones = pw.CharField(default="", column_name="owner_phone")
    handed_over = pw.BooleanField(default=True)  # False: not yet taken over (未入伙), spare keys at the desk
    vacant = pw.BooleanField(default=False)      # taken over but nobody lives there (空置)
    notes = pw.TextField(default="")


class Staff(BaseModel):
    code = pw.CharField(unique=True)
    name = pw.CharField()
    role = pw.CharField()                      # guard | receptionist | supervisor | system
    pin_hash = pw.CharField(default="")        # scrypt$n$r$p$salt$hash; never exported
    active = pw.BooleanField(default=True)     # False: disabled, cannot sign on; their records keep the name
    failed_attempts = pw.IntegerField(default=0)
    locked_until = UTCDateTimeField(null=True)
    created_at = UTCDateTimeField()
    # Columns added by a migration go last, so a fresh and a migrated table have the same order.
    pin_one_time = pw.BooleanField(default=False)  # given by a supervisor: the person chooses their own at sign-on


class Call(BaseModel):
    received_at = UTCDateTimeField(index=True)
    channel = pw.CharField()                   # phone | walk_in | intercom | letter | patrol | staff
    category = pw.CharField()                  # inquiry | repair | complaint | emergency | message | other
    caller = pw.CharField(default="")
    unit = pw.ForeignKeyField(Unit, null=True, backref="calls")
    phone = pw.CharField(default="", index=True)
    text = pw.TextField(default="")
    taken_by = pw.ForeignKeyField(Staff, backref="calls_taken")
    status = pw.CharField(default="open")      # open | answered | delivered | closed | void
    reply_due_at = UTCDateTimeField(null=True)  # inquiries not answered on the spot
    answered_at = UTCDateTimeField(null=True)
    answered_by = pw.ForeignKeyField(Staff, null=True, backref="+")
    answer = pw.TextField(default="")
    message_for = pw.CharField(default="")
    message_from = pw.CharField(default="")
    callback_number = pw.CharField(default="")
    delivered_at = UTCDateTimeField(null=True)
    delivered_by = pw.ForeignKeyField(Staff, null=True, backref="+")
    void_reason = pw.TextField(default="")
    updated_at = UTCDateTimeField()

    class Meta:
        # (status, received_at): the pane's "older open calls" window without scanning every call.
        # (unit, received_at, phone): a unit's dossier, newest first, reads only the page it shows, and
        # counts the phones that called about it without reading the calls themselves.
        indexes = ((("category", "status"), False), (("status", "received_at"), False),
                   (("unit", "received_at", "phone"), False))


class WorkOrder(BaseModel):
    created_at = UTCDateTimeField(index=True)
    created_by = pw.ForeignKeyField(Staff, backref="+")
    call = pw.ForeignKeyField(Call, null=True, backref="orders")
    unit = pw.ForeignKeyField(Unit, null=True, backref="orders")
    location = pw.CharField(default="")        # for common areas: where, when there is no unit
    sla_class = pw.CharField()
    description = pw.TextField(default="")
    department = pw.CharField(default="")      # engineering | security | cleaning | landscaping | customer_service | contractor
    assignee = pw.CharField(default="")
    status = pw.CharField(default="logged")    # logged | dispatched | on_site | done | closed | returned | cancelled
    chargeable = pw.BooleanField(default=False)
    fee_agreed = pw.DecimalField(max_digits=10, decimal_places=2, null=True)
    clock_started_at = UTCDateTimeField()
    respond_due_at = UTCDateTimeField(null=True)
    resolve_due_at = UTCDateTimeField(null=True)
    dispatched_at = UTCDateTimeField(null=True)
    dispatched_by = pw.ForeignKeyField(Staff, null=True, backref="+")
    booked_visit_at = UTCDateTimeField(null=True)
    responded_at = UTCDateTimeField(null=True)
    done_at = UTCDateTimeField(null=True)
    closed_at = UTCDateTimeField(null=True)
    updated_at = UTCDateTimeField()
    updated_by = pw.ForeignKeyField(Staff, null=True, backref="+")
    # The resolve clock restarts when an unsatisfied call-back reopens the order.
    resolve_started_at = UTCDateTimeField(null=True)
    # Completion (done): what was done, with what, how long, for how much.
    work_done = pw.TextField(default="")
    materials = pw.TextField(default="")
    hours = pw.DecimalField(max_digits=6, decimal_places=2, null=True)
    fee = pw.DecimalField(max_digits=10, decimal_places=2, null=True)
    # Call-back (回访): the last one; every one is in the audit history.
    callback_at = UTCDateTimeField(null=True)
    callback_by = pw.ForeignKeyField(Staff, null=True, backref="+")
    satisfied = pw.BooleanField(null=True)
    reopen_count = pw.IntegerField(default=0)
    # A request waiting for a supervisor: "" | extension | return.
    pending = pw.CharField(default="")
    pending_at = UTCDateTimeField(null=True)
    pending_by = pw.ForeignKeyField(Staff, null=True, backref="+")
    pending_reason = pw.TextField(default="")
    pending_until = UTCDateTimeField(null=True)      # an extension's new resolve deadline
    pending_owner_caused = pw.BooleanField(default=False)
    pending_owner_consent = pw.BooleanField(default=False)
    pending_first_approval = pw.ForeignKeyField(Staff, null=True, backref="+")  # long extensions: 2 sign-offs
    extension_count = pw.IntegerField(default=0)
    end_reason = pw.TextField(default="")            # why it was returned or cancelled
    signed_off_by = pw.ForeignKeyField(Staff, null=True, backref="+")
    # Schema 2 (issue 18). The first round, kept when an unsatisfied call-back reopens the order:
    # timeliness judges it; the rework counts against first-time quality.
    first_respond_due_at = UTCDateTimeField(null=True)
    first_responded_at = UTCDateTimeField(null=True)
    first_resolve_due_at = UTCDateTimeField(null=True)
    first_done_at = UTCDateTimeField(null=True)
    # A deadline that had passed when an extension was asked for: the extension does not erase it.
    breached_due_at = UTCDateTimeField(null=True)
    booked_by_owner = pw.BooleanField(default=False)   # the owner chose the visit time: respond runs to it
    visit_late_minutes = pw.IntegerField(null=True)    # the first arrival after a booked visit time
    owner_signoff = pw.CharField(default="")           # "" | slip | phone: the owner accepted the work
    owner_signoff_by = pw.CharField(default="")        # who signed, or who confirmed on the phone
    major = pw.BooleanField(default=False)             # a supervisor marked the complaint major
    complaint_verdict = pw.CharField(default="")       # "" | effective | not_effective (a supervisor's)
    verdict_by = pw.ForeignKeyField(Staff, null=True, backref="+")
    verdict_at = UTCDateTimeField(null=True)
    fee_collected = pw.DecimalField(max_digits=10, decimal_places=2, null=True)
    fee_collected_at = UTCDateTimeField(null=True)

    class Meta:
        indexes = ((("status", "resolve_due_at"), False),)


class FollowUp(BaseModel):
    """Something the desk must see done about an order, shown as a reminder until it is: the area
    manager's look after an unsatisfied call-back, the written reply to a handled complaint."""
    order = pw.ForeignKeyField(WorkOrder, backref="followups")
    kind = pw.CharField()                      # area_check | written_reply
    asked_at = UTCDateTimeField()
    done_at = UTCDateTimeField(null=True)
    done_by = pw.ForeignKeyField(Staff, null=True, backref="+")
    person = pw.CharField(default="")          # the area manager who went; to whom the reply went
    note = pw.TextField(default="")            # what the area manager found; how the reply was sent

    class Meta:
        indexes = ((("order", "kind"), False), (("done_at",), False))


class ReminderAck(BaseModel):
    """A follow-up reminder of a work order that someone acknowledged: it stops showing."""
    order = pw.ForeignKeyField(WorkOrder, backref="reminder_acks")
    reminder = pw.CharField()                  # e.g. "chase:1764000000", "resolve.band75:1764..."
    acked_at = UTCDateTimeField()
    acked_by = pw.ForeignKeyField(Staff, backref="+")

    class Meta:
        indexes = ((("order", "reminder"), True),)


class Shift(BaseModel):
    kind = pw.CharField()                      # a ShiftDef id: day | night | ...
    starts_at = UTCDateTimeField(index=True)
    ends_at = UTCDateTimeField()
    opened_by = pw.ForeignKeyField(Staff, backref="+")
    holder = pw.ForeignKeyField(Staff, null=True, backref="+")  # who holds the desk now
    held_since = UTCDateTimeField(null=True)                    # when the holder took the desk
    handed_over_at = UTCDateTimeField(null=True)
    handed_to = pw.ForeignKeyField(Staff, null=True, backref="+")

    class Meta:
        indexes = ((("kind", "starts_at"), True),)


class ShiftLogEntry(BaseModel):
    shift = pw.ForeignKeyField(Shift, backref="entries")
    at = UTCDateTimeField(index=True)
    author = pw.ForeignKeyField(Staff, backref="+")
    kind = pw.CharField()                      # note | incident | patrol | instruction
    text = pw.TextField()
    unit = pw.ForeignKeyField(Unit, null=True, backref="+")
    call = pw.ForeignKeyField(Call, null=True, backref="+")
    order = pw.ForeignKeyField(WorkOrder, null=True, backref="+")
    key_id = pw.IntegerField(null=True)        # a Key; plain id because Key is declared below
    corrects = pw.ForeignKeyField("self", null=True, backref="corrections")
    done_at = UTCDateTimeField(null=True)      # instructions and incidents carry over until done
    done_by = pw.ForeignKeyField(Staff, null=True, backref="+")

    class Meta:
        # The console's read of what is carried over (kind IN (instruction, incident) AND done_at IS NULL):
        # found through this index, not a scan of every entry the site ever wrote.
        indexes = ((("kind", "done_at"), False),)


class Handover(BaseModel):
    """One handover of the desk: the sheet as compiled (JSON, kept as it was listed), who handed to
    whom, the supervisor's sign-off when one is needed. Closed once acknowledged: later words are addenda."""
    shift = pw.ForeignKeyField(Shift, backref="handovers")
    from_staff = pw.ForeignKeyField(Staff, backref="+")
    to_staff = pw.ForeignKeyField(Staff, null=True, backref="+")
    compiled_at = UTCDateTimeField(index=True)
    sheet = pw.TextField()                     # JSON: the compiled sheet, never rewritten
    status = pw.CharField(default="open")      # open | closed | abandoned
    needs_supervisor = pw.BooleanField(default=False)
    received_at = UTCDateTimeField(null=True)  # the incoming operator signed on at the handover
    supervisor = pw.ForeignKeyField(Staff, null=True, backref="+")
    supervised_at = UTCDateTimeField(null=True)
    supervisor_note = pw.TextField(default="")
    closed_at = UTCDateTimeField(null=True)


class HandoverAck(BaseModel):
    """The incoming operator's answer to one item of the sheet: acknowledged, or queried with a question."""
    handover = pw.ForeignKeyField(Handover, backref="acks")
    section = pw.CharField()
    item = pw.CharField()                      # the item's key in the sheet, e.g. "order:12"
    kind = pw.CharField()                      # ack | query
    question = pw.TextField(default="")
    at = UTCDateTimeField()
    by = pw.ForeignKeyField(Staff, backref="+")

    class Meta:
        indexes = ((("handover", "section", "item"), False),)


class HandoverAddendum(BaseModel):
    handover = pw.ForeignKeyField(Handover, backref="addenda")
    at = UTCDateTimeField()
    author = pw.ForeignKeyField(Staff, backref="+")
    text = pw.TextField()


class DeskSignOff(BaseModel):
    """Leaving the desk without a handover: recorded, and listed on the next handover."""
    shift = pw.ForeignKeyField(Shift, backref="sign_offs")
    staff = pw.ForeignKeyField(Staff, backref="+")
    at = UTCDateTimeField(index=True)
    note = pw.TextField(default="")
    handover = pw.ForeignKeyField(Handover, null=True, backref="sign_offs")  # the handover that listed it


class Key(BaseModel):
    tag = pw.CharField(unique=True)
    label = pw.CharField()
    opens = pw.CharField(default="")
    kind = pw.CharField()                      # unit_spare | plant_room | office | common_area | master
    unit = pw.ForeignKeyField(Unit, null=True, backref="keys")
    hook = pw.CharField(default="")
    copies = pw.IntegerField(default=1)
    status = pw.CharField(default="board", index=True)  # board | out | lost | broken | retired


class KeyLoan(BaseModel):
    key = pw.ForeignKeyField(Key, backref="loans")
    issued_at = UTCDateTimeField()
    issued_by = pw.ForeignKeyField(Staff, backref="+")
    holder_kind = pw.CharField()               # staff | contractor | owner
    holder_name = pw.CharField()
    holder_company = pw.CharField(default="")
    holder_document = pw.CharField(default="")
    purpose = pw.TextField(default="")
    order = pw.ForeignKeyField(WorkOrder, null=True, backref="key_loans")
    due_at = UTCDateTimeField()
    authorised_by = pw.ForeignKeyField(Staff, null=True, backref="+")
    returned_at = UTCDateTimeField(null=True)
    received_by = pw.ForeignKeyField(Staff, null=True, backref="+")
    condition = pw.CharField(default="")       # fine | damaged
    note = pw.TextField(default="")
    holder_staff = pw.ForeignKeyField(Staff, null=True, backref="+")   # a staff holder on the staff list
    holder_unit = pw.ForeignKeyField(Unit, null=True, backref="+")     # an owner's or tenant's unit
    authorised_name = pw.CharField(default="")  # who authorised, when not a supervisor verified here
    overnight = pw.BooleanField(default=False)  # due back after the next morning: supervisor approved

    class Meta:
        indexes = ((("key", "returned_at"), False),)


class KeyReport(BaseModel):
    """A key reported lost or broken (or returned damaged): it leaves the board with this report."""
    key = pw.ForeignKeyField(Key, backref="reports")
    loan = pw.ForeignKeyField(KeyLoan, null=True, backref="+")
    kind = pw.CharField()                      # lost | broken
    at = UTCDateTimeField()
    by = pw.ForeignKeyField(Staff, backref="+")
    note = pw.TextField(default="")


class Technician(BaseModel):
    """Someone a work order can be dispatched to, by department; the on-call ones are offered first."""
    department = pw.CharField()                # an orders.DEPARTMENTS id
    name = pw.CharField()
    phone = pw.CharField(default="")
    on_call = pw.BooleanField(default=False)
    active = pw.BooleanField(default=True)     # False: no longer offered; never deleted
    updated_at = UTCDateTimeField()

    class Meta:
        indexes = ((("department", "name"), True),)


class AuditEvent(BaseModel):
    """Append-only: who did what, when, with the record before and after. Each event carries a
    hash of the previous one, so an edit behind the program's back breaks the chain."""
    at = UTCDateTimeField()
    actor = pw.ForeignKeyField(Staff, null=True, backref="+")
    action = pw.CharField()
    entity = pw.CharField()
    entity_id = pw.IntegerField(null=True)
    data = pw.TextField(default="{}")          # JSON: {"before": {...}, "after": {...}, ...}
    prev_hash = pw.CharField(default="")
    hash = pw.CharField(default="")

    class Meta:
        # (action, at): the monthly figures read the call-backs made in a month.
        indexes = ((("entity", "entity_id"), False), (("action", "at"), False))



# --- the front desk's other registers (domain.md §6; frontdesk.py) ---------------------------
# Personal data (names, phones, ID digits) are blanked in place after the site's retention days:
# `purged_at` says when; the records and their counts remain.

class Parcel(BaseModel):
    """A parcel or letter received for a unit or a person, until collected or returned to sender."""
    received_at = UTCDateTimeField(index=True)
    received_by = pw.ForeignKeyField(Staff, backref="+")
    unit = pw.ForeignKeyField(Unit, null=True, backref="parcels")
    addressee = pw.CharField(default="")
    carrier = pw.CharField()
    tracking = pw.CharField(default="", index=True)
    size = pw.CharField(default="")            # "" | small | medium | large
    shelf = pw.CharField(default="")
    status = pw.CharField(default="waiting", index=True)  # waiting | collected | returned
    notified_at = UTCDateTimeField(null=True)  # the last notice; every one is in the audit history
    notified_by = pw.ForeignKeyField(Staff, null=True, backref="+")
    notified_how = pw.CharField(default="")    # phone | sms | wechat | note
    notice_count = pw.IntegerField(default=0)
    collected_at = UTCDateTimeField(null=True)
    handed_by = pw.ForeignKeyField(Staff, null=True, backref="+")
    collector = pw.CharField(default="")
    collector_is_addressee = pw.BooleanField(default=True)
    authority = pw.CharField(default="")       # what an authorised collector showed
    id_type = pw.CharField(default="")
    id_last4 = pw.CharField(default="")        # the last four characters only, never the full number
    signed = pw.BooleanField(default=False)
    returned_at = UTCDateTimeField(null=True)
    returned_by = pw.ForeignKeyField(Staff, null=True, backref="+")
    note = pw.TextField(default="")
    purged_at = UTCDateTimeField(null=True)
    updated_at = UTCDateTimeField()


class Visitor(BaseModel):
    """A visit: signed in at the desk, on site until signed out. A VIP may be signed in ahead
    (`expected_at`): no time in until they arrive; signed out before that, they did not come."""
    arrived_at = UTCDateTimeField(null=True, index=True)   # None: an expected VIP not here yet
    signed_in_by = pw.ForeignKeyField(Staff, backref="+")
    name = pw.CharField()
    party_size = pw.IntegerField(default=1)
    unit = pw.ForeignKeyField(Unit, null=True, backref="visitors")
    destination = pw.CharField(default="")     # an office or place, when not a unit
    purpose = pw.TextField(default="")
    host_confirmed_by = pw.CharField(default="")  # who confirmed by phone ("" = not confirmed)
    pass_no = pw.CharField(default="")
    id_type = pw.CharField(default="")
    id_last4 = pw.CharField(default="")
    phone = pw.CharField(default="")
    vip = pw.BooleanField(default=False)
    left_at = UTCDateTimeField(null=True, index=True)
    signed_out_by = pw.ForeignKeyField(Staff, null=True, backref="+")
    purged_at = UTCDateTimeField(null=True)
    updated_at = UTCDateTimeField()
    # Schema 6 (VIP arrivals, 003 §8 1.1.5): added at the end, where ALTER TABLE puts them.
    expected_at = UTCDateTimeField(null=True)   # a VIP's announced arrival
    leaves_at = UTCDateTimeField(null=True)     # a VIP's announced departure


class GoodsPass(BaseModel):
    """A goods-release pass (物品放行): checked and issued at the desk, released at the gate."""
    issued_at = UTCDateTimeField(index=True)
    issued_by = pw.ForeignKeyField(Staff, backref="+")
    unit = pw.ForeignKeyField(Unit, null=True, backref="goods_passes")
    requester = pw.CharField()
    requester_kind = pw.CharField()            # owner | tenant | authorised
    authorisation = pw.TextField(default="")   # an authorised person's: from whom, what was shown
    items = pw.TextField()
    move_out = pw.BooleanField(default=False)
    checks = pw.TextField(default="")          # what the desk checked (a move-out: arrears, keys, passes)
    valid_until = UTCDateTimeField()
    status = pw.CharField(default="issued", index=True)   # issued | released | void
    released_at = UTCDateTimeField(null=True)
    released_by = pw.ForeignKeyField(Staff, null=True, backref="+")
    gate_note = pw.TextField(default="")
    updated_at = UTCDateTimeField()


class LostItem(BaseModel):
    """Lost and found: found where, by whom, what, kept where; claimed by whom."""
    found_at = UTCDateTimeField(index=True)
    recorded_by = pw.ForeignKeyField(Staff, backref="+")
    found_where = pw.CharField()
    found_by = pw.CharField(default="")
    description = pw.TextField()
    stored_where = pw.CharField(default="")
    status = pw.CharField(default="kept", index=True)     # kept | claimed
    claimed_at = UTCDateTimeField(null=True)
    claimant = pw.CharField(default="")
    id_type = pw.CharField(default="")
    id_last4 = pw.CharField(default="")
    handed_by = pw.ForeignKeyField(Staff, null=True, backref="+")
    purged_at = UTCDateTimeField(null=True)
    updated_at = UTCDateTimeField()


class SearchDoc(BaseModel):
    """The searchable words of one record (search_index.py): `id` says which kind and which record,
    `body` is its text. Derived data, rewritten in the transaction of every write; not exported."""
    id = pw.BigAutoField(primary_key=True)   # INTEGER PRIMARY KEY (the rowid) on SQLite, BIGINT elsewhere
    body = pw.TextField()


MODELS = [SchemaMeta, Unit, Staff, Call, WorkOrder, ReminderAck, Shift, ShiftLogEntry, Key, KeyLoan, KeyReport, AuditEvent,
          Handover, HandoverAck, HandoverAddendum, DeskSignOff, Technician, FollowUp,
          Parcel, Visitor, GoodsPass, LostItem, SearchDoc]



def is_sqlite(db=None) -> bool:
    db = db or database.obj
    return isinstance(db, pw.SqliteDatabase)


# A console's SQLite page cache, KiB a connection (SQLite's default is 2,000). Its reads go by index to
# the open work, and the pages stay in the system's file cache: with 500 a console's first read is as fast
# and its peak memory ≈1 MB lower (bench/README.md). Commands that scan (export, reports, a migration)
# keep the default.
CONSOLE_CACHE_KIB = 500


def console_cache() -> None:
    """The open connection, and every one this process opens from now on, keeps CONSOLE_CACHE_KIB of pages."""
    if is_sqlite():
        database.pragma("cache_size", -CONSOLE_CACHE_KIB, permanent=True)


def sqlite_path(url: str) -> Path | None:
    if url.startswith("sqlite:///"):
        return Path(url.removeprefix("sqlite:///"))
    return None


SQLITE_PRAGMAS = {
    "journal_mode": "wal",
    "busy_timeout": 10_000,     # ms: a writer waits this long for another console's transaction
    "foreign_keys": 1,
    # NORMAL in WAL mode: a power cut may lose the last commits, never corrupts (README says so).
    "synchronous": "normal",
}


def _create_private_file(path: Path) -> None:
    """Create the database file group-readable and -writable, no world access; SQLite gives its
    -wal and -shm files the same mode as the database file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        fd = os.open(path, os.O_CREAT | os.O_WRONLY, 0o660)
        os.close(fd)
        os.chmod(path, 0o660)


def describe(url: str | None) -> str:
    """The database named for a person or the log: a SQLite file's path, a server's URL without its
    user name and password."""
    if not url:
        return "-"
    path = sqlite_path(url)
    if path is not None:
        return str(path)
    parts = urllib.parse.urlsplit(safe_url(url))  # a password=... of the query too
    host = (parts.hostname or "") + (f":{parts.port}" if parts.port else "")
    return urllib.parse.urlunsplit(parts._replace(netloc=host))


def rw_uri(path: Path) -> str:
    """The SQLite URI that opens `path` for reading and writing but never creates it: a connection
    opened after the file was removed (a worker thread's) fails instead of starting an empty database."""
    return f"file:{urllib.parse.quote(str(path))}?mode=rw"


def file_identity(path: Path) -> tuple[int, int] | None:
    """(device, inode) of the file `path` names now, or None if it names none."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    return st.st_dev, st.st_ino


# The SQLite file this process opened, and its identity then: the change feed compares the path with
# it, to notice the file moved, removed or replaced under a running console.
opened_file: tuple[Path, tuple[int, int] | None] | None = None

# Set when this process must not write any more (the file it opened is no longer the database):
# every desk write is refused with this message.
_refusal: str | None = None


def refuse_writes(message: str | None) -> None:
    global _refusal
    _refusal = message


# The engines deskconsole runs on: SQLite (a file) and PostgreSQL. Any other URL is refused plainly.
SERVER_SCHEMES = ("postgres", "postgresql", "postgresext", "postgresqlext", "psycopg3")


def _check_url(url: str) -> None:
    scheme = url.split("://", 1)[0].lower() if "://" in url else "sqlite"
    if scheme.removesuffix("+pool") not in SERVER_SCHEMES + ("sqlite",):
        raise SchemaError(f"{scheme}:// is not a database deskconsole runs on: give a SQLite file path "
                          "or a postgresql:// URL")


def open_database(url: str, *, must_exist: bool = False) -> pw.Database:
    """The database of `url`, not yet connected. A SQLite file is created (mode 0660) unless
    `must_exist`: a command that only reads refuses a file that is not there instead of making one."""
    _check_url(url)
    path = sqlite_path(url)
    if path is not None:
        if path.is_dir():
            raise SchemaError(f"{path} is a folder, not a database file")
        if must_exist and not path.exists():
            raise SchemaError(f"there is no database at {path}: check --db (deskconsole init makes a new one)")
        _create_private_file(path)
        global opened_file
        opened_file = (path, file_identity(path))
        # IMMEDIATE: a write transaction takes the write lock when it begins, so two consoles
        # never both read-then-write and deadlock on the upgrade from a read lock.
        return pw.SqliteDatabase(rw_uri(path), uri=True, pragmas=SQLITE_PRAGMAS, lock_type="IMMEDIATE", timeout=10)
    if is_postgres_url(url):
        conninfo, schema = postgres_target(url)
        load_psycopg()
        return SiteDatabase(conninfo, schema)
    from playhouse.db_url import connect as connect_url   # it loads psycopg too
    load_psycopg()
    try:
        return connect_url(url)
    except pw.ImproperlyConfigured as exc:
        raise SchemaError(f"{url.split('://', 1)[0]}:// needs its database driver installed ({exc})") from None


def load_psycopg() -> None:
    """Give peewee the psycopg driver it did not load on import (see the top of this module)."""
    if pw.psycopg is not None:
        return
    from . import openssl
    openssl.let_in()   # libpq's TLS, and psycopg's ctypes fallback imports ssl
    try:
        import psycopg
        from psycopg.pq import TransactionStatus
        from psycopg.types.json import Json, Jsonb
    except ImportError:
        return   # peewee says "psycopg postgres driver not found" when it is needed
    pw.psycopg, pw.TransactionStatus, pw.Json_pg3, pw.Jsonb_pg3 = psycopg, TransactionStatus, Json, Jsonb
    # What peewee's adapter takes from the driver when its class is made.
    adapter = pw.Psycopg3Adapter
    adapter.txn_idle, adapter.txn_inerror, adapter.txn_unknown = \
        TransactionStatus.IDLE, TransactionStatus.INERROR, TransactionStatus.UNKNOWN


def _os_error(exc: OSError, where) -> StoreError:
    if isinstance(exc, (FileExistsError, NotADirectoryError)):
        return StoreError(f"cannot make the database {where}: {exc.filename} is a file, not a folder",
                          kind="cannot_open")
    return StoreError(f"cannot open the database {where}: {exc.strerror or exc}", kind="cannot_open")


def connect(url: str, *, migrate_schema: bool = True, must_exist: bool = False, progress=None) -> pw.Database:
    """Open the database of `url`, bind the models to it, and bring its schema up to date
    (`progress(done, total)` is told how far a long migration step is). What stops it (a file that is
    not a database, a folder, a read-only or full disk, a missing driver) is a SchemaError or
    StoreError with a plain message; a server that cannot be reached (down, a wrong password, no such
    database) is an Unreachable."""
    from . import search_index
    where = sqlite_path(url) or url.split("://", 1)[0] + "://"
    refuse_writes(None)
    try:
        db = open_database(url, must_exist=must_exist)
        database.initialize(db)
        try:
            db.connect(reuse_if_open=True)
        except CONNECTION_ERRORS as exc:
            if is_sqlite(db):
                raise
            raise unreachable(exc, url) from None
        if migrate_schema:
            migrate(db, url, progress=progress)
        # A database opened at an older schema without migrating has no index to keep, or no tail (7).
        tables = db.get_tables()
        search_index.enabled, search_index.tail = "search_doc" in tables, "search_pending" in tables
    except OSError as exc:
        raise _os_error(exc, where) from None
    except pw.ImproperlyConfigured as exc:
        raise SchemaError(f"{where} needs its database driver installed ({exc})") from None
    except (pw.DatabaseError, sqlite3.Error) as exc:
        if "not a database" in str(exc) or "malformed" in str(exc):
            raise SchemaError(f"{where} is not a deskconsole database ({exc})") from None
        if "unable to open" in str(exc):
            raise StoreError(f"cannot open the database {where}: {exc}", kind="cannot_open") from None
        raise _store_error(exc) from None
    return db


def close() -> None:
    if database.obj is not None and not database.is_closed():
        try:
            database.close()
        except CONNECTION_ERRORS:
            pass  # a server connection that died: nothing to close


# --- PostgreSQL: one schema per site ------------------------------------------------------

# A site's schema name: what PostgreSQL takes unquoted, so it reads the same in psql and pg_dump -n;
# at most 48 characters, so its change feed's channel ("deskconsole_" + name) fits PostgreSQL's 63.
SITE_NAME = re.compile(r"[a-z_][a-z0-9_]{0,47}")
# Connection failures of the driver (psycopg raises OperationalError; peewee re-raises it as its own).
CONNECTION_ERRORS = (pw.OperationalError, pw.InterfaceError)
# SQLSTATEs after which a write transaction is tried again: serialization failure, deadlock, lock timeout.
RETRY_SQLSTATES = {"40001", "40P01", "55P03"}


def is_postgres_url(url: str) -> bool:
    return url.startswith(("postgresql://", "postgres://"))


def postgres_target(url: str) -> tuple[str, str]:
    """The libpq URL to connect with (without our `site` parameter) and the site's schema (`public`
    when the URL names none): postgresql://[user@]host[:port]/database?site=SITE[&libpq options]."""
    parts = urlsplit(url)
    query = parse_qsl(parts.query, keep_blank_values=True)
    sites = [value for key, value in query if key == "site"]
    schema = sites[-1] if sites else "public"
    if not SITE_NAME.fullmatch(schema):
        raise SchemaError(f"site={schema!r} in the database URL: a site is named with lower-case letters, "
                          "digits and _ (not starting with a digit), at most 48 characters")
    rest = urlencode([(key, value) for key, value in query if key != "site"], safe="/")
    return f"postgresql://{parts.netloc}{parts.path}" + (f"?{rest}" if rest else ""), schema


def safe_url(url: str) -> str:
    """The URL as it may be shown to the person who typed it: any password replaced by *** (the user
    name kept; `describe` is the log's form, without it)."""
    if sqlite_path(url) is not None or "://" not in url:
        return url
    parts = urlsplit(url)
    netloc = parts.netloc
    if parts.password is not None:
        netloc = netloc.replace(":" + parts.password + "@", ":***@", 1)
    query = urlencode([(k, "***" if k == "password" else v) for k, v in parse_qsl(parts.query, keep_blank_values=True)],
                      safe="/")
    return f"{parts.scheme}://{netloc}{parts.path}" + (f"?{query}" if query else "")


def _sqlstate(exc: BaseException) -> str | None:
    """The server's error code of a driver exception that peewee wrapped (it keeps the original first)."""
    for candidate in (*(exc.args[:1] if exc.args else ()), exc.__cause__, exc.__context__, exc):
        code = getattr(candidate, "sqlstate", None) or getattr(candidate, "pgcode", None)
        if code:
            return code
    return None


def unreachable(exc: BaseException, url: str | None = None) -> Unreachable:
    """One plain line for a connection failure: where (without a password) and what the server said."""
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    # libpq: 'connection failed: connection to server at "db", port 5432 failed: FATAL:  password
    # authentication failed for user "desk"', sometimes with a hint on a second line.
    reason = "; ".join(lines[:2]) if lines else type(exc).__name__
    reason = re.sub(r"^(connection (failed|is bad): )?connection to server .*? failed: ", "", reason)
    reason = re.sub(r"^(FATAL|ERROR):\s+", "", reason)
    if url:
        password = urlsplit(url).password if is_postgres_url(url) else None
        if password:
            reason = reason.replace(password, "***")
        return Unreachable(_("cannot use the database {url}: {reason}"), url=safe_url(url), reason=reason)
    return Unreachable(_("the database cannot be used now: {reason}"), reason=reason)


class SiteDatabase(pw.PostgresqlDatabase):
    """PostgreSQL with the site's schema first on the search path of every connection, and writes
    serialised per site as SQLite's BEGIN IMMEDIATE serialises them (see begin_write)."""

    def __init__(self, conninfo: str, schema: str):
        super().__init__(conninfo, prefer_psycopg3=True)
        self.schema = schema
        # pg_advisory_xact_lock(int, int): one lock per site, so sites on one server never wait on each other.
        self.write_lock = (0x6465736B, zlib.crc32(schema.encode()) - 2**31)  # 0x6465736B: "desk"
        self.channel = f"deskconsole_{schema}"

    def _execute_cursor(self, sql, params, **cursor_options):
        try:
            return super()._execute_cursor(sql, params, **cursor_options)
        except CONNECTION_ERRORS:
            # A statement on a connection the server dropped (a restart, a failover) is tried once on a
            # new one, outside a transaction only: inside one, db.writes decides (the work may be lost).
            if self.in_transaction() or self.is_closed() or self.is_connection_usable():
                raise
            _drop_connection(self)
            return super()._execute_cursor(sql, params, **cursor_options)

    def _initialize_connection(self, conn):
        with conn.cursor() as cursor:
            # A writer waits at most 10 s for another console's transaction, as SQLite's busy timeout.
            cursor.execute(f'SET search_path TO "{self.schema}"; SET lock_timeout = \'10s\'')


def begin_write(db=None) -> None:
    """The first statement of a write transaction. PostgreSQL's READ COMMITTED lets two transactions
    read the same "last" audit hash or the same record state; this lock makes writers of one site take
    turns for the whole transaction, as BEGIN IMMEDIATE does on SQLite, so every read inside it sees
    every earlier commit. It also queues the change feed's notification (sent at commit, dropped on
    rollback). Taken again inside the same transaction it costs a round trip and changes nothing."""
    db = db or database.obj
    if isinstance(db, SiteDatabase):
        db.execute_sql("SELECT pg_advisory_xact_lock(%s, %s), pg_notify(%s, '')", (*db.write_lock, db.channel))


# --- schema version and migrations -------------------------------------------------------

def schema_version(db=None) -> int | None:
    db = db or database.obj
    if "schema_meta" not in db.get_tables():
        return None
    row = SchemaMeta.get_or_none(SchemaMeta.key == "schema_version")
    return int(row.value) if row else None


_progress = None


def progress(done: int, total: int) -> None:
    """A migration step says how far it is (shown as a bar by the command line when it is slow)."""
    if _progress is not None:
        _progress(done, total)


def migrate(db, url: str | None = None, *, target: int | None = None, progress=None) -> list[int]:
    """Create a fresh schema, or run the steps from the database's version to `target`.
    A SQLite file is copied aside before its first step runs. Returns the steps run."""
    global _progress
    from . import search_index
    target = SCHEMA_VERSION if target is None else target
    tables = db.get_tables()
    version = schema_version(db)
    if version is None:
        if tables:
            raise SchemaError("this database was not made by deskconsole (it has tables but no schema version)")
        with db.atomic():
            if isinstance(db, SiteDatabase):  # `deskconsole init` on a new site: its schema first
                db.execute_sql(f'CREATE SCHEMA IF NOT EXISTS "{db.schema}"')
            db.create_tables(MODELS)
            search_index.create(db)
            if isinstance(db, SiteDatabase):
                _unbounded_text(db)
            SchemaMeta.create(key="schema_version", value=str(target))
        log.info(f"database created with schema version {target}: {describe(url)}")
        return []
    if version > target:
        raise SchemaError(
            f"this database has schema version {version}; this program knows up to {target}: upgrade deskconsole"
        )
    steps = list(range(version + 1, target + 1))
    if steps and url and sqlite_path(url):
        copy = sqlite_path(url).with_name(f"{sqlite_path(url).name}.v{version}.bak")
        backup(copy)
        log.info(f"migrating {describe(url)} from schema version {version} to {target}; as it was: {copy}")
    _progress = progress
    try:
        for step in steps:
            with db.atomic():
                MIGRATIONS[step](db)
                if isinstance(db, SiteDatabase):  # a CharField a step added: text too
                    _unbounded_text(db)
                SchemaMeta.update(value=str(step)).where(SchemaMeta.key == "schema_version").execute()
            log.info(f"migrated to schema version {step}")
    finally:
        _progress = None
    return steps



# --- SQL built once ----------------------------------------------------------------------
# Peewee builds a statement's SQL anew at every execution, and on a desk save that costs more than
# SQLite running it (bench/README.md, "Issue 21: writes, sixth pass"). The statements every write runs
# (the record's INSERT, the audit chain's head, the unit typed) are built by peewee once per shape and
# engine and then executed with their values: the same SQL, the same values through the same field's
# db_value, the same driver call (`execute_sql`) as peewee's own path. BUILT_ONCE = False goes through
# peewee's own path instead (the tests compare what the two store).

BUILT_ONCE = True
_BUILT: dict = {}


class _Arg:
    """A value's place in SQL built once: the n-th argument, converted by `field` (as peewee converts
    a value compared with or stored in that field)."""

    __slots__ = ("n", "field")

    def __init__(self, n: int, field) -> None:
        self.n, self.field = n, field


def arg(n: int, field) -> pw.Value:
    """The n-th argument of a statement built once, in place of a value compared with `field`."""
    return pw.Value(_Arg(n, field), converter=False, unpack=False)


def built(key, build) -> tuple[str, list]:
    """The SQL of `build()` (a peewee query whose values are `arg`s) and its parameters, made once per
    key and engine (each time with BUILT_ONCE off)."""
    if not BUILT_ONCE:
        return build().sql()
    found_key = (key, type(database.obj))
    found = _BUILT.get(found_key)
    if found is None:
        found = _BUILT[found_key] = build().sql()
    return found


def _params(params: list, values) -> list:
    return [p.field.db_value(values[p.n]) if isinstance(p, _Arg) else p for p in params]


def execute_built(key, build, *values):
    """Execute the statement `build()` makes (built once, see `built`) with `values`: its cursor."""
    sql, params = built(key, build)
    return database.execute_sql(sql, _params(params, values))


def first(model, key, build, *values):
    """The first row of `build(v)`, a select of all of `model`'s columns whose values are `v(n, field)`,
    as the model instance peewee makes (None: no row). Its SQL is built once (`built`); with BUILT_ONCE
    off, `build` gets the values themselves and peewee runs the query its own way."""
    if not BUILT_ONCE:
        return build(lambda n, _field: values[n]).first()
    row = execute_built(key, lambda: build(arg), *values).fetchone()
    if row is None:
        return None
    found = model(__no_default__=1, **{f.name: f.python_value(v) for f, v in zip(model._meta.sorted_fields, row)})
    found._dirty.clear()
    return found


def create(model, **values):
    """`model.create(**values)` without building its INSERT each time: the instance peewee makes, its
    columns (the values given and the model's defaults) inserted with SQL peewee built once for that set
    of columns, the new id read as peewee reads it (the cursor's lastrowid on SQLite, RETURNING on
    PostgreSQL)."""
    if not BUILT_ONCE:
        return model.create(**values)
    made = model(**values)
    meta = model._meta
    data = made.__data__
    pk = meta.primary_key
    if (not meta.auto_increment or data.get(pk.name) is not None
            or any(isinstance(v, pw.Node) for v in data.values())):
        made.save(force_insert=True)   # an id given, or an expression: peewee's own path
        return made
    names = tuple(sorted(n for n in data if n != pk.name))
    fields = meta.fields
    cursor = execute_built(("insert", model, names),
                           lambda: model.insert({fields[n]: arg(i, fields[n]) for i, n in enumerate(names)}),
                           *(data[n] for n in names))
    if database.obj.returning_clause:
        row = cursor.fetchone()
        new_id = row[0] if row else None
    else:
        new_id = cursor.lastrowid
    if new_id is not None:
        made._pk = new_id
        made._dirty.discard(pk.name)
    made._dirty -= set(data)
    return made



# --- writes ------------------------------------------------------------------------------

def _unbounded_text(db) -> None:
    """A CharField is VARCHAR(255) on PostgreSQL, which refuses a longer value that SQLite stores as
    given: make them text, so a name or a note is kept (or refused by the desk) alike on both. The
    columns as they are in the site's schema, not as the models say: after a migration step the models
    are of a later version than the schema (a column a later step adds is not there yet)."""
    varchar = db.execute_sql("SELECT table_name, column_name FROM information_schema.columns WHERE "
                             "table_schema = current_schema() AND data_type = 'character varying'").fetchall()
    for table, column in varchar:
        db.execute_sql(f'ALTER TABLE "{table}" ALTER COLUMN "{column}" TYPE text')


def _is_busy(exc: Exception) -> bool:
    if _sqlstate(exc) in RETRY_SQLSTATES:
        return True
    text = str(exc).lower()
    return "locked" in text or "busy" in text


def _connection_lost(db) -> bool:
    """The connection of this thread is gone (a server restart, a failover): it must be opened anew."""
    return isinstance(db, pw.PostgresqlDatabase) and not db.is_closed() and not db.is_connection_usable()


def is_connection_failure(exc: BaseException, url: str | None = None) -> bool:
    """A failure of the server or of the link to it, on a server database (not SQLite's busy or I/O):
    the bound database's, or `url`'s (a command whose work ran in other processes binds none)."""
    on_server = isinstance(database.obj, SiteDatabase) or (url is not None and is_postgres_url(url))
    return isinstance(exc, (*CONNECTION_ERRORS, Unreachable)) and on_server


def revive(db=None) -> None:
    """Before a read after a failure: if this thread's connection died (a server restart), forget it,
    so the read opens a new one instead of failing on the dead one for ever."""
    db = db or database.obj
    if _connection_lost(db):
        _drop_connection(db)


def _drop_connection(db) -> None:
    """Forget this thread's dead connection; the next query opens a new one (peewee's autoconnect)."""
    try:
        db._state.conn.close()
    except Exception:  # noqa: BLE001 - it is dead already
        pass
    db._state.reset()


def _root_cause(exc: Exception) -> Exception:
    """SQLite rolls a transaction back by itself on some errors (a full disk, an I/O error); peewee's
    own rollback then fails with "no transaction is active", which would hide the real error."""
    while "no transaction is active" in str(exc) and isinstance(exc.__context__, (pw.DatabaseError, sqlite3.DatabaseError)):
        exc = exc.__context__
    return exc


def _store_error(exc: Exception) -> StoreError:
    exc = _root_cause(exc)
    text = str(exc).lower()
    if "readonly" in text or "read-only" in text:
        return StoreError(_("The database is read-only: nothing was saved. Tell the supervisor."), kind="read_only")
    if "full" in text:
        return StoreError(_("The disk is full: nothing was saved. Tell the supervisor."), kind="disk_full")
    if _is_busy(exc):
        return StoreError(_("The database stayed busy too long: nothing was saved. Try again."), kind="busy")
    return StoreError(_("The database refused the write: {error}"), kind="refused", error=str(exc))


# What a desk function refuses with (the support log records each refusal).
REFUSALS = (Refusal, SignOnError)


try:
    import fcntl
except ImportError:  # not on this system: SQLite's busy timeout alone keeps writers apart
    fcntl = None


class WriterLine:
    """SQLite's writers in one line. Left to SQLite, a writer that finds the write lock taken polls
    for it (its busy handler sleeps 1 ms, 2, 5 ... 100 ms between tries), so with many writers at
    once the lock sits free while they sleep, and one writer can miss its turn again and again (one
    save waited 4.7 s with 20 writers). Here a writer first waits on an flock of a small file beside
    the database (`<file>-writers`): the kernel wakes the next one the moment it is let go. Threads of
    one process take turns on a lock of their own first (an flock is shared by the whole process's
    descriptor). A writer that cannot open the file (a read-only folder) goes without the line:
    SQLite's busy timeout still keeps it correct."""

    def __init__(self) -> None:
        self._threads = threading.Lock()
        self._path: Path | None = None
        self._fd: int | None = None

    def _descriptor(self, path: Path) -> int | None:
        if path != self._path:
            if self._fd is not None:
                os.close(self._fd)   # our own file, never the database's (closing that would drop SQLite's locks)
            self._path, self._fd = path, None
            try:
                self._fd = os.open(f"{path}-writers", os.O_RDONLY | os.O_CREAT | os.O_CLOEXEC, 0o660)
            except OSError as exc:
                log.info(f"writers take turns by SQLite's busy timeout only: {exc}")
        return self._fd

    @contextlib.contextmanager
    def turn(self, path: Path | None):
        if path is None or fcntl is None:
            yield
            return
        with self._threads:
            fd = self._descriptor(path)
            if fd is not None:
                fcntl.flock(fd, fcntl.LOCK_EX)
            try:
                yield
            finally:
                if fd is not None:
                    fcntl.flock(fd, fcntl.LOCK_UN)


writer_line = WriterLine()


def _logged(error: StoreError, fn, cause: Exception) -> StoreError:
    log.warning(f"store error in {fn.__name__}: {_root_cause(cause)}")
    return error


def writes(fn):
    """A desk function that writes: one IMMEDIATE transaction (the audit event and the search index
    inside it), retried when another console holds the lock past the busy timeout, and any storage
    failure turned into a StoreError with a plain message. Safe to retry because nothing was committed.
    On PostgreSQL the transaction begins with the site's write lock (begin_write), and a connection the
    server dropped (a restart, a failover) is replaced and the write tried again, as long as nothing was
    committed."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        from . import audit, search_index
        db = database.obj
        if db.in_transaction():
            return fn(*args, **kwargs)
        if _refusal:
            log.warning(f"refused {fn.__name__}: the database file is not the one this process opened")
            raise StoreError(_refusal, kind="replaced")
        for attempt in range(5):
            committing = False
            try:
                if _connection_lost(db):
                    _drop_connection(db)
                line = opened_file[0] if is_sqlite(db) and opened_file else None
                with writer_line.turn(line), db.atomic():
                    begin_write(db)
                    with audit.collected() as events:
                        result = fn(*args, **kwargs)
                    # The records this write's audit events name are indexed in its own transaction:
                    # found the moment it commits, at every console (search_index.after_write).
                    search_index.after_write(events)
                    committing = True
                return result
            except REFUSALS as exc:
                log.info(f"refused {fn.__name__}: {type(exc).__name__}: {exc}")
                raise
            except (pw.OperationalError, pw.InterfaceError, sqlite3.OperationalError) as exc:
                if _is_busy(exc) and attempt < 4:
                    _time.sleep(0.05 * (attempt + 1) + random.random() * 0.05)
                    continue
                if isinstance(db, SiteDatabase) and (_connection_lost(db) or isinstance(exc, pw.InterfaceError)):
                    _drop_connection(db)
                    if committing:
                        log.warning(f"connection lost while {fn.__name__} committed: {exc}")
                        raise StoreError(_("The connection to the database was lost while saving: look whether it was saved before you save it again."), kind="lost") from exc  # noqa: E501
                    if attempt < 2:
                        log.warning(f"connection lost in {fn.__name__}, trying again on a new one: {exc}")
                        continue  # nothing was committed: again on a new connection (the server may be back)
                    raise _logged(StoreError(_("The database server cannot be reached: nothing was saved. What you typed is still here; try again in a moment."), kind="unreachable"), fn, exc) from exc  # noqa: E501
                if isinstance(exc, pw.InterfaceError):
                    raise
                raise _logged(_store_error(exc), fn, exc) from exc
            except (pw.DatabaseError, sqlite3.DatabaseError) as exc:
                if isinstance(exc, pw.IntegrityError):
                    raise
                raise _logged(_store_error(exc), fn, exc) from exc

    return wrapper


def backup(dest: Path) -> str:
    """A consistent copy while other consoles write: SQLite's online backup, or pg_dump of the site's
    schema (custom format, for pg_restore). Returns what was written, said for a person."""
    db = database.obj
    if not is_sqlite(db):
        return pg_backup(dest)[0]
    dest = Path(dest)
    live = Path(db.execute_sql("PRAGMA database_list").fetchone()[2])
    for suffix in ("", "-wal", "-shm", "-journal", "-writers"):
        part = Path(f"{live}{suffix}")
        same = file_identity(dest) is not None and file_identity(dest) == file_identity(part)
        if same or dest.resolve() == part.resolve():
            raise StoreError(f"{dest} is the database{' ' + suffix + ' file' if suffix else ''} itself: "
                             "a backup goes to a file of its own", kind="same_file")
    dest.parent.mkdir(parents=True, exist_ok=True)
    _create_private_file(dest)
    try:
        os.chmod(dest, 0o660)  # an older file in its place keeps its own mode otherwise (0644: world-readable)
    except PermissionError:
        pass  # not ours: its owner's mode stands
    target = sqlite3.connect(str(dest))
    try:
        db.connection().backup(target)
    finally:
        target.close()
    return str(dest)


def pg_dump_program() -> str | None:
    """pg_dump on PATH, else the newest of Debian's /usr/lib/postgresql/*/bin (not on PATH)."""
    import glob
    import shutil
    found = shutil.which("pg_dump")
    if found:
        return found
    versions = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_dump"),
                      key=lambda p: int(p.split("/")[4]) if p.split("/")[4].isdigit() else 0)
    return versions[-1] if versions else None


def pg_backup(dest: Path) -> tuple[str, tuple[int, str] | None]:
    """pg_dump of the bound site's schema (custom format, for pg_restore): what was written, and the
    newest audit event (id, hash) in the dump, read in the very snapshot pg_dump copies (exported from
    a REPEATABLE READ transaction), so the anchor `backup` prints is the copy's own. Without pg_dump,
    the refusal gives the command to run. The password never goes on a command line: libpq takes it
    from PGPASSWORD, ~/.pgpass or the service file, as for the console."""
    import shlex
    import subprocess
    db = database.obj
    if not isinstance(db, SiteDatabase):
        raise StoreError("backup copies SQLite databases and PostgreSQL sites; use your database's own tools",
                         kind="not_sqlite")
    dest = Path(dest)
    parts = urlsplit(db.database)
    netloc = parts.netloc.rsplit("@", 1)
    if len(netloc) == 2:  # user:password@host -> user@host
        netloc = [netloc[0].split(":", 1)[0] + "@" + netloc[1]]
    query = urlencode([(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != "password"], safe="/")
    url = f"postgresql://{netloc[0]}{parts.path}" + (f"?{query}" if query else "")
    args = ["--format=custom", f"--schema={db.schema}", f"--file={dest}", f"--dbname={url}"]
    program = pg_dump_program()
    command = "pg_dump " + " ".join(shlex.quote(a) for a in args)
    if program is None:
        raise StoreError(_("pg_dump is not installed here: run {command}"), kind="not_installed", command=command)
    dest.parent.mkdir(parents=True, exist_ok=True)
    password = urlsplit(db.database).password
    env = {**os.environ, **({"PGPASSWORD": password} if password and "PGPASSWORD" not in os.environ else {})}
    with db.atomic(isolation_level="REPEATABLE READ"):
        snapshot = db.execute_sql("SELECT pg_export_snapshot()").fetchone()[0]
        newest = db.execute_sql(f'SELECT id, hash FROM "{AuditEvent._meta.table_name}" ORDER BY id DESC LIMIT 1').fetchone()
        result = subprocess.run([program, *args, f"--snapshot={snapshot}"], capture_output=True, text=True, env=env)
    if result.returncode != 0:
        lines = [line for line in result.stderr.splitlines() if line.strip()]
        raise StoreError(_("pg_dump failed: {error}"), kind="refused", error=lines[-1] if lines else result.returncode)
    os.chmod(dest, 0o660)
    return str(dest), (tuple(newest) if newest else None)


def others_have_it_open(path: Path) -> bool:
    """Whether another process has the SQLite database at `path` open. In WAL mode each process with a
    connection holds a read lock on one byte of the -shm file (SQLite's "DMS" byte, offset 128) for as
    long as the connection is open: a write lock on it is refused while anyone does. Call it before
    this process opens the database (POSIX locks are per process: this one's own would not count, and
    closing the file here would drop them). False where it cannot tell (no fcntl)."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - not POSIX: the backup API still keeps the restore whole
        return False
    try:
        fd = os.open(f"{path}-shm", os.O_RDWR)
    except OSError:
        return False  # no -shm: nobody has it open (the last connection to close removes it)
    try:
        fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB, 1, 128, os.SEEK_SET)
    except OSError:
        return True
    else:
        fcntl.lockf(fd, fcntl.LOCK_UN, 1, 128, os.SEEK_SET)
        return False
    finally:
        os.close(fd)


SQLITE_HEADER = b"SQLite format 3\x00"


def restore(source: Path, target: Path) -> Path | None:
    """Put the database `source` in place as `target` through SQLite's backup API (all its pages, in one
    write transaction, with `target`'s -wal and -shm kept right; a copy of the files would tear them).
    What `target` held before is kept beside it first (returned; None when there was no file). A
    damaged database is written over; a file that is not a SQLite database at all is refused."""
    try:
        return _restore(source, target)
    except OSError as exc:
        raise _os_error(exc, target) from None


def _restore(source: Path, target: Path) -> Path | None:
    if target.is_dir():
        raise SchemaError(f"{target} is a folder, not a database file")
    if target.exists() and target.stat().st_size:
        with open(target, "rb") as f:
            if f.read(len(SQLITE_HEADER)) != SQLITE_HEADER:
                raise SchemaError(f"{target} is not a deskconsole database: restore writes only over a "
                                  "database; move the file away first")
    kept = None
    if target.exists() and target.stat().st_size:
        stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
        kept = target.with_name(f"{target.name}.before-restore-{stamp}.bak")
        _create_private_file(kept)
        try:
            with sqlite_file(target) as live, sqlite_file(kept) as aside:
                live.backup(aside)
        except sqlite3.DatabaseError:
            # Not a database at all (it is what is being repaired): its bytes go aside, it goes away.
            import shutil
            shutil.copyfile(target, kept)
            for suffix in ("", "-wal", "-shm"):
                Path(f"{target}{suffix}").unlink(missing_ok=True)
    _create_private_file(target)
    with sqlite_file(source, read_only=True) as backup_db, sqlite_file(target) as live:
        backup_db.backup(live)
    return kept


class sqlite_file:
    """A plain sqlite3 connection to a file, closed after the `with` (sqlite3's own context manager
    only commits)."""

    def __init__(self, path: Path, read_only: bool = False) -> None:
        self.conn = sqlite3.connect(f"file:{urllib.parse.quote(str(path))}?mode={'ro' if read_only else 'rw'}",
                                    uri=True, timeout=10)

    def __enter__(self) -> sqlite3.Connection:
        return self.conn

    def __exit__(self, *exc) -> None:
        self.conn.close()


@contextlib.contextmanager
def tolerant_text():
    """Within it, text that is not UTF-8 (written outside the program) reads with its odd bytes kept as
    surrogates instead of stopping the read: `check` then reports the record or event it is in."""
    conn = database.connection() if is_sqlite() else None
    if conn is None:
        yield
        return
    before = conn.text_factory
    conn.text_factory = lambda raw: raw.decode("utf-8", "surrogateescape")
    try:
        yield
    finally:
        conn.text_factory = before


def integrity_problems(*, older_is_fine: bool = False) -> list[str]:
    """What is wrong with the database itself (the audit chain is checked by audit.verify_chain).
    `older_is_fine`: an older schema version is no problem (a backup to restore, migrated after)."""
    db = database.obj
    problems = []
    if is_sqlite(db):
        result = [row[0] for row in db.execute_sql("PRAGMA integrity_check").fetchall()]
        if result != ["ok"]:
            problems += [f"integrity: {r}" for r in result]
        fk = db.execute_sql("PRAGMA foreign_key_check").fetchall()
        problems += [f"foreign key: table {r[0]} row {r[1]} points at a missing {r[2]}" for r in fk]
    try:
        version = schema_version(db)
    except ValueError:
        row = SchemaMeta.get(SchemaMeta.key == "schema_version")
        return problems + [f"schema version is {row.value!r}, not a number"]
    if version is None:
        problems.append("not a deskconsole database: it has no schema version")
    elif version > SCHEMA_VERSION or version < SCHEMA_VERSION and not older_is_fine:
        problems.append(f"schema version is {version}, expected {SCHEMA_VERSION}")
    return problems


# The steps of MIGRATIONS, defined where they can read the models above.
from . import migrations  # noqa: E402,F401
