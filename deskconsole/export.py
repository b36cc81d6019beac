"""Every table as one plain object (`deskconsole export`): times ISO 8601 with the site's offset,
money as text, and never a PIN hash.

The export streams: each table is read in batches by primary key (`WHERE id > last ORDER BY id
LIMIT n`, the same on SQLite and PostgreSQL, where a plain cursor would fetch the whole table into
the client) and each batch is written before the next is read, so memory stays flat however long the
history. The output is one JSON object, a record per line."""
from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone, tzinfo
from decimal import Decimal

import peewee as pw

from . import db
from .config import Config
from .timefmt import iso, stored

EXPORT_TABLES = {
    "units": db.Unit, "staff": db.Staff, "calls": db.Call, "work_orders": db.WorkOrder, "reminder_acks": db.ReminderAck,
    "follow_ups": db.FollowUp,
    "shifts": db.Shift, "shift_log": db.ShiftLogEntry, "keys": db.Key, "key_loans": db.KeyLoan, "key_reports": db.KeyReport,
    "audit": db.AuditEvent,
    "handovers": db.Handover, "handover_acks": db.HandoverAck, "handover_addenda": db.HandoverAddendum,
    "desk_sign_offs": db.DeskSignOff, "technicians": db.Technician,
    "parcels": db.Parcel, "visitors": db.Visitor, "goods_passes": db.GoodsPass, "lost_items": db.LostItem,
}
# Not exported: what is made from the rest (the search index) and the schema's own bookkeeping.
NOT_EXPORTED = {db.SearchDoc, db.SchemaMeta}
# Never leaves the database: not in the export, the audit or a log.
SECRET_COLUMNS = {"pin_hash"}
# Rows read (and held) at once: enough that a query's cost is spread, few enough to stay a few MB.
BATCH = 1000

Progress = Callable[[int, int], None]


def _time_text(tz) -> Callable:
    """A stored time (SQLite's text or PostgreSQL's naive UTC datetime) as ISO 8601 with the site's
    offset: what `iso(UTCDateTimeField.python_value(v), tz)` gives, without its calls (a million calls
    carry several million times)."""
    if not isinstance(tz, tzinfo):
        return lambda v: iso(db.UTCDateTimeField().python_value(v), tz)
    utc, parse = timezone.utc, datetime.fromisoformat
    hours: dict[str, tuple[str, str] | None] = {}

    def exact(value):
        if value.__class__ is str:
            value = parse(value)
        return value.replace(tzinfo=utc).astimezone(tz).isoformat()

    def hour(prefix: str) -> tuple[str, str] | None:
        """The local "YYYY-MM-DDTHH" and offset text of a UTC hour ("YYYY-MM-DD HH"), when the whole
        hour has one offset of whole hours (minutes and seconds then read the same in both)."""
        if len(hours) >= 4096:   # rows come in time order, near enough: a small cache keeps its hits
            hours.clear()
        start = parse(prefix + ":00:00").replace(tzinfo=utc)
        local, end = start.astimezone(tz), (start + timedelta(hours=1, microseconds=-1)).astimezone(tz)
        offset = local.utcoffset()
        if offset != end.utcoffset() or offset.total_seconds() % 3600:
            return None
        text = local.isoformat()   # YYYY-MM-DDTHH:00:00+08:00
        return text[:13], text[19:]

    def convert(value):
        if value is None:
            return None
        # The stored form "YYYY-MM-DD HH:MM:SS.ffffff" (db_value's): the local hour looked up once an
        # hour, the rest copied; isoformat leaves out a zero fraction, and so does this.
        if value.__class__ is str and len(value) == 26:
            prefix = value[:13]
            known = hours[prefix] if prefix in hours else hours.setdefault(prefix, hour(prefix))
            if known is not None:
                rest = value[13:19] if value.endswith(".000000") else value[13:]
                return known[0] + rest + known[1]
        return exact(value)
    return convert


def _converter(field: pw.Field, tz, times: Callable) -> Callable | None:
    """How a column's raw value becomes its exported value; None where the driver's value is it
    already: text and whole numbers, the bulk of every row (SQLite gives a TEXT column's value as str
    and an INTEGER one's as int, as PostgreSQL does)."""
    if isinstance(field, db.UTCDateTimeField):
        return times
    base = field.rel_field if isinstance(field, pw.ForeignKeyField) else field
    if isinstance(base, (pw._StringField, pw.IntegerField)):
        return None
    return lambda v: _jsonable(field.python_value(v), tz)


