"""Choosing one's own PIN: right after signing on with a one-time PIN (before the console opens), and
"Change my PIN" from the palette (the old PIN asked first). A PIN is never shown."""
from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import Input, Label, Static

from .. import people
from ..errors import InvalidInput
from ..i18n import _
from ..people import Operator
from .form import FormScreen
from ..widgets.bindings import translate_bindings
from ..widgets.line_input import LineInput


def _policy_hint(policy: people.PinPolicy) -> str:
    return _("{n} to 12 digits; not 0000, 1234 or one digit repeated.", n=policy.min_length) \
        if not policy.allow_trivial else _("{n} to 12 digits.", n=policy.min_length)


def _same(values: dict, field: str = "new_pin2") -> None:
    if values["new_pin"] != values[field]:
        raise InvalidInput(field, _("The two PINs differ: type the new PIN again."))


class ChoosePinScreen(Screen):
    """Signed on with the one-time PIN a supervisor handed over: the person's own PIN first."""

    BINDINGS = [Binding("ctrl+q", "app.quit", "Quit", priority=True, id="signon.quit")]

    def __init__(self, site_name: str, operator: Operator) -> None:
        super().__init__()
        translate_bindings(self)
        self.site_name = site_name
        self.operator = operator

    def compose(self) -> ComposeResult:
        policy = people.pin_policy(self.app.config)
        with Vertical(id="signon-box"):
            yield Static(self.site_name, id="signon-site", markup=False)
            yield Static(_("{name}, you signed on with a one-time PIN. Choose your own PIN now.",
                           name=self.operator.name), classes="signon-hint", markup=False)
            yield Static(_policy_hint(policy), classes="signon-hint", markup=False)
            yield Label(_("New PIN"))
            yield LineInput(password=True, id="new_pin", max_length=12)
            yield Label(_("New PIN again"))
            yield LineInput(password=True, id="new_pin2", max_length=12)
            yield Static("", id="message", classes="signon-message", markup=False)

    def on_mount(self) -> None:
        self.query_one("#new_pin", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id != "new_pin2":
            self.focus_next()
            return
        values = {i.id: i.value for i in self.query(Input)}
        app = self.app
        try:
            _same(values)
            people.choose_pin(self.operator, app.clock.now(), people.pin_policy(app.config), new_pin=values["new_pin"])
        except InvalidInput as exc:
            self.query_one("#message", Static).update(exc.message)
            for field in self.query(Input):
                field.value = ""
            self.query_one("#new_pin", Input).focus()
            return
        app.signed_on(self.operator)


class ChangePinForm(FormScreen):
    """Anyone's own PIN, from the palette: the old one, then the new one twice."""

    form_title = "Change my PIN"

    def form_fields(self) -> ComposeResult:
        policy = people.pin_policy(self.app.config)
        yield from self.labelled(_("Current PIN"), LineInput(password=True, id="old_pin", max_length=12))
        yield from self.labelled(_("New PIN"), LineInput(password=True, id="new_pin", max_length=12))
        yield from self.labelled(_("New PIN again"), LineInput(password=True, id="new_pin2", max_length=12))
        yield Static(_policy_hint(policy), classes="form-hint", markup=False)

    def save(self, values: dict):
        app = self.app
        _same(values)
        people.change_pin(app.operator, app.clock.now(), people.pin_policy(app.config), old_pin=values["old_pin"],
                          new_pin=values["new_pin"], local_time=app.local_time)
        app.notify(_("Your PIN is changed."))
        return True
