"""The front desk's other registers (issue 20): parcels and visitors, their audit events and counts."""
from __future__ import annotations

import sqlite3
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from deskconsole import audit, db, frontdesk, people
from deskconsole.config import Config
from deskconsole.db import Parcel, Visitor
from deskconsole.errors import Conflict, InvalidInput, PermissionDenied, explain

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture
def ops(demo_site):
    return {code: people.find(code) for code in ("S1", "R1", "G1")}


def receive(ops, now, **values):
    base = dict(unit_code="1-1203", carrier="EMS", tracking="EA123456789CN", shelf="A3")
    return frontdesk.receive_parcel(ops["G1"], now, **(base | values))


def test_a_received_parcel_waits_with_its_audit_event(ops, clock):
    now = clock.now()
    pid = receive(ops, now, addressee="王[b]小明", size="Small")
    row = frontdesk.waiting_parcels()[-1]
    assert (row.id, row.unit_code, row.addressee, row.carrier, row.tracking, row.size, row.status, row.received_by) == \
        (pid, "1-1203", "王[b]小明", "EMS", "EA123456789CN", "small", "waiting", "G1")
    event = audit.history("parcel", pid)[-1]
    assert event["action"] == "parcel.receive" and event["data"]["after"]["tracking"] == "EA123456789CN"
    assert row.needs_notice(now)
    assert frontdesk.counts(now).parcels_waiting == 1


@pytest.mark.parametrize("values, field", [
    ({"unit_code": "", "addressee": ""}, "unit"),
    ({"unit_code": "9-9999"}, "unit"),
    ({"carrier": " "}, "carrier"),
    ({"tracking": ""}, "tracking"),
    ({"tracking": "[/x] \x1b[2J"}, "tracking"),
    ({"size": "huge"}, "size"),
])
def test_a_parcel_is_refused_at_the_field_that_is_wrong(ops, clock, values, field):
    with pytest.raises(InvalidInput) as refused:
        receive(ops, clock.now(), **values)
    assert refused.value.field == field
    assert Parcel.select().count() == 0


def test_notice_then_a_reminder_after_a_day(ops, clock):
    now = clock.now()
    pid = receive(ops, now)
    frontdesk.notify_parcel(ops["G1"], now, pid, how="phone")
    row = frontdesk.waiting_parcels()[0]
    assert (row.notified_at, row.notified_how, row.notice_count) == (now, "phone", 1)
    assert not row.needs_notice(now + timedelta(hours=23))
    assert row.needs_notice(now + timedelta(days=1))
    assert frontdesk.counts(now + timedelta(days=1)).parcels_to_notify == 1
    frontdesk.notify_parcel(ops["R1"], now + timedelta(days=1), pid, how="SMS")
    assert frontdesk.waiting_parcels()[0].notice_count == 2
    assert [e["action"] for e in audit.history("parcel", pid)] == ["parcel.receive", "parcel.notify", "parcel.notify"]


def test_collection_keeps_only_the_last_four_id_characters(ops, clock):
    now = clock.now()
    pid = receive(ops, now)
    with pytest.raises(InvalidInput) as refused:
        frontdesk.collect_parcel(ops["G1"], now, pid, collector="王小明", id_type="id_card",
                                 id_last4="11010519491231002X", signed=True)
    assert refused.value.field == "id_last4"
    assert "11010519491231002X" not in str(refused.value)
    frontdesk.collect_parcel(ops["G1"], now, pid, collector="王小明", id_type="id card", id_last4="002x", signed=True)
    parcel = Parcel.get_by_id(pid)
    assert (parcel.status, parcel.collector, parcel.id_type, parcel.id_last4, parcel.handed_by_id) == \
        ("collected", "王小明", "id_card", "002X", ops["G1"].id)
    assert frontdesk.waiting_parcels() == []
    # The audit trail is append-only: it says the ID was checked, never the digits or the name.
    events = str(audit.history("parcel", pid))
    assert audit.history("parcel", pid)[-1]["data"]["after"]["id_checked"] is True
    assert "002X" not in events and "王小明" not in events


