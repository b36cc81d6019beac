"""`deskconsole export` streams (issue 21): the output is what the whole-in-memory export gave, and
the rows it holds at once do not grow with the database."""
from __future__ import annotations

import io
import json
import random
import tracemalloc
from datetime import datetime, timedelta, timezone

import pytest

from deskconsole import cli, db, export
from deskconsole.timefmt import iso, stored

from conftest import NOW


# ---- the export as it was before it streamed (issue 21): the oracle the streamed output must equal ----

def _old_jsonable(value, tz):
    from decimal import Decimal
    if hasattr(value, "tzinfo"):
        return iso(value, tz)
    if isinstance(value, Decimal):
        return str(value)
    return value


def _old_payload(value, tz):
    if isinstance(value, dict):
        return {k: _old_payload(v, tz) for k, v in value.items()}
    if isinstance(value, list):
        return [_old_payload(v, tz) for v in value]
    at = stored(value)
    return iso(at, tz) if at is not None else value


def old_export_data(config) -> dict:
    tz = config.tz
    result = {"schema_version": db.schema_version()}
    for name, model in export.EXPORT_TABLES.items():
        rows = []
        for row in model.select().order_by(model._meta.primary_key).dicts().iterator():
            record = {k: _old_jsonable(v, tz) for k, v in row.items() if k not in export.SECRET_COLUMNS}
            if model is db.AuditEvent:
                record["data"] = _old_payload(json.loads(record["data"]), tz)
            rows.append(record)
        result[name] = rows
    return result


def exported(config, capsys) -> tuple[str, dict]:
    assert cli.main(["export", "--db", config.db_url]) == 0
    out = capsys.readouterr()
    assert out.err == ""   # no bar: stderr is not a terminal here
    return out.out, json.loads(out.out)


def test_the_streamed_export_equals_the_whole_in_memory_one(demo_site, db_engine, capsys, monkeypatch):
    monkeypatch.setattr(export, "BATCH", 7)   # many batches, a partial last one
    expected = old_export_data(demo_site)
    text, data = exported(demo_site, capsys)
    assert data == expected
    assert list(data) == list(expected)   # schema_version first, then the tables in EXPORT_TABLES order
    assert any(c["caller"] == "王[b]小明" for c in data["calls"])
    assert any("[/x]" in c["caller"] for c in data["calls"])
    assert "王[b]小明" in text            # written as text, not \u escapes
    assert "pin_hash" not in text and "scrypt$" not in text
    assert export.export_data(demo_site) == expected


def test_every_table_and_its_column_order_unchanged(demo_site, capsys):
    expected = old_export_data(demo_site)
    _text, data = exported(demo_site, capsys)
    for table, rows in expected.items():
        if isinstance(rows, list) and rows:
            assert list(data[table][0]) == list(rows[0]), table


def test_an_empty_table_is_an_empty_list(empty_site, capsys):
    _text, data = exported(empty_site, capsys)
    assert data["calls"] == [] and data["audit"] == []
    assert data == old_export_data(empty_site)


# ---- memory flat in rows --------------------------------------------------------------------------

class _Counting:
    """A cursor that counts the rows each query hands over."""

    def __init__(self, cursor, counts):
        self._cursor, self._counts = cursor, counts
        counts.append(0)

    def _seen(self, rows):
        self._counts[-1] += len(rows)
        return rows

    def fetchone(self):
        row = self._cursor.fetchone()
        if row is not None:
            self._counts[-1] += 1
        return row

    def fetchmany(self, *args):
        return self._seen(self._cursor.fetchmany(*args))

    def fetchall(self):
        return self._seen(self._cursor.fetchall())

    def __iter__(self):
        for row in self._cursor:
            self._counts[-1] += 1
            yield row

    def __getattr__(self, name):
        return getattr(self._cursor, name)


def test_no_query_hands_over_more_rows_than_a_batch(demo_site, db_engine, monkeypatch):
    """The rows held at once are bounded by the batch, on both engines (on PostgreSQL a plain
    iterator still fetches the whole table into the client)."""
    monkeypatch.setattr(export, "BATCH", 50)
    counts: list[int] = []
    database = db.database.obj
    execute_sql = type(database).execute_sql
    monkeypatch.setattr(type(database), "execute_sql",
                        lambda self, *a, **k: _Counting(execute_sql(self, *a, **k), counts))
    sink = io.StringIO()
    export.write_export(demo_site, sink)
    assert db.Call.select().count() > 50 * 10
    assert counts and max(counts) <= 50
    assert sum(counts) >= db.Call.select().count()


