"""Find anything ever written, and a unit's dossier.

`search(text)` finds calls, work orders (open and closed), key loans and keys, shift-log entries,
handovers, units and the front desk's registers (parcels, visitors, goods-release passes, lost and
found) by any part of a phone number, a name, a unit, a record number (WO00211, C123, L5, H4,
GP00012, a key tag, a tracking number's last digits), or words in Chinese (two characters and more)
or English, newest first in each kind. The words come from the index that every desk write keeps in
its own transaction (search_index.py), so a record is found the moment it is saved, at every console.

On SQLite the index is FTS5 (trigram for three characters and more, our own two-character tokens
for Chinese words of two); on another engine the same bodies are matched with LIKE, which gives
the same results, only slower (README: PostgreSQL).

`dossier(unit_code)` is one unit's history: owner and phones, its keys, and every call, work
order (with how it ended), key loan, log entry, parcel, visit and goods-release pass about it,
newest first, a page at a time.
"""
from __future__ import annotations

import functools
import itertools
import re
from dataclasses import dataclass, field
from datetime import datetime

import peewee as pw

from . import db, search_index
from .i18n import _
from .db import (Call, GoodsPass, Handover, Key, KeyLoan, LostItem, Parcel, SearchDoc, ShiftLogEntry, Staff, Unit,
                 Visitor, WorkOrder)
from .frontdesk import parcel_status_label, pass_number
from .orders import OPEN_STATUSES
from .reports import _overall
from .search_index import KINDS, doc_id, is_cjk, kind_range, order_number, split_id
from .text import clean, one_line

# What the command line's --kind and the screen's groups name, and the kinds of record in each.
GROUPS = {"units": ("unit",), "calls": ("call",), "orders": ("order",), "keys": ("loan", "key"), "log": ("log",),
          "handovers": ("handover",), "parcels": ("parcel",), "visitors": ("visitor",), "passes": ("pass",),
          "lost": ("lost",)}
KIND_TITLES = {"unit": "Units", "call": "Calls", "order": "Work orders", "loan": "Key loans", "key": "Keys",
               "log": "Shift log", "handover": "Handovers", "parcel": "Parcels", "visitor": "Visitors",
               "pass": "Goods-release passes", "lost": "Lost and found"}
# The front desk's registers (frontdesk.py): their records open as frontdesk.record reads them.
FRONT_DESK = ("parcel", "visitor", "pass", "lost")
DEFAULT_LIMIT = 20
MIN_LENGTH = 3        # a word of three characters or more: any letters, digits or signs
MIN_CHINESE = 2       # two characters, one of them Chinese: a Chinese word (漏水, 2栋)


@dataclass(frozen=True)
class Hit:
    """One record found: what the result list shows, and what opens it."""
    kind: str                 # unit | call | order | loan | key | log | handover | parcel | visitor | pass | lost
    id: int
    number: str               # C123, WO00211, L5, H4, a key's tag, a unit's code, a parcel's tracking number,
                              # a visitor's pass or card, GP00012; "" for a found item
    at: datetime | None       # received, logged, issued, written, compiled, signed in, found (UTC); None for
                              # units and keys
    unit_code: str
    who: str                  # caller, holder, assignee, author, from -> to, owner, addressee, visitor,
                              # requester, finder
    what: str                 # one line of the record's words
    status: str               # the record's status id
    closed: bool              # nothing more will happen to it: it opens read-only
    key_id: int | None = None  # a loan's key
    phone: str = ""           # a call's number, a visitor's


@dataclass(frozen=True)
class Found:
    hits: list[Hit]
    more: frozenset[str] = frozenset()   # kinds with more hits than the limit
    ignored: tuple[str, ...] = ()        # words too short to search for


@dataclass(frozen=True)
class Term:
    """One word of a query: any of `alternatives` must be in the record; `two` when it is a two-character
    Chinese word (the bigram index), else a substring of three characters or more (trigram)."""
    alternatives: tuple[str, ...]
    two: bool = False
    record: tuple[str, int] | None = None   # a record number: the kind and id it names


_NUMBER = re.compile(r"(WO|GP|C|L|H)0*(\d{1,9})", re.IGNORECASE)
_NUMBERED = {"WO": "order", "GP": "pass", "C": "call", "L": "log", "H": "handover"}
_PADDED = {"WO": order_number, "GP": pass_number}   # numbers written with their zeros (WO00211, GP00012)
_PHONE_LIKE = re.compile(r"\+?[0-9][0-9\-+()]*")


_PHRASE = re.compile(r'"([^"]*)"|(\S+)')


