"""The Keys pane with overdue keys, a key out for a finished order and a lost key; the issue form
with a master key's note; a key's history. At 80x24 and 160x48, fixed clock."""
from __future__ import annotations

from datetime import timedelta

import pytest
from appkit import make_app, settle, sign_on

from deskconsole import keys, people
from deskconsole.db import Key, WorkOrder

SIZES = [(80, 24), (160, 48)]


@pytest.fixture
def key_site(demo_site, clock):
    """The demo's keys (five overdue at 22:00) plus: a contractor's key for an order that is done,
    and a key reported lost."""
    r1, s1 = people.find("R1"), people.find("S1")
    now = clock.now()
    keys.issue(r1, now - timedelta(hours=1), demo_site.sla_engine(), tag="PR-02", holder_kind="contractor", holder_name="周师傅",
               holder_company="[b]美的[/b]", holder_document="4403", order="WO00005", authorised_by=s1,
               due_at=now + timedelta(hours=1))
    WorkOrder.update(status="done", done_at=now - timedelta(minutes=10)).where(WorkOrder.id == 5).execute()
    keys.report(r1, now - timedelta(minutes=5), Key.get(Key.tag == "CA-04").id, kind="lost",
                note="掉在天台 [/x]")
    return demo_site


async def _keys_pane(pilot):
    await sign_on(pilot)
    await pilot.press("4")
    await settle(pilot)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_keys_pane(snap_compare, key_site, size):
    assert snap_compare(make_app(key_site), terminal_size=size, run_before=_keys_pane)


def test_issue_form_says_a_master_key_needs_a_supervisor(snap_compare, key_site):
    async def form(pilot):
        await _keys_pane(pilot)
        await pilot.press("n", *"MK-02")
        await pilot.pause()

    assert snap_compare(make_app(key_site), terminal_size=(80, 24), run_before=form)


def test_key_history(snap_compare, key_site):
    async def detail(pilot):
        await _keys_pane(pilot)
        await pilot.press("enter")
        await pilot.pause()

    assert snap_compare(make_app(key_site), terminal_size=(80, 24), run_before=detail)
