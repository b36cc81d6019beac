"""The night desk (issue 15): whoever holds the desk does what the desk does at that hour (domain.md,
"Who sits at the desk"). Desk rules with the clock at 02:00, 12:00 and on a Sunday; then a guard at
the console at 23:10 dispatching the on-call plumber to a flood, and the footer offering only what
the operator may do now."""
from __future__ import annotations

import asyncio
from datetime import datetime, timedelta, timezone

import pytest
from appkit import make_app, settle, sign_on

from deskconsole import db, orders, people, shifts
from deskconsole.db import AuditEvent, WorkOrder
from deskconsole.errors import PermissionDenied
from deskconsole.screens.order_detail import OrderDetailScreen
from deskconsole.screens.order_forms import DispatchForm

# Asia/Shanghai is UTC+8; 2026-11-24 is a Tuesday, 2026-11-29 a Sunday.
NIGHT = datetime(2026, 11, 23, 18, 0, tzinfo=timezone.utc)     # Tuesday 02:00
NOON = datetime(2026, 11, 24, 4, 0, tzinfo=timezone.utc)       # Tuesday 12:00
SUNDAY = datetime(2026, 11, 29, 4, 0, tzinfo=timezone.utc)     # Sunday 12:00


@pytest.fixture
def desk(empty_site):
    now = NIGHT - timedelta(days=1)
    s1 = people.create_first_supervisor(now, code="S1", name="主管", pin="0000")
    for code, role in (("G1", "guard"), ("G2", "guard"), ("R1", "receptionist")):
        people.create_staff(s1, now, code=code, name=f"{code} 王[b]小明", role=role, pin="0000")
    return empty_site


def _order(config, now, sla_class="general_repair") -> int:
    return orders.create_order(people.find("G1"), now, config.sla_engine(), sla_class=sla_class,
                               description="跑水 [/x] \x1b[2J", location="地下车库")


def _holds(config, now, code="G1") -> people.Operator:
    """`code` signs on first in the shift of `now`, so holds the desk; G2 joins without taking it."""
    operator = people.find(code)
    shifts.sign_on(operator, now, config=config)
    shifts.sign_on(people.find("G2" if code != "G2" else "G1"), now, config=config)
    return operator


def test_the_engine_knows_office_hours(empty_site):
    engine = empty_site.sla_engine()
    assert [engine.is_open(t) for t in (NIGHT, NOON, SUNDAY)] == [False, True, False]


@pytest.mark.parametrize("now", [NIGHT, SUNDAY], ids=["02:00", "sunday"])
def test_outside_office_hours_the_guard_holding_the_desk_dispatches_arrives_completes(desk, now):
    engine = desk.sla_engine()
    g1 = _holds(desk, now)
    order_id = _order(desk, now)
    orders.dispatch(g1, now, order_id, department="engineering", assignee="值班水工", engine=engine)
    orders.arrive(g1, now + timedelta(minutes=8), order_id, engine=engine)
    orders.complete(g1, now + timedelta(hours=1), order_id, work_done="关阀换管", engine=engine)
    order = WorkOrder.get_by_id(order_id)
    assert (order.status, order.dispatched_by_id) == ("done", g1.id)
    event = AuditEvent.get((AuditEvent.action == "order.dispatch") & (AuditEvent.entity_id == order_id))
    assert '"on_call": true' in event.data and '"as_desk": true' in event.data


def test_at_night_what_stays_with_day_staff_stays_refused(desk):
    engine = desk.sla_engine()
    g1 = _holds(desk, NIGHT)
    order_id = _order(desk, NIGHT)
    orders.dispatch(g1, NIGHT, order_id, department="engineering", engine=engine)
    orders.arrive(g1, NIGHT, order_id, engine=engine)
    orders.complete(g1, NIGHT, order_id, work_done="好了", engine=engine)
    for permission in ("order.callback", "order.extend.approve", "order.return.approve", "key.authorise",
                       "order.void"):
        assert not people.may(g1, permission, NIGHT, engine, holds_desk=True, sla_class="emergency")
    with pytest.raises(PermissionDenied):
        orders.callback(g1, NIGHT, engine, order_id, satisfied=True)


