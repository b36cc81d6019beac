"""What the desk does with a call, as small forms, and the flows the action table runs for them (from
the Calls pane and from the call's screen alike): new call, turn into a work order, answer, deliver,
edit, void. Each flow takes the action table's Job: its record is the selected call."""
from __future__ import annotations

from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.suggester import SuggestFromList
from textual.widgets import Select, Static, TextArea

from .. import calls, orders
from ..errors import InvalidInput, Refusal, explain
from ..i18n import _, label
from ..text import one_line
from ..widgets.choice import PickSelect
from .call_detail import OrderSummaryScreen
from .call_form import CallFormScreen, choice
from .form import ConfirmScreen, FormScreen
from ..widgets.line_input import LineInput

if TYPE_CHECKING:
    from .actions import Job


def call_context(call: calls.CallDetail, app) -> Static:
    who = " ".join(p for p in (one_line(call.caller), call.unit_code, call.phone) if p)
    line = f"#{call.id} {app.local_time(call.received_at, 'MM-DD HH:mm')} {label(call.category)} {who}: " \
           f"{one_line(call.text)}"
    return Static(line, classes="call-context", markup=False)


class ConvertFormScreen(FormScreen):
    """`o`: the class (proposed from the category and the words), where, what; dismisses with the order id."""

    form_title = "Work order from this call"

    def __init__(self, call: calls.CallDetail, proposed: str) -> None:
        super().__init__()
        self.call = call
        self.proposed = proposed

    def form_fields(self) -> ComposeResult:
        c = self.call
        yield call_context(c, self.app)
        classes = list(self.app.engine.catalogue)
        yield from self.labelled(_("Class"), PickSelect(
            [(label(k), k) for k in classes], id="sla_class",
            value=self.proposed if self.proposed in classes else Select.NULL))
        yield from self.labelled(_("Unit"), LineInput(value=c.unit_code, id="unit", compact=True,
                                                      suggester=SuggestFromList(calls.unit_codes(), case_sensitive=False)))
        yield from self.labelled(_("Where"), LineInput(id="location", compact=True,
                                                       placeholder=_("when there is no unit")))
        yield from self.labelled(_("What is wrong"), TextArea(c.text, id="description", compact=True,
                                                              soft_wrap=True, tab_behavior="focus"))
        yield from self.labelled(_("Department"), PickSelect(
            [(label(d), d) for d in orders.DEPARTMENTS], id="department", prompt=_("later, at dispatch")))

    def on_mount(self) -> None:
        super().on_mount()
        self.show_note("sla_class", _("Proposed from the category and the words: {cls}.", cls=label(self.proposed)))

    def save(self, values: dict):
        app = self.app
        return calls.convert_to_order(
            app.operator, app.clock.now(), app.engine, self.call.id, sla_class=choice(values["sla_class"]),
            description=values["description"], unit_code=values["unit"], location=values["location"],
            department=choice(values["department"]))


class AnswerFormScreen(FormScreen):
    form_title = "Answer the inquiry"

    def __init__(self, call: calls.CallDetail) -> None:
        super().__init__()
        self.call = call

    def form_fields(self) -> ComposeResult:
        yield call_context(self.call, self.app)
        yield from self.labelled(_("Answer"), TextArea(id="answer", compact=True, soft_wrap=True,
                                                       tab_behavior="focus"))

    def save(self, values: dict):
        calls.answer_inquiry(self.app.operator, self.app.clock.now(), self.call.id, answer=values["answer"])
        return self.call.id


class DeliverFormScreen(FormScreen):
    form_title = "Message delivered"

    def __init__(self, call: calls.CallDetail) -> None:
        super().__init__()
        self.call = call

    def form_fields(self) -> ComposeResult:
        c = self.call
        yield call_context(c, self.app)
        yield Static(_("For {whom}, from {sender}, call back on {number}.", whom=c.message_for or "?",
                       sender=c.message_from or "?", number=c.callback_number or "?"),
                     classes="call-context", markup=False)
        yield from self.labelled(_("Note"), LineInput(id="note", compact=True, placeholder=_("optional")))

    def save(self, values: dict):
        calls.deliver_message(self.app.operator, self.app.clock.now(), self.call.id, note=values["note"])
        return self.call.id


