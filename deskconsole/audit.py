"""The audit trail: one event per write, in the write's own transaction, chained by hash."""
from __future__ import annotations

import contextlib
import hashlib
import json
import threading
from datetime import date, datetime
from decimal import Decimal

import peewee as pw

from . import db
from .db import AuditEvent, UTCDateTimeField

_TIME = UTCDateTimeField()


def _jsonable(value):
    if isinstance(value, datetime):
        return _TIME.db_value(value)
    if isinstance(value, (date, Decimal)):
        return str(value)
    return str(value)


def _digest(prev_hash: str, at: str, actor_id, action: str, entity: str, entity_id, data: str) -> str:
    payload = json.dumps([prev_hash, at, actor_id, action, entity, entity_id, data], ensure_ascii=False)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


# The records whose state the events seal: an event of a call, a work order, a staff member or a key
# carries ("state") a digest of that record as stored when the event is written, after the change (a
# key's event also its newest loan, the only loan a key's events change). `check` compares every
# such record with the digest its last event sealed: a record changed behind the program's back (a
# call's text, a void, a guard made supervisor, a PIN hash copied) no longer matches.
# The columns sealed, as they are in schema version 1, named here once and for all: a column a later
# version adds (a migration) leaves the digests sealed before it valid. A column that must be sealed
# too is added with a new list under a new seal version, not to these.
SEALED_COLUMNS = {
    "call": "received_at channel category caller unit_id phone text taken_by_id status reply_due_at answered_at "
            "answered_by_id answer message_for message_from callback_number delivered_at delivered_by_id "
            "void_reason updated_at",
    "work_order": "created_at created_by_id call_id unit_id location sla_class description department assignee "
                  "status chargeable fee_agreed clock_started_at respond_due_at resolve_due_at dispatched_at "
                  "dispatched_by_id booked_visit_at responded_at done_at closed_at updated_at updated_by_id "
                  "resolve_started_at work_done materials hours fee callback_at callback_by_id satisfied "
                  "reopen_count pending pending_at pending_by_id pending_reason pending_until pending_owner_caused "
                  "pending_owner_consent pending_first_approval_id extension_count end_reason signed_off_by_id",
    "staff": "code name role pin_hash active failed_attempts locked_until created_at",
    "key": "tag label opens kind unit_id hook copies status",
    "key_loan": "key_id issued_at issued_by_id holder_kind holder_name holder_company holder_document purpose "
                "order_id due_at authorised_by_id returned_at received_by_id condition note holder_staff_id "
                "holder_unit_id authorised_name overnight",
}
SEALED = {"call": db.Call, "work_order": db.WorkOrder, "staff": db.Staff, "key": db.Key, "key_loan": db.KeyLoan}


def row_state(row) -> str:
    """A record's digest: its id and sealed columns as stored (empty values left out)."""
    values = [v for v in row if v is not None and v != ""]
    return hashlib.sha256(json.dumps(values, default=str).encode()).hexdigest()[:16]


def _rows(entity: str, row_id: int | None = None):
    """A cursor over the id and sealed columns of a sealed table as stored, or of one of its records."""
    columns = ", ".join(f'"{c}"' for c in ["id", *SEALED_COLUMNS[entity].split()])
    sql = f'SELECT {columns} FROM "{SEALED[entity]._meta.table_name}"'
    params = ()
    if row_id is not None:
        sql, params = sql + f" WHERE id = {db.database.param}", (row_id,)
    return db.database.execute_sql(sql + " ORDER BY id", params)


def _seal(entity: str, entity_id: int | None) -> dict[str, str]:
    if entity not in SEALED or entity_id is None:
        return {}
    records = [(entity, entity_id)]
    if entity == "key":
        loan = db.KeyLoan.select(pw.fn.MAX(db.KeyLoan.id)).where(db.KeyLoan.key == entity_id).scalar()
        if loan is not None:
            records.append(("key_loan", loan))
    state = {}
    for name, row_id in records:
        row = _rows(name, row_id).fetchone()
        if row is not None:
            state[f"{name}:{row_id}"] = row_state(row)
    return state


_written = threading.local()


@contextlib.contextmanager
def collected():
    """The events this thread appends while the block runs, as (entity, entity_id, action, data, made):
    `db.writes` hands them to the search index, which so need not read them back (nor, for a record the
    write created and handed as `made`, the record itself)."""
    events: list[tuple] = []
    outer = getattr(_written, "events", None)
    _written.events = events
    try:
        yield events
    finally:
        _written.events = outer


