"""A load with the previous one reads only what the audit trail says changed since (console_data.load),
and must show exactly what a load from scratch shows: after every kind of write, field by field. And what
it reads is in proportion to the change, not to the site."""
from __future__ import annotations

from dataclasses import fields
from datetime import datetime, timedelta

import pytest

from deskconsole import calls, console_data, db, frontdesk, keys, orders, people, shifts
from deskconsole.console_data import ConsoleData

from conftest import NOW

HOSTILE = "王[b]小明 [/x] \x1b[2J"


def shown(data: ConsoleData) -> dict:
    return {f.name: getattr(data, f.name) for f in fields(ConsoleData) if f.name != "read_in_full_at"}


def same_as_a_full_load(site, engine, now: datetime, previous: ConsoleData, *, incremental=True) -> ConsoleData:
    """The incremental load after a write, checked against a load from scratch at the same moment."""
    data = console_data.load(site, engine, now, previous)
    full = console_data.load(site, engine, now)
    for name, value in shown(full).items():
        assert getattr(data, name) == value, name
    assert data.desk_counts == frontdesk.counts(now)    # counted in memory: as the database counts them
    if incremental:
        assert data.read_in_full_at == previous.read_in_full_at, "read in full instead of what changed"
    return data


class Desk:
    """The mixed writes of a night at the desk, each followed by the check."""

    def __init__(self, site):
        self.site = site
        self.engine = site.sla_engine()
        self.now = NOW
        self.ops = {code: people.find(code) for code in ("S1", "R1", "G1")}
        self.data = console_data.load(site, self.engine, self.now)

    def step(self, write, minutes: float = 1, **check):
        self.now += timedelta(minutes=minutes)
        result = write(self.now)
        self.data = same_as_a_full_load(self.site, self.engine, self.now, self.data, **check)
        return result


