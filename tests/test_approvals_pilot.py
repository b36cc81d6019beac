"""The supervisor's queue (issue 15): requests waiting for a signature are counted on a supervisor's
console and answered from one screen, through the action table."""
from __future__ import annotations

import asyncio
from datetime import timedelta

from appkit import make_app, settle, sign_on

from deskconsole import db, orders, people
from deskconsole.screens.approvals import ApprovalsScreen
from deskconsole.screens.order_forms import DecideForm


def _waiting(site, clock) -> tuple[int, int]:
    r1, engine = people.find("R1"), site.sla_engine()
    make = lambda text: orders.create_order(r1, clock.now(), engine, sla_class="general_repair",  # noqa: E731
                                            unit_code="1-101", description=text, department="engineering")
    extension, back = make("窗户关不上 [b]x[/b]"), make("门锁坏了 [/x]")
    orders.request_extension(r1, clock.now(), engine, extension, until=clock.now() + timedelta(days=5), reason="等配件")
    orders.return_order(r1, clock.now(), back, reason="业主不让进门")
    return extension, back


def _palette(app, title: str):
    return next((c for c in app.get_system_commands(app.screen) if c.title == title), None)


def test_a_supervisor_sees_the_queue_and_answers_an_extension(demo_site, clock):
    extension, back = _waiting(demo_site, clock)

    async def go():
        app = make_app(demo_site, clock=clock)
        async with app.run_test(size=(80, 24)) as pilot:
            await sign_on(pilot, "S1")
            assert "✎2" in app.screen.query_one("#strip").plain
            _palette(app, "Pending approvals").callback()
            await settle(pilot)
            assert isinstance(app.screen, ApprovalsScreen)
            assert [r.id for r in app.screen.rows] == [extension, back]
            await pilot.press("enter")                       # the first: the extension
            await pilot.pause()
            assert isinstance(app.screen, DecideForm) and app.screen.row.id == extension
            await pilot.press("ctrl+s")                      # approve (the default)
            await settle(pilot)
            assert isinstance(app.screen, ApprovalsScreen)
            assert [r.id for r in app.screen.rows] == [back]
            assert db.WorkOrder.get_by_id(extension).pending == ""
            await pilot.press("escape")
            await settle(pilot)
            assert "✎1" in app.screen.query_one("#strip").plain
    asyncio.run(go())


def test_the_queue_is_a_supervisors(demo_site, clock):
    _waiting(demo_site, clock)

    async def go():
        app = make_app(demo_site, clock=clock)
        async with app.run_test(size=(80, 24)) as pilot:
            await sign_on(pilot, "R1")
            assert _palette(app, "Pending approvals") is None
            assert "✎" not in app.screen.query_one("#strip").plain
    asyncio.run(go())


def _notices(app) -> list[str]:
    return [str(n.message) for n in app._notifications]


def test_the_requesters_console_is_told_the_supervisors_answer(demo_site, clock):
    """R1 asked; S1 answers at another console: R1's console says so at its next load, who and what."""
    extension, back = _waiting(demo_site, clock)

    async def go():
        app = make_app(demo_site, clock=clock)
        async with app.run_test(size=(80, 24)) as pilot:
            await sign_on(pilot, "R1")
            s1 = people.find("S1")
            # Another console: S1 signs the extension and refuses the return, with a hostile reason.
            orders.approve_extension(s1, clock.now(), extension)
            orders.refuse_request(s1, clock.now(), back, reason="先联系业主 [/x] 王[b]小明")
            app.reload(full=True)
            await settle(pilot)
            said = _notices(app)
            number = orders.number
            assert any(text.startswith(f"{number(extension)}: your extension was approved by S1") for text in said), said
            assert f"{number(back)}: your return was refused by S1 陈静 Chen Jing: 先联系业主 [/x] 王[b]小明" in said
            # Shown as written: every notice is plain text, never markup (DeskApp.notify).
            assert [n for n in app._notifications if n.markup] == []
    asyncio.run(go())


def test_an_answer_is_told_only_to_who_asked(demo_site, clock):
    extension, _back = _waiting(demo_site, clock)

    async def go():
        app = make_app(demo_site, clock=clock)
        async with app.run_test(size=(80, 24)) as pilot:
            await sign_on(pilot, "G1")
            orders.approve_extension(people.find("S1"), clock.now(), extension)
            app.reload(full=True)
            await settle(pilot)
            assert not [t for t in _notices(app) if "your extension" in t]
    asyncio.run(go())
