"""A unit's dossier: the owner and the phones that call about it, its keys, and every call, work order
(with how it ended), key loan, log entry, parcel, visit and goods-release pass about it, newest first,
a page at a time (`[` newer, `]` older). Enter opens a record. Reached by `u` from search and from any
record with a unit."""
from __future__ import annotations

from datetime import datetime

from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Static

from .. import search
from ..i18n import _, label
from ..timefmt import local
from ..widgets.footer import DeskFooter
from ..widgets.header import Line
from ..widgets.record_table import Column, RecordTable, Row
from ..widgets.bindings import translate_bindings
from ..widgets.frontdesk_pane import format_age

PER_PAGE = 50


def outcome(entry: search.Entry, now: datetime | None = None, tz=None) -> tuple[str, str]:
    """How a record ended, in words, and the row's style: an order's status, call-back and
    deadlines; a loan back late; a parcel collected by whom or waiting how long; a visitor left
    when or still on site; a pass let out when."""
    if entry.kind in search.FRONT_DESK:
        return _front_desk_outcome(entry, now, tz)
    words = [label(entry.status)] if entry.status else []
    style = ""
    if entry.kind == "order":
        if entry.satisfied is True:
            words.append(_("satisfied"))
        elif entry.satisfied is False:
            words.append(_("not satisfied"))
            style = "warn"
        if entry.reopened:
            words.append(_("reopened {n}×", n=entry.reopened))
    if entry.kind in ("order", "loan"):
        if entry.on_time is False:
            words.append(_("late"))
            style = "warn"
        elif entry.on_time is True and entry.kind == "order":
            words.append(_("on time"))
    return " · ".join(words), style


def _front_desk_outcome(entry: search.Entry, now: datetime | None, tz) -> tuple[str, str]:
    def when(at: datetime) -> str:
        # The time alone when it ended the day it began (a visit), else the date too.
        same_day = local(at, tz, "YYYY-MM-DD") == local(entry.at, tz, "YYYY-MM-DD")
        return local(at, tz, "HH:mm" if same_day else "MM-DD HH:mm")

    if entry.kind == "parcel" and entry.status == "waiting" and now is not None:
        return _("waiting {age}", age=format_age(now - entry.at)), ""
    if entry.kind == "parcel" and entry.status == "collected" and entry.ended_by:
        return _("collected by {who}", who=entry.ended_by), ""
    if entry.kind == "visitor":
        if entry.ended_at is None:
            return _("still on site"), ""
        return _("left {time}", time=when(entry.ended_at)), ""
    if entry.kind == "pass" and entry.ended_at is not None:
        return _("let out {time}", time=when(entry.ended_at)), ""
    return search.status_text(entry.kind, entry.status), ""


KIND_SHORT = {"unit": "Unit", "call": "Call", "order": "W/O", "loan": "Loan", "key": "Key", "log": "Log",
              "handover": "H/O", "parcel": "Parcel", "visitor": "Visit", "pass": "G/P", "lost": "Found"}


def kind_short(kind: str) -> str:
    return _(KIND_SHORT[kind])


def record_screen(kind: str, record_id: int, route, *, key_id: int | None = None, unit_code: str = "",
                  closed: bool = False):
    """The screen that shows one record, as its pane opens it, its keys through `route` (the action
    table's, screens/actions.run); None when there is none."""
    run = route
    if kind == "call":
        from .call_detail import CallDetailScreen
        return CallDetailScreen(record_id, run)
    if kind == "order":
        from .order_detail import OrderDetailScreen
        return OrderDetailScreen(record_id, run, read_only=closed)
    if kind in ("loan", "key") and key_id is not None:
        from .key_detail import KeyDetailScreen
        return KeyDetailScreen(key_id, run)
    if kind == "log":
        from .log_entry import LogEntryScreen
        return LogEntryScreen(record_id, run)
    if kind == "handover":
        from .handover import SheetScreen
        return SheetScreen(record_id)
    if kind == "unit" and unit_code:
        return DossierScreen(unit_code, run)
    if kind in search.FRONT_DESK:
        from .frontdesk_record import FrontDeskRecordScreen
        return FrontDeskRecordScreen(kind, record_id, run)
    return None


def open_dossier(app, unit_code: str, route) -> None:
    """`u` wherever a record has a unit: that unit's dossier."""
    if not unit_code:
        app.notify(_("This record names no unit."), severity="warning")
        return
    app.push_screen(DossierScreen(unit_code, route))


