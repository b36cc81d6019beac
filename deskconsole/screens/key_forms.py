"""The key register's forms: issue a key, return it, report it lost or broken, the catalogue; and the
action table's flows that fill a form from the selected key."""
from __future__ import annotations

from typing import TYPE_CHECKING

from textual import on
from textual.app import ComposeResult
from textual.suggester import SuggestFromList
from textual.widgets import Input, Select, Static

from .. import keys, people, units
from ..errors import InvalidInput
from ..i18n import _, label
from ..timefmt import local
from ..widgets.choice import PickSelect
from .form import FormScreen
from ..widgets.line_input import LineInput

if TYPE_CHECKING:
    from .actions import Job


def _options(ids) -> list[tuple[str, str]]:
    return [(label(i), i) for i in ids]


def holder_label(kind: str) -> str:
    """Who holds a key, said for a person (the ids double as channel and department ids elsewhere)."""
    return {"staff": _("staff member"), "contractor": _("outside contractor"), "owner": _("owner or tenant")}.get(
        kind, label(kind))


class IssueKeyForm(FormScreen):
    """n on the Keys pane. As soon as the tag is known the form says where the key is, its default
    loan, and whether a supervisor must authorise it at the console (code and PIN)."""

    form_title = "Issue a key"

    def __init__(self, tag: str = "") -> None:
        super().__init__()
        self.initial_tag = tag

    def form_fields(self) -> ComposeResult:
        tags = keys.catalogue_tags()
        staff = [s.name for s in people.list_staff()] + [s.code for s in people.list_staff()]
        yield from self.labelled(_("Key tag"), LineInput(
            value=self.initial_tag, id="tag", placeholder="PR-01",
            suggester=SuggestFromList(tags, case_sensitive=False)))
        yield from self.labelled(_("Who takes it"), PickSelect(
            [(holder_label(k), k) for k in keys.HOLDER_KINDS], value="staff", allow_blank=False, id="holder_kind"))
        yield from self.labelled(_("Name"), LineInput(
            id="holder_name", placeholder=_("staff: code or name from the staff list"),
            suggester=SuggestFromList(staff, case_sensitive=False)))
        yield from self.labelled(_("Company"), LineInput(id="holder_company"))
        yield from self.labelled(_("ID document number"), LineInput(id="holder_document"))
        yield from self.labelled(_("Unit"), LineInput(
            id="holder_unit", placeholder=_("of the owner or tenant: 1-1203"),
            suggester=SuggestFromList(units.unit_codes(), case_sensitive=False)))
        yield from self.labelled(_("Purpose"), LineInput(id="purpose"))
        yield from self.labelled(_("Work order"), LineInput(id="order", placeholder=_("optional: WO00012")))
        yield from self.labelled(_("Due back"), LineInput(
            id="due", placeholder=_("empty: the key's usual loan; or 18:30, 11-25 09:00, 2h")))
        yield from self.labelled(_("Authorised by"), LineInput(id="auth_code",
                                                               placeholder=_("a supervisor's code, or a name")))
        yield from self.labelled(_("Supervisor's PIN"), LineInput(id="auth_pin", password=True, max_length=12))

    def on_mount(self) -> None:
        super().on_mount()
        self._holder_fields("staff")
        self._update_notes()

    def _holder_fields(self, kind) -> None:
        for field, kinds in (("holder_company", ("contractor",)), ("holder_document", ("contractor",)),
                             ("holder_unit", ("owner",))):
            self.query_one(f"#{field}-field").display = kind in kinds

    @on(Select.Changed, "#holder_kind")
    def _kind_changed(self, event: Select.Changed) -> None:
        self._holder_fields(event.value)
        self._update_notes()

    @on(Input.Changed, "#tag, #due")
    def _changed(self) -> None:
        self._update_notes()

    def _due(self, key: keys.KeyInfo | None):
        now = self.app.clock.now()
        text = self.query_one("#due", Input).value
        if text.strip():
            try:
                return keys.parse_due(text, now, self.app.engine)
            except InvalidInput:
                return None
        if key is None:
            return None
        return keys.default_due(key.kind, self.query_one("#holder_kind", Select).value or "", now, self.app.engine)

    def _update_notes(self) -> None:
        """Where the key is and what it needs, from the moment the tag matches the catalogue."""
        key = keys.find(self.query_one("#tag", Input).value)
        tz, now = self.app.config.tz, self.app.clock.now()
        tag_note = due_note = auth_note = ""
        if key is not None:
            if key.status == "out":
                tag_note = _("{label}: out with {holder} since {time}.", label=key.label, holder=key.holder,
                             time=local(key.issued_at, tz))
            elif key.status != "board":
                tag_note = _("{label}: not on the board ({status}).", label=key.label, status=label(key.status))
            else:
                tag_note = _("{label} · {kind} · hook {hook}", label=key.label, kind=label(key.kind),
                             hook=key.hook or "—")
            due = self._due(key)
            if due is not None:
                due_note = _("Due back {time}.", time=local(due, tz))
            # Said at once under the tag, in a word, and in full beside the field it asks for.
            auth_note = keys.why_supervisor(key, now, due, self.app.engine)
            if auth_note and key.status == "board":
                tag_note += " · " + _("a supervisor must authorise it (below)")
        self.show_note("tag", tag_note)
        self.show_note("due", due_note)
        self.show_note("auth_code", auth_note)

    def save(self, values: dict):
        app = self.app
        now, engine = app.clock.now(), app.engine
        key = keys.find(values["tag"] or "")
        due = keys.parse_due(values["due"], now, engine) if (values["due"] or "").strip() else None
        needed = keys.why_supervisor(key, now, due or keys.default_due(key.kind, values["holder_kind"] or "",
                                                                          now, engine), engine) if key else ""
        authoriser, name = None, ""
        if needed or values["auth_pin"]:
            if needed and not (values["auth_code"] or "").strip():
                raise InvalidInput("auth_code", needed)
            # Checked like a sign-on, in a transaction of its own: wrong PINs count toward the lockout.
            authoriser = keys.authorise(values["auth_code"], values["auth_pin"], now, app.local_time)
        else:
            name = values["auth_code"]
        keys.issue(app.operator, now, engine, tag=values["tag"], holder_kind=values["holder_kind"] or "",
                   holder_name=values["holder_name"], holder_company=values["holder_company"],
                   holder_document=values["holder_document"], holder_unit=values["holder_unit"],
                   purpose=values["purpose"], order=values["order"], due_at=due, authorised_by=authoriser,
                   authorised_name=name)
        return key.id


