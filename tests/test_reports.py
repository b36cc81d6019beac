"""Monthly figures (deskconsole.reports): a month seeded by hand, each figure counted by hand.

September 2026 is empty in the demo database (its calls start in late October), so the month
below holds exactly what this file writes, through the desk functions a console would call.
"""
from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from conftest import NOW

from deskconsole import calls, i18n, keys, orders, people, reports
from deskconsole.db import Key, Unit
from deskconsole.errors import InvalidInput

SH = ZoneInfo("Asia/Shanghai")


def sh(mo, d, h=0, mi=0):
    return datetime(2026, mo, d, h, mi, tzinfo=SH).astimezone(UTC)


def key_id(tag: str) -> int:
    return Key.get(Key.tag == tag).id


@pytest.fixture
def month(demo_site):
    """September 2026 at the demo site. Returns the config, the engine and the ids by name."""
    engine = demo_site.sla_engine()
    s1, r1, g1 = (people.find(code) for code in ("S1", "R1", "G1"))
    ids = {}

    def call(at, category, channel, text, unit="1-101", **extra):
        return calls.add_call(r1, at, phone="13800000000", caller="王[b]小明", unit_code=unit,
                              category=category, channel=channel, text=text, **extra)

    def order(at, sla_class, call_id=None, **extra):
        values = dict(unit_code="1-101", description="[/x] \x1b[2J 漏水", department="engineering") | extra
        return orders.create_order(r1, at, engine, sla_class=sla_class, call_id=call_id, **values)

    def work(order_id, dispatched, arrived, done, **complete):
        orders.dispatch(r1, dispatched, order_id, department="engineering")
        orders.arrive(r1, arrived, order_id)
        orders.complete(r1, done, order_id, work_done="修好了", **complete)

    # o1: a repair call, on time throughout, called back satisfied.
    ids["c1"] = call(sh(9, 7, 10), "repair", "phone", "下水道堵了")
    ids["o1"] = order(sh(9, 7, 10), "urgent_repair", ids["c1"])
    work(ids["o1"], sh(9, 7, 10, 5), sh(9, 7, 10, 20), sh(9, 7, 20))
    orders.callback(r1, sh(9, 8, 10), engine, ids["o1"], satisfied=True)
    # o2: a complaint, done late (12:00 against 11:00), the owner unhappy: reopened, redone in time,
    # then satisfied. Judged by its last round (on time); it is not "right the first time".
    ids["c2"] = call(sh(9, 8, 9), "complaint", "walk_in", "噪音")
    ids["o2"] = order(sh(9, 8, 9), "complaint_impact", ids["c2"])
    work(ids["o2"], sh(9, 8, 9, 10), sh(9, 8, 10), sh(9, 8, 12))
    orders.callback(r1, sh(9, 8, 14), engine, ids["o2"], satisfied=False, note="还是吵")
    work(ids["o2"], sh(9, 8, 14, 10), sh(9, 8, 14, 30), sh(9, 8, 15))
    orders.callback(r1, sh(9, 8, 15, 30), engine, ids["o2"], satisfied=True)
    # o3: an emergency reached late (22:25 against 22:10), done in time, not called back.
    ids["c3"] = call(sh(9, 9, 22), "emergency", "patrol", "水浸车库")
    ids["o3"] = order(sh(9, 9, 22), "emergency", ids["c3"])
    work(ids["o3"], sh(9, 9, 22, 1), sh(9, 9, 22, 25), sh(9, 9, 23))
    ids["c4"] = call(sh(9, 10, 11), "inquiry", "phone", "物业费怎么交")
    # o4: a complaint whose order was cancelled: not an effective complaint, not counted.
    ids["c5"] = call(sh(9, 14, 8, 30), "complaint", "phone", "投诉保安")
    ids["o4"] = order(sh(9, 14, 8, 30), "complaint_other", ids["c5"])
    orders.cancel(r1, sh(9, 14, 9), ids["o4"], reason="业主撤回")
    ids["c6"] = call(sh(9, 15, 10), "other", "staff", "写错了")
    calls.void_call(s1, sh(9, 15, 10, 5), ids["c6"], reason="重复")
    # The month's last minute is in; the next month's first is not.
    ids["c7"] = call(sh(9, 30, 23, 59), "message", "intercom", "请回电", message_for="王经理")
    ids["c8"] = call(sh(10, 1, 0, 1), "repair", "phone", "十月的")
    # o5: chargeable general repair, Monday 10:00 -> due Thursday 10:00; extended to the 18th,
    # done on the 16th: on time by the extension, late by the original deadline.
    ids["o5"] = order(sh(9, 7, 10), "general_repair", chargeable=True, fee_agreed="80")
    orders.request_extension(r1, sh(9, 9, 9), engine, ids["o5"], until=sh(9, 18, 17), reason="等配件")
    orders.approve_extension(s1, sh(9, 9, 10), ids["o5"])
    work(ids["o5"], sh(9, 15, 9), sh(9, 15, 10), sh(9, 16, 10))
    # o6: logged on the 30th at 20:00, never dispatched: overdue since 20:30 that evening.
    ids["o6"] = order(sh(9, 30, 20), "urgent_repair", department="")
    # o7: returned (退单) by a supervisor.
    ids["o7"] = order(sh(9, 16, 10), "simple_repair")
    orders.return_order(s1, sh(9, 16, 11), ids["o7"], reason="业主家无人")
    # o8: logged in August, chargeable, completed in September: its fee is September's.
    ids["o8"] = order(sh(8, 31, 20), "general_repair", chargeable=True, fee_agreed="50.5")
    work(ids["o8"], sh(9, 1, 9), sh(9, 1, 10), sh(9, 2, 10))
    # Keys: one back late, one back on time, one lost.
    ids["l1"] = keys.issue(r1, sh(9, 7, 9), engine, tag="PR-02", holder_kind="staff", holder_name="G2",
                           due_at=sh(9, 7, 17))
    keys.return_key(r1, sh(9, 7, 19), key_id("PR-02"))
    ids["l2"] = keys.issue(r1, sh(9, 8, 9), engine, tag="PR-03", holder_kind="staff", holder_name="G2",
                           due_at=sh(9, 8, 17))
    keys.return_key(r1, sh(9, 8, 16), key_id("PR-03"))
    keys.issue(r1, sh(9, 20, 9), engine, tag="PR-04", holder_kind="staff", holder_name="G1",
               due_at=sh(9, 20, 17))
    ids["k_lost"] = keys.report(g1, sh(9, 20, 12), key_id("PR-04"), kind="lost", note="巡逻时丢了")
    return demo_site, engine, ids


