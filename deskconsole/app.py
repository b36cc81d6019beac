"""DeskApp: sign-on, the console screen, the change feed and the one clock tick."""
from __future__ import annotations

import asyncio
import gc
import importlib
import os
import signal
import sys
import threading
import time
from datetime import datetime
from functools import partial
from typing import TYPE_CHECKING

from textual import events, work
from textual._styles_cache import StylesCache
from textual.app import SystemCommand
from textual.message import Message
from textual.screen import Screen
from textual.worker import Worker, WorkerState

from . import db, log, people
from .clock import SystemClock
from .config import Config, ConfigError
from .feed import ChangeFeed
from .i18n import _
from .people import Operator
from .refresh import Load, Reader, Sequencer
from .screens.signon import FirstRunScreen, SignOnScreen
from .timefmt import local
from .widgets.typeahead import TypeAheadApp

if TYPE_CHECKING:
    from .screens.console import ConsoleScreen

# What only the console needs (its screen, the four panes, the desk modules behind them) is imported
# once the sign-on screen is painted, in a thread while the operator types: the sign-on screen comes
# up sooner.
CONSOLE_MODULES = ("deskconsole.console_data", "deskconsole.screens.console")


def _console_screen_class():
    from .screens.console import ConsoleScreen
    return ConsoleScreen


class CommitSeen(Message):
    """The feed's thread saw a commit (FileWatch, PgWatch), or (`watch_lost`) its watch failed."""

    def __init__(self, watch_lost: bool = False) -> None:
        super().__init__()
        self.watch_lost = watch_lost


def let_go_of_removed_widgets() -> None:
    """Textual's `StylesCache.get_inner_outer` is an lru_cache (1,024) on a method: it keeps the styles
    cache of every widget it drew, with that widget's rendered lines, long after the widget is gone (the
    footer's keys at each pane switch, each form closed): 5 MB more after 200 pane switches. Emptied at each
    tick; the widgets on the screen compute theirs again as they are drawn (two styles each)."""
    StylesCache.get_inner_outer.cache_clear()


