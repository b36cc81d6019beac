"""Who may do what (issue 7): people.PERMISSIONS walked action by action for the guard, the
receptionist and the supervisor, through the desk functions (a denied action raises PermissionDenied
and writes nothing) and through the sub-commands that take --operator."""
from __future__ import annotations

from datetime import timedelta

import pytest

from deskconsole import calls, cli, db, frontdesk, keys, orders, people, shifts, site_setup, units
from deskconsole.db import AuditEvent, Call, Key, WorkOrder
from deskconsole.errors import Conflict, InvalidInput, PermissionDenied

ROLES = {"guard": "G1", "receptionist": "R1", "supervisor": "S1"}
TABLES = [db.Call, db.WorkOrder, db.ReminderAck, db.Shift, db.ShiftLogEntry, db.Key, db.KeyLoan, db.KeyReport,
          db.Staff, db.Handover, db.HandoverAck, db.HandoverAddendum, db.DeskSignOff, db.AuditEvent, db.Unit,
          db.Technician, db.FollowUp, db.Parcel, db.Visitor, db.GoodsPass, db.LostItem]


class Desk:
    """Records in the state each action needs, made by the supervisor S1."""

    def __init__(self, config, now):
        self.config, self.now, self.engine = config, now, config.sla_engine()
        self.s1, self.r1 = people.find("S1"), people.find("R1")

    def call(self, category="repair", **extra) -> int:
        return calls.add_call(self.s1, self.now, category=category, channel="phone", text="权限 test", **extra)

    def order(self, status="logged") -> int:
        order_id = orders.create_order(self.s1, self.now, self.engine, sla_class="general_repair",
                                       description="窗户关不上", unit_code="1-1203")
        if status in ("dispatched",):
            orders.dispatch(self.s1, self.now, order_id, department="engineering")
        if status in ("on_site", "done"):
            orders.arrive(self.s1, self.now, order_id)
        if status == "done":
            orders.complete(self.s1, self.now, order_id, work_done="换了合页")
        if status == "extension":
            orders.request_extension(self.s1, self.now, self.engine, order_id, until=self.now + timedelta(days=5),
                                     reason="等配件")
        if status == "return":
            orders.return_order(self.r1, self.now, order_id, reason="业主不让进门")
        return order_id

    def done(self, sla_class="complaint_other", **fields) -> int:
        """An order of this class done (a complaint done waits for its written reply)."""
        order_id = orders.create_order(self.s1, self.now, self.engine, sla_class=sla_class, description="投诉 test",
                                       unit_code="1-1203", **fields)
        orders.dispatch(self.s1, self.now, order_id, department="engineering")
        orders.arrive(self.s1, self.now, order_id)
        orders.complete(self.s1, self.now, order_id, work_done="已处理")
        return order_id

    def key_out(self, tag="PR-02") -> int:
        loan = keys.issue(self.s1, self.now, self.engine, tag=tag, holder_kind="staff", holder_name="张师傅",
                          due_at=self.now + timedelta(hours=1))
        return db.KeyLoan.get_by_id(loan).key_id

    def parcel(self) -> int:
        return frontdesk.receive_parcel(self.s1, self.now, unit_code="1-1203", carrier="EMS", tracking="EA123456789CN")

    def visitor(self) -> int:
        return frontdesk.sign_in_visitor(self.s1, self.now, name="张三", unit_code="1-1203", purpose="探亲")

    def goods_pass(self) -> int:
        return frontdesk.issue_pass(self.s1, self.now, self.engine, unit_code="1-1203", requester="王小明",
                                    requester_kind="owner", items="沙发")

    def found(self) -> int:
        return frontdesk.record_found(self.s1, self.now, found_where="大堂", description="伞")

    def handover(self) -> int:
        return shifts.begin_handover(self.r1, self.now, self.engine, config=self.config)


