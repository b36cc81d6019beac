"""The work-order forms: new order, dispatch, on site, complete, call-back, extension, cancel/return,
approval; and the flows of the action table that are more than one form (extend, cancel or return)."""
from __future__ import annotations

from typing import TYPE_CHECKING

from textual import on
from textual.app import ComposeResult
from textual.suggester import SuggestFromList
from textual.widgets import Input, Select, Static, TextArea

from .. import orders, people, technicians, units
from ..errors import InvalidInput
from ..i18n import _, label
from ..timefmt import local
from ..widgets.choice import PickSelect, yes_no
from .form import FormScreen
from ..widgets.line_input import LineInput

if TYPE_CHECKING:
    from .actions import Job

REPORTED = lambda: [(_("phone"), "phone"), (_("radio"), "radio"), (_("in person"), "in_person")]  # noqa: E731
SIGNOFF = lambda: [(_("not yet"), "none"), (_("signed slip"), "slip"), (_("confirmed by phone"), "phone")]  # noqa: E731


def departments(**kwargs) -> PickSelect:
    return PickSelect([(label(d), d) for d in orders.DEPARTMENTS], id="department", **kwargs)


def _value(values: dict, key: str):
    value = values.get(key)
    return None if value is None or value is Select.NULL else value


class _OrderForm(FormScreen):
    def __init__(self, row: orders.OrderRow | None = None) -> None:
        super().__init__()
        self.row = row

    @property
    def ctx(self):
        app = self.app
        return app.operator, app.clock.now(), app.config.tz

    def order_line(self) -> ComposeResult:
        if self.row is not None:
            r = self.row
            text = f"{r.number} · {r.unit_code or r.location} · {label(r.sla_class)} · {label(r.status)} · {r.description}"
            yield Static(text, markup=False, classes="form-hint")


class NewOrderForm(_OrderForm):
    form_title = "New work order"

    def form_fields(self) -> ComposeResult:
        engine = self.app.engine
        yield from self.labelled(_("Unit"), LineInput(
            id="unit", placeholder=_("e.g. 1-1203"), suggester=SuggestFromList(units.unit_codes(), case_sensitive=False)))
        yield from self.labelled(_("Where"), LineInput(id="location", placeholder=_("when there is no unit")))
        yield from self.labelled(_("Kind of work"), PickSelect([(label(c), c) for c in engine.catalogue],
                                                              id="sla_class"))
        yield from self.labelled(_("What is wrong"), TextArea(id="description"))
        yield from self.labelled(_("Department"), departments(prompt=_("Later, at dispatch")))
        yield from self.labelled(_("Chargeable"), yes_no(allow_blank=False, value="no", id="chargeable"))
        yield from self.labelled(_("Fee agreed (yuan)"), LineInput(id="fee", placeholder=_("agreed with the owner")))

    def save(self, values: dict):
        actor, now, _tz = self.ctx
        return orders.create_order(
            actor, now, self.app.engine, sla_class=_value(values, "sla_class") or "",
            description=values["description"], unit_code=values["unit"], location=values["location"],
            department=_value(values, "department") or "", chargeable=_value(values, "chargeable") == "yes",
            fee_agreed=values["fee"])


class DispatchForm(_OrderForm):
    """The department's technicians are offered, read when the department is chosen: the first one on
    call is filled in, the others complete as a name is typed, and any other name may be typed."""
    form_title = "Dispatch"

    def form_fields(self) -> ComposeResult:
        yield from self.order_line()
        dept = self.row.department if self.row.department in orders.DEPARTMENTS else Select.NULL
        yield from self.labelled(_("Department"), departments(value=dept))
        yield from self.labelled(_("Person sent"), LineInput(value=self.row.assignee, id="assignee"))
        yield from self.labelled(_("Visit booked"), LineInput(
            id="booked", placeholder=_("with the owner: 14:30 or 11-25 14:30")))
        yield from self.labelled(_("Owner chose it"), yes_no(allow_blank=False, value="no", id="owner_chose"))

    _offered = ""   # the name this form filled in (replaced when the department changes; a typed one is not)

    def on_mount(self) -> None:
        self._offer(self.query_one("#department", Select).value)   # before the form notes what it holds
        super().on_mount()

    @on(Select.Changed, "#department")
    def _department_changed(self, event: Select.Changed) -> None:
        self._offer(event.value)

    def _offer(self, department) -> None:
        people = technicians.for_department(department) if isinstance(department, str) else []
        assignee = self.query_one("#assignee", Input)
        assignee.suggester = SuggestFromList([t.name for t in people], case_sensitive=False) if people else None
        on_call = [t for t in people if t.on_call]
        if (not assignee.value or assignee.value == self._offered) and on_call:
            assignee.value = self._offered = on_call[0].name
        self.show_note("assignee", technicians.offer_text(people))

    def save(self, values: dict):
        actor, now, tz = self.ctx
        booked = orders.parse_local(values["booked"], tz, now, "booked")
        orders.dispatch(actor, now, self.row.id, department=_value(values, "department") or "",
                        assignee=values["assignee"], booked_visit_at=booked,
                        owner_chose=_value(values, "owner_chose") == "yes", engine=self.app.engine)
        return self.row.id


