"""Work orders (deskconsole.orders) and `deskconsole sla`: deadlines, transitions, refusals, races, reminders."""
from __future__ import annotations

import json
import re
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from deskconsole import audit, cli, db, orders, people, timefmt
from deskconsole.errors import Conflict, InvalidInput, PermissionDenied, explain

SH = ZoneInfo("Asia/Shanghai")


def sh(y, mo, d, h=0, mi=0):
    return datetime(y, mo, d, h, mi, tzinfo=SH).astimezone(timezone.utc)


@pytest.fixture
def engine(demo_site):
    return demo_site.sla_engine()


@pytest.fixture
def staff(demo_site):
    return {code: people.find(code) for code in ("S1", "S2", "R1", "R2", "G1")}


def new(engine, staff, now, sla_class="general_repair", **fields) -> int:
    values = dict(unit_code="1-101", description="窗户关不上", department="engineering") | fields
    return orders.create_order(staff["R1"], now, engine, sla_class=sla_class, **values)


def stored(order_id):
    return db.WorkOrder.get_by_id(order_id)


# --- the SLA table through create_order and the command line ----------------------------

CASES = [
    # Friday evening 2026-11-27 19:30: working clocks start Monday 08:00.
    ("general_repair", sh(2026, 11, 27, 19, 30), None, sh(2026, 12, 2, 17, 0)),
    ("simple_repair", sh(2026, 11, 27, 19, 30), None, sh(2026, 11, 30, 12, 30)),
    ("emergency", sh(2026, 11, 27, 19, 30), sh(2026, 11, 27, 19, 40), sh(2026, 11, 28, 19, 30)),
    ("complaint_other", sh(2026, 11, 27, 19, 30), sh(2026, 11, 28, 3, 30), sh(2026, 12, 2, 17, 0)),
    # National Day 2026: Sep 30 16:00 -> 1 h, then Oct 8, Oct 9, adjusted working Saturday Oct 10.
    ("hazard", sh(2026, 9, 30, 16, 0), sh(2026, 9, 30, 16, 10), sh(2026, 10, 10, 16, 0)),
    ("inquiry", sh(2026, 9, 30, 16, 0), sh(2026, 9, 30, 16, 30), sh(2026, 10, 9, 16, 0)),
    # Adjusted working Sunday 2026-09-20: an order of Saturday the 19th starts counting on it.
    ("simple_repair", sh(2026, 9, 19, 10, 0), None, sh(2026, 9, 20, 12, 30)),
    ("general_repair", sh(2026, 9, 19, 10, 0), None, sh(2026, 9, 22, 17, 0)),
    # Edges of office hours.
    ("simple_repair", sh(2026, 11, 24, 8, 0), None, sh(2026, 11, 24, 12, 30)),
    ("simple_repair", sh(2026, 11, 24, 7, 59), None, sh(2026, 11, 24, 12, 30)),
    ("simple_repair", sh(2026, 11, 24, 12, 30), None, sh(2026, 11, 24, 17, 0)),
    ("simple_repair", sh(2026, 11, 24, 12, 31), None, sh(2026, 11, 25, 8, 1)),
    ("simple_repair", sh(2026, 11, 24, 17, 0), None, sh(2026, 11, 25, 12, 30)),
    ("complaint_impact", sh(2026, 11, 24, 16, 30), None, sh(2026, 11, 24, 18, 30)),
]


@pytest.mark.parametrize("sla_class, logged, respond, resolve", CASES)
def test_create_order_stores_the_deadlines_of_the_table(engine, staff, sla_class, logged, respond, resolve):
    order = stored(new(engine, staff, logged, sla_class))
    assert (order.respond_due_at, order.resolve_due_at) == (respond, resolve)


@pytest.mark.parametrize("sla_class, logged, respond, resolve", CASES[::2])
def test_the_command_line_agrees_with_create_order(demo_site, engine, staff, capsys, sla_class, logged, respond,
                                                   resolve):
    order = stored(new(engine, staff, logged, sla_class))
    start = logged.astimezone(SH).strftime("%Y-%m-%dT%H:%M")   # no offset: the site's local time
    assert cli.main(["sla", sla_class, "--from", start, "--json", "--db", demo_site.db_url]) == 0
    answer = json.loads(capsys.readouterr().out)
    iso = lambda dt: dt.astimezone(SH).isoformat() if dt else None  # noqa: E731
    assert answer == {"class": sla_class, "respond": iso(order.respond_due_at), "resolve": iso(order.resolve_due_at),
                      "calendar_guess": []}
    assert answer["resolve"].endswith("+08:00")