def _head_query():
    return AuditEvent.select(AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1)


def record(actor, action: str, entity: str, entity_id: int | None, now: datetime, *, made=None,
           **data) -> AuditEvent:
    """Append an event, sealing the state of the record it is about (see SEALED): call it after the
    change. Call it inside the write's transaction (desk functions use @db.writes), which holds the
    write lock, so reading the chain's last hash here cannot race. On PostgreSQL the lock is taken
    (again) here, for a write that did not come through @db.writes. `made`: the record the write just
    created, as its model instance, handed to the search index with the event (not stored)."""
    db.begin_write()
    state = _seal(entity, entity_id)
    if state:
        data["state"] = state
    last = db.execute_built("audit.head", _head_query).fetchone()
    prev_hash = last[0] if last else ""
    text = json.dumps(data, ensure_ascii=False, sort_keys=True, default=_jsonable)
    at = _TIME.db_value(now)
    actor_id = actor.id if actor is not None else None
    event = db.create(
        AuditEvent,
        at=at, actor=actor_id, action=action, entity=entity, entity_id=entity_id, data=text,
        prev_hash=prev_hash,
        hash=_digest(prev_hash, at, actor_id, action, entity, entity_id, text),
    )
    events = getattr(_written, "events", None)
    if events is not None:
        events.append((entity, entity_id, action, text, made))
    return event


_CHAIN_COLUMNS = ("id", "at", "actor_id", "action", "entity", "entity_id", "data", "prev_hash", "hash")
_TEXT_COLUMNS = frozenset({"at", "action", "entity", "data", "prev_hash", "hash"})


def chain_rows():
    """Every event as a tuple of _CHAIN_COLUMNS in order, read as stored. On SQLite the text comes as
    bytes and is decoded here, so text that is not UTF-8 (written outside the program) is a finding for
    that event (its text None), not an error that stops the check."""
    sqlite = db.is_sqlite()
    columns = ", ".join(f"CAST({c} AS BLOB)" if sqlite and c in _TEXT_COLUMNS else c for c in _CHAIN_COLUMNS)
    cursor = db.database.execute_sql(f"SELECT {columns} FROM {AuditEvent._meta.table_name} ORDER BY id")
    for row in cursor:
        values, bad = [], False
        for value in row:
            if isinstance(value, bytes):
                try:
                    value = value.decode("utf-8")
                except UnicodeDecodeError:
                    value, bad = None, True
            values.append(value)
        yield tuple(values), bad


def verify_chain() -> list[str]:
    """Every event whose hash or link does not match: edited or removed behind the program's back."""
    problems = []
    prev_hash = ""
    for row, undecodable in chain_rows():
        event = dict(zip(_CHAIN_COLUMNS, row))
        if undecodable:
            problems.append(f"audit event {event['id']}: its text is not UTF-8: changed outside the program")
            prev_hash = event["hash"] or ""
            continue
        if event["prev_hash"] != prev_hash:
            problems.append(f"audit event {event['id']}: does not follow the event before it")
        at = _TIME.db_value(event["at"]) if isinstance(event["at"], datetime) else event["at"]
        expected = _digest(event["prev_hash"], at, event["actor_id"], event["action"],
                           event["entity"], event["entity_id"], event["data"])
        if event["hash"] != expected:
            problems.append(f"audit event {event['id']}: its content was changed after it was written")
        prev_hash = event["hash"]
    return problems


def history(entity: str, entity_id: int) -> list[dict]:
    """The events of one record, oldest first, as plain data (without the sealed state: digests
    are for `check`, not for people)."""
    query = (AuditEvent.select(AuditEvent, )
             .where((AuditEvent.entity == entity) & (AuditEvent.entity_id == entity_id))
             .order_by(AuditEvent.id))
    return [
        {"id": e.id, "at": e.at, "actor_id": e.actor_id, "action": e.action, "data": _without_state(e.data)}
        for e in query
    ]


def last_event(entity: str, entity_id: int, at: datetime | None = None) -> AuditEvent | None:
    """The record's newest event (its newest at `at`, when given): who changed it, when, and how.
    A refusal after a race names it."""
    query = AuditEvent.select().where((AuditEvent.entity == entity) & (AuditEvent.entity_id == entity_id))
    if at is not None:
        query = query.where(AuditEvent.at == at)
    return query.order_by(AuditEvent.id.desc()).first()