class DeskApp(TypeAheadApp):
    TITLE = "deskconsole"
    CSS_PATH = "deskconsole.tcss"  # the screens' styles; reusable widgets keep their DEFAULT_CSS
    FEED_POLL = 0.5  # seconds between two looks at the change feed
    # With a watch (SQLite on Linux, PostgreSQL) a commit wakes the console at once: the timer is a safety net.
    FEED_WATCHED_POLL = 5.0
    FEED_LOOK_AGAIN = 0.1  # a commit's -wal write seen before its commit is visible: look once more
    # Seconds after the sign-on screen is painted before the console is prepared in a thread (its
    # modules, the SLA engine, its data read ahead): after the screen's first frames, well before a PIN
    # is typed.
    PREPARE_CONSOLE_AFTER = 0.05

    def notify(self, message: str, *, title: str = "", severity="information", timeout: float | None = None,
               markup: bool = False) -> None:
        """Every notice shows its words as written: a refusal naming 王[b]小明 or quoting a note with
        "[/x]" is text, never markup (Textual's default would style it, or fail on it)."""
        super().notify(message, title=title, severity=severity, timeout=timeout, markup=markup)

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
        self.sequencer = Sequencer()
        self._reader = Reader(config, lambda: self.engine, self.clock, prepare=self._prepare_console,
                              warm=self._warm_panes)
        self._loads: dict[Worker, Load] = {}

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
        if self.config.keymap:
            # The site file's [keymap] (checked when it was read): Textual moves each binding by its id.
            self.set_keymap(self.config.keymap)
        if self.config.theme:
            self.theme = self.config.theme
        elif self.console.color_system in (None, "standard", "windows"):
            # 16 colours: a theme made of the terminal's own ANSI colours reads right there.
            self.theme = "ansi-dark"
        if people.has_staff():
            self.push_screen(SignOnScreen(self.config.site_name, self.operator_code))
        else:
            self.push_screen(FirstRunScreen(self.config.site_name))
        self.call_after_refresh(lambda: self.set_timer(self.PREPARE_CONSOLE_AFTER, self.prepare))

    def prepare(self) -> None:
        self._build_engine()
        self.prefetch()

    @work(thread=True, group="engine")
    def _build_engine(self) -> None:
        """The SLA engine from the site file, off the screen's thread (the holiday calendars take a
        while); a site file it cannot use closes the console with one line (`check` says so first)."""
        try:
            self.engine  # noqa: B018
        except ConfigError as exc:
            self.call_from_thread(self.leave, str(exc), 2)

    # While the operator signs on, the console's data is read ahead in the background (its modules
    # imported, the panes' rows built); the first load after sign-on shows it if nothing but the sign-on
    # was written since (refresh.Sequencer). A key typed at sign-on reads ahead again if the copy is old.

    def prefetch(self) -> None:
        if self.operator is None and isinstance(self.screen, SignOnScreen):
            self._start_load(self.sequencer.read_ahead())

    def _prepare_console(self) -> None:
        for name in CONSOLE_MODULES:
            importlib.import_module(name)

    def _warm_panes(self, data) -> None:
        from .widgets.panes import PANES
        for pane in PANES:
            pane.prebuild(data, self.config.tz)

    def on_descendant_focus(self, event) -> None:
        # Snapshot tests turn the cursor blink off: a blinking cursor is a different picture each time.
        if not self.cursor_blink and hasattr(event.widget, "cursor_blink"):
            event.widget.cursor_blink = False

    def signed_on(self, operator: Operator) -> None:
        if self._idle_signed_off is not None:
            self._signed_on_again(operator)
            return
        from . import shifts
        now = self.clock.now()
        shifts.sign_on(operator, now, config=self.config)
        self.operator = operator
        log.set_operator(operator.code)
        log.info(f"signed on at the console ({db.describe(self.config.db_url)})")
        self.feed = ChangeFeed(self.config.db_url)  # from here on, only commits after the sign-on move it
        self._pause_collector()
        # The first load starts now, while the console screen is built, and shows once it is mounted.
        self._start_load(self.sequencer.signed_on(operator.id))
        self.switch_screen(_console_screen_class()())
        self.set_interval(1.0, self.tick, name="tick")
        if self._terminal_timer is not None:   # the tick looks at the terminal from now on
            self._terminal_timer.stop()
            self._terminal_timer = None
        # PRAGMA data_version costs ≈5 µs, but a timer wakes the whole app: fifty idle consoles on one
        # machine pay for every wake. Where the feed can be watched, a commit wakes the console instead.
        watch = self.feed.watch()
        if watch is not None:
            threading.Thread(target=self._wait_for_commits, args=(watch,), name="deskconsole-feed",
                             daemon=True).start()
            self._feed_watch = watch
        self.set_interval(self.FEED_POLL if watch is None else self.FEED_WATCHED_POLL, self.poll_feed, name="feed")
        self._watch_idle()
        self.tell_server("signed_on", code=operator.code)

    # --- the one refresh route: the change feed, a load in a worker, the screen --------------

    _feed_watch = None

    def _wait_for_commits(self, watch) -> None:
        """The feed's thread: blocked until a commit (anyone's) writes the database, then it tells the
        app, which looks at the feed as a timer would have."""
        try:
            while watch.wait():
                self.post_message(CommitSeen())
        except Exception as exc:  # noqa: BLE001 - never a traceback on the terminal: poll instead
            log.warning(f"the change feed's watch failed ({type(exc).__name__}: {exc}): polling instead")
            self.post_message(CommitSeen(watch_lost=True))
        finally:
            watch.release()

    def on_commit_seen(self, message: CommitSeen) -> None:
        if message.watch_lost:
            self._feed_watch = None
            self.set_interval(self.FEED_POLL, self.poll_feed, name="feed")
        if not self._look_at_feed() and self._feed_watch is not None:
            # The -wal file is written a moment before the commit is visible to a reader.
            self.set_timer(self.FEED_LOOK_AGAIN, self.poll_feed, name="feed again")

    def poll_feed(self) -> None:
        """Look at the change feed; a commit anywhere since the last look (this console's own too)
        starts one load. After a failed read, every look reads again until one succeeds. A database
        file replaced under the console stops it saving (database_replaced)."""
        self._look_at_feed()

    def _look_at_feed(self) -> bool:
        """poll_feed; True when the feed moved (or failed, or the file was replaced)."""
        if self.feed is None or self._reconnecting:
            return True  # reconnecting: read again once the server answers (_reconnected)
        try:
            if self.feed.replaced():
                self.database_replaced()
                return True
            moved = self.feed.changed()
        except Exception as exc:  # noqa: BLE001 - said in one line; the next poll looks again
            line = self.sequencer.feed_failed(exc)
            if db.is_connection_failure(exc):
                self.connection_trouble(exc)
            else:
                self._read_failed(line)
            return True
        self._start_load(self.sequencer.poll(moved))
        return moved

    def _close_feed(self) -> None:
        if self._feed_watch is not None:
            self._feed_watch.close()
            self._feed_watch = None
        if self.feed is not None:
            self.feed.close()
            self.feed = None

    def database_replaced(self) -> None:
        """The database file was moved, removed or replaced under this console: what it shows stays on
        the screen, every save is refused (it would go to a file nobody reads), the panes stop re-reading,
        and the person is told what to do."""
        message = _("A database file was moved, replaced or removed while this console was open: nothing more can be saved here. Quit (Ctrl+Q) and start the console again.")  # noqa: E501
        db.refuse_writes(message)
        log.warning(f"database file replaced or removed under the console: {db.describe(self.config.db_url)}")
        self._close_feed()
        self.notify(message, severity="error", timeout=24 * 3600)

    def reload(self, full: bool = False) -> None:
        """A write was made here: have the change feed look as soon as the screen is painted (the load
        it starts shows the write; a write that did not commit starts none). Not before: the load's
        thread would slow down painting what the save changed at once (the form closing, a saved call's
        row). `full`: read everything again, the open orders too, whether or not anything changed (the
        palette's "Reload")."""
        if not full:
            self.call_after_refresh(self.poll_feed)
            return
        if self.feed is not None:
            try:
                self.feed.changed()  # this load reads whatever moved it: no second load for it
            except Exception:  # noqa: BLE001 - the load below says what fails
                pass
        self._start_load(self.sequencer.changed(full=True))

    def _start_load(self, load: Load | None) -> None:
        if load is None:
            return
        worker = self.run_worker(partial(load.run, self._reader), name=repr(load), description=repr(load),
                                 group="load", thread=True, exit_on_error=False)
        self._loads[worker] = load

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """Where every worker of the app ends: a load's data goes to the screen, and a failure is said
        in one line; no worker ever ends the console."""
        worker, state = event.worker, event.state
        if state not in (WorkerState.SUCCESS, WorkerState.ERROR, WorkerState.CANCELLED):
            return
        load = self._loads.pop(worker, None)
        if state == WorkerState.SUCCESS and load is not None:
            done = self.sequencer.done(load, worker.result)
            if done.recovered:
                self._read_failed(None)
            if done.show is not None:
                self._show(done.show)
            if done.next is not None:  # after this frame is painted
                self.call_after_refresh(self._start_load, done.next)
        elif state == WorkerState.ERROR:
            error = worker.error
            self.log.error(f"worker {worker.name!r} failed: {type(error).__name__}")
            if load is None:
                self.notify(_("A task in the background failed: {reason}", reason=type(error).__name__),
                            severity="error", markup=False)
                return
            line, following = self.sequencer.failed(load, error)
            if db.is_connection_failure(error):
                # The server went away: no error line, the reconnecting screen; read again once it is back.
                self.connection_trouble(error)
                return
            if line is not None:
                self._read_failed(line)
            self._start_load(following)
        elif load is not None:
            self.sequencer.cancelled(load)

    # The line said while reads fail (None: they do not); the console's header carries a mark meanwhile.
    read_failure: str | None = None

    def _read_failed(self, line: str | None) -> None:
        if line == self.read_failure:
            return
        self.read_failure = line
        if line is None:
            self.clear_notifications()
        else:
            self.notify(line, severity="error", timeout=30, markup=False)
        screen = self.console_screen
        if screen is not None and screen.is_mounted:
            screen.update_header(self.clock.now())

    _frozen = False

    def _show(self, data) -> None:
        screen = self.console_screen
        if screen is not None and screen.is_mounted:
            screen.show_data(data, self.clock.now())
            if not self._frozen:
                self.call_after_refresh(self._freeze_heap)

    FREEZE_LATEST = 10.0   # seconds after sign-on: the collector is back on even if no load showed
    # The collector is the process's: only a console that has the process to itself (`deskconsole`, set
    # by cli/console.run) pauses and freezes it; an app in a process with others (the tests) leaves it be.
    freeze_heap = False

    def _pause_collector(self) -> None:
        """From the PIN to the first load painted, no cycle collection: its full passes over the
        freshly read site cost 30-60 ms each, on the path the operator is waiting on."""
        if not self.freeze_heap:
            self._frozen = True
            return
        if not self._frozen:
            gc.disable()
            self.set_timer(self.FREEZE_LATEST, self._freeze_heap)

    def _freeze_heap(self) -> None:
        """After the first load is painted: what the console holds from now on (the modules, the
        screens, the site's rows) leaves the cycle collector's reach, and the collector is on again.
        Its full collections then scan only what came later: 60 ms pauses at random keys (a search,
        a save) become a few ms."""
        if self._frozen:
            return
        self._frozen = True
        gc.freeze()
        gc.enable()

    def console_mounted(self) -> None:
        """The console screen exists: show what was read for it meanwhile, else read it now."""
        data, load = self.sequencer.mounted()
        if data is not None:
            self._show(data)
        self._start_load(load)

    def tick(self) -> None:
        self._check_terminal()
        let_go_of_removed_widgets()
        if self.read_failure is not None and self._feed_watch is not None:
            self.poll_feed()   # a failed read is tried again every second, not only at the next commit
        screen = self.console_screen
        if screen is not None and screen.is_attached and screen.data is not None:
            screen.tick(self.clock.now())

    # --- the database server lost and found (PostgreSQL) ------------------------------------

    _reconnecting = False
    _reconnect_screen = None
    RECONNECT_FIRST, RECONNECT_MOST = 0.5, 10.0  # seconds between two tries: doubling

    def connection_trouble(self, error: BaseException) -> None:
        """A read failed because the database server went away (a restart, a failover): say
        "reconnecting…" over whatever is open (a form keeps what was typed), stop looking at the change
        feed, and try again with backoff (_reconnect) until the server answers."""
        if self._reconnecting or self._exit:
            return
        from .screens.reconnecting import ReconnectingScreen
        log.warning(f"database server lost, reconnecting: {db.unreachable(error, self.config.db_url)}")
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
        log.info("database server reachable again")
        self._reconnecting = False
        screen, self._reconnect_screen = self._reconnect_screen, None
        if screen is not None and self.screen is screen:
            self.pop_screen()
        self.notify(_("Connected to the database again."), timeout=3, markup=False)
        if self.operator is not None:
            self.reload(full=True)

    # --- command palette -----------------------------------------------------------------

    def get_system_commands(self, screen: Screen):
        # Not Textual's built-ins (Theme, Keys, Maximize, Screenshot: English, and not the desk's
        # business; the theme is the site file's): the console's own commands, in its language.
        yield SystemCommand(_("Quit"), _("Close the console (asks first if a form holds what you typed)"),
                            self.action_quit)
        from .screens.form import FormScreen
        if isinstance(screen, FormScreen):
            # Where a key is the browser's (or the terminal's), the palette still reaches the action.
            yield SystemCommand(_("Save the form"), _("The same as Ctrl+S"), screen.action_save)
            yield SystemCommand(_("Close the form"), _("The same as Esc (asks first if anything was typed)"),
                                screen.action_cancel)
        if isinstance(screen, _console_screen_class()):
            from .screens import actions  # loaded with the console screen
            # Every action of the action table this operator may do, by name, as its key would run it.
            for title, help_text, callback in actions.palette(screen):
                yield SystemCommand(title, help_text, callback)
            yield SystemCommand(_("Reload"), _("Read everything from the database again"),
                                lambda: self.reload(full=True))

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
        log.info(f"console closed (exit status {self.return_code or 0})")
        log.set_operator(None)
        self._close_feed()
        if self._terminal_fd is not None:
            asyncio.get_running_loop().remove_signal_handler(signal.SIGHUP)

    # --- signing off an idle console -----------------------------------------------------------
    # A console left signed on is an open door (a browser tab stays open all day). After the site's
    # idle_sign_off_minutes without a key or a mouse event, the sign-on screen covers the console;
    # what lies under it (an open form with what was typed) is the same person's again if they sign
    # on, and is dropped when someone else does.

    _last_input = 0.0                       # time.monotonic() of the newest key or mouse event
    _idle_signed_off: Operator | None = None  # who was signed off, while the sign-on screen covers
    _idle_timer = None

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, events.InputEvent) and not event.is_forwarded:
            self._last_input = time.monotonic()
        await super().on_event(event)

    def _watch_idle(self) -> None:
        minutes = self.config.idle_sign_off_minutes
        self._last_input = time.monotonic()
        if minutes and self._idle_timer is None:
            self._idle_timer = self.set_interval(min(30.0, minutes * 6.0), self.check_idle_sign_off, name="idle")

    def check_idle_sign_off(self, now: float | None = None) -> None:
        limit = self.config.idle_sign_off_minutes * 60
        now = time.monotonic() if now is None else now
        if limit and self.operator is not None and self._idle_signed_off is None \
                and self.console_screen is not None and now - self._last_input >= limit:
            self.sign_off_idle()

    def sign_off_idle(self) -> None:
        from .screens.form import FormScreen
        operator = self._idle_signed_off = self.operator
        notice = _("{code} was signed off after {n} minutes without a key.", code=operator.code,
                   n=self.config.idle_sign_off_minutes)
        if any(isinstance(s, FormScreen) and s.is_dirty() for s in self.screen_stack):
            notice += " " + _("What they typed is kept for them until someone else signs on.")
        self.push_screen(SignOnScreen(self.config.site_name, notice=notice))
        log.info(f"{operator.code} signed off: idle for {self.config.idle_sign_off_minutes} minutes")
        log.set_operator(None)
        self.tell_server("signed_off", code=operator.code)

    def _signed_on_again(self, operator: Operator) -> None:
        from . import shifts
        shifts.sign_on(operator, self.clock.now(), config=self.config)  # as every sign-on: joins the shift
        before, self._idle_signed_off = self._idle_signed_off, None
        self._last_input = time.monotonic()
        console = self.console_screen
        log.set_operator(operator.code)
        log.info("signed on again after an idle sign-off")
        if operator.id == before.id:
            self.pop_screen()  # back to where they were, forms and all
        else:
            # Someone else: what the last person left open is theirs, not the newcomer's.
            with self.batch_update():
                while self.screen is not console:
                    self.pop_screen()
            self.hand_over_to(operator)
        self.tell_server("signed_on", code=operator.code)

    def tell_server(self, event: str, **data) -> None:
        """Under `deskconsole serve`, tell the server (for its log): ready, signed_on, signed_off."""
        if self.is_web:
            self._driver.write_meta({"type": "deskconsole", "event": event, **data})

    # --- the terminal going away (an SSH session dropping) ----------------------------------

    _terminal_fd: int | None = None
    _terminal_timer = None
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
        # Until the 1 s tick starts (at sign-on) and looks at it instead.
        self._terminal_timer = self.set_interval(1.0, self._check_terminal, name="terminal")

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

    # --- an unexpected error -------------------------------------------------------------------

    _crash: BaseException | None = None

    def _handle_exception(self, error: Exception) -> None:
        self._crash = error
        super()._handle_exception(error)

    def _fatal_error(self) -> None:
        """Textual's own crash report shows local variables (a PIN may be one) on the screen and in an
        SSH session's log: the traceback goes to the support log without them, the person gets one line."""
        error = self._crash or sys.exc_info()[1] or RuntimeError()
        self.farewell = log.crash(error)
        self.bell()
        self._close_messages_no_wait()

    # The one line the command line prints once the console has closed (Textual's exit message would
    # be cut at the terminal's width).
    farewell: str | None = None

    def leave(self, message: str, return_code: int) -> None:
        """Close the console with one line that says why (a site file it cannot use, ...)."""
        log.warning(f"console closed: {message}")
        self.farewell = message
        self.exit(return_code=return_code)

    def hand_over_to(self, operator: Operator) -> None:
        """A handover was completed here: the console is now the incoming operator's."""
        log.info(f"handed the desk over to {operator.code}")
        log.set_operator(operator.code)
        self.operator = operator
        self.reload()  # the handover's writes: the feed has moved