def test_sla_lists_the_site_catalogue_with_overrides(tmp_path, capsys):
    site = tmp_path / "site.toml"
    site.write_text('[sla.urgent_repair]\nresolve = "12h"\n[sla.lift_stuck]\nrespond = "5min"\n')
    assert cli.main(["sla", "--db", str(tmp_path / "d.db"), "--site", str(site), "--lang", "en"]) == 0
    out = capsys.readouterr().out
    assert "urgent_repair            30min 24/7    12h 24/7" in out
    assert "lift_stuck" in out and "general_repair" in out and "3wd" in out
    assert cli.main(["sla", "nonsense", "--db", str(tmp_path / "d.db")]) == 2
    assert cli.main(["sla", "hazard", "--from", "yesterday", "--db", str(tmp_path / "d.db")]) == 2


def test_sla_from_with_an_offset(tmp_path, capsys):
    assert cli.main(["sla", "emergency", "--from", "2026-10-01T00:00:00+00:00", "--json",
                     "--db", str(tmp_path / "d.db")]) == 0
    assert json.loads(capsys.readouterr().out) == {
        "class": "emergency", "respond": "2026-10-01T08:10:00+08:00", "resolve": "2026-10-02T08:00:00+08:00",
        "calendar_guess": []}


# --- creation --------------------------------------------------------------------------

@pytest.mark.parametrize("change, field", [
    (dict(unit_code="9-9999"), "unit"),
    (dict(unit_code="", location=""), "unit"),
    (dict(sla_class="gossip"), "sla_class"),
    (dict(description="  "), "description"),
    (dict(description="x" * 2001), "description"),
    (dict(department="catering"), "department"),
    (dict(chargeable=True), "fee"),
    (dict(chargeable=True, fee_agreed="eighty"), "fee"),
    (dict(chargeable=True, fee_agreed="-5"), "fee"),
    (dict(chargeable=False, fee_agreed="50"), "fee"),
])
def test_create_refusals_name_the_field(engine, staff, clock, change, field):
    count = db.WorkOrder.select().count()
    values = dict(sla_class="general_repair", unit_code="1-101", description="x") | change
    with pytest.raises(InvalidInput) as err:
        orders.create_order(staff["R1"], clock.now(), engine, **values)
    assert err.value.field == field
    assert db.WorkOrder.select().count() == count


def test_chargeable_fee_is_agreed_before_work_and_charged_when_done(engine, staff, clock):
    order_id = new(engine, staff, clock.now(), chargeable=True, fee_agreed="80")
    assert stored(order_id).fee_agreed == Decimal("80.00")
    orders.dispatch(staff["R1"], clock.now(), order_id, department="engineering")
    orders.arrive(staff["G1"], clock.now(), order_id)
    orders.complete(staff["R1"], clock.now(), order_id, work_done="换锁芯", materials="锁芯 1", hours="0.5")
    assert (stored(order_id).fee, stored(order_id).hours) == (Decimal("80.00"), Decimal("0.5"))


def test_calls_can_create_an_order_with_the_agreed_signature(engine, staff, clock):
    order_id = orders.create_order(staff["G1"], clock.now(), engine, sla_class="urgent_repair",
                                   description="马桶堵了", unit_code="1-1203", location="", department="",
                                   call_id=None)
    assert stored(order_id).status == "logged"


# --- transitions -----------------------------------------------------------------------

def test_the_whole_life_of_an_order_is_in_its_history(engine, staff, clock):
    now = clock.now()
    order_id = new(engine, staff, now, "urgent_repair")
    orders.dispatch(staff["R1"], now, order_id, department="engineering", assignee="张师傅",
                    booked_visit_at=now + timedelta(hours=1))
    orders.arrive(staff["G1"], now + timedelta(minutes=20), order_id)
    orders.add_note(staff["G1"], now + timedelta(minutes=25), order_id, text="师傅说要换管 [b]")
    orders.complete(staff["R2"], now + timedelta(hours=1), order_id, work_done="换管")
    assert orders.callback(staff["R1"], now + timedelta(hours=2), engine, order_id, satisfied=True) == "closed"
    order = stored(order_id)
    assert (order.status, order.responded_at, order.satisfied) == ("closed", now + timedelta(minutes=20), True)
    actions = [e["action"] for e in audit.history("work_order", order_id)]
    assert actions == ["order.create", "order.dispatch", "order.arrive", "order.note", "order.complete",
                       "order.callback"]
    assert audit.verify_chain() == []


