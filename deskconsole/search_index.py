"""The search index: the words of every record, kept in the transaction of the write that changed it.

One row of `search_doc` per record: its id says which kind of record (`doc_id`), its body is the
record's searchable text with single spaces, a space first and last, and record numbers as words
(" C123 ", " WO00211 ", " L5 ", " H4 ", " GP00012 "), so an exact number is the phrase " C123 ". A
phone is there as typed and as digits only, a parcel's tracking number as stored and its digits.

On SQLite two FTS5 tables index the bodies (README, design):
  search_tri  trigram tokenizer, external content (search_doc), detail=none: any substring of three
              or more characters, case-insensitive (LIKE '%...%'): phone fragments, numbers, names, words
  search_bi   unicode61 over our own tokens: every two adjacent letters or digits of which one is
              Chinese (厨房水龙头漏水 -> 厨房 房水 水龙 龙头 头漏 漏水), because trigram cannot find
              a two-character word (on SQLite 3.40 such a pattern silently finds nothing).
              Contentless, detail=none: a two-character query is one token, positions are not needed.
A commit that touches an FTS5 table writes a new segment of it (0.12 ms for the two, most of what the
index cost a saved call), so a write does not: its changed bodies go to `search_doc` and their ids to
the tail, `search_pending` (with `old`, the body the FTS tables hold, NULL for none), and the write
that brings the tail to FLUSH merges it into the FTS tables in its own transaction (`flush`). Search
takes the FTS hits that are not in the tail, and matches the tail's few current bodies with LIKE.
On another engine only `search_doc` exists and `search` matches its bodies with LIKE.

The one place the index is written: `db.writes` calls `after_write(events)` before its transaction
commits; every record named by the write's audit events is indexed again (the audit trail is
appended by every desk write in the same transaction; `audit.collected` hands the write its
events); an event about many records names them
(the front desk's purge of personal data: its "blanked" ids), so a blanked name leaves the index
in the purge's own transaction. A bulk load outside the desk functions (the benchmark database)
calls `rebuild`.
"""
from __future__ import annotations

import json
import re
from typing import Callable, Iterable

import peewee as pw

from . import db
from .db import (AuditEvent, Call, GoodsPass, Handover, Key, KeyLoan, LostItem, Parcel, SearchDoc, ShiftLogEntry,
                 Staff, Unit, Visitor, WorkOrder)
from .frontdesk import pass_number

# The kinds of record, in the order results are shown. The code is the high part of a doc id: a new
# kind goes at the end, so the ids already stored keep their meaning.
KINDS = ("unit", "call", "order", "loan", "key", "log", "handover", "parcel", "visitor", "pass", "lost")
_CODE = {kind: n for n, kind in enumerate(KINDS, start=1)}
_SHIFT = 40  # record ids below 2^40

# Which audit entity names which kind.
ENTITY_KIND = {"unit": "unit", "call": "call", "work_order": "order", "key": "key", "shift_log": "log",
               "handover": "handover", "parcel": "parcel", "visitor": "visitor", "goods_pass": "pass",
               "lost_item": "lost"}
# Events whose notes belong in the record's words (the record's own columns do not keep them).
_NOTE_ACTIONS = ("call.deliver", "call.close", "order.note", "order.callback", "order.cancel", "order.void",
                 "order.extend.request", "order.extension.refuse", "order.return.request",
                 "order.return.refuse", "handover.query", "handover.reply", "handover.addendum")
_NOTE_KEYS = ("note", "reason", "question", "answer", "text")

Progress = Callable[[int, int], None]


def doc_id(kind: str, record_id: int) -> int:
    return (_CODE[kind] << _SHIFT) | record_id


def kind_range(kind: str) -> tuple[int, int]:
    """The doc ids of one kind: [low, high]."""
    low = _CODE[kind] << _SHIFT
    return low, low + (1 << _SHIFT) - 1


