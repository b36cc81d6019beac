"""Search across all history (issue 19): each kind of record found by each kind of query, two-character
Chinese words included; the index kept in the write's own transaction; the LIKE fallback; the dossier."""
from __future__ import annotations

import io
import json
import subprocess
import sys
from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from deskconsole import calls, cli, db, keys, orders, people, search, search_index, shifts
from deskconsole.cli.common import TerminalProgress
from deskconsole.db import SearchDoc, Unit
from deskconsole.errors import InvalidInput


def seed(config, now):
    """A small site with one of everything search finds; returns the ids."""
    for code, owner, phone in (("1-1203", "王[b]小明", "138-0013-8000"), ("2-1503", "", ""), ("1-101", "", "")):
        Unit.create(code=code, building=code[0], floor=int(code[2:-2]), owner_name=owner, phones=phone)
    search_index.refresh("unit", [u.id for u in Unit.select()])   # units come in by import, not a desk write
    start = now - timedelta(days=40)
    s1 = people.create_first_supervisor(start, code="S1", name="陈静 Chen Jing", pin="0000")
    r1 = people.create_staff(s1, start, code="R1", name="李娜 Li Na", role="receptionist", pin="0000")
    g1 = people.create_staff(s1, start, code="G1", name="王强 Wang Qiang", role="guard", pin="0000")
    engine = config.sla_engine()
    ids = {"S1": s1, "R1": r1, "G1": g1, "engine": engine}
    ids["leak_call"] = calls.add_call(r1, now - timedelta(days=30), phone="13912345678", caller="刘德华",
                                      unit_code="1-1203", category="repair", channel="phone", text="厨房水龙头漏水")
    ids["noise_call"] = calls.add_call(r1, now - timedelta(days=2), phone="021-6688-1234", caller="Anna Schmidt",
                                       unit_code="2-1503", category="complaint", channel="phone",
                                       text="Dog barking all night 楼上装修噪音")
    ids["message"] = calls.add_call(g1, now - timedelta(hours=3), category="message", channel="phone",
                                    caller="Mr Bai", text="请转告张师傅回电", message_for="张师傅",
                                    callback_number="13700001111")
    # An order from the leak call: dispatched to the plumber, done, called back satisfied: closed.
    ids["leak_order"] = calls.convert_to_order(r1, now - timedelta(days=30), engine, ids["leak_call"],
                                               sla_class="urgent_repair")
    o = ids["leak_order"]
    orders.dispatch(r1, now - timedelta(days=30) + timedelta(minutes=5), o, department="engineering",
                    assignee="张师傅")
    orders.arrive(g1, now - timedelta(days=30) + timedelta(minutes=20), o)
    orders.add_note(r1, now - timedelta(days=30) + timedelta(minutes=25), o, text="业主说阀门也松了 valve loose")
    orders.complete(r1, now - timedelta(days=30) + timedelta(hours=2), o, work_done="换了水龙头 new tap")
    orders.callback(r1, now - timedelta(days=29), engine, o, satisfied=True, note="很满意")
    ids["open_order"] = orders.create_order(r1, now - timedelta(hours=1), engine, sla_class="general_repair",
                                            description="窗户关不上", unit_code="1-1203")
    keys.save_key(s1, now - timedelta(days=40), tag="PR-01", label="水泵房 Pump room", kind="plant_room")
    keys.save_key(s1, now - timedelta(days=40), tag="U-1-1203", label="1-1203 备用钥匙 spare", kind="unit_spare",
                  unit_code="1-1203")
    ids["loan"] = keys.issue(g1, now - timedelta(hours=2), engine, tag="PR-01", holder_kind="contractor",
                             holder_name="刘师傅", holder_company="美的空调维修", holder_document="440301198805120031",
                             purpose="水泵检修", order=f"WO{o:05d}", authorised_by=s1)
    ids["unit_loan"] = keys.issue(r1, now - timedelta(days=10), engine, tag="U-1-1203", holder_kind="owner",
                                  holder_name="王[b]小明", holder_unit="1-1203", authorised_by=s1,
                                  due_at=now - timedelta(days=10) + timedelta(hours=1))
    keys.return_key(r1, now - timedelta(days=10) + timedelta(hours=3), keys.find("U-1-1203").id, note="晚还了")
    shifts.sign_on(g1, now - timedelta(hours=4), config=config)
    ids["log"] = shifts.add_entry(g1, now - timedelta(hours=3), config=config, kind="incident",
                                  text="2栋地下车库积水 standing water", unit_code="2-1503", link=f"WO{o:05d}")
    # A handover handed and closed, with a question and an addendum.
    h = shifts.begin_handover(g1, now - timedelta(minutes=30), engine, config=config)
    shifts.receive(r1, now - timedelta(minutes=25), h)
    items = shifts.sheet_items(shifts.handover(h).sheet)
    shifts.query_item(r1, now - timedelta(minutes=20), h, section=items[0][0], item=items[0][1],
                      question="电梯谁负责？")
    shifts.reply_to_query(g1, now - timedelta(minutes=18), h, section=items[0][0], item=items[0][1],
                          answer="工程部张师傅", config=config)
    shifts.acknowledge(r1, now - timedelta(minutes=15), h, items=items)
    shifts.supervise(s1, now - timedelta(minutes=14), h)
    shifts.complete(r1, now - timedelta(minutes=10), h, config=config)
    shifts.add_addendum(g1, now - timedelta(minutes=5), h, text="忘了说：配电房门锁坏了")
    ids["handover"] = h
    return ids