def test_arrival_says_who_is_on_site_how_the_desk_heard_and_since_when(engine, staff, clock):
    """Who and how have no column: they are in the audit event (no schema step); the respond clock
    stops at the time they got there, not when the desk wrote it down."""
    now = clock.now()
    order_id = new(engine, staff, now - timedelta(minutes=40), "urgent_repair")
    orders.dispatch(staff["R1"], now - timedelta(minutes=30), order_id, department="engineering", assignee="张师傅",
                    booked_visit_at=now - timedelta(minutes=20))
    orders.arrive(staff["G1"], now, order_id, at=now - timedelta(minutes=12), on_site="  张师傅\x1b[2J ",
                  reported_how="radio")
    order = stored(order_id)
    assert (order.status, order.responded_at, order.visit_late_minutes) == ("on_site", now - timedelta(minutes=12), 8)
    event = audit.history("work_order", order_id)[-1]
    assert event["at"] == now and timefmt.stored(event["data"]["arrived_at"]) == now - timedelta(minutes=12)
    assert (event["data"]["on_site_by"], event["data"]["reported_how"]) == ("张师傅", "radio")   # escapes cleaned


@pytest.mark.parametrize("change, field, words", [
    (dict(at=timedelta(minutes=1)), "arrived_at", "still to come"),
    (dict(at=-timedelta(minutes=31)), "arrived_at", "before the order was dispatched (11-24 21:30)"),
    (dict(on_site="  "), "on_site", "who is on site"),
    (dict(on_site="张" * 61), "on_site", "at most 60"),
    (dict(reported_how="fax"), "reported_how", "by phone, by radio or in person"),
])
def test_arrival_refusals_name_the_field(engine, staff, clock, demo_site, change, field, words):
    now = clock.now()
    order_id = new(engine, staff, now - timedelta(minutes=40), "urgent_repair")
    orders.dispatch(staff["R1"], now - timedelta(minutes=30, seconds=-20), order_id, department="engineering")
    if "at" in change:
        change = dict(change, at=now + change["at"])
    with pytest.raises(InvalidInput) as refused:
        orders.arrive(staff["G1"], now, order_id, **change)
    assert refused.value.field == field and words in explain(refused.value, demo_site.tz)
    assert stored(order_id).status == "dispatched"


def test_arrival_in_the_minute_of_the_dispatch_and_before_a_reopening(engine, staff, clock):
    """The desk types minutes: the dispatch's own minute counts. A reopened order's arrival is after
    the call-back that reopened it."""
    now = clock.now()
    order_id = new(engine, staff, now - timedelta(hours=3), "urgent_repair")
    orders.dispatch(staff["R1"], now - timedelta(hours=2, seconds=-30), order_id, department="engineering")
    orders.arrive(staff["G1"], now, order_id, at=now - timedelta(hours=2), on_site="刘工")
    orders.complete(staff["R1"], now, order_id, work_done="修好")
    orders.callback(staff["R1"], now + timedelta(minutes=5), engine, order_id, satisfied=False, note="还漏")
    with pytest.raises(InvalidInput, match="reopened"):
        orders.arrive(staff["G1"], now + timedelta(minutes=10), order_id, at=now, on_site="刘工")
    orders.arrive(staff["G1"], now + timedelta(minutes=10), order_id, at=now + timedelta(minutes=6), on_site="刘工")
    assert stored(order_id).status == "on_site"


