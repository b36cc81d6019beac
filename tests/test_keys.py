"""The key register's desk functions: issue, return, lost/broken, authorisation, overdue, the catalogue."""
from __future__ import annotations

import subprocess
import sys
import time
from datetime import datetime, timedelta, timezone

import pytest

from deskconsole import audit, db, keys, people
from deskconsole.config import Config
from deskconsole.db import Key, KeyLoan, KeyReport, Staff, WorkOrder
from deskconsole.errors import PermissionDenied, explain

SH = timezone(timedelta(hours=8))   # Asia/Shanghai has no DST: fixed offsets make the cases readable


def at(text: str) -> datetime:
    """A Shanghai wall time as an aware UTC datetime."""
    return datetime.fromisoformat(text).replace(tzinfo=SH).astimezone(timezone.utc)


def key_id(tag: str) -> int:
    return Key.get(Key.tag == tag).id


# The demo site's zone and office hours (the tests' site file is the default one).
ENGINE = Config(db_url="").sla_engine()


@pytest.fixture
def ops(demo_site):
    return {code: people.find(code) for code in ("S1", "R1", "G1", "S2", "G2")}


def give(ops, now, tag="PR-02", **fields):
    base = dict(tag=tag, holder_kind="staff", holder_name="G2")
    return keys.issue(ops["R1"], now, ENGINE, **(base | fields))


# --- issue ---------------------------------------------------------------------------------

def test_issue_puts_the_key_out_with_its_loan_and_an_audit_event(ops, clock):
    now = clock.now()
    loan_id = give(ops, now, purpose="水泵检修 [b]pump[/b]", order="WO00003")
    loan = KeyLoan.get_by_id(loan_id)
    assert Key.get(Key.tag == "PR-02").status == "out"
    assert loan.holder_name == "Tom Baker" and loan.holder_staff_id == ops["G2"].id   # from the staff list
    assert loan.order_id == 3 and loan.purpose == "水泵检修 [b]pump[/b]"
    assert loan.due_at == now + timedelta(hours=2)            # a plant room's default
    event = audit.history("key", key_id("PR-02"))[-1]
    assert event["action"] == "key.issue" and event["data"]["after"]["holder"] == "Tom Baker"
    row = next(k for k in keys.board() if k.tag == "PR-02")
    assert (row.status, row.holder, row.issued_by, row.order_id, row.holder_kind) == \
        ("out", "Tom Baker", "R1", 3, "staff")


def test_a_staff_name_not_on_the_list_is_kept_as_written(ops, clock):
    loan = KeyLoan.get_by_id(give(ops, clock.now(), holder_name="工程部 刘工"))
    assert loan.holder_name == "工程部 刘工" and loan.holder_staff_id is None


@pytest.mark.parametrize("change, field", [
    ({"tag": "NOPE-1"}, "tag"),
    ({"tag": ""}, "tag"),
    ({"holder_kind": "visitor"}, "holder_kind"),
    ({"holder_name": "  "}, "holder_name"),
    ({"holder_name": "x" * 61}, "holder_name"),
    ({"holder_kind": "contractor", "holder_name": "刘师傅", "holder_document": "4403"}, "holder_company"),
    ({"holder_kind": "contractor", "holder_name": "刘师傅", "holder_company": "美的"}, "holder_document"),
    ({"holder_kind": "owner", "holder_name": "王[b]小明"}, "holder_unit"),
    ({"holder_kind": "owner", "holder_name": "王[b]小明", "holder_unit": "9-9999"}, "holder_unit"),
    ({"order": "WO99999"}, "order"),
    ({"order": "banana"}, "order"),
    ({"due_at": "PAST"}, "due"),
    ({"due_at": "FAR"}, "due"),
])
def test_issue_refuses_with_the_field_and_writes_nothing(ops, clock, change, field):
    now = clock.now()
    change = dict(change)
    if change.get("due_at") == "PAST":
        change["due_at"] = now
    elif change.get("due_at") == "FAR":
        change["due_at"] = now + timedelta(days=15)
    loans, events = KeyLoan.select().count(), db.AuditEvent.select().count()
    with pytest.raises(people.InvalidInput) as err:
        give(ops, now, **change)
    assert err.value.field == field
    assert (KeyLoan.select().count(), db.AuditEvent.select().count()) == (loans, events)
    assert Key.get(Key.tag == "PR-02").status == "board"


