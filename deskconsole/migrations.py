"""The steps of db.MIGRATIONS: each brings a database from the version before to its own.

A step is plain SQL where the schema changes, then recomputes what the new version keeps from the
audit trail (which every version has written), so old records are judged by the new rules too.
"""
from __future__ import annotations

import json
from datetime import UTC, datetime

import peewee as pw

from . import audit, db
from .db import Technician

_TIME = db.UTCDateTimeField()

# The columns and tables of schema 3 as SQLite has them, with {DATETIME}, {BOOL} ... where PostgreSQL
# names the same type otherwise (_V3_TYPES): the SQLite text is exactly the released one.
_V3_COLUMNS = (
    '"first_respond_due_at" {DATETIME}',
    '"first_responded_at" {DATETIME}',
    '"first_resolve_due_at" {DATETIME}',
    '"first_done_at" {DATETIME}',
    '"breached_due_at" {DATETIME}',
    '"booked_by_owner" {BOOL} NOT NULL DEFAULT {FALSE}',
    '"visit_late_minutes" INTEGER',
    '"owner_signoff" VARCHAR(255) NOT NULL DEFAULT \'\'',
    '"owner_signoff_by" VARCHAR(255) NOT NULL DEFAULT \'\'',
    '"major" {BOOL} NOT NULL DEFAULT {FALSE}',
    '"complaint_verdict" VARCHAR(255) NOT NULL DEFAULT \'\'',
    '"verdict_by_id" INTEGER REFERENCES "staff" ("id")',
    '"verdict_at" {DATETIME}',
    '"fee_collected" DECIMAL(10, 2)',
    '"fee_collected_at" {DATETIME}',
)

_V3_STATEMENTS = (
    'CREATE INDEX "work_order_verdict_by_id" ON "work_order" ("verdict_by_id")',
    'CREATE TABLE "follow_up" ("id" {AUTO}, "order_id" INTEGER NOT NULL, '
    '"kind" VARCHAR(255) NOT NULL, "asked_at" {DATETIME} NOT NULL, "done_at" {DATETIME}, "done_by_id" INTEGER, '
    '"person" VARCHAR(255) NOT NULL, "note" TEXT NOT NULL, FOREIGN KEY ("order_id") REFERENCES "work_order" ("id"), '
    'FOREIGN KEY ("done_by_id") REFERENCES "staff" ("id"))',
    'CREATE INDEX "follow_up_order_id" ON "follow_up" ("order_id")',
    'CREATE INDEX "follow_up_done_by_id" ON "follow_up" ("done_by_id")',
    'CREATE INDEX "follow_up_order_id_kind" ON "follow_up" ("order_id", "kind")',
    'CREATE INDEX "follow_up_done_at" ON "follow_up" ("done_at")',
    'CREATE INDEX "audit_event_action_at" ON "audit_event" ("action", "at")',
)

# What Peewee makes of these fields on each engine (as a new database has them).
_V3_TYPES = {
    "sqlite": {"DATETIME": "DATETIME", "BOOL": "INTEGER", "FALSE": "0", "AUTO": "INTEGER NOT NULL PRIMARY KEY"},
    "postgres": {"DATETIME": "TIMESTAMP", "BOOL": "BOOLEAN", "FALSE": "FALSE", "AUTO": "SERIAL NOT NULL PRIMARY KEY"},
}


def _add_columns(db, table: str, columns: dict[str, tuple[pw.Field, str]]) -> None:
    """ALTER TABLE ... ADD COLUMN ... NOT NULL DEFAULT ..., in one statement per column on SQLite and
    PostgreSQL alike (peewee's own add_column would rebuild a SQLite table that others reference)."""
    from playhouse.migrate import SchemaMigrator, migrate as run
    migrator = SchemaMigrator.from_database(db)
    for name, (field, default) in columns.items():
        field = field.clone()
        field.constraints = [pw.SQL(f"DEFAULT {default}")]
        run(migrator.add_column(table, name, field, allow_not_null=True))


def step_2(db) -> None:
    """Issue 14, going live: unit vacancy and notes, a one-time PIN flag, the technicians."""
    _add_columns(db, "unit", {"vacant": (pw.BooleanField(), "FALSE"), "notes": (pw.TextField(), "''")})
    _add_columns(db, "staff", {"pin_one_time": (pw.BooleanField(), "FALSE")})
    db.create_tables([Technician])


def _events(actions: tuple[str, ...]):
    """The work-order events of these actions, oldest first, with their data read."""
    query = (db.AuditEvent.select(db.AuditEvent.entity_id, db.AuditEvent.at, db.AuditEvent.action,
                                  db.AuditEvent.data)
             .where((db.AuditEvent.entity == "work_order") & db.AuditEvent.action.in_(actions))
             .order_by(db.AuditEvent.id).tuples().iterator())
    for order_id, at, action, data in query:
        yield order_id, at, action, json.loads(data)


def _time(value):
    return _TIME.python_value(value) if value else None