def test_an_authorised_collector_says_what_authority_was_shown(ops, clock):
    now = clock.now()
    pid = receive(ops, now)
    with pytest.raises(InvalidInput) as refused:
        frontdesk.collect_parcel(ops["G1"], now, pid, collector="李四", by_addressee=False, id_type="passport",
                                 id_last4="1234", signed=True)
    assert refused.value.field == "authority"
    with pytest.raises(InvalidInput) as refused:
        frontdesk.collect_parcel(ops["G1"], now, pid, collector="李四", by_addressee=False, authority="业主短信授权",
                                 id_type="passport", id_last4="1234", signed=False)
    assert refused.value.field == "signed"
    frontdesk.collect_parcel(ops["G1"], now, pid, collector="李四", by_addressee=False, authority="业主短信授权",
                             id_type="passport", id_last4="1234", signed=True)
    assert Parcel.get_by_id(pid).authority == "业主短信授权"


def test_a_parcel_is_handed_out_once(ops, clock):
    now = clock.now()
    pid = receive(ops, now)
    frontdesk.collect_parcel(ops["G1"], now, pid, collector="王小明", id_type="id_card", id_last4="1234", signed=True)
    with pytest.raises(Conflict) as refused:
        frontdesk.collect_parcel(ops["R1"], now, pid, collector="王小明", id_type="id_card", id_last4="1234",
                                 signed=True)
    assert explain(refused.value, "Asia/Shanghai") == "This parcel is collected already (G1, 22:00)."
    with pytest.raises(Conflict):
        frontdesk.return_parcel(ops["R1"], now, pid, reason="refused")


def test_return_to_sender_needs_a_reason_and_a_desk_role(ops, clock):
    now = clock.now()
    pid = receive(ops, now)
    with pytest.raises(PermissionDenied):
        frontdesk.return_parcel(ops["G1"], now, pid, reason="超过七天未领")
    with pytest.raises(InvalidInput):
        frontdesk.return_parcel(ops["R1"], now, pid, reason=" ")
    frontdesk.return_parcel(ops["R1"], now, pid, reason="超过七天未领")
    assert frontdesk.recent_parcels()[0].status == "returned"
    assert frontdesk.counts(now).parcels_waiting == 0


def test_the_script_records_as_an_operator_or_the_system(ops, clock):
    now = clock.now()
    pid = frontdesk.receive_parcel_from_script(None, now, unit_code="1-1203", carrier="SF", tracking="SF1234567890")
    assert Parcel.get_by_id(pid).received_by.code == people.SYSTEM_CODE
    pid = frontdesk.receive_parcel_from_script(None, now, system=("LOCKER", "快递柜"), unit_code="1-1203",
                                               carrier="SF", tracking="SF1234567891")
    assert (Parcel.get_by_id(pid).received_by.code, Parcel.get_by_id(pid).received_by.role) == ("LOCKER", "system")
    pid = frontdesk.receive_parcel_from_script(ops["G1"], now, unit_code="1-1203", carrier="SF",
                                               tracking="SF1234567892")
    assert Parcel.get_by_id(pid).received_by.code == "G1"


def test_search_by_the_last_digits_and_the_units_parcels(ops, clock):
    now = clock.now()
    receive(ops, now, tracking="EA123456789CN")
    receive(ops, now, tracking="SF0000004321", unit_code="2-1503")
    assert [p.tracking for p in frontdesk.find_parcels("4321")] == ["SF0000004321"]
    assert [p.tracking for p in frontdesk.parcels_of_unit("1-1203")] == ["EA123456789CN"]


# --- visitors ----------------------------------------------------------------------------

def sign_in(ops, now, **values):
    base = dict(name="张[b]三", party_size=2, unit_code="1-1203", purpose="探亲", host_confirmed_by="王小明",
                pass_no="V-07", id_type="id_card", id_last4="5678")
    return frontdesk.sign_in_visitor(ops["G1"], now, **(base | values))


