"""The audit trail: one event per write, in the write's own transaction, chained by hash."""
from __future__ import annotations

import hashlib
import json
from datetime import date, datetime
from decimal import Decimal

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


def record(actor, action: str, entity: str, entity_id: int | None, now: datetime, **data) -> AuditEvent:
    """Append an event. Call it inside the write's transaction (desk functions use @db.writes),
    which holds the write lock, so reading the chain's last hash here cannot race."""
    last = AuditEvent.select(AuditEvent.hash).order_by(AuditEvent.id.desc()).first()
    prev_hash = last.hash if last else ""
    text = json.dumps(data, ensure_ascii=False, sort_keys=True, default=_jsonable)
    at = _TIME.db_value(now)
    actor_id = actor.id if actor is not None else None
    return AuditEvent.create(
        at=at, actor=actor_id, action=action, entity=entity, entity_id=entity_id, data=text,
        prev_hash=prev_hash,
        hash=_digest(prev_hash, at, actor_id, action, entity, entity_id, text),
    )


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
    """The events of one record, oldest first, as plain data."""
    query = (AuditEvent.select(AuditEvent, )
             .where((AuditEvent.entity == entity) & (AuditEvent.entity_id == entity_id))
             .order_by(AuditEvent.id))
    return [
        {"id": e.id, "at": e.at, "actor_id": e.actor_id, "action": e.action, "data": json.loads(e.data)}
        for e in query
    ]
