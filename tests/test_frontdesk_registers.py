"""The front desk's other registers, the rest of issue 20: VIP arrivals (expected ahead, the 15- and
10-minute preparations as reminders that ring once), visitors still in after office hours, the
passes of the day and lost and found as the pane reads them."""
from __future__ import annotations

import sqlite3
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from deskconsole import audit, bell, console_data, db, frontdesk, people, reports, shifts
from deskconsole.db import Visitor
from deskconsole.errors import Conflict, InvalidInput

FIXTURES = Path(__file__).parent / "fixtures"
NOON = datetime(2026, 11, 24, 2, 0, tzinfo=timezone.utc)   # 10:00 in Shanghai, a Tuesday: the office is open


@pytest.fixture
def ops(demo_site):
    return {code: people.find(code) for code in ("S1", "R1", "G1")}


@pytest.fixture
def engine(demo_site):
    return demo_site.sla_engine()


def expect(ops, now, **values):
    base = dict(name="李总 [b]", arrives_at=now + timedelta(minutes=40), leaves_at=now + timedelta(hours=2),
                destination="会议室", purpose="视察", host_confirmed_by="王经理")
    return frontdesk.expect_vip(ops["R1"], now, **(base | values))


# --- VIP arrivals ------------------------------------------------------------------------------

def test_an_expected_vip_has_no_time_in_and_the_greeting_is_due_15_minutes_before(ops, clock):
    now = clock.now()
    vid = expect(ops, now)
    (row,) = frontdesk.expected_vips()
    assert (row.id, row.vip, row.expected, row.on_site, row.arrived_at) == (vid, True, True, False, None)
    assert row.preparation == frontdesk.Preparation(vid, "greet", now + timedelta(minutes=25))
    # Not on site: neither listed nor counted as such; counted as expected.
    assert frontdesk.visitors_on_site() == []
    counts = frontdesk.counts(now)
    assert (counts.visitors_on_site, counts.vips_expected) == (0, 1)
    assert [v.id for v in frontdesk.recent_visitors()] == [vid]
    event = audit.history("visitor", vid)[-1]
    assert event["action"] == "visitor.expect" and "李总" not in str(event["data"])   # no name in the trail


def test_the_vip_arrives_then_the_send_off_is_due_10_minutes_before_the_departure(ops, clock):
    now = clock.now()
    vid = expect(ops, now)
    came = now + timedelta(minutes=38)
    frontdesk.vip_arrived(ops["G1"], came, vid)
    (row,) = frontdesk.visitors_on_site()
    assert (row.arrived_at, row.expected, row.on_site) == (came, False, True)
    assert row.preparation == frontdesk.Preparation(vid, "send_off", now + timedelta(hours=2) - timedelta(minutes=10))
    assert frontdesk.counts(came).vips_expected == 0
    with pytest.raises(Conflict):
        frontdesk.vip_arrived(ops["R1"], came, vid)             # once: another console was first
    frontdesk.sign_out_visitor(ops["G1"], now + timedelta(hours=2), vid)
    assert frontdesk.recent_visitors()[0].preparation is None
    assert [e["action"] for e in audit.history("visitor", vid)] == ["visitor.expect", "visitor.arrive",
                                                                    "visitor.sign_out"]


def test_a_vip_signed_out_before_arriving_did_not_come_and_is_no_visit(ops, demo_site, engine, clock):
    now = clock.now()
    vid = expect(ops, now)
    frontdesk.sign_out_visitor(ops["R1"], now + timedelta(hours=1), vid)
    row = frontdesk.recent_visitors()[0]
    assert (row.no_show, row.on_site, row.expected, row.preparation) == (True, False, False, None)
    assert audit.history("visitor", vid)[-1]["action"] == "visitor.no_show"
    day = now.astimezone(engine.tz).date()
    report = reports.compute(demo_site, engine, day.replace(day=1), day + timedelta(days=1), now + timedelta(hours=2))
    assert report.figure("frontdesk.visits").count == 0