def test_a_visitor_is_on_site_until_signed_out(ops, clock):
    now = clock.now()
    vid = sign_in(ops, now)
    other = sign_in(ops, now, name="Contractor Li", party_size=1, unit_code="", destination="物业办公室",
                    purpose="维修空调", id_last4="")
    assert [v.id for v in frontdesk.visitors_on_site()] == [vid, other]
    assert frontdesk.counts(now).visitors_on_site == 3
    row = frontdesk.visitors_on_site()[0]
    assert (row.name, row.party_size, row.visiting, row.host_confirmed_by, row.id_last4) == \
        ("张[b]三", 2, "1-1203", "王小明", "5678")
    frontdesk.sign_out_visitor(ops["R1"], now + timedelta(hours=1), vid)
    assert [v.id for v in frontdesk.visitors_on_site()] == [other]
    left = frontdesk.recent_visitors()[-1]
    assert (left.left_at, left.signed_out_by) == (now + timedelta(hours=1), "R1")
    with pytest.raises(Conflict):
        frontdesk.sign_out_visitor(ops["G1"], now, vid)
    assert [e["action"] for e in audit.history("visitor", vid)] == ["visitor.sign_in", "visitor.sign_out"]
    assert [v.id for v in frontdesk.visitors_of_unit("1-1203")] == [vid]


@pytest.mark.parametrize("values, field", [
    ({"name": ""}, "name"),
    ({"party_size": "0"}, "party_size"),
    ({"party_size": "many"}, "party_size"),
    ({"unit_code": "", "destination": ""}, "unit"),
    ({"purpose": ""}, "purpose"),
    ({"id_last4": "110105194912310021"}, "id_last4"),
    ({"id_type": "library card"}, "id_type"),
    ({"phone": "abc"}, "phone"),
])
def test_a_visitor_is_refused_at_the_field_that_is_wrong(ops, clock, values, field):
    with pytest.raises(InvalidInput) as refused:
        sign_in(ops, clock.now(), **values)
    assert refused.value.field == field
    assert Visitor.select().count() == 0


def test_a_version_2_database_gets_the_registers_and_keeps_its_rows(tmp_path):
    path = tmp_path / "v2.db"
    conn = sqlite3.connect(path)
    conn.executescript((FIXTURES / "schema_v2.sql").read_text())
    conn.execute("INSERT INTO unit (code, building, floor, owner_name, owner_phone, handed_over, vacant, notes) "
                 "VALUES ('1-1203', '1', 12, '王[b]小明', '', 1, 0, '')")
    conn.commit()
    conn.close()
    db.connect("sqlite:///" + str(path))
    assert db.schema_version() == db.SCHEMA_VERSION
    assert {"parcel", "visitor", "goods_pass", "lost_item"} <= set(db.database.get_tables())
    assert db.Unit.get(db.Unit.code == "1-1203").owner_name == "王[b]小明"
    assert (tmp_path / "v2.db.v2.bak").exists()


# --- `deskconsole parcel add` ----------------------------------------------------------------

def _parcel_add(demo_site, capsys, *args, pin: str = ""):
    import io
    import sys
    from deskconsole import cli
    sys.stdin, stdin = io.StringIO(pin + "\n"), sys.stdin
    try:
        status = cli.main(["parcel", "add", "--db", demo_site.db_url, *args])
    finally:
        sys.stdin = stdin
    out, err = capsys.readouterr()
    db.connect(demo_site.db_url)
    return status, out, err


def test_parcel_add_prints_the_id_and_records_the_system_or_the_operator(demo_site, capsys):
    status, out, err = _parcel_add(demo_site, capsys, "--unit", "1-1203", "--carrier", "EMS",
                                   "--tracking", "EA 1234 5678 9CN", "--for", "王[b]小明 \x1b[2J")
    assert status == 0, err
    parcel = Parcel.get_by_id(int(out))
    assert (parcel.received_by.code, parcel.tracking, parcel.addressee, parcel.status) == \
        (people.SYSTEM_CODE, "EA123456789CN", "王[b]小明", "waiting")
    status, out, err = _parcel_add(demo_site, capsys, "--unit", "2-1503", "--carrier", "SF", "--tracking",
                                   "SF0000004321", "--operator", "g1", pin="0000")
    assert status == 0, err
    assert Parcel.get_by_id(int(out)).received_by.code == "G1"
    assert [p.tracking for p in frontdesk.find_parcels("4321")] == ["SF0000004321"]