def test_a_time_typed_for_an_arrival_is_the_last_one_gone(demo_site, clock):
    """09:50 typed at 22:00 is this morning's; 23:50 typed at 00:10 last night's; 22:10 typed at 22:00 a
    slip, ten minutes to come (refused as such by arrive), not last night's."""
    now = clock.now()   # 22:00 in Shanghai
    tz = demo_site.tz
    assert orders.parse_local("21:40", tz, now, "at", gone=True) == now - timedelta(minutes=20)
    assert orders.parse_local("09:50", tz, now, "at", gone=True) == now - timedelta(hours=12, minutes=10)
    assert orders.parse_local("22:10", tz, now, "at", gone=True) == now + timedelta(minutes=10)
    assert orders.parse_local("23:30", tz, now, "at", gone=True) == now - timedelta(hours=22, minutes=30)
    after_midnight = now + timedelta(hours=2, minutes=10)
    assert orders.parse_local("23:50", tz, after_midnight, "at", gone=True) == now + timedelta(hours=1, minutes=50)
    assert orders.parse_local("21:40", tz, now, "at") == now + timedelta(hours=23, minutes=40)   # without: to come
    assert orders.parse_local("", tz, now, "at", gone=True) is None


def test_an_unsatisfied_call_back_reopens_with_a_new_resolve_clock(engine, staff, clock):
    now = clock.now()   # Tuesday 22:00
    order_id = new(engine, staff, now, "emergency")
    orders.dispatch(staff["R1"], now, order_id, department="engineering")
    orders.arrive(staff["R1"], now, order_id)
    orders.complete(staff["R1"], now, order_id, work_done="关阀")
    later = now + timedelta(hours=30)
    with pytest.raises(InvalidInput) as err:
        orders.callback(staff["R1"], later, engine, order_id, satisfied=False)
    assert err.value.field == "note"
    assert orders.callback(staff["R1"], later, engine, order_id, satisfied=False, note="还在漏") == "reopened"
    order = stored(order_id)
    assert (order.status, order.resolve_due_at, order.reopen_count) == ("reopened", later + timedelta(hours=24), 1)
    row = next(o for o in orders.open_orders(engine) if o.id == order_id)
    assert [c.kind for c in row.clocks] == ["respond", "resolve"]   # an emergency: a new on-site clock
    orders.dispatch(staff["R1"], later, order_id, department="engineering")
    orders.arrive(staff["G1"], later, order_id)
    assert (stored(order_id).responded_at, stored(order_id).first_responded_at) == (later, now)
    # Other work: on site once already, the respond clock does not restart.
    repair = new(engine, staff, now, "urgent_repair")
    orders.dispatch(staff["R1"], now, repair, department="engineering")
    orders.arrive(staff["R1"], now, repair)
    orders.complete(staff["R1"], now, repair, work_done="通了")
    orders.callback(staff["R1"], later, engine, repair, satisfied=False, note="又堵了")
    assert [c.kind for c in row_of(engine, repair).clocks] == ["resolve"]


def test_one_set_of_open_order_statuses():
    """orders.OPEN_STATUSES is the only list of them: a copy elsewhere drifts (calls once lacked
    "reopened", so a reopened order's call could become a second open order)."""
    import ast
    from pathlib import Path
    copies = []
    for path in Path(orders.__file__).parent.rglob("*.py"):
        if path.name == "orders.py":
            continue
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if isinstance(node, (ast.Tuple, ast.List, ast.Set)):
                words = {e.value for e in node.elts if isinstance(e, ast.Constant)}
                if len(words & set(orders.OPEN_STATUSES)) >= 3:
                    copies.append(f"{path.name}:{node.lineno}")
    assert copies == []


@pytest.mark.parametrize("step, status_needed", [
    (lambda o, s, e, n, i: orders.arrive(s["G1"], n, i), "closed"),
    (lambda o, s, e, n, i: orders.complete(s["R1"], n, i, work_done="x"), "logged"),
    (lambda o, s, e, n, i: orders.callback(s["R1"], n, e, i, satisfied=True), "on_site"),
    (lambda o, s, e, n, i: orders.dispatch(s["R1"], n, i, department="engineering"), "on_site"),
    (lambda o, s, e, n, i: orders.cancel(s["R1"], n, i, reason="dup"), "dispatched"),
])
def test_a_transition_from_the_wrong_state_says_who_and_when(engine, staff, clock, step, status_needed):
    now = clock.now()
    order_id = new(engine, staff, now)
    path = {"logged": [], "dispatched": ["d"], "on_site": ["d", "a"], "closed": ["d", "a", "c", "b"]}
    for s in path[status_needed]:
        {"d": lambda: orders.dispatch(staff["R2"], now, order_id, department="engineering"),
         "a": lambda: orders.arrive(staff["R2"], now, order_id),
         "c": lambda: orders.complete(staff["R2"], now, order_id, work_done="done"),
         "b": lambda: orders.callback(staff["R2"], now, engine, order_id, satisfied=True)}[s]()
    before = stored(order_id).status
    with pytest.raises(Conflict) as err:
        step(None, staff, engine, now, order_id)
    who = "R2" if path[status_needed] else "R1"
    # No time zone given: the time says UTC rather than pretend to be local.
    assert f"{orders.number(order_id)} is " in str(err.value) and f"by {who} at 14:00 UTC" in str(err.value)
    assert stored(order_id).status == before