def compute(site, engine):
    return reports.compute(site, engine, date(2026, 9, 1), date(2026, 9, 30), NOW)


def ids_of(figure) -> set[int]:
    return {r.id for r in figure.records}


def test_calls_by_category_and_channel(month):
    site, engine, ids = month
    report = compute(site, engine)
    total = report.figure("calls.total")
    assert total.count == 6
    assert ids_of(total) == {ids[c] for c in ("c1", "c2", "c3", "c4", "c5", "c7")}
    counts = {f.id: f.count for f in report.figures if f.section in ("calls", "channels")}
    assert counts == {
        "calls.total": 6, "calls.void": 1,
        "calls.category.inquiry": 1, "calls.category.repair": 1, "calls.category.complaint": 2,
        "calls.category.emergency": 1, "calls.category.message": 1, "calls.category.other": 0,
        "calls.channel.phone": 3, "calls.channel.walk_in": 1, "calls.channel.intercom": 1,
        "calls.channel.letter": 0, "calls.channel.patrol": 1, "calls.channel.staff": 0,
    }
    assert ids_of(report.figure("calls.void")) == {ids["c6"]}


def test_orders_by_class_and_department(month):
    site, engine, ids = month
    report = compute(site, engine)
    assert ids_of(report.figure("orders.total")) == {ids[o] for o in ("o1", "o2", "o3", "o5", "o6", "o7")}
    assert ids_of(report.figure("orders.cancelled")) == {ids["o4"]}
    assert report.figure("orders.class.urgent_repair").count == 2
    assert report.figure("orders.class.general_repair").count == 1      # o8 is August's
    assert report.figure("orders.class.complaint_other").count == 0     # cancelled
    assert report.figure("orders.department.engineering").count == 5
    assert ids_of(report.figure("orders.department.none")) == {ids["o6"]}
    assert sum(f.count for f in report.figures if f.section == "departments") == 6


