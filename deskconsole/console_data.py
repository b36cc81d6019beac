"""What the console shows, read in one go: the panes' rows and the header's counts.

Called from a worker thread whenever the change feed moves; returns plain data only.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from . import calls, keys, orders, shifts
from .config import Config


@dataclass(frozen=True)
class ConsoleData:
    calls: list[calls.CallRow]
    orders: list[orders.OrderRow]
    log: list[shifts.EntryRow]
    keys: list[keys.KeyRow]
    shift: shifts.ShiftInfo | None
    calls_this_shift: int
    open_log_items: int

    @property
    def open_emergencies(self) -> int:
        """Emergency calls still waiting for the desk: the header and the Calls pane both show it."""
        return sum(1 for c in self.calls if c.is_open_emergency)


def load(config: Config, engine, now: datetime) -> ConsoleData:
    shift = shifts.current(config, now)
    since = shift.starts_at if shift else shifts.shift_bounds(config, now)[1]
    return ConsoleData(
        calls=calls.recent(),
        orders=orders.open_orders(engine),
        log=shifts.recent_entries(),
        keys=keys.board(),
        shift=shift,
        calls_this_shift=calls.count_since(since),
        open_log_items=shifts.open_carried_count(),
    )
