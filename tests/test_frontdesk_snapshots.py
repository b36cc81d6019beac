"""The Front desk pane's other registers at 80x24, fixed clock (22:00, the office shut): the
goods-release passes of the day, lost and found, and the visitors with a VIP expected and a
contractor still in after office hours. Hostile text shows literally."""
from __future__ import annotations

from datetime import timedelta

import pytest
from appkit import make_app, settle, sign_on

from deskconsole import frontdesk, people


@pytest.fixture
def desk_site(demo_site, clock):
    """Two passes of the day (one open for an authorised person, one move-out let out at the gate), one
    of yesterday; two found items (one claimed); a contractor in since 19:00 and a VIP due at 22:20."""
    g1, r1 = people.find("G1"), people.find("R1")
    now, engine = clock.now(), demo_site.sla_engine()
    frontdesk.issue_pass(g1, now - timedelta(days=1), engine, unit_code="2-1503", requester="昨天", requester_kind="owner",
                         items="旧床垫")
    frontdesk.issue_pass(r1, now - timedelta(hours=4), engine, unit_code="1-1203", requester="王[b]小明",
                         requester_kind="authorised", authorisation="业主书面授权", items="沙发一张，纸箱 3 个 [/x] \x1b[2J")
    moved = frontdesk.issue_pass(r1, now - timedelta(hours=5), engine, unit_code="2-1503", requester="Li Lei",
                                 requester_kind="tenant", items="TV, fridge", move_out=True,
                                 checked=frontdesk.MOVE_OUT_CHECKS)
    frontdesk.release_pass(g1, now - timedelta(minutes=30), moved, note="核对无误")
    frontdesk.record_found(g1, now - timedelta(days=2, hours=3), found_where="2 栋大堂", found_by="保洁 刘姐",
                           description="黑色钱包 [b]", stored_where="抽屉 2")
    claimed = frontdesk.record_found(g1, now - timedelta(hours=5), found_where="Car park [/x]", description="umbrella")
    frontdesk.claim_item(g1, now - timedelta(hours=1), claimed, claimant="张三", id_type="id_card", id_last4="1234")
    frontdesk.sign_in_visitor(g1, now - timedelta(hours=3), name="Contractor Li", destination="机房", purpose="维修空调",
                              host_confirmed_by="王工")
    frontdesk.expect_vip(r1, now - timedelta(hours=2), name="李总 [b]", arrives_at=now + timedelta(minutes=20),
                         leaves_at=now + timedelta(hours=2), destination="会议室", purpose="视察")
    return demo_site


def _register(key: str):
    async def show(pilot):
        await sign_on(pilot, "G1")
        await pilot.press("5", key)
        await settle(pilot)
    return show


@pytest.mark.parametrize("register", ["g", "f", "v"], ids=["passes", "lost_and_found", "visitors"])
def test_front_desk_register_80x24(snap_compare, desk_site, register):
    assert snap_compare(make_app(desk_site), terminal_size=(80, 24), run_before=_register(register))
