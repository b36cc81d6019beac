"""What going live looks like at 80x24 (issue 14): the supervisor's staff and units screens, the
one-time PIN shown once, choosing one's own PIN, and the dispatch form offering the technicians. The
demo's hostile names (张[b]敏, [/x] Fix-It) show literally."""
from __future__ import annotations

from appkit import make_app, settle, sign_on, wait_for
from conftest import NOW

from deskconsole import orders, people
from deskconsole.screens.order_forms import DispatchForm
from deskconsole.screens.staff import StaffScreen
from deskconsole.screens.units import UnitsScreen


def test_staff_screen_80x24(snap_compare, demo_site):
    async def show(pilot):
        await sign_on(pilot, "S1")
        pilot.app.push_screen(StaffScreen())
        await settle(pilot)

    assert snap_compare(make_app(demo_site), terminal_size=(80, 24), run_before=show)


def test_units_screen_looked_up_80x24(snap_compare, demo_site):
    async def show(pilot):
        await sign_on(pilot, "S1")
        pilot.app.push_screen(UnitsScreen())
        await settle(pilot)
        await pilot.press("slash", *"2-18", "enter")
        await settle(pilot)

    assert snap_compare(make_app(demo_site), terminal_size=(80, 24), run_before=show)


def test_choose_your_own_pin_80x24(snap_compare, demo_site):
    new = people.add_staff(people.find("S1"), NOW, people.PinPolicy(), code="G3", name="周[b]伟", role="guard")

    async def show(pilot):
        await sign_on(pilot, "G3", new.pin)
        await pilot.press(*"0000", "enter", *"0000", "enter")   # the demo allows 0000: the message is the mismatch
        await pilot.press(*"1111", "enter", *"2222", "enter")
        await pilot.pause()

    assert snap_compare(make_app(demo_site), terminal_size=(80, 24), run_before=show)


def test_dispatch_form_offers_the_technicians_80x24(snap_compare, demo_site):
    order_id = orders.create_order(people.find("R1"), NOW, demo_site.sla_engine(), sla_class="urgent_repair",
                                   description="马桶堵了", unit_code="1-101", department="engineering")

    async def show(pilot):
        await sign_on(pilot, "R1")
        await pilot.press("2", "slash", *orders.number(order_id), "enter")
        await settle(pilot)
        await pilot.press("d")
        await wait_for(pilot, DispatchForm)
        await pilot.pause()

    assert snap_compare(make_app(demo_site), terminal_size=(80, 24), run_before=show)
