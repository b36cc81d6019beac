"""The Work orders pane at 80x24, 160x48 and 200x50, with a fixed clock and an order in every band."""
from __future__ import annotations

from datetime import timedelta

from rich.cells import cell_len

import pytest
from appkit import make_app, settle
from appkit import sign_on as _sign_on

from conftest import NOW
from deskconsole import db, orders, people

SIZES = [(80, 24), (160, 48), (200, 50)]


async def sign_on(pilot, code: str) -> None:
    await _sign_on(pilot, code)
    # On a small site the first reload can finish before the console screen is mounted, and
    # app._show then drops it: read again so the picture never depends on that race.
    pilot.app.reload()
    await settle(pilot)


@pytest.fixture
def band_site(empty_site):
    """A small site of its own (not the demo): one order per countdown band, and each kind of reminder."""
    s1 = people.create_first_supervisor(NOW - timedelta(days=1), code="S1", name="陈静 Chen Jing", pin="0000")
    r1 = people.create_staff(s1, NOW - timedelta(days=1), code="R1", name="李娜 Li Na", role="receptionist", pin="0000")
    g1 = people.create_staff(s1, NOW - timedelta(days=1), code="G1", name="王强 Wang Qiang", role="guard", pin="0000")
    for code in ("1-101", "1-1203", "2-502", "2-1501", "1-808", "2-303", "1-1105", "2-1702", "1-606"):
        db.Unit.create(code=code, building=code[0], floor=int(code[2:-2]), handed_over=True)
    engine = empty_site.sla_engine()

    def order(minutes_ago, sla_class, unit, text, department="engineering", **kw):
        return orders.create_order(r1, NOW - timedelta(minutes=minutes_ago), engine, sla_class=sla_class,
                                   unit_code=unit, description=text, department=department, **kw)

    order(3, "emergency", "1-101", "跑水 water through the ceiling")                 # respond 30 %: no band
    order(6, "emergency", "1-1203", "电梯困人 lift stuck")                            # respond 60 %: ·
    order(12, "complaint_neighbour", "2-502", "楼上装修噪音 [b]noise[/b]", "security")  # respond 80 %: !
    late = order(9.5, "hazard", "2-1501", "井盖缺失 manhole cover")                   # respond 95 %: ‼
    order(40, "urgent_repair", "1-808", "马桶堵了 王[b]小明 [/x]")                     # respond over: ✖
    order(70, "complaint_impact", "2-303", "停水没有通知", "customer_service")          # resolve 58 %, 2 h clock
    order(0, "general_repair", "1-1105", "窗户关不上", chargeable=True, fee_agreed="80")  # 3 working days
    chase = order(20, "urgent_repair", "2-1702", "Leaking pipe under the sink")
    orders.dispatch(r1, NOW - timedelta(minutes=8), chase, department="engineering", assignee="张师傅",
                    booked_visit_at=NOW - timedelta(minutes=2))                     # chase + visit passed
    done = order(300, "simple_repair", "1-606", "客厅灯不亮 [b]bulb[/b]")
    orders.dispatch(r1, NOW - timedelta(minutes=290), done, department="engineering", assignee="[/x]")
    orders.arrive(g1, NOW - timedelta(minutes=200), done)
    orders.complete(r1, NOW - timedelta(minutes=100), done, work_done="换灯泡")       # waiting for the call-back
    orders.request_extension(r1, NOW, engine, late, until=NOW + timedelta(days=5), reason="parts")
    return empty_site


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_orders_pane_every_band(snap_compare, band_site, size):
    async def show(pilot):
        await sign_on(pilot, "R1")
        await pilot.press("2")
        await settle(pilot)

    assert snap_compare(make_app(band_site), terminal_size=size, run_before=show)


def test_every_band_and_marker_is_in_the_pane(band_site):
    """The same picture, read as text: it fails if a band is missing even when the snapshot is regenerated."""
    import asyncio

    async def go():
        app = make_app(band_site)
        async with app.run_test(size=(200, 50)) as pilot:
            await sign_on(pilot, "R1")
            await pilot.press("2")
            await settle(pilot)
            table = app.screen.pane(2).table
            lines = [table.render_line(y).text for y in range(1, table.row_count + 1)]
            text = "\n".join(lines)
            for marker in ("·", "!", "‼", "✖OVER"):
                assert marker in text, marker
            assert "‼0m30s" in text and "2d19h" in text   # seconds near, days far
            assert "⚑" in text and "hazard" in text
            assert any(r.cells["what"] == "马桶堵了 王[b]小明 [/x]" for r in table.rows)
            assert lines[0].lstrip().startswith(("✖", "⚑"))   # what breaches first at the top
            assert "to follow up" in app.screen.pane(2).border_subtitle
    asyncio.run(go())


# What the pane shows at each size (issue 16): never cut sideways; at 200 columns whole class names,
# statuses, the department and the technician.
SHOWN = {
    (80, 24): ["Due", "No.", "Unit", "Class", "Status", "What is wrong"],
    (120, 36): ["Due", "No.", "Unit", "Status", "What is wrong"],
    (160, 48): ["Due", "No.", "Unit", "Class", "Status", "What is wrong"],
    (200, 50): ["Due", "Then", "No.", "Unit", "Class", "Status", "Dept/person", "What is wrong"],
}


@pytest.mark.parametrize("size", list(SHOWN), ids=lambda s: f"{s[0]}x{s[1]}")
def test_the_columns_fit_the_pane_at_every_size(band_site, size):
    import asyncio

    async def go():
        app = make_app(band_site)
        async with app.run_test(size=size) as pilot:
            await sign_on(pilot, "R1")
            await pilot.press("2")
            await settle(pilot)
            table = app.screen.pane(2).table
            header = table.render_line(0).text
            assert header.split() == ["⚑", *" ".join(SHOWN[size]).split()], header
            assert cell_len(header.rstrip()) <= table.size.width
            text = "\n".join(table.render_line(y).text for y in range(1, table.row_count + 1))
            assert "跑水 water" in text                     # what is wrong, at every size
            if size == (200, 50):
                assert "complaint neighbour" in text and "engineering 张师傅" in text and "dispatched" in text
    asyncio.run(go())
