"""Enter on a parcel, a visit, a goods-release pass or a found item in search or in a unit's dossier:
the record and its history (the audit events). A record still open offers the Front desk pane's next
steps by the same keys and action ids (hand a waiting parcel over, tell the addressee, return it; sign
a visitor out); one that ended only shows. `u` opens the unit's dossier (all through the action table)."""
from __future__ import annotations

from typing import Callable

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from .. import frontdesk, search
from ..i18n import _, label
from ..widgets.bindings import keys_text, request, translate_bindings
from .call_detail import _lines, history_lines
from .frontdesk_forms import (is_expected_vip, is_kept_item, is_open_pass, is_visitor_here_or_expected,
                              is_visitor_on_site, is_waiting_parcel)

# The pane's actions this screen offers, and the records each acts on (the action table checks again).
STEPS: dict[str, Callable[[object], bool]] = {
    "frontdesk.collect": is_waiting_parcel, "frontdesk.notify": is_waiting_parcel,
    "frontdesk.return": is_waiting_parcel, "frontdesk.sign_out": is_visitor_here_or_expected,
    "frontdesk.arrived": is_expected_vip, "frontdesk.release": is_open_pass, "frontdesk.claim": is_kept_item,
    "frontdesk.dossier": lambda row: bool(getattr(row, "unit_code", "")),
}


class FrontDeskRecordScreen(ModalScreen):
    BINDINGS = [
        Binding("escape", "close", "Close", id="frontdesk_record.close"),
        request("c", "frontdesk.collect", "Collected"),
        request("t", "frontdesk.notify", "Tell"),
        request("r", "frontdesk.return", "Return"),
        request("o", "frontdesk.sign_out", "Signed out"),
        request("a", "frontdesk.arrived", "Arrived"),
        request("l", "frontdesk.release", "Let out"),
        request("b", "frontdesk.claim", "Claimed"),
        request("u", "frontdesk.dossier", "Unit dossier", show=False),
    ]

    def __init__(self, kind: str, record_id: int, route: Callable[..., bool]) -> None:
        super().__init__()
        translate_bindings(self)
        self.kind = kind
        self.record_id = record_id
        self.route = route  # the action table's route (screens/actions.run), given by whoever opens this
        self.record: frontdesk.Record | None = None
        self.changed = False

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="detail"):
            yield Static("", id="detail-title", markup=False)
            yield Static("", id="detail-fields", classes="detail-body")
            yield Static("", id="detail-history", classes="detail-body")
            yield Static("", id="record-message", markup=False)
            yield Static("", id="record-keys", markup=False)

    def on_mount(self) -> None:
        self.refresh_record()

    @property
    def row(self):
        return self.record.row if self.record is not None else None

    def refresh_record(self) -> None:
        record = frontdesk.record(self.kind, self.record_id)
        if record is None:
            self.app.notify(_("This record is not there any more."), severity="error")
            self.dismiss(None)
            return
        self.record = record
        app = self.app
        now = app.clock.now()
        found = search.hit(self.kind, self.record_id, now)
        status = search.status_text(self.kind, found.status) if found else ""
        title, pairs = _FACTS[self.kind](record.row, lambda dt: app.local_time(dt, "MM-DD HH:mm") if dt else "")
        self.query_one("#detail-title", Static).update(" · ".join(p for p in (title, status) if p))
        if record.purged_at is not None:
            pairs.append((_("Personal data"), _("blanked {time}", time=app.local_time(record.purged_at, "YYYY-MM-DD"))))
        self.query_one("#detail-fields", Static).update(_lines(pairs))
        self.query_one("#detail-history", Static).update(history_lines(app, record.history))
        self.query_one("#record-keys", Static).update(keys_text(app, self._hint()))
        self.refresh_bindings()

    def _hint(self) -> str:
        row = self.row
        steps = []
        if is_waiting_parcel(row):
            steps.append(_("{frontdesk.collect} hands it over · {frontdesk.notify} tells the addressee · {frontdesk.return} returns it to the sender"))  # noqa: E501
        elif is_visitor_on_site(row):
            steps.append(_("{frontdesk.sign_out} signs the visitor out"))
        else:
            steps.append(_("Ended: read-only"))
        if getattr(row, "unit_code", ""):
            steps.append(_("{frontdesk.dossier} the unit's dossier"))
        steps.append(_("{frontdesk_record.close} closes"))
        return " · ".join(steps)

    def check_action(self, action: str, parameters) -> bool | None:
        # Only the next steps of this record: a parcel handed over has none.
        if action == "request":
            fits = STEPS.get(parameters[0]) if parameters else None
            return fits is not None and fits(self.row)
        return True

    def action_request(self, action_id: str) -> None:
        """c, t, r, o: the Front desk pane's action on this record, u its unit's dossier; what was saved
        shows here."""
        self.route(self, action_id, record=self.row, done=self.saved_here)

    def saved_here(self, _key) -> None:
        self.changed = True
        self.query_one("#record-message", Static).update("")
        self.refresh_record()

    def say(self, message: str) -> None:
        """A refusal, on this screen's own line."""
        self.query_one("#record-message", Static).update(message)

    def action_close(self) -> None:
        self.dismiss(self.record_id if self.changed else None)