class ReturnKeyForm(FormScreen):
    """r on the Keys pane: received by the signed-on operator, the condition, a note."""

    form_title = "Return a key"

    def __init__(self, row: keys.KeyRow) -> None:
        super().__init__()
        self.row = row

    def form_fields(self) -> ComposeResult:
        row, app = self.row, self.app
        tz = app.config.tz
        yield Static(_("{tag} {label}: with {holder} since {since}, due back {due}.", tag=row.tag, label=row.label,
                       holder=row.holder, since=local(row.issued_at, tz), due=local(row.due_at, tz)),
                     markup=False, id="return-key")
        op = app.operator
        yield Static(_("Received by {who}.", who=f"{op.code} {op.name}"), markup=False, id="received-by")
        yield from self.labelled(_("Condition"), PickSelect(_options(keys.CONDITIONS), value="fine",
                                                            allow_blank=False, id="condition"))
        yield from self.labelled(_("Note"), LineInput(id="note"))

    def save(self, values: dict):
        app = self.app
        keys.return_key(app.operator, app.clock.now(), self.row.id, condition=values["condition"] or "",
                        note=values["note"])
        return self.row.id


class ReportKeyForm(FormScreen):
    """l on the Keys pane: a key lost or broken leaves the board with this report."""

    form_title = "Report a key lost or broken"

    def __init__(self, row: keys.KeyRow) -> None:
        super().__init__()
        self.row = row

    def form_fields(self) -> ComposeResult:
        row = self.row
        where = _("with {holder}", holder=row.holder) if row.status == "out" else _("on the board")
        yield Static(f"{row.tag} {row.label} · {where}", markup=False, id="report-key")
        yield from self.labelled(_("What happened to it"), PickSelect(_options(keys.REPORT_KINDS), value="lost",
                                                                      allow_blank=False, id="kind"))
        yield from self.labelled(_("Report"), LineInput(id="note"))

    def save(self, values: dict):
        app = self.app
        keys.report(app.operator, app.clock.now(), self.row.id, kind=values["kind"] or "", note=values["note"])
        return self.row.id


