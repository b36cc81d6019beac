"""The front desk's registers in search and in the unit's dossier (issues 19 and 20): parcels, visitors,
goods-release passes and found items found by their words and numbers (a tracking number's last four
digits, GP00012, two-character Chinese words), kept in the index by every write of theirs, and their
personal data gone from the index once purged."""
from __future__ import annotations

import json
import sqlite3
from datetime import timedelta
from pathlib import Path

import pytest

from deskconsole import cli, db, frontdesk, people, search, search_index
from deskconsole.db import SearchDoc, Unit
from test_search import flush, found, pending

FIXTURES = Path(__file__).parent / "fixtures"
HOSTILE = "[/x] \x1b[2J"


def seed(config, now):
    """Two units, three people, and one record of each register with words to find; returns the ids."""
    for code, owner in (("1-1203", "王[b]小明"), ("2-1503", "")):
        Unit.create(code=code, building=code[0], floor=int(code[2:-2]), owner_name=owner)
    search_index.refresh("unit", [u.id for u in Unit.select()])
    start = now - timedelta(days=40)
    s1 = people.create_first_supervisor(start, code="S1", name="陈静", pin="0000")
    r1 = people.create_staff(s1, start, code="R1", name="李娜", role="receptionist", pin="0000")
    g1 = people.create_staff(s1, start, code="G1", name="王强", role="guard", pin="0000")
    engine = config.sla_engine()
    ids = {"S1": s1, "R1": r1, "G1": g1, "engine": engine}
    ids["parcel"] = frontdesk.receive_parcel(g1, now - timedelta(days=3), unit_code="1-1203", addressee="王[b]小明",
                                             carrier="顺丰 SF", tracking="SF-1402-7781-5093", shelf="B2")
    ids["ems"] = frontdesk.receive_parcel(r1, now - timedelta(days=2), unit_code="2-1503", addressee=HOSTILE,
                                          carrier="EMS", tracking="EA123456789CN", shelf="A3")
    ids["visitor"] = frontdesk.sign_in_visitor(r1, now - timedelta(hours=5), name="赵雅芝", party_size=2,
                                               unit_code="1-1203", purpose="看房装修", phone="139-2222-3333",
                                               pass_no="V07", host_confirmed_by="王[b]小明")
    ids["pass"] = frontdesk.issue_pass(r1, now - timedelta(hours=3), engine, unit_code="1-1203", requester="钱多多",
                                       requester_kind="tenant", items="沙发一张 冰箱一台")
    ids["lost"] = frontdesk.record_found(g1, now - timedelta(hours=2), found_where="2栋电梯", found_by="保洁刘阿姨",
                                         description="黑色钱包 black wallet", stored_where="前台柜子")
    return ids


@pytest.fixture
def site(empty_site, clock):
    ids = seed(empty_site, clock.now())
    flush()   # the registers in the FTS tables, the personal data with them
    return empty_site, ids


# (kind, id key, query): each register by each of its words.
CASES = [
    ("parcel", "parcel", "5093"), ("parcel", "parcel", "7781-5093"), ("parcel", "parcel", "77815093"),
    ("parcel", "parcel", "sf-1402"), ("parcel", "parcel", "顺丰"), ("parcel", "parcel", "王[b]小明"),
    ("parcel", "parcel", "小明"), ("parcel", "ems", "6789"), ("parcel", "ems", "EA123"), ("parcel", "ems", "[/x]"),
    ("visitor", "visitor", "赵雅芝"), ("visitor", "visitor", "雅芝"), ("visitor", "visitor", "装修"),
    ("visitor", "visitor", "2222-3333"), ("visitor", "visitor", "22223333"), ("visitor", "visitor", "V07"),
    ("visitor", "visitor", "1-1203"),
    ("pass", "pass", "GP{pass:05d}"), ("pass", "pass", "GP{pass}"), ("pass", "pass", "gp{pass}"),
    ("pass", "pass", "钱多多"), ("pass", "pass", "沙发"), ("pass", "pass", "冰箱一台"),
    ("lost", "lost", "钱包"), ("lost", "lost", "wallet"), ("lost", "lost", "2栋"), ("lost", "lost", "刘阿姨"),
]


