"""What the console reads: the open orders reused between loads only while no order can have changed,
and the data read ahead during sign-on used only while it is still the database."""
from __future__ import annotations

import asyncio

from appkit import make_app, settle, sign_on

from deskconsole import calls, console_data, db, orders, people
from deskconsole.screens.console import ConsoleScreen
from deskconsole.widgets.record_table import RecordTable

from conftest import NOW


def a_logged_order() -> int:
    return db.WorkOrder.select(db.WorkOrder.id).where(db.WorkOrder.status == "logged").order_by(db.WorkOrder.id).first().id


def test_orders_are_reused_only_while_no_order_changed(demo_site):
    engine = demo_site.sla_engine()
    first = console_data.load(demo_site, engine, NOW)
    calls.add_call(people.find("R1"), NOW, category="inquiry", channel="phone", text="停车费")
    second = console_data.load(demo_site, engine, NOW, first)
    assert second.orders is first.orders                      # only a call was written
    assert any(c.text == "停车费" for c in second.calls)       # the rest is read again

    order_id = a_logged_order()
    orders.dispatch(people.find("R1"), NOW, order_id, department="engineering")
    third = console_data.load(demo_site, engine, NOW, second)
    assert third.orders is not second.orders
    assert next(o for o in third.orders if o.id == order_id).status == "dispatched"

    # A write that left no audit event (a script, a restore): nothing new in the trail, read again.
    db.WorkOrder.update(description="改过的").where(db.WorkOrder.id == order_id).execute()
    fourth = console_data.load(demo_site, engine, NOW, third)
    assert next(o for o in fourth.orders if o.id == order_id).description == "改过的"


def test_unchanged_but_for_the_operators_own_sign_on(demo_site):
    data = console_data.load(demo_site, demo_site.sla_engine(), NOW)
    r1 = people.find("R1")
    people.verify("R1", "0000", NOW)
    assert console_data.unchanged_but_for(data, r1.id, frozenset({"staff.sign_on"}))
    calls.add_call(r1, NOW, category="inquiry", channel="phone", text="x")
    assert not console_data.unchanged_but_for(data, r1.id, frozenset({"staff.sign_on"}))


def test_a_change_made_while_the_pin_is_typed_is_on_the_console(demo_site):
    """The console reads ahead while the sign-on screen is up; an order dispatched at another console
    before the PIN is entered must show as dispatched, not as the read ahead saw it."""
    async def go():
        app = make_app(demo_site)
        async with app.run_test(size=(160, 48)) as pilot:
            for _ in range(50):                                 # the read ahead starts after the first frame
                await pilot.pause(0.05)
                await app.workers.wait_for_complete()
                if app.sequencer.latest is not None:
                    break
            order_id = a_logged_order()
            assert next(o for o in app.sequencer.latest.orders if o.id == order_id).status == "logged"
            orders.dispatch(people.find("S1"), NOW, order_id, department="engineering")
            await sign_on(pilot)
            assert isinstance(app.screen, ConsoleScreen)
            row = next(r for r in app.screen.query_one("#table-2", RecordTable).rows if r.key == order_id)
            assert "dispatch" in row.cells["status"]
    asyncio.run(go())


def test_read_ahead_is_used_when_nothing_changed(demo_site):
    async def go():
        app = make_app(demo_site)
        async with app.run_test(size=(160, 48)) as pilot:
            for _ in range(50):
                await pilot.pause(0.05)
                await app.workers.wait_for_complete()
                if app.sequencer.latest is not None:
                    break
            ahead = app.sequencer.latest
            await sign_on(pilot)
            assert isinstance(app.screen, ConsoleScreen)
            assert app.screen.data.orders is ahead.orders         # taken, not read twice
    asyncio.run(go())
