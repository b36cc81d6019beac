"""What the console holds at sign-on (issue 21, memory of one console): the open orders, read in full at
every sign-on, are read only in the columns their rows show; the PIN's hash runs in a child process."""
from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest

from deskconsole import db, orders, people
from deskconsole.errors import SignOnError

from conftest import NOW

# Columns of an order that no row of the console shows: read only when the order is opened (`detail`).
NOT_IN_A_ROW = ("work_done", "materials", "pending_reason", "end_reason", "complaint_verdict")


def statements_of(monkeypatch, read) -> list[str]:
    database = db.database.obj
    execute = database.execute_sql
    seen: list[str] = []

    def recorded(sql, params=None, *args, **kwargs):
        seen.append(sql)
        return execute(sql, params, *args, **kwargs)

    with monkeypatch.context() as patch:
        patch.setattr(database, "execute_sql", recorded)
        read()
    return seen


def full_rows(engine, where) -> list[orders.OrderRow]:
    """The rows built from every column of the orders, as they were before the reads were narrowed."""
    acks, followups = {}, {}
    for order_id, reminder in db.ReminderAck.select(db.ReminderAck.order, db.ReminderAck.reminder).tuples():
        acks.setdefault(order_id, set()).add(reminder)
    for order_id, kind, asked_at in (db.FollowUp.select(db.FollowUp.order, db.FollowUp.kind, db.FollowUp.asked_at)
                                     .where(db.FollowUp.done_at.is_null()).order_by(db.FollowUp.id).tuples()):
        followups.setdefault(order_id, []).append((kind, asked_at))
    return [orders._row(engine, r, frozenset(acks.get(r["id"], ())), followups.get(r["id"], ()))
            for r in orders._base_query().where(where).dicts()]


def test_open_orders_are_read_in_the_columns_their_rows_show(demo_site, monkeypatch):
    engine = demo_site.sla_engine()
    r1 = people.find("R1")
    first = orders.open_orders(engine)[0]
    orders.dispatch(r1, NOW, first.id, department="engineering", assignee="王[b]小明")
    orders.request_extension(r1, NOW, engine, first.id, until=NOW + timedelta(days=3), reason="等配件",
                             owner_consent=True)
    statements = statements_of(monkeypatch, lambda: orders.open_orders(engine))
    assert statements and not [s for s in statements for column in NOT_IN_A_ROW if column in s]
    # ... and the rows are the same as those built from every column of each order.
    shown = (db.WorkOrder.status.in_(orders.OPEN_STATUSES)
             | db.WorkOrder.id.in_(db.FollowUp.select(db.FollowUp.order).where(db.FollowUp.done_at.is_null())))
    expected = orders._by_breach(full_rows(engine, shown))
    assert orders.open_orders(engine) == expected
    assert any(row.pending and row.assignee == "王[b]小明" for row in expected)
    ended = orders.ended(engine)
    assert ended and ended == full_rows(engine, db.WorkOrder.id.in_([o.id for o in ended]))[::-1]
    # The orders with no acknowledged reminder share one empty set, not one each (0.4 MB at 2,000 orders).
    assert len({id(row.acked) for row in orders.open_orders(engine) if not row.acked}) == 1



# --- the PIN's scrypt in a child process (16 MB for ≈70 ms, the console's peak) ----------------------

PIN = "482913"


def children(monkeypatch) -> list[dict]:
    """HASH_IN_CHILD on, scrypt in this process refused, and every child started recorded."""
    started: list[dict] = []
    run = people.subprocess.run

    def recorded(args, **kwargs):
        started.append({"args": list(args), "input": kwargs.get("input")})
        return run(args, **kwargs)

    def not_here(*args, **kwargs):
        raise AssertionError("scrypt ran in the console's process")

    monkeypatch.setattr(people, "HASH_IN_CHILD", True)
    monkeypatch.setattr(people.subprocess, "run", recorded)
    monkeypatch.setattr(hashlib, "scrypt", not_here)
    return started


def test_a_pin_is_checked_in_a_child_process(monkeypatch):
    stored = hashlib.scrypt(PIN.encode(), salt=b"s" * 16, dklen=32, n=2**14, r=8, p=1)
    started = children(monkeypatch)
    # The stored format is the same: a hash made here is checked in a child, and the other way round.
    same = f"scrypt${2**14}$8$1${(b's' * 16).hex()}${stored.hex()}"
    assert people.pin_matches(PIN, same)
    assert not people.pin_matches("482914", same)
    made = people.hash_pin(PIN)
    assert made.startswith("scrypt$16384$8$1$")
    assert people.pin_matches(PIN, made) and not people.pin_matches("0000", made)
    assert len(started) == 5
    for child in started:
        assert not any(PIN in arg or PIN.encode().hex() in arg for arg in child["args"])  # argv is in `ps`
        assert child["args"][1:4] == ["-I", "-S", "-c"]
    assert PIN.encode().hex() in started[0]["input"]


