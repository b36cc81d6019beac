"""The shift log's forms and record: a new entry (or a correction of one), an entry with its actions,
and the action table's flows for them (mark done, correct)."""
from __future__ import annotations

from typing import TYPE_CHECKING, Callable

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.suggester import SuggestFromList
from textual.widgets import Static, TextArea

from .. import history, shifts, units
from ..i18n import _, label
from ..text import clean
from ..timefmt import local
from ..widgets.bindings import AsksTheTable, keys_text, request, translate_bindings
from ..widgets.choice import PickSelect
from .call_detail import history_lines
from .form import FormScreen
from ..widgets.line_input import LineInput

if TYPE_CHECKING:
    from .actions import Job


class LogEntryForm(FormScreen):
    """`n` in the Shift log pane: kind, text, optional unit, optional link to an order, a call or a key.
    With `corrects` it writes a correction that links back to that entry."""

    form_title = "New log entry"

    def __init__(self, corrects: shifts.EntryDetail | None = None) -> None:
        super().__init__()
        self.corrects = corrects
        if corrects is not None:
            self.form_title = _("Correct log entry L{id}", id=corrects.id)

    def form_fields(self) -> ComposeResult:
        original = self.corrects
        if original is not None:
            yield Static(_("Entries are never edited: this correction is kept beside the original."),
                         classes="form-hint", markup=False)
        yield from self.labelled(_("Kind"), PickSelect(
            [(label(k), k) for k in shifts.ENTRY_KINDS], id="kind", allow_blank=False,
            value=original.kind if original else "note"))
        yield from self.labelled(_("What happened"), TextArea(
            original.text if original else "", id="text",
            placeholder=_("What happened, what was done, what the next shift must do")))
        yield from self.labelled(_("Unit (optional)"), LineInput(original.unit_code if original else "", id="unit",
                                                                 placeholder="1-1203", suggester=SuggestFromList(
                                                                 units.unit_codes(), case_sensitive=False)))
        yield from self.labelled(_("Link (optional)"),
                                 LineInput(original.link if original else "", id="link",
                                           placeholder=_("work order, call or key tag: WO00012 · C123 · PR-01")))

    def on_mount(self) -> None:
        # FormScreen's own on_mount (Textual runs it too) puts the cursor in the first field; a
        # correction is most often of the text, so the cursor goes there once that has run.
        if self.corrects is not None:
            self.call_after_refresh(self.query_one("#text", TextArea).focus)

    def save(self, values: dict):
        app = self.app
        return shifts.add_entry(app.operator, app.clock.now(), config=app.config, kind=values["kind"] or "",
                                text=values["text"] or "", unit_code=values["unit"] or "",
                                link=values["link"] or "", corrects=self.corrects.id if self.corrects else None)


class LogEntryScreen(AsksTheTable, ModalScreen):
    """Enter on an entry: the entry as written, its corrections, and what can be done with it."""

    BINDINGS = [
        request("d", "log.done", "Mark done"),
        request("c", "log.correct", "Correct"),
        Binding("escape", "dismiss", "Close", id="log.close"),
        request("u", "log.dossier", "Unit dossier", show=False),
    ]

    def __init__(self, entry_id: int, route: Callable[..., bool]) -> None:
        super().__init__()
        translate_bindings(self)
        self.entry_id = entry_id
        self.route = route  # the action table's route (screens/actions.run), given by whoever opens this

    def compose(self) -> ComposeResult:
        e = shifts.entry_detail(self.entry_id)
        self.entry = e
        tz = self.app.config.tz
        with Vertical(id="entry"):
            yield Static(f"L{e.id} · {label(e.kind)} · {local(e.at, tz)} · {e.author}", id="entry-title",
                         markup=False)
            facts = []
            if e.unit_code:
                facts.append(_("Unit {code}", code=e.unit_code))
            if e.link:
                facts.append(_("Linked to {ref}", ref=e.link))
            if e.corrects:
                facts.append(_("Corrects L{id}", id=e.corrects))
            if e.corrected_by:
                facts.append(_("Corrected by {ids}", ids=", ".join(f"L{i}" for i in e.corrected_by)))
            if e.done_at:
                facts.append(_("Done {time} by {who}", time=local(e.done_at, tz), who=e.done_by))
            elif e.open:
                facts.append(_("Open: carried over to every shift until marked done"))
            if facts:
                yield Static(" · ".join(facts), markup=False)
            yield Static(clean(e.text, multiline=True), markup=False)
            # Who wrote it, corrected it, marked it done: the history's words, as a call's or an order's.
            yield Static(history_lines(self.app, history.events_of("shift_log", e.id)), id="entry-history")
            yield Static("", id="entry-message", markup=False)
            hint = _("{log.done} marks done · {log.correct} writes a correction · {log.close} closes")
            yield Static(keys_text(self.app, hint), classes="entry-hint")

    def requested_record(self):
        return getattr(self, "entry", None)

    def action_request(self, action_id: str) -> None:
        """d or c: the action table's flow on this entry; what it saved closes this screen, selected."""
        self.route(self, action_id, record=self.entry, done=self.dismiss)

    def say(self, message: str) -> None:
        """A refusal, on this screen's own line."""
        self.query_one("#entry-message", Static).update(message)


def mark_done(job: Job) -> None:
    """d in an entry: an instruction or incident done (no longer carried over)."""
    app, entry = job.app, job.record
    if job.attempt(lambda: shifts.mark_done(app.operator, app.clock.now(), entry.id)):
        job.saved(entry.id)


def correct(job: Job) -> None:
    """c in an entry: a correction that links back to it (entries are never edited)."""
    job.open(LogEntryForm(corrects=job.record))