def test_at_night_a_guard_who_does_not_hold_the_desk_may_not_dispatch(desk):
    engine = desk.sla_engine()
    _holds(desk, NIGHT, "G1")
    order_id = _order(desk, NIGHT, "emergency")
    with pytest.raises(PermissionDenied):
        orders.dispatch(people.find("G2"), NIGHT, order_id, department="engineering", engine=engine)
    assert WorkOrder.get_by_id(order_id).status == "logged"


def test_at_noon_on_a_working_day_the_holder_acts_on_emergencies_and_hazards_only(desk):
    engine = desk.sla_engine()
    g1 = _holds(desk, NOON)
    ordinary, flood, manhole = (_order(desk, NOON, c) for c in ("general_repair", "emergency", "hazard"))
    with pytest.raises(PermissionDenied):
        orders.dispatch(g1, NOON, ordinary, department="engineering", engine=engine)
    for order_id in (flood, manhole):
        orders.dispatch(g1, NOON, order_id, department="engineering", engine=engine)
        assert WorkOrder.get_by_id(order_id).status == "dispatched"
    event = AuditEvent.get((AuditEvent.action == "order.dispatch") & (AuditEvent.entity_id == flood))
    assert "on_call" not in event.data          # office hours: an ordinary dispatch, by the desk's holder


def test_may_without_the_hour_is_the_role_alone(desk):
    g1, r1 = people.find("G1"), people.find("R1")
    assert not people.may(g1, "order.dispatch")
    assert people.may(r1, "order.dispatch")
    engine = desk.sla_engine()
    assert people.may(g1, "order.dispatch", NIGHT, engine, holds_desk=True)
    assert not people.may(g1, "order.dispatch", NIGHT, engine, holds_desk=False)
    assert not people.may(g1, "order.dispatch", NOON, engine, holds_desk=True, sla_class="general_repair")
    assert people.may(g1, "order.dispatch", NOON, engine, holds_desk=True, sla_class="hazard")


# --- at the console ------------------------------------------------------------------------

# 23:10 in Shanghai, the night after the demo's: nobody has opened this night shift yet.
LATE = datetime(2026, 11, 25, 15, 10, tzinfo=timezone.utc)


async def _signed_on_at(pilot, code: str, order_id: int) -> set[str]:
    """`code` signs on and picks the order in the Work orders pane: the keys the footer offers then."""
    await sign_on(pilot, code)
    await pilot.press("2", "slash", *orders.number(order_id), "enter")
    await settle(pilot)
    assert pilot.app.screen.pane(2).table.cursor_key == order_id
    return _footer_keys(pilot.app)


def _footer_keys(app) -> set[str]:
    return {b.id for (_n, b, _e, _t) in app.screen.active_bindings.values() if b.show and b.id}


def test_a_guard_holding_the_desk_at_night_dispatches_the_flood(demo_site):
    from deskconsole.clock import FixedClock
    clock = FixedClock(LATE)
    flood = orders.create_order(people.find("R1"), LATE, demo_site.sla_engine(), sla_class="emergency",
                                description="水浸 flooding", unit_code="1-101", department="engineering")

    async def go():
        app = make_app(demo_site, clock=clock)
        async with app.run_test(size=(80, 24)) as pilot:
            offered = await _signed_on_at(pilot, "G1", flood)
            assert {"orders.dispatch", "orders.arrive", "orders.complete"} <= offered
            assert "orders.callback" not in offered and "orders.extend" not in offered
            await pilot.press("d")
            assert isinstance(app.screen, DispatchForm)
            await pilot.press("tab", *"值班水工", "ctrl+s")
            await settle(pilot)
            order = db.WorkOrder.get_by_id(flood)
            assert (order.status, order.dispatched_by_id, order.assignee) == (
                "dispatched", people.find("G1").id, "值班水工")
            await pilot.press("enter")
            await settle(pilot)
            assert isinstance(app.screen, OrderDetailScreen)
            body = str(app.screen.query_one("#order-body").render())
            assert "notified the on-call technician" in body
    asyncio.run(go())


def test_the_footer_offers_a_guard_who_does_not_hold_the_desk_no_dispatch(demo_site, clock):
    """At 22:00 in the demo R1 holds the desk: G1 joins, and is offered (and may) do none of it."""
    order_id = orders.create_order(people.find("R1"), clock.now(), demo_site.sla_engine(),
                                   sla_class="general_repair", description="窗户", unit_code="1-101")

    async def go():
        app = make_app(demo_site, clock=clock)
        async with app.run_test(size=(80, 24)) as pilot:
            offered = await _signed_on_at(pilot, "G1", order_id)
            assert app.screen.data.shift.holder_code != "G1"
            assert "orders.dispatch" not in offered and "orders.complete" not in offered
            assert "orders.new" in offered and "orders.arrive" in offered
            titles = {c.title for c in app.get_system_commands(app.screen)}
            assert "Dispatch the selected order" not in titles
    asyncio.run(go())


