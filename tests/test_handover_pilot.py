"""The shift log and the handover, key by key: `n` in the Shift log pane, and a full handover
between two operators with a supervisor's sign-off."""
from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from appkit import make_app, settle, sign_on, wait_for

from deskconsole import people, shifts
from deskconsole.db import Handover, Shift, ShiftLogEntry
from deskconsole.screens.console import ConsoleScreen
from deskconsole.screens.form import FormScreen
from deskconsole.screens.handover import HandoverScreen, SheetScreen
from deskconsole.screens.log_entry import LogEntryForm, LogEntryScreen
from deskconsole.shifts.handover import ONE_BY_ONE


def run(coro):
    return asyncio.run(coro)


def test_n_in_the_log_pane_writes_an_entry_and_selects_it(demo_site):
    async def go():
        app = make_app(demo_site)
        async with app.run_test(size=(80, 24)) as pilot:
            await sign_on(pilot, "G1")
            await pilot.press("3", "n")
            await pilot.pause()
            assert isinstance(app.screen, LogEntryForm)
            # Empty text is refused at the field and the form stays.
            await pilot.press("ctrl+s")
            await pilot.pause()
            assert isinstance(app.screen, LogEntryForm)
            assert "Write the entry" in str(app.screen.query_one("#text-error").render())
            await pilot.press(*"王[b]小明 后门未锁 [/x]")
            await pilot.press("tab", *"2-1501", "tab", *"WO00003")
            await pilot.press("ctrl+s")
            await settle(pilot)
            assert isinstance(app.screen, ConsoleScreen)
            entry = ShiftLogEntry.select().order_by(ShiftLogEntry.id.desc()).first()
            assert entry.text == "王[b]小明 后门未锁 [/x]" and entry.unit.code == "2-1501" and entry.order_id == 3
            assert entry.author.code == "G1" and entry.kind == "note"
            table = app.screen.pane(3).table
            assert table.cursor_key == entry.id
            assert "WO00003: 王[b]小明 后门未锁 [/x]" == table.row_at_cursor().cells["text"]
    run(go())


def test_enter_on_an_instruction_marks_it_done_and_c_corrects(demo_site):
    async def go():
        app = make_app(demo_site)
        async with app.run_test(size=(80, 24)) as pilot:
            await sign_on(pilot, "R1")
            instruction = ShiftLogEntry.get(ShiftLogEntry.kind == "instruction")
            await pilot.press("3")
            app.screen.pane(3).select(instruction.id)
            await pilot.press("enter")
            await pilot.pause()
            assert isinstance(app.screen, LogEntryScreen)
            await pilot.press("c")
            await pilot.pause()
            assert isinstance(app.screen, LogEntryForm)
            await pilot.press("end", *" 9点前")
            await pilot.press("ctrl+s")
            await settle(pilot)
            correction = ShiftLogEntry.select().order_by(ShiftLogEntry.id.desc()).first()
            assert correction.corrects_id == instruction.id and correction.text.endswith("9点前")
            assert ShiftLogEntry.get_by_id(instruction.id).text == instruction.text  # never edited
            app.screen.pane(3).select(correction.id)
            await pilot.press("enter")
            await pilot.pause()
            written = str(app.screen.query_one("#entry-history").render())
            assert "R1 " in written and "entry corrected" in written   # the history's words, who and what
            await pilot.press("d")
            await settle(pilot)
            assert ShiftLogEntry.get_by_id(correction.id).done_by.code == "R1"
    run(go())


async def _incoming_signs_on(pilot, code="G1"):
    await pilot.press("i")
    await pilot.pause()
    await pilot.press(*code, "tab", *"0000", "ctrl+s")
    await pilot.pause()