def split_id(doc: int) -> tuple[str, int]:
    return KINDS[(doc >> _SHIFT) - 1], doc & ((1 << _SHIFT) - 1)


def has_fts(database=None) -> bool:
    return db.is_sqlite(database)


# --- words -------------------------------------------------------------------------------

def is_cjk(ch: str) -> bool:
    o = ord(ch)
    return (0x3400 <= o <= 0x4DBF or 0x4E00 <= o <= 0x9FFF or 0xF900 <= o <= 0xFAFF
            or 0x20000 <= o <= 0x3134F)


_CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f"
# Two adjacent letters or digits, one of them Chinese, at every position (a lookahead: they overlap).
_PAIR = re.compile(f"(?=([{_CJK}][^\\W_]|[^\\W_][{_CJK}]))")


def bigrams(body: str) -> str:
    """The two-character tokens of a body: adjacent letters or digits, at least one of them Chinese,
    each once, space-separated (the unicode61 tokenizer keeps each as one token)."""
    return " ".join(dict.fromkeys(_PAIR.findall(body))).lower()


_NOT_DIGIT = re.compile(r"\D")


def _phone(value: str) -> str:
    """A phone as typed, and as its digits when it has other characters: a fragment typed either
    way is found."""
    if not value:
        return ""
    if value.isdecimal():   # digits only (what \d matches), the common case: no regex
        return value
    digits = _NOT_DIGIT.sub("", value)
    return value if digits == value else f"{value} {digits}"


def _tracking(value: str) -> str:
    """A tracking number as stored, and its digits when dashes split them (SF-1234-5678: 45678 is found)."""
    digits = _NOT_DIGIT.sub("", value)
    return value if digits in value else f"{value} {digits}"


def _body(*parts) -> str:
    return " " + " ".join(" ".join(filter(None, parts)).split()) + " "


def order_number(order_id: int) -> str:
    return f"WO{order_id:05d}"


# --- each kind's words -------------------------------------------------------------------
# Each takes `where(field)`, an expression on the kind's id field, and yields (record id, body).

_SENTINEL = -7_340_019_019   # stands for the record id in a query's SQL made once (see One)
_SQL: dict = {}


class One:
    """`where` for one record, the common case (every desk write): the query's SQL is made once per
    shape and engine and reused with the id, because building SQL in peewee costs more than running it."""

    __slots__ = ("record_id",)

    def __init__(self, record_id: int) -> None:
        self.record_id = record_id

    def __call__(self, field):
        return field == _SENTINEL


class New(One):
    """`where` for a record the write being committed created (CREATES): nothing about it was in the
    database before, so its notes are in the write's own `events` (no query) and it has no old body."""

    __slots__ = ("events",)

    def __init__(self, record_id: int, events: list) -> None:
        self.record_id = record_id
        self.events = events


def _rows(shape: str, build, where):
    """The rows of `build(where)` as the driver gives them: no per-value conversion (a rebuild reads
    millions)."""
    database = db.database
    if not isinstance(where, One):
        return database.execute(build(where))
    key = (shape, type(database.obj))
    cached = _SQL.get(key)
    if cached is None:
        cached = _SQL[key] = build(where).sql()
    sql, params = cached
    params = [where.record_id if p == _SENTINEL else p for p in params]
    if isinstance(database.obj, pw.SqliteDatabase):
        # sqlite3 keeps the statement prepared; peewee's execute_sql around it costs as much as running it
        return database.obj.connection().execute(sql, params)
    return database.execute_sql(sql, params)