class ArriveForm(_OrderForm):
    """a: someone is on site, as the desk heard it: who (the order's technician, filled in), how the
    desk was told, and when they got there (empty: now; earlier when the word came late)."""
    form_title = "Arrival on site"

    def form_fields(self) -> ComposeResult:
        yield from self.order_line()
        names = [t.name for t in technicians.for_department(self.row.department)] if self.row.department else []
        yield from self.labelled(_("Who is on site"), LineInput(
            value=self.row.assignee, id="on_site", max_length=60,
            suggester=SuggestFromList(names, case_sensitive=False) if names else None))
        yield from self.labelled(_("Reported by"), PickSelect(REPORTED(), allow_blank=False, value="phone",
                                                              id="reported_how"))
        yield from self.labelled(_("Got there at"), LineInput(id="arrived_at", placeholder=_("now; or earlier, like 21:40")))

    def save(self, values: dict):
        actor, now, tz = self.ctx
        at = orders.parse_local(values["arrived_at"], tz, now, "arrived_at", gone=True)
        orders.arrive(actor, now, self.row.id, engine=self.app.engine, at=at, on_site=values["on_site"],
                      reported_how=_value(values, "reported_how") or "")
        self.app.notify(_("{number}: on site.", number=self.row.number))
        return self.row.id


class CompleteForm(_OrderForm):
    form_title = "Complete"

    def form_fields(self) -> ComposeResult:
        yield from self.order_line()
        yield from self.labelled(_("Work done"), TextArea(id="work_done"))
        yield from self.labelled(_("Materials used"), LineInput(id="materials"))
        yield from self.labelled(_("Hours"), LineInput(id="hours"))
        yield from self.labelled(_("Fee charged (yuan)"), LineInput(id="fee", placeholder=_("chargeable work only")))
        yield from self.labelled(_("Owner's sign-off"), PickSelect(SIGNOFF(), allow_blank=False, value="none",
                                                                   id="signoff"))
        yield from self.labelled(_("Signed by"), LineInput(
            id="signed_by", placeholder=_("who signed, or who confirmed on the phone")))

    def save(self, values: dict):
        actor, now, tz = self.ctx
        how = _value(values, "signoff")
        orders.complete(actor, now, self.row.id, work_done=values["work_done"], materials=values["materials"],
                        hours=values["hours"], fee=values["fee"], signoff="" if how == "none" else how,
                        signed_by=values["signed_by"], engine=self.app.engine)
        return self.row.id


class CallbackForm(_OrderForm):
    form_title = "Call-back"

    def form_fields(self) -> ComposeResult:
        yield from self.order_line()
        yield from self.labelled(_("Owner satisfied?"), yes_no(id="satisfied"))
        yield from self.labelled(_("What the owner said"), TextArea(id="note"))

    def save(self, values: dict):
        actor, now, tz = self.ctx
        answer = _value(values, "satisfied")
        if answer is None:
            raise InvalidInput("satisfied", _("Say whether the owner is satisfied."))
        orders.callback(actor, now, self.app.engine, self.row.id, satisfied=answer == "yes", note=values["note"])
        return self.row.id


class ExtendForm(_OrderForm):
    form_title = "Ask for more time"

    def form_fields(self) -> ComposeResult:
        yield from self.order_line()
        if self.row.clocks:
            due = max(c.due for c in self.row.clocks)
            yield Static(_("Due now: {time}", time=local(due, self.app.config.tz, "YYYY-MM-DD HH:mm")),
                         markup=False, classes="form-hint")
        yield from self.labelled(_("New deadline"), LineInput(id="until", placeholder=_("2026-11-30 17:00 or 11-30 17:00")))
        yield from self.labelled(_("Why"), TextArea(id="reason"))
        yield from self.labelled(_("Caused by the owner"), yes_no(allow_blank=False, value="no", id="owner_caused"))
        yield from self.labelled(_("Owner consents"), yes_no(allow_blank=False, value="no", id="owner_consent"))

    def save(self, values: dict):
        actor, now, tz = self.ctx
        until = orders.parse_local(values["until"], tz, now, "until", day_end=self.app.engine.office_hours.end)
        orders.request_extension(actor, now, self.app.engine, self.row.id, until=until, reason=values["reason"],
                                 owner_caused=_value(values, "owner_caused") == "yes",
                                 owner_consent=_value(values, "owner_consent") == "yes")
        return self.row.id


