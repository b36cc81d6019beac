"""The footer: Textual's, recomposed only when the keys it shows change."""
from __future__ import annotations

from textual.widgets import Footer


class DeskFooter(Footer):
    """Textual's Footer recomposes (and repaints) on every change of the screen's bindings, which
    come with every focus change: three times as the console opens, once as a form closes, each
    time a frame of the same keys sent down a guard's slow link. This one recomposes when what it
    would show differs from what it shows, and once for a burst of changes."""

    # Compact, the palette key docked on the right keeps the 1-cell right margin of every key: an
    # unpainted cell through which the keys scrolled under it show ("^p palettel" at 80 columns).
    DEFAULT_CSS = """
    DeskFooter.-compact FooterKey.-command-palette {
        margin-right: 0;
        padding-right: 1;
    }
    """

    _shown: tuple | None = None
    _pending = False

    def _keys_shown(self) -> tuple:
        # Binding is a frozen dataclass: equal bindings draw the same key (text, group, tooltip).
        return tuple((binding, enabled, tooltip)
                     for (_, binding, enabled, tooltip) in self.screen.active_bindings.values() if binding.show)

    def compose(self):
        self._shown = self._keys_shown() if self._bindings_ready else None
        yield from super().compose()

    def bindings_changed(self, screen) -> None:
        self._bindings_ready = True
        if not screen.app.app_focus:
            return
        if self.is_attached and screen is self.screen and not self._pending:
            self._pending = True
            self.call_after_refresh(self._recompose_if_changed)

    async def _recompose_if_changed(self) -> None:
        self._pending = False
        if not self.is_attached:
            return
        if self._shown is None or self._keys_shown() != self._shown:
            await self.recompose()