def _notes(entity: str, where) -> dict[int, list[str]]:
    """Notes written into the audit trail of these records (call-back notes, reasons, questions)."""
    found: dict[int, list[str]] = {}
    if isinstance(where, New):
        rows = [(i, data) for e, i, action, data, _made in where.events
                if e == entity and i == where.record_id and action in _NOTE_ACTIONS]
    else:
        rows = _rows(f"notes:{entity}", lambda w: (
            AuditEvent.select(AuditEvent.entity_id, AuditEvent.data)
            .where((AuditEvent.entity == entity) & w(AuditEvent.entity_id) & AuditEvent.action.in_(_NOTE_ACTIONS))
            .order_by(AuditEvent.id)), where)
    for record_id, data in rows:
        data = json.loads(data)
        after = data.get("after") if isinstance(data.get("after"), dict) else {}
        for value in [data.get(k) for k in _NOTE_KEYS] + [after.get("note")]:
            if isinstance(value, str) and value:
                found.setdefault(record_id, []).append(value)
    return found


def _unit_bodies(where) -> Iterable[tuple[int, str]]:
    for uid, code, owner, phones in _rows("unit", lambda w: Unit.select(
            Unit.id, Unit.code, Unit.owner_name, Unit.phones).where(w(Unit.id)), where):
        # A unit may have several phones, " / " between them: each is found as typed and as digits.
        yield uid, _body(code, owner, *(_phone(p.strip()) for p in (phones or "").split("/")))


# A call's columns in its words ("unit": its unit's code), read from the table or from a new call's instance.
_CALL_WORDS = ("phone", "caller", "unit", "text", "answer", "message_for", "message_from", "callback_number",
               "void_reason")


def _new_call_row(call) -> tuple | None:
    """A call this write created, as `_call_bodies` would read it, from its instance (no query); None when
    the instance does not hold its unit (the unit was given as an id)."""
    data = call.__data__     # the values as given, by field name (a foreign key's as its id)
    unit = call.__rel__.get("unit")
    if data.get("unit") is not None and unit is None:
        return None
    values = [data.get(name) for name in _CALL_WORDS]
    values[_CALL_WORDS.index("unit")] = unit.code if unit is not None else None
    return (call.id, *values)


def _call_body(row: tuple, notes=()) -> str:
    cid, phone, caller, unit, text, answer, m_for, m_from, callback, void = row
    return _body(f"C{cid}", _phone(phone), caller, unit, text, answer, m_for, m_from, _phone(callback), void,
                 *notes)


def _call_bodies(where) -> Iterable[tuple[int, str]]:
    notes = _notes("call", where)
    for row in _rows("call", lambda w: (
            Call.select(Call.id, *(Unit.code if name == "unit" else getattr(Call, name) for name in _CALL_WORDS))
            .join(Unit, pw.JOIN.LEFT_OUTER, on=(Call.unit == Unit.id)).where(w(Call.id))), where):
        yield row[0], _call_body(row, notes.get(row[0], ()))


def _order_bodies(where) -> Iterable[tuple[int, str]]:
    notes = _notes("work_order", where)
    rows = _rows("order", lambda w: (
        WorkOrder.select(WorkOrder.id, WorkOrder.call, Unit.code, WorkOrder.location, WorkOrder.description,
                         WorkOrder.assignee, WorkOrder.work_done, WorkOrder.materials, WorkOrder.end_reason,
                         WorkOrder.pending_reason)
        .join(Unit, pw.JOIN.LEFT_OUTER, on=(WorkOrder.unit == Unit.id)).where(w(WorkOrder.id))), where)
    for oid, call_id, unit, location, description, assignee, done, materials, end, pending in rows:
        yield oid, _body(order_number(oid), f"C{call_id}" if call_id else "", unit, location, description,
                         assignee, done, materials, end, pending, *notes.get(oid, ()))


def _loan_bodies(where) -> Iterable[tuple[int, str]]:
    rows = _rows("loan", lambda w: (
        KeyLoan.select(KeyLoan.id, Key.tag, KeyLoan.holder_name, KeyLoan.holder_company, KeyLoan.holder_document,
                       Unit.code, KeyLoan.purpose, KeyLoan.order, KeyLoan.authorised_name, KeyLoan.note)
        .join(Key, on=(KeyLoan.key == Key.id))
        .switch(KeyLoan).join(Unit, pw.JOIN.LEFT_OUTER, on=(KeyLoan.holder_unit == Unit.id))
        .where(w(KeyLoan.id))), where)
    for lid, tag, name, company, document, unit, purpose, order_id, authorised, note in rows:
        yield lid, _body(tag, name, company, document, unit, purpose, order_number(order_id) if order_id else "",
                         authorised, note)