class VoidFormScreen(FormScreen):
    form_title = "Void this call"

    def __init__(self, call: calls.CallDetail) -> None:
        super().__init__()
        self.call = call

    def form_fields(self) -> ComposeResult:
        yield call_context(self.call, self.app)
        yield from self.labelled(_("Reason"), TextArea(id="reason", compact=True, soft_wrap=True,
                                                       tab_behavior="focus"))

    def save(self, values: dict):
        calls.void_call(self.app.operator, self.app.clock.now(), self.call.id, reason=values["reason"])
        return self.call.id


# --- flows ---------------------------------------------------------------------------------

def new_call(job: Job) -> None:
    """n: the call form; after an emergency, the offer to raise its work order at once."""
    app = job.app

    def saved(result) -> None:
        if result is None:
            return
        call_id, category = result
        job.saved(call_id)
        if category == "emergency":
            offer_emergency_order(app, call_id)

    app.push_screen(CallFormScreen(), saved)


def offer_emergency_order(app, call_id: int) -> None:
    def answered(yes: bool | None) -> None:
        if not yes:
            return
        call = calls.detail(call_id)
        if call.unit_code:
            try:
                order_id = calls.convert_to_order(app.operator, app.clock.now(), app.engine, call_id,
                                                  sla_class="emergency")
            except InvalidInput:
                # Refused (e.g. the site has no `emergency` class): the form shows why, at its field.
                app.push_screen(ConvertFormScreen(call, "emergency"), lambda r: _ordered(app, r))
                return
            except Refusal as exc:
                app.notify(explain(exc, app.config.tz), severity="error")
                return
            _ordered(app, order_id)
        else:
            # No unit: the form asks where.
            app.push_screen(ConvertFormScreen(call, "emergency"), lambda r: _ordered(app, r))

    app.push_screen(ConfirmScreen(_("An emergency. Raise the emergency work order now (on site within 10 minutes)?")),
                    answered)


def _ordered(app, order_id) -> None:
    if order_id is None:
        return
    app.notify(_("Work order {number} raised.", number=orders.number(order_id)))
    app.reload()


def order_from_call(job: Job) -> None:
    """o: turn the call into a work order; if it has an open one already, show that one."""
    app = job.app
    call = calls.detail(job.record.id)
    if call.open_order_id is not None:
        app.push_screen(OrderSummaryScreen(call.open_order_id))
        return
    if call.status == "void":
        app.notify(_("This call was voided: it cannot become a work order."), severity="warning")
        return
    if call.category not in calls.ORDER_CATEGORIES:
        app.notify(_("A {category} does not become a work order; only a repair, complaint, emergency or inquiry does.",
                     category=_(call.category)), severity="warning")
        return

    def saved(order_id) -> None:
        if order_id is not None:
            app.notify(_("Work order {number} raised.", number=orders.number(order_id)))
            job.saved(call.id)   # the call's row now shows its order

    app.push_screen(ConvertFormScreen(call, calls.propose_class(call.category, call.text)), saved)


def answer(job: Job) -> None:
    call = calls.detail(job.record.id)
    if call.category != "inquiry" or call.status != "open":
        job.app.notify(_("Only an open inquiry is answered; this call is {status}.", status=_(call.status)),
                       severity="warning")
        return
    job.open(AnswerFormScreen(call))


def deliver(job: Job) -> None:
    call = calls.detail(job.record.id)
    if call.category != "message" or call.status != "open":
        job.app.notify(_("Only an undelivered message is delivered; this call is {status}.", status=_(call.status)),
                       severity="warning")
        return
    job.open(DeliverFormScreen(call))


def handled(job: Job) -> None:
    """An open call dealt with without a work order (an emergency's 10 minutes stop): recorded, one key."""
    app, call = job.app, job.record
    if job.attempt(lambda: calls.close(app.operator, app.clock.now(), call.id)):
        app.notify(_("Call marked handled."))
        job.saved(call.id)


def edit(job: Job) -> None:
    call = calls.detail(job.record.id)
    if call.status == "void":
        job.app.notify(_("This call was voided: it cannot be edited."), severity="warning")
        return
    job.app.push_screen(CallFormScreen(call), lambda result: job.saved(result[0] if result else None))


def void(job: Job) -> None:
    """v: only a supervisor (the action table says so before this runs)."""
    call = calls.detail(job.record.id)
    if call.status == "void":
        job.app.notify(_("This call is void already."), severity="warning")
        return
    job.open(VoidFormScreen(call))