def test_conflict_messages_use_the_site_time(engine, staff, clock):
    order_id = new(engine, staff, clock.now())
    orders.dispatch(staff["R1"], clock.now(), order_id, department="engineering")
    with pytest.raises(Conflict) as err:
        orders.dispatch(staff["R2"], clock.now(), order_id, department="engineering")
    assert re.fullmatch(r"WO\d{5} is already dispatched \(by R1 at 22:00\)\.", explain(err.value, SH))
    with pytest.raises(Conflict) as err:
        orders.complete(staff["R2"], clock.now(), order_id, work_done="x")
    assert explain(err.value, SH).endswith("is still dispatched (by R1 at 22:00): not possible yet.")


def test_roles(engine, staff, clock):
    now = clock.now()
    order_id = new(engine, staff, now)
    guard = staff["G1"]
    for attempt in (lambda: orders.dispatch(guard, now, order_id, department="engineering"),
                    lambda: orders.cancel(guard, now, order_id, reason="x"),
                    lambda: orders.request_extension(guard, now, engine, order_id, until=now + timedelta(days=9), reason="x"),
                    lambda: orders.return_order(guard, now, order_id, reason="x")):
        with pytest.raises(PermissionDenied):
            attempt()
    orders.add_note(guard, now, order_id, text="note")
    orders.arrive(guard, now, order_id)
    with pytest.raises(PermissionDenied):
        orders.complete(guard, now, order_id, work_done="x")
    orders.request_extension(staff["R1"], now, engine, order_id, until=now + timedelta(days=9), reason="parts")
    with pytest.raises(PermissionDenied):
        orders.approve_extension(staff["R2"], now, order_id)


def test_dispatch_and_complete_refusals(engine, staff, clock):
    now = clock.now()
    order_id = new(engine, staff, now)
    for kwargs, field in ((dict(department="catering"), "department"),
                          (dict(department="engineering", booked_visit_at=now - timedelta(hours=1)), "booked"),
                          (dict(department="engineering", assignee="x" * 61), "assignee")):
        with pytest.raises(InvalidInput) as err:
            orders.dispatch(staff["R1"], now, order_id, **kwargs)
        assert err.value.field == field
    orders.dispatch(staff["R1"], now, order_id, department="engineering")
    orders.arrive(staff["R1"], now, order_id)
    for kwargs, field in ((dict(work_done=""), "work_done"), (dict(work_done="x", hours="two"), "hours"),
                          (dict(work_done="x", fee="30"), "fee")):
        with pytest.raises(InvalidInput) as err:
            orders.complete(staff["R1"], now, order_id, **kwargs)
        assert err.value.field == field
    assert stored(order_id).status == "on_site"


def test_cancel_by_the_desk_before_dispatch_and_by_a_supervisor_after(engine, staff, clock):
    now = clock.now()
    first, second = new(engine, staff, now), new(engine, staff, now)
    with pytest.raises(InvalidInput) as err:
        orders.cancel(staff["R1"], now, first, reason=" ")
    assert err.value.field == "reason"
    orders.cancel(staff["R1"], now, first, reason="业主撤回")
    assert (stored(first).status, stored(first).end_reason) == ("cancelled", "业主撤回")
    orders.dispatch(staff["R1"], now, second, department="engineering")
    with pytest.raises(Conflict, match="already dispatched"):
        orders.cancel(staff["R2"], now, second, reason="dup")
    orders.cancel(staff["S1"], now, second, reason="duplicate of another order")
    assert stored(second).status == "cancelled"
    assert audit.history("work_order", second)[-1]["action"] == "order.void"


