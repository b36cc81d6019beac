"""The handover: the sheet compiled at `h`, answered item by item by the incoming operator, signed off
by a supervisor when the SOP asks for it; the printed sheet; the history of handovers."""
from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Input, Static, TextArea

from ..widgets.footer import DeskFooter
from .. import history, people, shifts
from ..countdown import format_left
from ..errors import InvalidInput, Refusal, SignOnError, explain
from ..i18n import _, label
from ..text import one_line
from ..timefmt import local
from ..widgets.header import Line
from ..widgets.record_table import Column, RecordTable, Row
from ..widgets.choice import yes_no
from .form import ConfirmScreen, FormScreen
from ..widgets.bindings import keys_text, translate_bindings
from .call_detail import history_lines
from ..widgets.line_input import LineInput


def start_handover(app) -> None:
    """`h`: compile the sheet from live state now and open the handover screen on it."""
    try:
        handover_id = shifts.begin_handover(app.operator, app.clock.now(), app.engine, config=app.config)
    except Refusal as exc:
        app.notify(explain(exc, app.config.tz), severity="error")
        return
    app.push_screen(HandoverScreen(handover_id))


def show_history(app) -> None:
    app.push_screen(HandoverHistoryScreen())


def sign_off(app) -> None:
    """Leave the desk without a handover: recorded, then the console closes."""
    def saved(record_id) -> None:
        if record_id is not None:
            app.exit()

    app.push_screen(SignOffForm(), saved)


# --- forms ---------------------------------------------------------------------------------

class StaffPinForm(FormScreen):
    """Code and PIN of the incoming operator, or of the supervisor who signs the handover off."""

    def __init__(self, title: str, on_verified, *, with_note: bool = False) -> None:
        super().__init__()
        self.form_title = title
        self.on_verified = on_verified
        self.with_note = with_note

    def form_fields(self) -> ComposeResult:
        yield from self.labelled(_("Staff code"), LineInput(id="code", max_length=12))
        yield from self.labelled(_("PIN"), LineInput(id="pin", password=True, max_length=12))
        if self.with_note:
            yield from self.labelled(_("Note (optional)"), LineInput(id="note"))

    def save(self, values: dict):
        app = self.app
        try:
            operator = people.verify(values["code"] or "", values["pin"] or "", app.clock.now(), app.local_time)
        except SignOnError as exc:
            self.query_one("#pin", Input).value = ""
            raise InvalidInput("pin" if (values["code"] or "").strip() else "code", str(exc)) from None
        self.on_verified(operator, values.get("note") or "")
        return operator


class QueryForm(FormScreen):
    form_title = "Query this item"

    def __init__(self, handover_id: int, incoming, section: str, item: str, what: str) -> None:
        super().__init__()
        self.handover_id, self.incoming, self.section, self.item, self.what = (
            handover_id, incoming, section, item, what)

    def form_fields(self) -> ComposeResult:
        yield Static(self.what, markup=False)
        yield from self.labelled(_("Your question"), TextArea(id="question"))

    def save(self, values: dict):
        shifts.query_item(self.incoming, self.app.clock.now(), self.handover_id, section=self.section,
                          item=self.item, question=values["question"] or "")
        return True


class ReplyForm(FormScreen):
    """The outgoing operator's answer to a query, or the query carried over as an open log item."""
    form_title = "Answer the query"

    def __init__(self, handover_id: int, section: str, item: str, what: str, question: str) -> None:
        super().__init__()
        self.handover_id, self.section, self.item, self.what, self.question = (
            handover_id, section, item, what, question)

    def form_fields(self) -> ComposeResult:
        yield Static(self.what, markup=False)
        yield Static(_("Question: {question}", question=self.question), markup=False)
        yield from self.labelled(_("Your answer"), TextArea(id="answer"))
        yield from self.labelled(_("Carry it over instead"), yes_no(id="carry", allow_blank=False, value="no"))

    def save(self, values: dict):
        app = self.app
        shifts.reply_to_query(app.operator, app.clock.now(), self.handover_id, section=self.section, item=self.item,
                              answer=values["answer"] or "", carry_over=values["carry"] == "yes", config=app.config)
        return True


class AddendumForm(FormScreen):
    form_title = "Addendum to a closed handover"

    def __init__(self, handover_id: int) -> None:
        super().__init__()
        self.handover_id = handover_id

    def form_fields(self) -> ComposeResult:
        yield Static(_("The handover is closed: what it listed stays as it was; this is added after it."),
                     classes="form-hint", markup=False)
        yield from self.labelled(_("Addendum"), TextArea(id="text"))

    def save(self, values: dict):
        return shifts.add_addendum(self.app.operator, self.app.clock.now(), self.handover_id, text=values["text"] or "")


