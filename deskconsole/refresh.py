"""The one route from the database to the console's panes: which load runs, and what it may show.

The app asks the change feed whether anything was committed (on a timer, and at once after a write
made here) and tells the Sequencer. The Sequencer runs on the app's thread only and never reads the
database itself: it hands back Loads for the app to run in a worker thread, one at a time (a change
that comes while one runs is read by the next), and says what each finished load may show:

* older data never hides newer: loads run one after the other and are numbered;
* a call saved here shows at once (`saved_call`), and a load that started before the save shows
  with that row in it, until a load that started after the save has read it from the database;
* the data read ahead while the operator signs on is shown instead of a first read only if the
  audit trail holds nothing since but this operator's sign-on (`Reader.if_current`);
* a failed read is said in one line and read again at the next poll.

Plain Python: no Textual here (the app keeps a thin worker wrapper), so it is tested on its own.
"""
from __future__ import annotations

import itertools
import sqlite3
import time
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Callable

import peewee as pw

from . import db
from .i18n import _
from .text import strip_controls

if TYPE_CHECKING:
    from .calls import CallRow
    from .console_data import ConsoleData

# Kinds of load, weakest first: a pending request is kept as the strongest asked for.
CHANGE = "change"  # the feed moved: read again what the audit trail says changed since the last read
FIRST = "first"    # the first load after sign-on: the data read ahead if still current, else a read
FULL = "full"      # everything from the database (the palette's "Reload")
AHEAD = "ahead"    # while the sign-on screen is up: read, keep, show nothing
_STRENGTH = {None: 0, CHANGE: 1, FIRST: 2, FULL: 3}


class Reader:
    """Reads what the console shows; called in a worker thread, each call on a connection of its own.

    `engine` makes (or returns) the site's SLA engine; `prepare` runs before a read ahead (the app
    imports the console's modules there) and `warm(data)` after it (the app builds the panes' rows)."""

    # What signing on writes to the audit trail (people.verify, shifts.sign_on).
    SIGN_ON_ACTIONS = frozenset({"staff.sign_on", "staff.pin_change", "shift.open", "shift.take", "shift.join"})

    def __init__(self, config, engine: Callable[[], object], clock, *,
                 prepare: Callable[[], None] | None = None,
                 warm: Callable[[ConsoleData], None] | None = None) -> None:
        self.config = config
        self.engine = engine
        self.clock = clock
        self.prepare = prepare
        self.warm = warm

    def read(self, previous: ConsoleData | None) -> ConsoleData:
        from . import console_data  # here: the app starts without it (the sign-on screen comes up sooner)
        with db.database.connection_context():
            return console_data.load(self.config, self.engine(), self.clock.now(), previous)

    def if_current(self, ahead: ConsoleData, operator_id: int) -> ConsoleData | None:
        """`ahead` with the shift as it is now, if the audit trail holds nothing since it was read but
        this operator's sign-on, and the shift is still the one it read; else None."""
        from . import console_data, shifts
        if ahead.shift is None:
            return None
        with db.database.connection_context():
            shift = shifts.current(self.config, self.clock.now())
            if shift is None or shift.id != ahead.shift.id \
                    or not console_data.unchanged_but_for(ahead, operator_id, self.SIGN_ON_ACTIONS):
                return None
        return replace(ahead, shift=shift)


@dataclass(eq=False, repr=False)
class Load:
    """One read of the console's data. Made by the Sequencer; `run` is called in a worker thread."""
    number: int
    kind: str
    previous: ConsoleData | None = None   # the open orders may be reused from it (None: read them)
    ahead: ConsoleData | None = None      # FIRST: shown instead of a read if still current
    operator_id: int | None = None
    taken: bool = False                   # set by run: `ahead` was current and nothing was read

    def __repr__(self) -> str:
        # Short: Textual describes a worker by repr(work); the data's repr (thousands of rows) took ≈90 ms.
        return f"Load({self.number}, {self.kind})"

    def run(self, reader: Reader) -> ConsoleData:
        if self.ahead is not None and self.operator_id is not None:
            data = reader.if_current(self.ahead, self.operator_id)
            if data is not None:
                self.taken = True
                return data
        if self.kind == AHEAD and reader.prepare is not None:
            reader.prepare()
        data = reader.read(self.previous)
        if self.kind == AHEAD and reader.warm is not None:
            reader.warm(data)
        return data


@dataclass(frozen=True)
class Done:
    """What a finished load means for the screen: data to show (or None) and the next load to start."""
    show: ConsoleData | None = None
    next: Load | None = None
    recovered: bool = False   # the read before it had failed: take the failure's line away


