"""DeskApp: sign-on, the console screen, the change feed and the one clock tick."""
from __future__ import annotations

import asyncio
import os
import signal
import sys
import threading
from datetime import datetime

from textual import work
from textual.app import App, SystemCommand
from textual.screen import Screen

from . import console_data, db, people, shifts
from .clock import SystemClock
from .config import Config
from .feed import ChangeFeed
from .i18n import _
from .people import Operator
from .screens.console import ConsoleScreen
from .screens.signon import FirstRunScreen, SignOnScreen
from .timefmt import local


class DeskApp(App):
    TITLE = "deskconsole"

    def __init__(self, config: Config, *, clock=None, engine=None, operator_code: str = "",
                 cursor_blink: bool = True) -> None:
        super().__init__()
        self.config = config
        self.clock = clock or SystemClock()
        self.engine = engine or config.sla_engine()
        self.operator_code = operator_code
        self.cursor_blink = cursor_blink
        self.operator: Operator | None = None
        self.feed: ChangeFeed | None = None

    # --- helpers the screens use ---------------------------------------------------------

    def local_time(self, dt: datetime, fmt: str = "HH:mm:ss") -> str:
        return local(dt, self.config.tz, fmt)

    @property
    def console_screen(self) -> ConsoleScreen | None:
        for screen in self.screen_stack:
            if isinstance(screen, ConsoleScreen):
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

    def on_descendant_focus(self, event) -> None:
        # Snapshot tests turn the cursor blink off: a blinking cursor is a different picture each time.
        if not self.cursor_blink and hasattr(event.widget, "cursor_blink"):
            event.widget.cursor_blink = False

    def signed_on(self, operator: Operator) -> None:
        now = self.clock.now()
        shifts.sign_on(operator, self.config, now)
        self.operator = operator
        self.feed = ChangeFeed(self.config.db_url)
        self.switch_screen(ConsoleScreen())  # it asks for the first reload once it is mounted
        self.set_interval(1.0, self.tick, name="tick")
        self.set_interval(1.0, self.poll_feed, name="feed")

    # --- the change feed and the tick ----------------------------------------------------

    def poll_feed(self) -> None:
        if self.feed is not None and self.feed.changed():
            self.reload()

    @work(thread=True, exclusive=True, group="reload")
    def reload(self) -> None:
        """Re-read the panes in a thread of its own, then hand the rows to the screen."""
        now = self.clock.now()
        with db.database.connection_context():
            data = console_data.load(self.config, self.engine, now)
        self.call_from_thread(self._show, data)

    def _show(self, data) -> None:
        screen = self.console_screen
        if screen is not None and screen.is_mounted:
            screen.show_data(data, self.clock.now())

    def tick(self) -> None:
        screen = self.console_screen
        if screen is not None and screen.is_attached and screen.data is not None:
            screen.tick(self.clock.now())

    # --- command palette -----------------------------------------------------------------

    def get_system_commands(self, screen: Screen):
        yield from super().get_system_commands(screen)
        if isinstance(screen, ConsoleScreen):
            for number, title in ((1, "Calls"), (2, "Work orders"), (3, "Shift log"), (4, "Keys")):
                yield SystemCommand(_("Show {pane}", pane=_(title)), _("Pane {n}", n=number),
                                    lambda n=number: screen.action_show_pane(n))
            yield SystemCommand(_("Filter this pane"), _("Type to narrow the list"), screen.action_filter)
            yield SystemCommand(_("Keys and help"), _("The keymap"), screen.action_help)
            yield SystemCommand(_("Reload"), _("Read everything from the database again"), self.reload)
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
