"""The bell (ux.md, "Holding the desk at night"): what rings the terminal bell, and when.

Plain Python over what the console last read (ConsoleData) and the clock: `standing` lists the alarms
that hold now, each with a stable key; `Bell` remembers which it has rung for and says when to ring:
once for a new alarm, again every REPEAT while it still holds (acknowledging an order's reminder, or
acting on the call, ends it), and never twice within MIN_GAP (alarms that come together ring once).
A VIP's preparation (frontdesk.Preparation) is a reminder, not an alarm: it rings once when it falls due.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from .countdown import UntilChange


REPEAT = timedelta(minutes=5)
MIN_GAP = timedelta(seconds=10)
ONCE = ("vip:",)   # the alarms that ring once, never again while they hold
_RINGING_BANDS = ("band90", "over")


def standing(data, now: datetime, *, supervisor: bool = False) -> frozenset[str]:
    """The alarms that hold at `now` in `data` (a console_data.ConsoleData), by key: an open emergency
    call ("call:<id>"), an order clock at 90 % or over whose reminder nobody acknowledged
    ("order:<id>:<reminder key>"), a key overdue ("key:<loan>"), and, on a supervisor's console,
    a request waiting for approval ("approval:<order id>:<kind>"), and a VIP's preparation that is due
    ("vip:<visitor id>:<kind>:<time>", until the VIP arrives or leaves)."""
    return (_call_alarms(data.calls) | _order_alarms(data.orders, now, supervisor) | _key_alarms(data.keys, now)
            | _vip_alarms(data.visitors, now))


def _call_alarms(calls) -> frozenset[str]:
    return frozenset(f"call:{c.id}" for c in calls if c.is_open_emergency)


def _order_alarms(orders, now: datetime, supervisor: bool) -> frozenset[str]:
    found = set()
    for row in orders:
        for clock in row.clocks:
            band = clock.band(now)
            if band in _RINGING_BANDS:
                reminder = f"{clock.kind}.{band}:{int(clock.due.timestamp())}"
                if reminder not in row.acked:
                    found.add(f"order:{row.id}:{reminder}")
        if supervisor and row.pending:
            found.add(f"approval:{row.id}:{row.pending}")
    return frozenset(found)


def _key_alarms(keys, now: datetime) -> frozenset[str]:
    return frozenset(f"key:{k.loan_id or k.id}" for k in keys if k.overdue(now))


def _vip_alarms(visitors, now: datetime) -> frozenset[str]:
    return frozenset(p.key for p in _preparations_of(visitors) if p.at <= now)


def _orders_next(orders, now: datetime) -> datetime | None:
    return min((m for row in orders for clock in row.clocks for m in (clock.at90, clock.due) if m > now), default=None)


def _keys_next(keys, now: datetime) -> datetime | None:
    return min((k.due_at for k in keys if k.status == "out" and k.due_at and k.due_at > now), default=None)


def _vips_next(visitors, now: datetime) -> datetime | None:
    return min((p.at for p in _preparations_of(visitors) if p.at > now), default=None)


class Standing:
    """`standing()` for a console's 1 s tick: each list's alarms are kept until that list is replaced (a
    reload keeps an unchanged list as the same object) or the clock reaches its next band, so a new
    call costs the calls' alarms only; while nothing changed the same frozenset comes back (Bell.check
    then has nothing to do)."""

    def __init__(self) -> None:
        self._parts = [UntilChange() for _ in range(4)]
        self._union: tuple | None = None   # (the parts it was made of, the union)

    def get(self, data, now: datetime, *, supervisor: bool = False) -> frozenset[str]:
        calls, orders, keys, vips = self._parts
        parts = (calls.get((data.calls,), now, lambda: _call_alarms(data.calls)),
                 orders.get((data.orders, supervisor), now, lambda: _order_alarms(data.orders, now, supervisor),
                            lambda: _orders_next(data.orders, now)),
                 keys.get((data.keys,), now, lambda: _key_alarms(data.keys, now), lambda: _keys_next(data.keys, now)),
                 vips.get((data.visitors,), now, lambda: _vip_alarms(data.visitors, now),
                          lambda: _vips_next(data.visitors, now)))
        held = self._union
        if held is None or any(a is not b for a, b in zip(held[0], parts)):
            self._union = held = (parts, frozenset().union(*parts))
        return held[1]


def _preparations_of(visitors):
    return [p for p in (v.preparation for v in visitors) if p is not None]


def new_alarms(before, before_now: datetime | None, after, now: datetime, *,
               supervisor: bool = False) -> frozenset[str]:
    """What holds after that did not before: the events between two successive loads (or ticks)."""
    held = standing(before, before_now, supervisor=supervisor) if before is not None else frozenset()
    return standing(after, now, supervisor=supervisor) - held


def next_change(data, now: datetime) -> datetime | None:
    """The first moment after `now` at which an order or key can start to ring without a reload."""
    return min((m for m in (_orders_next(data.orders, now), _keys_next(data.keys, now), _vips_next(data.visitors, now))
                if m is not None), default=None)


@dataclass
class Bell:
    """When to ring. `check(alarms, now)` is True when the console should ring now."""
    rung: dict[str, datetime] = field(default_factory=dict)   # alarm -> when it last rang
    last: datetime | None = None
    # The alarms of the last check and when one of them can next be due: until then, with the same
    # alarms, nothing can ring (the 1 s tick on a site with thousands of alarms costs a comparison).
    _checked: frozenset | None = field(default=None, repr=False)
    _quiet_until: datetime | None = field(default=None, repr=False)
    _quiet: bool = field(default=False, repr=False)   # _quiet_until None and _quiet: never, with these alarms

    def check(self, alarms: frozenset[str], now: datetime) -> bool:
        if alarms is self._checked and (self._quiet if self._quiet_until is None else now < self._quiet_until):
            return False
        self.rung = {k: at for k, at in self.rung.items() if k in alarms}   # ended: forget it
        due = [k for k in alarms if k not in self.rung or (now - self.rung[k] >= REPEAT and not k.startswith(ONCE))]
        rings = bool(due) and not (self.last is not None and now - self.last < MIN_GAP)
        if rings:
            for k in due:
                self.rung[k] = now
            self.last = now
        self._checked = alarms
        if due and not rings:   # held back by MIN_GAP: they ring once it has passed
            self._quiet_until, self._quiet = self.last + MIN_GAP, False
        else:                   # every alarm is rung: the first to repeat is the next
            repeats = [at + REPEAT for k, at in self.rung.items() if not k.startswith(ONCE)]
            self._quiet_until, self._quiet = min(repeats, default=None), not repeats
        return rings