class DossierScreen(Screen):
    BINDINGS = [
        Binding("escape", "close", "Close", id="dossier.close"),
        Binding("left_square_bracket", "page(-1)", "Newer", id="dossier.newer"),
        Binding("right_square_bracket", "page(1)", "Older", id="dossier.older"),
    ]

    def __init__(self, unit_code: str, route) -> None:
        super().__init__()
        self.route = route   # the action table's (screens/actions.run): the records open through it
        translate_bindings(self)
        self.unit_code = unit_code
        self.page = 0
        self.dossier: search.Dossier | None = None
        self.entries: dict = {}

    def compose(self) -> ComposeResult:
        yield Line(id="dossier-title")
        yield Static("", id="dossier-owner", classes="dossier-facts", markup=False)
        yield Static("", id="dossier-keys", classes="dossier-facts", markup=False)
        yield RecordTable([
            Column("when", _("Date"), 10),
            Column("kind", _("Kind"), 6),
            Column("number", _("No."), 9),
            Column("who", _("Who"), 10, grow=16),
            Column("what", _("Summary"), None, min_width=20),   # the words before who and how it ended grow
            Column("outcome", _("How it ended"), 20, grow=40),
        ], empty_text=_("Nothing recorded about this unit."), id="dossier-entries")
        yield DeskFooter(compact=True)

    def on_mount(self) -> None:
        self.query_one("#dossier-title", Line).set_parts(_("Unit {code}", code=self.unit_code))
        self.query_one(RecordTable).focus()
        self.load()

    def load(self) -> None:
        """Read the page and show it. In the screen's own turn, not a thread: the read is a few tens of
        milliseconds, and a thread would make the screen's first paint wait on the interpreter lock."""
        try:
            d = search.dossier(self.unit_code, self.app.clock.now(), page=self.page, per_page=PER_PAGE)
        except search.NoSuchUnit:
            self.app.notify(_("There is no unit {code} on this site.", code=self.unit_code), severity="error")
            self.dismiss(None)
            return
        except Exception:  # noqa: BLE001 - a failed read is said in one line, never a traceback
            self.app.notify(_("The dossier could not be read: try again."), severity="error")
            return
        self.show(d)

    def show(self, d: search.Dossier) -> None:
        self.dossier = d
        self.page = d.page
        tz = self.app.config.tz
        now = self.app.clock.now()
        state = _("taken over") if d.handed_over else _("not taken over")
        self.query_one("#dossier-title", Line).set_parts(
            (_("Unit {code}", code=d.code), "bold"), "  ",
            _("building {b}, floor {f}, {state}", b=d.building, f=d.floor, state=state),
            "  │  ", _("page {page} of {pages}", page=d.page + 1, pages=d.pages))
        owner = " ".join(p for p in (d.owner_name, d.owner_phone) if p) or _("not recorded")
        phones = " · ".join((_("{number} {name} (1 call)", number=p.number, name=p.name) if p.calls == 1 else
                             _("{number} {name} ({n} calls)", number=p.number, name=p.name, n=p.calls))
                            for p in d.phones[:4])
        lines = [_("Owner: {owner}", owner=owner)]
        if phones:
            lines.append(_("Phones: {phones}", phones=phones))
        self.query_one("#dossier-owner", Static).update("\n".join(lines))
        keys = " · ".join(f"{k.tag} {label(k.status)}" + (f" ({k.holder})" if k.holder else "") for k in d.keys)
        # The kinds the unit has records of (seven kinds of zero would take a line of their own).
        counts = " · ".join(f"{search.kind_title(k)} {n}" for k, n in d.counts.items() if n)
        self.query_one("#dossier-keys", Static).update(
            (_("Keys: {keys}", keys=keys) if keys else _("Keys: none")) + ("  │  " + counts if counts else ""))
        rows, self.entries = [], {}
        for e in d.entries:
            key = (e.kind, e.id)
            self.entries[key] = e
            text, style = outcome(e, now, tz)
            rows.append(Row(key, {"when": local(e.at, tz, "YYYY-MM-DD"), "kind": kind_short(e.kind),
                                  "number": search.short_number(e.kind, e.number, 9), "who": e.who,
                                  "what": e.what, "outcome": text},
                            style=style or ("muted" if e.closed else "")))
        self.query_one(RecordTable).set_rows(rows)

    def on_record_table_row_selected(self, event: RecordTable.RowSelected) -> None:
        event.stop()
        e = self.entries.get(event.key)
        if e is None:
            return
        screen = record_screen(e.kind, e.id, self.route, key_id=e.key_id, closed=e.closed)
        if screen is not None:
            self.app.push_screen(screen, self._back)

    def _back(self, changed) -> None:
        """A record's screen closed: read the page again if something was done there."""
        if changed is not None:
            self.load()

    def action_page(self, step: int) -> None:
        d = self.dossier
        if d is None:
            return
        page = min(max(d.page + step, 0), d.pages - 1)
        if page != d.page:
            self.page = page
            self.load()

    def action_close(self) -> None:
        self.dismiss(None)