def flush() -> None:
    """Merge the index's tail into the FTS tables now, as the save that fills it does (a no-op where there
    are no FTS tables)."""
    with db.database.atomic():
        search_index.flush()


def pending() -> dict[int, str | None]:
    """The tail: doc id -> the body the FTS tables hold for it (SQLite; PostgreSQL has none)."""
    if not search_index.has_fts():
        return {}
    return dict(db.database.execute_sql("SELECT id, old FROM search_pending").fetchall())


@pytest.fixture
def site(empty_site, clock):
    ids = seed(empty_site, clock.now())
    flush()   # the seed in the FTS tables; what a test writes then is in the tail
    return empty_site, ids


def found(text, kinds=None, **kw):
    return [(h.kind, h.id) for h in search.search(text, kinds, **kw)]


# Every kind of record, by every kind of query. (kind, id key, query)
CASES = [
    ("unit", None, "1-1203"), ("unit", None, "0013"), ("unit", None, "13800138000"), ("unit", None, "王[b]小明"),
    ("call", "leak_call", "2345"), ("call", "leak_call", "刘德华"), ("call", "leak_call", "漏水"),
    ("call", "leak_call", "水龙头"), ("call", "noise_call", "6688-1234"), ("call", "noise_call", "66881234"),
    ("call", "noise_call", "barking"), ("call", "noise_call", "BARKING"), ("call", "noise_call", "噪音"),
    ("call", "noise_call", "2-1503"), ("call", "message", "回电"), ("call", "message", "0000111"),
    ("order", "leak_order", "WO{leak_order}"), ("order", "leak_order", "wo{leak_order:05d}"),
    ("order", "leak_order", "张师傅"), ("order", "leak_order", "阀门"), ("order", "leak_order", "new tap"),
    ("order", "leak_order", "满意"), ("order", "open_order", "关不上"), ("order", "open_order", "窗户"),
    ("loan", "loan", "PR-01"), ("loan", "loan", "刘师傅"), ("loan", "loan", "美的"), ("loan", "loan", "198805"),
    ("loan", "unit_loan", "晚还"), ("key", None, "水泵"), ("key", None, "Pump room"),
    ("log", "log", "L{log}"), ("log", "log", "积水"), ("log", "log", "2栋"), ("log", "log", "standing"),
    ("log", "log", "WO{leak_order:05d}"),
    ("handover", "handover", "H{handover}"), ("handover", "handover", "谁负责"), ("handover", "handover", "门锁"),
    ("handover", "handover", "配电房"), ("handover", "handover", "工程部"), ("handover", "handover", "Li Na"),
    ("call", "noise_call", '"all night"'),
]


@pytest.mark.parametrize("kind, key, query", CASES)
def test_each_kind_is_found_by_each_kind_of_query(site, kind, key, query):
    _config, ids = site
    query = query.format(**{k: v for k, v in ids.items() if isinstance(v, int)})
    hits = found(query)
    if key is None:
        assert kind in [k for k, _i in hits], (query, hits)
    else:
        assert (kind, ids[key]) in hits, (query, hits)
    # The fallback for other engines (LIKE over the same words) finds the same records.
    assert [(h.kind, h.id) for h in search.find(query, engine="like").hits] == hits


