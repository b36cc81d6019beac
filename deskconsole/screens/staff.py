"""The staff screen (supervisors, from the palette: "Staff"): everyone who signs on, with role and
state. `a` adds a person, `r` changes a role, `x` disables (or enables again), `p` resets a PIN. A new
person and a reset PIN get a one-time PIN, shown here once, which its owner replaces at sign-on."""
from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Static

from .. import people
from ..errors import InvalidInput, PermissionDenied
from ..i18n import _
from ..widgets.record_table import Column, Row
from ..widgets.choice import PickSelect
from .form import ConfirmScreen, FormScreen
from .list_screen import ListScreen
from ..widgets.bindings import translate_bindings
from ..widgets.line_input import LineInput


def _roles() -> list[tuple[str, str]]:
    return [(_(r), r) for r in people.ROLES]


class StaffScreen(ListScreen):
    BINDINGS = [
        Binding("a", "add", "Add", id="staff.add"),
        Binding("r", "role", "Role", id="staff.role"),
        Binding("x", "disable", "Disable/enable", id="staff.disable"),
        Binding("p", "reset_pin", "Reset PIN", id="staff.reset_pin"),
    ]
    title_text = "Staff"

    def columns(self) -> list[Column]:
        return [Column("code", _("Code"), 8), Column("name", _("Name"), None, min_width=10),
                Column("role", _("Role"), 12), Column("state", _("State"), 9), Column("pin", _("PIN"), 9)]

    def read(self) -> list[people.StaffInfo]:
        return people.staff_records()

    def row(self, s: people.StaffInfo) -> Row:
        return Row(key=s.id, cells={"code": s.code, "name": s.name, "role": _(s.role),
                                    "state": _("active") if s.active else _("disabled"),
                                    "pin": _("one-time") if s.pin_one_time else _("own")},
                   style="" if s.active else "muted")

    def matches(self, s: people.StaffInfo, words: str) -> bool:
        text = f"{s.code} {s.name} {s.role} {_(s.role)}".casefold()
        return all(w in text for w in words.casefold().split())

    def open(self, record) -> None:
        self.action_role()

    # --- the actions -------------------------------------------------------------------------

    def _do(self, fn, *args, **kwargs):
        """A desk function with the operator and the time; a refusal is said on the status line."""
        app = self.app
        try:
            result = fn(app.operator, app.clock.now(), *args, **kwargs)
        except (InvalidInput, PermissionDenied) as exc:
            self.say(getattr(exc, "message", None) or str(exc))
            return None
        return result

    def action_add(self) -> None:
        def added(new: people.NewPin | None) -> None:
            if new is not None:
                self.reload(keep=new.operator.id)
                self.say(_("{code} added.", code=new.operator.code))
                self.app.push_screen(OneTimePinScreen(new.operator.code, new.operator.name, new.pin))

        self.app.push_screen(AddStaffForm(), added)

    def action_role(self) -> None:
        staff = self.selected()
        if staff is None:
            return

        def changed(done) -> None:
            if done:
                self.reload()
                self.say(_("{code} is now {role}.", code=staff.code, role=_(done)))

        self.app.push_screen(RoleForm(staff), changed)

    def action_disable(self) -> None:
        staff = self.selected()
        if staff is None:
            return
        question = _("Disable {code} {name}? They can no longer sign on; their records keep their name.",
                     code=staff.code, name=staff.name) if staff.active else \
            _("Enable {code} {name} again? They may sign on with their PIN.", code=staff.code, name=staff.name)

        def answered(yes: bool | None) -> None:
            if yes:
                self._do(people.set_active, staff.id, active=not staff.active)
                self.reload()

        self.app.push_screen(ConfirmScreen(question), answered)

    def action_reset_pin(self) -> None:
        staff = self.selected()
        if staff is None:
            return

        def answered(yes: bool | None) -> None:
            if not yes:
                return
            pin = self._do(people.reset_pin, people.pin_policy(self.app.config), staff.id)
            if pin is not None:
                self.reload()
                self.app.push_screen(OneTimePinScreen(staff.code, staff.name, pin))

        self.app.push_screen(ConfirmScreen(_("Give {code} {name} a new one-time PIN? Their PIN stops working now.",
                                             code=staff.code, name=staff.name)), answered)


class AddStaffForm(FormScreen):
    form_title = "Add a staff member"

    def form_fields(self) -> ComposeResult:
        yield from self.labelled(_("Staff code"), LineInput(id="code", max_length=12, placeholder=_("like R3")))
        yield from self.labelled(_("Name"), LineInput(id="name", max_length=60))
        yield from self.labelled(_("Role"), PickSelect(_roles(), id="role"))

    def save(self, values: dict):
        app = self.app
        return people.add_staff(app.operator, app.clock.now(), people.pin_policy(app.config), code=values["code"],
                                name=values["name"], role=values["role"] or "")


class RoleForm(FormScreen):
    form_title = "Change the role"

    def __init__(self, staff: people.StaffInfo) -> None:
        super().__init__()
        self.staff = staff

    def form_fields(self) -> ComposeResult:
        yield Static(f"{self.staff.code} {self.staff.name}", markup=False, classes="form-hint")
        yield from self.labelled(_("Role"), PickSelect(_roles(), allow_blank=False, value=self.staff.role, id="role"))

    def save(self, values: dict):
        app = self.app
        people.set_role(app.operator, app.clock.now(), self.staff.id, role=values["role"])
        return values["role"]


class OneTimePinScreen(ModalScreen):
    """The one-time PIN, shown this once to the supervisor who hands it over (only its hash is kept)."""

    BINDINGS = [Binding("enter", "dismiss", "Done", id="staff.pin_done"),
                Binding("escape", "dismiss", "Done", show=False, id="staff.pin_close")]

    def __init__(self, code: str, name: str, pin: str) -> None:
        super().__init__()
        translate_bindings(self)
        self.code, self.person, self.pin = code, name, pin

    def compose(self) -> ComposeResult:
        with Vertical(id="otp-box"):
            yield Static(_("One-time PIN for {code} {name}:", code=self.code, name=self.person), markup=False)
            yield Static(self.pin, id="otp-pin", markup=False)
            yield Static(_("Hand it over now: it is not shown again.") + " " +
                         _("{code} chooses their own PIN at the first sign-on. Enter closes.", code=self.code),
                         id="otp-hint", markup=False)
