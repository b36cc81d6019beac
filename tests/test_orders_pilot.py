"""Work orders at the console, key by key: n, d, a, c, b, e, x, Enter and the reminders."""
from __future__ import annotations

import asyncio
from datetime import timedelta
from decimal import Decimal

from appkit import make_app, settle, sign_on

from deskconsole import db, orders, people
from deskconsole.screens.form import FormScreen
from deskconsole.screens.order_detail import OrderDetailScreen
from deskconsole.screens.order_forms import ArriveForm, CallbackForm, CompleteForm, DispatchForm, NewOrderForm


def run(coro):
    return asyncio.run(coro)


def _order(site, clock, ago: timedelta = timedelta(0), **fields) -> int:
    values = dict(sla_class="general_repair", unit_code="1-101", description="窗户关不上 [b]window[/b]",
                  department="engineering") | fields
    return orders.create_order(people.find("R1"), clock.now() - ago, site.sla_engine(), **values)


async def _pick(pilot, order_id: int) -> None:
    """Narrow the Work orders pane to one order with `/`, as a user would."""
    await pilot.press("2", "slash", *orders.number(order_id), "enter")
    await settle(pilot)


def _status(order_id: int) -> str:
    return db.WorkOrder.get_by_id(order_id).status


def test_dispatch_arrive_complete_callback_by_keys(demo_site, clock):
    order_id = _order(demo_site, clock)

    async def go():
        app = make_app(demo_site, clock=clock)
        async with app.run_test(size=(80, 24)) as pilot:
            await sign_on(pilot, "R1")
            await _pick(pilot, order_id)
            pane = app.screen.pane(2)
            assert pane.table.cursor_key == order_id

            await pilot.press("d")
            assert isinstance(app.screen, DispatchForm)
            await pilot.press("tab", *"张师傅", "tab", *"23:30", "ctrl+s")
            await settle(pilot)
            assert _status(order_id) == "dispatched"
            order = db.WorkOrder.get_by_id(order_id)
            assert order.assignee == "张师傅" and order.booked_visit_at == clock.now() + timedelta(minutes=90)

            await pilot.press("a")   # who is on site: the technician sent, filled in
            assert isinstance(app.screen, ArriveForm) and app.screen.query_one("#on_site").value == "张师傅"
            await pilot.press("ctrl+s")
            await settle(pilot)
            assert _status(order_id) == "on_site"

            await pilot.press("c")
            assert isinstance(app.screen, CompleteForm)
            await pilot.press(*"换了合页", "tab", *"hinge x2", "tab", *"1.5", "ctrl+s")
            await settle(pilot)
            order = db.WorkOrder.get_by_id(order_id)
            assert (order.status, order.work_done, order.hours) == ("done", "换了合页", Decimal("1.5"))
            assert "⚑" in pane.table.render_line(1).text   # done, no call-back yet

            await pilot.press("b")
            assert isinstance(app.screen, CallbackForm)
            await pilot.press("y")   # satisfied: yes, by its letter
            await pilot.press("ctrl+s")
            await settle(pilot)
            assert _status(order_id) == "closed"
            assert order_id not in [r.key for r in pane.table.rows]
    run(go())


def test_refusals_stay_in_the_form_and_roles_are_checked(demo_site, clock):
    order_id = _order(demo_site, clock)

    async def go():
        app = make_app(demo_site, clock=clock)
        async with app.run_test(size=(80, 24)) as pilot:
            await sign_on(pilot, "G1")
            await _pick(pilot, order_id)
            await pilot.press("d")   # a guard may not dispatch
            await pilot.pause()
            assert not isinstance(app.screen, FormScreen)
            assert _status(order_id) == "logged"
            await pilot.press("c")   # nor complete
            await pilot.pause()
            assert not isinstance(app.screen, FormScreen)
            await pilot.press("a")   # but may mark arrived: nobody was sent, so who is on site is asked
            await pilot.press("ctrl+s")
            await pilot.pause()
            assert isinstance(app.screen, ArriveForm) and "who is on site" in str(
                app.screen.query_one("#on_site-error").render())
            await pilot.press(*"王强 G1", "ctrl+s")
            await settle(pilot)
            assert _status(order_id) == "on_site"
    run(go())


def test_a_conflict_shows_who_and_when_in_the_form(demo_site, clock):
    order_id = _order(demo_site, clock)

    async def go():
        app = make_app(demo_site, clock=clock)
        async with app.run_test(size=(80, 24)) as pilot:
            await sign_on(pilot, "R2")
            await _pick(pilot, order_id)
            await pilot.press("d")
            await pilot.press("tab", *"Li Gong")
            # Another console dispatches first.
            orders.dispatch(people.find("R1"), clock.now(), order_id, department="engineering")
            await pilot.press("ctrl+s")
            await pilot.pause()
            assert isinstance(app.screen, DispatchForm)
            message = str(app.screen.query_one("#form-message").render())
            assert f"{orders.number(order_id)} is already dispatched (by R1 at 22:00)" in message
            assert app.screen.query_one("#assignee").value == "Li Gong"
    run(go())