@pytest.mark.parametrize("args, says", [
    (["--unit", "9-999"], "--unit: There is no unit 9-999"),
    (["--unit", ""], "--unit: Say which unit or person the parcel is for."),
    (["--tracking", "  "], "--tracking: Type the tracking number"),
    (["--size", "huge"], "--size: Choose a size"),
    (["--operator", "NOBODY"], "--operator: No staff member has the code NOBODY"),
    (["--operator", "G1"], "--operator G1: give G1's PIN on standard input (or leave --operator out to record "
                           "the parcel as the system)"),
])
def test_parcel_add_refuses_on_stderr_with_status_1_and_writes_nothing(demo_site, capsys, args, says):
    events = db.AuditEvent.select().count()
    staff = db.Staff.select().count()
    base = {"--unit": "1-1203", "--carrier": "EMS", "--tracking": "EA123456789CN"}
    for flag, value in zip(args[::2], args[1::2]):
        base[flag] = value
    status, out, err = _parcel_add(demo_site, capsys, *[x for pair in base.items() for x in pair])
    assert (status, out) == (1, "")
    assert says in err
    assert (Parcel.select().count(), db.AuditEvent.select().count(), db.Staff.select().count()) == (0, events, staff)


# --- goods-release passes ------------------------------------------------------------------------

ENGINE = Config(db_url="").sla_engine()     # Asia/Shanghai: NOW is 22:00 there


def issue(ops, now, **values):
    base = dict(unit_code="1-1203", requester="王小明", requester_kind="owner", items="沙发一张, 纸箱 3 个")
    return frontdesk.issue_pass(ops["G1"], now, ENGINE, **(base | values))


def test_a_pass_is_numbered_valid_to_the_end_of_the_day_and_released_once(ops, clock):
    now = clock.now()
    pid = issue(ops, now)
    (row,) = frontdesk.open_passes(now)
    assert (row.number, row.unit_code, row.status) == (frontdesk.pass_number(pid), "1-1203", "issued")
    assert row.valid_until == now + timedelta(hours=2)           # 24:00 in Shanghai
    frontdesk.release_pass(ops["G1"], now + timedelta(minutes=30), pid, note="门岗核对")
    assert frontdesk.open_passes(now) == []
    with pytest.raises(Conflict) as refused:
        frontdesk.release_pass(ops["R1"], now, pid)
    assert explain(refused.value, "Asia/Shanghai") == f"Pass {row.number} was released already (G1, 22:30)."
    assert [e["action"] for e in audit.history("goods_pass", pid)] == ["pass.issue", "pass.release"]


def test_a_pass_expires_at_the_end_of_its_day(ops, clock):
    now = clock.now()
    pid = issue(ops, now)
    later = now + timedelta(hours=2)
    assert frontdesk.open_passes(later) == []
    with pytest.raises(Conflict):
        frontdesk.release_pass(ops["G1"], later, pid)


def test_a_move_out_is_checked_and_an_authorised_person_recorded(ops, clock):
    now = clock.now()
    with pytest.raises(InvalidInput) as refused:
        issue(ops, now, move_out=True, checked=["arrears_cleared", "keys_returned"])
    assert refused.value.field == "checked"
    with pytest.raises(InvalidInput) as refused:
        issue(ops, now, requester_kind="authorised")
    assert refused.value.field == "authorisation"
    pid = issue(ops, now, requester_kind="authorised", authorisation="业主王小明书面授权", move_out=True,
                checked=list(frontdesk.MOVE_OUT_CHECKS))
    assert db.GoodsPass.get_by_id(pid).checks == "arrears_cleared,keys_returned,passes_returned"


# --- lost and found ----------------------------------------------------------------------------