def test_a_full_handover_between_two_operators(demo_site):
    async def go():
        app = make_app(demo_site)
        async with app.run_test(size=(80, 24)) as pilot:
            await sign_on(pilot, "R1")
            await pilot.press("h")
            await pilot.pause()
            screen = app.screen
            assert isinstance(screen, HandoverScreen)
            handover_id = screen.handover_id
            # The incoming operator signs on with a wrong PIN first: refused at the field.
            await pilot.press("i")
            await pilot.pause()
            await pilot.press(*"G1", "tab", *"1111", "ctrl+s")
            await pilot.pause()
            assert isinstance(app.screen, FormScreen)
            assert "Wrong PIN" in str(app.screen.query_one("#pin-error").render())
            await pilot.press(*"0000", "ctrl+s")
            await pilot.pause()
            assert app.screen is screen and screen.incoming.code == "G1"
            # One item acknowledged, one queried, then every section at once with A.
            first = screen.table.cursor_key
            await pilot.press("a")
            await pilot.pause()
            assert first in screen.view.answers and screen.table.cursor_key != first
            queried = screen.table.cursor_key
            await pilot.press("q")
            await pilot.pause()
            await pilot.press(*"谁去跟进?")
            await pilot.press("ctrl+s")
            await pilot.pause()
            assert screen.view.answers[queried].question == "谁去跟进?"
            # Serious sections item by item (A is refused there), the others with A.
            for section in screen.view.sheet["sections"]:
                if not section["items"]:
                    continue
                screen.table.move_cursor_to_key(("section", section["id"]))
                await pilot.press("A")
                await pilot.pause()
                if section["id"] not in ONE_BY_ONE:
                    continue
                assert "item by item" in str(screen.query_one("#ho-message").render())
                for item in section["items"]:
                    if (section["id"], item["key"]) not in screen.view.answers:
                        screen.table.move_cursor_to_key((section["id"], item["key"]))
                        await pilot.press("a")
                        await pilot.pause()
            assert screen.view.unanswered() == []
            # The query waits for the outgoing operator's answer (R1, signed on here): no completing before it.
            await pilot.press("c")
            await pilot.pause()
            assert "1 queries wait for R1's answer" in str(screen.query_one("#ho-message").render())
            screen.table.move_cursor_to_key(queried)
            await pilot.press("r")
            await pilot.pause()
            await pilot.press(*"张师傅明早跟进 [/x]", "ctrl+s")
            await pilot.pause()
            assert screen.view.unreplied() == [] and screen.table.row_at_cursor().cells["mark"] == "!"
            # An incident is open: completing is refused until a supervisor signs off.
            await pilot.press("c")
            await pilot.pause()
            assert "supervisor must sign" in str(screen.query_one("#ho-message").render())
            assert Handover.get_by_id(handover_id).status == "open"
            await pilot.press("s")
            await pilot.pause()
            await pilot.press(*"S1", "tab", *"0000", "tab", *"阅", "ctrl+s")
            await pilot.pause()
            await pilot.press("c")
            await settle(pilot)
            assert isinstance(app.screen, ConsoleScreen)
            assert app.operator.code == "G1"
            assert "G1" in app.screen.query_one("#header").plain
        h = Handover.get_by_id(handover_id)
        assert h.status == "closed" and h.to_staff.code == "G1" and h.supervisor.code == "S1"
        assert Shift.get_by_id(h.shift_id).holder.code == "G1"
        sheet = shifts.render_sheet(shifts.handover(handover_id), demo_site.tz)
        assert "Query by G1 at 22:00: 谁去跟进?" in sheet and "Answer by R1 at 22:00: 张师傅明早跟进 [/x]" in sheet
    run(go())


def test_the_sheet_is_viewable_in_the_console(demo_site):
    async def go():
        app = make_app(demo_site)
        async with app.run_test(size=(80, 24)) as pilot:
            await sign_on(pilot, "R1")
            await pilot.press("h")
            await pilot.pause()
            await pilot.press("v")
            await pilot.pause()
            assert isinstance(app.screen, SheetScreen)
            text = str(app.screen.query_one("#sheet").render())
            assert "HANDOVER SHEET" in text and "Overdue work orders" in text
            await pilot.press("escape")
            await pilot.press("escape")
            await pilot.pause()
            await pilot.press("y")
            await pilot.pause()
            assert isinstance(app.screen, ConsoleScreen)
    run(go())