def test_timeliness_counts_an_approved_extension_as_the_deadline_and_shows_it_apart(month):
    site, engine, ids = month
    report = compute(site, engine)
    timely = report.figure("timeliness.rate")
    # 及时率 is a repair figure. Judged: o1 o3 o5 o6 (o2 is a complaint, o7 returned).
    # On time: o1, o5 (extended before its deadline). o3 was reached late, o6 never dispatched.
    assert (timely.count, timely.total) == (2, 4)
    assert ids_of(timely) == {ids["o1"], ids["o5"]}
    assert timely.rate == Decimal(2) / 4 and timely.missed
    respond = report.figure("timeliness.respond")          # o1 yes; o3 late; o6 never
    assert (respond.count, respond.total) == (1, 3)
    resolve = report.figure("timeliness.resolve")          # o6 is the only one not done in time
    assert (resolve.count, resolve.total) == (3, 4)
    assert ids_of(report.figure("timeliness.extended")) == {ids["o5"]}
    original = report.figure("timeliness.original")        # o5 misses without its extension
    assert (original.count, original.total) == (1, 4)
    # o2 was done late the first time: reopened and redone in time, it stays late.
    complaints = report.figure("timeliness.complaints")
    assert (complaints.count, complaints.total) == (0, 1)
    assert ids_of(report.figure("timeliness.overdue")) == {ids["o2"], ids["o3"], ids["o6"]}
    assert ids_of(report.figure("timeliness.returned")) == {ids["o7"]}
    assert report.figure("timeliness.running").count == 0
    line = next(o for o in report.orders if o.id == ids["o5"])
    assert line.original_resolve_due_at == sh(9, 10, 10) and line.resolve_due_at == sh(9, 18, 17)
    assert line.timely is True and line.extensions == 1


def test_quality_callbacks_and_satisfaction_with_their_samples(month):
    site, engine, ids = month
    report = compute(site, engine)
    first = report.figure("quality.first_time")            # called back: o1 (accepted), o2 (reopened)
    assert (first.count, first.total) == (1, 2) and ids_of(first) == {ids["o1"]}
    called = report.figure("quality.callback")             # o1, o2 called back; o3, o5 not: 50 % is the rule
    assert (called.count, called.total) == (2, 4) and not called.missed
    major = report.figure("quality.callback.major")        # no complaint was marked major
    assert (major.count, major.total) == (0, 0) and not major.missed
    # Call-backs made in September: o1 satisfied; o2 unsatisfied then satisfied. 2 of 3 < 90 %.
    satisfied = report.figure("quality.satisfaction")
    assert (satisfied.count, satisfied.total) == (2, 3) and satisfied.missed
    assert ids_of(satisfied) == {ids["o1"], ids["o2"]}
    handled = report.figure("quality.handled")             # o2's area check not recorded yet
    assert (handled.count, handled.total) == (0, 1) and handled.missed


def test_complaints_effective_per_occupied_unit(month):
    site, engine, ids = month
    assert ids_of(compute(site, engine).figure("complaints.unverified")) == {ids["c2"]}
    orders.verify_complaint(people.find("S1"), sh(10, 2, 9), ids["o2"], effective=True)
    report = compute(site, engine)
    assert ids_of(report.figure("complaints.total")) == {ids["c2"], ids["c5"]}
    effective = report.figure("complaints.effective")
    households = Unit.select().where(Unit.handed_over).count()
    assert (effective.count, effective.total) == (1, households)
    assert ids_of(effective) == {ids["c2"]}
    assert effective.missed is (Decimal(1) / households >= Decimal("0.02"))
    assert report.figure("complaints.unverified").count == 0
    replied = report.figure("complaints.replied")          # o2 was handled: its written reply is not sent
    assert (replied.count, replied.total) == (0, 1)