def test_a_key_already_out_is_refused_with_who_has_it(ops, clock):
    give(ops, clock.now())
    with pytest.raises(people.InvalidInput) as err:
        give(ops, clock.now(), holder_name="R1")
    assert err.value.field == "tag"
    assert explain(err.value, SH) == "Key PR-02 is out already, with Tom Baker since 11-24 22:00."


def test_a_contractor_leaves_company_and_document(ops, clock):
    loan = KeyLoan.get_by_id(give(ops, clock.now(), holder_kind="contractor", holder_name="刘师傅",
                                  holder_company="美的空调维修", holder_document="4403 0119 8805"))
    assert (loan.holder_company, loan.holder_document) == ("美的空调维修", "4403 0119 8805")


def test_an_owner_names_the_unit(ops, clock):
    loan = KeyLoan.get_by_id(give(ops, clock.now(), holder_kind="owner", holder_name="王[b]小明",
                                  holder_unit="1-1203"))
    assert loan.holder_unit.code == "1-1203"


# --- the authorisation rules ---------------------------------------------------------------

@pytest.mark.parametrize("tag, reason", [("MK-02", "master key"), ("U-2-1501", "owner's unit key")])
def test_master_and_unit_keys_need_a_supervisor(ops, clock, tag, reason):
    now = clock.now()
    for authoriser in (None, ops["G1"], ops["R1"]):
        with pytest.raises(people.InvalidInput, match=reason) as err:
            give(ops, now, tag=tag, authorised_by=authoriser)
        assert err.value.field == "auth_code"
    loan = KeyLoan.get_by_id(give(ops, now, tag=tag, authorised_by=ops["S2"]))
    assert loan.authorised_by.code == "S2"


def test_a_supervisor_who_left_cannot_authorise(ops, clock):
    Staff.update(active=False).where(Staff.code == "S2").execute()
    with pytest.raises(people.InvalidInput, match="master key"):
        give(ops, clock.now(), tag="MK-02", authorised_by=ops["S2"])


def test_a_plant_room_key_needs_no_supervisor_unless_overnight(ops, clock):
    now = clock.now()   # 22:00 in Shanghai: the next morning opens at 08:00
    give(ops, now, due_at=at("2026-11-25 07:59"), authorised_name="工程部 张经理")
    assert KeyLoan.get(KeyLoan.holder_name == "Tom Baker").authorised_name == "工程部 张经理"
    with pytest.raises(people.InvalidInput, match="overnight") as err:
        give(ops, now, tag="PR-03", due_at=at("2026-11-25 08:30"))
    assert err.value.field == "auth_code"
    loan = KeyLoan.get_by_id(give(ops, now, tag="PR-03", due_at=at("2026-11-25 08:30"), authorised_by=ops["S1"]))
    assert loan.overnight and loan.authorised_by.code == "S1"


def test_authorise_checks_the_pin_and_counts_wrong_ones(ops, clock):
    now = clock.now()
    assert keys.authorise("s1", "0000", now).code == "S1"
    with pytest.raises(people.InvalidInput, match="Wrong PIN for S1") as err:
        keys.authorise("S1", "1111", now)
    assert err.value.field == "auth_pin"
    # The wrong PIN was counted and stays counted: a refusal does not roll it back.
    assert Staff.get(Staff.code == "S1").failed_attempts == 1
    for _ in range(4):
        with pytest.raises(people.InvalidInput):
            keys.authorise("S1", "1111", now)
    with pytest.raises(people.InvalidInput, match="locked"):
        keys.authorise("S1", "0000", now)


@pytest.mark.parametrize("code, pin, field, message", [
    ("", "0000", "auth_code", "staff code"),
    ("ZZ9", "0000", "auth_code", "No staff member"),
    ("G1", "0000", "auth_code", "not a supervisor"),
])
def test_authorise_refuses_who_cannot_authorise(ops, clock, code, pin, field, message):
    with pytest.raises(people.InvalidInput, match=message) as err:
        keys.authorise(code, pin, clock.now())
    assert err.value.field == field


# --- due times and overdue, with a fixed clock ---------------------------------------------