# --- act now first, and the emergency call's clock --------------------------------------------

def test_act_now_first_emergencies_not_on_site_then_reminders_then_what_breaches_first(desk):
    engine, now = desk.sla_engine(), NIGHT
    r1 = people.find("R1")

    def order(minutes_ago, sla_class):
        return orders.create_order(r1, now - timedelta(minutes=minutes_ago), engine, sla_class=sla_class,
                                   description="x", location="大堂")
    old_overdue = order(3000, "urgent_repair")      # long overdue: an unacknowledged reminder
    quiet = order(0, "general_repair")              # far away, no reminder
    flood = order(0, "emergency")                   # new: 10 minutes to run, nobody on site
    on_site = order(60, "hazard")
    orders.arrive(r1, now - timedelta(minutes=55), on_site)
    acked = order(2000, "urgent_repair")            # overdue, its reminders acknowledged
    row = next(r for r in orders.open_orders(engine) if r.id == acked)
    orders.acknowledge(r1, now, acked, keys=[r.key for r in orders.reminders(row, now)])

    ranked = [r.id for r in orders.act_now_first(orders.open_orders(engine), now)]
    assert ranked.index(flood) == 0
    assert ranked.index(old_overdue) < ranked.index(acked)
    assert ranked.index(old_overdue) < ranked.index(quiet)
    assert [r.id for r in orders.open_orders(engine)][0] != flood   # by due alone it is not first


def test_an_open_emergency_call_has_ten_minutes(desk):
    from deskconsole import calls, console_data
    r1 = people.find("R1")
    gas = calls.add_call(r1, NIGHT - timedelta(minutes=12), category="emergency", channel="phone", text="煤气味")
    water = calls.add_call(r1, NIGHT - timedelta(minutes=4), category="emergency", channel="phone", text="水浸")
    rows = {c.id: c for c in calls.recent()}
    assert rows[water].act_by == NIGHT + timedelta(minutes=6)
    data = console_data.load(desk, desk.sla_engine(), NIGHT)
    assert data.first_emergency_due == NIGHT - timedelta(minutes=2)      # the gas call: OVER 2m
    calls.close(r1, NIGHT, gas, note="燃气公司已到")
    assert {c.id: c.act_by for c in calls.recent()}[gas] is None      # handled: its clock stops
    assert console_data.load(desk, desk.sla_engine(), NIGHT).first_emergency_due == NIGHT + timedelta(minutes=6)


def test_a_new_emergency_is_first_among_many_overdue_orders_80x24(snap_compare, demo_site, clock):
    """The demo has 21 overdue orders; the flood logged a minute ago is the first row, and the header
    and the Calls pane carry the gas-smell call's clock, OVER."""
    orders.create_order(people.find("R1"), clock.now() - timedelta(minutes=1), demo_site.sla_engine(),
                        sla_class="emergency", description="水浸 B2 车库 flooding", unit_code="1-101",
                        department="engineering")

    async def show(pilot):
        await sign_on(pilot, "R1")
        await pilot.press("2")
        await settle(pilot)
    assert snap_compare(make_app(demo_site, clock=clock), terminal_size=(80, 24), run_before=show)


def test_c_marks_an_open_emergency_call_handled_and_its_clock_stops(demo_site, clock):
    from deskconsole import calls
    call_id = calls.add_call(people.find("G1"), clock.now() - timedelta(minutes=3), category="emergency",
                             channel="patrol", text="电梯困人 [b]x[/b]")

    async def go():
        app = make_app(demo_site, clock=clock)
        async with app.run_test(size=(80, 24)) as pilot:
            await sign_on(pilot, "G1")
            app.screen.pane(1).select(call_id)
            await settle(pilot)
            assert app.screen.pane(1).table.cursor_key == call_id
            await pilot.press("c")
            await settle(pilot)
            assert db.Call.get_by_id(call_id).status == "closed"
            header = app.screen.query_one("#header").plain
            assert "‼1 OVER 51m" in header              # the demo's gas call is still open, this one is not
    asyncio.run(go())