def test_return_needs_a_supervisor_sign_off(engine, staff, clock):
    now = clock.now()
    order_id = new(engine, staff, now)
    assert orders.return_order(staff["R1"], now, order_id, reason="需要业主自己找厂家") == "requested"
    assert stored(order_id).status == "logged" and stored(order_id).pending == "return"
    with pytest.raises(Conflict, match="already has a request waiting"):
        orders.return_order(staff["R2"], now, order_id, reason="again")
    with pytest.raises(PermissionDenied):
        orders.approve_return(staff["R2"], now, order_id)
    orders.approve_return(staff["S1"], now, order_id)
    order = stored(order_id)
    assert (order.status, order.signed_off_by.code, order.end_reason) == ("returned", "S1", "需要业主自己找厂家")
    with pytest.raises(Conflict):
        orders.approve_return(staff["S2"], now, order_id)
    direct = new(engine, staff, now)
    assert orders.return_order(staff["S1"], now, direct, reason="not ours") == "returned"


def test_extension_up_to_two_weeks_one_supervisor(engine, staff, clock):
    now = clock.now()
    order_id = new(engine, staff, now)
    old_due = stored(order_id).resolve_due_at
    with pytest.raises(InvalidInput) as err:
        orders.request_extension(staff["R1"], now, engine, order_id, until=old_due - timedelta(hours=1), reason="x")
    assert err.value.field == "until"
    with pytest.raises(InvalidInput) as err:
        orders.request_extension(staff["R1"], now, engine, order_id, until=old_due + timedelta(days=2), reason="owner away",
                                 owner_caused=True)
    assert err.value.field == "owner_consent"
    orders.request_extension(staff["R1"], now, engine, order_id, until=old_due + timedelta(days=2), reason="owner away",
                             owner_caused=True, owner_consent=True)
    assert stored(order_id).resolve_due_at == old_due      # nothing moves before approval
    assert orders.approve_extension(staff["S1"], now, order_id) == "approved"
    order = stored(order_id)
    assert (order.resolve_due_at, order.pending, order.extension_count) == (old_due + timedelta(days=2), "", 1)
    event = audit.history("work_order", order_id)[-1]
    assert event["data"]["signed_as"] == "supervisor" and event["data"]["owner_consent"] is True
    assert event["data"]["before"]["resolve_due_at"] == db.WorkOrder.resolve_due_at.db_value(old_due)
    row = next(o for o in orders.open_orders(engine) if o.id == order_id)
    assert row.clocks[0].due == old_due + timedelta(days=2)
    with pytest.raises(Conflict, match="no extension waiting"):
        orders.approve_extension(staff["S2"], now, order_id)


def test_extension_beyond_two_weeks_needs_a_second_supervisor_for_the_director(engine, staff, clock):
    now = clock.now()
    order_id = new(engine, staff, now)
    old_due = stored(order_id).resolve_due_at
    orders.request_extension(staff["R1"], now, engine, order_id, until=old_due + timedelta(days=20), reason="parts from abroad")
    assert orders.approve_extension(staff["S1"], now, order_id) == "needs_director"
    assert stored(order_id).resolve_due_at == old_due
    with pytest.raises(InvalidInput, match="second supervisor"):
        orders.approve_extension(staff["S1"], now, order_id)
    assert orders.approve_extension(staff["S2"], now, order_id) == "approved"
    assert stored(order_id).resolve_due_at == old_due + timedelta(days=20)
    event = audit.history("work_order", order_id)[-1]
    assert (event["data"]["signed_as"], event["data"]["first_signature"]) == ("director", "S1")


def test_a_refused_request_leaves_the_order_as_it_was(engine, staff, clock):
    now = clock.now()
    order_id = new(engine, staff, now)
    orders.request_extension(staff["R1"], now, engine, order_id, until=now + timedelta(days=10), reason="x")
    orders.refuse_request(staff["S1"], now, order_id, reason="do it this week")
    assert stored(order_id).pending == ""
    with pytest.raises(Conflict):
        orders.refuse_request(staff["S1"], now, order_id)


# --- the race between two consoles (two processes) ---------------------------------------