def _key_bodies(where) -> Iterable[tuple[int, str]]:
    rows = _rows("key", lambda w: (
        Key.select(Key.id, Key.tag, Key.label, Key.opens, Key.hook, Unit.code)
        .join(Unit, pw.JOIN.LEFT_OUTER, on=(Key.unit == Unit.id)).where(w(Key.id))), where)
    for kid, tag, label, opens, hook, unit in rows:
        yield kid, _body(tag, label, opens if opens != label else "", hook, unit)


def _log_bodies(where) -> Iterable[tuple[int, str]]:
    rows = _rows("log", lambda w: (
        ShiftLogEntry.select(ShiftLogEntry.id, Unit.code, ShiftLogEntry.text, ShiftLogEntry.call,
                             ShiftLogEntry.order, Key.tag)
        .join(Unit, pw.JOIN.LEFT_OUTER, on=(ShiftLogEntry.unit == Unit.id))
        .switch(ShiftLogEntry).join(Key, pw.JOIN.LEFT_OUTER, on=(ShiftLogEntry.key_id == Key.id))
        .where(w(ShiftLogEntry.id))), where)
    for eid, unit, text, call_id, order_id, tag in rows:
        yield eid, _body(f"L{eid}", unit, text, f"C{call_id}" if call_id else "",
                         order_number(order_id) if order_id else "", tag)


def _handover_bodies(where) -> Iterable[tuple[int, str]]:
    rows = list(_rows("handover", lambda w: Handover.select(
        Handover.id, Handover.from_staff, Handover.to_staff, Handover.supervisor, Handover.supervisor_note,
        Handover.sheet).where(w(Handover.id)), where))
    if not rows:
        return
    notes = _notes("handover", where)
    staff = {sid: f"{code} {name}" for sid, code, name in Staff.select(Staff.id, Staff.code, Staff.name).tuples()}
    for hid, frm, to, supervisor, note, sheet in rows:
        try:
            refs = [item.get("ref", "") for section in json.loads(sheet).get("sections", [])
                    for item in (section.get("items") or [])]
        except (ValueError, AttributeError):
            refs = []
        yield hid, _body(f"H{hid}", staff.get(frm, ""), staff.get(to, ""), staff.get(supervisor, ""), note,
                         *notes.get(hid, ()), *dict.fromkeys(refs))


# The front desk's registers (frontdesk.py). Their personal data are blanked in place after the site's
# retention days: the purge's event names the records (see _named), so they are indexed again without them.

def _parcel_bodies(where) -> Iterable[tuple[int, str]]:
    rows = _rows("parcel", lambda w: (
        Parcel.select(Parcel.id, Parcel.tracking, Parcel.carrier, Parcel.addressee, Unit.code, Parcel.shelf,
                      Parcel.note)
        .join(Unit, pw.JOIN.LEFT_OUTER, on=(Parcel.unit == Unit.id)).where(w(Parcel.id))), where)
    for pid, tracking, carrier, addressee, unit, shelf, note in rows:
        yield pid, _body(_tracking(tracking), carrier, addressee, unit, shelf, note)


def _visitor_bodies(where) -> Iterable[tuple[int, str]]:
    rows = _rows("visitor", lambda w: (
        Visitor.select(Visitor.id, Visitor.name, Visitor.phone, Unit.code, Visitor.destination, Visitor.purpose,
                       Visitor.pass_no)
        .join(Unit, pw.JOIN.LEFT_OUTER, on=(Visitor.unit == Unit.id)).where(w(Visitor.id))), where)
    for vid, name, phone, unit, destination, purpose, pass_no in rows:
        yield vid, _body(name, _phone(phone), unit, destination, purpose, pass_no)


