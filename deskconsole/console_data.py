"""What the console shows, read in one go: the panes' rows and the header's counts.

Called from a worker thread whenever the change feed moves; returns plain data only.

A load with the previous one (`previous`) reads only what changed since: every desk write appends an
audit event (entity, id) in its own transaction, so the events after `previous.journal` name the
records to read again, and the rest is taken from `previous`. A change then costs each console in
proportion to the change, not to the site. What the trail cannot tell is read in full (see `_changes`).
"""
from __future__ import annotations

import functools

import time
from dataclasses import dataclass, field, replace
from datetime import datetime

import peewee as pw

from . import calls, frontdesk, keys, orders, shifts
from .config import Config
from .db import AuditEvent

# A copy older than this (seconds) is read again in full even when the trail tells what changed: a
# write made outside the desk functions (a script, a restore) among desk writes shows within this time.
FULL_READ_MAX_AGE = 60.0
# More events than this since the last load (an import, a burst): read in full, it is as quick.
MAX_EVENTS = 200

# Entities whose events change nothing the console holds but the shift (read at every load): shifts and
# handovers (who holds the desk), staff (sign-ons, roles, PINs: rows show a person's code, which never
# changes), units and technicians (rows show a unit's code, which never changes).
UNSHOWN = frozenset({"shift", "handover", "staff", "unit", "technician"})
# The front desk's registers, by the entity their events name ("frontdesk": a purge, all of them).
REGISTERS = {"parcel": ("parcels",), "visitor": ("visitors",), "goods_pass": ("passes",),
             "lost_item": ("found",), "frontdesk": ("parcels", "visitors", "passes", "found")}


@dataclass(frozen=True)
class ConsoleData:
    calls: list[calls.CallRow]
    orders: list[orders.OrderRow]
    log: list[shifts.EntryRow]
    keys: list[keys.KeyRow]
    shift: shifts.ShiftInfo | None
    calls_this_shift: int
    open_log_items: int
    journal: int | None = None      # the newest audit event id when this was read
    read_in_full_at: float = 0.0    # time.monotonic() when everything was last read from the database
    # The front desk's registers (pane 5): waiting parcels and the newest others; VIPs expected, visitors on
    # site, then those who left; the open passes and the others of the day; found items kept, then claimed.
    parcels: list[frontdesk.ParcelRow] = ()
    visitors: list[frontdesk.VisitorRow] = ()
    desk_counts: frontdesk.FrontDeskCounts | None = None
    passes: list[frontdesk.PassRow] = ()
    found: list[frontdesk.LostRow] = ()
    read_at: datetime | None = None  # the `now` of the load: the passes of that day, the shift's calls

    # Cached: each 1 s tick asks for them three times, over every call listed (the data never changes).
    @functools.cached_property
    def open_emergencies(self) -> int:
        """Emergency calls still waiting for the desk: the header and the Calls pane both show it."""
        return sum(1 for c in self.calls if c.is_open_emergency)

    @functools.cached_property
    def first_emergency_due(self) -> datetime | None:
        """When the oldest open emergency call needs an order or to be handled (the header's clock)."""
        return min((c.act_by for c in self.calls if c.is_open_emergency), default=None)


def _journal() -> int:
    return AuditEvent.select(pw.fn.MAX(AuditEvent.id)).scalar() or 0


def _since(config: Config, shift: shifts.ShiftInfo | None, now: datetime) -> datetime:
    """Where the shift's call count starts."""
    return shift.starts_at if shift else shifts.shift_bounds(config, now)[1]


def load(config: Config, engine, now: datetime, previous: ConsoleData | None = None) -> ConsoleData:
    """Everything the console shows. With `previous` (the last load), only what changed since is read
    again (see the module's doc); without it, all of it."""
    journal = _journal()  # before any other read: a write after this point is seen by the next load
    changed = _changes(previous, journal) if previous is not None else None
    shift = shifts.current(config, now)
    since = _since(config, shift, now)
    if changed is None:
        parcels, visitors = frontdesk.recent_parcels(), frontdesk.recent_visitors()
        passes, found = frontdesk.todays_passes(now, engine), frontdesk.recent_found()
        return ConsoleData(
            calls=calls.recent(),
            orders=orders.open_orders(engine),
            log=shifts.recent_entries(),
            keys=keys.board(),
            shift=shift,
            calls_this_shift=calls.count_since(since),
            open_log_items=shifts.open_carried_count(),
            journal=journal,
            read_in_full_at=time.monotonic(),
            parcels=parcels, visitors=visitors, passes=passes, found=found,
            desk_counts=frontdesk.counts_of(parcels, visitors, passes, found, now),
            read_at=now,
        )
    return _merged(config, engine, now, previous, changed, journal, shift, since)


