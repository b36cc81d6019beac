"""The Front desk pane's forms (receive, tell, hand over and return a parcel; sign a visitor in or
expect a VIP; issue a goods-release pass and release it at the gate; record a found item and hand it
back) and the action table's flows that pick the form by the register the pane shows.

The visitor, pass and lost-and-found forms are laid out as the call form is (FrontDeskForm: one line a
field, choices picked by the letter shown after each), so that they fit 80x24."""
from __future__ import annotations

from typing import TYPE_CHECKING

from textual import on
from textual.app import ComposeResult
from textual.suggester import SuggestFromList
from textual.widgets import Select, Static, TextArea

from .. import frontdesk, orders, units
from ..i18n import _, label
from ..timefmt import local
from ..widgets.choice import PickSelect, yes_no
from .call_form import choice, pick
from .form import FormScreen
from ..widgets.line_input import LineInput

if TYPE_CHECKING:
    from .actions import Job


def _options(ids) -> list[tuple[str, str]]:
    return [(label(i), i) for i in ids]


def _unit_field(compact: bool = False) -> LineInput:
    return LineInput(id="unit_code", placeholder=_("e.g. 1-1203"), compact=compact,
                     suggester=SuggestFromList(units.unit_codes(), case_sensitive=False))


# (letter, id): the letter picks the choice while the field has the cursor (widgets.choice.PickSelect).
ID_TYPE_KEYS = (("i", "id_card"), ("p", "passport"), ("d", "driving_licence"), ("o", "other"))
REQUESTER_KEYS = (("o", "owner"), ("t", "tenant"), ("a", "authorised"))
MOVE_OUT_LABELS = {"arrears_cleared": "Arrears cleared", "keys_returned": "Keys returned",
                   "passes_returned": "Passes and cards returned"}


class _FrontDeskForm(FormScreen):
    """A front-desk form, with a line of context above its fields."""

    def line(self, text: str, id: str) -> Static:
        """What the form is about (user text as typed, never markup)."""
        return Static(text, markup=False, id=id, classes="call-context")


class _OnRowForm(_FrontDeskForm):
    """A form on the selected row of the register (a pass, a found item)."""

    def __init__(self, row) -> None:
        super().__init__()
        self.row = row


class ReceiveParcelForm(FormScreen):
    """n on the Front desk pane (parcels): received by the signed-on operator."""

    form_title = "Receive a parcel"

    def form_fields(self) -> ComposeResult:
        yield from self.labelled(_("Unit"), _unit_field())
        yield from self.labelled(_("For (name)"), LineInput(id="addressee"))
        yield from self.labelled(_("Carrier"), LineInput(id="carrier", placeholder="EMS"))
        yield from self.labelled(_("Tracking number"), LineInput(id="tracking"))
        yield from self.labelled(_("Size"), PickSelect(_options(frontdesk.SIZES), id="size"))
        yield from self.labelled(_("Shelf"), LineInput(id="shelf"))

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
        yield from self.labelled(_("How"), PickSelect(_options(frontdesk.NOTICE_WAYS), value="phone",
                                                      allow_blank=False, id="how"))

    def save(self, values: dict):
        app = self.app
        frontdesk.notify_parcel(app.operator, app.clock.now(), self.row.id, how=values["how"] or "")
        return self.row.id


class CollectParcelForm(_ParcelForm):
    """c: the parcel handed over, the ID checked (last four characters only) and signed for."""

    form_title = "Hand over a parcel"

    def form_fields(self) -> ComposeResult:
        yield self.parcel_line()
        yield from self.labelled(_("Collected by"), LineInput(value=self.row.addressee, id="collector"))
        yield from self.labelled(_("The addressee"), yes_no(value="yes", allow_blank=False, id="by_addressee"))
        yield from self.labelled(_("Authority shown (someone else collecting)"), LineInput(id="authority"))
        yield from self.labelled(_("ID type"), PickSelect(_options(frontdesk.ID_TYPES), value="id_card",
                                                      allow_blank=False, id="id_type"))
        yield from self.labelled(_("ID number: last four characters"), LineInput(id="id_last4", max_length=4))
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
        yield from self.labelled(_("Reason"), LineInput(id="reason"))

    def save(self, values: dict):
        app = self.app
        frontdesk.return_parcel(app.operator, app.clock.now(), self.row.id, reason=values["reason"])
        return self.row.id