RACER = """
import sys, time
from datetime import datetime, timezone
from deskconsole import db, orders, people
from deskconsole.errors import Conflict
db.connect(sys.argv[1])
who, what, go_at = sys.argv[2], sys.argv[3], float(sys.argv[4])
ids = [int(x) for x in sys.argv[5].split(",")]
actor = people.find(who)
while time.time() < go_at:
    time.sleep(0.001)
for order_id in ids:
    now = datetime.now(timezone.utc)
    try:
        if what == "dispatch":
            orders.dispatch(actor, now, order_id, department="engineering")
        else:
            orders.cancel(actor, now, order_id, reason="duplicate")
        print(order_id, "ok")
    except Conflict as exc:
        print(order_id, "conflict", exc)
"""


def test_dispatch_and_cancel_racing_from_two_processes(demo_site, engine, staff, clock, tmp_path):
    ids = [new(engine, staff, clock.now()) for _ in range(5)]
    script = tmp_path / "racer.py"
    script.write_text(RACER)
    db.close()
    import time
    go_at = time.time() + 1.5
    procs = [subprocess.Popen([sys.executable, str(script), demo_site.db_url, who, what, str(go_at),
                               ",".join(map(str, ids))], stdout=subprocess.PIPE, text=True)
             for who, what in (("R1", "dispatch"), ("R2", "cancel"))]
    outs = [p.communicate(timeout=60)[0] for p in procs]
    assert all(p.returncode == 0 for p in procs)
    db.connect(demo_site.db_url)
    results = {}
    for out in outs:
        for line in out.splitlines():
            order_id, verdict, *rest = line.split(" ", 2)
            results.setdefault(int(order_id), []).append((verdict, " ".join(rest)))
    for order_id in ids:
        verdicts = sorted(v for v, _ in results[order_id])
        assert verdicts == ["conflict", "ok"], results[order_id]
        message = next(m for v, m in results[order_id] if v == "conflict")
        assert "is already" in message and ("by R1" in message or "by R2" in message)
        assert stored(order_id).status in ("dispatched", "cancelled")


# --- reminders -------------------------------------------------------------------------

def row_of(engine, order_id):
    return next(o for o in orders.open_orders(engine) if o.id == order_id)


def kinds(engine, order_id, now):
    return sorted(r.key.split(":")[0] for r in orders.reminders(row_of(engine, order_id), now))


def test_reminders_chase_visit_clock_bands_and_callback(engine, staff, clock):
    now = clock.now()
    order_id = new(engine, staff, now, "emergency")   # respond 10 min, resolve 24 h
    assert kinds(engine, order_id, now) == ["dispatch"]   # nobody dispatched: at once
    orders.dispatch(staff["R1"], now, order_id, department="engineering", booked_visit_at=now + timedelta(minutes=7))
    assert kinds(engine, order_id, now + timedelta(minutes=4)) == []
    assert kinds(engine, order_id, now + timedelta(minutes=5)) == ["chase", "respond.band50"]
    assert kinds(engine, order_id, now + timedelta(minutes=8)) == ["chase", "respond.band75", "visit"]
    assert kinds(engine, order_id, now + timedelta(minutes=9, seconds=30)) == ["chase", "respond.band90", "visit"]
    assert kinds(engine, order_id, now + timedelta(minutes=11)) == ["chase", "respond.over", "visit"]
    orders.arrive(staff["G1"], now + timedelta(minutes=11), order_id)
    assert kinds(engine, order_id, now + timedelta(hours=13)) == ["resolve.band50"]
    orders.complete(staff["R1"], now + timedelta(hours=13), order_id, work_done="ok")
    assert kinds(engine, order_id, now + timedelta(hours=13)) == ["callback", "signoff"]
    orders.sign_off(staff["R1"], now + timedelta(hours=14), order_id, how="phone", by="王[b]小明")
    assert kinds(engine, order_id, now + timedelta(hours=14)) == ["callback"]