def test_a_queried_item_never_prints_as_acknowledged(demo_site, clock):
    """domain.md §3: the question is printed with the item, and its mark stays `?` after it is
    acknowledged; a serious section is never acknowledged whole."""
    from deskconsole.errors import InvalidInput
    engine = demo_site.sla_engine()
    r1, g1 = people.find("R1"), people.find("G1")
    handover_id = shifts.begin_handover(r1, clock.now(), engine, config=demo_site)
    shifts.receive(g1, clock.now(), handover_id)
    view = shifts.handover(handover_id)
    overdue = next(s for s in view.sheet["sections"] if s["id"] == "orders_overdue")
    items = [("orders_overdue", i["key"]) for i in overdue["items"]]
    with pytest.raises(InvalidInput):
        shifts.acknowledge(g1, clock.now(), handover_id, items=items, whole_section=True)
    section, item = items[0]
    shifts.query_item(g1, clock.now(), handover_id, section=section, item=item, question="谁在跟进？")
    shifts.acknowledge(g1, clock.now(), handover_id, items=items)
    sheet = shifts.render_sheet(shifts.handover(handover_id), demo_site.tz, "markdown")
    first = next(line for line in sheet.splitlines() if line.startswith("- [") and overdue["items"][0]["ref"] in line)
    assert first.startswith("- [?]")


def test_sign_off_without_handover_records_the_note_and_closes_the_console(demo_site):
    """The form's save reaches shifts.sign_off with what was typed (the palette's "Sign off without handover")."""
    from deskconsole.db import DeskSignOff
    from deskconsole.screens import handover

    async def go():
        app = make_app(demo_site)
        async with app.run_test(size=(80, 24)) as pilot:
            await sign_on(pilot, "R1")
            handover.sign_off(app)
            await wait_for(pilot, FormScreen)
            assert app.return_code is None
            await pilot.press(*"去医院 [b]", "ctrl+s")
            await pilot.pause()
            assert app.return_code == 0                     # saved: the console closes
        record = DeskSignOff.select().order_by(DeskSignOff.id.desc()).first()
        assert (record.staff.code, record.note) == ("R1", "去医院 [b]")
    run(go())


def test_plus_on_a_closed_handovers_sheet_adds_an_addendum(demo_site, clock):
    """The addendum form's save reaches shifts.add_addendum with what was typed, shown on the sheet as text."""
    r1, g1, s1 = people.find("R1"), people.find("G1"), people.find("S1")
    now = clock.now()
    handover_id = shifts.begin_handover(r1, now, demo_site.sla_engine(), config=demo_site)
    shifts.receive(g1, now, handover_id)
    shifts.acknowledge(g1, now, handover_id, items=shifts.sheet_items(shifts.handover(handover_id).sheet))
    shifts.supervise(s1, now, handover_id, note="阅")
    shifts.complete(g1, now, handover_id, config=demo_site)

    async def go():
        app = make_app(demo_site)
        async with app.run_test(size=(80, 24)) as pilot:
            await sign_on(pilot, "G1")
            app.push_screen(SheetScreen(handover_id))
            await wait_for(pilot, SheetScreen)
            await pilot.press("plus")
            await wait_for(pilot, FormScreen)
            await pilot.press(*"王[b]小明 钥匙已还", "ctrl+s")
            await wait_for(pilot, SheetScreen)
            assert "G1: 王[b]小明 钥匙已还" in str(app.screen.query_one("#sheet").render())
            # Below the sheet its own history, the addendum just written last (issue 16).
            shown = str(app.screen.query_one("#sheet-history").render()).splitlines()
            assert shown[0] == "History" and "handover started" in shown[1] and "handed over" in shown[-2]
            assert shown[-1].endswith("addendum: text: 王[b]小明 钥匙已还")
        assert [a.text for a in shifts.handover(handover_id).addenda] == ["王[b]小明 钥匙已还"]
    run(go())