def _pass_bodies(where) -> Iterable[tuple[int, str]]:
    rows = _rows("pass", lambda w: (
        GoodsPass.select(GoodsPass.id, GoodsPass.requester, Unit.code, GoodsPass.items)
        .join(Unit, pw.JOIN.LEFT_OUTER, on=(GoodsPass.unit == Unit.id)).where(w(GoodsPass.id))), where)
    for gid, requester, unit, items in rows:
        yield gid, _body(pass_number(gid), requester, unit, items)


def _lost_bodies(where) -> Iterable[tuple[int, str]]:
    rows = _rows("lost", lambda w: LostItem.select(
        LostItem.id, LostItem.description, LostItem.found_where, LostItem.found_by, LostItem.claimant)
        .where(w(LostItem.id)), where)
    for lid, description, found_where, found_by, claimant in rows:
        yield lid, _body(description, found_where, found_by, claimant)


_BODIES = {"unit": (_unit_bodies, Unit), "call": (_call_bodies, Call), "order": (_order_bodies, WorkOrder),
           "loan": (_loan_bodies, KeyLoan), "key": (_key_bodies, Key), "log": (_log_bodies, ShiftLogEntry),
           "handover": (_handover_bodies, Handover), "parcel": (_parcel_bodies, Parcel),
           "visitor": (_visitor_bodies, Visitor), "pass": (_pass_bodies, GoodsPass), "lost": (_lost_bodies, LostItem)}


def bodies(kind: str, ids: Iterable[int]) -> dict[int, str]:
    """The bodies of these records as they are now (read by `verify` and the tests)."""
    ids = list(ids)
    if not ids:
        return {}
    return dict(_BODIES[kind][0](One(ids[0]) if len(ids) == 1 else (lambda field: field.in_(ids))))


# --- writing the index -------------------------------------------------------------------

def create(database) -> None:
    """The FTS tables and their tail beside `search_doc` (SQLite only; the model's table is made with the
    others)."""
    if not has_fts(database):
        return
    # detail=none, columnsize=0: no positions, no sizes (a third of the size). A query is LIKE '%word%',
    # which FTS5 answers from the trigrams and then checks against the body in search_doc.
    database.execute_sql("CREATE VIRTUAL TABLE IF NOT EXISTS search_tri USING fts5(body, content='search_doc', "
                         "content_rowid='id', tokenize='trigram', detail=none, columnsize=0)")
    database.execute_sql("CREATE VIRTUAL TABLE IF NOT EXISTS search_bi USING fts5(bi, content='', "
                         "tokenize='unicode61', detail=none, columnsize=0)")
    # The tail: the docs whose body changed since the FTS tables took them in (see flush).
    database.execute_sql("CREATE TABLE IF NOT EXISTS search_pending (id INTEGER PRIMARY KEY, old TEXT)")


def _fts_write(database, rows: list[tuple[int, str]], *, delete: bool) -> None:
    """Add (or, with `delete`, take out) these bodies in the FTS tables: an external-content and a
    contentless table both take out a row by its old values."""
    if not rows or not has_fts(database):
        return
    conn = database.connection()
    if delete:
        conn.executemany("INSERT INTO search_tri(search_tri, rowid, body) VALUES ('delete', ?, ?)", rows)
    else:
        conn.executemany("INSERT INTO search_tri(rowid, body) VALUES (?, ?)", rows)
    pairs = [(doc, grams) for doc, grams in ((doc, bigrams(body)) for doc, body in rows) if grams]
    if pairs:
        if delete:
            conn.executemany("INSERT INTO search_bi(search_bi, rowid, bi) VALUES ('delete', ?, ?)", pairs)
        else:
            conn.executemany("INSERT INTO search_bi(rowid, bi) VALUES (?, ?)", pairs)