@pytest.mark.parametrize("values, field", [
    ({"arrives_at": None}, "expected_at"),
    ({"arrives_at": "past"}, "expected_at"),
    ({"leaves_at": "before"}, "leaves_at"),
    ({"name": " \x1b[2J"}, "name"),
    ({"unit_code": "", "destination": ""}, "unit"),
])
def test_an_expected_vip_is_refused_at_the_field_that_is_wrong(ops, clock, values, field):
    now = clock.now()
    values = dict(values)
    if values.get("arrives_at") == "past":
        values["arrives_at"] = now - timedelta(minutes=1)
    if values.get("leaves_at") == "before":
        values["leaves_at"] = now + timedelta(minutes=10)      # before the arrival, 40 minutes on
    with pytest.raises(InvalidInput) as refused:
        expect(ops, now, **values)
    assert refused.value.field == field
    assert Visitor.select().count() == 0


def test_a_vip_signed_in_on_arrival_may_give_the_departure(ops, clock):
    now = clock.now()
    vid = frontdesk.sign_in_visitor(ops["G1"], now, name="王[b]小明", unit_code="1-1203", purpose="视察", vip=True,
                                    leaves_at=now + timedelta(minutes=30))
    (row,) = frontdesk.visitors_on_site()
    assert row.preparation == frontdesk.Preparation(vid, "send_off", now + timedelta(minutes=20))
    with pytest.raises(InvalidInput) as refused:
        frontdesk.sign_in_visitor(ops["G1"], now, name="x", unit_code="1-1203", purpose="y", leaves_at=now)
    assert refused.value.field == "leaves_at"


def test_a_preparation_rings_once_when_due_and_ends_with_the_arrival(ops, demo_site, engine, clock):
    now = clock.now()
    vid = expect(ops, now)
    greet = now + timedelta(minutes=25)
    data = console_data.load(demo_site, engine, now)
    key = f"vip:{vid}:greet:{int(greet.timestamp())}"
    assert key not in bell.standing(data, now)
    assert bell.next_change(data, now) <= greet
    assert key in bell.standing(data, greet)
    ringer = bell.Bell()
    others = bell.standing(data, greet) - {key}
    ringer.check(others, greet - timedelta(minutes=1))           # the demo's own alarms rang already
    assert ringer.check(bell.standing(data, greet), greet)        # the reminder: one ring
    assert not any(ringer.check(frozenset({key}), greet + timedelta(minutes=m)) for m in (5, 10, 30))
    frontdesk.vip_arrived(ops["G1"], greet + timedelta(minutes=20), vid)
    after = console_data.load(demo_site, engine, greet + timedelta(minutes=20))
    assert not any(a.startswith("vip:") for a in bell.standing(after, greet + timedelta(minutes=20)))


# --- after office hours ------------------------------------------------------------------------

def test_a_visitor_on_site_is_after_hours_while_the_office_is_shut(ops, engine, clock):
    frontdesk.sign_in_visitor(ops["G1"], NOON, name="Contractor Li", destination="机房", purpose="维修")
    (row,) = frontdesk.visitors_on_site()
    assert not row.after_hours(NOON, engine)                      # 10:00 on a Tuesday
    assert row.after_hours(clock.now(), engine)                   # 22:00 the same day
    assert row.after_hours(NOON + timedelta(days=4), engine)      # 10:00 on the Saturday


def test_the_handover_marks_visitors_in_after_hours_and_lists_the_vips_expected(ops, demo_site, engine, clock):
    now = clock.now()
    inside = frontdesk.sign_in_visitor(ops["G1"], NOON, name="张[b]三", unit_code="1-1203", purpose="装修")
    vip = expect(ops, now)
    sheet = shifts.compile_handover(demo_site, engine, now)
    sections = {s["id"]: s["items"] for s in sheet["sections"]}
    (visitor,) = sections["visitors"]
    assert (visitor["key"], visitor["status"], visitor["flags"]) == (f"visitor:{inside}", "after_hours", ["after_hours"])
    assert [i["key"] for i in sections["vips"]] == [f"visitor:{vip}"]
    handover_id = shifts.begin_handover(ops["G1"], now, engine, config=demo_site)
    text = shifts.render_sheet(shifts.handover(handover_id), "Asia/Shanghai")
    assert "after hours" in text and "张[b]三" in text and "VIPs expected (1)" in text
    # In office hours the same visitor is not marked.
    day = shifts.compile_handover(demo_site, engine, NOON + timedelta(hours=1))
    (visitor,) = next(s["items"] for s in day["sections"] if s["id"] == "visitors")
    assert visitor["flags"] == [] and visitor["status"] == ""