def test_new_order_with_n(demo_site, clock):
    async def go():
        app = make_app(demo_site, clock=clock)
        async with app.run_test(size=(80, 24)) as pilot:
            await sign_on(pilot, "R1")
            await pilot.press("2", "n")
            assert isinstance(app.screen, NewOrderForm)
            await pilot.press(*"1-1203", "tab", "tab", "tab", *"跑水 [/x]")
            app.screen.query_one("#sla_class").value = "emergency"
            app.screen.query_one("#chargeable").value = "yes"
            await pilot.press("ctrl+s")   # chargeable without a fee: refused at the fee field
            await pilot.pause()
            assert isinstance(app.screen, NewOrderForm)
            assert "fee" in app.focused.id
            assert app.screen.query_one("#unit").value == "1-1203"
            await pilot.press(*"80", "ctrl+s")
            await settle(pilot)
            order = db.WorkOrder.select().order_by(db.WorkOrder.id.desc()).first()
            assert (order.sla_class, order.description, order.fee_agreed) == ("emergency", "跑水 [/x]", Decimal(80))
            assert order.respond_due_at == clock.now() + timedelta(minutes=10)
            assert app.screen.pane(2).table.cursor_key == order.id
    run(go())


def test_enter_shows_history_and_k_acknowledges_reminders(demo_site, clock):
    order_id = _order(demo_site, clock, sla_class="emergency")
    orders.dispatch(people.find("R1"), clock.now(), order_id, department="engineering", assignee="[/x]")
    clock.advance(minutes=6)   # nobody on site after 5 minutes, and past half the respond clock

    async def go():
        app = make_app(demo_site, clock=clock)
        async with app.run_test(size=(80, 24)) as pilot:
            await sign_on(pilot, "R1")
            await _pick(pilot, order_id)
            pane = app.screen.pane(2)
            assert pane.table.render_line(1).text.startswith("⚑2")
            assert "to follow up" in pane.border_subtitle
            await pilot.press("enter")
            assert isinstance(app.screen, OrderDetailScreen)
            body = str(app.screen.query_one("#order-body").render())
            assert "nobody on site" in body and "dispatched" in body and "[/x]" in body
            await pilot.press("k")
            await pilot.press("escape")
            await settle(pilot)
            assert "⚑" not in pane.table.render_line(1).text
            assert db.ReminderAck.select().where(db.ReminderAck.order == order_id).count() == 2
    run(go())


def test_the_owners_sign_off_in_the_complete_form_and_a_follow_up_from_the_detail(demo_site, clock):
    """Issue 18: the complete form takes the owner's sign-off; f in an order's detail records what
    follows the work (here: the written reply to a handled complaint, whose reminder then stops)."""
    order_id = _order(demo_site, clock, sla_class="complaint_other")
    r1 = people.find("R1")
    orders.dispatch(r1, clock.now(), order_id, department="customer_service")
    orders.arrive(r1, clock.now(), order_id)

    async def go():
        app = make_app(demo_site, clock=clock)
        async with app.run_test(size=(80, 24)) as pilot:
            await sign_on(pilot, "R1")
            await _pick(pilot, order_id)
            await pilot.press("c")
            assert isinstance(app.screen, CompleteForm)
            # work done, materials, hours, fee, then the sign-off (p: phone) and who confirmed it
            await pilot.press(*"已道歉并处理", "tab", "tab", "tab", "tab", "enter", "down", "down", "enter")
            await pilot.pause()
            await pilot.press("tab", *"王[b]小明", "ctrl+s")
            await settle(pilot)
            order = db.WorkOrder.get_by_id(order_id)
            assert (order.status, order.owner_signoff, order.owner_signoff_by) == ("done", "phone", "王[b]小明")

            await pilot.press("enter")
            assert isinstance(app.screen, OrderDetailScreen)
            assert "written reply" in str(app.screen.query_one("#order-body").render())
            await pilot.press("f")
            assert isinstance(app.screen, FormScreen)
            await pilot.press("enter", *["down"] * 4, "enter")    # the written reply was sent
            await pilot.pause()
            await pilot.press("tab", *"王[b]小明", "tab", "tab", *"挂号信 [/x]", "ctrl+s")
            await settle(pilot)
            assert isinstance(app.screen, OrderDetailScreen)
            body = str(app.screen.query_one("#order-body").render())
            assert "written reply sent" in body and "[/x]" in body
            assert db.FollowUp.get(db.FollowUp.order == order_id).done_at == clock.now()
    run(go())


def test_a_asks_who_is_on_site_how_the_desk_heard_and_since_when(demo_site, clock):
    order_id = _order(demo_site, clock, timedelta(hours=1), sla_class="urgent_repair")
    orders.dispatch(people.find("R1"), clock.now() - timedelta(minutes=30), order_id, department="engineering",
                    assignee="张师傅")

    async def go():
        app = make_app(demo_site, clock=clock)
        async with app.run_test(size=(80, 24)) as pilot:
            await sign_on(pilot, "G1")
            await _pick(pilot, order_id)
            await pilot.press("a")
            form = app.screen
            assert isinstance(form, ArriveForm) and app.focused.id == "on_site"
            assert form.query_one("#on_site").value == "张师傅"
            await pilot.press("tab", "r", "tab", *"22:05", "ctrl+s")   # radio, by its letter; a time to come
            await pilot.pause()
            assert isinstance(app.screen, ArriveForm) and app.focused.id == "arrived_at"
            assert "still to come" in str(form.query_one("#arrived_at-error").render())
            assert _status(order_id) == "dispatched"
            await pilot.press(*["backspace"] * 5, *"21:45", "ctrl+s")
            await settle(pilot)
            assert _status(order_id) == "on_site"
            assert db.WorkOrder.get_by_id(order_id).responded_at == clock.now() - timedelta(minutes=15)
            await pilot.press("enter")   # the order's history says who reported what
            await settle(pilot)
            text = " ".join(str(w.render()) for w in app.screen.query("Static"))
            assert "on site: 张师傅" in text and "reported by: radio" in text and "arrived: 11-24 21:45" in text
    run(go())
