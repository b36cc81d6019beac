"""Pane 4: the key register, keys that are out first (the longest overdue at the top).

Keys: n issues a key, r returns the selected one, l reports it lost or broken, e edits it in the
catalogue (supervisors), Enter shows its whole history.
"""
from __future__ import annotations

from datetime import datetime

from .. import keys
from ..console_data import ConsoleData
from ..countdown import UntilChange, wall_deadline
from ..i18n import _, label
from ..timefmt import local
from .bindings import request
from .pane import Pane, line
from .record_table import Column, Row

# The text marker of a key still out for a work order that is finished: get it back.
ORDER_DONE_MARK = "◆"


def key_row(k: keys.KeyRow, tz) -> Row:
    """A key as its row in the register: a function of the key and the time zone only."""
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
               "holder": holder, "since": local(k.issued_at, tz),
               "label": line(k.label), "opens": line(k.opens),
               "unit": " ".join(u for u in (k.unit_code, k.holder_unit) if u), "hook": k.hook},
        style="muted" if k.status in ("lost", "broken") else ("warn" if k.order_done else ""),
        dynamic=dynamic,
    )


class KeysPane(Pane):
    number = 4
    pane_id = "keys"
    source = "keys"
    title = "Keys"
    empty_text = "No keys in the register."

    row_of = staticmethod(key_row)
    BINDINGS = [
        request("n", "keys.issue", "Issue key"),
        request("r", "keys.return", "Return"),
        request("l", "keys.report", "Lost/broken"),
        request("e", "keys.catalogue", "Catalogue"),
    ]

    def columns(self) -> list[Column]:
        return [
            Column("mark", "", 1),
            Column("tag", _("Tag"), 9),
            Column("due", _("Due back"), 12, align="right"),
            Column("holder", _("With"), 14),
            Column("since", _("Since"), 11, drop=1),   # at 120 columns: the key's screen says it
            Column("label", _("Opens"), None, min_width=10),
        ]

    def __init__(self, tz) -> None:
        super().__init__(tz)
        self._counted = UntilChange()

    def counts(self, data: ConsoleData, now: datetime) -> tuple[int, int, int]:
        """(out, overdue, out for finished orders) for the border, the strip and the header, recounted
        only when one can change."""
        rows = data.keys

        def count():
            out = [k for k in rows if k.status == "out"]
            return len(out), keys.overdue_count(out, now), sum(1 for k in out if k.order_done)
        return self._counted.get((rows,), now, count, lambda: keys.next_change(rows, now))

    def summary(self, data: ConsoleData, now: datetime) -> str:
        out, over, done = self.counts(data, now)
        text = _("{out} out, {over} overdue", out=out, over=over)
        return text + (_(", {n} for finished orders {mark}", n=done, mark=ORDER_DONE_MARK) if done else "")

    def short_summary(self, data: ConsoleData, now: datetime) -> str:
        out, over, _done = self.counts(data, now)
        return _("Keys {out} out/{over} over", out=out, over=over)
