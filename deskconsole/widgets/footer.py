"""The footer: Textual's, recomposed only when the keys it shows change."""
from __future__ import annotations

from rich.cells import cell_len
from textual.widgets import Footer
from textual.widgets._footer import FooterKey

from ..i18n import _


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

    _fitted_width = 0
    _shown: tuple | None = None
    _pending = False

    def _keys_shown(self) -> tuple:
        # Binding is a frozen dataclass: equal bindings draw the same key (text, group, tooltip).
        return tuple((binding, enabled, tooltip)
                     for (_, binding, enabled, tooltip) in self.screen.active_bindings.values() if binding.show)

    def compose(self):
        self._shown = self._keys_shown() if self._bindings_ready else None
        keys = list(super().compose())
        for widget in keys:
            if isinstance(widget, FooterKey) and widget.has_class("-command-palette"):
                widget.description = _("actions")  # Textual's "palette", translated
        # ? (help) first: at 80 columns the keys that do not fit are cut off at the right, and help
        # lists every key, so it must be the one always in view.
        keys.sort(key=lambda w: not (isinstance(w, FooterKey) and w.key == "question_mark"))
        yield from keys
        self.call_after_refresh(self._fit)

    def on_resize(self) -> None:
        if self.size.width != self._fitted_width:
            self._fit()

    def _fit(self) -> None:
        """Show the keys, in order, that fit whole beside the palette key; not a key cut in half
        ("^q Qui"). Those left out are in help (?) and the palette."""
        if not self.is_attached or not self.size.width:
            return
        self._fitted_width = self.size.width
        keys = [w for w in self.children if not w.has_class("-command-palette")]
        room = self.size.width - sum(self._width(w) for w in self.children if w.has_class("-command-palette"))
        fits = True
        for widget in keys:
            room -= self._width(widget)
            # The last key shown may end where the palette key begins: its right margin is not needed.
            fits = fits and room + widget.styles.margin.right >= 0
            widget.display = fits

    @staticmethod
    def _width(widget) -> int:
        styles = widget.styles
        return (cell_len(widget.render().plain) + styles.padding.width + styles.border.spacing.width
                + styles.margin.width)

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
            self._forget_removed_keys()

    def _forget_removed_keys(self) -> None:
        """Each key binds the footer's `compact` (Footer.compose's data_bind), which adds a watcher to
        the footer holding the key. Textual drops the watchers of removed widgets only when the watched
        value changes, and `compact` never does: without this, every recompose (a pane switch, a form
        closing) left the old keys alive with what they drew: 0.2 MB a pane switch, all night long
        (bench/switches.py)."""
        for watchers in getattr(self, "__watchers", {}).values():
            watchers[:] = [(node, callback) for node, callback in watchers if not node._closing]
