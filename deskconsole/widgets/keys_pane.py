"""Pane 4: the key register, keys that are out first (the longest overdue at the top).

Keys: n issues a key, r returns the selected one, l reports it lost or broken, e edits it in the
catalogue (supervisors), Enter shows its whole history.
"""
from __future__ import annotations

from datetime import datetime

from textual.binding import Binding

from .. import keys, people
from ..console_data import ConsoleData
from ..countdown import wall_deadline
from ..i18n import _, label
from ..timefmt import local
from .pane import Pane, line
from .record_table import Column, Row

# The text marker of a key still out for a work order that is finished: get it back.
ORDER_DONE_MARK = "◆"


class KeysPane(Pane):
    number = 4
    source = "keys"
    title = "Keys"
    empty_text = "No keys in the register."

    BINDINGS = [
        Binding("n", "issue", "Issue key", id="keys.issue"),
        Binding("r", "return_key", "Return", id="keys.return"),
        Binding("l", "report", "Lost/broken", id="keys.report"),
        Binding("e", "catalogue", "Catalogue", id="keys.catalogue"),
    ]

    def columns(self) -> list[Column]:
        return [
            Column("mark", "", 1),
            Column("tag", _("Tag"), 9),
            Column("due", _("Due back"), 12, align="right"),
            Column("holder", _("With"), 14),
            Column("since", _("Since"), 11),
            Column("label", _("Opens"), None, min_width=10),
        ]

    def rows(self, data: ConsoleData) -> list[Row]:
        return self.build_rows(data.keys, self._row)

    def _row(self, k) -> Row:
        dynamic = {}
        state = ""
        if k.status == "out" and k.due_at is not None:
            dynamic["due"] = wall_deadline(k.issued_at, k.due_at)
        elif k.status != "board":
            state = label(k.status)
        holder = line(k.holder)
        if k.holder_company and k.holder_company not in holder:
            holder += f" ({line(k.holder_company)})"
        return Row(
            key=k.id,
            # "opens", "unit" and "hook" are not columns: they are here for the `/` filter.
            cells={"mark": ORDER_DONE_MARK if k.order_done else "", "tag": k.tag,
                   "due": state or ("" if dynamic else _("on hook")),
                   "holder": holder, "since": local(k.issued_at, self.tz),
                   "label": line(k.label), "opens": line(k.opens),
                   "unit": " ".join(u for u in (k.unit_code, k.holder_unit) if u), "hook": k.hook},
            style="muted" if k.status in ("lost", "broken") else ("warn" if k.order_done else ""),
            dynamic=dynamic,
        )

    def summary(self, data: ConsoleData, now: datetime) -> str:
        out = [k for k in data.keys if k.status == "out"]
        text = _("{out} out, {over} overdue", out=len(out), over=keys.overdue_count(out, now))
        done = sum(1 for k in out if k.order_done)
        return text + (_(", {n} for finished orders {mark}", n=done, mark=ORDER_DONE_MARK) if done else "")

    def short_summary(self, data: ConsoleData, now: datetime) -> str:
        out = [k for k in data.keys if k.status == "out"]
        return _("Keys {out} out/{over} over", out=len(out), over=keys.overdue_count(out, now))

    # --- actions -----------------------------------------------------------------------

    def _selected(self) -> keys.KeyRow | None:
        key_id = self.table.cursor_key
        data = self.screen.data if hasattr(self.screen, "data") else None
        if key_id is None or data is None:
            return None
        return next((k for k in data.keys if k.id == key_id), None)

    def _saved(self, key_id) -> None:
        if key_id:
            self.select(key_id)
            self.app.reload()

    def action_issue(self) -> None:
        from ..screens.key_forms import IssueKeyForm
        selected = self._selected()
        tag = selected.tag if selected is not None and selected.status == "board" else ""
        self.app.push_screen(IssueKeyForm(tag), self._saved)

    def action_return_key(self) -> None:
        from ..screens.key_forms import ReturnKeyForm
        selected = self._selected()
        if selected is None or selected.status != "out":
            self.app.notify(_("Put the cursor on a key that is out, then press r."), severity="warning")
            return
        self.app.push_screen(ReturnKeyForm(selected), self._saved)

    def action_report(self) -> None:
        from ..screens.key_forms import ReportKeyForm
        selected = self._selected()
        if selected is None or selected.status not in ("board", "out"):
            self.app.notify(_("Put the cursor on a key on the board or out, then press l."), severity="warning")
            return
        self.app.push_screen(ReportKeyForm(selected), self._saved)

    def action_catalogue(self, new: bool = False) -> None:
        from ..screens.key_forms import CatalogueForm
        if not people.may(self.app.operator, "key.catalogue"):
            self.app.notify(_("Only a supervisor manages the key catalogue."), severity="warning")
            return
        selected = None if new else self._selected()
        self.app.push_screen(CatalogueForm(selected.tag if selected else ""), self._saved)

    def open_record(self, key) -> None:
        from ..screens.key_detail import KeyDetailScreen
        self.app.push_screen(KeyDetailScreen(key))

    def commands(self):
        yield _("Issue a key"), _("Keys: who takes which key, until when"), self.action_issue
        yield _("Return the selected key"), _("Keys: received by you, condition, note"), self.action_return_key
        yield (_("Report the selected key lost or broken"), _("Keys: it leaves the board with the report"),
               self.action_report)
        if self.app.operator is not None and people.may(self.app.operator, "key.catalogue"):
            yield (_("Edit the selected key in the catalogue"), _("Keys: label, type, hook, copies, retire"),
                   self.action_catalogue)
            yield (_("Add a key to the catalogue"), _("Keys: a new tag on the board"),
                   lambda: self.action_catalogue(new=True))