def test_an_incremental_load_equals_a_full_one_after_each_write(demo_site):
    desk = Desk(demo_site)
    r1, s1, g1, engine = desk.ops["R1"], desk.ops["S1"], desk.ops["G1"], desk.engine

    # Calls: new ones (an inquiry waiting for its reply, an emergency, a complaint), handled, answered.
    inquiry = desk.step(lambda now: calls.add_call(r1, now, engine, category="inquiry", channel="phone", caller=HOSTILE,
                                                   text=HOSTILE, answered=False))
    emergency = desk.step(lambda now: calls.add_call(r1, now, category="emergency", channel="phone",
                                                     unit_code="1-1203", text="楼上跑水 [b]"))
    complaint = desk.step(lambda now: calls.add_call(r1, now, category="complaint", channel="walk_in",
                                                     unit_code="1-1203", text="楼下装修噪音"))
    desk.step(lambda now: calls.answer_inquiry(r1, now, inquiry, answer="明天上午"))
    desk.step(lambda now: calls.close(r1, now, emergency, note="处理了"))
    # An order from a call (the call's row names it); the call edited into another category (the
    # order's complaint clocks come from its call).
    order = desk.step(lambda now: calls.convert_to_order(r1, now, engine, complaint, sla_class="complaint_neighbour"))
    desk.step(lambda now: calls.edit_call(r1, now, complaint, category="repair", channel="walk_in",
                                          unit_code="1-1203", text="楼下装修噪音"))
    # Orders: dispatched, on site, a key lent for it, done (the key's row says so), extended, closed, cancelled.
    desk.step(lambda now: orders.dispatch(r1, now, order, department="engineering", assignee=HOSTILE))
    desk.step(lambda now: orders.arrive(r1, now, order, engine=engine))
    desk.step(lambda now: keys.issue(r1, now, engine, tag="PR-02", holder_kind="staff", holder_name="G2",
                                     order=order))
    desk.step(lambda now: orders.complete(r1, now, order, work_done="修好了", signoff="phone", signed_by="业主"))
    desk.step(lambda now: orders.callback(r1, now, engine, order, satisfied=True))
    desk.step(lambda now: keys.return_key(r1, now, keys.find("PR-02").id))
    logged = db.WorkOrder.select(db.WorkOrder.id).where(db.WorkOrder.status == "logged").order_by(db.WorkOrder.id)
    first, second = [o.id for o in logged.limit(2)]
    desk.step(lambda now: orders.request_extension(r1, now, engine, first, until=now + timedelta(days=9),
                                                   reason="等配件", owner_consent=True))
    desk.step(lambda now: orders.approve_extension(s1, now, first))
    desk.step(lambda now: orders.cancel(r1, now, second, reason="业主撤回"))
    # A key lent and one reported lost; the shift log; the front desk's registers.
    desk.step(lambda now: keys.issue(r1, now, engine, tag="PR-03", holder_kind="contractor", holder_name=HOSTILE,
                                     holder_company="某公司", holder_document="身份证 1234"))
    entry = desk.step(lambda now: shifts.add_entry(g1, now, config=demo_site, kind="instruction", text=HOSTILE))
    desk.step(lambda now: shifts.mark_done(g1, now, entry))
    parcel = desk.step(lambda now: frontdesk.receive_parcel(g1, now, unit_code="1-1203", addressee=HOSTILE,
                                                            carrier="EMS", tracking="EA123456789CN", shelf="A3"))
    desk.step(lambda now: frontdesk.notify_parcel(g1, now, parcel, how="phone"))
    desk.step(lambda now: frontdesk.collect_parcel(g1, now, parcel, collector="王小明", id_type="id_card",
                                                   id_last4="1234", signed=True))
    visitor = desk.step(lambda now: frontdesk.sign_in_visitor(g1, now, name=HOSTILE, party_size=3,
                                                              unit_code="1-1203", purpose="探亲"))
    desk.step(lambda now: frontdesk.sign_out_visitor(g1, now, visitor))
    gate_pass = desk.step(lambda now: frontdesk.issue_pass(g1, now, engine, unit_code="1-1203", requester="王小明",
                                                           requester_kind="owner", items="沙发"))
    desk.step(lambda now: frontdesk.issue_pass(g1, now, engine, unit_code="1-1203", requester="李四",
                                               requester_kind="owner", items="冰箱"))
    desk.step(lambda now: frontdesk.release_pass(g1, now, gate_pass))
    item = desk.step(lambda now: frontdesk.record_found(g1, now, found_where="大堂", description=HOSTILE))
    desk.step(lambda now: frontdesk.claim_item(g1, now, item, claimant="张三", id_type="passport", id_last4="123x"))
    # Written where nothing on the console shows it: another operator's sign-on.
    desk.step(lambda now: people.verify("S1", "0000", now))
    # Past midnight at the site: the pass not used expired, and the night's passes leave the list.
    desk.step(lambda now: calls.add_call(r1, now, category="message", channel="phone", text="给物业经理",
                                         message_for="经理"), minutes=125)
    # The day shift begins: its calls are counted from 08:00.
    desk.step(lambda now: calls.add_call(r1, now, category="other", channel="phone", text="早"), minutes=8 * 60)


def test_a_call_leaving_the_open_window_brings_in_the_next(demo_site):
    """More open calls than the pane keeps from beyond its newest 300: answering one of them takes it out
    and the next older one comes in, which the previous load never held."""
    desk = Desk(demo_site)
    r1 = desk.ops["R1"]
    many_calls(300, status="closed", newest=NOW)
    many_calls(calls.OLDER_OPEN_SHOWN + 5, status="open", category="inquiry", newest=NOW - timedelta(days=30))
    desk.data = console_data.load(demo_site, desk.engine, desk.now)
    oldest_shown = min((c for c in desk.data.calls if c.status == "open" and c.category == "inquiry"),
                       key=lambda c: (c.received_at, c.id))
    before = desk.data.calls
    desk.step(lambda now: calls.answer_inquiry(r1, now, oldest_shown.id, answer="答了"))
    assert calls.merge_recent(before, calls.rows_by_id([oldest_shown.id])) is None   # the window read again
    desk.step(lambda now: calls.add_call(r1, now, category="emergency", channel="phone", text="电梯困人"))


