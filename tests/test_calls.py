"""The call log's desk functions: validation, the inquiry and message flows, edit and void, the
conversion to a work order, the command line, and consoles racing."""
from __future__ import annotations

import subprocess
import sys
import textwrap
from datetime import timedelta

import pytest

from deskconsole import audit, calls, db, export, orders, people
from deskconsole.db import Call, Staff, WorkOrder
from deskconsole.errors import Conflict, InvalidInput, PermissionDenied

OK = dict(phone="13800001111", caller="王小明", unit_code="1-101", category="repair", channel="phone",
          text="厨房水龙头漏水")


def add(actor, now, **change):
    return calls.add_call(actor, now, **(OK | change))


def counts():
    return Call.select().count(), WorkOrder.select().count(), audit.AuditEvent.select().count(), \
        Staff.select().count()


@pytest.fixture
def r1(demo_site):
    return people.find("R1")


# --- bad input ---------------------------------------------------------------------------

@pytest.mark.parametrize("change, field, says", [
    (dict(text=""), "text", "Write down what was said"),
    (dict(text=" \t\n "), "text", "Write down what was said"),
    (dict(text="x" * 2001), "text", "At most 2000 characters: this has 2001"),
    (dict(unit_code="9-9999"), "unit", "no unit 9-9999"),
    (dict(phone="138abc"), "phone", "digits, spaces and dashes"),
    (dict(caller="名" * 61), "caller", "at most 60"),
    (dict(category=""), "category", "Choose a category"),
    (dict(category="gossip"), "category", "Choose a category"),
    (dict(channel="pigeon"), "channel", "how the call came in"),
    (dict(category="message", message_for=""), "message_for", "whom the message is for"),
    (dict(category="message", message_for="张师傅", callback_number="call me"), "callback_number", "digits"),
])
def test_each_refusal_names_its_field_and_writes_nothing(r1, clock, change, field, says):
    before = counts()
    with pytest.raises(InvalidInput) as err:
        add(r1, clock.now(), **change)
    assert err.value.field == field and says in err.value.message
    assert counts() == before


def test_text_is_cleaned_markup_kept_and_cjk_emoji_kept(r1, clock):
    call_id = add(r1, clock.now(), caller="[/x] \x1b[2J王[b]小明", text="跑水 💧 [b]now[/b]\x07\n二楼",
                  unit_code=" 1-101 ", category="Repair", channel="walk-in")
    call = Call.get_by_id(call_id)
    assert call.caller == "[/x] 王[b]小明"
    assert call.text == "跑水 💧 [b]now[/b]\n二楼"
    assert call.unit.code == "1-101" and call.category == "repair" and call.channel == "walk_in"


def test_inquiry_answered_on_the_spot_or_with_a_30_minute_reply_clock(r1, clock):
    now = clock.now()
    spot = add(r1, now, category="inquiry", answered=True)
    later = add(r1, now, category="inquiry", answered=False)
    assert Call.get_by_id(spot).status == "answered" and Call.get_by_id(spot).answered_by_id == r1.id
    waiting = Call.get_by_id(later)
    assert waiting.status == "open" and waiting.reply_due_at == now + timedelta(minutes=30)
    row = next(r for r in calls.recent() if r.id == later)
    assert row.awaits_reply


def test_statuses_by_category(r1, clock):
    status = {c: Call.get_by_id(add(r1, clock.now(), category=c, message_for="x")).status
              for c in ("repair", "complaint", "emergency", "message", "other")}
    assert status == {"repair": "open", "complaint": "open", "emergency": "open", "message": "open",
                      "other": "closed"}


def test_a_phone_that_called_before_gives_caller_and_unit(r1, clock):
    add(r1, clock.now() - timedelta(days=1), phone="13912345678", caller="赵先生", unit_code="2-1501")
    assert calls.caller_for_phone("13912345678") == ("赵先生", "2-1501")
    assert calls.caller_for_phone("13900000000") is None
    assert calls.caller_for_phone("abc") is None


# --- answer, deliver ---------------------------------------------------------------------

def test_answer_records_the_answer_and_who_gave_it_once(r1, clock):
    call_id = add(r1, clock.now(), category="inquiry", answered=False)
    with pytest.raises(InvalidInput, match="answer that was given"):
        calls.answer_inquiry(r1, clock.now(), call_id, answer="  ")
    calls.answer_inquiry(r1, clock.now(), call_id, answer="周三停水 [b]9-12[/b]")
    call = Call.get_by_id(call_id)
    assert (call.status, call.answer, call.answered_by_id) == ("answered", "周三停水 [b]9-12[/b]", r1.id)
    with pytest.raises(Conflict, match="answered already .R1"):
        calls.answer_inquiry(people.find("G1"), clock.now(), call_id, answer="again")
    with pytest.raises(InvalidInput, match="Only an inquiry"):
        calls.answer_inquiry(r1, clock.now(), add(r1, clock.now()), answer="x")


