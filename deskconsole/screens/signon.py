"""Sign-on: staff code and PIN. On a database with no staff, the first supervisor is created here."""
from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import Input, Label, Static

from .. import db, people
from ..i18n import _
from ..people import InvalidInput, SignOnError
from .translated import translate_bindings

SIGNON_CSS = """
SignOnScreen, FirstRunScreen { align: center middle; }
#signon-box { width: 48; height: auto; border: round $accent; padding: 0 1; }
#signon-box Label { margin-top: 1; }
#signon-box Input { width: 100%; }
#signon-site { text-style: bold; width: 100%; content-align: center middle; }
.signon-message { color: $error; text-style: bold; height: auto; min-height: 1; margin-top: 1; }
.signon-hint { color: $text-muted; height: auto; margin-top: 1; }
"""


class SignOnScreen(Screen):
    """Code and PIN; Enter moves on and then signs on."""

    DEFAULT_CSS = SIGNON_CSS
    BINDINGS = [Binding("ctrl+q", "app.quit", "Quit", priority=True)]

    def __init__(self, site_name: str, code: str = "") -> None:
        super().__init__()
        translate_bindings(self)
        self.site_name = site_name
        self.initial_code = code

    def compose(self) -> ComposeResult:
        with Vertical(id="signon-box"):
            yield Static(self.site_name, id="signon-site", markup=False)
            yield Label(_("Staff code"))
            yield Input(value=self.initial_code, id="code", max_length=12)
            yield Label(_("PIN"))
            yield Input(password=True, id="pin", max_length=12)
            yield Static("", id="message", classes="signon-message", markup=False)
            yield Static(_("Enter signs on. Ctrl+Q quits."), classes="signon-hint")

    def on_mount(self) -> None:
        self.query_one("#pin" if self.initial_code else "#code", Input).focus()

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
            self.app.signed_on(operator)  # joins the shift: a write too
        except (SignOnError, db.StoreError) as exc:
            self.query_one("#message", Static).update(str(exc))
            pin_input.value = ""
            (pin_input if code.strip() else self.query_one("#code", Input)).focus()


class FirstRunScreen(Screen):
    """A database with no staff yet: create the first supervisor, who then adds the others."""

    DEFAULT_CSS = SIGNON_CSS
    BINDINGS = [Binding("ctrl+q", "app.quit", "Quit", priority=True)]

    def __init__(self, site_name: str) -> None:
        super().__init__()
        translate_bindings(self)
        self.site_name = site_name

    def compose(self) -> ComposeResult:
        with Vertical(id="signon-box"):
            yield Static(self.site_name, id="signon-site", markup=False)
            yield Static(_("No staff yet. Create the first supervisor."), classes="signon-hint")
            yield Label(_("Staff code"))
            yield Input(id="code", max_length=12, placeholder="S1")
            yield Label(_("Name"))
            yield Input(id="name", max_length=60)
            yield Label(_("PIN (4 to 12 digits)"))
            yield Input(password=True, id="pin", max_length=12)
            yield Label(_("PIN again"))
            yield Input(password=True, id="pin2", max_length=12)
            yield Static("", id="message", classes="signon-message", markup=False)

    def on_mount(self) -> None:
        self.query_one("#code", Input).focus()

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
            operator = people.create_first_supervisor(values["code"], values["name"], values["pin"],
                                                      self.app.clock.now())
            self.app.signed_on(operator)
        except InvalidInput as exc:
            message.update(exc.message)
            self.query_one(f"#{exc.field}", Input).focus()
        except (SignOnError, db.StoreError) as exc:
            message.update(str(exc))