class SignOffForm(FormScreen):
    form_title = "Sign off without handover"

    def form_fields(self) -> ComposeResult:
        yield Static(_("Leaving the desk without a handover is recorded and shown on the next handover."),
                     classes="form-hint", markup=False)
        yield from self.labelled(_("Why, and who covers (optional)"), TextArea(id="note"))

    def save(self, values: dict):
        app = self.app
        return shifts.sign_off(app.operator, app.clock.now(), config=app.config, note=values["note"] or "")


# --- the handover screen -------------------------------------------------------------------

class HandoverScreen(Screen):
    BINDINGS = [
        Binding("i", "receive", "Incoming signs on", id="handover.receive"),
        Binding("a", "ack", "Acknowledge", id="handover.ack"),
        Binding("A", "ack_section", "Ack section", id="handover.ack_section"),
        Binding("q", "query", "Query", id="handover.query"),
        Binding("r", "reply", "Answer query", id="handover.reply"),
        Binding("s", "supervise", "Supervisor", id="handover.supervise"),
        Binding("c", "complete", "Complete", id="handover.complete"),
        Binding("v", "sheet", "Sheet", id="handover.sheet"),
        Binding("escape", "close", "Close", id="handover.close"),
    ]

    def __init__(self, handover_id: int) -> None:
        super().__init__()
        translate_bindings(self)
        self.handover_id = handover_id
        self.incoming: people.Operator | None = None
        self.view: shifts.HandoverView | None = None

    def compose(self) -> ComposeResult:
        yield Line(id="ho-title")
        yield Line(id="ho-people")
        yield RecordTable([
            Column("mark", "", 1),
            Column("ref", _("Ref"), 8),
            Column("unit", _("Unit"), 7),
            Column("due", _("Due"), 12, align="right"),
            Column("item", _("Item"), None, min_width=10),
        ], empty_text=_("Nothing to hand over."), id="ho-items")
        yield Static("", id="ho-message", markup=False)
        yield DeskFooter(compact=True)

    def on_mount(self) -> None:
        self.refresh_view()
        table = self.query_one(RecordTable)
        table.focus()
        self._move_to_next_unanswered(0)

    @property
    def table(self) -> RecordTable:
        return self.query_one(RecordTable)

    def refresh_view(self) -> None:
        view = self.view = shifts.handover(self.handover_id)
        tz = self.app.config.tz
        wide = self.size.width >= 120 or self.app.size.width >= 120
        total = len(shifts.sheet_items(view.sheet))
        answered = total - len(view.unanswered())
        shift = view.sheet["shift"]
        title = [_("Handover H{id}", id=view.id), " │ ",
                 _("{kind} shift", kind=label(shift["kind"])), " │ ",
                 _("compiled {time}", time=local(view.compiled_at, tz, "MM-DD HH:mm")), " │ ",
                 _("{answered}/{total} answered", answered=answered, total=total)]
        if view.queries:
            title += [", ", _("{n} queried", n=len(view.queries))]
        if view.status != "open":
            title += [" │ ", (f" {_(view.status)} ", "bold reverse")]
        self.query_one("#ho-title", Line).set_parts(*title)
        from_name = f"{view.from_code} {view.from_name}" if wide else view.from_code
        to = (f"{view.to_code} {view.to_name}" if wide else view.to_code) if view.to_code else \
            keys_text(self.app, _("({handover.receive}: sign on)"))
        people_parts = [_("From {who}", who=from_name), " → ", _("to {who}", who=to)]
        if view.needs_supervisor and not view.supervisor_code:
            needed = keys_text(self.app, _("Supervisor sign-off needed ({handover.supervise})"))
            people_parts += [" │ ", (f" {needed} ", "bold reverse $warning")]
        elif view.supervisor_code:
            people_parts += [" │ ", _("Supervisor {code} ✓", code=view.supervisor_code)]
        self.query_one("#ho-people", Line).set_parts(*people_parts)
        rows = []
        for number, section in enumerate(view.sheet["sections"], 1):
            items = section["items"]
            title_text = _(shifts.SECTION_TITLES[section["id"]])
            if items is None:
                rows.append(Row(("section", section["id"]), {
                    "mark": "", "ref": "", "unit": "", "due": "",
                    "item": f"{number}. {title_text} — " + _("not available yet")}, style="muted"))
                continue
            done = sum(1 for i in items if (section["id"], i["key"]) in view.answers)
            rows.append(Row(("section", section["id"]), {
                "mark": "", "ref": "", "unit": "", "due": "",
                "item": f"{number}. {title_text} ({done}/{len(items)})" if items else
                f"{number}. {title_text} — " + _("none")}, style="muted" if not items else "warn"))
            for item in items:
                answer = view.answers.get((section["id"], item["key"]))
                mark = {"ack": "✓", "query": "?"}.get(answer.kind, "") if answer else ""
                if answer and answer.kind == "query" and (section["id"], item["key"]) in view.replies:
                    mark = "!"   # answered by the outgoing operator: to acknowledge now
                details = shifts.item_details(section["id"], item, tz, view.compiled_at)
                text = one_line(shifts.item_text(section["id"], item))
                due = shifts.parse_time(item["due"])
                due_text = "" if due is None else (
                    ("✖" if due <= view.compiled_at else "") + format_left(due, view.compiled_at))
                rows.append(Row((section["id"], item["key"]), {
                    "mark": mark, "ref": item["ref"], "unit": item["unit"], "due": due_text,
                    "item": " · ".join(p for p in (text, details) if p)},
                    style="alarm" if "emergency" in item["flags"] or "incident" in item["flags"] else
                    ("over" if "overdue" in item["flags"] and not answer else
                     ("warn" if "after_hours" in item["flags"] and not answer else ""))))
        self.table.set_rows(rows)
        self.refresh_bindings()

    def say(self, message: str) -> None:
        self.query_one("#ho-message", Static).update(message)

    def _move_to_next_unanswered(self, start: int) -> None:
        rows = self.table.rows
        for index in range(start, len(rows)):
            key = rows[index].key
            if key[0] != "section" and key not in self.view.answers:
                self.table.move_cursor_to_index(index)
                return

    def _current(self) -> tuple[str, str] | None:
        key = self.table.cursor_key
        return key if key is not None else None

    def _with_incoming(self, then) -> None:
        """Everything the incoming operator does needs them signed on here first."""
        if self.incoming is not None:
            then()
            return

        def verified(operator, _note) -> None:
            shifts.receive(operator, self.app.clock.now(), self.handover_id)
            self.incoming = operator

        def done(result) -> None:
            if result is not None:
                self.refresh_view()
                self.say("")
                then()

        self.app.push_screen(StaffPinForm(_("The incoming operator signs on"), verified), done)

    def _run(self, fn, *args, **kwargs) -> bool:
        try:
            fn(*args, **kwargs)
        except Refusal as exc:
            self.say(explain(exc, self.app.config.tz))
            return False
        self.say("")
        return True

    def action_receive(self) -> None:
        self._with_incoming(lambda: None)

    def action_ack(self) -> None:
        def ack() -> None:
            key = self._current()
            if key is None:
                return
            if key[0] == "section":
                hint = _("Press {handover.ack_section} to acknowledge the whole section, or move to an item.")
                self.say(keys_text(self.app, hint))
                return
            index = self.table.cursor_index
            if self._run(shifts.acknowledge, self.incoming, self.app.clock.now(), self.handover_id, items=[key]):
                self.refresh_view()
                self._move_to_next_unanswered(index)
        self._with_incoming(ack)

    def action_ack_section(self) -> None:
        def ack() -> None:
            key = self._current()
            if key is None:
                return
            section = key[1] if key[0] == "section" else key[0]
            items = [(section, i["key"]) for s in self.view.sheet["sections"] if s["id"] == section
                     for i in (s["items"] or [])]
            if self._run(shifts.acknowledge, self.incoming, self.app.clock.now(), self.handover_id, items=items,
                         whole_section=True):
                self.refresh_view()
                self._move_to_next_unanswered(self.table.cursor_index)
        self._with_incoming(ack)

    def action_query(self) -> None:
        def query() -> None:
            key = self._current()
            if key is None or key[0] == "section":
                self.say(_("Move to the item you want to query."))
                return
            row = self.table.row_at_cursor()
            what = " ".join(p for p in (row.cells["ref"], row.cells["unit"], row.cells["item"]) if p)

            def asked(result) -> None:
                if result:
                    self.refresh_view()
            self.app.push_screen(QueryForm(self.handover_id, self.incoming, key[0], key[1], what), asked)
        self._with_incoming(query)

    def check_action(self, action: str, parameters) -> bool | None:
        # r is offered while a query waits for the outgoing operator's answer (the footer is short at 80x24).
        if action == "reply":
            return bool(self.view and self.view.unreplied())
        return True

    def action_reply(self) -> None:
        """r: the outgoing operator (signed on at this console) answers the query on this item."""
        key = self._current()
        open_queries = self.view.unreplied() if self.view else []
        if key is None or key not in open_queries:
            self.say(_("Move to a queried item (?) to answer its query.") if open_queries
                     else _("No query waits for an answer."))
            return
        question = next(q.question for s, i, q in reversed(self.view.queries) if (s, i) == key)
        row = self.table.row_at_cursor()
        what = " ".join(p for p in (row.cells["ref"], row.cells["unit"], row.cells["item"]) if p)

        def answered(result) -> None:
            if result:
                self.refresh_view()
        self.app.push_screen(ReplyForm(self.handover_id, key[0], key[1], what, question), answered)

    def action_supervise(self) -> None:
        def verified(operator, note) -> None:
            shifts.supervise(operator, self.app.clock.now(), self.handover_id, note=note)

        def done(result) -> None:
            if result is not None:
                self.refresh_view()
                self.say("")
        self.app.push_screen(StaffPinForm(_("Supervisor's sign-off"), verified, with_note=True), done)

    def action_complete(self) -> None:
        def complete() -> None:
            app = self.app
            incoming = self.incoming
            if self._run(shifts.complete, incoming, app.clock.now(), self.handover_id, config=app.config):
                app.hand_over_to(incoming)
                app.notify(_("Handover H{id} closed: {code} holds the desk.", id=self.handover_id,
                             code=incoming.code))
                self.dismiss(self.handover_id)
            else:
                self.refresh_view()
        self._with_incoming(complete)

    def action_sheet(self) -> None:
        self.app.push_screen(SheetScreen(self.handover_id))

    def action_close(self) -> None:
        if self.view is not None and self.view.status == "open":
            def answered(leave: bool | None) -> None:
                if leave:
                    self.dismiss(None)
            self.app.push_screen(ConfirmScreen(
                _("Leave the handover open? Pressing h again compiles a new sheet.")), answered)
            return
        self.dismiss(None)