def actions(d: Desk) -> dict:
    """action -> (prepare(), do(actor, prepared)): each calls the desk function that checks the action."""
    now = d.now
    return {
        "call.add": (lambda: None, lambda a, _: calls.add_call(a, now, category="repair", channel="phone",
                                                              text="漏水")),
        "call.edit": (d.call, lambda a, c: calls.edit_call(a, now, c, category="repair", channel="phone",
                                                          text="漏水 (corrected)")),
        "call.answer": (lambda: d.call("inquiry", answered=False),
                        lambda a, c: calls.answer_inquiry(a, now, c, answer="周三停水")),
        "call.deliver": (lambda: d.call("message", message_for="张师傅"),
                         lambda a, c: calls.deliver_message(a, now, c)),
        "call.void": (d.call, lambda a, c: calls.void_call(a, now, c, reason="entered twice")),
        "order.create": (lambda: None, lambda a, _: orders.create_order(
            a, now, d.engine, sla_class="general_repair", description="墙面渗水", unit_code="1-1203")),
        "order.arrive": (d.order, lambda a, o: orders.arrive(a, now, o)),
        "order.note": (d.order, lambda a, o: orders.add_note(a, now, o, text="业主来电催")),
        "order.dispatch": (d.order, lambda a, o: orders.dispatch(a, now, o, department="engineering")),
        "order.complete": (lambda: d.order("on_site"),
                           lambda a, o: orders.complete(a, now, o, work_done="换了合页")),
        "order.callback": (lambda: d.order("done"),
                           lambda a, o: orders.callback(a, now, d.engine, o, satisfied=True)),
        "order.cancel": (d.order, lambda a, o: orders.cancel(a, now, o, reason="业主撤回")),
        "order.return.request": (d.order, lambda a, o: orders.return_order(a, now, o, reason="不能修")),
        "order.extend.request": (d.order, lambda a, o: orders.request_extension(
            a, now, d.engine, o, until=now + timedelta(days=5), reason="等配件")),
        "order.extend.approve": (lambda: d.order("extension"), lambda a, o: orders.approve_extension(a, now, o)),
        "order.return.approve": (lambda: d.order("return"), lambda a, o: orders.approve_return(a, now, o)),
        "reminder.ack": (d.order, lambda a, o: orders.acknowledge(a, now, o, keys=["chase:1"])),
        "order.followup": (d.done, lambda a, o: orders.finish_followup(a, now, o, kind="written_reply",
                                                                       person="业主", note="信件")),
        "order.fee.collect": (lambda: d.done("general_repair", chargeable=True, fee_agreed="80"),
                              lambda a, o: orders.collect_fee(a, now, o, amount="80")),
        "complaint.verify": (d.done, lambda a, o: orders.verify_complaint(a, now, o, effective=True)),
        "complaint.major": (d.done, lambda a, o: orders.mark_major(a, now, o, major=True)),
        "log.add": (lambda: None, lambda a, _: shifts.add_entry(a, now, config=d.config, kind="note", text="巡逻正常")),
        "log.done": (lambda: shifts.add_entry(d.s1, now, config=d.config, kind="instruction", text="明早联系电梯公司"),
                     lambda a, e: shifts.mark_done(a, now, e)),
        "shift.handover": (lambda: None, lambda a, _: shifts.sign_off(a, now, config=d.config, note="去巡逻")),
        "shift.supervise": (d.handover, lambda a, h: shifts.supervise(a, now, h, note="ok")),
        "key.issue": (lambda: None, lambda a, _: keys.issue(a, now, d.engine, tag="PR-03", holder_kind="staff",
                                                           holder_name="张师傅", due_at=now + timedelta(hours=1))),
        "key.return": (d.key_out, lambda a, k: keys.return_key(a, now, k)),
        "key.report": (lambda: d.key_out("PR-04"), lambda a, k: keys.report(a, now, k, kind="lost", note="丢了")),
        "key.catalogue": (lambda: None, lambda a, _: keys.save_key(a, now, tag=f"T-{a.code}", label="测试",
                                                                  kind="office")),
        "staff.manage": (lambda: None, lambda a, _: people.create_staff(a, now, code=f"N{a.code}", name="新人",
                                                                       role="guard", pin="1234")),
        "unit.manage": (lambda: units.find("1-1203").id, lambda a, u: units.update_unit(
            a, now, u, owner=f"业主 {a.code}", phones="13800001111", status="occupied", notes="")),
        "technician.manage": (lambda: None, lambda a, _: site_setup.import_technicians(a, now, table=site_setup.Table(
            "t.csv", ("department", "name"), 1, ((2, ("engineering", f"师傅 {a.code}")),)))),
        "parcel.receive": (lambda: None, lambda a, _: frontdesk.receive_parcel(
            a, now, unit_code="1-1203", carrier="SF", tracking="SF1234567890")),
        "parcel.notify": (d.parcel, lambda a, p: frontdesk.notify_parcel(a, now, p, how="phone")),
        "parcel.collect": (d.parcel, lambda a, p: frontdesk.collect_parcel(
            a, now, p, collector="王小明", id_type="id_card", id_last4="1234", signed=True)),
        "parcel.return": (d.parcel, lambda a, p: frontdesk.return_parcel(a, now, p, reason="拒收")),
        "visitor.sign_in": (lambda: None, lambda a, _: frontdesk.sign_in_visitor(
            a, now, name="李四", unit_code="1-1203", purpose="送货")),
        "visitor.sign_out": (d.visitor, lambda a, v: frontdesk.sign_out_visitor(a, now, v)),
        "pass.issue": (lambda: None, lambda a, _: frontdesk.issue_pass(
            a, now, d.engine, unit_code="1-1203", requester="王小明", requester_kind="owner", items="纸箱")),
        "pass.release": (d.goods_pass, lambda a, p: frontdesk.release_pass(a, now, p)),
        "lost.record": (lambda: None, lambda a, _: frontdesk.record_found(a, now, found_where="车库",
                                                                         description="钥匙扣")),
        "frontdesk.purge": (lambda: None, lambda a, _: frontdesk.purge_personal_data(a, now, days=180)),
        "lost.claim": (d.found, lambda a, i: frontdesk.claim_item(a, now, i, claimant="赵六", id_type="id_card",
                                                                 id_last4="5678")),
    }