@pytest.mark.parametrize("issued, due, overnight", [
    ("2026-11-24 22:00", "2026-11-25 02:00", False),   # the night shift's own emergency
    ("2026-11-24 22:00", "2026-11-25 08:00", False),   # back as the office opens
    ("2026-11-24 22:00", "2026-11-25 08:01", True),
    ("2026-11-24 10:00", "2026-11-24 23:00", False),
    ("2026-11-24 16:00", "2026-11-25 09:00", True),
    ("2026-11-25 07:00", "2026-11-25 09:00", True),    # crosses the morning handover
    ("2026-11-28 10:00", "2026-11-29 10:00", True),    # a Saturday night is a night
])
def test_overnight_is_past_the_next_office_opening(issued, due, overnight):
    assert keys.is_overnight(at(issued), at(due), ENGINE) is overnight


def test_default_loans_by_type_and_holder_never_overnight():
    morning = at("2026-11-24 09:00")
    assert keys.default_due("plant_room", "staff", morning, ENGINE) == at("2026-11-24 11:00")
    assert keys.default_due("master", "staff", morning, ENGINE) == at("2026-11-24 10:00")
    assert keys.default_due("plant_room", "contractor", morning, ENGINE) == at("2026-11-24 17:00")
    # At 02:00 a contractor's 8 h would run past the morning: the default stops at the opening.
    assert keys.default_due("office", "contractor", at("2026-11-25 02:00"), ENGINE) == at("2026-11-25 08:00")


@pytest.mark.parametrize("text, expected", [
    ("23:30", "2026-11-24 23:30"), ("07:15", "2026-11-25 07:15"), ("11-25 09:00", "2026-11-25 09:00"),
    ("2026-11-26 10:00", "2026-11-26 10:00"), ("2h", "2026-11-25 00:00"), ("90m", "2026-11-24 23:30"),
    ("1h30m", "2026-11-24 23:30"), ("01-03 10:00", "2027-01-03 10:00"),
])
def test_parse_due_reads_site_times_and_lengths(clock, text, expected):
    assert keys.parse_due(text, clock.now(), ENGINE) == at(expected)


@pytest.mark.parametrize("text", ["", "tomorrow", "25:00", "13-40 10:00"])
def test_parse_due_refuses_what_it_cannot_read(clock, text):
    with pytest.raises(people.InvalidInput) as err:
        keys.parse_due(text, clock.now(), ENGINE)
    assert err.value.field == "due"


def test_overdue_is_counted_against_the_clock_and_sorted_longest_first(ops, clock):
    before = keys.board()
    out = [k for k in before if k.status == "out"]
    over = keys.overdue_count(before, clock.now())
    assert over == sum(1 for k in out if k.due_at <= clock.now()) and over > 0
    give(ops, clock.now(), due_at=clock.now() + timedelta(minutes=30))
    rows = keys.board()
    pr02 = next(k for k in rows if k.tag == "PR-02")
    assert not pr02.overdue(clock.now()) and pr02.overdue_by(clock.now()) is None
    assert pr02.overdue(clock.now() + timedelta(minutes=30))
    assert pr02.overdue_by(clock.now() + timedelta(minutes=45)) == timedelta(minutes=15)
    assert keys.overdue_count(rows, clock.now() + timedelta(minutes=30)) == over + 1
    overdue = [k for k in rows if k.overdue(clock.now())]
    assert rows[: len(overdue)] == overdue    # the longest overdue at the top
    assert [k.overdue_by(clock.now()) for k in overdue] == sorted(
        (k.overdue_by(clock.now()) for k in overdue), reverse=True)


# --- return --------------------------------------------------------------------------------

def test_return_puts_the_key_back_received_by_the_operator(ops, clock):
    give(ops, clock.now())
    clock.advance(minutes=50)
    keys.return_key(ops["G1"], clock.now(), key_id("PR-02"), note="ok")
    loan = KeyLoan.get(KeyLoan.holder_name == "Tom Baker")
    assert (loan.received_by.code, loan.condition, loan.returned_at) == ("G1", "fine", clock.now())
    assert Key.get(Key.tag == "PR-02").status == "board"
    assert audit.history("key", key_id("PR-02"))[-1]["action"] == "key.return"