def _jsonable(value, tz):
    if hasattr(value, "tzinfo"):
        return iso(value, tz)
    if isinstance(value, Decimal):
        return str(value)
    return value


def _payload(value, tz):
    """An audit payload with its times (kept as naive UTC text) given as ISO 8601 with the offset."""
    if isinstance(value, dict):
        return {k: _payload(v, tz) for k, v in value.items()}
    if isinstance(value, list):
        return [_payload(v, tz) for v in value]
    # Cheap test first: most values are not a time (a stored time is 19-26 characters, a space at 10).
    if value.__class__ is not str or len(value) < 19 or value[10] != " ":
        return value
    at = stored(value)
    return iso(at, tz) if at is not None else value


def records(model, tz, batch: int | None = None) -> Iterator[list[dict]]:
    """A table's rows as export records, a batch (a list) at a time, in primary-key order."""
    fields = [f for f in model._meta.sorted_fields if f.column_name not in SECRET_COLUMNS]
    names = [f.name for f in fields]
    # Only the columns whose value changes are converted, in place.
    times = _time_text(tz)   # one for every time column: they share its hours
    converting = [(i, f.name, c) for i, f in enumerate(fields) if (c := _converter(f, tz, times)) is not None]
    key = model._meta.primary_key
    key_at = fields.index(key)
    is_audit = model is db.AuditEvent
    size = batch or BATCH
    last = None
    while True:
        query = model.select(*fields).order_by(key).limit(size)
        if last is not None:
            query = query.where(key > last)
        rows = db.database.execute(query).fetchall()
        if not rows:
            return
        out = []
        for row in rows:
            record = dict(zip(names, row))
            for i, name, convert in converting:
                record[name] = convert(row[i])
            if is_audit:
                record["data"] = _payload(json.loads(record["data"]), tz)
            out.append(record)
        yield out
        if len(rows) < size:
            return
        last = rows[-1][key_at]


@contextmanager
def _snapshot():
    """One read snapshot for the whole export, so its tables agree with each other (a call and its
    audit event, an order and its call) while consoles go on writing. SQLite: a deferred transaction
    (a reader: it never takes the write lock); PostgreSQL: REPEATABLE READ."""
    database = db.database.obj
    if isinstance(database, pw.SqliteDatabase):
        transaction = database.atomic(lock_type="DEFERRED")
    else:
        transaction = database.atomic(isolation_level="REPEATABLE READ")
    transaction.__enter__()
    try:
        yield
    except BaseException as exc:
        try:
            transaction.__exit__(type(exc), exc, exc.__traceback__)
        except Exception:
            pass   # the engine ended the transaction itself (SQLite on a disk I/O error): tell the first error
        raise
    transaction.__exit__(None, None, None)


def totals() -> dict[str, int]:
    """Each table's row count (what a progress bar counts toward)."""
    return {name: model.select().count() for name, model in EXPORT_TABLES.items()}


def write_export(config: Config, stream, progress: Progress | None = None) -> None:
    """The export as one JSON object on `stream`: the schema version, then every table in
    EXPORT_TABLES order, one record per line, written as it is read. `progress(done, total)` is told
    the rows written after each batch."""
    tz = config.tz
    encode = json.JSONEncoder(ensure_ascii=False).encode
    with _snapshot():
        total = sum(totals().values()) if progress else 0
        done = 0
        if progress:
            progress(0, total)   # the clock starts here: the bar shows once a second has passed
        stream.write('{"schema_version": ' + encode(db.schema_version()))
        for name, model in EXPORT_TABLES.items():
            stream.write(",\n" + encode(name) + ": [")
            first = True
            for batch in records(model, tz):
                stream.write(("\n" if first else ",\n") + ",\n".join(map(encode, batch)))
                first = False
                done += len(batch)
                if progress:
                    progress(done, total)
            stream.write("]" if first else "\n]")
        stream.write("}\n")


def export_data(config: Config) -> dict:
    """The schema version, then every table's rows in the order they were made (in memory: for tests
    and small sites; the command streams with write_export)."""
    tz = config.tz
    result: dict = {"schema_version": db.schema_version()}
    for name, model in EXPORT_TABLES.items():
        result[name] = [record for batch in records(model, tz) for record in batch]
    return result