# --- the sheet and the history -------------------------------------------------------------

class SheetScreen(Screen):
    """The handover sheet as it prints (`deskconsole handover`), and addenda once it is closed."""

    BINDINGS = [
        Binding("plus", "addendum", "Addendum", id="sheet.addendum"),
        Binding("escape", "dismiss", "Close", id="sheet.close"),
    ]

    def __init__(self, handover_id: int) -> None:
        super().__init__()
        translate_bindings(self)
        self.handover_id = handover_id

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="sheet-scroll"):
            yield Static("", id="sheet", markup=False)
            yield Static("", id="sheet-history")
        yield DeskFooter(compact=True)

    def on_mount(self) -> None:
        self.show_sheet()
        self.query_one("#sheet-scroll").focus()

    def show_sheet(self) -> None:
        self.query_one("#sheet", Static).update(
            shifts.render_sheet(shifts.handover(self.handover_id), self.app.config.tz))
        # Below the sheet, what happened to it: who received, queried, answered, signed, added.
        self.query_one("#sheet-history", Static).update(history_lines(
            self.app, history.events_of("handover", self.handover_id), entity="handover",
            refs=history.sheet_refs(self.handover_id)))

    def action_addendum(self) -> None:
        def saved(result) -> None:
            if result is not None:
                self.show_sheet()
        self.app.push_screen(AddendumForm(self.handover_id), saved)