@pytest.mark.sqlite_only("FTS5's trigram table (PostgreSQL searches search_doc with LIKE)")
def test_sqlite_trigram_alone_misses_a_two_character_word_which_search_finds(site):
    """The reason for the two-character index: on this SQLite, a trigram table finds nothing for 漏水."""
    _config, ids = site
    database = db.database.obj
    trigram = database.execute_sql("SELECT rowid FROM search_tri WHERE search_tri MATCH ?", ('"漏水"',)).fetchall()
    assert trigram == []
    assert database.execute_sql("SELECT rowid FROM search_tri WHERE body LIKE '%漏水%'").fetchall() == []
    assert database.execute_sql("SELECT count(*) FROM search_tri WHERE body LIKE '%水龙头%'").fetchone()[0] > 0
    assert ("call", ids["leak_call"]) in found("漏水")


def test_a_record_number_is_a_whole_number(site):
    _config, ids = site
    for _ in range(11):
        calls.add_call(ids["R1"], db.Call.get_by_id(1).received_at, category="other", channel="phone", text="x")
    assert found("C1", "calls") == [("call", 1)]           # not C10, C11
    assert ("call", 10) in found("C10", "calls") and ("call", 1) not in found("C10", "calls")
    assert found("c0001", "calls") == [("call", 1)]


def test_results_are_grouped_by_kind_newest_first(site):
    _config, ids = site
    hits = search.search("1-1203")
    kinds = [h.kind for h in hits]
    assert kinds == sorted(kinds, key=search_index.KINDS.index)
    calls_found = [h for h in hits if h.kind == "call"]
    assert [h.id for h in calls_found] == sorted((h.id for h in calls_found), reverse=True)
    orders_found = [h.id for h in hits if h.kind == "order"]
    assert orders_found == [ids["open_order"], ids["leak_order"]]


def test_kinds_and_limit(site):
    _config, ids = site
    assert {h.kind for h in search.search("1-1203", ["orders"])} == {"order"}
    assert {h.kind for h in search.search("PR-01", "keys")} == {"loan", "key"}
    result = search.find("1-1203", ["calls", "orders"], limit=1)
    assert [(h.kind, h.id) for h in result.hits] == [("call", ids["leak_call"]), ("order", ids["open_order"])]
    assert result.more == {"order"}
    with pytest.raises(ValueError):
        search.search("x", ["boats"])


def test_words_too_short_are_said_and_every_other_word_must_match(site):
    _config, ids = site
    result = search.find("a 漏水 1-1203")
    assert result.ignored == ("a",)
    assert [(h.kind, h.id) for h in result.hits if h.kind == "call"] == [("call", ids["leak_call"])]
    assert search.find("ab").hits == [] and search.find("ab").ignored == ("ab",)
    assert found("漏水 2-1503") == []


def test_hostile_text_is_searched_as_text(site):
    _config, ids = site
    assert ("call", ids["noise_call"]) not in found("50%")
    assert ("unit", 1) in found("王[b]")
    assert found('"; DROP') == []


def test_a_closed_order_is_found_and_says_so(site):
    _config, ids = site
    hit = next(h for h in search.search(f"WO{ids['leak_order']}") if h.kind == "order")
    assert hit.closed and hit.status == "closed" and hit.who == "张师傅" and hit.unit_code == "1-1203"
    open_hit = next(h for h in search.search("关不上") if h.kind == "order")
    assert not open_hit.closed


def test_an_edit_is_found_by_its_new_words_only_and_in_the_same_transaction(site, clock):
    _config, ids = site
    call = calls.detail(ids["noise_call"])
    calls.edit_call(ids["R1"], clock.now(), ids["noise_call"], phone=call.phone, caller=call.caller,
                    unit_code=call.unit_code, category="complaint", channel="phone", text="邻居唱歌 singing")
    assert ("call", ids["noise_call"]) in found("唱歌")
    assert ("call", ids["noise_call"]) not in found("噪音")
    assert search_index.verify() == []


def test_a_refused_write_leaves_the_index_as_it_was(site, clock):
    _config, ids = site
    before = list(SearchDoc.select().order_by(SearchDoc.id).tuples())
    with pytest.raises(InvalidInput):
        calls.add_call(ids["R1"], clock.now(), category="repair", channel="phone", unit_code="9-9999", text="漏水")
    assert list(SearchDoc.select().order_by(SearchDoc.id).tuples()) == before


