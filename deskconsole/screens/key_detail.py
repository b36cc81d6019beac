"""Enter on a key: where it is now, and its whole history: every loan (who had it, who issued and
who authorised it, how long it was out, how it came back) and every lost/broken report."""
from __future__ import annotations

from datetime import timedelta
from typing import Callable

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Static

from .. import history as record_history
from .. import keys, orders
from ..i18n import _, label
from ..text import one_line
from ..timefmt import local
from .call_detail import history_lines as events_content
from .key_forms import holder_label
from ..widgets.bindings import AsksTheTable, request, translate_bindings


# A key's events shown in its history section: those the loans and reports above do not already say.
CATALOGUE_EVENTS = ("key.create", "key.edit")


def span(delta: timedelta) -> str:
    """A length of time, as the countdowns write it."""
    s = max(int(delta.total_seconds()), 0)
    if s >= 86400:
        return _("{d}d{h:02d}h", d=s // 86400, h=s % 86400 // 3600)
    if s >= 3600:
        return _("{h}h{m:02d}m", h=s // 3600, m=s % 3600 // 60)
    return _("{m}m", m=s // 60)


def history_lines(history: keys.KeyHistory, tz, now) -> list[Content]:
    """The history as plain content lines: user text is never read as markup."""
    k = history.key

    def t(dt):
        return local(dt, tz, "YYYY-MM-DD HH:mm")

    lines = [Content.assemble((f"{k.tag}  {one_line(k.label)}", "bold"))]
    facts = [_("Type: {kind}", kind=label(k.kind))]
    if k.opens and k.opens != k.label:
        facts.append(_("Opens: {opens}", opens=one_line(k.opens)))
    if k.unit_code:
        facts.append(_("Unit: {unit}", unit=k.unit_code))
    facts.append(_("Hook: {hook}", hook=k.hook or "—"))
    facts.append(_("Copies: {n}", n=k.copies))
    lines.append(Content("  ·  ".join(facts)))
    if k.status == "out":
        now_text = _("Now: out with {holder} since {since}, due back {due}.", holder=one_line(k.holder),
                     since=t(k.issued_at), due=t(k.due_at))
        style = "bold $error" if k.due_at <= now else ""
        if k.due_at <= now:
            now_text += " " + _("Overdue by {span}.", span=span(now - k.due_at))
    else:
        now_text, style = _("Now: {status}.", status=label(k.status) if k.status != "board" else _("on hook")), ""
    lines += [Content.assemble((now_text, style)), Content("")]

    for r in history.reports:
        lines.append(Content.assemble((_("{time} reported {kind} by {who}: {note}", time=t(r.at), kind=label(r.kind),
                                         who=r.by, note=one_line(r.note)), "$warning")))
    if history.reports:
        lines.append(Content(""))

    lines.append(Content.assemble((_("Loans ({n})", n=len(history.loans)), "bold")))
    if not history.loans:
        lines.append(Content(_("Never issued.")))
    for loan in history.loans:
        who = [one_line(loan.holder), holder_label(loan.holder_kind)]
        if loan.holder_company:
            who.append(one_line(loan.holder_company))
        if loan.holder_document:
            who.append(_("ID {number}", number=one_line(loan.holder_document)))
        if loan.holder_unit:
            who.append(loan.holder_unit)
        lines.append(Content.assemble((t(loan.issued_at), "bold"), "  ", "  ·  ".join(who)))
        issued = [_("issued by {who}", who=loan.issued_by),
                  _("authorised by {who}", who=one_line(loan.authorised_by)) if loan.authorised_by
                  else _("no authorisation recorded")]
        if loan.overnight:
            issued.append(_("overnight"))
        if loan.order_id:
            issued.append(orders.number(loan.order_id))
        if loan.purpose:
            issued.append(one_line(loan.purpose))
        lines.append(Content("    " + "  ·  ".join(issued)))
        if loan.returned_at is None:
            back = _("out {span} so far, due back {due}", span=span(loan.out_for(now)), due=t(loan.due_at))
            late = loan.due_at <= now
        else:
            if loan.condition in keys.REPORT_KINDS:
                back = _("{kind} {time} after {span}", kind=label(loan.condition), time=t(loan.returned_at),
                         span=span(loan.out_for(now)))
            else:
                back = _("back {time} after {span}, received by {who}, {condition}", time=t(loan.returned_at),
                         span=span(loan.out_for(now)), who=loan.received_by or "—",
                         condition=label(loan.condition or "fine"))
            late = loan.returned_at > loan.due_at
            if late:
                back += " · " + _("{span} late", span=span(loan.returned_at - loan.due_at))
        if loan.note:
            back += "  ·  " + one_line(loan.note)
        lines.append(Content.assemble(("    " + back, "$error" if late else "")))
    return lines


class KeyDetailScreen(AsksTheTable, ModalScreen):
    BINDINGS = [
        Binding("escape", "dismiss", "Close", id="key_detail.close"),
        Binding("q", "dismiss", "Close", show=False, id="key_detail.quit"),
        request("u", "keys.dossier", "Unit dossier", show=False),
    ]

    def __init__(self, key_id: int, route: Callable[..., bool]) -> None:
        super().__init__()
        translate_bindings(self)
        self.key_id = key_id
        self.route = route  # the action table's route (screens/actions.run), given by whoever opens this

    def requested_record(self):
        return getattr(self, "info", None)

    def action_request(self, action_id: str) -> None:
        """u: the action table's flow on this key (its unit's dossier)."""
        self.route(self, action_id, record=self.info)

    def compose(self) -> ComposeResult:
        self.info = keys.get(self.key_id)
        history = keys.history(self.key_id)
        now = self.app.clock.now()
        with VerticalScroll(id="key-detail"):
            if history is None:
                yield Static(_("There is no such key."), markup=False)
            else:
                yield Static(Content("\n").join(history_lines(history, self.app.config.tz, now)), id="key-history")
                # The loans and reports are above; the catalogue's own changes (added, edited) in the
                # history's words, as a call's or an order's.
                edits = [e for e in record_history.events_of("key", self.key_id) if e["action"] in CATALOGUE_EVENTS]
                if edits:
                    yield Static(events_content(self.app, edits), id="key-edits")
            yield Static(_("Esc closes."), classes="form-hint")