@pytest.mark.parametrize("kind, key, query", CASES)
def test_each_register_is_found_by_its_words(site, kind, key, query):
    _config, ids = site
    query = query.format(**{k: v for k, v in ids.items() if isinstance(v, int)})
    hits = found(query)
    assert (kind, ids[key]) in hits, (query, hits)
    assert [(h.kind, h.id) for h in search.find(query, engine="like").hits] == hits


def test_a_parcel_by_the_last_four_digits_of_its_tracking_number(site, clock):
    _config, ids = site
    hit = next(h for h in search.search("5093") if h.kind == "parcel")
    assert (hit.id, hit.number, hit.unit_code, hit.who, hit.status, hit.closed) == \
        (ids["parcel"], "SF-1402-7781-5093", "1-1203", "王[b]小明", "waiting", False)
    assert hit.what == "顺丰 SF · shelf B2" and hit.at == clock.now() - timedelta(days=3)
    assert search.status_text("parcel", "returned") == "returned to sender"
    assert search.short_number("parcel", hit.number, 9) == "…781-5093"
    assert search.short_number("order", "WO00211", 9) == "WO00211"
    # Handed over: found at once with its new status, and out of the open records.
    frontdesk.collect_parcel(ids["G1"], clock.now(), ids["parcel"], collector="王小明", id_type="id_card",
                             id_last4="1234", signed=True)
    hit = search.hit("parcel", ids["parcel"])
    assert (hit.status, hit.closed) == ("collected", True)


def test_a_pass_by_its_number_alone_and_expired_after_its_day(site, clock):
    _config, ids = site
    number = frontdesk.pass_number(ids["pass"])
    assert found(number) == [("pass", ids["pass"])]
    assert found(f"GP{ids['pass'] + 1}") == []          # GP1 never finds GP10
    hit = search.hit("pass", ids["pass"], clock.now())
    assert (hit.number, hit.unit_code, hit.who, hit.what, hit.status, hit.closed) == \
        (number, "1-1203", "钱多多", "沙发一张 冰箱一台", "issued", False)
    tomorrow = clock.now() + timedelta(days=1)
    assert (search.hit("pass", ids["pass"], tomorrow).status, search.hit("pass", ids["pass"], tomorrow).closed) == \
        ("expired", True)
    frontdesk.release_pass(ids["G1"], clock.now(), ids["pass"])
    assert search.hit("pass", ids["pass"], tomorrow).status == "released"


def test_visitors_and_found_items_say_how_they_ended(site, clock):
    _config, ids = site
    visitor = search.hit("visitor", ids["visitor"])
    assert (visitor.number, visitor.who, visitor.phone, visitor.what, visitor.status, visitor.closed) == \
        ("V07", "赵雅芝 ×2", "139-2222-3333", "看房装修", "inside", False)
    frontdesk.sign_out_visitor(ids["R1"], clock.now(), ids["visitor"])
    assert (search.hit("visitor", ids["visitor"]).status, search.hit("visitor", ids["visitor"]).closed) == \
        ("left", True)
    item = search.hit("lost", ids["lost"])
    assert (item.number, item.who, item.what, item.status, item.closed) == \
        ("", "保洁刘阿姨", "黑色钱包 black wallet · 2栋电梯", "kept", False)
    frontdesk.claim_item(ids["R1"], clock.now(), ids["lost"], claimant="孙悟空", id_type="id_card", id_last4="0001")
    assert ("lost", ids["lost"]) in found("孙悟空")
    item = search.hit("lost", ids["lost"])
    assert (item.who, item.status, item.closed) == ("孙悟空", "claimed", True)