@dataclass
class _Changed:
    """What the audit events since the last load name: records by id, registers by name."""
    calls: set[int] = field(default_factory=set)
    added_calls: set[int] = field(default_factory=set)
    orders: set[int] = field(default_factory=set)
    keys: set[int] = field(default_factory=set)
    log: bool = False
    registers: set[str] = field(default_factory=set)


_BY_ID = {"call": "calls", "work_order": "orders", "key": "keys"}


def _changes(previous: ConsoleData, journal: int) -> _Changed | None:
    """What changed since `previous`, or None when it is to be read in full: it has no journal or is
    older than FULL_READ_MAX_AGE; nothing was appended to the trail (the feed moved for a write that left
    no event); more than MAX_EVENTS events; an event of an entity this module does not know, or one that
    names no record (an import)."""
    if previous.journal is None or journal <= previous.journal \
            or time.monotonic() - previous.read_in_full_at >= FULL_READ_MAX_AGE:
        return None
    events = list(AuditEvent.select(AuditEvent.entity, AuditEvent.entity_id, AuditEvent.action)
                  .where((AuditEvent.id > previous.journal) & (AuditEvent.id <= journal))
                  .order_by(AuditEvent.id).limit(MAX_EVENTS + 1).tuples())
    if len(events) > MAX_EVENTS:
        return None
    changed = _Changed()
    for entity, entity_id, action in events:
        if entity in UNSHOWN:
            continue
        if entity in REGISTERS:
            changed.registers.update(REGISTERS[entity])
        elif entity == "shift_log":
            changed.log = True
        elif entity in _BY_ID and entity_id is not None:
            getattr(changed, _BY_ID[entity]).add(entity_id)
            if action == "call.add":
                changed.added_calls.add(entity_id)
        else:
            return None
    # Rows that show another record: a call names its newest order, an order is a complaint by its call,
    # a key lent for an order says when the order is done.
    changed.orders |= orders.raised_from(changed.calls)
    changed.calls |= orders.calls_of(changed.orders)
    changed.keys |= keys.keys_lent_for(changed.orders)
    return changed


def _merged(config: Config, engine, now: datetime, previous: ConsoleData, changed: _Changed, journal: int,
            shift, since: datetime) -> ConsoleData:
    """`previous` with what changed read again."""
    data = replace(previous, shift=shift, journal=journal, read_at=now)
    rows: dict[int, calls.CallRow] = {}
    if changed.calls:
        rows = calls.rows_by_id(changed.calls)
        merged = calls.merge_recent(previous.calls, rows)
        data = replace(data, calls=calls.recent() if merged is None else merged)
    previous_since = _since(config, previous.shift, previous.read_at) if previous.read_at else None
    if since != previous_since:
        data = replace(data, calls_this_shift=calls.count_since(since))
    elif changed.added_calls:
        # A new call counts in the shift it came in (rows: it was read with the changed calls).
        counted = sum(1 for i in changed.added_calls if i in rows and rows[i].received_at >= since)
        data = replace(data, calls_this_shift=previous.calls_this_shift + counted)
    if changed.orders:
        data = replace(data, orders=orders.merge_open(previous.orders, changed.orders,
                                                      orders.open_rows_by_id(engine, changed.orders)))
    if changed.keys:
        data = replace(data, keys=keys.merge_board(previous.keys, keys.board_rows_by_id(changed.keys)))
    if changed.log:
        data = replace(data, log=shifts.recent_entries(), open_log_items=shifts.open_carried_count())
    registers = changed.registers
    if "passes" not in registers and _passes_moved(previous, now, engine):
        registers = registers | {"passes"}
    if "parcels" in registers:
        data = replace(data, parcels=frontdesk.recent_parcels())
    if "visitors" in registers:
        data = replace(data, visitors=frontdesk.recent_visitors())
    if "passes" in registers:
        data = replace(data, passes=frontdesk.todays_passes(now, engine))
    if "found" in registers:
        data = replace(data, found=frontdesk.recent_found())
    return replace(data, desk_counts=frontdesk.counts_of(data.parcels, data.visitors, data.passes, data.found, now))


def _passes_moved(previous: ConsoleData, now: datetime, engine) -> bool:
    """The passes list depends on the time as well: a pass expires, and the list is of the site's day."""
    if previous.read_at is None:
        return True
    if frontdesk.end_of_day(now, engine) != frontdesk.end_of_day(previous.read_at, engine):
        return True
    return any(p.open(previous.read_at) and not p.open(now) for p in previous.passes)


def unchanged_but_for(data: ConsoleData, actor_id: int, actions: frozenset[str]) -> bool:
    """True when, since `data` was read, the audit trail holds only `actions` by `actor_id` (the
    operator's own sign-on): then `data` still shows the database as it is. One indexed read."""
    if data.journal is None:
        return False
    for actor, action in (AuditEvent.select(AuditEvent.actor, AuditEvent.action)
                          .where(AuditEvent.id > data.journal).tuples()):
        if actor != actor_id or action not in actions:
            return False
    return True