class SignInVisitorForm(_FrontDeskForm):
    """n on the Front desk pane (visitors): time in is now, signed in by the operator. With "expected
    at", a VIP is signed in ahead instead (no time in until they come); "leaves at" is a VIP's
    announced departure (the send-off reminder)."""

    form_title = "Sign a visitor in"

    def form_fields(self) -> ComposeResult:
        yield from self.labelled(_("Visitor's name"), LineInput(id="name", compact=True))
        yield from self.labelled(_("How many people"), LineInput(value="1", id="party_size", compact=True))
        yield from self.labelled(_("Unit"), _unit_field(compact=True))
        yield from self.labelled(_("Office / place"), LineInput(id="destination", compact=True,
                                                                placeholder=_("when not a unit")))
        yield from self.labelled(_("Purpose"), LineInput(id="purpose", compact=True))
        yield from self.labelled(_("Confirmed by"), LineInput(id="host_confirmed_by", compact=True, placeholder=_(
            "who confirmed with the host by phone")))
        yield from self.labelled(_("Pass or card"), LineInput(id="pass_no", compact=True))
        yield from self.labelled(_("ID type"), pick(ID_TYPE_KEYS, id="id_type", prompt=_("type a letter")))
        yield from self.labelled(_("ID: last four"), LineInput(id="id_last4", max_length=4, compact=True))
        yield from self.labelled(_("Phone"), LineInput(id="phone", compact=True))
        yield from self.labelled(_("VIP"), yes_no(value="no", allow_blank=False, id="vip"))
        yield from self.labelled(_("VIP expected at"), LineInput(id="expected_at", compact=True, placeholder=_(
            "14:30: signed in ahead; empty: here now")))
        yield from self.labelled(_("VIP leaves at"), LineInput(id="leaves_at", compact=True, placeholder=_(
            "14:30 or 11-25 14:30, if announced")))

    def save(self, values: dict):
        app = self.app
        now, tz = app.clock.now(), app.config.tz
        expected = orders.parse_local(values["expected_at"], tz, now, "expected_at")
        leaves = orders.parse_local(values["leaves_at"], tz, now, "leaves_at")
        visit = dict(name=values["name"], party_size=values["party_size"], unit_code=values["unit_code"],
                     destination=values["destination"], purpose=values["purpose"],
                     host_confirmed_by=values["host_confirmed_by"], pass_no=values["pass_no"],
                     id_type=choice(values["id_type"]), id_last4=values["id_last4"], phone=values["phone"])
        if expected is not None:
            return frontdesk.expect_vip(app.operator, now, arrives_at=expected, leaves_at=leaves, **visit)
        return frontdesk.sign_in_visitor(app.operator, now, vip=values["vip"] == "yes", leaves_at=leaves, **visit)


# --- goods-release passes --------------------------------------------------------------------

class IssuePassForm(_FrontDeskForm):
    """n on the Front desk pane (passes): a numbered pass, valid to the end of the site's day. An
    authorised person's authorisation is recorded; a move-out is checked first (the desk ticks each)."""

    form_title = "Issue a goods-release pass"

    def form_fields(self) -> ComposeResult:
        yield from self.labelled(_("Unit"), _unit_field(compact=True))
        yield from self.labelled(_("Requested by"), LineInput(id="requester", compact=True))
        yield from self.labelled(_("Who asks"), pick(REQUESTER_KEYS, id="requester_kind"))
        yield from self.labelled(_("Authorisation"), LineInput(id="authorisation", compact=True, placeholder=_(
            "from whom, what was shown")), "authorised-field -hidden")
        yield from self.labelled(_("Goods"), TextArea(id="items", compact=True, soft_wrap=True, tab_behavior="focus"))
        yield from self.labelled(_("Move-out?"), yes_no(id="move_out", allow_blank=False, value="no"))
        for check in frontdesk.MOVE_OUT_CHECKS:
            yield from self.labelled(_(MOVE_OUT_LABELS[check]), yes_no(value="no", allow_blank=False, id=check),
                                     "move-out-field -hidden")

    @on(Select.Changed, "#requester_kind")
    def _kind_changed(self, event: Select.Changed) -> None:
        for field in self.query(".authorised-field"):
            field.set_class(choice(event.value) != "authorised", "-hidden")

    @on(Select.Changed, "#move_out")
    def _move_out_changed(self, event: Select.Changed) -> None:
        for field in self.query(".move-out-field"):
            field.set_class(choice(event.value) != "yes", "-hidden")
        self.show_note("move_out", _("A move-out: arrears cleared, keys and passes returned; tick what you checked.")
                       if choice(event.value) == "yes" else "")

    def save(self, values: dict):
        app = self.app
        move_out = choice(values["move_out"]) == "yes"
        pass_id = frontdesk.issue_pass(
            app.operator, app.clock.now(), app.engine, unit_code=values["unit_code"], requester=values["requester"],
            requester_kind=choice(values["requester_kind"]), authorisation=values["authorisation"],
            items=values["items"], move_out=move_out,
            checked=[c for c in frontdesk.MOVE_OUT_CHECKS if move_out and values[c] == "yes"])
        app.notify(_("Pass {number} issued: valid to the end of today.", number=frontdesk.pass_number(pass_id)))
        return pass_id


class ReleasePassForm(_OnRowForm):
    """l: at the gate, the pass checked against the goods: released now, by the operator."""

    form_title = "Release at the gate"

    def form_fields(self) -> ComposeResult:
        row = self.row
        yield self.line(_("{number} · {unit} · {who} ({kind}), issued {time} by {by}.", number=row.number,
                          unit=row.unit_code, who=row.requester, kind=label(row.requester_kind),
                          time=local(row.issued_at, self.app.config.tz, "HH:mm"), by=row.issued_by), "pass-line")
        checked = "\n" + _("A move-out: the desk checked arrears, keys and passes.") if row.move_out else ""
        yield self.line(_("Goods: {items}", items=row.items) + checked, "pass-items")
        yield from self.labelled(_("Gate note"), LineInput(id="note", compact=True))

    def save(self, values: dict):
        app = self.app
        frontdesk.release_pass(app.operator, app.clock.now(), self.row.id, note=values["note"])
        app.notify(_("Pass {number} released at the gate.", number=self.row.number))
        return self.row.id