class _Discard:
    def write(self, text):
        return len(text)

    def flush(self):
        pass


def _add_calls(n: int) -> None:
    """n more calls, written straight to the table (set-up, not a desk action)."""
    rng = random.Random(n)
    staff = db.Staff.select(db.Staff.id).first().id
    rows = [{"received_at": NOW - timedelta(minutes=i), "channel": "phone", "category": "repair",
             "caller": "王[b]小明", "phone": f"138{rng.randrange(10**8):08d}",
             "text": "厨房水龙头漏水 [/x] " + "x" * rng.randrange(200), "taken_by": staff, "status": "closed",
             "updated_at": NOW} for i in range(n)]
    with db.database.atomic():
        for chunk in range(0, n, 500):
            db.Call.insert_many(rows[chunk:chunk + 500]).execute()


def _peak(config) -> int:
    tracemalloc.start()
    try:
        export.write_export(config, _Discard())
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@pytest.mark.sqlite_only("tracemalloc sees Python's memory; the row count above covers PostgreSQL's client")
def test_exports_memory_is_flat_in_rows(empty_site, monkeypatch):
    monkeypatch.setattr(export, "BATCH", 200)
    from deskconsole import demo
    demo.seed(empty_site, NOW, hostile=True)
    _add_calls(2000)
    small = _peak(empty_site)
    _add_calls(6000)   # four times the calls
    large = _peak(empty_site)
    # Holding the rows would add ≈6,000 records (several MB); streaming adds nothing but noise.
    assert large - small < 500_000, (small, large)


@pytest.mark.parametrize("zone", ["Asia/Shanghai", "Asia/Kolkata", "Australia/Lord_Howe", "America/New_York",
                                  "Europe/London", "Pacific/Chatham", "UTC"])
def test_the_quick_time_text_is_isos_across_offsets_and_their_changes(zone):
    """Export writes a stored time by its local hour (looked up once an hour); it must read exactly as
    iso() of the stored value, at whole and half-hour offsets and across summer-time changes."""
    from zoneinfo import ZoneInfo
    tz = ZoneInfo(zone)
    convert = export._time_text(tz)
    parse = db.UTCDateTimeField().python_value
    start = datetime(1940, 1, 1, tzinfo=timezone.utc)
    rng = random.Random(zone)
    values = [None, "2026-11-24 14:00:00.000000", "2026-11-24 14:00:00", "2026-03-08 06:59:59.999999"]
    for year in (1941, 1988, 2024, 2026):
        moment = datetime(year, 1, 1, tzinfo=timezone.utc)
        while moment.year == year:   # every 37 minutes and a few seconds: each hour of the year, odd minutes
            values.append(db.UTCDateTimeField().db_value(moment + timedelta(microseconds=rng.choice([0, 1, 500_000]))))
            moment += timedelta(minutes=37, seconds=11)
    values.append(db.UTCDateTimeField().db_value(start))
    assert [convert(v) for v in values] == [iso(parse(v), tz) for v in values]


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_a_bar_on_a_terminal_for_the_export_and_the_report(demo_site, capsys, monkeypatch):
    """On a terminal (here: at once, not after a second) the bar counts to every record; the output
    itself (a pipe here) stays pure JSON."""
    from deskconsole.cli import common
    monkeypatch.setattr(common.TerminalProgress, "AFTER", 0.0)
    terminal = _Terminal()
    monkeypatch.setattr("sys.stderr", terminal)
    _text, data = exported(demo_site, capsys)
    rows = sum(len(v) for v in data.values() if isinstance(v, list))
    bar = terminal.getvalue()
    assert bar.startswith("\rExporting: [") and bar.endswith(f"] 100 % ({rows:,} of {rows:,} records)\n")
    terminal.seek(0)
    terminal.truncate()
    assert cli.main(["report", "--db", demo_site.db_url, "--month", "2026-11"]) == 0
    assert "All calls" in capsys.readouterr().out
    steps = terminal.getvalue()
    assert steps.startswith("\rCounting the figures: [") and steps.endswith("] 100 % (16 of 16 steps)\n")


def test_every_table_a_person_wrote_is_exported():
    """Nothing is left out of the export: every model but the derived search index and the schema's
    bookkeeping (follow-ups were missing: call-backs' area checks and written replies)."""
    from deskconsole import db
    assert set(db.MODELS) - set(export.EXPORT_TABLES.values()) == export.NOT_EXPORTED
