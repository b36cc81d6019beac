"""Every table as one plain object (`deskconsole export`): times ISO 8601 with the site's offset,
money as text, and never a PIN hash."""
from __future__ import annotations

import json
from decimal import Decimal

from . import db
from .config import Config
from .timefmt import iso, stored

EXPORT_TABLES = {
    "units": db.Unit, "staff": db.Staff, "calls": db.Call, "work_orders": db.WorkOrder, "reminder_acks": db.ReminderAck,
    "shifts": db.Shift, "shift_log": db.ShiftLogEntry, "keys": db.Key, "key_loans": db.KeyLoan, "key_reports": db.KeyReport,
    "audit": db.AuditEvent,
    "handovers": db.Handover, "handover_acks": db.HandoverAck, "handover_addenda": db.HandoverAddendum,
    "desk_sign_offs": db.DeskSignOff, "technicians": db.Technician,
    "parcels": db.Parcel, "visitors": db.Visitor, "goods_passes": db.GoodsPass, "lost_items": db.LostItem,
}
# Never leaves the database: not in the export, the audit or a log.
SECRET_COLUMNS = {"pin_hash"}


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
    at = stored(value)
    return iso(at, tz) if at is not None else value


def export_data(config: Config) -> dict:
    """The schema version, then every table's rows in the order they were made."""
    tz = config.tz
    result = {"schema_version": db.schema_version()}
    for name, model in EXPORT_TABLES.items():
        rows = []
        for row in model.select().order_by(model._meta.primary_key).dicts().iterator():
            record = {k: _jsonable(v, tz) for k, v in row.items() if k not in SECRET_COLUMNS}
            if model is db.AuditEvent:
                record["data"] = _payload(json.loads(record["data"]), tz)
            rows.append(record)
        result[name] = rows
    return result