class Sequencer:
    READ_AHEAD_AGAIN_AFTER = 30.0  # seconds: a key typed at sign-on after this reads ahead again

    def __init__(self, monotonic: Callable[[], float] = time.monotonic) -> None:
        self._monotonic = monotonic
        self._numbers = itertools.count(1)
        self._last_number = 0
        self.running: Load | None = None
        self._pending: str | None = None
        self.latest: ConsoleData | None = None   # the newest data read, shown or not: the next previous
        self.shown: ConsoleData | None = None    # what the console shows, saved rows included
        self._shown_number = 0
        self._unshown: tuple[ConsoleData, int] | None = None
        self._ready = False                      # the console screen is mounted
        self._operator_id: int | None = None
        self._saved: list[tuple[int, CallRow, bool]] = []  # (first load that reads it, row, new)
        self.failure: str | None = None          # the line said for the last failed read

    @property
    def busy(self) -> bool:
        """A load runs or waits to run."""
        return self.running is not None or self._pending is not None

    # --- what asks for a load ----------------------------------------------------------------

    def read_ahead(self) -> Load | None:
        """The sign-on screen is up: read the console's data ahead, unless a fresh copy is there."""
        if self._operator_id is not None or self.running is not None:
            return None
        latest = self.latest
        if latest is not None and self._monotonic() - latest.read_in_full_at < self.READ_AHEAD_AGAIN_AFTER:
            return None
        return self._start(AHEAD)

    def signed_on(self, operator_id: int) -> Load | None:
        """The first load: it waits for a read ahead under way, then shows it if still current."""
        self._operator_id = operator_id
        return self._request(FIRST)

    def changed(self, full: bool = False) -> Load | None:
        """Something was committed (the feed moved), or `full`: read everything again."""
        if self._operator_id is None:
            return None
        return self._request(FULL if full else CHANGE)

    def poll(self, moved: bool) -> Load | None:
        """The feed was looked at: a load if it moved, or if the last read failed (tried again)."""
        if moved or (self.failure is not None and self.running is None):
            return self.changed()
        return None

    def _request(self, kind: str) -> Load | None:
        if self.running is not None:
            if _STRENGTH[kind] > _STRENGTH[self._pending]:
                self._pending = kind
            return None
        return self._start(kind)

    def _start(self, kind: str) -> Load:
        self._last_number = number = next(self._numbers)
        latest = self.latest
        load = Load(number, kind,
                    previous=None if kind in (FULL, AHEAD) else latest,
                    ahead=latest if kind == FIRST else None,
                    operator_id=self._operator_id)
        self.running = load
        return load

    def _next(self, after: Load) -> Load | None:
        pending, self._pending = self._pending, None
        if pending is None and after.taken:
            pending = CHANGE  # the read ahead is on the screen: read everything once it is painted
        if pending is None or self._operator_id is None:
            return None
        return self._start(pending)

    # --- what a load brings ---------------------------------------------------------------

    def done(self, load: Load, data: ConsoleData) -> Done:
        self.running = None
        self.latest = data
        recovered = False
        show = None
        if load.kind != AHEAD:
            recovered = self.failure is not None
            self.failure = None
            show = self._offer(data, load.number)
        return Done(show, self._next(load), recovered)

    def failed(self, load: Load, error: BaseException) -> tuple[str | None, Load | None]:
        """A load raised: (the line to say, or None for a read ahead nobody waits for; the next load,
        if a change came meanwhile). Otherwise the next poll reads again."""
        self.running = None
        line = None
        if load.kind != AHEAD:
            line = self.failure = read_failure(error)
        return line, self._next(load)

    def feed_failed(self, error: BaseException) -> str:
        """The change feed itself could not be read: said like a failed read, and read again once the
        feed answers."""
        self.failure = read_failure(error)
        return self.failure

    def cancelled(self, load: Load) -> None:
        if self.running is load:
            self.running = None

    def _offer(self, data: ConsoleData, number: int) -> ConsoleData | None:
        if number < self._shown_number:
            return None  # older than what is on the screen
        data = self._with_saved(data, number)
        if not self._ready:
            self._unshown = (data, number)
            return None
        self._shown_number = number
        self.shown = data
        return data

    def mounted(self) -> tuple[ConsoleData | None, Load | None]:
        """The console screen is there: what was read for it meanwhile, else (nothing under way) a load."""
        self._ready = True
        unshown, self._unshown = self._unshown, None
        if unshown is not None:
            return self._offer(*unshown), None
        if self.shown is None and not self.busy and self._operator_id is not None:
            return None, self._start(CHANGE)
        return None, None

    # --- a call saved here -----------------------------------------------------------------

    def saved_call(self, call: CallRow, new: bool) -> ConsoleData | None:
        """A call this console just saved (read back after the commit): the data to show now, with it.
        Every load that started before now shows it too, until one started later has read it."""
        if self.shown is None:
            return None
        self._saved.append((self._last_number + 1, call, new))
        self.shown = with_saved_call(self.shown, call, new)
        return self.shown

    def _with_saved(self, data: ConsoleData, number: int) -> ConsoleData:
        self._saved = [s for s in self._saved if s[0] > number]  # the rest are in `data` already
        for _first, call, new in self._saved:
            data = with_saved_call(data, call, new)
        return data


def with_saved_call(data: ConsoleData, call: CallRow, new: bool) -> ConsoleData:
    """`data` with `call` in the Calls pane: where it is, its row replaced; else on top, below the open
    emergencies (first if it is one), counted in the shift if it is new."""
    if any(c.id == call.id for c in data.calls):
        return replace(data, calls=[call if c.id == call.id else c for c in data.calls])
    top = 0
    if not call.is_open_emergency:
        top = next((i for i, c in enumerate(data.calls) if not c.is_open_emergency), len(data.calls))
    counted = new and data.shift is not None and call.received_at >= data.shift.starts_at
    return replace(data, calls=data.calls[:top] + [call] + data.calls[top:],
                   calls_this_shift=data.calls_this_shift + (1 if counted else 0))


def read_failure(error: BaseException) -> str:
    """One plain line for a read that failed: the database's own words for a storage error (they name
    no value), only the kind of error otherwise (its text might hold what was being read)."""
    if isinstance(error, (pw.OperationalError, sqlite3.OperationalError)) and db._is_busy(error):
        reason = _("the database stayed busy too long")
    elif isinstance(error, (pw.DatabaseError, sqlite3.Error, db.StoreError, db.SchemaError)):
        reason = strip_controls(str(error)).strip()[:200] or type(error).__name__
    else:
        reason = type(error).__name__
    return _("Could not read the database: {reason}", reason=reason)
