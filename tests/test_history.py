"""One history renderer: translated event names, "label: before → after" with values as on screen,
local time to the minute, the actor's code and name, and how long ago for older events."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from deskconsole import history, i18n, orders, people
from deskconsole.timefmt import local


@pytest.fixture
def order_with_extension(demo_site, clock):
    r1, s1 = people.find("R1"), people.find("S1")
    now = clock.now()
    order_id = orders.create_order(r1, now, demo_site.sla_engine(), sla_class="general_repair", unit_code="1-101",
                                   description="窗户关不上", department="engineering")
    orders.dispatch(r1, now, order_id, department="engineering", assignee="刘工")
    orders.request_extension(r1, now, demo_site.sla_engine(), order_id, until=datetime(2026, 11, 30, 9, 0, tzinfo=timezone.utc),
                             reason="等配件")
    orders.approve_extension(s1, now, order_id)
    return order_id


def test_a_history_line_in_chinese_with_local_time_and_who(demo_site, clock, order_with_extension):
    order_id = order_with_extension
    i18n.set_language("zh")
    lines = history.of("work_order", order_id, demo_site.tz, clock.now())
    texts = [line.text() for line in lines]
    asked = next(t for t in texts if "申请延期" in t)
    r1 = people.find("R1")
    assert asked.startswith(f"{local(clock.now(), demo_site.tz, 'MM-DD HH:mm')} R1 {r1.name} 申请延期：")
    assert "延至：11-30 17:00" in asked and "原因：等配件" in asked
    assert ":00.0" not in asked and "=" not in asked  # no microseconds, no field dumps
    dispatched = next(t for t in texts if "已派工" in t)
    assert "已登记 → 已派工" in dispatched and "维修人员：刘工" in dispatched
    signed = next(t for t in texts if "延期已签批" in t)
    assert "完成期限：" in signed and "→ 11-30 17:00" in signed and people.find("S1").name in signed


def test_older_events_say_how_long_ago_in_the_consoles_language(demo_site, clock, order_with_extension):
    order_id = order_with_extension
    later = clock.now() + timedelta(days=3)
    assert history.of("work_order", order_id, demo_site.tz, later)[0].ago == "3 days ago"
    i18n.set_language("zh")
    assert history.of("work_order", order_id, demo_site.tz, later)[0].ago == "3天前"
    assert history.of("work_order", order_id, demo_site.tz, clock.now())[0].ago == ""


def test_an_arrival_says_who_is_on_site_and_how_the_desk_heard(demo_site, clock):
    r1, g1 = people.find("R1"), people.find("G1")
    now = clock.now()
    order_id = orders.create_order(r1, now - timedelta(hours=1), demo_site.sla_engine(), sla_class="urgent_repair",
                                   unit_code="1-101", description="跑水", department="engineering")
    orders.dispatch(r1, now - timedelta(minutes=50), order_id, department="engineering", assignee="张师傅")
    orders.arrive(g1, now, order_id, at=now - timedelta(minutes=25), on_site="张师傅", reported_how="radio")
    line = history.of("work_order", order_id, demo_site.tz, now)[-1].text()
    assert line == (f"22:00 G1 {g1.name} on site: dispatched → on site; arrived: 11-24 21:35; on site: 张师傅; "
                    "reported by: radio").replace("22:00", local(now, demo_site.tz, "MM-DD HH:mm"))
    i18n.set_language("zh")
    line = history.of("work_order", order_id, demo_site.tz, now)[-1].text()
    assert "到场：11-24 21:35" in line and "已到场：张师傅" in line and "得知方式：对讲机" in line


def test_a_completion_says_how_the_owner_signed_off_in_the_consoles_language(demo_site, clock):
    """The owner's sign-off and a visit time the owner chose read as words, in Chinese too (they showed as
    "owner signoff: slip" and "booked by owner: 否")."""
    r1 = people.find("R1")
    now = clock.now()
    order_id = orders.create_order(r1, now - timedelta(hours=2), demo_site.sla_engine(), sla_class="general_repair",
                                   unit_code="1-101", description="水管漏水", department="engineering")
    orders.dispatch(r1, now - timedelta(hours=1), order_id, department="engineering", assignee="张师傅",
                    booked_visit_at=now - timedelta(minutes=30), owner_chose=True)
    orders.arrive(r1, now - timedelta(minutes=20), order_id, at=now - timedelta(minutes=25), on_site="张师傅")
    orders.complete(r1, now, order_id, work_done="换了水管", hours="1", signoff="slip", signed_by="王[b]小明")
    i18n.set_language("zh")
    texts = [line.text() for line in history.of("work_order", order_id, demo_site.tz, now)]
    done = next(t for t in texts if "已完成" in t)
    assert "业主验收方式：签字" in done and "签字人：王[b]小明" in done, done
    dispatched = next(t for t in texts if "已派工" in t)
    assert "业主约定时间：是" in dispatched, dispatched
    assert not any("owner" in t or "signoff" in t for t in texts), texts


def test_every_event_a_record_screen_can_show_has_a_name_in_chinese(demo_site):
    """The events of the records whose screens show a history (calls, orders, keys, log entries, handovers,
    the front desk's registers) each have a name of their own: none reads as its code ("visitor arrive").
    The actions: those the code names outright, and those the demo site's month of work wrote."""
    import pathlib
    import re
    from deskconsole.db import AuditEvent
    shown = ("call", "work_order", "key", "shift_log", "handover", "parcel", "visitor", "goods_pass", "lost_item")
    source = "".join(p.read_text(encoding="utf-8") for p in pathlib.Path(history.__file__).parent.glob("*.py"))
    actions = set(re.findall(r'audit\.record\([^,]+, "([a-z_.]+)", "(?:' + "|".join(shown) + ')"', source))
    actions |= {a for (a,) in AuditEvent.select(AuditEvent.action).where(AuditEvent.entity.in_(shown)).tuples()}
    assert {"call.add", "order.complete", "key.issue", "visitor.arrive", "lost.claim"} <= actions
    i18n.set_language("zh")
    unnamed = {a: history.event_name(a) for a in actions if re.search(r"[A-Za-z]", history.event_name(a))}
    assert unnamed == {}