@pytest.mark.sqlite_only("counts SQLite's statements (its trace callback)")
def test_saving_a_call_writes_no_fts_segment_and_three_statements_of_its_own(site, clock):
    """Issue 19: a save costs at most 10 % more with the index. A new call's words are made from the call
    the write created (no query: its notes come from the write's own events, it has no old body) and
    written to search_doc and the tail, whose size is then looked at; the FTS tables, which write a
    segment at every commit that touches them, wait for the FLUSH-th save."""
    _config, ids = site
    conn = db.database.connection()

    def statements(indexed: bool) -> tuple[int, int, int]:
        run: list[str] = []
        search_index.enabled = indexed
        conn.set_trace_callback(run.append)
        try:
            call_id = calls.add_call(ids["R1"], clock.now(), phone="13900001111", caller="王[b]小明", unit_code="1-1203",
                           category="repair", channel="phone", text="阳台跑水 [/x] \x1b[2J")
        finally:
            conn.set_trace_callback(None)
            search_index.enabled = True
        # Those FTS5 runs itself (reading and writing its segments) are traced with "--" before them.
        return (sum(1 for sql in run if not sql.startswith("--")), sum(1 for sql in run if sql.startswith("--")),
                call_id)

    (without, _fts, unindexed), (with_index, fts, indexed) = statements(False), statements(True)
    assert with_index - without == 3
    assert fts == 0
    assert ("call", indexed) in found("跑水") and ("call", unindexed) not in found("跑水")
    search_index.refresh("call", [unindexed])
    assert search_index.verify() == []


def test_a_new_calls_words_from_its_instance_are_those_read_from_the_table(site, clock):
    """The words of a call the write created are made from its instance when it holds its unit, and read
    back when it does not (its unit given as an id): the same body either way."""
    _config, ids = site
    call_id = calls.add_call(ids["R1"], clock.now(), phone="021-6688-1234", caller="王[b]小明", unit_code="1-1203",
                             category="message", channel="phone", text="请回电 [/x]", message_for="张师傅",
                             message_from="王[b]小明", callback_number="139-0000-1111")
    as_read = search_index.bodies("call", [call_id])[call_id]
    assert SearchDoc.get_by_id(search_index.doc_id("call", call_id)).body == as_read
    made = db.Call.get_by_id(call_id)                   # loaded: its unit is an id, not an instance
    assert search_index._new_call_row(made) is None
    made.unit = db.Unit.get_by_id(made.unit_id)
    assert search_index._call_body(search_index._new_call_row(made)) == as_read
    assert "139-0000-1111 13900001111" in as_read and " 张师傅 " in as_read


def test_a_call_created_and_changed_in_one_write_is_indexed_as_it_ends(site, clock):
    """The instance a call was created from is not what it is once the same write has changed it: its
    words are read back then (a void's reason, an inquiry's answer)."""
    _config, ids = site

    @db.writes
    def add_and_answer():
        call_id = calls.add_call(ids["R1"], clock.now(), phone="13900002222", caller="周先生", unit_code="1-1203",
                                 category="inquiry", channel="phone", text="停水通知", answered=False)
        calls.answer_inquiry(ids["R1"], clock.now(), call_id, answer="明早八点恢复供水")
        return call_id

    call_id = add_and_answer()
    assert "明早八点恢复供水" in SearchDoc.get_by_id(search_index.doc_id("call", call_id)).body
    assert found("恢复供水", "calls") == [("call", call_id)]
    assert search_index.verify() == []


@pytest.mark.sqlite_only("the FTS tables and their tail exist on SQLite only")
def test_the_save_that_fills_the_tail_merges_it_into_the_fts_tables(site, clock, monkeypatch):
    _config, ids = site
    monkeypatch.setattr(search_index, "FLUSH", 3)
    conn = db.database.connection()
    run: list[str] = []
    made = []
    for n in range(3):
        conn.set_trace_callback(run.append if n == 2 else None)
        made.append(calls.add_call(ids["R1"], clock.now(), category="repair", channel="phone", unit_code="2-1503",
                                   text=f"第{n}次跑水"))
        assert len(pending()) == (n + 1) % 3
    conn.set_trace_callback(None)
    assert any(sql.startswith("--") for sql in run)   # the third save wrote the FTS tables
    database = db.database.obj
    assert {r for (r,) in database.execute_sql("SELECT rowid FROM search_bi WHERE search_bi MATCH '\"跑水\"'")} == \
        {search_index.doc_id("call", i) for i in made}
    assert [i for _k, i in found("跑水", "calls")] == sorted(made, reverse=True)


