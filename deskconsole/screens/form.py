"""The form every record is entered through, and the yes/no question.

ux.md: the cursor starts in the first field; Tab moves on; Ctrl+S saves from anywhere; a refused
value is marked at its field with a message that says what is expected, and nothing typed is lost;
Esc closes without saving, asking first if anything was typed.

Every form is laid out alike, to fit 80x24: one line per field (the label left, a compact widget
right), choices picked by a letter (widgets/choice.py), the title and the save hint held in view
while the fields scroll inside the box when they must (a form taller than the terminal).
"""
from __future__ import annotations

from textual import events
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widget import Widget
from textual.widgets import Input, Label, Select, Static, TextArea

from ..errors import InvalidInput, Refusal, explain
from ..i18n import _
from ..widgets.bindings import translate_bindings

FIELD_TYPES = (Input, Select, TextArea)


def field_value(widget: Widget):
    if isinstance(widget, TextArea):
        return widget.text
    if isinstance(widget, Select):
        return None if widget.is_blank() else widget.value
    return widget.value


class FormScreen(ModalScreen):
    """Subclasses give `form_title`, compose their fields with `labelled()` in `form_fields()`,
    and `save(values)` calls the desk function and returns what the form dismisses with."""

    BINDINGS = [
        Binding("ctrl+s", "save", "Save", priority=True, id="form.save"),
        Binding("escape", "cancel", "Close", id="form.cancel"),
    ]
    form_title = ""

    def __init__(self) -> None:
        super().__init__()
        translate_bindings(self)
        self._initial: dict | None = None

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="form"):
            # Docked: they stay in view while the fields scroll under them.
            yield Static(_(self.form_title), classes="form-title", markup=False)
            with Vertical(id="form-foot"):
                yield Static("", id="form-message", markup=False)
                yield Static(_("Ctrl+S saves · Tab moves on · Esc closes"), id="form-keys", classes="form-hint")
            yield from self.form_fields()

    def form_fields(self) -> ComposeResult:
        raise NotImplementedError

    def labelled(self, label: str, widget: Widget, classes: str = "") -> ComposeResult:
        """A field on one line: its label left, the widget (whose id is the field name the desk uses)
        right, and lines for a refusal and a note under it. The whole field is `#<id>-field`."""
        widget.compact = True
        with Vertical(classes=f"form-field {classes}".strip(), id=f"{widget.id}-field"):
            with Horizontal(classes="field-line"):
                yield Label(label, markup=False)
                yield widget
            yield Static("", id=f"{widget.id}-error", classes="field-error", markup=False)
            yield Static("", id=f"{widget.id}-note", classes="field-note", markup=False)

    def on_mount(self) -> None:
        self._initial = self.values()
        fields = self.fields()
        if fields:
            fields[0].focus()

    def on_descendant_focus(self, event: events.DescendantFocus) -> None:
        """The field with the cursor, with its refusal and note, in view: Textual's own scroll on focus
        does not count the docked title and save hint, and leaves a field under the hint."""
        field = next((w for w in event.widget.ancestors_with_self if w.has_class("form-field")), event.widget)
        self.query_one("#form").scroll_to_widget(field, animate=False)

    def fields(self) -> list[Widget]:
        return [w for w in self.query("*") if isinstance(w, FIELD_TYPES) and w.id]

    def values(self) -> dict:
        return {w.id: field_value(w) for w in self.fields()}

    def is_dirty(self) -> bool:
        return self._initial is not None and self.values() != self._initial

    # --- messages at the fields ------------------------------------------------------------

    def show_error(self, field: str, message: str) -> None:
        self.clear_errors()
        matches = self.query(f"#{field}")
        if not matches:
            self.show_message(message)
            return
        widget = matches.first()
        widget.add_class("-invalid")
        errors = self.query(f"#{field}-error")
        if errors:
            errors.first(Static).update(message)
            errors.first(Static).add_class("-shown")
        else:   # a field without a line of its own (a checkbox): the form's line says it
            self.show_message(message)
        widget.focus()

    def show_note(self, field: str, message: str) -> None:
        notes = self.query(f"#{field}-note")
        if notes:
            notes.first(Static).update(message)
            notes.first(Static).set_class(bool(message), "-shown")

    def show_message(self, message: str) -> None:
        self.query_one("#form-message", Static).update(message)

    def clear_errors(self) -> None:
        for widget in self.query(".-invalid"):
            widget.remove_class("-invalid")
        for error in self.query(".field-error"):
            error.remove_class("-shown")
        self.show_message("")

    # --- save and cancel -------------------------------------------------------------------

    def save(self, values: dict):
        raise NotImplementedError

    def action_save(self) -> None:
        self.clear_errors()
        try:
            result = self.save(self.values())
        except InvalidInput as exc:
            self.show_error(exc.field, explain(exc, self.app.config.tz))
            return
        except Refusal as exc:
            # Everything typed stays in the form: the user can try again or copy it elsewhere.
            self.show_message(explain(exc, self.app.config.tz))
            return
        self._initial = None
        self.dismiss(result)

    def action_cancel(self) -> None:
        if not self.is_dirty():
            self.dismiss(None)
            return

        def answered(discard: bool | None) -> None:
            if discard:
                self.dismiss(None)

        self.app.push_screen(ConfirmScreen(_("Close the form and lose what you typed?")), answered)


class ConfirmScreen(ModalScreen[bool]):
    """A yes/no question: y or Enter says yes, n or Esc says no."""

    BINDINGS = [
        Binding("y", "answer(True)", "Yes", id="confirm.yes"),
        Binding("enter", "answer(True)", "Yes", show=False, id="confirm.yes_enter"),
        Binding("n", "answer(False)", "No", id="confirm.no"),
        Binding("escape", "answer(False)", "No", show=False, id="confirm.no_escape"),
    ]

    def __init__(self, question: str) -> None:
        super().__init__()
        translate_bindings(self)
        self.question = question

    def compose(self) -> ComposeResult:
        with Vertical(id="confirm"):
            yield Static(self.question, markup=False)
            with Horizontal():
                yield Static(_("y / Enter: yes    n / Esc: no"), id="confirm-keys")

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)