def _without_state(text: str) -> dict:
    data = json.loads(text)
    data.pop("state", None)
    return data


# --- the anchor: the chain's head, printed on paper ----------------------------------------------

ANCHOR_DIGITS = 16


def head() -> tuple[int, str] | None:
    """The newest event's id and hash, or None on an empty trail."""
    last = AuditEvent.select(AuditEvent.id, AuditEvent.hash).order_by(AuditEvent.id.desc()).first()
    return (last.id, last.hash) if last else None


def anchor_line(newest: tuple[int, str] | None) -> str:
    """`audit: N events, head HASH`: what `check`, `backup` and the printed handover sheet show, to be
    kept outside the database; `check --anchor N:HASH` later says whether the trail still leads there."""
    if newest is None:
        return "audit: 0 events"
    return f"audit: {newest[0]} events, head {newest[1][:ANCHOR_DIGITS]}"


def parse_anchor(text: str) -> tuple[int, str]:
    """N:HASH (HASH at least 16 hex digits) -> (N, hash in lower case); ValueError saying why not."""
    number, _sep, digest = text.strip().partition(":")
    digest = digest.strip().lower()
    if not number.strip().isdigit() or len(digest) < ANCHOR_DIGITS or any(c not in "0123456789abcdef" for c in digest):
        raise ValueError(f"an anchor is N:HASH as check printed it, e.g. 1234:{'0' * ANCHOR_DIGITS}, not {text!r}")
    return int(number), digest


def anchor_problems(number: int, digest: str) -> list[str]:
    """Empty when event `number` still has the hash the anchor recorded."""
    event = AuditEvent.select(AuditEvent.hash).where(AuditEvent.id == number).first()
    if event is None:
        return [f"audit anchor {number}:{digest}: event {number} is not there any more: events were removed"]
    if not event.hash.startswith(digest):
        return [f"audit anchor {number}:{digest}: event {number} now has hash {event.hash[:len(digest)]}: "
                "the trail was rewritten after the anchor was printed"]
    return []


# --- records against the state their last event sealed ------------------------------------------

def record_problems() -> tuple[int, int, list[str]]:
    """Every record of the sealed tables against the digest its last event sealed: (records compared,
    records whose events are older than sealing and so cannot be compared, problems). A record with no
    event at all, or that differs from its seal, or a sealed record that is gone, is a problem."""
    sealed: dict[str, str] = {}
    evented: set[str] = set()   # records with an event, sealing or not (older databases)
    sealing = False             # since the first event that sealed a state, every such event does
    problems = []
    query = (AuditEvent.select(AuditEvent.id, AuditEvent.entity, AuditEvent.entity_id, AuditEvent.data)
             .where(AuditEvent.entity.in_(list(SEALED))).order_by(AuditEvent.id).tuples())
    for event_id, entity, entity_id, text in query.iterator():
        key = f"{entity}:{entity_id}"
        evented.add(key)
        try:
            data = json.loads(text)
        except ValueError:
            continue  # the chain check reports it
        state = data.get("state") if isinstance(data, dict) else None
        if isinstance(state, dict):
            sealed.update(state)
            evented.update(state)
            sealing = True
        elif sealing and entity_id is not None:
            # What an added event that seals nothing would do: make a changed record "not comparable".
            problems.append(f"audit event {event_id} about {_name(key)} records no state, as every event of "
                            "this program does: it was not written by the program")
        else:
            sealed.pop(key, None)  # its last event sealed nothing: it cannot be compared
            loan = (data.get("after") or {}).get("loan") if isinstance(data, dict) else None
            if loan:
                evented.add(f"key_loan:{loan}")
    compared = unsealed = 0
    for entity in SEALED:
        for row in _rows(entity):
            key = f"{entity}:{row[0]}"
            seal = sealed.pop(key, None)
            if seal is None and key in evented:
                unsealed += 1
            elif seal is None:
                problems.append(f"{_name(key)}: no audit event records it: written outside the program")
            elif seal != row_state(row):
                problems.append(f"{_name(key)}: changed without an audit event (it is not as its last event "
                                "recorded it)")
            else:
                compared += 1
    problems += [f"{_name(key)}: gone, though nothing is ever deleted: removed outside the program"
                 for key in sealed if key.partition(":")[0] in SEALED]
    return compared, unsealed, problems


def _name(key: str) -> str:
    entity, _sep, number = key.partition(":")
    return f"{entity.replace('_', ' ')} {number}"