def test_keys_and_fees(month):
    site, engine, ids = month
    report = compute(site, engine)
    assert ids_of(report.figure("keys.overdue")) == {ids["l1"]}
    assert ids_of(report.figure("keys.lost")) == {ids["k_lost"]}
    assert report.figure("keys.broken").count == 0
    fees = report.figure("fees.total")
    assert fees.amount == Decimal("130.50") and ids_of(fees) == {ids["o5"], ids["o8"]}
    assert report.figure("fees.agreed").amount == Decimal("130.50")
    collected = report.figure("fees.collected")
    assert (collected.count, collected.total, collected.amount) == (0, 2, Decimal(0)) and collected.missed
    orders.collect_fee(people.find("R1"), sh(9, 20, 10), ids["o8"], amount="50.5")
    collected = compute(site, engine).figure("fees.collected")
    assert (collected.count, collected.amount) == (1, Decimal("50.50")) and ids_of(collected) == {ids["o8"]}


def test_day_by_day_calls_and_orders_falling_overdue(month):
    site, engine, ids = month
    report = compute(site, engine)
    assert [d.day for d in report.days] == [date(2026, 9, 1) + timedelta(days=n) for n in range(30)]
    by_day = {d.day.day: ({r.id for r in d.calls}, {r.id for r in d.overdue}) for d in report.days}
    assert by_day[7] == ({ids["c1"]}, set())
    assert by_day[8] == ({ids["c2"]}, {ids["o2"]})         # done late the first time: stays late
    assert by_day[9] == ({ids["c3"]}, {ids["o3"]})         # reached late that night
    assert by_day[10] == ({ids["c4"]}, set())               # o5 was extended before its deadline
    assert by_day[30] == ({ids["c7"]}, {ids["o6"]})
    assert sum(len(d.calls) for d in report.days) == report.figure("calls.total").count


def test_user_text_in_records_is_one_clean_line(month):
    site, engine, ids = month
    report = compute(site, engine)
    record = next(r for r in report.figure("orders.total").records if r.id == ids["o1"])
    assert "\x1b" not in record.summary and "\n" not in record.summary
    assert "[/x]" in record.summary and record.number == orders.number(ids["o1"])
    call = next(r for r in report.figure("calls.total").records if r.id == ids["c1"])
    assert "王[b]小明" in call.summary


def test_a_figure_without_a_sample_is_not_marked_missed(empty_site):
    report = reports.compute(empty_site, empty_site.sla_engine(), date(2026, 9, 1), date(2026, 9, 30), NOW)
    for figure in report.figures:
        assert not figure.missed, figure.id
        assert figure.count == 0
    assert report.figure("timeliness.rate").rate is None


def test_ranges_are_read_and_refused_at_their_field():
    assert reports.month_range("2026-02") == (date(2026, 2, 1), date(2026, 2, 28))
    assert reports.parse_day(" 2026-11-24 ", "start") == date(2026, 11, 24)
    for bad in ("2026-13", "Nov", "", "2026-11-01"):
        with pytest.raises(InvalidInput) as refused:
            reports.month_range(bad)
        assert refused.value.field == "month"
    with pytest.raises(InvalidInput) as refused:
        reports.parse_day("24/11/2026", "start")
    assert refused.value.field == "start"
    with pytest.raises(InvalidInput) as refused:
        reports.check_range(date(2026, 11, 2), date(2026, 11, 1))
    assert refused.value.field == "end"
    with pytest.raises(InvalidInput):
        reports.check_range(date(2025, 1, 1), date(2026, 11, 1))


def test_labels_follow_the_language(month):
    site, engine, _ids = month
    i18n.set_language("zh")
    report = compute(site, engine)
    assert report.figure("timeliness.rate").label != "On time (respond and resolve)"
    assert reports.section_title("keys") != "Keys"