class CancelReturnForm(_OrderForm):
    form_title = "Cancel or return"

    def form_fields(self) -> ComposeResult:
        yield from self.order_line()
        yield from self.labelled(_("What"), PickSelect(
            [(_("cancel: the order is not wanted any more"), "cancel"),
             (_("return: the work cannot be done (a supervisor signs)"), "return")],
            allow_blank=False, value="cancel", id="what"))
        yield from self.labelled(_("Reason"), TextArea(id="reason"))

    def save(self, values: dict):
        actor, now, tz = self.ctx
        if _value(values, "what") == "return":
            orders.return_order(actor, now, self.row.id, reason=values["reason"])
        else:
            orders.cancel(actor, now, self.row.id, reason=values["reason"])
        return self.row.id


class DecideForm(_OrderForm):
    """A supervisor approves or refuses the request waiting on an order."""
    form_title = "Approve or refuse"

    def form_fields(self) -> ComposeResult:
        yield from self.order_line()
        detail = orders.detail(self.app.engine, self.row.id)
        if detail.pending == "extension":
            yield Static(_("Extension to {time}: {reason}",
                           time=local(detail.pending_until, self.app.config.tz, "YYYY-MM-DD HH:mm"),
                           reason=detail.pending_reason), markup=False)
        else:
            yield Static(_("Return: {reason}", reason=detail.pending_reason), markup=False)
        yield from self.labelled(_("Decision"), PickSelect([(_("approve"), "approve"), (_("refuse"), "refuse")],
                                                           allow_blank=False, value="approve", id="decision"))
        yield from self.labelled(_("Note"), LineInput(id="reason"))

    def save(self, values: dict):
        actor, now, tz = self.ctx
        if _value(values, "decision") == "refuse":
            orders.refuse_request(actor, now, self.row.id, reason=values["reason"])
        elif self.row.pending == "extension":
            if orders.approve_extension(actor, now, self.row.id) == "needs_director":
                self.app.notify(_("Signed. Beyond two weeks a second supervisor signs for the director."))
        else:
            orders.approve_return(actor, now, self.row.id)
        return self.row.id


class FollowUpForm(_OrderForm):
    """What follows the work, recorded from the order's detail: the owner's sign-off, the area
    manager's look, the written reply, the fee collected; a supervisor's marks on a complaint."""
    form_title = "Follow-up"

    def form_fields(self) -> ComposeResult:
        yield from self.order_line()
        yield from self.labelled(_("What"), PickSelect([
            (_("owner's sign-off: signed slip"), "slip"), (_("owner's sign-off: confirmed by phone"), "phone"),
            (_("the area manager went to look"), "area_check"), (_("the written reply was sent"), "written_reply"),
            (_("fee collected"), "fee"), (_("complaint verified: the company's failure"), "effective"),
            (_("complaint verified: not the company's failure"), "not_effective"),
            (_("complaint marked major"), "major"), (_("complaint not major"), "not_major")],
            id="what"))
        yield from self.labelled(_("Who"), LineInput(id="person", placeholder=_("who signed, went to look, or received the reply")))
        yield from self.labelled(_("Amount (yuan)"), LineInput(id="amount", placeholder=_("the fee collected")))
        yield from self.labelled(_("Note"), TextArea(id="note"))

    def save(self, values: dict):
        from ..errors import InvalidInput
        actor, now, _tz = self.ctx
        what, order_id = _value(values, "what"), self.row.id
        if what in ("slip", "phone"):
            orders.sign_off(actor, now, order_id, how=what, by=values["person"])
        elif what in ("area_check", "written_reply"):
            orders.finish_followup(actor, now, order_id, kind=what, person=values["person"], note=values["note"])
        elif what == "fee":
            orders.collect_fee(actor, now, order_id, amount=values["amount"])
        elif what in ("effective", "not_effective"):
            orders.verify_complaint(actor, now, order_id, effective=what == "effective", note=values["note"])
        elif what in ("major", "not_major"):
            orders.mark_major(actor, now, order_id, major=what == "major")
        else:
            raise InvalidInput("what", _("Choose what was done."))
        return order_id


# --- flows ---------------------------------------------------------------------------------

def extend(job: Job) -> None:
    """e: ask for more time; a supervisor, on an order whose extension waits, approves or refuses it."""
    _decision_or(job, "extension", "order.extend.approve", ExtendForm)


def cancel_or_return(job: Job) -> None:
    """x: cancel or return; a supervisor, on an order whose return waits, approves or refuses it."""
    _decision_or(job, "return", "order.return.approve", CancelReturnForm)


def _decision_or(job: Job, waiting: str, approve: str, form_class) -> None:
    row = job.record
    if row.pending == waiting and people.may(job.app.operator, approve):
        job.open(DecideForm(row))
    else:
        job.open(form_class(row))
