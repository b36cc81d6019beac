"""`?`: the keys, section by section (the console, each pane, the handover, forms), made from the
action table (screens/actions.py) with each key as this console has it: the site file's [keymap] may
have moved some."""
from __future__ import annotations

from rich.cells import set_cell_size
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from ..i18n import _
from ..text import wrap_cells
from ..widgets.bindings import translate_bindings
from .actions import help_sections

# Cells for the keys (indented under the section's heading) and for what they do: 70 of the box's 72.
KEYS_WIDTH, WHAT_WIDTH = 15, 55


def help_lines(app) -> list[Text]:
    """The help as lines of text; long descriptions wrap under their own column, measured in cells so
    that Chinese lines up too."""
    lines = [Text(_("Keyboard"), style="bold")]
    for heading, entries in help_sections(app):
        if len(lines) > 1:
            lines.append(Text(""))
        lines.append(Text(heading, style="bold underline"))
        for keys, what in entries:
            wrapped = wrap_cells(what, WHAT_WIDTH)
            lines.append(Text.assemble((set_cell_size(" " + keys, KEYS_WIDTH), "bold"), wrapped[0]))
            lines += [Text(" " * KEYS_WIDTH + rest) for rest in wrapped[1:]]
    lines += [Text(""), Text(_("Esc closes this help."), style="dim")]
    return lines


class HelpScreen(ModalScreen):
    BINDINGS = [
        Binding("escape", "dismiss", "Close", id="help.close"),
        Binding("question_mark", "dismiss", "Close", show=False, id="help.close_again"),
        Binding("q", "dismiss", "Close", show=False, id="help.quit"),
    ]

    def __init__(self) -> None:
        super().__init__()
        translate_bindings(self)

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help"):
            yield Static(Text("\n").join(help_lines(self.app)))