def test_a_message_stays_undelivered_until_delivered(r1, clock):
    call_id = add(r1, clock.now(), category="message", message_for="张师傅", message_from="王小明",
                  callback_number="138 0000 1111", text="请回电")
    assert next(r for r in calls.recent() if r.id == call_id).is_undelivered
    g1 = people.find("G1")
    calls.deliver_message(g1, clock.now() + timedelta(minutes=5), call_id)
    call = Call.get_by_id(call_id)
    assert call.status == "delivered" and call.delivered_by_id == g1.id
    assert call.delivered_at == clock.now() + timedelta(minutes=5)
    assert not next(r for r in calls.recent() if r.id == call_id).is_undelivered
    with pytest.raises(Conflict, match="delivered already .G1"):
        calls.deliver_message(r1, clock.now(), call_id)


# --- edit, void --------------------------------------------------------------------------

def test_edit_keeps_the_earlier_version_in_the_history(r1, clock):
    call_id = add(r1, clock.now())
    version = Call.get_by_id(call_id).updated_at
    calls.edit_call(r1, clock.now() + timedelta(minutes=1), call_id, version=version,
                    **(OK | dict(caller="王大明", unit_code="1-102")))
    call = Call.get_by_id(call_id)
    assert call.caller == "王大明" and call.unit.code == "1-102"
    event = audit.history("call", call_id)[-1]
    assert event["action"] == "call.edit"
    assert event["data"] == {"before": {"caller": "王小明", "unit": "1-101"},
                             "after": {"caller": "王大明", "unit": "1-102"}}
    # A second console still holding the old version is refused, saying who changed it.
    with pytest.raises(Conflict, match="changed this call first .R1"):
        calls.edit_call(people.find("R2"), clock.now(), call_id, version=version, **OK)
    with pytest.raises(InvalidInput):
        calls.edit_call(r1, clock.now(), call_id, **(OK | dict(text="")))
    assert Call.get_by_id(call_id).caller == "王大明"


def test_void_is_for_supervisors_needs_a_reason_and_keeps_the_call(r1, clock, demo_site):
    call_id = add(r1, clock.now())
    s1 = people.find("S1")
    with pytest.raises(PermissionDenied):
        calls.void_call(r1, clock.now(), call_id, reason="typo")
    with pytest.raises(InvalidInput) as err:
        calls.void_call(s1, clock.now(), call_id, reason=" ")
    assert err.value.field == "reason"
    calls.void_call(s1, clock.now(), call_id, reason="entered twice [b]")
    call = Call.get_by_id(call_id)
    assert call.status == "void" and call.void_reason == "entered twice [b]"
    assert any(r.id == call_id and r.status == "void" for r in calls.recent())
    with pytest.raises(Conflict, match="void already .S1"):
        calls.void_call(s1, clock.now(), call_id, reason="again")
    with pytest.raises(Conflict):
        calls.edit_call(r1, clock.now(), call_id, **OK)
    data = export.export_data(demo_site)
    assert any(c["id"] == call_id and c["status"] == "void" for c in data["calls"])
    assert any(e["action"] == "call.void" and e["entity_id"] == call_id for e in data["audit"])


def test_a_call_with_an_open_order_is_not_voided(r1, clock, demo_site):
    call_id = add(r1, clock.now())
    order_id = calls.convert_to_order(r1, clock.now(), demo_site.sla_engine(), call_id, sla_class="urgent_repair")
    with pytest.raises(InvalidInput, match=orders.number(order_id)):
        calls.void_call(people.find("S1"), clock.now(), call_id, reason="mistake")


# --- work orders -------------------------------------------------------------------------

@pytest.mark.parametrize("category, text, sla_class", [
    ("emergency", "anything", "emergency"),
    ("repair", "家里跑水了!水浸到客厅", "emergency"),
    ("repair", "Burst pipe in the kitchen", "emergency"),
    ("repair", "井盖缺失", "hazard"),
    ("repair", "卫生间地漏堵塞", "urgent_repair"),
    ("repair", "Leaking pipe under the sink", "urgent_repair"),
    ("repair", "客厅灯不亮", "simple_repair"),
    ("repair", "门锁坏了打不开", "simple_repair"),
    ("repair", "楼道很脏 rubbish", "cleaning"),
    ("repair", "窗户关不上", "general_repair"),
    ("complaint", "楼上装修噪音太大", "complaint_neighbour"),
    ("complaint", "Dog barking all night", "complaint_neighbour"),
    ("complaint", "保安态度不好", "complaint_staff"),
    ("complaint", "停水没有通知", "complaint_impact"),
    ("complaint", "Parking space taken again", "complaint_other"),
    ("inquiry", "装修手续", "inquiry"),
])
def test_the_class_proposal_rule(category, text, sla_class):
    assert calls.propose_class(category, text) == sla_class


