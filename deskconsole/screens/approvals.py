"""The supervisor's queue: every request waiting for a signature (extensions, returns) on one screen.

Enter on a request opens its decision (approve or refuse, with a note) through the action table, the
same as `e`/`x` on the order: the row goes once it is decided.
"""
from __future__ import annotations

from typing import Callable

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from .. import orders
from ..i18n import _, label
from ..text import one_line
from ..timefmt import local
from ..widgets.bindings import keys_text, translate_bindings

# The action that decides each kind of request (screens/actions.py): its form is the decision.
DECIDED_BY = {"extension": "orders.extend", "return": "orders.cancel"}


def pending(rows: list[orders.OrderRow]) -> list[orders.OrderRow]:
    """The orders whose request waits for a supervisor, the oldest order first."""
    return sorted((r for r in rows if r.pending), key=lambda r: r.id)


class ApprovalsScreen(ModalScreen):
    BINDINGS = [Binding("escape", "close", "Close", id="approvals.close")]

    def __init__(self, route: Callable[..., bool]) -> None:
        super().__init__()
        translate_bindings(self)
        self.route = route  # the action table's route (screens/actions.run)
        self.rows: list[orders.OrderRow] = []
        self.changed = False

    def compose(self) -> ComposeResult:
        with Vertical(id="approvals"):
            yield Static(_("Pending approvals"), classes="section")
            yield OptionList(id="approvals-list")
            yield Static(keys_text(self.app, _("Enter approves or refuses, with a note · {approvals.close} closes")),
                         id="approvals-keys", markup=False)

    def on_mount(self) -> None:
        self.refresh_list()

    def refresh_list(self) -> None:
        app = self.app
        self.rows = pending(orders.open_orders(app.engine))
        details = {r.id: orders.detail(app.engine, r.id) for r in self.rows}
        options = []
        for r in self.rows:
            d = details[r.id]
            until = local(d.pending_until, app.config.tz, "MM-DD HH:mm") if d.pending_until else ""
            text = " ".join(p for p in (r.number, r.unit_code or one_line(r.location), label(r.pending), until,
                                        one_line(d.pending_reason), "—", one_line(r.description)) if p)
            options.append(Option(Text(text), id=str(r.id)))
        listing = self.query_one(OptionList)
        listing.clear_options()
        if options:
            listing.add_options(options)
            listing.highlighted = 0
        else:
            listing.add_option(Option(Text(_("Nothing waits for a supervisor.")), disabled=True))
        listing.focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        row = next((r for r in self.rows if str(r.id) == event.option.id), None)
        if row is not None:
            self.route(self, DECIDED_BY[row.pending], record=row, done=self.decided)

    def decided(self, _key) -> None:
        self.changed = True
        self.refresh_list()

    def action_close(self) -> None:
        self.dismiss(None)