def many_calls(n: int, *, status: str, newest: datetime, category: str = "repair") -> None:
    """`n` calls one minute apart up to `newest`, written as an import would (no audit event: the
    loads that follow read everything)."""
    staff = people.find("R1").id
    rows = [dict(received_at=newest - timedelta(minutes=i), taken_by=staff, status=status, updated_at=newest,
                 category=category, channel="phone", text=f"历史来电 {i}", caller="", phone="")
            for i in range(n)]
    with db.database.atomic():
        for start in range(0, n, 500):
            db.Call.insert_many(rows[start:start + 500]).execute()


class Reads:
    """Statements and rows the desk reads while it is counted."""

    def __init__(self, monkeypatch):
        self.statements = 0
        self.rows = 0
        database = db.database.obj
        execute = database.execute_sql
        reads = self

        class Counted:
            def __init__(self, cursor):
                self._cursor = cursor

            def __getattr__(self, name):
                return getattr(self._cursor, name)

            def __iter__(self):
                for row in self._cursor:
                    reads.rows += 1
                    yield row

            def fetchone(self):
                row = self._cursor.fetchone()
                reads.rows += row is not None
                return row

            def fetchmany(self, *args):
                rows = self._cursor.fetchmany(*args)
                reads.rows += len(rows)
                return rows

            def fetchall(self):
                rows = self._cursor.fetchall()
                reads.rows += len(rows)
                return rows

        def counted(sql, params=None, *args, **kwargs):
            reads.statements += 1
            return Counted(execute(sql, params, *args, **kwargs))

        monkeypatch.setattr(database, "execute_sql", counted)


def reads_of_one_new_call(site, engine, now, monkeypatch) -> tuple[int, int]:
    previous = console_data.load(site, engine, now)
    calls.add_call(people.find("R1"), now, category="repair", channel="phone", text="水龙头坏了")
    with monkeypatch.context() as patch:
        reads = Reads(patch)
        data = console_data.load(site, engine, now, previous)
    assert data.read_in_full_at == previous.read_in_full_at
    assert shown(data) == shown(console_data.load(site, engine, now))
    return reads.statements, reads.rows


def test_a_new_call_costs_the_same_on_a_small_and_a_large_site(demo_site, monkeypatch):
    engine = demo_site.sla_engine()
    many_calls(100, status="closed", newest=NOW - timedelta(hours=1))
    small = reads_of_one_new_call(demo_site, engine, NOW, monkeypatch)
    many_calls(1900, status="closed", newest=NOW - timedelta(days=3))
    many_calls(300, status="open", category="message", newest=NOW - timedelta(days=10))
    large = reads_of_one_new_call(demo_site, engine, NOW + timedelta(minutes=1), monkeypatch)
    assert small == large, (small, large)
    assert large[1] < 20     # the event, the call, the shift: not the site


@pytest.mark.parametrize("write", ["no_event", "unknown_entity", "too_many"])
def test_what_the_audit_trail_cannot_tell_is_read_in_full(demo_site, write):
    engine = demo_site.sla_engine()
    previous = console_data.load(demo_site, engine, NOW)
    r1 = people.find("R1")
    if write == "no_event":           # a script or a restore: the change feed moved, the trail did not
        db.Call.update(text="改过的").where(db.Call.id == previous.calls[0].id).execute()
    elif write == "unknown_entity":
        from deskconsole import audit
        with db.database.atomic():
            audit.record(r1, "site.settings", "site", None, NOW)
    else:
        for i in range(console_data.MAX_EVENTS + 1):
            calls.add_call(r1, NOW, category="other", channel="phone", text=f"第{i}个")
    data = console_data.load(demo_site, engine, NOW, previous)
    assert data.read_in_full_at > previous.read_in_full_at
    assert shown(data) == shown(console_data.load(demo_site, engine, NOW))


def test_an_old_copy_is_read_in_full_even_when_the_trail_tells_what_changed(demo_site, monkeypatch):
    engine = demo_site.sla_engine()
    previous = console_data.load(demo_site, engine, NOW)
    calls.add_call(people.find("R1"), NOW, category="other", channel="phone", text="x")
    later = previous.read_in_full_at + console_data.FULL_READ_MAX_AGE + 1
    monkeypatch.setattr(console_data.time, "monotonic", lambda: later)
    assert console_data.load(demo_site, engine, NOW, previous).read_in_full_at == later