def _term(word: str) -> Term | None:
    m = _NUMBER.fullmatch(word)
    if m:
        prefix, n = m.group(1).upper(), int(m.group(2))
        number = _PADDED[prefix](n) if prefix in _PADDED else f"{prefix}{n}"
        # The number as a word of its own: C123 finds call 123 and what names it, never C1234.
        return Term((f" {number} ",), record=(_NUMBERED[prefix], n))
    if len(word) >= MIN_LENGTH:
        alternatives = [word]
        if _PHONE_LIKE.fullmatch(word):
            digits = re.sub(r"\D", "", word)
            if digits != word and len(digits) >= MIN_LENGTH:
                alternatives.append(digits)
        return Term(tuple(alternatives))
    if len(word) == MIN_CHINESE and any(is_cjk(c) for c in word) and word.isalnum():
        return Term((word.lower(),), two=True)
    return None


def parse(text: str) -> tuple[list[Term], list[str]]:
    """The query's words as terms (each must be in the record), and the words too short to search
    for. "Quoted words" are one phrase; so is the whole text when every word alone is too short
    (Li Na)."""
    text = clean(text)
    words = [" ".join((m.group(1) if m.group(1) is not None else m.group(2)).split())
             for m in _PHRASE.finditer(text)]
    words = [w for w in words if w]
    terms = [_term(w) for w in words]
    if words and not any(terms) and len(words) > 1:
        whole = _term(" ".join(" ".join(words).split()))
        if whole is not None:
            return [whole], []
    return [t for t in terms if t is not None], [w for w, t in zip(words, terms) if t is None]


def kind_title(kind: str) -> str:
    """A kind of record as the result list's heading says it."""
    return _(KIND_TITLES[kind])


def status_text(kind: str, status: str) -> str:
    """A hit's or an entry's status as the screens and the command line say it: the id's words, but a
    parcel's own ("returned" alone is a returned work order, 退单). The front desk's statuses are
    words no other record uses (a visitor is "inside", not "on site" as a technician who arrived)."""
    if not status:
        return ""
    if kind == "parcel":
        return parcel_status_label(status)
    if kind == "visitor" and status in ("expected", "no_show"):   # a VIP signed in ahead
        return _("VIP expected") if status == "expected" else _("did not come")
    return _(status.replace("_", " "))


def short_number(kind: str, number: str, cells: int) -> str:
    """A number cut to `cells` for a column: a tracking number keeps its end ("…56789CN"), the digits
    people read out and search by; any other number keeps its start."""
    if kind != "parcel" or len(number) <= cells:
        return number
    return "…" + number[-(cells - 1):]


def _kinds(kinds) -> tuple[str, ...]:
    if not kinds:
        return KINDS
    if isinstance(kinds, str):
        kinds = [kinds]
    wanted = set()
    for k in kinds:
        wanted.update(GROUPS.get(k, (k,)))
    unknown = wanted - set(KINDS)
    if unknown:
        raise ValueError(f"unknown kind of record: {', '.join(sorted(unknown))}")
    return tuple(k for k in KINDS if k in wanted)