def test_sign_on_and_lockout_through_the_child(demo_site, clock, monkeypatch):
    started = children(monkeypatch)
    assert people.verify("r1", "0000", clock.now()).code == "R1"
    with pytest.raises(SignOnError, match="Wrong PIN for R1: 4 more tries"):
        people.verify("R1", "9999", clock.now())
    assert len(started) == 2


@pytest.mark.parametrize("executable", ["/nonexistent/python3", "/bin/true"])
def test_the_pin_is_hashed_here_when_the_child_fails(monkeypatch, executable):
    """A child that cannot start (no such interpreter) or answers nothing: hashed in this process, one
    line in the log, without the PIN."""
    lines: list[str] = []
    monkeypatch.setattr(people, "HASH_IN_CHILD", True)
    monkeypatch.setattr(people.sys, "executable", executable)
    monkeypatch.setattr(people.log, "warning", lines.append)
    made = people.hash_pin(PIN)
    assert people.pin_matches(PIN, made) and not people.pin_matches("482914", made)
    assert len(lines) == 3
    assert all(line.startswith("PIN hash in a child process failed") and PIN not in line for line in lines)


# --- the forms and records' screens imported when first opened, not with the console ----------------

# A console in a fresh interpreter (this one has imported every screen for other tests): which of the
# screens' modules are loaded once it is signed on, and after `n` opens the new-call form.
_CONSOLE = r"""
import asyncio, json, sys
sys.path.insert(0, sys.argv[2])
from appkit import make_app, settle, sign_on
from conftest import make_config
from deskconsole import db

async def main():
    config = make_config(sys.argv[1])
    db.connect(config.db_url)
    app = make_app(config)
    loaded = lambda: sorted(m for m in sys.modules if m.startswith("deskconsole.screens."))
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_on(pilot)
        signed_on, console = loaded(), type(app.screen).__name__
        await pilot.press("n", *"13800001111")
        for _ in range(20):
            await pilot.pause()
        form = app.screen
        phone = form.query_one("#phone").value
        print(json.dumps({"signed_on": signed_on, "console": console, "opened": loaded(),
                          "form": type(form).__name__, "phone": phone}))

asyncio.run(main())
"""
FORM_MODULES = ("form", "call_actions", "call_form", "call_detail", "order_forms", "order_detail", "key_forms",
                "key_detail", "frontdesk_forms", "frontdesk_record", "log_entry", "approvals", "dossier", "staff",
                "units", "pin", "handover", "help", "list_screen")