def refresh(kind: str, ids: Iterable[int]) -> int:
    """Index these records again as they are now; returns how many bodies changed."""
    database = db.database.obj
    ids = list(dict.fromkeys(ids))
    new = {doc_id(kind, i): body for i, body in bodies(kind, ids).items()}
    if not new:
        return 0
    p = database.param
    docs = list(new)
    old = dict(database.execute_sql(f"SELECT id, body FROM search_doc WHERE id IN ({', '.join([p] * len(docs))})",
                                    docs).fetchall())
    return _store(database, new, old)


# The tail's size at which a write merges it into the FTS tables: one segment for FLUSH docs instead of
# one a commit; the merge costs that write 3-4 ms (bench/README.md, "Issue 19: the index's tail").
FLUSH = 256

# Set by db.connect: whether the connected database has the tail (schema 7). Without it (a database at
# schema 6 opened without migrating) a write writes the FTS tables itself, as schema 6 did.
tail = True


def _store(database, new: dict[int, str], old: dict[int, str]) -> int:
    """Write the bodies `new` (doc id -> body) where the index holds `old`; returns how many changed."""
    added = [(doc, body) for doc, body in new.items() if old.get(doc) != body]
    if not added:
        return 0
    if not has_fts(database) or not tail:
        _store_bodies(database, added, old)
        return len(added)
    # SQLite with the tail, every desk write: raw statements, which sqlite3 keeps prepared (the wrapper
    # around peewee's execute_sql costs as much as running one of these).
    conn = database.connection()
    for doc, body in added:
        if doc in old:
            conn.execute("UPDATE search_doc SET body = ? WHERE id = ?", (body, doc))
        else:
            conn.execute("INSERT INTO search_doc (id, body) VALUES (?, ?)", (doc, body))
        # OR IGNORE: a doc already in the tail keeps the first `old`, the body the FTS tables hold.
        conn.execute("INSERT OR IGNORE INTO search_pending (id, old) VALUES (?, ?)", (doc, old.get(doc)))
    if conn.execute("SELECT count(*) FROM search_pending").fetchone()[0] >= FLUSH:
        flush(database)
    return len(added)


def _store_bodies(database, added: list[tuple[int, str]], old: dict[int, str]) -> None:
    """`search_doc` without the tail: on another engine (no FTS tables), or on SQLite at schema 6, where the
    FTS tables are written at once."""
    p = database.param
    fts = has_fts(database)
    if fts:
        _fts_write(database, [(doc, old[doc]) for doc, _body in added if doc in old], delete=True)
    for doc, body in added:
        if doc in old:
            database.execute_sql(f"UPDATE search_doc SET body = {p} WHERE id = {p}", (body, doc))
        else:
            database.execute_sql(f"INSERT INTO search_doc (id, body) VALUES ({p}, {p})", (doc, body))
    if fts:
        _fts_write(database, added, delete=False)


def flush(database=None) -> int:
    """Merge the tail into the FTS tables: take out the body each holds, put in the body `search_doc` has
    now, empty the tail. Inside the caller's transaction. Returns how many docs the tail had."""
    database = database or db.database.obj
    if not has_fts(database) or not tail:
        return 0
    conn = database.connection()
    rows = conn.execute("SELECT p.id, p.old, d.body FROM search_pending AS p "
                        "LEFT JOIN search_doc AS d ON d.id = p.id").fetchall()
    changed = [(doc, old, body) for doc, old, body in rows if old != body]
    _fts_write(database, [(doc, old) for doc, old, _body in changed if old is not None], delete=True)
    _fts_write(database, [(doc, body) for doc, _old, body in changed if body is not None], delete=False)
    conn.execute("DELETE FROM search_pending")
    return len(rows)


# The kinds whose new record's body is made from the instance its write created (audit.record's `made`),
# without reading it back: kind -> (its row as its bodies function reads it, or None; the body of a row).
_FROM_MADE = {"call": (_new_call_row, _call_body)}