def test_the_kinds_on_the_command_line_and_in_find(site, capsys):
    config, ids = site
    assert {h.kind for h in search.search("1-1203", ["parcels", "visitors", "passes"])} == {"parcel", "visitor", "pass"}
    assert found("钱包", "lost") == [("lost", ids["lost"])]
    path = config.db_url   # the site's URL: a SQLite file or a PostgreSQL site
    assert cli.main(["search", "--db", path, "5093", "--kind", "parcels", "--json"]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [(r["kind"], r["id"], r["number"], r["status"], r["closed"]) for r in rows] == \
        [("parcel", ids["parcel"], "SF-1402-7781-5093", "waiting", False)]
    assert cli.main(["search", "--db", path, "1-1203"]) == 0
    out = capsys.readouterr().out
    assert out.index("Parcels (1)") < out.index("Visitors (1)") < out.index("Goods-release passes (1)")
    parcel_line = next(line for line in out.splitlines() if "顺丰" in line)
    assert parcel_line.startswith("…781-5093 ") and parcel_line.endswith("(waiting)")


def test_every_write_of_the_registers_keeps_the_index_as_the_records_are(site, clock):
    _config, ids = site
    now = clock.now()
    g1, r1, s1 = ids["G1"], ids["R1"], ids["S1"]
    frontdesk.notify_parcel(g1, now, ids["parcel"], how="phone")
    frontdesk.collect_parcel(g1, now, ids["parcel"], collector="王小明", id_type="id_card", id_last4="1234",
                             signed=True)
    frontdesk.return_parcel(r1, now, ids["ems"], reason="地址不详 拒收")
    frontdesk.sign_out_visitor(r1, now, ids["visitor"])
    frontdesk.release_pass(g1, now, ids["pass"], note="门岗已核对")
    frontdesk.claim_item(r1, now, ids["lost"], claimant="孙悟空", id_type="passport", id_last4="A123")
    frontdesk.receive_parcel_from_script(None, now, unit_code="2-1503", carrier="JD", tracking="JD0099887766")
    frontdesk.purge_personal_data(s1, now + timedelta(days=400), days=180)
    assert search_index.verify() == []
    assert ("parcel", ids["ems"]) in found("拒收")                      # the return's reason is its note
    before = list(SearchDoc.select().order_by(SearchDoc.id).tuples())
    assert search_index.rebuild() == len(before)
    assert list(SearchDoc.select().order_by(SearchDoc.id).tuples()) == before


def test_a_purged_name_is_not_found_any_more(site, clock):
    _config, ids = site
    now = clock.now()
    frontdesk.collect_parcel(ids["G1"], now, ids["parcel"], collector="王小明", id_type="id_card", id_last4="1234",
                             signed=True)
    frontdesk.sign_out_visitor(ids["R1"], now, ids["visitor"])
    frontdesk.claim_item(ids["R1"], now, ids["lost"], claimant="孙悟空", id_type="id_card", id_last4="0001")
    for query, kind, key in (("赵雅芝", "visitor", "visitor"), ("雅芝", "visitor", "visitor"),
                             ("2222-3333", "visitor", "visitor"), ("孙悟空", "lost", "lost")):
        assert (kind, ids[key]) in found(query), query
    # The parcel's addressee is also the unit's owner: only the parcel must lose the name.
    assert ("parcel", ids["parcel"]) in found("王[b]小明")
    database = db.database.obj
    if search_index.has_fts():   # SQLite's two-character index (PostgreSQL has search_doc alone)
        assert database.execute_sql("SELECT count(*) FROM search_bi WHERE search_bi MATCH '\"雅芝\"'").fetchone()[0] == 1
    purged = frontdesk.purge_personal_data(ids["S1"], now + timedelta(days=181), days=180)
    # The purge merged the index's tail in its own transaction: no old body with a name is left waiting.
    assert pending() == {}
    assert (purged.visitors, purged.parcels, purged.found_items) == (1, 1, 1)
    for query in ("赵雅芝", "雅芝", "2222-3333", "22223333", "孙悟空", "悟空"):
        assert found(query) == [], query
        assert search.find(query, engine="like").hits == [], query
    assert found("王[b]小明") == [("unit", 1)]
    # What is not personal stays: the tracking number, the purpose, what was found.
    assert ("parcel", ids["parcel"]) in found("5093")
    assert ("visitor", ids["visitor"]) in found("装修")
    assert ("lost", ids["lost"]) in found("钱包")
    # Nor is the name left in the index's own tables: the trigram and the two-character entries.
    assert database.execute_sql(f"SELECT count(*) FROM search_doc WHERE body LIKE {database.param}",
                                ("%赵雅芝%",)).fetchone()[0] == 0
    if search_index.has_fts():
        assert database.execute_sql("SELECT count(*) FROM search_bi WHERE search_bi MATCH '\"雅芝\"'").fetchone()[0] == 0
    assert search_index.verify() == []


def test_a_refused_purge_or_write_leaves_the_index_as_it_was(site, clock):
    from deskconsole.errors import Conflict, InvalidInput
    _config, ids = site
    before = list(SearchDoc.select().order_by(SearchDoc.id).tuples())
    with pytest.raises(InvalidInput):
        frontdesk.purge_personal_data(ids["S1"], clock.now(), days=0)
    frontdesk.sign_out_visitor(ids["R1"], clock.now(), ids["visitor"])
    after_sign_out = list(SearchDoc.select().order_by(SearchDoc.id).tuples())
    with pytest.raises(Conflict):
        frontdesk.sign_out_visitor(ids["R1"], clock.now(), ids["visitor"])
    assert list(SearchDoc.select().order_by(SearchDoc.id).tuples()) == after_sign_out == before


# --- the unit's dossier --------------------------------------------------------------------

def test_the_dossier_lists_the_units_parcels_visitors_and_passes_with_how_they_ended(site, clock):
    _config, ids = site
    now = clock.now()
    d = search.dossier("1-1203", now)
    assert {k: n for k, n in d.counts.items() if n} == {"parcel": 1, "visitor": 1, "pass": 1}
    assert [(e.kind, e.id) for e in d.entries] == [("pass", ids["pass"]), ("visitor", ids["visitor"]),
                                                   ("parcel", ids["parcel"])]
    parcel = d.entries[-1]
    assert (parcel.number, parcel.who, parcel.status, parcel.closed, parcel.ended_at) == \
        ("SF-1402-7781-5093", "王[b]小明", "waiting", False, None)
    visitor = d.entries[1]
    assert (visitor.status, visitor.ended_at) == ("inside", None)
    frontdesk.collect_parcel(ids["G1"], now + timedelta(hours=1), ids["parcel"], collector="王小明",
                             id_type="id_card", id_last4="1234", signed=True)
    frontdesk.sign_out_visitor(ids["R1"], now + timedelta(hours=1), ids["visitor"])
    frontdesk.release_pass(ids["G1"], now + timedelta(hours=1), ids["pass"])
    entries = {e.kind: e for e in search.dossier("1-1203", now + timedelta(hours=2)).entries}
    assert (entries["parcel"].status, entries["parcel"].ended_at, entries["parcel"].ended_by) == \
        ("collected", now + timedelta(hours=1), "王小明")
    assert (entries["visitor"].status, entries["visitor"].ended_at) == ("left", now + timedelta(hours=1))
    assert (entries["pass"].status, entries["pass"].ended_at, entries["pass"].closed) == \
        ("released", now + timedelta(hours=1), True)
    # The other unit's parcel is its own.
    assert [(e.kind, e.id) for e in search.dossier("2-1503", now).entries] == [("parcel", ids["ems"])]


def test_one_record_with_its_history_for_its_screen(site, clock):
    _config, ids = site
    now = clock.now()
    frontdesk.notify_parcel(ids["G1"], now, ids["parcel"], how="sms")
    record = frontdesk.record("parcel", ids["parcel"])
    assert (record.row.tracking, record.row.status, record.purged_at) == ("SF-1402-7781-5093", "waiting", None)
    assert [e["action"] for e in record.history] == ["parcel.receive", "parcel.notify"]
    assert frontdesk.record("pass", ids["pass"]).row.number == frontdesk.pass_number(ids["pass"])
    assert frontdesk.record("lost", ids["lost"]).row.description == "黑色钱包 black wallet"
    assert frontdesk.record("visitor", 999) is None


# --- the upgrade: schema step 5 indexes the registers of a version 4 database -----------------

def _insert(conn, table: str, **values) -> None:
    """A row with `values`, every other NOT NULL column filled as an empty value of its type."""
    for _cid, name, kind, notnull, default, pk in conn.execute(f'PRAGMA table_info("{table}")'):
        if notnull and not pk and name not in values and default is None:
            values[name] = "2026-11-20 10:00:00" if kind == "DATETIME" else (0 if "INT" in kind else "")
    columns = ", ".join(f'"{c}"' for c in values)
    conn.execute(f'INSERT INTO "{table}" ({columns}) VALUES ({", ".join("?" * len(values))})', list(values.values()))


def test_a_version_4_database_gets_its_registers_indexed(tmp_path):
    path = tmp_path / "v4.db"
    conn = sqlite3.connect(path)
    conn.executescript((FIXTURES / "schema_v4.sql").read_text())
    _insert(conn, "staff", id=1, code="G1", name="王强", role="guard", active=1)
    _insert(conn, "unit", id=1, code="1-1203", building="1", floor=12)
    _insert(conn, "parcel", id=1, received_by_id=1, unit_id=1, carrier="EMS", tracking="EA998877665CN",
            addressee="王小明", status="waiting")
    _insert(conn, "visitor", id=1, signed_in_by_id=1, name="赵雅芝", party_size=1, unit_id=1, purpose="看房")
    _insert(conn, "goods_pass", id=1, issued_by_id=1, unit_id=1, requester="钱多多", requester_kind="owner",
            items="沙发", status="issued")
    _insert(conn, "lost_item", id=1, recorded_by_id=1, found_where="大堂", description="雨伞", status="kept")
    conn.commit()
    conn.close()
    db.connect("sqlite:///" + str(path))
    assert db.schema_version() == db.SCHEMA_VERSION
    assert found("7665") == [("parcel", 1)]
    assert found("赵雅芝") == [("visitor", 1)]
    assert found("GP00001") == [("pass", 1)]
    assert found("雨伞") == [("lost", 1)]
    assert search_index.verify() == []


def test_a_vip_signed_in_ahead_is_in_the_dossier_at_the_announced_time(site, clock):
    """No time in yet (issue 20's VIP): the dossier and search place the visit at its announced arrival
    and say it is expected; signed out unarrived, it did not come."""
    _config, ids = site
    now = clock.now()
    vip = frontdesk.expect_vip(ids["R1"], now, name="周总 Mr Zhou", arrives_at=now + timedelta(hours=2),
                               unit_code="1-1203", purpose="视察 inspection")
    d = search.dossier("1-1203", now)
    entry = next(e for e in d.entries if (e.kind, e.id) == ("visitor", vip))
    assert (entry.at, entry.status, d.entries[0].id) == (now + timedelta(hours=2), "expected", vip)
    assert search.status_text("visitor", entry.status) == "VIP expected"
    frontdesk.sign_out_visitor(ids["R1"], now + timedelta(hours=3), vip)
    assert [h.status for h in search.search("周总") if h.kind == "visitor"] == ["no_show"]