def test_forms_are_imported_when_first_opened(seeded_file, tmp_path):
    path = tmp_path / "desk.db"
    shutil.copy(seeded_file, path)
    done = subprocess.run([sys.executable, "-c", _CONSOLE, str(path), str(Path(__file__).parent)],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    seen = json.loads(done.stdout.strip().splitlines()[-1])
    assert seen["console"] == "ConsoleScreen"
    assert [m for m in seen["signed_on"] if m.rpartition(".")[2] in FORM_MODULES] == []
    assert {"deskconsole.screens.call_form", "deskconsole.screens.form"} <= set(seen["opened"])
    # The keys typed while the form's module was imported reached the form.
    assert seen["form"] == "CallFormScreen" and seen["phone"] == "13800001111"


# --- importlib.metadata (≈1 MB) is not loaded by a console ---------------------------------------------

_START = r"""
import sys
from deskconsole import cli, sla
cli._parser(["--db", "x.db", "--operator", "R1"])      # what `deskconsole --db x.db` builds
sla.WorkCalendar("CN").is_working_day(__import__("datetime").date(2026, 10, 1))
import holidays
loaded = "importlib.metadata" in sys.modules
from importlib.metadata import version
print(loaded, holidays.__version__ == version("holidays"))
"""


def test_a_console_does_not_load_importlib_metadata():
    """Neither `--version` (asked only when printed) nor the holiday package's version (read from its
    METADATA file, the same string) loads importlib.metadata."""
    done = subprocess.run([sys.executable, "-c", _START], capture_output=True, text=True, timeout=60, check=True)
    assert done.stdout.split() == ["False", "True"]


def test_a_console_keeps_to_two_malloc_heaps(monkeypatch):
    """cli/console.run sets glibc's M_ARENA_MAX (-8) to 2 before the console's threads start; a libc
    without mallopt is left as it is."""
    import ctypes

    from deskconsole.cli import console
    calls = []

    class Libc:
        def mallopt(self, option, value):
            calls.append((option, value))
            return 1

    monkeypatch.setattr(console.sys, "platform", "linux")
    monkeypatch.setattr(ctypes, "CDLL", lambda name: Libc())
    console._fewer_malloc_heaps()
    assert calls == [(-8, 2)]
    monkeypatch.setattr(ctypes, "CDLL", lambda name: object())   # no mallopt: nothing raised
    console._fewer_malloc_heaps()


def test_a_console_keeps_a_small_sqlite_page_cache(tmp_path):
    """cli/console.run: the console's connections, the open one and those its reads open later in their
    threads, keep CONSOLE_CACHE_KIB of pages; other commands keep SQLite's default."""
    import threading

    from conftest import make_config
    db.connect(make_config(tmp_path / "desk.db").db_url)
    assert db.database.execute_sql("PRAGMA cache_size").fetchone()[0] == -2000   # the default
    db.console_cache()
    assert db.database.execute_sql("PRAGMA cache_size").fetchone()[0] == -db.CONSOLE_CACHE_KIB
    seen = []

    def read():
        with db.database.connection_context():
            seen.append(db.database.execute_sql("PRAGMA cache_size").fetchone()[0])
    thread = threading.Thread(target=read)
    thread.start()
    thread.join()
    assert seen == [-db.CONSOLE_CACHE_KIB]


# --- OpenSSL (4.7 MB of a console) is kept out of the `deskconsole` process until needed ---------------

def _fresh(code: str) -> list[str]:
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                          cwd=Path(__file__).parent)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout.split()


def _openssl_loaded() -> str:
    return "print(sys.modules.get('_hashlib') is not None, sys.modules.get('ssl') is not None)"


def test_the_command_starts_without_openssl():
    """`deskconsole` (the console script and `python -m deskconsole`) keeps OpenSSL out before its first
    import: a console, with its screens, Textual and asyncio, runs without it."""
    assert _fresh("import sys\nsys.argv = ['deskconsole', '--version']\nimport deskconsole.__main__ as entry\n"
                  "try:\n    entry.main()\nexcept SystemExit:\n    pass\nfrom deskconsole import app, audit\nimport deskconsole.screens.console, asyncio\n"
                  + _openssl_loaded())[-2:] == ["False", "False"]


def test_without_openssl_pins_and_the_audit_chain_hash_the_same():
    """Python's own SHA-256 seals the audit chain as OpenSSL's does, and a PIN hashed in the process lets
    OpenSSL in for scrypt: a stored PIN made with OpenSSL still matches, and a PIN stored now matches here."""
    stored = people.hash_pin("2468")
    digest = hashlib.sha256("王[b]小明".encode()).hexdigest()
    seen = _fresh("import sys\nfrom deskconsole import openssl\nopenssl.keep_out()\n"
                  "from deskconsole import audit, people\nimport hashlib\n"
                  f"print(hashlib.sha256('王[b]小明'.encode()).hexdigest() == {digest!r})\n"
                  + _openssl_loaded() + "\n"
                  f"print(people.pin_matches('2468', {stored!r}), people.pin_matches('2469', {stored!r}))\n"
                  "print(people.hash_pin('1357'))\n" + _openssl_loaded())
    assert seen[:3] == ["True", "False", "False"]
    assert seen[3:5] == ["True", "False"]
    assert seen[6:] == ["True", "False"]   # OpenSSL's hashlib in, and no TLS, which nothing asked for
    assert people.pin_matches("1357", seen[5]) and not people.pin_matches("1358", seen[5])


def test_postgresql_and_the_web_server_let_openssl_in():
    """libpq's TLS (psycopg's fallback imports ssl) and aiohttp's: those processes have OpenSSL."""
    seen = _fresh("import sys\nfrom deskconsole import openssl\nopenssl.keep_out()\nfrom deskconsole import db, web\n"
                  + _openssl_loaded() + "\ndb.load_psycopg()\nimport peewee\nprint(peewee.psycopg is not None)\n"
                  "import ssl, hashlib\nprint(hasattr(hashlib, 'scrypt'))\nopenssl.keep_out()\nweb._server_classes()\n"
                  + _openssl_loaded())
    assert seen == ["False", "False", "True", "True", "True", "True"]