def _connected(fn):
    """A read that may run in a screen's worker thread: such a thread has no connection of its own, so
    one is opened for the call and closed after it (the screens never touch the database themselves)."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        database = db.database
        opened = database.is_closed()
        if opened:
            database.connect()
        try:
            return fn(*args, **kwargs)
        finally:
            if opened:
                database.close()
    return wrapper


def _like(text: str) -> str:
    """`text` anywhere, as a LIKE pattern with ESCAPE '\\'."""
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def _driver(text: str) -> str | None:
    """What FTS5 can look up for a word: the word, or for one holding % or _ (LIKE's wildcards, which
    the index cannot take escaped) its longest piece without them; None when no piece is long enough."""
    if "%" not in text and "_" not in text:
        return text
    piece = max(re.split(r"[%_]", text), key=len)
    return piece if len(piece) >= MIN_LENGTH else None


def _fts_query(database, long: tuple[str, ...], two: list[str], low: int, high: int, limit: int) -> list[int]:
    """The newest `limit` doc ids in [low, high] whose body holds every word of `long` (three characters
    and more) and `two` (two-character Chinese words)."""
    drivers = [d for d in (_driver(w) for w in long) if d]
    checks = [w for w in long if _driver(w) != w]
    args: list = []
    if drivers:
        # The trigram index answers LIKE '%word%' for words of three characters and more. `LIKE +?`: after a
        # bare parameter SQLite prepares the whole statement again at each run (for its LIKE optimisation,
        # of no use here), 35 µs and more a kind; the index is used all the same.
        sql = "SELECT t.rowid FROM search_tri AS t"
        where = ["t.body LIKE +?"] * len(drivers)
        args += ["%" + d + "%" for d in drivers]
        checks += two
    elif two:
        sql = "SELECT t.rowid FROM search_bi AS t"
        where = ["t.search_bi MATCH ?"]
        args.append(" AND ".join('"' + w + '"' for w in two))
    else:
        sql = "SELECT t.id FROM search_doc AS t"
        where = []
    column = "t.id" if not drivers and not two else "t.rowid"
    if checks:
        if column == "t.rowid":
            sql += " JOIN search_doc AS d ON d.id = t.rowid"
        where += ["{}.body LIKE +? ESCAPE '\\'".format("d" if column == "t.rowid" else "t")] * len(checks)
        args += [_like(w) for w in checks]
    tail = column == "t.rowid" and search_index.tail
    if tail:
        # What the FTS tables hold of a doc in the tail may be out of date: the tail is matched below.
        where.append("t.rowid NOT IN (SELECT id FROM search_pending)")
    where.append(f"{column} BETWEEN ? AND ?")
    args += [low, high]
    sql += " WHERE " + " AND ".join(where) + " ORDER BY 1 DESC LIMIT ?"
    args.append(limit)
    if tail:
        # And the docs the FTS tables have not taken in yet (FLUSH at most), by their bodies as they are now.
        # One statement, so one snapshot: a merge committed by another console between two would hide a doc.
        words = list(long) + two
        sql = (f"SELECT * FROM ({sql}) UNION ALL SELECT * FROM (SELECT p.id FROM search_pending AS p "
               "JOIN search_doc AS d ON d.id = p.id WHERE p.id BETWEEN ? AND ? AND "
               + " AND ".join(["d.body LIKE +? ESCAPE '\\'"] * len(words)) + " ORDER BY 1 DESC LIMIT ?) "
               "ORDER BY 1 DESC LIMIT ?")
        args += [low, high, *map(_like, words), limit, limit]
    return [row[0] for row in database.execute_sql(sql, args).fetchall()]


def _fts_ids(database, terms: list[Term], kind: str, limit: int) -> list[int]:
    """The newest `limit` doc ids of `kind` whose body has every term (SQLite, FTS5). A term with
    alternatives (a phone typed with dashes: as typed, or its digits) runs once for each."""
    low, high = kind_range(kind)
    two = [t.alternatives[0] for t in terms if t.two]
    combos = itertools.islice(itertools.product(*[t.alternatives for t in terms if not t.two]), 8)
    found: set[int] = set()
    for long in combos:
        found.update(_fts_query(database, long, two, low, high, limit))
    return sorted(found, reverse=True)[:limit]


def _empty(database, kind: str) -> bool:
    return database.execute_sql("SELECT 1 FROM search_doc WHERE id BETWEEN ? AND ? LIMIT 1",
                                kind_range(kind)).fetchone() is None


def _like_ids(terms: list[Term], kind: str, limit: int, *, only: int | None = None) -> list[int]:
    """The same on any engine: every term in the body (LIKE; ILIKE on PostgreSQL), newest first;
    with `only`, that record if it has them."""
    low, high = kind_range(kind)
    condition = SearchDoc.id.between(low, high) if only is None else (SearchDoc.id == only)
    for t in terms:
        either = None
        for alternative in t.alternatives:
            match = SearchDoc.body.contains(alternative)
            either = match if either is None else (either | match)
        condition &= either
    query = SearchDoc.select(SearchDoc.id).where(condition).order_by(SearchDoc.id.desc()).limit(limit)
    return [i for (i,) in query.tuples()]


@_connected
def find(text: str, kinds=None, limit: int = DEFAULT_LIMIT, *, engine: str | None = None,
         now: datetime | None = None) -> Found:
    """Every kind's newest `limit` records that hold every word of `text`. `engine` "like" matches
    with LIKE even on SQLite (the fallback's own test); by default SQLite uses its FTS index. `now`
    (the console's clock) says which goods-release passes have expired; without it, none has."""
    kinds = _kinds(kinds)
    terms, ignored = parse(text)
    if not terms:
        return Found([], frozenset(), tuple(ignored))
    database = db.database.obj
    fts = engine != "like" and search_index.has_fts(database)
    hits: list[Hit] = []
    more = set()
    for kind in kinds:
        own = next((t.record[1] for t in terms if t.record and t.record[0] == kind), None)
        if own is not None:
            # A record's own number is in no other record of its kind: look it up, don't scan for it.
            ids = _like_ids(terms, kind, 1, only=doc_id(kind, own))
        elif fts and _empty(database, kind):
            # FTS5 reads the trigrams' doclists whatever the range (≈1-2 ms for a number's common digits):
            # a kind with no records yet (a site that keeps no visitors) costs one look at its ids instead.
            ids = []
        elif fts:
            ids = _fts_ids(database, terms, kind, limit + 1)
        else:
            ids = _like_ids(terms, kind, limit + 1)
        if len(ids) > limit:
            more.add(kind)
            ids = ids[:limit]
        found = _hits(kind, [split_id(i)[1] for i in ids], now)
        # The newest records written are these; shown by their own time (a record entered afterwards,
        # a late paper form, takes its place).
        if all(h.at is not None for h in found):
            found.sort(key=lambda h: (h.at, h.id), reverse=True)
        else:
            # Units and keys have no time: the one named exactly first (1-407 before 1-1407 and 2-1407).
            exact = {" ".join(t.alternatives[0].split()).casefold() for t in terms}
            found.sort(key=lambda h: h.number.casefold() not in exact)
        hits += found
    return Found(hits, frozenset(more), tuple(ignored))


@_connected
def ended_orders(engine, statuses: tuple[str, ...], text: str = "", limit: int = 200):
    """Orders in these ended statuses (closed, returned, cancelled), newest first, as the Work orders pane
    shows them (orders.OrderRow); with `text`, only those whose words hold it (the index, so an order
    closed years ago is found)."""
    from . import orders
    if not parse(text)[0]:
        return orders.ended(engine, statuses=statuses, limit=limit)
    # The newest orders with these words, any status; of them, the ended ones.
    ids = [h.id for h in find(text, ["orders"], limit=limit * 5).hits]
    return orders.ended(engine, statuses=statuses, ids=ids, limit=limit)


def search(text: str, kinds=None, limit: int = DEFAULT_LIMIT, *, now: datetime | None = None) -> list[Hit]:
    """The records that hold every word of `text`, grouped by kind (units, calls, orders, key loans,
    keys, log, handovers, parcels, visitors, passes, lost and found), newest first in each; at most
    `limit` of each kind."""
    return find(text, kinds, limit, now=now).hits


# --- what a hit shows -------------------------------------------------------------------

def _by_id(rows: list[dict], ids: list[int], make) -> list[Hit]:
    """The hits in the order of `ids` (newest first)."""
    found = {r["id"]: r for r in rows}
    return [make(found[i]) for i in ids if i in found]


def _hits(kind: str, ids: list[int], now: datetime | None = None) -> list[Hit]:
    if not ids:
        return []
    if kind == "pass":
        return _pass_hits(ids, now)
    return _HITS[kind](ids)


def _unit_hits(ids):
    rows = list(Unit.select().where(Unit.id.in_(ids)).dicts())
    return _by_id(rows, ids, lambda r: Hit(
        "unit", r["id"], r["code"], None, r["code"], one_line(r["owner_name"]), one_line(r["phones"]),
        "taken_over" if r["handed_over"] else "not_taken_over", False))


def _call_hits(ids):
    rows = list(Call.select(Call.id, Call.received_at, Call.caller, Call.phone, Call.text, Call.status,
                            Unit.code.alias("unit_code"))
                .join(Unit, pw.JOIN.LEFT_OUTER, on=(Call.unit == Unit.id)).where(Call.id.in_(ids)).dicts())
    return _by_id(rows, ids, lambda r: Hit(
        "call", r["id"], f"C{r['id']}", r["received_at"], r["unit_code"] or "", one_line(r["caller"]),
        one_line(r["text"]), r["status"], r["status"] != "open", phone=one_line(r["phone"])))


def _order_hits(ids):
    rows = list(WorkOrder.select(WorkOrder.id, WorkOrder.created_at, WorkOrder.location, WorkOrder.description,
                                 WorkOrder.assignee, WorkOrder.status, Unit.code.alias("unit_code"))
                .join(Unit, pw.JOIN.LEFT_OUTER, on=(WorkOrder.unit == Unit.id)).where(WorkOrder.id.in_(ids))
                .dicts())
    return _by_id(rows, ids, lambda r: Hit(
        "order", r["id"], order_number(r["id"]), r["created_at"], r["unit_code"] or one_line(r["location"]),
        one_line(r["assignee"]), one_line(r["description"]), r["status"], r["status"] not in OPEN_STATUSES))


def _loan_hits(ids):
    KeyUnit, HolderUnit = Unit.alias("ku"), Unit.alias("hu")
    rows = list(KeyLoan.select(KeyLoan.id, KeyLoan.key, KeyLoan.issued_at, KeyLoan.holder_name,
                               KeyLoan.holder_company, KeyLoan.purpose, KeyLoan.returned_at, KeyLoan.condition,
                               Key.tag, Key.label, KeyUnit.code.alias("key_unit"), HolderUnit.code.alias("holder_unit"))
                .join(Key, on=(KeyLoan.key == Key.id))
                .join(KeyUnit, pw.JOIN.LEFT_OUTER, on=(Key.unit == KeyUnit.id))
                .switch(KeyLoan).join(HolderUnit, pw.JOIN.LEFT_OUTER, on=(KeyLoan.holder_unit == HolderUnit.id))
                .where(KeyLoan.id.in_(ids)).dicts())

    def make(r):
        who = " ".join(p for p in (r["holder_name"], r["holder_company"] and f"({r['holder_company']})") if p)
        status = "out" if r["returned_at"] is None else (r["condition"] or "fine")
        return Hit("loan", r["id"], r["tag"], r["issued_at"], r["holder_unit"] or r["key_unit"] or "",
                   one_line(who), one_line(" · ".join(p for p in (r["label"], r["purpose"]) if p)), status,
                   r["returned_at"] is not None, key_id=r["key"])
    return _by_id(rows, ids, make)


def _key_hits(ids):
    rows = list(Key.select(Key.id, Key.tag, Key.label, Key.hook, Key.status, Unit.code.alias("unit_code"))
                .join(Unit, pw.JOIN.LEFT_OUTER, on=(Key.unit == Unit.id)).where(Key.id.in_(ids)).dicts())
    return _by_id(rows, ids, lambda r: Hit(
        "key", r["id"], r["tag"], None, r["unit_code"] or "", one_line(r["hook"]), one_line(r["label"]),
        r["status"], r["status"] == "retired", key_id=r["id"]))


def _log_hits(ids):
    rows = list(ShiftLogEntry.select(ShiftLogEntry.id, ShiftLogEntry.at, ShiftLogEntry.kind, ShiftLogEntry.text,
                                     ShiftLogEntry.done_at, Staff.code.alias("author"), Unit.code.alias("unit_code"))
                .join(Staff, on=(ShiftLogEntry.author == Staff.id))
                .switch(ShiftLogEntry).join(Unit, pw.JOIN.LEFT_OUTER, on=(ShiftLogEntry.unit == Unit.id))
                .where(ShiftLogEntry.id.in_(ids)).dicts())
    return _by_id(rows, ids, lambda r: Hit(
        "log", r["id"], f"L{r['id']}", r["at"], r["unit_code"] or "", r["author"], one_line(r["text"]), r["kind"],
        True))


def _handover_hits(ids):
    codes = dict(Staff.select(Staff.id, Staff.code).tuples())
    rows = list(Handover.select(Handover.id, Handover.compiled_at, Handover.from_staff, Handover.to_staff,
                                Handover.status, Handover.supervisor_note).where(Handover.id.in_(ids)).dicts())
    return _by_id(rows, ids, lambda r: Hit(
        "handover", r["id"], f"H{r['id']}", r["compiled_at"], "",
        " → ".join(p for p in (codes.get(r["from_staff"], ""), codes.get(r["to_staff"], "")) if p),
        one_line(r["supervisor_note"]), r["status"], r["status"] != "open"))


def _parcel_hits(ids):
    rows = list(Parcel.select(Parcel.id, Parcel.received_at, Parcel.tracking, Parcel.carrier, Parcel.addressee,
                              Parcel.shelf, Parcel.note, Parcel.status, Unit.code.alias("unit_code"))
                .join(Unit, pw.JOIN.LEFT_OUTER, on=(Parcel.unit == Unit.id)).where(Parcel.id.in_(ids)).dicts())
    return _by_id(rows, ids, lambda r: Hit(
        "parcel", r["id"], r["tracking"], r["received_at"], r["unit_code"] or "", one_line(r["addressee"]),
        one_line(" · ".join(p for p in (r["carrier"], r["shelf"] and _("shelf {shelf}", shelf=r["shelf"]),
                                         r["note"]) if p)),
        r["status"], r["status"] != "waiting"))


def _visitor_hits(ids):
    rows = list(Visitor.select(Visitor.id, Visitor.arrived_at, Visitor.expected_at, Visitor.updated_at, Visitor.name,
                               Visitor.party_size,
                               Visitor.phone, Visitor.destination, Visitor.purpose, Visitor.pass_no, Visitor.left_at,
                               Unit.code.alias("unit_code"))
                .join(Unit, pw.JOIN.LEFT_OUTER, on=(Visitor.unit == Unit.id)).where(Visitor.id.in_(ids)).dicts())
    return _by_id(rows, ids, lambda r: Hit(
        "visitor", r["id"], one_line(r["pass_no"]), r["arrived_at"] or r["expected_at"] or r["updated_at"],
        r["unit_code"] or "",
        one_line(r["name"]) + (f" ×{r['party_size']}" if r["party_size"] > 1 else ""),
        one_line(" · ".join(p for p in (r["destination"], r["purpose"]) if p)),
        _visitor_status(r), r["left_at"] is not None, phone=one_line(r["phone"])))


def _visitor_status(r: dict) -> str:
    """inside, left, or for a VIP signed in ahead: expected, then did not come if signed out unarrived."""
    if r["arrived_at"] is None:
        return "no_show" if r["left_at"] else "expected"
    return "left" if r["left_at"] else "inside"


def _pass_status(status: str, valid_until: datetime, now: datetime | None) -> str:
    """An issued pass not released by the end of its day has expired."""
    if status == "issued" and now is not None and now >= valid_until:
        return "expired"
    return status


def _pass_hits(ids, now=None):
    rows = list(GoodsPass.select(GoodsPass.id, GoodsPass.issued_at, GoodsPass.requester, GoodsPass.items,
                                 GoodsPass.move_out, GoodsPass.status, GoodsPass.valid_until,
                                 Unit.code.alias("unit_code"))
                .join(Unit, pw.JOIN.LEFT_OUTER, on=(GoodsPass.unit == Unit.id)).where(GoodsPass.id.in_(ids))
                .dicts())

    def make(r):
        status = _pass_status(r["status"], r["valid_until"], now)
        what = (_("move-out") + ": " if r["move_out"] else "") + r["items"]
        return Hit("pass", r["id"], pass_number(r["id"]), r["issued_at"], r["unit_code"] or "",
                   one_line(r["requester"]), one_line(what), status, status != "issued")
    return _by_id(rows, ids, make)


def _lost_hits(ids):
    rows = list(LostItem.select(LostItem.id, LostItem.found_at, LostItem.found_where, LostItem.found_by,
                                LostItem.description, LostItem.status, LostItem.claimant)
                .where(LostItem.id.in_(ids)).dicts())
    return _by_id(rows, ids, lambda r: Hit(
        "lost", r["id"], "", r["found_at"], "", one_line(r["claimant"] or r["found_by"]),
        one_line(" · ".join(p for p in (r["description"], r["found_where"]) if p)), r["status"],
        r["status"] != "kept"))


_HITS = {"unit": _unit_hits, "call": _call_hits, "order": _order_hits, "loan": _loan_hits, "key": _key_hits,
         "log": _log_hits, "handover": _handover_hits, "parcel": _parcel_hits, "visitor": _visitor_hits,
         "pass": _pass_hits, "lost": _lost_hits}


def hit(kind: str, record_id: int, now: datetime | None = None) -> Hit | None:
    """One record as a hit (the dossier and the screens open records through it)."""
    found = _hits(kind, [record_id], now)
    return found[0] if found else None


# --- the unit's dossier -----------------------------------------------------------------

@dataclass(frozen=True)
class Phone:
    number: str
    name: str          # who called from it last
    calls: int
    last_at: datetime


@dataclass(frozen=True)
class UnitKey:
    id: int
    tag: str
    label: str
    status: str
    holder: str = ""
    due_at: datetime | None = None


@dataclass(frozen=True)
class Entry:
    """One line of the dossier's history."""
    kind: str                  # call | order | loan | log | parcel | visitor | pass
    id: int
    number: str
    at: datetime
    who: str
    what: str
    status: str
    closed: bool
    satisfied: bool | None = None   # orders: the last call-back's answer (None: not called back)
    reopened: int = 0                # orders: times an unsatisfied call-back reopened it
    on_time: bool | None = None      # orders: both deadlines met (None: still running, or not judged);
                                     # loans: back by the due time
    key_id: int | None = None
    ended_at: datetime | None = None  # parcels: collected or returned; visitors: left; passes: released
    ended_by: str = ""               # parcels: who collected it


@dataclass(frozen=True)
class Dossier:
    code: str
    building: str
    floor: int
    owner_name: str
    owner_phone: str
    handed_over: bool
    phones: tuple[Phone, ...]
    keys: tuple[UnitKey, ...]
    counts: dict[str, int]          # kind -> how many records in the whole history
    entries: tuple[Entry, ...]      # this page, newest first
    page: int
    pages: int
    per_page: int
    total: int = field(default=0)


class NoSuchUnit(LookupError):
    pass


def _loan_filter(unit_id: int):
    """Loans about the unit: of its own keys, or to its owner or tenant. (The keys as a list: with a
    subquery SQLite reads every loan instead of the two indexes.)"""
    keys = [k for (k,) in Key.select(Key.id).where(Key.unit == unit_id).tuples()]
    held = KeyLoan.holder_unit == unit_id
    return (KeyLoan.key.in_(keys) | held) if keys else held


# kind -> (model, time field, the unit's records)
def _sources(unit_id: int):
    return {
        "call": (Call, Call.received_at, Call.unit == unit_id),
        "order": (WorkOrder, WorkOrder.created_at, WorkOrder.unit == unit_id),
        "loan": (KeyLoan, KeyLoan.issued_at, _loan_filter(unit_id)),
        "log": (ShiftLogEntry, ShiftLogEntry.at, ShiftLogEntry.unit == unit_id),
        "parcel": (Parcel, Parcel.received_at, Parcel.unit == unit_id),
        # An expected VIP has no time in yet: the announced arrival stands for it.
        "visitor": (Visitor, pw.fn.COALESCE(Visitor.arrived_at, Visitor.expected_at).python_value(
            Visitor.arrived_at.python_value), Visitor.unit == unit_id),
        "pass": (GoodsPass, GoodsPass.issued_at, GoodsPass.unit == unit_id),
    }


@_connected
def dossier(unit_code: str, now: datetime, *, page: int = 0, per_page: int = 50) -> Dossier:
    """Everything about one unit; the history a page at a time, newest first (page 0 is the newest)."""
    unit = Unit.get_or_none(Unit.code == clean(unit_code).upper().replace(" ", ""))
    if unit is None:
        raise NoSuchUnit(unit_code)
    sources = _sources(unit.id)
    counts = {kind: model.select().where(where).count() for kind, (model, _at, where) in sources.items()}
    total = sum(counts.values())
    pages = max(1, -(-total // per_page))
    page = max(0, min(page, pages - 1))
    # The newest (page + 1) * per_page of each kind hold the page: merge them by time.
    wanted = (page + 1) * per_page
    stamps = []
    for kind, (model, at, where) in sources.items():
        query = model.select(model.id, at).where(where).order_by(at.desc(), model.id.desc()).limit(wanted)
        stamps += [(when, kind, record_id) for record_id, when in query.tuples()]
    # Newest first; at the same moment the later step first (an order raised from its call).
    rank = list(sources)
    stamps.sort(key=lambda s: (s[0], rank.index(s[1]), s[2]), reverse=True)
    chosen = stamps[page * per_page:(page + 1) * per_page]
    by_kind: dict[str, list[int]] = {}
    for _when, kind, record_id in chosen:
        by_kind.setdefault(kind, []).append(record_id)
    entries = {}
    for kind, ids in by_kind.items():
        for entry in _ENTRIES[kind](ids, now):
            entries[(kind, entry.id)] = entry
    return Dossier(
        unit.code, unit.building, unit.floor, one_line(unit.owner_name), one_line(unit.phones),
        bool(unit.handed_over), _phones(unit.id), _unit_keys(unit.id), counts,
        tuple(entries[(kind, i)] for _w, kind, i in chosen if (kind, i) in entries), page, pages, per_page, total)


def _phones(unit_id: int, most: int = 8) -> tuple[Phone, ...]:
    """The numbers that called about the unit, the last used first, with who called from each last.
    Counted from the index (unit, time, phone) alone; void calls (entered by mistake) taken out after."""
    mine = (Call.unit == unit_id) & (Call.phone != "")
    counts = {}
    for number, count, last in (Call.select(Call.phone, pw.fn.COUNT(Call.id), pw.fn.MAX(Call.received_at))
                                .where(mine).group_by(Call.phone).tuples()):
        counts[number] = [count, last]
    for number, count in (Call.select(Call.phone, pw.fn.COUNT(Call.id)).where(mine & (Call.status == "void"))
                          .group_by(Call.phone).tuples()):
        counts[number][0] -= count
    phones = []
    for number, (count, last) in sorted(counts.items(), key=lambda kv: str(kv[1][1]), reverse=True):
        if count <= 0:
            continue
        name = (Call.select(Call.caller).where(mine & (Call.phone == number) & (Call.caller != "")
                                                & (Call.status != "void"))
                .order_by(Call.received_at.desc()).limit(1).scalar()) or ""
        last = last if isinstance(last, datetime) else Call.received_at.python_value(last)
        phones.append(Phone(number, one_line(name), count, last))
        if len(phones) == most:
            break
    return tuple(phones)


def _unit_keys(unit_id: int) -> tuple[UnitKey, ...]:
    keys = []
    for k in (Key.select(Key.id, Key.tag, Key.label, Key.status).where(Key.unit == unit_id).order_by(Key.tag)
              .tuples()):
        loan = None
        if k[3] == "out":
            loan = (KeyLoan.select(KeyLoan.holder_name, KeyLoan.due_at)
                    .where((KeyLoan.key == k[0]) & KeyLoan.returned_at.is_null()).tuples().first())
        keys.append(UnitKey(k[0], k[1], one_line(k[2]), k[3], one_line(loan[0]) if loan else "",
                            loan[1] if loan else None))
    return tuple(keys)


def _call_entries(ids, now):
    return [Entry("call", h.id, h.number, h.at, h.who, h.what, h.status, h.closed) for h in _call_hits(ids)]


def _order_entries(ids, now):
    rows = (WorkOrder.select(WorkOrder.id, WorkOrder.created_at, WorkOrder.description, WorkOrder.assignee,
                             WorkOrder.department, WorkOrder.status, WorkOrder.satisfied, WorkOrder.reopen_count,
                             WorkOrder.responded_at, WorkOrder.respond_due_at, WorkOrder.done_at,
                             WorkOrder.resolve_due_at)
            .where(WorkOrder.id.in_(ids)).dicts())
    entries = []
    for r in rows:
        judged = r["status"] not in ("cancelled", "returned")
        entries.append(Entry(
            "order", r["id"], order_number(r["id"]), r["created_at"], one_line(r["assignee"]),
            one_line(r["description"]), r["status"], r["status"] not in OPEN_STATUSES, satisfied=r["satisfied"],
            reopened=r["reopen_count"], on_time=_overall(r, r["resolve_due_at"], now) if judged else None))
    return entries


def _loan_entries(ids, now):
    due = dict(KeyLoan.select(KeyLoan.id, KeyLoan.due_at).where(KeyLoan.id.in_(ids)).tuples())
    returned = dict(KeyLoan.select(KeyLoan.id, KeyLoan.returned_at).where(KeyLoan.id.in_(ids)).tuples())
    entries = []
    for h in _loan_hits(ids):
        back = returned.get(h.id)
        on_time = (back <= due[h.id]) if back else (False if now > due[h.id] else None)
        entries.append(Entry("loan", h.id, h.number, h.at, h.who, h.what, h.status, h.closed, on_time=on_time,
                             key_id=h.key_id))
    return entries


def _log_entries(ids, now):
    return [Entry("log", h.id, h.number, h.at, h.who, h.what, h.status, h.closed) for h in _log_hits(ids)]


def _parcel_entries(ids, now):
    ended = {pid: (collected or returned, collector) for pid, collected, returned, collector in Parcel.select(
        Parcel.id, Parcel.collected_at, Parcel.returned_at, Parcel.collector).where(Parcel.id.in_(ids)).tuples()}
    return [Entry("parcel", h.id, h.number, h.at, h.who, h.what, h.status, h.closed, ended_at=ended[h.id][0],
                  ended_by=one_line(ended[h.id][1])) for h in _parcel_hits(ids)]


def _visitor_entries(ids, now):
    left = dict(Visitor.select(Visitor.id, Visitor.left_at).where(Visitor.id.in_(ids)).tuples())
    return [Entry("visitor", h.id, h.number, h.at, h.who, h.what, h.status, h.closed, ended_at=left.get(h.id))
            for h in _visitor_hits(ids)]


def _pass_entries(ids, now):
    released = dict(GoodsPass.select(GoodsPass.id, GoodsPass.released_at).where(GoodsPass.id.in_(ids)).tuples())
    return [Entry("pass", h.id, h.number, h.at, h.who, h.what, h.status, h.closed, ended_at=released.get(h.id))
            for h in _pass_hits(ids, now)]


_ENTRIES = {"call": _call_entries, "order": _order_entries, "loan": _loan_entries, "log": _log_entries,
            "parcel": _parcel_entries, "visitor": _visitor_entries, "pass": _pass_entries}