def test_a_query_is_answered_or_carried_over_before_the_handover_completes(demo_site, clock):
    """domain.md §3: the outgoing operator answers each query (only they may), or carries it over as an
    open log item that every later handover lists until it is done."""
    from deskconsole.errors import InvalidInput
    r1, g1, s1 = people.find("R1"), people.find("G1"), people.find("S1")
    now = clock.now()
    handover_id = shifts.begin_handover(r1, now, demo_site.sla_engine(), config=demo_site)
    shifts.receive(g1, now, handover_id)
    items = shifts.sheet_items(shifts.handover(handover_id).sheet)
    shifts.query_item(g1, now, handover_id, section=items[0][0], item=items[0][1], question="钥匙在哪？")
    shifts.acknowledge(g1, now, handover_id, items=items)
    shifts.supervise(s1, now, handover_id, note="阅")
    with pytest.raises(InvalidInput, match="1 queries wait for R1's answer"):
        shifts.complete(g1, now, handover_id, config=demo_site)
    with pytest.raises(InvalidInput, match="Only R1"):
        shifts.reply_to_query(g1, now, handover_id, section=items[0][0], item=items[0][1], answer="x",
                              config=demo_site)
    entry_id = shifts.reply_to_query(r1, now, handover_id, section=items[0][0], item=items[0][1], carry_over=True,
                                     config=demo_site)
    entry = ShiftLogEntry.get_by_id(entry_id)
    assert (entry.kind, entry.text, entry.done_at) == \
        ("instruction", f"Carried over from handover H{handover_id}: 钥匙在哪？", None)
    shifts.complete(g1, now, handover_id, config=demo_site)
    sheet = shifts.render_sheet(shifts.handover(handover_id), demo_site.tz)
    assert f"Answer by R1 at 22:00: Carried over as L{entry_id}" in sheet
    # The next handover lists the carried question among the open items.
    later = shifts.begin_handover(g1, now + timedelta(hours=1), demo_site.sla_engine(), config=demo_site)
    carried = next(s for s in shifts.handover(later).sheet["sections"] if s["id"] == "carried")
    assert any("钥匙在哪" in i["what"] for i in carried["items"])


def test_a_second_handover_in_the_same_shift_lists_only_what_was_written_since(demo_site, clock):
    """The first operator's notes were handed over already: the second sheet of the shift has the
    words written after the first sheet, and what is still open (carried) as before."""
    r1, g1, s1 = people.find("R1"), people.find("G1"), people.find("S1")
    now = clock.now()
    shifts.add_entry(r1, now, config=demo_site, kind="note", text="交班前：大堂灯已报修")
    first = shifts.begin_handover(r1, now, demo_site.sla_engine(), config=demo_site)
    shifts.receive(g1, now, first)
    shifts.acknowledge(g1, now, first, items=shifts.sheet_items(shifts.handover(first).sheet))
    shifts.supervise(s1, now, first, note="阅")
    shifts.complete(g1, now, first, config=demo_site)
    later = now + timedelta(minutes=40)
    shifts.add_entry(g1, later, config=demo_site, kind="note", text="G1 巡逻正常")
    second = shifts.begin_handover(g1, later + timedelta(minutes=5), demo_site.sla_engine(), config=demo_site)
    words = next(s for s in shifts.handover(second).sheet["sections"] if s["id"] == "words")["items"]
    assert [i["what"] for i in words] == ["G1 巡逻正常"]
    first_words = next(s for s in shifts.handover(first).sheet["sections"] if s["id"] == "words")["items"]
    assert "交班前：大堂灯已报修" in [i["what"] for i in first_words]
