"""Pane 1: the call log.

The filter line (`/`) narrows by words and by tags:
    cat:repair   (or category:, 类别:)  the category; a prefix or the translated name works: cat:rep, cat:报修
    status:open  (or st:, 状态:)         the status: open, ordered, answered, delivered, closed, void,
                                          and two views: undelivered (messages) and unanswered (inquiries)
Everything else is a word that must appear in the caller, unit, phone, what was said, the message's
"for whom" or the order number (Chinese included). Several tags of one kind: any of them; words: all of them.
"""
from __future__ import annotations

from datetime import datetime


from .. import calls, orders
from ..console_data import ConsoleData
from ..countdown import wall_deadline
from ..i18n import _, label
from ..timefmt import local
from .bindings import request
from .pane import Pane, line
from .record_table import Column, Row

CATEGORY_TAGS = ("cat:", "category:", "类别:", "类:")
STATUS_TAGS = ("status:", "st:", "状态:")
UNDELIVERED_FILTER = "status:undelivered"
EMERGENCIES_FILTER = "cat:emergency status:open"


def _matches_value(wanted: str, value: str) -> bool:
    return value.startswith(wanted) or label(value).casefold().startswith(wanted)


def parse_filter(text: str) -> tuple[list[str], list[str], list[str]]:
    """(categories, statuses, words) of a filter line, each casefolded."""
    cats, statuses, words = [], [], []
    for token in text.casefold().replace("：", ":").split():
        for prefixes, bucket in ((CATEGORY_TAGS, cats), (STATUS_TAGS, statuses)):
            prefix = next((p for p in prefixes if token.startswith(p)), None)
            if prefix is not None:
                if token[len(prefix):]:
                    bucket.append(token[len(prefix):])
                break
        else:
            words.append(token)
    return cats, statuses, words


def _status_matches(wanted: str, call: calls.CallRow) -> bool:
    """A status, or a view: `undelivered` (messages) and `unanswered` (inquiries waiting for a reply)."""
    views = {"undelivered": call.is_undelivered, "unanswered": call.awaits_reply}
    for view, member in views.items():
        if len(wanted) >= 3 and (view.startswith(wanted) or label(view).casefold().startswith(wanted)):
            return member
    return _matches_value(wanted, call.status)


def call_haystack(call: calls.CallRow) -> str:
    """The texts a filter word may be found in, casefolded."""
    return " ".join((call.caller, call.unit_code, call.phone, call.text, call.message_for,
                     label(call.category), call.taken_by,
                     orders.number(call.order_id) if call.order_id else "")).casefold()


def call_matches(call: calls.CallRow, cats: list[str], statuses: list[str], words: list[str],
                 haystack: str | None = None) -> bool:
    if cats and not any(_matches_value(c, call.category) for c in cats):
        return False
    if statuses and not any(_status_matches(s, call) for s in statuses):
        return False
    if words:
        if haystack is None:
            haystack = call_haystack(call)
        if not all(w in haystack for w in words):
            return False
    return True


def call_row(c: calls.CallRow, tz) -> Row:
    """A call as its row in the pane: a function of the call and the time zone only."""
    emergency = c.is_open_emergency
    mark = "‼" if emergency else ("?" if c.awaits_reply else "")
    dynamic = {}
    reply = ""
    if emergency:
        dynamic["reply"] = wall_deadline(c.received_at, c.act_by, "respond")
    elif c.order_id:
        reply = orders.number(c.order_id)
    elif c.awaits_reply:
        dynamic["reply"] = wall_deadline(c.received_at, c.reply_due_at, "reply")
    elif c.status == "void":
        reply = _("void")
    elif c.is_undelivered:
        reply = _("undelivered")
    return Row(
        key=c.id,
        cells={"mark": mark, "time": local(c.received_at, tz), "category": label(c.category),
               "unit": c.unit_code, "caller": line(c.caller), "text": line(c.text), "reply": reply},
        style="alarm" if emergency else ("muted" if c.status == "void" else ""),
        dynamic=dynamic,
    )


class CallsPane(Pane):
    number = 1
    pane_id = "calls"
    source = "calls"
    title = "Calls"
    empty_text = "No calls yet."

    row_of = staticmethod(call_row)
    BINDINGS = [
        request("n", "calls.new", "New call"),
        request("o", "calls.order", "Work order"),
        request("a", "calls.answer", "Answer", show=False),
        request("d", "calls.deliver", "Delivered", show=False),
        request("e", "calls.edit", "Edit", show=False),
        request("c", "calls.handled", "Handled", show=False),
        request("v", "calls.void", "Void", show=False),
        request("u", "calls.undelivered", "Undelivered", show=False),
    ]

    def __init__(self, tz) -> None:
        super().__init__(tz)
        self._calls: dict[int, calls.CallRow] = {}
        self._haystacks: dict[calls.CallRow, str] = {}

    def columns(self) -> list[Column]:
        return [
            Column("mark", "", 1),
            Column("time", _("Time"), 11),
            Column("category", _("Category"), 9),
            Column("unit", _("Unit"), 7),
            Column("caller", _("Caller"), 12, drop=1),   # at 120 columns: the unit says who
            Column("text", _("What was said"), None, min_width=10),
            Column("reply", _("Reply/Order"), 12, align="right"),
        ]

    def rows(self, data: ConsoleData) -> list[Row]:
        self._calls = {c.id: c for c in data.calls}
        return super().rows(data)

    def _haystack(self, c: calls.CallRow) -> str:
        """What the words of the filter are looked for in, casefolded once per record."""
        hay = self._haystacks.get(c)
        if hay is None:
            hay = self._haystacks[c] = call_haystack(c)
        return hay

    def _apply_filter(self) -> None:
        cats, statuses, words = parse_filter(self._filter)
        if not (cats or statuses or words):
            self.table.set_rows(self._rows)
            return
        if len(self._haystacks) > 4 * max(len(self._calls), 100):  # records replaced by reloads
            self._haystacks = {}
        found = self._calls
        self.table.set_rows([
            row for row in self._rows
            if row.key in found and call_matches(found[row.key], cats, statuses, words,
                                                 haystack=self._haystack(found[row.key]) if words else None)
        ])

    def summary(self, data: ConsoleData, now: datetime) -> str:
        emergencies = data.open_emergencies
        text = _("{n} this shift", n=data.calls_this_shift)
        return text + (_(", {n} EMERGENCY", n=emergencies) if emergencies else "")

    def short_summary(self, data: ConsoleData, now: datetime) -> str:
        emergencies = data.open_emergencies
        return _("Calls {n}", n=data.calls_this_shift) + (f" ‼{emergencies}" if emergencies else "")

