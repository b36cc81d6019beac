"""The units screen (supervisors, from the palette: "Units"): the site's units, `/` looks one up by
code, owner, phone or notes; Enter or `e` edits its owner, phones, status and notes; `t` marks a unit
taken over (入伙). Whole lists come in by `deskconsole units import`."""
from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Static, TextArea

from .. import units
from ..errors import InvalidInput, PermissionDenied
from ..i18n import _, label
from ..text import one_line
from ..widgets.record_table import Column, Row
from ..widgets.choice import PickSelect
from .form import FormScreen
from .list_screen import ListScreen
from ..widgets.line_input import LineInput


class UnitsScreen(ListScreen):
    BINDINGS = [
        Binding("e", "edit", "Edit", id="units.edit"),
        Binding("t", "take_over", "Taken over", id="units.take_over"),
    ]
    title_text = "Units"

    def columns(self) -> list[Column]:
        return [Column("code", _("Unit"), 10), Column("owner", _("Owner"), 14),
                Column("phones", _("Phones"), None, min_width=12), Column("status", _("Status"), 14),
                Column("notes", _("Notes"), None, min_width=8)]

    def read(self) -> list[units.UnitInfo]:
        return units.all_units()

    def row(self, u: units.UnitInfo) -> Row:
        return Row(key=u.id, cells={"code": u.code, "owner": u.owner, "phones": " / ".join(u.phones),
                                    "status": label(u.status), "notes": one_line(u.notes)},
                   style="muted" if u.status == "not_taken_over" else "")

    def matches(self, u: units.UnitInfo, words: str) -> bool:
        return units.matches(u, words)

    def open(self, record) -> None:
        self.action_edit()

    def action_edit(self) -> None:
        unit = self.selected()
        if unit is None:
            return

        def saved(done) -> None:
            if done:
                self.reload()
                self.say(_("{code} saved.", code=unit.code))

        self.app.push_screen(UnitForm(unit), saved)

    def action_take_over(self) -> None:
        unit = self.selected()
        if unit is None:
            return
        app = self.app
        try:
            units.take_over(app.operator, app.clock.now(), unit.id)
        except (InvalidInput, PermissionDenied) as exc:
            self.say(getattr(exc, "message", None) or str(exc))
            return
        self.reload()
        self.say(_("{code} is taken over: it counts as occupied.", code=unit.code))


class UnitForm(FormScreen):
    form_title = "Edit the unit"

    def __init__(self, unit: units.UnitInfo) -> None:
        super().__init__()
        self.unit = unit

    def form_fields(self) -> ComposeResult:
        u = self.unit
        yield Static(u.code, markup=False, classes="form-hint")
        yield from self.labelled(_("Owner"), LineInput(u.owner, id="owner", max_length=units.MAX_OWNER))
        yield from self.labelled(_("Phones"), LineInput(" / ".join(u.phones), id="phones",
                                                        placeholder=_("several: separate them with /")))
        yield from self.labelled(_("Status"), PickSelect([(label(s), s) for s in units.STATUSES], allow_blank=False,
                                                         value=u.status, id="status"))
        yield from self.labelled(_("Notes"), TextArea(u.notes, id="notes"))

    def save(self, values: dict):
        app = self.app
        units.update_unit(app.operator, app.clock.now(), self.unit.id, owner=values["owner"], phones=values["phones"],
                          status=values["status"], notes=values["notes"])
        return True
