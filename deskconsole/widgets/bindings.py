"""Bindings as the console uses them: described in the console's language, and a pane's keys as
requests for the actions of the action table (screens/actions.py)."""
from __future__ import annotations

from dataclasses import replace

from textual.binding import Binding

from .. import keymap
from ..i18n import _


def translate_bindings(node) -> None:
    """Binding descriptions go through the translation function when a screen or widget is built, so
    the footer speaks the console's language even though BINDINGS are declared in English at import time."""
    for key, bindings in node._bindings.key_to_bindings.items():
        node._bindings.key_to_bindings[key] = [
            replace(b, description=_(b.description)) if b.description else b for b in bindings
        ]


def request(key: str, action_id: str, description: str, *, show: bool = True) -> Binding:
    """A key that asks for the action `action_id` of the action table. Its id is the action's, so the
    site file's [keymap] moves it (keymap.GROUPS has its default key)."""
    return Binding(key, f"request({action_id!r})", description, show=show, id=action_id)


def keys_text(app, text: str) -> str:
    """A text that names keys as {binding.id} ("press {keys.return}"), with this console's keys: the
    site file's [keymap] may have moved them."""
    return keymap.fill(text, app.config.keymap)


class AsksTheTable:
    """For whatever declares `request` keys (a pane, a record's screen): a key this operator may not use
    now, on the record shown or selected, is not offered in the footer (the action table decides, through
    the console screen's `may`), and pressed all the same it is asked for, so the table says why not
    (Textual would drop a hidden key in silence)."""

    def requested_record(self):
        """The record a key would act on (the selected row, the record shown)."""
        return None

    def _may(self):
        return getattr(getattr(self.app, "console_screen", None), "may", None)

    def check_action(self, action: str, parameters: tuple) -> bool | None:
        if action != "request" or not parameters:
            return True
        may = self._may()
        if may is None or not self.is_mounted:
            return True
        return may(parameters[0], self.requested_record())

    def on_key(self, event) -> None:
        for binding in self._bindings.key_to_bindings.get(event.key, ()):
            if binding.id and binding.action.startswith("request(") and self.check_action(
                    "request", (binding.id,)) is False:
                event.stop()
                event.prevent_default()
                self.action_request(binding.id)
                return