def test_found_then_claimed_once_with_the_id_checked(ops, clock):
    now = clock.now()
    iid = frontdesk.record_found(ops["G1"], now, found_where="2 栋大堂", found_by="保洁 刘姐",
                                 description="黑色钱包 [b]", stored_where="前台抽屉 2")
    assert [i.description for i in frontdesk.kept_items()] == ["黑色钱包 [b]"]
    with pytest.raises(InvalidInput):
        frontdesk.claim_item(ops["G1"], now, iid, claimant="李四", id_type="id_card", id_last4="")
    frontdesk.claim_item(ops["G1"], now, iid, claimant="李四", id_type="id_card", id_last4="1234")
    assert frontdesk.kept_items() == []
    with pytest.raises(Conflict):
        frontdesk.claim_item(ops["R1"], now, iid, claimant="李四", id_type="id_card", id_last4="1234")


# --- the handover: open items of each register -------------------------------------------------

def test_the_handover_lists_the_open_items_of_each_register(ops, demo_site, clock):
    from deskconsole import shifts
    now = clock.now()
    before = shifts.compile_handover(demo_site, ENGINE, now)
    assert not {"parcels", "visitors", "passes", "found"} & {s["id"] for s in before["sections"]}
    waiting = [receive(ops, now, tracking=t) for t in ("EA000000001CN", "SF0000000002", "JD0000000003")]
    frontdesk.collect_parcel(ops["G1"], now, waiting[0], collector="王小明", id_type="id_card", id_last4="1234",
                             signed=True)
    inside = sign_in(ops, now)
    frontdesk.sign_out_visitor(ops["G1"], now, sign_in(ops, now, name="李四"))
    pass_id = issue(ops, now)
    released = issue(ops, now)
    frontdesk.release_pass(ops["G1"], now, released)
    sheet = shifts.compile_handover(demo_site, ENGINE, now)
    listed = {s["id"]: [i["key"] for i in s["items"] or []] for s in sheet["sections"]}
    assert listed["parcels"] == [f"parcel:{waiting[1]}", f"parcel:{waiting[2]}"]
    assert listed["visitors"] == [f"visitor:{inside}"]
    assert listed["passes"] == [f"pass:{pass_id}"]
    assert "found" not in listed
    assert [s["id"] for s in sheet["sections"]][-1] == "calls"
    # The printed sheet says them, with their own words as typed.
    handover_id = shifts.begin_handover(ops["G1"], now, ENGINE, config=demo_site)
    text = shifts.render_sheet(shifts.handover(handover_id), "Asia/Shanghai")
    assert "Parcels waiting for collection (2)" in text and "SF0000000002" in text
    assert "Visitors still on site (1)" in text and "张[b]三 ×2" in text
    assert "Goods-release passes not yet released (1)" in text and frontdesk.pass_number(pass_id) in text


def test_export_includes_the_registers(ops, demo_site, clock):
    from deskconsole import export
    now = clock.now()
    pid = receive(ops, now)
    sign_in(ops, now)
    issue(ops, now)
    frontdesk.record_found(ops["G1"], now, found_where="大堂", description="伞")
    data = export.export_data(demo_site)
    assert [p["tracking"] for p in data["parcels"]] == ["EA123456789CN"] and data["parcels"][0]["id"] == pid
    assert data["parcels"][0]["received_at"].endswith("+08:00")
    assert [v["id_last4"] for v in data["visitors"]] == ["5678"]
    assert len(data["goods_passes"]) == 1 and len(data["lost_items"]) == 1


def test_the_monthly_figures_count_the_registers(ops, demo_site, clock):
    from deskconsole import reports
    now = clock.now()
    first, second = receive(ops, now), receive(ops, now, tracking="SF0000000002")
    receive(ops, now, tracking="JD0000000003")
    frontdesk.collect_parcel(ops["G1"], now + timedelta(hours=1), first, collector="王小明", id_type="id_card",
                             id_last4="1234", signed=True)
    frontdesk.collect_parcel(ops["G1"], now + timedelta(hours=3), second, collector="王小明", id_type="id_card",
                             id_last4="1234", signed=True)
    sign_in(ops, now)
    frontdesk.release_pass(ops["G1"], now, issue(ops, now))
    day = now.astimezone(ENGINE.tz).date()
    report = reports.compute(demo_site, ENGINE, day.replace(day=1), day + timedelta(days=1), now + timedelta(hours=4))
    assert report.figure("frontdesk.parcels_received").count == 3
    collected = report.figure("frontdesk.parcels_collected")
    assert collected.count == 2 and collected.note == "Median time to collection: 2:00 (hours:minutes)."
    assert (report.figure("frontdesk.visits").count, report.figure("frontdesk.visits").note) == (1, "2 people in all.")
    assert report.figure("frontdesk.passes").note == "1 released at the gate."


