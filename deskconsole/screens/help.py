"""`?`: the keymap, as in ux.md and the README."""
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
from .translated import translate_bindings

KEYMAP = [
    ("1 2 3 4", "console", "Show Calls, Work orders, Shift log, Keys"),
    ("Tab / Shift+Tab", "console", "Next / previous pane"),
    ("n", "any pane", "New record there: call, work order, log entry, key issue"),
    ("Enter", "any pane", "Open the selected record with its actions"),
    ("/", "any pane", "Filter the pane (type to narrow, Esc clears)"),
    ("o", "Calls", "Turn the selected call into a work order"),
    ("d a c b e x", "Work orders", "Dispatch, arrived, complete, call-back, extend, cancel/return"),
    ("a d e v u", "Calls", "Answer, delivered, edit, void, undelivered messages"),
    ("k", "Work order", "Acknowledge its reminders (in the order's detail)"),
    ("r", "Keys", "Return the selected key"),
    ("l e", "Keys", "Report lost or broken; the catalogue (supervisor)"),
    ("h", "console", "Start the handover"),
    ("m", "console", "Monthly figures: [ ] month, r range, g chart, Enter the records"),
    ("s", "console", "Search everything ever written; Enter opens, u the unit's dossier"),
    ("i a A q s c", "handover", "Sign on, acknowledge, whole section, query, supervisor, complete"),
    ("Ctrl+P", "anywhere", "Command palette: every action by name"),
    ("?", "anywhere", "This help"),
    ("Esc", "form", "Close without saving (asks first if anything was typed)"),
    ("Ctrl+S", "form", "Save"),
    ("Ctrl+Q", "anywhere", "Quit"),
]


class HelpScreen(ModalScreen):
    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    #help Static { text-wrap: nowrap; }
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
        # Long descriptions wrap under their own column (measured in cells, so Chinese lines up too).
        keys_width, where_width, what_width = 16, 13, 38
        lines = [Text(_("Keyboard"), style="bold")]
        for keys, where, what in KEYMAP:
            wrapped = wrap_cells(_(what), what_width)
            lines.append(Text.assemble((set_cell_size(keys, keys_width), "bold"), set_cell_size(_(where), where_width),
                                       wrapped[0]))
            lines += [Text(" " * (keys_width + where_width) + rest) for rest in wrapped[1:]]
        lines += [Text(""), Text(_("Esc closes this help."), style="dim")]
        with VerticalScroll(id="help"):
            yield Static(Text("\n").join(lines))
