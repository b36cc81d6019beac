"""The Front desk pane's forms (receive, tell, hand over and return a parcel; sign a visitor in) and
the action table's flows that pick the form by the register the pane shows."""
from __future__ import annotations

from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.suggester import SuggestFromList
from textual.widgets import Input, Static

from .. import frontdesk, units
from ..i18n import _, label
from ..timefmt import local
from ..widgets.choice import PickSelect, yes_no
from .form import FormScreen

if TYPE_CHECKING:
    from .actions import Job


def _options(ids) -> list[tuple[str, str]]:
    return [(label(i), i) for i in ids]


def _unit_field() -> Input:
    return Input(id="unit_code", placeholder=_("e.g. 1-1203"),
                 suggester=SuggestFromList(units.unit_codes(), case_sensitive=False))


class ReceiveParcelForm(FormScreen):
    """n on the Front desk pane (parcels): received by the signed-on operator."""

    form_title = "Receive a parcel"

    def form_fields(self) -> ComposeResult:
        yield from self.labelled(_("Unit"), _unit_field())
        yield from self.labelled(_("For (name)"), Input(id="addressee"))
        yield from self.labelled(_("Carrier"), Input(id="carrier", placeholder="EMS"))
        yield from self.labelled(_("Tracking number"), Input(id="tracking"))
        yield from self.labelled(_("Size"), PickSelect(_options(frontdesk.SIZES), id="size"))
        yield from self.labelled(_("Shelf"), Input(id="shelf"))

    def save(self, values: dict):
        app = self.app
        return frontdesk.receive_parcel(
            app.operator, app.clock.now(), unit_code=values["unit_code"], addressee=values["addressee"],
            carrier=values["carrier"], tracking=values["tracking"], size=values["size"] or "", shelf=values["shelf"])


class _ParcelForm(FormScreen):
    """A form on the selected parcel: it says which parcel first."""

    def __init__(self, row: frontdesk.ParcelRow) -> None:
        super().__init__()
        self.row = row

    def parcel_line(self) -> Static:
        row = self.row
        who = " ".join(x for x in (row.unit_code, row.addressee) if x)
        return Static(_("{carrier} {tracking} for {who}, received {since}.", carrier=row.carrier,
                        tracking=row.tracking, who=who, since=local(row.received_at, self.app.config.tz)),
                      markup=False, id="parcel-line")


class NotifyParcelForm(_ParcelForm):
    """t: the addressee told (again): how; when and by whom are the save's."""

    form_title = "Tell the addressee"

    def form_fields(self) -> ComposeResult:
        yield self.parcel_line()
        yield from self.labelled(_("How"), PickSelect(_options(frontdesk.NOTICE_WAYS), value="phone", allow_blank=False,
                                                      id="how"))

    def save(self, values: dict):
        app = self.app
        frontdesk.notify_parcel(app.operator, app.clock.now(), self.row.id, how=values["how"] or "")
        return self.row.id


class CollectParcelForm(_ParcelForm):
    """c: the parcel handed over, the ID checked (last four characters only) and signed for."""

    form_title = "Hand over a parcel"

    def form_fields(self) -> ComposeResult:
        yield self.parcel_line()
        yield from self.labelled(_("Collected by"), Input(value=self.row.addressee, id="collector"))
        yield from self.labelled(_("The addressee"), yes_no(value="yes", allow_blank=False, id="by_addressee"))
        yield from self.labelled(_("Authority shown (someone else collecting)"), Input(id="authority"))
        yield from self.labelled(_("ID type"), PickSelect(_options(frontdesk.ID_TYPES), value="id_card",
                                                          allow_blank=False, id="id_type"))
        yield from self.labelled(_("ID number: last four characters"), Input(id="id_last4", max_length=4))
        yield from self.labelled(_("Signed for"), yes_no(value="no", allow_blank=False, id="signed"))

    def save(self, values: dict):
        app = self.app
        frontdesk.collect_parcel(app.operator, app.clock.now(), self.row.id, collector=values["collector"],
                                 by_addressee=values["by_addressee"] == "yes", authority=values["authority"],
                                 id_type=values["id_type"] or "", id_last4=values["id_last4"],
                                 signed=values["signed"] == "yes")
        return self.row.id


class ReturnParcelForm(_ParcelForm):
    """r: returned to the sender, with the reason."""

    form_title = "Return a parcel to the sender"

    def form_fields(self) -> ComposeResult:
        yield self.parcel_line()
        yield from self.labelled(_("Reason"), Input(id="reason"))

    def save(self, values: dict):
        app = self.app
        frontdesk.return_parcel(app.operator, app.clock.now(), self.row.id, reason=values["reason"])
        return self.row.id


class SignInVisitorForm(FormScreen):
    """n on the Front desk pane (visitors): time in is now, signed in by the operator."""

    form_title = "Sign a visitor in"

    def form_fields(self) -> ComposeResult:
        yield from self.labelled(_("Visitor's name"), Input(id="name"))
        yield from self.labelled(_("How many people"), Input(value="1", id="party_size"))
        yield from self.labelled(_("Unit"), _unit_field())
        yield from self.labelled(_("Or office / place"), Input(id="destination"))
        yield from self.labelled(_("Purpose"), Input(id="purpose"))
        yield from self.labelled(_("Host confirmed by phone: who"), Input(id="host_confirmed_by"))
        yield from self.labelled(_("Pass or card"), Input(id="pass_no"))
        yield from self.labelled(_("ID type"), PickSelect(_options(frontdesk.ID_TYPES), id="id_type"))
        yield from self.labelled(_("ID number: last four characters"), Input(id="id_last4", max_length=4))
        yield from self.labelled(_("Phone"), Input(id="phone"))
        yield from self.labelled(_("VIP"), yes_no(value="no", allow_blank=False, id="vip"))

    def save(self, values: dict):
        app = self.app
        return frontdesk.sign_in_visitor(
            app.operator, app.clock.now(), name=values["name"], party_size=values["party_size"],
            unit_code=values["unit_code"], destination=values["destination"], purpose=values["purpose"],
            host_confirmed_by=values["host_confirmed_by"], pass_no=values["pass_no"],
            id_type=values["id_type"] or "", id_last4=values["id_last4"], phone=values["phone"], vip=values["vip"] == "yes")


# --- the action table's flows ------------------------------------------------------------------

def show_register(register: str):
    def flow(job: Job) -> None:
        job.pane.show_register(register)
    return flow


def new(job: Job) -> None:
    """n: a parcel received, or a visitor signed in, by the register the pane shows."""
    register = getattr(job.pane, "register", "parcels")
    job.open(SignInVisitorForm() if register == "visitors" else ReceiveParcelForm())


def sign_out(job: Job) -> None:
    """o: the selected visitor left; no form."""
    app, row = job.app, job.record
    if job.attempt(lambda: frontdesk.sign_out_visitor(app.operator, app.clock.now(), row.id)):
        app.notify(_("{name} signed out.", name=row.name))
        job.saved(row.id)


def is_waiting_parcel(record) -> bool:
    return isinstance(record, frontdesk.ParcelRow) and record.status == "waiting"


def is_visitor_on_site(record) -> bool:
    return isinstance(record, frontdesk.VisitorRow) and record.on_site


def open_record(job: Job) -> None:
    """Enter: the selected row's next step (hand over a waiting parcel, sign a visitor out)."""
    if is_waiting_parcel(job.record):
        job.open(CollectParcelForm(job.record))
    elif is_visitor_on_site(job.record):
        sign_out(job)