# --- personal data kept only as long as needed ---------------------------------------------------

def test_purge_blanks_personal_data_past_the_retention_once_and_keeps_the_records(ops, clock):
    now = clock.now()
    old_visit = sign_in(ops, now, phone="138 0000 1111")
    frontdesk.sign_out_visitor(ops["G1"], now + timedelta(hours=1), old_visit)
    still_inside = sign_in(ops, now, name="Contractor Li")
    parcel = receive(ops, now, addressee="王小明")
    frontdesk.collect_parcel(ops["G1"], now, parcel, collector="李四", by_addressee=False, authority="业主短信",
                             id_type="id_card", id_last4="1234", signed=True)
    waiting = receive(ops, now, addressee="赵六", tracking="SF0000000009")
    later = now + timedelta(days=181)
    with pytest.raises(PermissionDenied):
        frontdesk.purge_personal_data(ops["R1"], later, days=180)
    assert frontdesk.purge_personal_data(ops["S1"], now + timedelta(days=179), days=180).visitors == 0
    done = frontdesk.purge_personal_data(ops["S1"], later, days=180)
    assert (done.visitors, done.parcels, done.found_items) == (1, 1, 0)
    v = Visitor.get_by_id(old_visit)
    assert (v.name, v.phone, v.id_last4, v.host_confirmed_by, v.purpose, v.party_size) == ("", "", "", "", "探亲", 2)
    assert v.purged_at == later
    p = Parcel.get_by_id(parcel)
    assert (p.addressee, p.collector, p.authority, p.id_last4, p.tracking, p.status) == \
        ("", "", "", "", "EA123456789CN", "collected")
    assert Visitor.get_by_id(still_inside).name == "Contractor Li"      # still on site: kept
    assert Parcel.get_by_id(waiting).addressee == "赵六"                  # still waiting: kept
    assert Visitor.select().count() == 2 and Parcel.select().count() == 2
    last = db.AuditEvent.select().order_by(db.AuditEvent.id.desc()).first()
    assert last.action == "frontdesk.purge" and f"[{old_visit}]" in last.data.replace(" ", "")
    assert frontdesk.purge_personal_data(ops["S1"], later, days=180) == frontdesk.Purged(0, 0, 0, later - timedelta(days=180))
    assert audit.verify_chain() == []


def test_check_purge_uses_the_site_files_days(demo_site, capsys, tmp_path):
    from deskconsole import cli
    now = datetime.now(timezone.utc)       # `check --purge` reads the system clock
    guard = people.find("G1")
    vid = frontdesk.sign_in_visitor(guard, now - timedelta(days=40), name="张三", unit_code="1-1203",
                                    purpose="探亲")
    frontdesk.sign_out_visitor(guard, now - timedelta(days=40), vid)
    path = demo_site.db_url
    site = tmp_path / "site.toml"
    site.write_text("personal_data_days = 60\n", "utf-8")
    db.close()
    assert cli.main(["check", "--purge", "--db", str(path), "--site", str(site)]) == 0
    assert "purge: 0 visitor(s)" in capsys.readouterr().out
    site.write_text("personal_data_days = 30\n", "utf-8")
    assert cli.main(["check", "--purge", "--db", str(path), "--site", str(site)]) == 0
    assert "purge: 1 visitor(s), 0 parcel(s), 0 found item(s) blanked" in capsys.readouterr().out
    db.connect(demo_site.db_url)
    assert Visitor.get_by_id(vid).name == ""
    site.write_text("personal_data_days = 0\n", "utf-8")
    assert cli.main(["check", "--purge", "--db", str(path), "--site", str(site)]) == 2
