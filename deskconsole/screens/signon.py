"""Sign-on: staff code and PIN. On a database with no staff, the first supervisor is created here."""
from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import Input, Label, Static

from .. import people
from ..errors import Refusal, explain
from ..i18n import _
from ..people import InvalidInput, SignOnError
from ..widgets.bindings import translate_bindings
from ..widgets.line_input import LineInput



def _said(app, exc: Exception) -> str:
    """The line a sign-on's refusal shows: a wrong PIN, or the write that failed (a read-only database)."""
    return explain(exc, app.config.tz) if isinstance(exc, Refusal) else str(exc)


class SignOnScreen(Screen):
    """Code and PIN; Enter moves on and then signs on."""

    BINDINGS = [Binding("ctrl+q", "app.quit", "Quit", priority=True, id="signon.quit")]

    def __init__(self, site_name: str, code: str = "", notice: str = "") -> None:
        super().__init__()
        translate_bindings(self)
        self.site_name = site_name
        self.initial_code = code
        self.notice = notice  # why the sign-on screen is back (an idle console was signed off)

    def compose(self) -> ComposeResult:
        with Vertical(id="signon-box"):
            yield Static(self.site_name, id="signon-site", markup=False)
            if self.notice:
                yield Static(self.notice, id="signon-notice", classes="signon-hint", markup=False)
            yield Label(_("Staff code"))
            yield LineInput(value=self.initial_code, id="code", max_length=12)
            yield Label(_("PIN"))
            yield LineInput(password=True, id="pin", max_length=12)
            yield Static("", id="message", classes="signon-message", markup=False)
            yield Static(_("Enter signs on. Ctrl+Q quits."), classes="signon-hint")

    def on_mount(self) -> None:
        self.query_one("#pin" if self.initial_code else "#code", Input).focus()
        if not self.notice:  # the console's first screen, not an idle sign-off
            self.call_after_refresh(self.app.tell_server, "ready")

    def on_input_changed(self) -> None:
        # A key typed: the console's data read in the background may be due for a fresh read.
        prefetch = getattr(self.app, "prefetch", None)
        if prefetch is not None:
            prefetch()

    @on(Input.Submitted, "#code")
    def _code_entered(self) -> None:
        self.query_one("#pin", Input).focus()

    @on(Input.Submitted, "#pin")
    def _pin_entered(self) -> None:
        code = self.query_one("#code", Input).value
        pin_input = self.query_one("#pin", Input)
        try:
            operator = people.verify(code, pin_input.value, self.app.clock.now(), self.app.local_time)
            if people.needs_own_pin(operator):
                from .pin import ChoosePinScreen
                self.app.switch_screen(ChoosePinScreen(self.site_name, operator))
                return
            self.app.signed_on(operator)  # joins the shift: a write too
        except (SignOnError, Refusal) as exc:  # a Refusal: joining the shift failed (a read-only database ...)
            self.query_one("#message", Static).update(_said(self.app, exc))
            pin_input.value = ""
            (pin_input if code.strip() else self.query_one("#code", Input)).focus()


class FirstRunScreen(Screen):
    """A database with no staff yet: create the first supervisor, who then adds the others."""

    BINDINGS = [Binding("ctrl+q", "app.quit", "Quit", priority=True, id="signon.quit")]

    def __init__(self, site_name: str) -> None:
        super().__init__()
        translate_bindings(self)
        self.site_name = site_name

    def compose(self) -> ComposeResult:
        with Vertical(id="signon-box"):
            yield Static(self.site_name, id="signon-site", markup=False)
            yield Static(_("No staff yet. Create the first supervisor."), classes="signon-hint")
            yield Label(_("Staff code"))
            yield LineInput(id="code", max_length=12, placeholder="S1")
            yield Label(_("Name"))
            yield LineInput(id="name", max_length=60)
            yield Label(_("PIN ({n} to 12 digits)", n=people.pin_policy(self.app.config).min_length))
            yield LineInput(password=True, id="pin", max_length=12)
            yield Label(_("PIN again"))
            yield LineInput(password=True, id="pin2", max_length=12)
            yield Static("", id="message", classes="signon-message", markup=False)

    def on_mount(self) -> None:
        self.query_one("#code", Input).focus()
        self.call_after_refresh(self.app.tell_server, "ready")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id != "pin2":
            self.focus_next()
            return
        values = {i.id: i.value for i in self.query(Input)}
        message = self.query_one("#message", Static)
        if values["pin"] != values["pin2"]:
            message.update(_("The two PINs differ: type the PIN again."))
            self.query_one("#pin2", Input).value = ""
            self.query_one("#pin2", Input).focus()
            return
        try:
            operator = people.create_first_supervisor(self.app.clock.now(), code=values["code"],
                                                      name=values["name"], pin=values["pin"],
                                                      policy=people.pin_policy(self.app.config))
            self.app.signed_on(operator)
        except InvalidInput as exc:
            message.update(exc.message)
            self.query_one(f"#{exc.field}", Input).focus()
        except (SignOnError, Refusal) as exc:
            message.update(_said(self.app, exc))