def test_a_call_becomes_one_open_order_and_a_second_conversion_points_to_it(r1, clock, demo_site):
    engine = demo_site.sla_engine()
    call_id = add(r1, clock.now(), text="卫生间地漏堵塞")
    order_id = calls.convert_to_order(r1, clock.now(), engine, call_id, sla_class="urgent_repair")
    order = WorkOrder.get_by_id(order_id)
    assert order.call_id == call_id and order.unit.code == "1-101" and order.description == "卫生间地漏堵塞"
    assert order.sla_class == "urgent_repair"
    assert Call.get_by_id(call_id).status == "ordered"
    assert next(r for r in calls.recent() if r.id == call_id).order_id == order_id
    assert calls.detail(call_id).open_order_id == order_id
    with pytest.raises(calls.HasOpenOrder) as err:
        calls.convert_to_order(people.find("G1"), clock.now(), engine, call_id, sla_class="general_repair")
    assert err.value.order_id == order_id and orders.number(order_id) in str(err.value)
    assert WorkOrder.select().where(WorkOrder.call == call_id).count() == 1


def test_a_reopened_order_is_still_the_calls_open_order(r1, clock, demo_site):
    """An unsatisfied call-back reopens the order: it is open, so the call must not become a second one."""
    engine = demo_site.sla_engine()
    call_id = add(r1, clock.now(), text="卫生间地漏堵塞")
    order_id = calls.convert_to_order(r1, clock.now(), engine, call_id, sla_class="urgent_repair")
    orders.dispatch(r1, clock.now(), order_id, department="engineering")
    orders.arrive(r1, clock.now(), order_id)
    orders.complete(r1, clock.now(), order_id, work_done="疏通")
    assert orders.callback(r1, clock.now(), engine, order_id, satisfied=False, note="还是堵") == "reopened"
    assert calls.detail(call_id).open_order_id == order_id
    with pytest.raises(calls.HasOpenOrder) as err:
        calls.convert_to_order(r1, clock.now(), engine, call_id, sla_class="general_repair")
    assert err.value.order_id == order_id
    assert WorkOrder.select().where(WorkOrder.call == call_id).count() == 1


def test_conversion_refusals_write_nothing(r1, clock, demo_site):
    engine = demo_site.sla_engine()
    message = add(r1, clock.now(), category="message", message_for="x")
    before = counts()
    with pytest.raises(InvalidInput, match="does not become a work order"):
        calls.convert_to_order(r1, clock.now(), engine, message, sla_class="general_repair")
    no_unit = add(r1, clock.now(), unit_code="", category="emergency", text="Smoke in the stairwell")
    before = counts()
    with pytest.raises(InvalidInput) as err:   # create_order wants a unit or a place
        calls.convert_to_order(r1, clock.now(), engine, no_unit, sla_class="emergency")
    assert err.value.field == "unit"
    assert counts() == before and Call.get_by_id(no_unit).status == "open"
    order_id = calls.convert_to_order(r1, clock.now(), engine, no_unit, sla_class="emergency",
                                      location="2栋 stairwell 12F")
    assert WorkOrder.get_by_id(order_id).respond_due_at == clock.now() + timedelta(minutes=10)
    assert not next(r for r in calls.recent() if r.id == no_unit).is_open_emergency


def test_older_open_calls_stay_in_the_pane_window(r1, clock):
    old = add(r1, clock.now() - timedelta(days=60), category="message", message_for="张师傅")
    rows = calls.recent(limit=20)
    assert any(r.id == old for r in rows)


# --- racing consoles (two processes) -----------------------------------------------------

RACE = textwrap.dedent("""
    import sys, time
    from datetime import datetime, timezone
    from deskconsole import calls, db, people, config, errors
    url, action, call_id, code, start = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4], float(sys.argv[5])
    db.connect(url)
    actor = people.find(code)
    now = datetime.now(timezone.utc)
    engine = config.Config(db_url=url).sla_engine()
    while time.time() < start:
        time.sleep(0.001)
    try:
        if action == "answer":
            calls.answer_inquiry(actor, now, call_id, answer="answer by " + code)
        elif action == "deliver":
            calls.deliver_message(actor, now, call_id)
        else:
            calls.convert_to_order(actor, now, engine, call_id, sla_class="urgent_repair")
        print("won")
    except errors.Conflict as exc:
        print("refused:", exc)
""")