# --- lost and found ----------------------------------------------------------------------------

class RecordFoundForm(_FrontDeskForm):
    """n on the Front desk pane (lost and found): found where, what, by whom, kept where."""

    form_title = "Record a found item"

    def form_fields(self) -> ComposeResult:
        yield from self.labelled(_("Found at"), LineInput(id="found_where", compact=True))
        yield from self.labelled(_("What was found"), TextArea(id="description", compact=True, soft_wrap=True,
                                                     tab_behavior="focus"))
        yield from self.labelled(_("Found by"), LineInput(id="found_by", compact=True))
        yield from self.labelled(_("Kept at"), LineInput(id="stored_where", compact=True))

    def save(self, values: dict):
        app = self.app
        return frontdesk.record_found(app.operator, app.clock.now(), found_where=values["found_where"],
                                      description=values["description"], found_by=values["found_by"],
                                      stored_where=values["stored_where"])


class ClaimItemForm(_OnRowForm):
    """b: a found item handed back to its owner: who, the ID checked (type and last four only)."""

    form_title = "Hand a found item back"

    def form_fields(self) -> ComposeResult:
        row = self.row
        yield self.line(_("{what}, found at {where} {time}, kept at {stored}.", what=row.description,
                          where=row.found_where, time=local(row.found_at, self.app.config.tz),
                          stored=row.stored_where or "?"), "item-line")
        yield from self.labelled(_("Claimed by"), LineInput(id="claimant", compact=True))
        yield from self.labelled(_("ID type"), pick(ID_TYPE_KEYS, id="id_type", allow_blank=False,
                                                          value="id_card"))
        yield from self.labelled(_("ID: last four"), LineInput(id="id_last4", max_length=4, compact=True))

    def save(self, values: dict):
        app = self.app
        frontdesk.claim_item(app.operator, app.clock.now(), self.row.id, claimant=values["claimant"],
                             id_type=choice(values["id_type"]), id_last4=values["id_last4"])
        return self.row.id


# --- the action table's flows ------------------------------------------------------------------

def show_register(register: str):
    def flow(job: Job) -> None:
        job.pane.show_register(register)
    return flow


NEW_FORM = {"parcels": ReceiveParcelForm, "visitors": SignInVisitorForm, "passes": IssuePassForm,
            "found": RecordFoundForm}


def new(job: Job) -> None:
    """n: a parcel received, a visitor signed in, a pass issued or a found item recorded, by the register
    the pane shows."""
    job.open(NEW_FORM[getattr(job.pane, "register", "parcels")]())


def sign_out(job: Job) -> None:
    """o: the selected visitor left, or the expected VIP will not come; no form."""
    app, row = job.app, job.record
    if job.attempt(lambda: frontdesk.sign_out_visitor(app.operator, app.clock.now(), row.id)):
        app.notify(_("{name} signed out.", name=row.name) if row.on_site else _("{name}: did not come.", name=row.name))
        job.saved(row.id)


def arrived(job: Job) -> None:
    """a: the expected VIP came; no form."""
    app, row = job.app, job.record
    if job.attempt(lambda: frontdesk.vip_arrived(app.operator, app.clock.now(), row.id)):
        app.notify(_("{name} arrived.", name=row.name))
        job.saved(row.id)


def is_waiting_parcel(record) -> bool:
    return isinstance(record, frontdesk.ParcelRow) and record.status == "waiting"


def is_visitor_on_site(record) -> bool:
    return isinstance(record, frontdesk.VisitorRow) and record.on_site


def is_visitor_here_or_expected(record) -> bool:
    """Signed out is for a visitor on site, or an expected VIP who will not come."""
    return isinstance(record, frontdesk.VisitorRow) and record.left_at is None


def is_expected_vip(record) -> bool:
    return isinstance(record, frontdesk.VisitorRow) and record.expected


def is_open_pass(record) -> bool:
    """Released once, and only on its day: the pane's list is read at most a load ago, the desk
    function says so if the day has ended since."""
    return isinstance(record, frontdesk.PassRow) and record.status == "issued"


def is_kept_item(record) -> bool:
    return isinstance(record, frontdesk.LostRow) and record.status == "kept"


def open_record(job: Job) -> None:
    """Enter: the selected row's next step (hand over a waiting parcel, an expected VIP arrived, sign a
    visitor out, release a pass at the gate, hand a found item back)."""
    record = job.record
    if is_waiting_parcel(record):
        job.open(CollectParcelForm(record))
    elif is_expected_vip(record):
        arrived(job)
    elif is_visitor_on_site(record):
        sign_out(job)
    elif is_open_pass(record):
        job.open(ReleasePassForm(record))
    elif is_kept_item(record):
        job.open(ClaimItemForm(record))
