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
    which holds the write lock, so reading the chain's last hash here cannot race. On PostgreSQL the
    lock is taken (again) here, for a write that did not come through @db.writes."""
    db.begin_write()
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


def verify_chain() -> list[str]:
    """Every event whose hash or link does not match: edited or removed behind the program's back."""
    problems = []
    prev_hash = ""
    query = AuditEvent.select().order_by(AuditEvent.id).tuples().iterator()
    cols = [f.name for f in AuditEvent._meta.sorted_fields]
    for row in query:
        event = dict(zip(cols, row))
        if event["prev_hash"] != prev_hash:
            problems.append(f"audit event {event['id']}: does not follow the event before it")
        expected = _digest(
            event["prev_hash"], _TIME.db_value(event["at"]), event["actor"], event["action"],
            event["entity"], event["entity_id"], event["data"],
        )
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