@pytest.mark.parametrize("action, category", [("answer", "inquiry"), ("deliver", "message"), ("order", "repair")])
def test_two_consoles_racing_give_one_winner_and_one_clear_refusal(r1, clock, demo_site, action, category):
    import time
    call_id = add(r1, clock.now(), category=category, answered=False, message_for="x")
    start = str(time.time() + 1.5)
    procs = [subprocess.Popen([sys.executable, "-c", RACE, demo_site.db_url, action, str(call_id), code, start],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for code in ("R1", "G1")]
    outs = [p.communicate(timeout=60) for p in procs]
    results = sorted(o[0].strip() for o in outs)
    assert all(p.returncode == 0 for p in procs), outs
    assert results[1] == "won" and results[0].startswith("refused:"), results
    assert "locked" not in " ".join(o[1] for o in outs)
    assert WorkOrder.select().where(WorkOrder.call == call_id).count() == (1 if action == "order" else 0)


# --- the command line --------------------------------------------------------------------

def deskconsole(*args: str, stdin: str = "") -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "deskconsole", *args], capture_output=True, text=True, timeout=120,
                          input=stdin)


def test_call_add_prints_the_id_and_records_the_system(demo_site):
    path = demo_site.db_url
    result = deskconsole("call", "add", "--db", path, "--phone", "138 0000 2222", "--caller", "王[b]小明",
                         "--unit", "1-1203", "--category", "repair", "--channel", "phone", "--text", "漏水 \x1b[2J")
    assert result.returncode == 0, result.stderr
    call = Call.get_by_id(int(result.stdout.strip()))
    assert call.taken_by.code == people.SYSTEM_CODE and call.caller == "王[b]小明" and call.text == "漏水"
    result = deskconsole("call", "add", "--db", path, "--category", "inquiry", "--channel", "walk-in",
                         "--text", "停车", "--operator", "g1", stdin="0000\n")  # G1's PIN
    assert result.returncode == 0, result.stderr
    call = Call.get_by_id(int(result.stdout.strip()))
    assert call.taken_by.code == "G1" and call.channel == "walk_in" and call.status == "open"


@pytest.mark.parametrize("args, says", [
    (["--unit", "9-999"], "--unit: There is no unit 9-999"),
    (["--phone", "call me"], "--phone: A phone number is digits"),
    (["--text", "   "], "--text: Write down what was said"),
    (["--category", "gossip"], "--category: Choose a category"),
    (["--operator", "NOBODY"], "--operator: No staff member has the code NOBODY"),
])
def test_call_add_refuses_on_stderr_with_a_nonzero_status_and_writes_nothing(demo_site, args, says):
    before = counts()
    base = {"--category": "repair", "--channel": "phone", "--text": "ok"}
    for flag, value in zip(args[::2], args[1::2]):
        base[flag] = value
    flat = [x for pair in base.items() for x in pair]
    result = deskconsole("call", "add", "--db", demo_site.db_url, *flat)
    assert result.returncode == 1 and result.stdout == ""
    assert says in result.stderr
    assert counts() == before   # not even the system operator's record


ADDER = textwrap.dedent("""
    import sys, time
    from deskconsole import cli
    path, who, start, n = sys.argv[1], sys.argv[2], float(sys.argv[3]), int(sys.argv[4])
    while time.time() < start:
        time.sleep(0.001)
    for i in range(n):
        status = cli.main(["call", "add", "--db", path, "--category", "other", "--channel", "phone",
                           "--text", f"{who} {i}", "--operator", who])
        if status != 0:
            sys.exit(status)
""")


def test_two_processes_adding_calls_at_once_both_land(demo_site):
    import time
    path = demo_site.db_url
    before = Call.select().count()
    start = str(time.time() + 1.5)
    n = 25
    procs = [subprocess.Popen([sys.executable, "-c", ADDER, path, who, start, str(n)], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for who in ("R1", "G1")]
    for p in procs:  # each call add reads its operator's PIN from standard input
        p.stdin.write("0000\n" * n)
        p.stdin.close()
    outs = [(p.stdout.read(), p.stderr.read(), p.wait(timeout=120)) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outs
    assert not any("locked" in o[1] or "busy" in o[1] for o in outs)
    assert Call.select().count() == before + 2 * n
    for who in ("R1", "G1"):
        texts = {c.text for c in Call.select().where(Call.text.startswith(who + " "))}
        assert texts == {f"{who} {i}" for i in range(n)}
    assert audit.verify_chain() == []