# --- passes of the day, lost and found ---------------------------------------------------------

def issue(ops, now, engine, **values):
    base = dict(unit_code="1-1203", requester="王[b]小明", requester_kind="owner", items="沙发 [/x] \x1b[2J")
    return frontdesk.issue_pass(ops["G1"], now, engine, **(base | values))


def test_the_passes_of_the_day_open_first_then_released_yesterdays_gone(ops, engine, clock):
    now = clock.now()
    yesterday = issue(ops, now - timedelta(days=1), engine)
    released = issue(ops, now - timedelta(hours=3), engine)
    frontdesk.release_pass(ops["G1"], now - timedelta(hours=2), released)
    open_ = issue(ops, now - timedelta(hours=1), engine)
    rows = frontdesk.todays_passes(now, engine)
    assert [p.id for p in rows] == [open_, released]
    assert rows[0].items == "沙发 [/x]"              # escape sequences stripped whole at the boundary, brackets kept
    assert frontdesk.counts(now).passes_open == 1
    assert yesterday not in [p.id for p in rows]
    # After midnight the day's passes are yesterday's: none open, none listed.
    assert frontdesk.todays_passes(now + timedelta(hours=3), engine) == []


def test_lost_and_found_lists_the_kept_then_the_claimed(ops, clock):
    now = clock.now()
    wallet = frontdesk.record_found(ops["G1"], now - timedelta(days=2), found_where="2 栋大堂",
                                    description="黑色钱包 [b]", stored_where="抽屉 2")
    umbrella = frontdesk.record_found(ops["G1"], now - timedelta(hours=5), found_where="车库", description="伞")
    frontdesk.claim_item(ops["R1"], now, umbrella, claimant="张三", id_type="passport", id_last4="123x")
    rows = frontdesk.recent_found()
    assert [(i.id, i.status) for i in rows] == [(wallet, "kept"), (umbrella, "claimed")]
    assert (rows[1].claimant, rows[1].id_type, rows[1].handed_by, rows[0].recorded_by) == ("张三", "passport", "R1", "G1")
    assert frontdesk.counts(now).found_kept == 1


# --- schema 5 ----------------------------------------------------------------------------------

def test_a_version_4_database_keeps_its_visits_and_may_expect_vips(tmp_path):
    path = tmp_path / "v4.db"
    conn = sqlite3.connect(path)
    conn.executescript((FIXTURES / "schema_v4.sql").read_text())
    conn.execute("INSERT INTO staff (code, name, role, pin_hash, active, failed_attempts, created_at, pin_one_time) "
                 "VALUES ('G1', '王强', 'guard', '', 1, 0, '2026-11-01 00:00:00.000000', 0)")
    conn.execute("INSERT INTO visitor (arrived_at, signed_in_by_id, name, party_size, destination, purpose, "
                 "host_confirmed_by, pass_no, id_type, id_last4, phone, vip, updated_at) VALUES "
                 "('2026-11-24 13:00:00.000000', 1, '张[b]三', 2, '机房', '维修', '', 'V-07', '', '', '', 0, "
                 "'2026-11-24 13:00:00.000000')")
    conn.commit()
    conn.close()
    db.connect("sqlite:///" + str(path))
    assert db.schema_version() == db.SCHEMA_VERSION
    (row,) = frontdesk.visitors_on_site()
    assert (row.name, row.party_size, row.pass_no, row.expected_at) == ("张[b]三", 2, "V-07", None)
    assert {"visitor_arrived_at", "visitor_left_at"} <= {i.name for i in db.database.get_indexes("visitor")}
    g1 = people.find("G1")
    now = datetime(2026, 11, 24, 14, 0, tzinfo=timezone.utc)
    vid = frontdesk.expect_vip(g1, now, name="李总", arrives_at=now + timedelta(hours=1), destination="会议室",
                               purpose="视察")
    assert Visitor.get_by_id(vid).arrived_at is None