# --- each register's facts -------------------------------------------------------------------
# (title, [(label, value)]) of a row; `t` shows a time.

def _parcel_facts(p: frontdesk.ParcelRow, t):
    told = ""
    if p.notified_at:
        told = f"{t(p.notified_at)} {label(p.notified_how)}" + (f" ×{p.notice_count}" if p.notice_count > 1 else "")
    pairs = [
        (_("For"), " ".join(x for x in (p.unit_code, p.addressee) if x)), (_("Carrier"), p.carrier),
        (_("Tracking number"), p.tracking), (_("Size"), label(p.size) if p.size else ""), (_("Shelf"), p.shelf),
        (_("Received at the desk"), f"{t(p.received_at)} {p.received_by}"),
        (_("Told"), told or (_("not told") if p.status == "waiting" else "")),
    ]
    if p.collected_at:
        pairs.append((_("Collected by"), f"{p.collector or '—'} {t(p.collected_at)}"))
    if p.returned_at:
        pairs.append((_("Returned to the sender"), t(p.returned_at)))
    return _("Parcel {tracking}", tracking=p.tracking), pairs


def _visitor_facts(v: frontdesk.VisitorRow, t):
    who = (v.name or "—") + (f" ×{v.party_size}" if v.party_size > 1 else "") + (" ★" if v.vip else "")
    pairs = [
        (_("Visiting"), v.visiting), (_("Purpose of the visit"), v.purpose), (_("Pass or card"), v.pass_no),
        (_("Confirmed by"), v.host_confirmed_by), (_("ID type"), label(v.id_type) if v.id_type else ""),
        (_("Signed in"), f"{t(v.arrived_at)} {v.signed_in_by}"),
        (_("Left"), f"{t(v.left_at)} {v.signed_out_by}" if v.left_at else _("still on site")),
    ]
    return _("Visitor {name}", name=who), pairs


def _pass_facts(g: frontdesk.PassRow, t):
    pairs = [
        (_("Unit"), g.unit_code),
        (_("Requested by"), _("{who} ({kind})", who=g.requester, kind=label(g.requester_kind))),
        (_("Items leaving"), g.items), (_("Move-out"), _("yes") if g.move_out else _("no")),
        (_("Issued"), f"{t(g.issued_at)} {g.issued_by}"), (_("Valid until"), t(g.valid_until)),
    ]
    if g.released_at:
        pairs.append((_("Let out at the gate"), f"{t(g.released_at)} {g.released_by}"))
    return _("Goods-release pass {number}", number=g.number), pairs


def _lost_facts(i: frontdesk.LostRow, t):
    pairs = [
        (_("What was found"), i.description), (_("Found at"), i.found_where), (_("Found by"), i.found_by),
        (_("Kept at"), i.stored_where), (_("Found on"), t(i.found_at)),
    ]
    if i.claimed_at:
        pairs.append((_("Claimed by"), f"{i.claimant or '—'} {t(i.claimed_at)}"))
    return _("Found item"), pairs


_FACTS = {"parcel": _parcel_facts, "visitor": _visitor_facts, "pass": _pass_facts, "lost": _lost_facts}