def test_an_acknowledged_reminder_stops_until_the_next_band(engine, staff, clock):
    now = clock.now()
    order_id = new(engine, staff, now, "emergency")
    at = now + timedelta(minutes=6)
    due = orders.reminders(row_of(engine, order_id), at)
    assert orders.acknowledge(staff["G1"], at, order_id, keys=[r.key for r in due]) == 2   # dispatch, band50
    assert orders.acknowledge(staff["R1"], at, order_id, keys=[r.key for r in due]) == 0   # another console did it
    assert kinds(engine, order_id, at) == []
    assert kinds(engine, order_id, now + timedelta(minutes=8)) == ["respond.band75"]
    assert audit.history("work_order", order_id)[-1]["action"] == "order.reminder.ack"


def test_complaint_unsolved_at_end_of_day_escalates(engine, staff, clock):
    logged = sh(2026, 11, 24, 10, 0)
    order_id = new(engine, staff, logged, "complaint_staff")     # half a working day: 14:30
    assert "manager" not in kinds(engine, order_id, sh(2026, 11, 24, 14, 29))
    assert "manager" in kinds(engine, order_id, sh(2026, 11, 24, 14, 30))
    assert "escalate" not in kinds(engine, order_id, sh(2026, 11, 24, 23, 59))
    assert "escalate" in kinds(engine, order_id, sh(2026, 11, 25, 0, 0))
    late = new(engine, staff, sh(2026, 11, 24, 21, 0), "complaint_impact")
    assert "escalate" not in kinds(engine, late, sh(2026, 11, 24, 23, 59))
    assert "escalate" in kinds(engine, late, sh(2026, 11, 25, 0, 0))


def test_working_clock_bands_count_working_time(engine, staff, clock):
    logged = sh(2026, 11, 27, 16, 0)     # Friday 16:00, 3 working days -> Wednesday 16:00
    order_id = new(engine, staff, logged, "general_repair")
    clock_ = row_of(engine, order_id).clocks[0]
    assert clock_.at50 == sh(2026, 12, 1, 11, 30)   # 13.5 working hours: 1 h Fri + 9 h Mon + 3.5 h Tue
    assert kinds(engine, order_id, sh(2026, 11, 30, 23, 0)) == ["dispatch"]
    assert kinds(engine, order_id, sh(2026, 12, 1, 11, 30)) == ["dispatch", "resolve.band50"]


def test_open_reminders_for_the_handover(engine, staff, clock):
    order_id = new(engine, staff, clock.now(), "emergency")
    items = [r for r in orders.open_reminders(engine, clock.now() + timedelta(minutes=11)) if r["order_id"] == order_id]
    assert [(r["kind"], r["due_at"]) for r in items] == [("dispatch", clock.now()),
                                                         ("respond", clock.now() + timedelta(minutes=10))]
    assert items[1]["unit_code"] == "1-101" and "passed" in items[1]["text"]


def test_counts_hold_until_the_next_change(demo_site, clock):
    """The pane recounts reminders only at the moments they can change; between them the counts
    it keeps must equal a fresh count."""
    from datetime import timedelta

    from deskconsole import orders as orders_mod
    rows = orders_mod.open_orders(demo_site.sla_engine())
    now = clock.now()
    for _ in range(20):
        change = orders_mod.next_change(rows, now)
        assert change is not None and change > now
        just_before = change - timedelta(seconds=1)
        if just_before > now:
            assert orders_mod.reminder_count(rows, just_before) == orders_mod.reminder_count(rows, now)
            assert orders_mod.overdue_count(rows, just_before) == orders_mod.overdue_count(rows, now)
        now = change


def test_the_answer_to_a_request_is_read_back_for_who_asked(staff, engine):
    """orders.decision: the supervisor's newest answer, approved or refused, with who, the new
    deadline or the reason; a first signature beyond two weeks is not an answer yet."""
    now = sh(2026, 11, 24, 10)
    oid = new(engine, staff, now)
    assert orders.decision(oid) is None
    until = now + timedelta(days=5)
    orders.request_extension(staff["R1"], now, engine, oid, until=until, reason="等配件")
    orders.refuse_request(staff["S1"], now, oid, reason="先打电话 [/x]")
    refused = orders.decision(oid)
    assert (refused.kind, refused.approved, refused.by_code, refused.reason) == ("extension", False, "S1", "先打电话 [/x]")
    orders.request_extension(staff["R1"], now, engine, oid, until=until, reason="等配件")
    orders.approve_extension(staff["S1"], now, oid)
    approved = orders.decision(oid)
    assert (approved.approved, approved.until, approved.number) == (True, until, orders.number(oid))