def test_a_damaged_key_comes_back_off_the_board_with_a_report(ops, clock):
    give(ops, clock.now())
    with pytest.raises(people.InvalidInput) as err:
        keys.return_key(ops["G1"], clock.now(), key_id("PR-02"), condition="damaged")
    assert err.value.field == "note"
    with pytest.raises(people.InvalidInput) as err:
        keys.return_key(ops["G1"], clock.now(), key_id("PR-02"), condition="so-so")
    assert err.value.field == "condition"
    keys.return_key(ops["G1"], clock.now(), key_id("PR-02"), condition="damaged", note="齿断了 [/x]")
    assert Key.get(Key.tag == "PR-02").status == "broken"
    report = KeyReport.get(KeyReport.key == key_id("PR-02"))
    assert (report.kind, report.note) == ("broken", "齿断了 [/x]")


def test_a_second_return_names_who_received_it_and_when(ops, clock):
    give(ops, clock.now())
    keys.return_key(ops["G1"], clock.now(), key_id("PR-02"))
    clock.advance(minutes=3)
    with pytest.raises(people.InvalidInput) as err:
        keys.return_key(ops["G2"], clock.now(), key_id("PR-02"))
    assert explain(err.value, SH) == "This key was returned already (received by G1 at 11-24 22:00)."
    with pytest.raises(people.InvalidInput, match="not out"):
        keys.return_key(ops["G2"], clock.now(), key_id("PR-04"))


RACE = """
import sys, time
from datetime import datetime, timezone
from deskconsole import db, keys, people
db.connect(sys.argv[1])
me, key_id, start = people.find(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])
while time.time() < start:
    pass
try:
    keys.return_key(me, datetime.now(timezone.utc), key_id)
    print("returned")
except people.InvalidInput as exc:
    print("refused:", exc.message)
"""


