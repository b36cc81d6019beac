"""Shown over whatever was open (a half-typed form stays beneath, as typed) while the database server
cannot be reached; the app takes it away when the server answers again."""
from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Static

from ..i18n import _


class ReconnectingScreen(ModalScreen[None]):
    def compose(self) -> ComposeResult:
        with Vertical(id="reconnecting"):
            yield Static(_("The database server cannot be reached: reconnecting…"), markup=False)
            yield Static(_("What you typed is kept. Nothing is lost."), markup=False)
            yield Static("", id="reconnecting-next", markup=False)

    def next_try(self, seconds: float) -> None:
        if self.is_mounted:
            self.query_one("#reconnecting-next", Static).update(
                _("Next try in {seconds} s.", seconds=max(1, round(seconds))))