class HandoverHistoryScreen(Screen):
    BINDINGS = [
        Binding("plus", "addendum", "Addendum", id="history.addendum"),
        Binding("escape", "dismiss", "Close", id="history.close"),
    ]

    def __init__(self) -> None:
        super().__init__()
        translate_bindings(self)

    def compose(self) -> ComposeResult:
        yield Line(id="history-title")
        yield RecordTable([
            Column("no", _("No."), 5),
            Column("compiled", _("Compiled"), 11),
            Column("shift", _("Shift"), 11),
            Column("from", _("From"), 4),
            Column("to", _("To"), 4),
            Column("status", _("Status"), 9),
            Column("items", _("Items"), 5, align="right"),
            Column("queries", _("Queried"), 7, align="right"),
            Column("supervisor", _("Supervisor"), None, min_width=4),
        ], empty_text=_("No handovers yet."))
        yield DeskFooter(compact=True)

    def on_mount(self) -> None:
        self.query_one("#history-title", Line).set_parts(_("Handover history: Enter shows the sheet"))
        self.load()
        self.query_one(RecordTable).focus()

    def load(self) -> None:
        tz = self.app.config.tz
        self.query_one(RecordTable).set_rows([
            Row(h.id, {"no": f"H{h.id}", "compiled": local(h.compiled_at, tz), "shift": label(h.shift_kind) + " " +
                       local(h.shift_starts_at, tz, "MM-DD"), "from": h.from_code, "to": h.to_code,
                       "status": _(h.status), "items": str(h.items), "queries": str(h.queries) if h.queries else "",
                       "supervisor": h.supervisor_code},
                style="muted" if h.status == "abandoned" else "")
            for h in shifts.handovers()
        ])

    def on_record_table_row_selected(self, event: RecordTable.RowSelected) -> None:
        event.stop()
        if event.key is not None:
            self.app.push_screen(SheetScreen(event.key))

    def action_addendum(self) -> None:
        key = self.query_one(RecordTable).cursor_key
        if key is not None:
            self.app.push_screen(AddendumForm(key), lambda result: self.load())