def _index_created(kind: str, record_id: int, events: list, made=None) -> None:
    """Index a record this write created: two queries fewer than `refresh` (its notes are in `events`,
    and it has no old body), which is most of what saving a call pays for the index. `made`: the
    instance the write created it from, given only when its creation is the write's one event (so the
    record is as the instance has it): a call's words are then made without a query at all."""
    body = None
    if made is not None and kind in _FROM_MADE:
        row_of, body_of = _FROM_MADE[kind]
        row = row_of(made)
        body = body_of(row) if row is not None else None
    if body is None:
        body = dict(_BODIES[kind][0](New(record_id, events))).get(record_id)
    if body is not None:
        _store(db.database.obj, {doc_id(kind, record_id): body}, {})


def _named(entity: str, entity_id, action: str, data: str) -> list[tuple[str, int | None]]:
    """The records an audit event names: its own, a key event's loan, and the records one event blanked
    (the front desk's purge: {"blanked": {entity: {"ids": [...], ...}}}), whose old words must go."""
    named: list[tuple[str, int | None]] = []
    kind = ENTITY_KIND.get(entity)
    if kind is not None:
        named.append((kind, entity_id))
        if kind == "key" and '"loan"' in data:
            after = json.loads(data).get("after") or {}
            if isinstance(after.get("loan"), int):
                named.append(("loan", after["loan"]))
    if '"blanked"' in data:
        blanked = json.loads(data).get("blanked")
        for name, part in (blanked.items() if isinstance(blanked, dict) else ()):
            ids = part.get("ids") if isinstance(part, dict) else None
            if ENTITY_KIND.get(name) and isinstance(ids, list):
                named += [(ENTITY_KIND[name], i) for i in ids if isinstance(i, int)]
    return named


# Set by db.connect: whether the connected database has the index (a database opened without
# migrating, at an older schema, has not; its writes are indexed when it is migrated).
enabled = True


# The events that make a new record of their entity (and only ever a new one): such a record is indexed
# without looking for an old body. Any other event indexes its records again (`refresh`).
CREATES = {("call", "call.add"), ("work_order", "order.create"), ("parcel", "parcel.receive")}


def after_write(events: list[tuple]) -> None:
    """Index again every record the write's audit `events` name ((entity, entity_id, action, data), as
    `audit.collected` gathers them). `db.writes` calls it inside the write's transaction, so the index
    commits, or rolls back, with the write."""
    if not enabled:
        return
    if len(events) == 1 and (events[0][0], events[0][2]) in CREATES:
        # One new record and nothing else (most saves): it names no other record (see _named), and nothing
        # in this write changed it after the instance it was created from.
        entity, entity_id, _action, _data, made = events[0]
        _index_created(ENTITY_KIND[entity], entity_id, events, made)
        return
    wanted: dict[str, set] = {}
    created = {(entity, entity_id) for entity, entity_id, action, _data, _made in events
               if (entity, action) in CREATES}
    for entity, entity_id, action, data, _made in events:
        for kind, record_id in _named(entity, entity_id, action, data):
            if (entity, record_id) in created and kind == ENTITY_KIND[entity]:
                continue
            wanted.setdefault(kind, set()).add(record_id)
    for entity, entity_id in created:
        _index_created(ENTITY_KIND[entity], entity_id, events)   # read back: later events may have changed it
    for kind, ids in wanted.items():
        if None in ids:  # an event about all of them (a unit import)
            ids = {i for (i,) in _BODIES[kind][1].select(_BODIES[kind][1].id).tuples()}
        for chunk in _chunks(sorted(ids), 500):
            refresh(kind, chunk)
    if any('"blanked"' in data for _entity, _id, _action, data, _made in events):
        # Personal data blanked (the front desk's purge): the old bodies leave the tail and the FTS tables
        # in the purge's own transaction, not at some later save.
        flush()


def _chunks(items: list, size: int):
    for i in range(0, len(items), size):
        yield items[i:i + size]


BATCH = 20_000


