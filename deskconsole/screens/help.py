"""`?`: the keymap, as in ux.md and the README."""
from __future__ import annotations

from rich.cells import set_cell_size
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Static

from ..i18n import _
from .translated import translate_bindings

KEYMAP = [
    ("1 2 3 4", "console", "Show Calls, Work orders, Shift log, Keys"),
    ("Tab / Shift+Tab", "console", "Next / previous pane"),
    ("n", "any pane", "New record there: call, work order, log entry, key issue"),
    ("Enter", "any pane", "Open the selected record with its actions"),
    ("/", "any pane", "Filter the pane (type to narrow, Esc clears)"),
    ("o", "Calls", "Turn the selected call into a work order"),
    ("d a c b e x", "Work orders", "Dispatch, arrived, complete, call-back, extend, cancel/return"),
    ("r", "Keys", "Return the selected key"),
    ("h", "console", "Start the handover"),
    ("Ctrl+P", "anywhere", "Command palette: every action by name"),
    ("?", "anywhere", "This help"),
    ("Esc", "form", "Close without saving (asks first if anything was typed)"),
    ("Ctrl+S", "form", "Save"),
    ("Ctrl+Q", "anywhere", "Quit"),
]


class HelpScreen(ModalScreen):
    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    #help { width: 76; max-height: 90%; height: auto; border: round $accent; padding: 0 1; background: $surface; }
    """
    BINDINGS = [
        Binding("escape", "dismiss", "Close"),
        Binding("question_mark", "dismiss", "Close", show=False),
        Binding("q", "dismiss", "Close", show=False),
    ]

    def __init__(self) -> None:
        super().__init__()
        translate_bindings(self)

    def compose(self) -> ComposeResult:
        lines = [Content.assemble((_("Keyboard"), "bold"), "\n")]
        for keys, where, what in KEYMAP:
            lines.append(Content.assemble((set_cell_size(keys, 16), "bold $accent"), set_cell_size(_(where), 12),
                                          _(what), "\n"))
        lines.append(Content.assemble("\n", (_("Esc closes this help."), "$text-muted")))
        with VerticalScroll(id="help"):
            yield Static(Content("").join(lines))
