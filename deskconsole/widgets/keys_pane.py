"""Pane 4: the key register, keys that are out first."""
from __future__ import annotations

from datetime import datetime

from ..console_data import ConsoleData
from ..countdown import wall_deadline
from ..i18n import _, label
from ..text import one_line
from ..timefmt import local
from .pane import Pane
from .record_table import Column, Row


class KeysPane(Pane):
    number = 4
    title = "Keys"
    empty_text = "No keys in the register."

    def columns(self) -> list[Column]:
        return [
            Column("tag", _("Tag"), 9),
            Column("due", _("Due back"), 12, align="right"),
            Column("holder", _("With"), 14),
            Column("since", _("Since"), 11),
            Column("label", _("Opens"), None, min_width=10),
        ]

    def rows(self, data: ConsoleData) -> list[Row]:
        result = []
        for k in data.keys:
            dynamic = {}
            state = ""
            if k.status == "out" and k.due_at is not None:
                dynamic["due"] = wall_deadline(k.issued_at, k.due_at)
            elif k.status != "board":
                state = label(k.status)
            result.append(Row(
                key=k.id,
                cells={"tag": k.tag, "due": state or ("" if dynamic else _("on hook")),
                       "holder": one_line(k.holder), "since": local(k.issued_at, self.tz),
                       "label": one_line(k.label)},
                style="muted" if k.status in ("lost", "broken") else "",
                dynamic=dynamic,
            ))
        return result

    def summary(self, data: ConsoleData, now: datetime) -> str:
        out = [k for k in data.keys if k.status == "out"]
        over = sum(1 for k in out if k.overdue(now))
        return _("{out} out, {over} overdue", out=len(out), over=over)

    def short_summary(self, data: ConsoleData, now: datetime) -> str:
        out = [k for k in data.keys if k.status == "out"]
        return _("Keys {out} out/{over} over", out=len(out), over=sum(1 for k in out if k.overdue(now)))
