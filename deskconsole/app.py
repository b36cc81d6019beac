"""DeskApp: sign-on, the console screen, the change feed and the one clock tick."""
from __future__ import annotations

import asyncio
import importlib
import itertools
import os
import signal
import sys
import threading
import time
from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING

from textual import work
from textual.app import App, SystemCommand
from textual.screen import Screen

from . import db, people
from .clock import SystemClock
from .config import Config
from .feed import ChangeFeed
from .i18n import _
from .people import Operator
from .screens.signon import FirstRunScreen, SignOnScreen
from .timefmt import local

if TYPE_CHECKING:
    from .screens.console import ConsoleScreen

# What only the console needs (its screen, the four panes, the desk modules behind them) is imported
# once the sign-on screen is painted, in a thread while the operator types: the sign-on screen comes
# up sooner.
CONSOLE_MODULES = ("deskconsole.console_data", "deskconsole.screens.console")


def _console_screen_class():
    from .screens.console import ConsoleScreen
    return ConsoleScreen


class DeskApp(App):
    TITLE = "deskconsole"
    FEED_POLL = 0.5  # seconds between two looks at the change feed
    # Seconds after the sign-on screen is painted before the console is prepared in a thread (its
    # modules, the SLA engine, its data read ahead): after the screen's first frames, well before a PIN
    # is typed.
    PREPARE_CONSOLE_AFTER = 0.05

    def __init__(self, config: Config, *, clock=None, engine=None, operator_code: str = "",
                 cursor_blink: bool = True) -> None:
        super().__init__()
        self.config = config
        self.clock = clock or SystemClock()
        self._engine = engine  # made when first needed: the holiday calendars take ≈130 ms to load
        self._engine_lock = threading.Lock()
        self.operator_code = operator_code
        self.cursor_blink = cursor_blink
        self.operator: Operator | None = None
        self.feed: ChangeFeed | None = None

    # --- helpers the screens use ---------------------------------------------------------

    @property
    def engine(self):
        """The site's SLA engine (deadlines, office hours, holidays)."""
        if self._engine is None:
            with self._engine_lock:  # the sign-on thread may be making it
                if self._engine is None:
                    self._engine = self.config.sla_engine()
        return self._engine

    @engine.setter
    def engine(self, value) -> None:
        self._engine = value

    def local_time(self, dt: datetime, fmt: str = "HH:mm:ss") -> str:
        return local(dt, self.config.tz, fmt)

    @property
    def console_screen(self) -> ConsoleScreen | None:
        console = _console_screen_class()
        for screen in self.screen_stack:
            if isinstance(screen, console):
                return screen
        return None

    # --- start-up and sign-on ------------------------------------------------------------

    def on_mount(self) -> None:
        self._watch_terminal()
        if self.config.theme:
            self.theme = self.config.theme
        elif self.console.color_system in (None, "standard", "windows"):
            # 16 colours: a theme made of the terminal's own ANSI colours reads right there.
            self.theme = "ansi-dark"
        if people.has_staff():
            self.push_screen(SignOnScreen(self.config.site_name, self.operator_code))
        else:
            self.push_screen(FirstRunScreen(self.config.site_name))
        self.call_after_refresh(lambda: self.set_timer(self.PREPARE_CONSOLE_AFTER, self.prefetch))

    # While the operator signs on, the costly part of the console's first load (the open orders) is read
    # in the background; the first load after sign-on reuses it unless an order changed since (the
    # audit trail says, see console_data.load). Everything else is read after sign-on as always.
    PREFETCH_AGAIN_AFTER = 30.0  # seconds: a key typed at sign-on after this reads the orders again
    _loaded = None               # the newest ConsoleData read (shown or not): the next load's `previous`
    _prefetching = False
    _prefetched: threading.Event | None = None   # set when the read under way ends

    def prefetch(self) -> None:
        if self.operator is not None or self._prefetching or not isinstance(self.screen, SignOnScreen):
            return
        loaded = self._loaded
        if loaded is not None and time.monotonic() - loaded.orders_read_at < self.PREFETCH_AGAIN_AFTER:
            return
        self._prefetching = True
        self._prefetched = threading.Event()
        self._prefetch(self._prefetched)

    @work(thread=True, exclusive=True, group="prefetch")
    def _prefetch(self, done: threading.Event) -> None:
        try:
            for name in CONSOLE_MODULES:
                importlib.import_module(name)
            from . import console_data
            with db.database.connection_context():
                data = console_data.load(self.config, self.engine, self.clock.now())
            from .widgets.panes import PANES
            for pane in PANES:
                pane.prebuild(data, self.config.tz)
            self._loaded = data
        finally:
            self._prefetching = False
            done.set()

    def on_descendant_focus(self, event) -> None:
        # Snapshot tests turn the cursor blink off: a blinking cursor is a different picture each time.
        if not self.cursor_blink and hasattr(event.widget, "cursor_blink"):
            event.widget.cursor_blink = False

    # What signing on writes to the audit trail (people.verify, shifts.sign_on).
    SIGN_ON_ACTIONS = frozenset({"staff.sign_on", "shift.open", "shift.take", "shift.join"})

    def signed_on(self, operator: Operator) -> None:
        from . import shifts
        now = self.clock.now()
        shifts.sign_on(operator, self.config, now)
        self.operator = operator
        self.feed = ChangeFeed(self.config.db_url)
        # The first load starts now, while the console screen is built, and shows once it is mounted.
        # It waits for the read ahead if that is under way, and takes what it read if nothing but this
        # sign-on was written since (then reads everything again once the console is painted).
        self._take_ahead = True
        self.reload()
        self.switch_screen(_console_screen_class()())
        self.set_interval(1.0, self.tick, name="tick")
        # PRAGMA data_version costs ≈5 µs: twice a second, so a commit elsewhere shows within a second.
        self.set_interval(self.FEED_POLL, self.poll_feed, name="feed")

    def _ahead_if_current(self, now: datetime):
        """The data read ahead during sign-on, if nothing but this sign-on was written since (with the
        shift as it is now), else None."""
        from . import console_data, shifts
        ahead, operator = self._loaded, self.operator
        if ahead is None or ahead.shift is None or operator is None:
            return None
        shift = shifts.current(self.config, now)
        if shift is None or shift.id != ahead.shift.id \
                or not console_data.unchanged_but_for(ahead, operator.id, self.SIGN_ON_ACTIONS):
            return None
        return replace(ahead, shift=shift)

    # --- the change feed and the tick ----------------------------------------------------

    def poll_feed(self) -> None:
        if self.feed is not None and self.feed.changed():
            self.reload()

    # Each load is numbered when its thread starts reading. What it read is shown only if no load that
    # started later has been shown, and if it started after the last early-shown save (reload_floor).
    _reload_numbers = itertools.count(1)
    _shown_number = 0
    _reload_floor = 0

    def reload_floor(self) -> None:
        """This console is about to show a record it just saved, before any reload has read it: a
        load already under way may predate the save, so its data is dropped when it arrives (the
        reload that follows the save, and the feed poll, bring the newer data)."""
        self._reload_floor = next(self._reload_numbers)

    @work(thread=True, exclusive=True, group="reload")
    def reload(self, full: bool = False) -> None:
        """Re-read the panes in a thread of its own, then hand the rows to the screen. `full`: every
        part from the database (else the open orders may be reused, see console_data.load)."""
        from . import console_data
        prefetched = self._prefetched
        if prefetched is not None and not full:
            prefetched.wait(timeout=5.0)  # a read of the orders under way: wait for it, not read them twice
        take_ahead, self._take_ahead = self._take_ahead, False
        number = next(self._reload_numbers)
        now = self.clock.now()
        with db.database.connection_context():
            data = self._ahead_if_current(now) if take_ahead and not full else None
            if data is None:
                data = console_data.load(self.config, self.engine, now, None if full else self._loaded)
            else:
                take_ahead = "taken"
        self._loaded = data
        self.call_from_thread(self._show, data, number)
        if take_ahead == "taken":  # then read everything once the console is painted, as above
            self.call_from_thread(self.call_after_refresh, self.reload)

    _unshown = None  # (data, number) read before the console screen was mounted
    _take_ahead = False  # the next reload may show the data read ahead (see signed_on)

    def _show(self, data, number: int = 0) -> None:
        if number and (number <= self._reload_floor or number < self._shown_number):
            return  # older than what is on the screen
        screen = self.console_screen
        if screen is not None and screen.is_mounted:
            self._shown_number = max(self._shown_number, number)
            screen.show_data(data, self.clock.now())
        elif self.operator is not None:
            self._unshown = (data, number)

    def console_mounted(self) -> None:
        """The console screen exists: show what was read for it meanwhile, else read it now."""
        unshown, self._unshown = self._unshown, None
        screen = self.console_screen
        if unshown is not None and screen is not None:
            data, number = unshown
            if not number or (number > self._reload_floor and number >= self._shown_number):
                self._shown_number = max(self._shown_number, number)
                screen.show_data(data, self.clock.now())
        if unshown is None and not any(w.group == "reload" and not w.is_finished for w in self.workers):
            self.reload()

    def tick(self) -> None:
        screen = self.console_screen
        if screen is not None and screen.is_attached and screen.data is not None:
            screen.tick(self.clock.now())

    # --- the database server lost and found (PostgreSQL) ------------------------------------

    _reconnecting = False
    _reconnect_screen = None
    RECONNECT_FIRST, RECONNECT_MOST = 0.5, 10.0  # seconds between two tries: doubling

    def _handle_exception(self, error: Exception) -> None:
        """A worker's read that failed because the server went away (a restart, a failover) does not
        end the console: it waits for the server. Anything else ends it, as Textual does."""
        cause = getattr(error, "error", None)  # a WorkerFailed carries the worker's exception
        if cause is not None and db.is_connection_failure(cause):
            self.connection_trouble()
            return
        super()._handle_exception(error)

    def connection_trouble(self) -> None:
        """Say "reconnecting…" over whatever is open (a form keeps what was typed) and try again."""
        if self._reconnecting or self._exit:
            return
        from .screens.reconnecting import ReconnectingScreen
        self._reconnecting = True
        self._reconnect_screen = ReconnectingScreen()
        self.push_screen(self._reconnect_screen)
        self._reconnect()

    @work(thread=True, exclusive=True, group="reconnect", exit_on_error=False)
    def _reconnect(self) -> None:
        from textual.worker import get_current_worker
        worker, wait = get_current_worker(), self.RECONNECT_FIRST
        while not worker.is_cancelled:
            try:
                with db.database.connection_context():
                    db.database.execute_sql("SELECT 1")
            except (*db.CONNECTION_ERRORS, db.StoreError):
                self.call_from_thread(self._reconnect_screen.next_try, wait)
                time.sleep(wait)
                wait = min(wait * 2, self.RECONNECT_MOST)
                continue
            self.call_from_thread(self._reconnected)
            return

    def _reconnected(self) -> None:
        self._reconnecting = False
        screen, self._reconnect_screen = self._reconnect_screen, None
        if screen is not None and self.screen is screen:
            self.pop_screen()
        self.notify(_("Connected to the database again."), timeout=3, markup=False)
        if self.operator is not None:
            self.reload(full=True)

    # --- command palette -----------------------------------------------------------------

    def get_system_commands(self, screen: Screen):
        yield from super().get_system_commands(screen)
        if isinstance(screen, _console_screen_class()):
            for number, title in ((1, "Calls"), (2, "Work orders"), (3, "Shift log"), (4, "Keys")):
                yield SystemCommand(_("Show {pane}", pane=_(title)), _("Pane {n}", n=number),
                                    lambda n=number: screen.action_show_pane(n))
            yield SystemCommand(_("Filter this pane"), _("Type to narrow the list"), screen.action_filter)
            yield SystemCommand(_("Keys and help"), _("The keymap"), screen.action_help)
            yield SystemCommand(_("Monthly figures"), _("Counts and rates for a month or a range of days"),
                                screen.action_reports)
            yield SystemCommand(_("Reload"), _("Read everything from the database again"),
                                lambda: self.reload(full=True))
            for pane in screen.panes:
                for name, help_text, callback in pane.commands():
                    yield SystemCommand(name, help_text, callback)

    async def action_quit(self) -> None:
        """Ctrl+Q: ask first if a form holds unsaved input."""
        from .screens.form import ConfirmScreen, FormScreen
        if any(isinstance(s, FormScreen) and s.is_dirty() for s in self.screen_stack):
            def answered(leave: bool | None) -> None:
                if leave:
                    self.exit()
            self.push_screen(ConfirmScreen(_("A form holds what you typed. Quit and lose it?")), answered)
            return
        self.exit()

    def on_unmount(self) -> None:
        if self.feed is not None:
            self.feed.close()
        if self._terminal_fd is not None:
            asyncio.get_running_loop().remove_signal_handler(signal.SIGHUP)

    # --- the terminal going away (an SSH session dropping) ----------------------------------

    _terminal_fd: int | None = None
    # After the terminal is gone, how long an orderly exit may take before the process ends itself.
    TERMINAL_LOST_GRACE = 2.0

    def _watch_terminal(self) -> None:
        """Exit when the terminal goes away: on SIGHUP, and (when SIGHUP is ignored, e.g. under nohup)
        when the terminal stops being one, checked once a second. Without this a console whose SSH
        session dropped reads end-of-file for ever and never exits."""
        if self.is_headless:
            return
        fd = sys.__stdout__.fileno() if sys.__stdout__ is not None else -1
        if fd < 0 or not os.isatty(fd):
            return
        self._terminal_fd = fd
        asyncio.get_running_loop().add_signal_handler(signal.SIGHUP, self.terminal_lost)
        self.set_interval(1.0, self._check_terminal, name="terminal")

    def _check_terminal(self) -> None:
        if self._terminal_fd is not None and not os.isatty(self._terminal_fd):
            self.terminal_lost()

    def terminal_lost(self) -> None:
        """No one is there to answer a question: leave without asking. Each desk write is one
        transaction, so nothing is half-written; what a form held unsaved is lost with the session.
        Textual's shutdown can block writing to a terminal that is gone (its output queue fills), so
        if the orderly exit has not finished after a grace time the process ends itself."""
        if getattr(self, "_leaving", False):
            return
        self._leaving = True

        def _last_resort() -> None:
            db.close()
            os._exit(128 + signal.SIGHUP)

        timer = threading.Timer(self.TERMINAL_LOST_GRACE, _last_resort)
        timer.daemon = True
        timer.start()
        self.exit(return_code=128 + signal.SIGHUP)

    def hand_over_to(self, operator: Operator) -> None:
        """A handover was completed here: the console is now the incoming operator's."""
        self.operator = operator
        self.reload()