def recompute_v3() -> dict[str, int]:
    """What schema 3 keeps, for the orders written before it, from their audit trail:
    * a reopened order's first round (its first completion, and the resolve deadline it had then),
      which the timeliness figure judges; a reopened order is not done now;
    * the deadline an extension was asked for after, which the extension does not erase."""
    first_done: dict[int, datetime] = {}
    first_due: dict[int, datetime | None] = {}
    request: dict[int, tuple[datetime, datetime | None]] = {}
    breached: dict[int, datetime] = {}
    for order_id, at, action, data in _events(("order.complete", "order.callback", "order.extend.request",
                                               "order.extend.approve")):
        if action == "order.complete":
            first_done.setdefault(order_id, at)
        elif action == "order.callback" and data.get("satisfied") is False and order_id not in first_due:
            first_due[order_id] = _time(data.get("old_resolve_due_at"))
        elif action == "order.extend.request":
            request[order_id] = (at, _time(data.get("current_due_at")))
        elif action == "order.extend.approve" and data.get("complete") and order_id in request:
            asked_at, due = request.pop(order_id)
            if due is not None and asked_at > due:
                breached.setdefault(order_id, due)
    W = db.WorkOrder
    reopened = 0
    for order in W.select(W.id, W.status, W.respond_due_at, W.responded_at, W.done_at).where(W.reopen_count > 0):
        changes = {"first_done_at": first_done.get(order.id), "first_resolve_due_at": first_due.get(order.id),
                   "first_respond_due_at": order.respond_due_at, "first_responded_at": order.responded_at}
        if order.status == "reopened":
            changes["done_at"] = None
        W.update(**changes).where(W.id == order.id).execute()
        if changes.get("done_at", order.done_at) != order.done_at:
            # done_at is sealed (audit.SEALED_COLUMNS): an event seals the order as it now is, or `check`
            # would find it changed without one.
            audit.record(None, "order.migrate", "work_order", order.id, datetime.now(UTC), done_at=None)
        reopened += 1
    for order_id, due in breached.items():
        W.update(breached_due_at=due).where(W.id == order_id).execute()
    return {"reopened": reopened, "retroactive_extensions": len(breached)}


def step_3(database) -> None:
    """Issue 18: the rules as the documents say them."""
    types = _V3_TYPES["sqlite" if db.is_sqlite(database) else "postgres"]
    for column in _V3_COLUMNS:
        database.execute_sql(f'ALTER TABLE "work_order" ADD COLUMN {column.format(**types)}')
    for statement in _V3_STATEMENTS:
        database.execute_sql(statement.format(**types))
    counts = recompute_v3()
    # Said in the audit trail: the figures of old months change under the new rules.
    audit.record(None, "schema.migrate", "schema", 3, datetime.now(UTC), version=3, **counts)


db.MIGRATIONS[2] = step_2
db.MIGRATIONS[3] = step_3


def step_4(database) -> None:
    """Issue 20, the front desk's other registers: parcels, visitors, goods-release passes, lost and found."""
    database.create_tables([db.Parcel, db.Visitor, db.GoodsPass, db.LostItem])


db.MIGRATIONS[4] = step_4


def step_5(database) -> None:
    """Issue 19: the search index, its tables then every record indexed (with a bar on the terminal: years
    of calls take a while); and the index of a unit's calls by time (the dossier)."""
    from . import search_index
    db.Call._schema.create_indexes(safe=True)
    search_index.install(database, db.progress)


db.MIGRATIONS[5] = step_5


def step_6(database) -> None:
    """Issue 20, VIP arrivals: a VIP signed in ahead has an announced arrival and departure and no time
    in until they come (arrived_at may be empty)."""
    from playhouse.migrate import SchemaMigrator, migrate as run
    migrator = SchemaMigrator.from_database(database)
    # Step 4 makes the table from the model as it is now (a database older than 4 has it already so).
    columns = {c.name: c for c in database.get_columns("visitor")}
    if not columns["arrived_at"].null:
        # On SQLite this rebuilds the table: nothing references visitor; its indexes are made again.
        run(migrator.drop_not_null("visitor", "arrived_at"))
    for name in ("expected_at", "leaves_at"):
        if name not in columns:
            run(migrator.add_column("visitor", name, db.UTCDateTimeField(null=True)))


db.MIGRATIONS[6] = step_6


def step_7(database) -> None:
    """Issue 19, the save cost of the search index: its tail (search_index.flush). SQLite only, beside the FTS
    tables; empty is right for a database whose FTS tables hold every record, so nothing is rebuilt."""
    from . import search_index
    search_index.create(database)


db.MIGRATIONS[7] = step_7


def step_8(database) -> None:
    """Issue 21, growth: the shift log's carried-over entries are found by an index, so signing on does not
    read every entry of the site's history."""
    db.ShiftLogEntry._schema.create_indexes(safe=True)


db.MIGRATIONS[8] = step_8