def rebuild(progress: Progress | None = None) -> int:
    """Index every record from scratch (a migration, a bulk load); `progress(done, total)` is called
    after each batch. Returns how many records are indexed."""
    database = db.database.obj
    fts = has_fts(database)
    if fts:
        database.execute_sql("INSERT INTO search_tri(search_tri) VALUES ('delete-all')")
        database.execute_sql("INSERT INTO search_bi(search_bi) VALUES ('delete-all')")
    SearchDoc.delete().execute()
    if fts and tail:
        database.execute_sql("DELETE FROM search_pending")
    spans = {}
    for kind in KINDS:
        model = _BODIES[kind][1]
        low, high = model.select(pw.fn.MIN(model.id), pw.fn.MAX(model.id)).tuples().first()
        spans[kind] = (low, high, model.select().count())
    total, done = sum(n for _l, _h, n in spans.values()), 0
    if progress:
        progress(0, total)
    for kind in KINDS:
        low, high, _n = spans[kind]
        if low is None:
            continue
        fn = _BODIES[kind][0]
        for start in range(low, high + 1, BATCH):
            end = min(start + BATCH - 1, high)
            rows = [(doc_id(kind, i), body) for i, body in fn(lambda field: field.between(start, end))]
            if not rows:
                continue
            if fts:
                conn = database.connection()
                conn.executemany("INSERT INTO search_doc(id, body) VALUES (?, ?)", rows)
                conn.execute("INSERT INTO search_tri(rowid, body) SELECT id, body FROM search_doc "
                             "WHERE id BETWEEN ? AND ?", (doc_id(kind, start), doc_id(kind, end)))
                pairs = [(doc, grams) for doc, grams in ((doc, bigrams(body)) for doc, body in rows) if grams]
                conn.executemany("INSERT INTO search_bi(rowid, bi) VALUES (?, ?)", pairs)
            else:
                for chunk in _chunks(rows, 1000):
                    SearchDoc.insert_many(chunk, fields=[SearchDoc.id, SearchDoc.body]).execute()
            done += len(rows)
            if progress:
                progress(done, total)
    if fts:
        # One segment instead of one per batch: queries read one b-tree.
        database.execute_sql("INSERT INTO search_tri(search_tri) VALUES ('optimize')")
        database.execute_sql("INSERT INTO search_bi(search_bi) VALUES ('optimize')")
    return done


def install(database, progress: Progress | None = None) -> None:
    """Migration: the index tables, then every record indexed."""
    database.create_tables([SearchDoc])
    create(database)
    rebuild(progress)


def verify(sample: int | None = None) -> list[str]:
    """Records whose indexed words differ from what they are now (`deskconsole check`; tests)."""
    problems = []
    for kind in KINDS:
        model = _BODIES[kind][1]
        query = model.select(model.id).order_by(model.id.desc())
        if sample:
            query = query.limit(sample)
        ids = [i for (i,) in query.tuples()]
        for chunk in _chunks(ids, 500):
            now = {doc_id(kind, i): b for i, b in bodies(kind, chunk).items()}
            stored = dict(SearchDoc.select(SearchDoc.id, SearchDoc.body).where(SearchDoc.id.in_(list(now))).tuples())
            for doc, body in now.items():
                if stored.get(doc) != body:
                    problems.append(f"search index: {kind} {split_id(doc)[1]} is not indexed as it is now")
    if has_fts() and tail:
        # The tail is small (FLUSH docs at most): every doc in it has its body in search_doc, which is what
        # the merge puts into the FTS tables.
        for (doc,) in db.database.execute_sql("SELECT p.id FROM search_pending AS p LEFT JOIN search_doc AS d "
                                              "ON d.id = p.id WHERE d.id IS NULL"):
            named = "{} {}".format(*split_id(doc)) if 0 < doc >> _SHIFT <= len(KINDS) else f"doc {doc}"
            problems.append(f"search index: the tail names {named}, which has no index entry")
    return problems
