"""The one-line header and the one-line strip of counts: text that changes rarely, repainted only then."""
from __future__ import annotations

from textual.content import Content
from textual.widget import Widget

from ..text import strip_controls


class Line(Widget):
    """One line of assembled content that repaints only when its text or styles change."""

    DEFAULT_CSS = """
    Line { height: 1; width: 1fr; }
    """

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self._parts: tuple = ()
        self._content = Content("")

    def set_parts(self, *parts: str | tuple[str, str]) -> None:
        """Each part is plain text or (text, style): user text is never read as markup."""
        if parts == self._parts:
            return
        self._parts = parts
        self._content = Content.assemble(*(
            (strip_controls(p[0]), p[1]) if isinstance(p, tuple) else strip_controls(p) for p in parts
        ))
        self.refresh()

    @property
    def plain(self) -> str:
        return self._content.plain

    def render(self) -> Content:
        return self._content