class CatalogueForm(FormScreen):
    """e on the Keys pane (supervisors): a key's catalogue entry. Type a tag that exists to change
    that key (a retired one too); a new tag adds a key to the board."""

    form_title = "Key catalogue"

    def __init__(self, tag: str = "") -> None:
        super().__init__()
        self.initial = keys.find(tag) if tag else None

    def form_fields(self) -> ComposeResult:
        k = self.initial
        yield from self.labelled(_("Tag"), LineInput(value=k.tag if k else "", id="tag", placeholder="PR-05",
                                                     suggester=SuggestFromList(keys.catalogue_tags(active_only=False),
                                                                           case_sensitive=False)))
        yield from self.labelled(_("Label"), LineInput(value=k.label if k else "", id="label"))
        yield from self.labelled(_("What it opens"), LineInput(value=k.opens if k else "", id="opens"))
        yield from self.labelled(_("Type"), PickSelect(_options(keys.KINDS), value=k.kind if k else "plant_room",
                                                       allow_blank=False, id="kind"))
        yield from self.labelled(_("Unit"), LineInput(
            value=k.unit_code if k else "", id="unit", placeholder=_("a unit's spare key: its unit"),
            suggester=SuggestFromList(units.unit_codes(), case_sensitive=False)))
        yield from self.labelled(_("Hook"), LineInput(value=k.hook if k else "", id="hook"))
        yield from self.labelled(_("Copies"), LineInput(value=str(k.copies) if k else "1", id="copies"))
        yield from self.labelled(_("State"), PickSelect(self._states(k), value=self._state(k), allow_blank=False,
                                                        id="active"))

    @staticmethod
    def _states(key: keys.KeyInfo | None) -> list[tuple[str, str]]:
        states = [(_("active: on the board"), "active"), (_("retired"), "retired")]
        if key is not None and key.status in ("lost", "broken", "out"):
            states.insert(0, (_("as it is: {status}", status=label(key.status)), "keep"))
        return states

    @staticmethod
    def _state(key: keys.KeyInfo | None) -> str:
        if key is None:
            return "active"
        return {"retired": "retired", "board": "active"}.get(key.status, "keep")

    def on_mount(self) -> None:
        super().on_mount()
        self._note(self.initial)

    def _note(self, key: keys.KeyInfo | None) -> None:
        if key is None:
            self.show_note("tag", _("A new key: it goes on the board when saved."))
        elif key.status in ("lost", "broken", "retired"):
            self.show_note("tag", _("{tag} is {status}: choose active to put it back on the board.",
                                    tag=key.tag, status=label(key.status)))
        else:
            self.show_note("tag", _("Changing {tag} ({status}).", tag=key.tag, status=label(key.status)))

    @on(Input.Changed, "#tag")
    def _tag_changed(self, event: Input.Changed) -> None:
        key = keys.find(event.value) if event.value.strip() else None
        if key is not None and key != self.initial:
            self.initial = key
            for field, value in (("label", key.label), ("opens", key.opens), ("unit", key.unit_code),
                                 ("hook", key.hook), ("copies", str(key.copies))):
                self.query_one(f"#{field}", Input).value = value
            self.query_one("#kind", Select).value = key.kind
            state = self.query_one("#active", Select)
            state.set_options(self._states(key))
            state.value = self._state(key)
        self._note(key)

    def save(self, values: dict):
        app = self.app
        return keys.save_key(app.operator, app.clock.now(), tag=values["tag"], label=values["label"],
                             opens=values["opens"], kind=values["kind"] or "", unit_code=values["unit"],
                             hook=values["hook"], copies=values["copies"],
                             active={"active": True, "retired": False}.get(values["active"]))


# --- flows ---------------------------------------------------------------------------------

def issue(job: Job) -> None:
    """n: the issue form, with the tag of the selected key when it is on the board."""
    key = job.record
    job.open(IssueKeyForm(key.tag if key is not None and key.status == "board" else ""))


def catalogue(job: Job) -> None:
    """e (supervisors): the catalogue entry of the selected key, or a new one."""
    key = job.record
    job.open(CatalogueForm(key.tag if key is not None else ""))