def test_every_record_is_indexed_as_it_is_and_a_rebuild_gives_the_same(site):
    assert search_index.verify() == []
    before = list(SearchDoc.select().order_by(SearchDoc.id).tuples())
    assert search_index.rebuild() == len(before)
    assert list(SearchDoc.select().order_by(SearchDoc.id).tuples()) == before
    assert found("漏水") and found("水龙头")


def test_the_demo_site_is_indexed_as_it_is(demo_site):
    assert search_index.verify() == []
    assert [h.number for h in search.search("厨房水龙头漏水", "calls", limit=3)]


def test_a_call_saved_by_another_process_is_found_at_once(site, tmp_path):
    config, _ids = site
    done = subprocess.run([sys.executable, "-m", "deskconsole", "call", "add", "--db", config.db_url,
                           "--phone", "13566667777", "--caller", "赵先生", "--unit", "1-101", "--category", "repair",
                           "--channel", "phone", "--text", "阳台跑水了"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    call_id = int(done.stdout.split()[-1])
    if search_index.has_fts():   # found from the tail: the other process wrote no FTS segment
        assert search_index.doc_id("call", call_id) in pending()
    for query in ("跑水", "6666777", "赵先生", f"C{call_id}"):
        assert found(query, "calls")[0] == ("call", call_id), query


# --- the index's tail: what the FTS tables have not taken in yet (SQLite) ------------------

def both_ways(query, kinds=None, limit=search.DEFAULT_LIMIT):
    """The hits and the kinds with more, by the index and by the LIKE fallback: they must be the same."""
    fts, like = search.find(query, kinds, limit), search.find(query, kinds, limit, engine="like")
    assert ([(h.kind, h.id) for h in fts.hits], fts.more) == ([(h.kind, h.id) for h in like.hits], like.more), query
    return [(h.kind, h.id) for h in fts.hits]


def test_a_saved_call_is_found_at_once_from_the_tail_and_the_same_after_the_flush(site, clock):
    _config, ids = site
    call_id = calls.add_call(ids["R1"], clock.now(), phone="139-7788-0011", caller="周先生", unit_code="2-1503",
                             category="repair", channel="phone", text="厨房水管爆裂 pipe burst")
    if search_index.has_fts():
        assert pending() == {search_index.doc_id("call", call_id): None}   # new: the FTS tables hold nothing
    queries = ("水管爆裂", "爆裂", "7788", "7788-0011", "13977880011", "burst", f"C{call_id}", "周先生 2-1503")
    before = {q: both_ways(q, "calls") for q in queries}
    assert all(hits == [("call", call_id)] for hits in before.values()), before
    flush()
    assert pending() == {}
    assert {q: both_ways(q, "calls") for q in queries} == before


def test_an_edit_is_found_by_its_new_words_only_while_pending_and_after_the_flush(site, clock):
    """Edited twice before a flush: the FTS tables still hold the first body, and the flush takes that
    one out (a contentless table forgets a row only by the values it was given)."""
    _config, ids = site
    call_id = ids["noise_call"]            # in the FTS tables: "Dog barking all night 楼上装修噪音"
    doc = search_index.doc_id("call", call_id)
    first = search_index.bodies("call", [call_id])[call_id]

    def edit(text):
        call = calls.detail(call_id)
        calls.edit_call(ids["R1"], clock.now(), call_id, phone=call.phone, caller=call.caller,
                        unit_code=call.unit_code, category="complaint", channel="phone", text=text)

    def check():
        for gone in ("barking", "噪音", "唱歌", "singing"):
            assert ("call", call_id) not in both_ways(gone), gone
        for word in ("跳舞", "dancing", "Anna"):
            assert ("call", call_id) in both_ways(word), word

    edit("邻居唱歌 singing")
    edit("邻居跳舞 dancing")
    if search_index.has_fts():
        assert pending() == {doc: first}
    check()
    flush()
    check()
    assert search_index.verify() == []
    if search_index.has_fts():
        database = db.database.obj

        def rows(table, word):
            return {r for (r,) in database.execute_sql(f"SELECT rowid FROM {table} WHERE {table} MATCH ?",
                                                       (f'"{word}"',))}
        # One trigram each (detail=none takes no phrase of several): of barking, singing and dancing.
        assert doc not in rows("search_tri", "rki") and doc not in rows("search_bi", "噪音")
        assert doc not in rows("search_tri", "ngi") and doc not in rows("search_bi", "唱歌")
        assert doc in rows("search_tri", "nci") and doc in rows("search_bi", "跳舞")


QUERIES = ("漏水", "跑水", "噪音", "水龙头", "装修噪音", "barking", "night", "1-1203", "2-1503", "1-101", "1234",
           "139", "0011", "张师傅", "王[b]小明", "漏水 1-1203", "跑水 2-1503", "repair", "C1", "WO00001", "50%",
           "50% 跑水", "师傅 窗户")
TEXTS = ("厨房水龙头漏水", "阳台跑水", "楼上装修噪音太大", "Dog barking all night", "门锁坏了", "窗户关不上 window",
         "张师傅明天来", "50% 跑水")


@pytest.mark.parametrize("seed_", [1, 2, 3])
def test_saves_and_edits_in_any_order_find_what_the_like_engine_finds(site, clock, monkeypatch, seed_):
    """FLUSH made small: the tail fills and empties again and again while calls and orders of several units
    are saved and edited; after every write the index gives exactly what LIKE over the bodies gives, with a
    limit small enough to cut between the FTS tables' hits and the tail's."""
    import random
    _config, ids = site
    monkeypatch.setattr(search_index, "FLUSH", 3)
    rng = random.Random(seed_)
    made = {"call": [ids["leak_call"], ids["noise_call"], ids["message"]], "order": [ids["open_order"]]}
    for step in range(24):
        at = clock.now() + timedelta(minutes=step)
        unit, text = rng.choice(["1-1203", "2-1503", "1-101"]), rng.choice(TEXTS)
        action = rng.choice(["call", "call", "edit", "order", "note"])
        if action == "call":
            made["call"].append(calls.add_call(ids["R1"], at, phone=f"139{rng.randrange(10**8):08d}",
                                               caller=rng.choice(["张师傅", "Anna", "王[b]小明"]), unit_code=unit,
                                               category="repair", channel="phone", text=text))
        elif action == "edit":
            call_id = rng.choice(made["call"][:2] + made["call"][3:])   # not the message (its own fields)
            call = calls.detail(call_id)
            calls.edit_call(ids["R1"], at, call_id, phone=call.phone, caller=call.caller, unit_code=unit,
                            category="repair", channel="phone", text=text)
        elif action == "order":
            made["order"].append(orders.create_order(ids["R1"], at, ids["engine"], sla_class="general_repair",
                                                     description=text, unit_code=unit))
        else:
            orders.add_note(ids["R1"], at, rng.choice(made["order"]), text=text)
        for query in QUERIES:
            both_ways(query, limit=2)
        assert len(pending()) < 3
    assert search_index.verify() == []


@pytest.mark.sqlite_only("the tail is SQLite's (PostgreSQL has no FTS tables)")
def test_a_version_6_database_gains_an_empty_tail_and_keeps_finding(site, clock):
    """Schema 7 adds the tail to a database whose FTS tables hold every record (no rebuild)."""
    config, ids = site
    database = db.database.obj
    database.execute_sql("DROP TABLE search_pending")
    db.SchemaMeta.update(value="6").where(db.SchemaMeta.key == "schema_version").execute()
    db.close()
    db.connect(config.db_url)
    assert db.schema_version() == db.SCHEMA_VERSION
    assert pending() == {}
    assert ("call", ids["leak_call"]) in both_ways("漏水")
    call_id = calls.add_call(ids["R1"], clock.now(), category="repair", channel="phone", unit_code="1-101",
                             text="楼道灯不亮")
    assert list(pending()) == [search_index.doc_id("call", call_id)]
    assert both_ways("灯不亮") == [("call", call_id)]
    assert search_index.verify() == []


@pytest.mark.sqlite_only("the tail is SQLite's (PostgreSQL has no FTS tables)")
def test_a_rebuild_empties_the_tail_and_check_finds_a_tail_entry_without_its_record(site, clock):
    _config, ids = site
    call_id = calls.add_call(ids["R1"], clock.now(), category="repair", channel="phone", text="跑水")
    assert pending()
    search_index.rebuild()
    assert pending() == {} and both_ways("跑水") == [("call", call_id)]
    db.database.execute_sql("INSERT INTO search_pending (id, old) VALUES (?, NULL)",
                            (search_index.doc_id("call", 9999),))
    assert search_index.verify() == ["search index: the tail names call 9999, which has no index entry"]


# --- the dossier -------------------------------------------------------------------------

def test_the_dossier_holds_the_units_whole_history(site, clock):
    _config, ids = site
    d = search.dossier("1-1203", clock.now())
    assert (d.code, d.owner_name, d.owner_phone) == ("1-1203", "王[b]小明", "138-0013-8000")
    assert [(p.number, p.name, p.calls) for p in d.phones] == [("13912345678", "刘德华", 1)]
    assert [(k.tag, k.status) for k in d.keys] == [("U-1-1203", "board")]
    assert d.counts == {"call": 1, "order": 2, "loan": 1, "log": 0, "parcel": 0, "visitor": 0, "pass": 0}
    assert [(e.kind, e.id) for e in d.entries] == [
        ("order", ids["open_order"]), ("loan", ids["unit_loan"]), ("order", ids["leak_order"]),
        ("call", ids["leak_call"])]
    leak = next(e for e in d.entries if e.id == ids["leak_order"] and e.kind == "order")
    assert (leak.status, leak.satisfied, leak.on_time, leak.closed) == ("closed", True, True, True)
    loan = next(e for e in d.entries if e.kind == "loan")
    assert loan.on_time is False and loan.closed       # back two hours late


def test_the_dossier_says_late_and_unsatisfied(site, clock):
    _config, ids = site
    now = clock.now()
    engine = ids["engine"]
    o = orders.create_order(ids["R1"], now - timedelta(days=5), engine, sla_class="urgent_repair",
                            description="马桶堵了", unit_code="1-1203")
    orders.arrive(ids["G1"], now - timedelta(days=5) + timedelta(hours=2), o)        # respond: 30 min
    orders.complete(ids["R1"], now - timedelta(days=5) + timedelta(hours=3), o, work_done="通了")
    orders.callback(ids["R1"], now - timedelta(days=4), engine, o, satisfied=False, note="还是堵")
    entry = next(e for e in search.dossier("1-1203", now).entries if e.kind == "order" and e.id == o)
    assert (entry.status, entry.satisfied, entry.reopened, entry.on_time, entry.closed) == \
        ("reopened", False, 1, False, False)


def test_the_dossier_pages_newest_first(site, clock):
    _config, ids = site
    now = clock.now()
    for i in range(25):
        calls.add_call(ids["R1"], now - timedelta(days=60 + i), category="inquiry", channel="phone",
                       unit_code="1-1203", text=f"问题 {i}")
    first = search.dossier("1-1203", now, per_page=10)
    assert (first.total, first.pages, first.page) == (29, 3, 0)
    every = [e for p in range(3) for e in search.dossier("1-1203", now, page=p, per_page=10).entries]
    assert len(every) == 29 and len({(e.kind, e.id) for e in every}) == 29
    assert [e.at for e in every] == sorted((e.at for e in every), reverse=True)
    assert search.dossier("1-1203", now, page=99, per_page=10).page == 2
    with pytest.raises(search.NoSuchUnit):
        search.dossier("9-9999", now)


# --- building the index on upgrade --------------------------------------------------------

class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_the_upgrade_bar_shows_on_a_terminal_once_a_second_has_passed():
    moment = [0.0]
    out = _Terminal()
    bar = TerminalProgress(out, clock=lambda: moment[0])
    bar(0, 200_000)
    moment[0] = 0.9
    bar(20_000, 200_000)
    assert out.getvalue() == ""
    moment[0] = 1.5
    bar(100_000, 200_000)
    assert out.getvalue() == "\rUpgrading the database: [" + "#" * 15 + "." * 15 + "] 50 % (100,000 of 200,000 records)"
    bar(200_000, 200_000)
    bar.close()
    assert out.getvalue().endswith("] 100 % (200,000 of 200,000 records)\n")
    quiet = io.StringIO()                       # not a terminal (a pipe, a log file): nothing
    bar = TerminalProgress(quiet, clock=lambda: moment[0] + 5)
    bar(0, 10)
    bar(10, 10)
    bar.close()
    assert quiet.getvalue() == ""


def test_check_finds_a_record_written_behind_the_programs_back(site, capsys):
    config, ids = site
    path = config.db_url
    assert cli.main(["check", "--db", path]) == 0
    db.connect(config.db_url)
    db.Call.update(text="偷偷改了").where(db.Call.id == ids["leak_call"]).execute()
    assert cli.main(["check", "--db", path]) == 1
    assert f"search index: call {ids['leak_call']} is not indexed as it is now" in capsys.readouterr().out


# --- the command line ----------------------------------------------------------------------

def run_cli(config, *args):
    return cli.main(["search", "--db", config.db_url, *args])


def test_the_command_line_prints_records_newest_first_grouped_by_kind(site, capsys):
    config, ids = site
    assert run_cli(config, "1-1203") == 0
    out = capsys.readouterr().out
    assert out.index("Units (1)") < out.index("Calls (1)") < out.index("Work orders (2)") < out.index("Key loans")
    lines = out.splitlines()
    first_order = next(i for i, line in enumerate(lines) if line.startswith("Work orders"))
    assert lines[first_order + 1].startswith(f"WO{ids['open_order']:05d} ")
    assert lines[first_order + 2].startswith(f"WO{ids['leak_order']:05d}   2026-10-25 22:00 1-1203   张师傅 · ")
    assert lines[first_order + 2].endswith("(closed)")


def test_the_command_line_kind_limit_and_json(site, capsys):
    config, ids = site
    assert run_cli(config, "张师傅", "--kind", "orders", "--kind", "calls", "--limit", "1", "--json") == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [(r["kind"], r["id"]) for r in rows] == [("call", ids["message"]), ("order", ids["leak_order"])]
    assert rows[1]["number"] == f"WO{ids['leak_order']:05d}" and rows[1]["closed"] is True
    assert rows[1]["at"].endswith("+08:00")


def test_the_command_line_exits_0_without_results_and_2_when_nothing_can_be_searched(site, capsys):
    config, _ids = site
    assert run_cli(config, "nothing-like-this") == 0
    assert capsys.readouterr().out == "Nothing found.\n"
    assert run_cli(config, "ab") == 2
    assert "two Chinese characters" in capsys.readouterr().err
    assert run_cli(config, "漏水", "--limit", "0") == 2
    assert run_cli(config, "漏水", "--limit", "9223372036854775808") == 2
    assert "--limit is 1 to 10000" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        run_cli(config, "漏水", "--kind", "boats")


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.text(max_size=40))
def test_any_text_is_searched_without_an_error_and_both_ways_alike(site, text):
    fts = search.find(text)
    assert [(h.kind, h.id) for h in fts.hits] == [(h.kind, h.id) for h in search.find(text, engine="like").hits]


@pytest.fixture
def site_with_a_tail(site, clock):
    """The seed in the FTS tables, and in the tail a new call and an edited one (FTS holds its old words)."""
    _config, ids = site
    calls.add_call(ids["R1"], clock.now(), phone="021-6688-9999", caller="Anna [b]", unit_code="2-1503",
                   category="repair", channel="phone", text="50% 阳台跑水 night")
    call = calls.detail(ids["leak_call"])
    calls.edit_call(ids["R1"], clock.now(), ids["leak_call"], phone=call.phone, caller=call.caller,
                    unit_code=call.unit_code, category="repair", channel="phone", text="卫生间跑水 all night")
    return site


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.one_of(st.text(max_size=40), st.text(alphabet="漏水跑卫生间 nightAa5%_[b]-06", max_size=12)))
def test_any_text_finds_the_same_both_ways_with_records_in_the_tail(site_with_a_tail, text):
    fts, like = search.find(text, limit=1), search.find(text, limit=1, engine="like")
    assert ([(h.kind, h.id) for h in fts.hits], fts.more) == ([(h.kind, h.id) for h in like.hits], like.more)


def test_a_unit_or_key_named_exactly_comes_first(site):
    Unit.create(code="1-11203", building="1", floor=112)   # holds 1-1203 in its code, and is newer
    search_index.refresh("unit", [Unit.get(Unit.code == "1-11203").id])
    units = [h.number for h in search.search("1-1203", "units")]
    assert units == ["1-1203", "1-11203"]
