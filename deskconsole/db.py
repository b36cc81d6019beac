"""The database: Peewee models, connect(url) with the pragmas, the schema version and migrations.

Every time is stored as naive UTC text of fixed width, so SQLite compares them in order.
Nothing is ever deleted: records are closed, voided, returned or retired instead.
"""
from __future__ import annotations

import functools
import os
import random
import sqlite3
import time as _time
from datetime import datetime, timezone
from pathlib import Path

import peewee as pw
from playhouse.db_url import connect as connect_url

from .errors import Refusal
from .i18n import _

database = pw.DatabaseProxy()

SCHEMA_VERSION = 2
# version -> function(db) that brings a database from version-1 to version. Each later issue
# that changes the schema adds a step here and a fixture of the previous version in tests/fixtures.
# A long step reports how far it is with `progress(done, total)` (a bar on the terminal).
MIGRATIONS: dict[int, callable] = {}


class SchemaError(RuntimeError):
    """The database cannot be used by this program (too new, or not a deskconsole database)."""


class StoreError(Refusal, RuntimeError):
    """A write that could not be made, said plainly; `kind` is read_only | disk_full | busy | refused
    (with the driver's `error` text) | not_sqlite."""

    def __init__(self, message: str, /, *, kind: str, **values):
        super().__init__(message, **values)
        self.kind = kind


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
    owner_phone = pw.CharField(default="")
    handed_over = pw.BooleanField(default=True)  # False: not yet taken over (未入伙), spare keys at the desk


class Staff(BaseModel):
    code = pw.CharField(unique=True)
    name = pw.CharField()
    role = pw.CharField()                      # guard | receptionist | supervisor | system
    pin_hash = pw.CharField(default="")        # scrypt$n$r$p$salt$hash; never exported
    active = pw.BooleanField(default=True)
    failed_attempts = pw.IntegerField(default=0)
    locked_until = UTCDateTimeField(null=True)
    created_at = UTCDateTimeField()


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

    class Meta:
        indexes = ((("status", "resolve_due_at"), False),)


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
        indexes = ((("entity", "entity_id"), False),)


class SearchDoc(BaseModel):
    """The searchable words of one record (search_index.py): `id` says which kind and which record,
    `body` is its text. Derived data, rewritten in the transaction of every write; not exported."""
    id = pw.BigAutoField(primary_key=True)   # INTEGER PRIMARY KEY (the rowid) on SQLite, BIGINT elsewhere
    body = pw.TextField()


MODELS = [SchemaMeta, Unit, Staff, Call, WorkOrder, ReminderAck, Shift, ShiftLogEntry, Key, KeyLoan, KeyReport, AuditEvent,
          Handover, HandoverAck, HandoverAddendum, DeskSignOff, SearchDoc]


def is_sqlite(db=None) -> bool:
    db = db or database.obj
    return isinstance(db, pw.SqliteDatabase)


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


def open_database(url: str) -> pw.Database:
    path = sqlite_path(url)
    if path is not None:
        _create_private_file(path)
        # IMMEDIATE: a write transaction takes the write lock when it begins, so two consoles
        # never both read-then-write and deadlock on the upgrade from a read lock.
        return pw.SqliteDatabase(str(path), pragmas=SQLITE_PRAGMAS, lock_type="IMMEDIATE", timeout=10)
    return connect_url(url)


def connect(url: str, *, migrate_schema: bool = True, progress=None) -> pw.Database:
    """Open the database of `url`, bind the models to it, and bring its schema up to date
    (`progress(done, total)` is told how far a long migration step is)."""
    from . import search_index
    db = open_database(url)
    database.initialize(db)
    db.connect(reuse_if_open=True)
    if migrate_schema:
        migrate(db, url, progress=progress)
    # A database opened at an older schema without migrating has no index to keep.
    search_index.enabled = "search_doc" in db.get_tables()
    return db


def close() -> None:
    if database.obj is not None and not database.is_closed():
        database.close()


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
            db.create_tables(MODELS)
            search_index.create(db)
            SchemaMeta.create(key="schema_version", value=str(target))
        return []
    if version > target:
        raise SchemaError(
            f"this database has schema version {version}; this program knows up to {target}: upgrade deskconsole"
        )
    steps = list(range(version + 1, target + 1))
    if steps and url and sqlite_path(url):
        backup(sqlite_path(url).with_name(f"{sqlite_path(url).name}.v{version}.bak"))
    _progress = progress
    try:
        for step in steps:
            with db.atomic():
                MIGRATIONS[step](db)
                SchemaMeta.update(value=str(step)).where(SchemaMeta.key == "schema_version").execute()
    finally:
        _progress = None
    return steps


def _search_index(db) -> None:
    """2: the search index (issue 19): its tables, then every record indexed; and the index of a unit's
    calls by time (the dossier)."""
    from . import search_index
    Call._schema.create_indexes(safe=True)
    search_index.install(db, progress)


MIGRATIONS[2] = _search_index


# --- writes ------------------------------------------------------------------------------

def _is_busy(exc: Exception) -> bool:
    text = str(exc).lower()
    return "locked" in text or "busy" in text


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


def writes(fn):
    """A desk function that writes: one IMMEDIATE transaction (the audit event and the search index
    inside it), retried when another console holds the lock past the busy timeout, and any storage
    failure turned into a StoreError with a plain message. Safe to retry because nothing was committed."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        from . import search_index
        db = database.obj
        if db.in_transaction():
            return fn(*args, **kwargs)
        for attempt in range(5):
            try:
                with db.atomic():
                    mark = search_index.mark()
                    result = fn(*args, **kwargs)
                    # The records this write's audit events name are indexed in its own transaction:
                    # found the moment it commits, at every console (search_index.after_write).
                    search_index.after_write(mark)
                    return result
            except (pw.OperationalError, sqlite3.OperationalError) as exc:
                if _is_busy(exc) and attempt < 4:
                    _time.sleep(0.05 * (attempt + 1) + random.random() * 0.05)
                    continue
                raise _store_error(exc) from exc
            except (pw.DatabaseError, sqlite3.DatabaseError) as exc:
                if isinstance(exc, pw.IntegrityError):
                    raise
                raise _store_error(exc) from exc

    return wrapper


def backup(dest: Path) -> None:
    """SQLite's online backup: a consistent copy while other consoles write."""
    db = database.obj
    if not is_sqlite(db):
        raise StoreError("backup copies SQLite databases; use your PostgreSQL tools for a server database",
                         kind="not_sqlite")
    dest = Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    _create_private_file(dest)
    target = sqlite3.connect(str(dest))
    try:
        db.connection().backup(target)
    finally:
        target.close()


def integrity_problems() -> list[str]:
    """What is wrong with the database itself (the audit chain is checked by audit.verify_chain)."""
    db = database.obj
    problems = []
    if is_sqlite(db):
        result = [row[0] for row in db.execute_sql("PRAGMA integrity_check").fetchall()]
        if result != ["ok"]:
            problems += [f"integrity: {r}" for r in result]
        fk = db.execute_sql("PRAGMA foreign_key_check").fetchall()
        problems += [f"foreign key: table {r[0]} row {r[1]} points at a missing {r[2]}" for r in fk]
    version = schema_version(db)
    if version != SCHEMA_VERSION:
        problems.append(f"schema version is {version}, expected {SCHEMA_VERSION}")
    return problems