def test_two_consoles_returning_the_same_key_give_one_return(ops, clock, demo_site):
    give(ops, clock.now())
    key = key_id("PR-02")
    db.close()
    start = time.time() + 1.5
    procs = [subprocess.Popen([sys.executable, "-c", RACE, demo_site.db_url, code, str(key), str(start)],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for code in ("G1", "G2")]
    outs = [p.communicate(timeout=30) for p in procs]
    assert all(p.returncode == 0 for p in procs), outs
    results = sorted(out.strip() for out, _err in outs)
    assert results[0] == "refused: " + results[0].removeprefix("refused: ")
    assert results[1] == "returned"
    assert "returned already (received by G" in results[0]
    db.connect(demo_site.db_url)
    assert KeyLoan.select().where((KeyLoan.key == key) & KeyLoan.returned_at.is_null(False)).count() == 1
    assert db.AuditEvent.select().where((db.AuditEvent.action == "key.return")
                                        & (db.AuditEvent.entity_id == key)).count() == 1


# --- lost and broken -------------------------------------------------------------------------

def test_a_lost_key_leaves_the_board_with_its_report_and_is_never_deleted(ops, clock):
    give(ops, clock.now())
    keys_before = Key.select().count()
    with pytest.raises(people.InvalidInput) as err:
        keys.report(ops["G1"], clock.now(), key_id("PR-02"), kind="lost", note=" ")
    assert err.value.field == "note"
    keys.report(ops["G1"], clock.now(), key_id("PR-02"), kind="lost", note="Tom lost it on the roof")
    assert Key.select().count() == keys_before
    assert Key.get(Key.tag == "PR-02").status == "lost"
    loan = KeyLoan.get(KeyLoan.holder_name == "Tom Baker")
    assert loan.returned_at == clock.now() and loan.condition == "lost"     # the loan ends with the report
    rows = keys.board()
    assert rows[-1].tag == "PR-02" and rows[-1].status == "lost"            # off the board, at the bottom
    with pytest.raises(people.InvalidInput, match="lost already"):
        keys.report(ops["G1"], clock.now(), key_id("PR-02"), kind="broken", note="again")
    with pytest.raises(people.InvalidInput, match="issued|board"):
        give(ops, clock.now())
    history = keys.history(key_id("PR-02"))
    assert history.reports[0].kind == "lost" and history.reports[0].by == "G1"


def test_a_broken_key_on_the_board_can_be_reported(ops, clock):
    keys.report(ops["R1"], clock.now(), key_id("CA-04"), kind="broken", note="bent")
    assert Key.get(Key.tag == "CA-04").status == "broken"
    with pytest.raises(people.InvalidInput):
        keys.report(ops["R1"], clock.now(), key_id("CA-03"), kind="stolen", note="x")


# --- the catalogue ---------------------------------------------------------------------------

def test_supervisors_manage_the_catalogue(ops, clock):
    now = clock.now()
    with pytest.raises(PermissionDenied):
        keys.save_key(ops["G1"], now, tag="PR-09", label="Boiler room", kind="plant_room")
    new = keys.save_key(ops["S1"], now, tag="pr-09", label="锅炉房 Boiler", kind="plant_room", hook="B2", copies="3")
    key = Key.get_by_id(new)
    assert (key.tag, key.status, key.copies, key.hook) == ("PR-09", "board", 3, "B2")
    same = keys.save_key(ops["S1"], now, tag="PR-09", label="锅炉房", opens="B2 boiler", kind="plant_room",
                         copies=2, active=False)
    assert same == new and Key.get_by_id(new).status == "retired" and Key.get_by_id(new).copies == 2
    assert all(k.tag != "PR-09" for k in keys.board())
    with pytest.raises(people.InvalidInput, match="no key tagged"):
        give(ops, now, tag="PR-09")
    keys.save_key(ops["S1"], now, tag="PR-09", label="锅炉房", kind="plant_room", active=True)
    assert Key.get_by_id(new).status == "board"
    assert [e["action"] for e in audit.history("key", new)] == ["key.create", "key.edit", "key.edit"]


def test_retiring_waits_until_the_key_is_back_and_keep_leaves_the_state(ops, clock):
    give(ops, clock.now())
    with pytest.raises(people.InvalidInput) as err:
        keys.save_key(ops["S1"], clock.now(), tag="PR-02", label="x", kind="plant_room", active=False)
    assert err.value.field == "active"
    keys.report(ops["G1"], clock.now(), key_id("CA-04"), kind="lost", note="gone")
    keys.save_key(ops["S1"], clock.now(), tag="CA-04", label="垃圾房 Bin store", kind="common_area", active=None)
    assert Key.get(Key.tag == "CA-04").status == "lost"
    keys.save_key(ops["S1"], clock.now(), tag="CA-04", label="垃圾房 Bin store", kind="common_area", active=True)
    assert Key.get(Key.tag == "CA-04").status == "board"     # found


@pytest.mark.parametrize("change, field", [
    ({"tag": "a b"}, "tag"), ({"label": ""}, "label"), ({"kind": "car"}, "kind"), ({"copies": "0"}, "copies"),
    ({"copies": "many"}, "copies"), ({"kind": "unit_spare"}, "unit"), ({"unit_code": "9-9999"}, "unit"),
])
def test_the_catalogue_refuses_with_the_field(ops, clock, change, field):
    fields = dict(tag="OF-09", label="Store", kind="office") | change
    with pytest.raises(people.InvalidInput) as err:
        keys.save_key(ops["S1"], clock.now(), **fields)
    assert err.value.field == field


# --- work orders and history -------------------------------------------------------------------

def test_a_key_out_for_a_finished_order_is_a_reminder(ops, clock):
    give(ops, clock.now(), order="WO00005")
    give(ops, clock.now(), tag="PR-03", order="6")
    assert keys.keys_out_for_done_orders() == []
    # The orders desk completes the order: only WorkOrder.status and done_at are relied upon.
    WorkOrder.update(status="done", done_at=clock.now()).where(WorkOrder.id == 5).execute()
    found = keys.keys_out_for_done_orders()
    assert [(f.tag, f.order_id, f.holder) for f in found] == [("PR-02", 5, "Tom Baker")]
    rows = {k.tag: k for k in keys.board()}
    assert rows["PR-02"].order_done and not rows["PR-03"].order_done
    keys.return_key(ops["G1"], clock.now(), key_id("PR-02"))
    assert keys.keys_out_for_done_orders() == []


def test_history_has_every_loan_who_authorised_and_how_long(ops, clock):
    give(ops, clock.now(), tag="MK-02", authorised_by=ops["S1"])
    clock.advance(minutes=95)
    keys.return_key(ops["G1"], clock.now(), key_id("MK-02"))
    give(ops, clock.now(), tag="MK-02", holder_name="R1", authorised_by=ops["S2"])
    history = keys.history(key_id("MK-02"))
    assert history.key.status == "out" and history.key.holder == "李娜 Li Na"
    newest, first = history.loans
    assert (newest.authorised_by, newest.returned_at) == ("S2", None)
    assert (first.authorised_by, first.issued_by, first.received_by) == ("S1", "R1", "G1")
    assert first.out_for(clock.now()) == timedelta(minutes=95)
    assert keys.history(999999) is None
