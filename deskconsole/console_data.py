"""What the console shows, read in one go: the panes' rows and the header's counts.

Called from a worker thread whenever the change feed moves; returns plain data only.
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime

import peewee as pw

from . import calls, frontdesk, keys, orders, shifts
from .config import Config
from .db import AuditEvent

# The open orders are the costly part of a load (every column of ≈2,000 rows, their clocks). A load
# reuses the previous one's when the audit trail (every desk write appends to it in the write's own
# transaction) holds new events since then and all of them are of these entities: none of them changes
# an order row. No new event at all while something was committed (the change feed moved) means a
# write that left no event: then everything is read again.
ORDERS_UNTOUCHED_BY = frozenset({"call", "key", "shift_log", "shift", "staff", "handover", "parcel", "visitor",
                                 "goods_pass", "lost_item"})
# ... and reads them again anyway when its copy is this old (seconds): a write made outside the desk
# functions (a script, a restore) shows within this time even though it left no event.
ORDERS_MAX_AGE = 60.0


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
    orders_read_at: float = 0.0     # time.monotonic() when `orders` were read from the database
    # The front desk's registers (pane 5): waiting parcels and the newest others; VIPs expected, visitors on
    # site, then those who left; the open passes and the others of the day; found items kept, then claimed.
    parcels: list[frontdesk.ParcelRow] = ()
    visitors: list[frontdesk.VisitorRow] = ()
    desk_counts: frontdesk.FrontDeskCounts | None = None
    passes: list[frontdesk.PassRow] = ()
    found: list[frontdesk.LostRow] = ()

    @property
    def open_emergencies(self) -> int:
        """Emergency calls still waiting for the desk: the header and the Calls pane both show it."""
        return sum(1 for c in self.calls if c.is_open_emergency)

    @property
    def first_emergency_due(self) -> datetime | None:
        """When the oldest open emergency call needs an order or to be handled (the header's clock)."""
        return min((c.act_by for c in self.calls if c.is_open_emergency), default=None)


def _journal() -> int:
    return AuditEvent.select(pw.fn.MAX(AuditEvent.id)).scalar() or 0


def _orders(engine, journal: int, previous: ConsoleData | None) -> tuple[list[orders.OrderRow], float]:
    if previous is not None and previous.journal is not None and previous.journal < journal \
            and time.monotonic() - previous.orders_read_at < ORDERS_MAX_AGE:
        touched = (AuditEvent.select(AuditEvent.id)
                   .where((AuditEvent.id > previous.journal) & AuditEvent.entity.not_in(ORDERS_UNTOUCHED_BY))
                   .exists())
        if not touched:
            return previous.orders, previous.orders_read_at
    return orders.open_orders(engine), time.monotonic()


def load(config: Config, engine, now: datetime, previous: ConsoleData | None = None) -> ConsoleData:
    """Everything the console shows. With `previous` (the last load), the open orders are read again
    only if an order may have changed since (see ORDERS_UNTOUCHED_BY); without it, all of it."""
    journal = _journal()  # before any other read: a write after this point is seen by the next load
    open_orders, orders_read_at = _orders(engine, journal, previous)
    shift = shifts.current(config, now)
    since = shift.starts_at if shift else shifts.shift_bounds(config, now)[1]
    return ConsoleData(
        calls=calls.recent(),
        orders=open_orders,
        log=shifts.recent_entries(),
        keys=keys.board(),
        shift=shift,
        calls_this_shift=calls.count_since(since),
        open_log_items=shifts.open_carried_count(),
        journal=journal,
        orders_read_at=orders_read_at,
        parcels=frontdesk.recent_parcels(),
        visitors=frontdesk.recent_visitors(),
        desk_counts=frontdesk.counts(now),
        passes=frontdesk.todays_passes(now, engine),
        found=frontdesk.recent_found(),
    )


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