def snapshot() -> dict:
    return {m.__name__: m.select().count() for m in TABLES} | {
        "last_audit": AuditEvent.select().order_by(AuditEvent.id.desc()).first().id,
        "orders": list(WorkOrder.select(WorkOrder.id, WorkOrder.status, WorkOrder.pending).tuples()),
        "calls": Call.select(Call.status).where(Call.id > 1990).tuples()[:],
        "keys": list(Key.select(Key.tag, Key.status).tuples()),
        "units": list(db.Unit.select(db.Unit.code, db.Unit.owner_name, db.Unit.phones).tuples()),
    }


# Actions whose refusal is not a role check at the door, but the rule itself (tested below).
SPECIAL = {"order.void", "key.authorise"}


def test_the_table_covers_three_roles_and_every_action_is_walked(demo_site, clock):
    walked = set(actions(Desk(demo_site, clock.now()))) | SPECIAL
    assert walked == set(people.PERMISSIONS)
    assert all(roles <= set(people.ROLES) | {"system"} for roles in people.PERMISSIONS.values())


@pytest.mark.parametrize("role", list(ROLES))
def test_each_action_through_the_desk_functions(demo_site, clock, role):
    desk = Desk(demo_site, clock.now())
    actor = people.find(ROLES[role])
    allowed, denied = [], []
    for action, (prepare, do) in actions(desk).items():
        prepared = prepare()
        if role in people.PERMISSIONS[action]:
            try:
                do(actor, prepared)
            except PermissionDenied as exc:    # pragma: no cover - the failure message
                pytest.fail(f"{role} was refused {action}: {exc}")
            allowed.append(action)
        else:
            before = snapshot()
            with pytest.raises(PermissionDenied) as refused:
                do(actor, prepared)
            assert action in str(refused.value) and role in str(refused.value)
            assert snapshot() == before, f"{role} {action}: a refused action wrote something"
            denied.append(action)
    expected_denied = {a for a, roles in people.PERMISSIONS.items() if role not in roles} - SPECIAL
    assert set(denied) == expected_denied
    assert role != "supervisor" or denied == []
    print(f"\n{role}: {len(allowed)} allowed, {len(denied)} denied: {sorted(denied)}")


@pytest.mark.parametrize("role", list(ROLES))
def test_only_a_supervisor_voids_an_order_already_dispatched(demo_site, clock, role):
    desk = Desk(demo_site, clock.now())
    order_id = desk.order("dispatched")
    actor = people.find(ROLES[role])
    if role in people.PERMISSIONS["order.void"]:
        orders.cancel(actor, clock.now(), order_id, reason="业主撤回")
        assert WorkOrder.get_by_id(order_id).status == "cancelled"
        return
    before = snapshot()
    with pytest.raises((PermissionDenied, Conflict)):
        orders.cancel(actor, clock.now(), order_id, reason="业主撤回")
    assert snapshot() == before and WorkOrder.get_by_id(order_id).status == "dispatched"


@pytest.mark.parametrize("role", list(ROLES))
def test_only_a_supervisor_authorises_a_master_key(demo_site, clock, role):
    authoriser = people.find(ROLES[role])
    now = clock.now()
    engine = demo_site.sla_engine()
    issue = lambda: keys.issue(people.find("G1"), now, engine, tag="MK-02", holder_kind="staff",  # noqa: E731
                               holder_name="张师傅", due_at=now + timedelta(minutes=30), authorised_by=authoriser)
    if role in people.PERMISSIONS["key.authorise"]:
        issue()
        assert Key.get(Key.tag == "MK-02").status == "out"
        return
    before = snapshot()
    with pytest.raises(InvalidInput) as refused:
        issue()
    assert refused.value.field == "auth_code" and "supervisor must authorise" in refused.value.message
    assert snapshot() == before


# --- the sub-commands that take --operator ---------------------------------------------------

@pytest.mark.parametrize("code", ["G1", "R1", "S1", ""])
def test_call_add_as_each_role(demo_site, capsys, monkeypatch, code):
    import io
    monkeypatch.setattr("sys.stdin", io.StringIO("0000\n"))  # the operator's PIN
    path = demo_site.db_url
    assert cli.main(["call", "add", "--db", path, "--category", "repair", "--channel", "phone",
                     "--text", "漏水", "--operator", code]) == 0
    call_id = int(capsys.readouterr().out)
    db.connect(demo_site.db_url)
    taken_by = Call.get_by_id(call_id).taken_by
    assert taken_by.code == (code or people.SYSTEM_CODE)
    assert taken_by.role in people.PERMISSIONS["call.add"]


def test_call_add_as_someone_who_is_not_on_the_staff_list_writes_nothing(demo_site, capsys):
    path = demo_site.db_url
    count = Call.select().count()
    db.Staff.update(active=False).where(db.Staff.code == "G2").execute()
    for code in ("X9", "G2"):      # unknown, and no longer active
        assert cli.main(["call", "add", "--db", path, "--category", "repair", "--channel", "phone",
                         "--text", "漏水", "--operator", code]) == 1
        assert f"--operator: No staff member has the code {code}." in capsys.readouterr().err
    db.connect(demo_site.db_url)
    assert Call.select().count() == count
