"""SQL built once (db.create, db.first, db.execute_built): a desk write stores the very rows peewee's own
path stores. The same writes go through the desk functions on two copies of the demo site, one with
the statements built once and one with peewee building each (db.BUILT_ONCE off), and every table is
compared as stored: records, audit events with their data and hashes, the search index and its tail."""
from __future__ import annotations

import shutil
from datetime import datetime, timedelta

import pytest

from conftest import NOW, make_config
from deskconsole import audit, calls, db, fields, frontdesk, orders, people, search_index, shifts


@pytest.fixture
def two_sites(tmp_path, db_engine, request):
    """Two identical copies of the demo site, not connected."""
    if db_engine == "postgres":
        databases = request.getfixturevalue("pg_databases")
        seed = request.getfixturevalue("pg_seeded")
        return [make_config(databases.url(databases.new(template=seed))) for _ in range(2)]
    seeded = request.getfixturevalue("seeded_file")
    configs = []
    for n in range(2):
        path = tmp_path / f"desk{n}.db"
        shutil.copy(seeded, path)
        configs.append(make_config(path))
    return configs


def writes(config, now: datetime) -> None:
    """A night's desk writes of every kind these statements serve: calls of each category (with and
    without a unit, an inquiry's reply clock, a message), an answer, orders (a fee: Decimal and bool
    columns), a parcel, log entries, with hostile text."""
    r1, s1, g1 = people.find("R1"), people.find("S1"), people.find("G1")
    engine = config.sla_engine()
    repair = calls.add_call(r1, now, phone="138-0000 1111", caller="王[b]小明", unit_code="1-101",
                            category="repair", channel="phone", text="厨房水龙头漏水 [/x] \x1b[2J")
    calls.add_call(r1, now + timedelta(seconds=1), caller="Walk-in", category="inquiry", channel="walk in",
                   text="停车费多少？")
    open_inquiry = calls.add_call(r1, now + timedelta(seconds=2), unit_code="2-1203", category="inquiry",
                                  channel="phone", text="什么时候停水？", answered=False)
    calls.add_call(r1, now + timedelta(seconds=3), category="message", channel="phone", text="请回电",
                   message_for="李经理", message_from="王[b]", callback_number="13900001111")
    calls.answer_inquiry(r1, now + timedelta(minutes=5), open_inquiry, answer="明天上午九点到十二点")
    orders.create_order(r1, now + timedelta(minutes=6), engine, sla_class="general_repair",
                        description="厨房水龙头漏水", unit_code="1-101", call_id=repair, department="engineering")
    orders.create_order(s1, now + timedelta(minutes=7, microseconds=5), engine, sla_class="general_repair",
                        description="大堂灯不亮", location="1号楼大堂", chargeable=True, fee_agreed="35.50")
    frontdesk.receive_parcel(g1, now + timedelta(minutes=8), unit_code="1-1203", addressee="王[b]小明",
                             carrier="顺丰", tracking="SF-1234-5678", size="small", shelf="A3")
    shifts.add_entry(g1, now + timedelta(minutes=9), config=config, kind="note", text="巡逻正常 [b]")
    shifts.add_entry(g1, now + timedelta(minutes=10), config=config, kind="incident", text="电梯困人",
                     unit_code="1-101")


def stored() -> dict[str, list[tuple]]:
    """Every table of the database as stored, in id order (the driver's own values: text is text, a
    number a number)."""
    tables = sorted(db.database.get_tables())
    if search_index.has_fts():
        tables = [t for t in tables if not t.startswith(("search_tri", "search_bi"))]  # FTS shadow tables
    return {t: [tuple(r) for r in db.database.execute_sql(f'SELECT * FROM "{t}" ORDER BY 1').fetchall()]
            for t in tables}


def test_built_once_stores_what_peewee_stores(two_sites, monkeypatch):
    dumps = []
    for config, built_once in zip(two_sites, (True, False)):
        monkeypatch.setattr(db, "BUILT_ONCE", built_once)
        db.connect(config.db_url)
        writes(config, NOW)
        dumps.append(stored())
        assert audit.verify_chain() == []
        assert audit.record_problems()[2] == []
        assert search_index.verify() == []
        db.close()
    fast, plain = dumps
    assert fast.keys() == plain.keys()
    assert len(fast["audit_event"]) >= len(plain["call"])  # the writes ran
    for table in fast:
        assert fast[table] == plain[table], table


def test_first_is_the_instance_peewee_makes(demo_site, monkeypatch):
    fast = fields.find_unit(" 1-101 ")
    monkeypatch.setattr(db, "BUILT_ONCE", False)
    plain = fields.find_unit("1-101")
    assert fast is not None and fast.__data__ == plain.__data__ and not fast.is_dirty()
    assert fields.find_unit("9-9999") is None
    monkeypatch.setattr(db, "BUILT_ONCE", True)
    assert fields.find_unit("9-9999") is None


def test_create_returns_the_saved_instance(demo_site):
    r1 = people.find("R1")
    call_id = calls.add_call(r1, NOW, category="repair", channel="phone", text="x", unit_code="1-101")
    call = db.Call.get_by_id(call_id)
    assert call.unit.code == "1-101" and call.received_at == NOW and call.status == "open"
