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
    found = {f"call:{c.id}" for c in data.calls if c.is_open_emergency}
    for row in data.orders:
        for clock in row.clocks:
            band = clock.band(now)
            if band in _RINGING_BANDS:
                reminder = f"{clock.kind}.{band}:{int(clock.due.timestamp())}"
                if reminder not in row.acked:
                    found.add(f"order:{row.id}:{reminder}")
        if supervisor and row.pending:
            found.add(f"approval:{row.id}:{row.pending}")
    found.update(f"key:{k.loan_id or k.id}" for k in data.keys if k.overdue(now))
    found.update(p.key for p in _preparations(data) if p.at <= now)
    return frozenset(found)


def _preparations(data):
    return [p for p in (v.preparation for v in data.visitors) if p is not None]


def new_alarms(before, before_now: datetime | None, after, now: datetime, *,
               supervisor: bool = False) -> frozenset[str]:
    """What holds after that did not before: the events between two successive loads (or ticks)."""
    held = standing(before, before_now, supervisor=supervisor) if before is not None else frozenset()
    return standing(after, now, supervisor=supervisor) - held


def next_change(data, now: datetime) -> datetime | None:
    """The first moment after `now` at which an order or key can start to ring without a reload."""
    moments = [m for row in data.orders for clock in row.clocks for m in (clock.at90, clock.due) if m > now]
    moments += [k.due_at for k in data.keys if k.status == "out" and k.due_at and k.due_at > now]
    moments += [p.at for p in _preparations(data) if p.at > now]
    return min(moments, default=None)


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

