"""The shift log's forms and record: a new entry (or a correction of one), and an entry with its actions."""
from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Select, Static, TextArea

from .. import shifts
from ..errors import Refusal, explain
from ..i18n import _, label
from ..text import clean
from ..timefmt import local
from .form import FormScreen
from .translated import translate_bindings


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
        yield from self.labelled(_("Kind"), Select(
            [(label(k), k) for k in shifts.ENTRY_KINDS], id="kind", allow_blank=False,
            value=original.kind if original else "note"))
        yield from self.labelled(_("What happened, what was done, what the next shift must do"),
                                 TextArea(original.text if original else "", id="text"))
        yield from self.labelled(_("Unit (optional)"), Input(original.unit_code if original else "", id="unit",
                                                             placeholder="1-1203"))
        yield from self.labelled(_("Link (optional): work order, call or key tag"),
                                 Input(original.link if original else "", id="link",
                                       placeholder="WO00012 · C123 · PR-01"))

    def on_mount(self) -> None:
        # FormScreen's own on_mount (Textual runs it too) puts the cursor in the first field; a
        # correction is most often of the text, so the cursor goes there once that has run.
        if self.corrects is not None:
            self.call_after_refresh(self.query_one("#text", TextArea).focus)

    def save(self, values: dict):
        app = self.app
        return shifts.add_entry(app.operator, app.config, app.clock.now(), kind=values["kind"] or "",
                                text=values["text"] or "", unit_code=values["unit"] or "",
                                link=values["link"] or "", corrects=self.corrects.id if self.corrects else None)


class LogEntryScreen(ModalScreen):
    """Enter on an entry: the entry as written, its corrections, and what can be done with it."""

    DEFAULT_CSS = """
    LogEntryScreen { align: center middle; }
    #entry { width: 76; max-width: 100%; height: auto; max-height: 100%; border: round $accent;
             background: $surface; padding: 0 1; }
    #entry-title { text-style: bold; }
    #entry-message { color: $error; text-style: bold; height: auto; }
    .entry-hint { color: $text-muted; }
    """
    BINDINGS = [
        Binding("d", "done", "Mark done", id="log.done"),
        Binding("c", "correct", "Correct", id="log.correct"),
        Binding("escape", "dismiss", "Close", id="log.close"),
        Binding("u", "dossier", "Unit dossier", show=False, id="log.dossier"),
    ]

    def __init__(self, entry_id: int) -> None:
        super().__init__()
        translate_bindings(self)
        self.entry_id = entry_id

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
            yield Static("", id="entry-message", markup=False)
            yield Static(_("d marks done · c writes a correction · Esc closes"), classes="entry-hint")

    def action_dossier(self) -> None:
        from .search import open_dossier
        open_dossier(self.app, self.entry.unit_code)

    def action_done(self) -> None:
        app = self.app
        try:
            shifts.mark_done(app.operator, app.clock.now(), self.entry_id)
        except Refusal as exc:
            self.query_one("#entry-message", Static).update(explain(exc, app.config.tz))
            return
        app.reload()
        self.dismiss(self.entry_id)

    def action_correct(self) -> None:
        def saved(new_id) -> None:
            if new_id is not None:
                self.dismiss(new_id)

        self.app.push_screen(LogEntryForm(corrects=self.entry), saved)
