"""Safety (issue 17): mistakes and attempts meet a plain message, never a crash, a leaked PIN or an
unnoticed change. The command line's half is in test_hardening_cli.py."""
from __future__ import annotations

import asyncio

import pytest
from appkit import make_app, settle, sign_on
from conftest import NOW

from deskconsole import cli, db, log, people
from deskconsole.db import AuditEvent, Call, ShiftLogEntry, Staff
from deskconsole.errors import SignOnError
from deskconsole.screens.log_entry import LogEntryScreen
from deskconsole.screens.signon import FirstRunScreen, SignOnScreen

READ_ONLY = "The database is read-only: nothing was saved. Tell the supervisor."
SECRET_PIN = "48151623"


def run(coro):
    return asyncio.run(coro)


def read_only(on: bool = True) -> None:
    db.database.execute_sql(f"PRAGMA query_only = {int(on)}")


# --- 1. a refusal at every screen that writes; a crash never shows a PIN --------------------

def test_sign_on_on_a_read_only_database_says_so_and_stays(demo_site):
    async def go():
        app = make_app(demo_site)
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.pause()
            read_only()
            try:
                await pilot.press(*"R1", "enter", *"0000", "enter")
                await pilot.pause()
            finally:
                read_only(False)
            assert isinstance(app.screen, SignOnScreen) and app.operator is None
            assert str(app.screen.query_one("#message").render()) == READ_ONLY
            assert app.screen.query_one("#pin").value == ""
            await pilot.press(*"0000", "enter")        # writable again: the same screen signs on
            await settle(pilot)
            assert app.operator is not None and app.operator.code == "R1"
    run(go())


def test_first_run_on_a_read_only_database_says_so_and_keeps_what_was_typed(empty_site):
    async def go():
        app = make_app(empty_site)
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.pause()
            assert isinstance(app.screen, FirstRunScreen)
            read_only()
            try:
                await pilot.press(*"S1", "enter", *"王小明", "enter", *SECRET_PIN, "enter", *SECRET_PIN, "enter")
                await pilot.pause()
            finally:
                read_only(False)
            assert isinstance(app.screen, FirstRunScreen)
            assert str(app.screen.query_one("#message").render()) == READ_ONLY
            assert app.screen.query_one("#name").value == "王小明"
            assert not people.has_staff()
    run(go())


def test_marking_a_log_entry_done_on_a_read_only_database_says_so(demo_site):
    async def go():
        app = make_app(demo_site)
        async with app.run_test(size=(80, 24)) as pilot:
            await sign_on(pilot, "R1")
            instruction = ShiftLogEntry.get(ShiftLogEntry.kind == "instruction")
            await pilot.press("3")
            app.screen.pane(3).select(instruction.id)
            await pilot.press("enter")
            await pilot.pause()
            assert isinstance(app.screen, LogEntryScreen)
            read_only()
            try:
                await pilot.press("d")
                await pilot.pause()
            finally:
                read_only(False)
            assert isinstance(app.screen, LogEntryScreen)
            assert str(app.screen.query_one("#entry-message").render()) == READ_ONLY
            assert ShiftLogEntry.get_by_id(instruction.id).done_at is None
    run(go())


def test_a_supervisors_pin_at_the_key_form_on_a_read_only_database_is_a_message(demo_site):
    """The key form checks a supervisor's PIN like a sign-on (a write): refused, said at the form."""
    from deskconsole.db import KeyLoan
    from deskconsole.screens.key_forms import IssueKeyForm

    async def go():
        app = make_app(demo_site)
        async with app.run_test(size=(80, 24)) as pilot:
            await sign_on(pilot, "G1")
            await pilot.press("4")
            await settle(pilot)
            await pilot.press("n", *"MK-02", "tab", "tab", *"G2")
            await pilot.pause()
            form = app.screen
            assert isinstance(form, IssueKeyForm)
            form.query_one("#auth_code").value = "S1"
            form.query_one("#auth_pin").value = "0000"
            loans = KeyLoan.select().count()
            read_only()
            try:
                await pilot.press("ctrl+s")
                await pilot.pause()
            finally:
                read_only(False)
            assert app.is_running and app.screen is form
            assert str(form.query_one("#form-message").render()) == READ_ONLY
            assert KeyLoan.select().count() == loans
    run(go())


def test_joining_the_shift_on_a_read_only_database_says_so_at_sign_on(demo_site, monkeypatch):
    """The PIN was right, but signing on also joins the shift: a refusal there is said at sign-on too."""
    from deskconsole import shifts

    def refuse(*args, **kwargs):
        raise db.StoreError(READ_ONLY, kind="read_only")
    monkeypatch.setattr(shifts, "sign_on", refuse)

    async def go():
        app = make_app(demo_site)
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.pause()
            await pilot.press(*"R1", "enter", *"0000", "enter")
            await pilot.pause()
            assert isinstance(app.screen, SignOnScreen) and app.operator is None
            assert str(app.screen.query_one("#message").render()) == READ_ONLY
    run(go())


def test_a_crash_shows_one_line_and_never_a_local_variable(demo_site, monkeypatch, capsys, tmp_path):
    """Whatever goes wrong, the screen (and an SSH session's log) never shows the PIN typed; the
    traceback goes to the log file, without local variables."""
    def broken(code, pin, now, local_time):
        secret = pin  # noqa: F841 - a local a crash report with locals would show
        raise RuntimeError("something unforeseen")
    monkeypatch.setattr(people, "verify", broken)
    monkeypatch.setenv(log.ENV_LOG_DIR, str(tmp_path / "log"))
    log.stop()
    log.setup()

    async def go():
        app = make_app(demo_site)
        try:
            async with app.run_test(size=(80, 24)) as pilot:
                await pilot.pause()
                await pilot.press(*"R1", "enter", *SECRET_PIN, "enter")
                await pilot.pause()
        except RuntimeError:
            pass  # run_test raises the app's exception again for the test
        return app
    app = run(go())
    out = capsys.readouterr()
    shown = out.out + out.err
    assert SECRET_PIN not in shown
    assert "Traceback" not in shown and "secret" not in shown
    assert app.return_code == 1
    assert app.farewell.startswith("stopped on an unexpected error (RuntimeError: something unforeseen)")
    assert "\n" not in app.farewell and SECRET_PIN not in app.farewell
    log.stop()
    logged = (tmp_path / "log" / "deskconsole.log").read_text("utf-8")
    assert "Traceback" in logged and "something unforeseen" in logged and "in broken" in logged
    assert SECRET_PIN not in logged


# --- 4. a site file the console cannot use: one line, never a crash -----------------------------

def test_a_console_on_a_site_file_it_cannot_use_closes_with_one_line(demo_site, capsys):
    """The SLA engine is built in a thread once the sign-on screen is up (it takes a while): a bad
    duration there closes the console with the line `check` would have printed."""
    demo_site.sla = {"urgent_repair": {"respond": "3 parsecs"}}

    async def go():
        app = make_app(demo_site)
        async with app.run_test(size=(80, 24)) as pilot:
            for _ in range(50):
                await pilot.pause(0.05)
                if app._exit:
                    break
        return app
    app = run(go())
    out = capsys.readouterr()
    assert app.return_code == 2 and "Traceback" not in out.out + out.err
    assert app.farewell == ("site file [sla]: [sla.urgent_repair] respond: bad duration '3 parsecs': use e.g. "
                            "'10min', '2h', '1d' (24/7) or '4.5wh', '3wd' (working hours/days), or '-' for none")


# --- 6. call add as a person needs that person's PIN ---------------------------------------------

def _call_add(path, *extra, pin: str | None = None, monkeypatch=None) -> int:
    import io
    monkeypatch.setattr("sys.stdin", io.StringIO("" if pin is None else pin + "\n"))
    return cli.main(["call", "add", "--db", str(path), "--category", "repair", "--channel", "phone",
                     "--text", "漏水", *extra])


def test_call_add_as_a_person_needs_their_pin_on_standard_input(demo_site, capsys, monkeypatch):
    path = demo_site.db_url
    count = Call.select().count()
    assert _call_add(path, "--operator", "S1", monkeypatch=monkeypatch) == 1
    assert capsys.readouterr().err == ("deskconsole call add: --operator S1: give S1's PIN on standard input "
                                       "(or leave --operator out to record the call as the system)\n")
    assert _call_add(path, "--operator", "S1", pin="1234", monkeypatch=monkeypatch) == 1
    assert "Wrong PIN for S1" in capsys.readouterr().err
    db.connect(demo_site.db_url)
    assert Call.select().count() == count
    assert Staff.get(Staff.code == "S1").failed_attempts == 1        # a guess counts toward the lock
    assert _call_add(path, "--operator", "S1", pin="0000", monkeypatch=monkeypatch) == 0
    call_id = int(capsys.readouterr().out)
    db.connect(demo_site.db_url)
    assert Call.get_by_id(call_id).taken_by.code == "S1"


def test_call_add_as_the_phone_system_the_site_file_names(demo_site, capsys, monkeypatch, tmp_path):
    path = demo_site.db_url
    site = tmp_path / "elsewhere.toml"  # not site.toml beside the database: that one is read by default
    site.write_text('[integration]\ncode = "PBX"\nname = "Phone system 电话系统"\n')
    # Without the site file, PBX is nobody.
    assert _call_add(path, "--operator", "PBX", monkeypatch=monkeypatch) == 1
    assert "No staff member has the code PBX" in capsys.readouterr().err
    assert _call_add(path, "--operator", "pbx", "--site", str(site), monkeypatch=monkeypatch) == 0
    call_id = int(capsys.readouterr().out)
    db.connect(demo_site.db_url)
    taken_by = Call.get_by_id(call_id).taken_by
    assert (taken_by.code, taken_by.name, taken_by.role) == ("PBX", "Phone system 电话系统", "system")
    created = AuditEvent.get((AuditEvent.entity == "staff") & (AuditEvent.entity_id == taken_by.id))
    assert created.action == "staff.create" and '"role": "system"' in created.data
    assert not people.has_staff() or people.find("PBX") is None or people.find("PBX").role == "system"
    # The phone system cannot sign on at a console.
    with pytest.raises(SignOnError):
        people.verify("PBX", "", NOW)


def test_an_integration_code_that_is_a_persons_code_is_refused(demo_site, capsys, monkeypatch, tmp_path):
    site = tmp_path / "elsewhere.toml"
    site.write_text('[integration]\ncode = "R1"\n')
    count = Call.select().count()
    assert _call_add(demo_site.db_url, "--operator", "R1", "--site", str(site),
                     monkeypatch=monkeypatch) == 1
    assert "R1 is a person's staff code" in capsys.readouterr().err
    db.connect(demo_site.db_url)
    assert Call.select().count() == count


# --- 7. PIN guessing: the lock is checked in the write, and repeated locks last longer -------------

GUESSER = """
import sys, time
from deskconsole import db, people
from deskconsole.errors import SignOnError
from datetime import datetime, timezone
url, start, n = sys.argv[1], float(sys.argv[2]), int(sys.argv[3])
db.connect(url, migrate_schema=False)
while time.time() < start:
    time.sleep(0.001)
for i in range(n):
    try:
        people.verify("G1", "9999", datetime.now(timezone.utc))
        print("in")
    except SignOnError as exc:
        print("evaluated" if str(exc).startswith("Wrong PIN") else "refused", flush=True)
"""


def test_ten_consoles_guessing_at_once_get_five_guesses(demo_site):
    """The lock was read before the write: 10 consoles guessing together had 14 guesses evaluated
    where 5 should be."""
    import subprocess
    import sys
    import time
    db.close()
    start = str(time.time() + 2.0)
    procs = [subprocess.Popen([sys.executable, "-c", GUESSER, demo_site.db_url, start, "3"],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(10)]
    outs = [p.communicate(timeout=120) for p in procs]
    assert all(p.returncode == 0 for p in procs), [o[1][-500:] for o in outs]
    answers = " ".join(o[0] for o in outs).split()
    assert len(answers) == 30 and "in" not in answers
    assert answers.count("evaluated") == people.MAX_TRIES
    db.connect(demo_site.db_url)
    failed = AuditEvent.select().where(AuditEvent.action == "staff.sign_on_failed").count()
    assert failed == people.MAX_TRIES


def test_the_pin_is_hashed_before_the_write_lock_is_taken(demo_site, clock, monkeypatch):
    """The hash takes 40-70 ms: while a console signs on, the others' saves must not wait for it."""
    hashed_in_a_transaction = []
    real = people._scrypt

    def watched(*args):
        hashed_in_a_transaction.append(db.database.obj.in_transaction())
        return real(*args)
    monkeypatch.setattr(people, "_scrypt", watched)
    assert people.verify("G1", "0000", clock.now()).code == "G1"
    with pytest.raises(SignOnError, match="^Wrong PIN for G1"):
        people.verify("G1", "9999", clock.now())
    assert hashed_in_a_transaction == [False, False]


def test_an_answer_computed_for_another_stored_pin_is_not_used(demo_site, clock, monkeypatch):
    """The PIN changed between the hash ahead and the write (a reset, a change at another console): the
    write hashes again against what is stored then."""
    monkeypatch.setattr(people, "_hashed_ahead", lambda code, pin: ("scrypt$16384$8$1$00$00", True))
    with pytest.raises(SignOnError, match="^Wrong PIN for G1"):
        people.verify("G1", "9999", clock.now())
    assert people.verify("G1", "0000", clock.now()).code == "G1"


def _guess_until_locked(now) -> str:
    for _ in range(people.MAX_TRIES - 1):
        with pytest.raises(SignOnError, match="^Wrong PIN for G1"):
            people.verify("G1", "1111", now)
    with pytest.raises(SignOnError) as locked:
        people.verify("G1", "1111", now)
    return str(locked.value)


def test_repeated_locks_last_1_5_15_then_60_minutes(demo_site, clock):
    from datetime import timedelta
    said = []
    for minutes in (1, 5, 15, 60, 60):
        message = _guess_until_locked(clock.now())
        said.append(message.split(", until ")[0])
        clock.advance(seconds=minutes * 60 - 1)
        with pytest.raises(SignOnError, match="is locked after 5 wrong PINs"):
            people.verify("G1", "0000", clock.now())      # even the right PIN waits
        clock.advance(seconds=1)
    assert said == ["Wrong PIN. G1 is now locked for a minute",
                    "Wrong PIN. G1 is now locked for 5 minutes",
                    "Wrong PIN. G1 is now locked for 15 minutes",
                    "Wrong PIN. G1 is now locked for 60 minutes",
                    "Wrong PIN. G1 is now locked for 60 minutes"]
    with pytest.raises(SignOnError, match="4 more tries before it locks for 60 minutes"):
        people.verify("G1", "1111", clock.now())
    assert people.verify("G1", "0000", clock.now()).code == "G1"   # the right PIN starts again at a minute
    assert _guess_until_locked(clock.now() + timedelta(seconds=1)).startswith(
        "Wrong PIN. G1 is now locked for a minute")


# --- 2. the database file moved, removed or replaced under a running console ---------------------

@pytest.mark.sqlite_only("a database file (and its -wal) moved, removed or replaced under a console")
@pytest.mark.parametrize("how", ["moved", "removed", "replaced by a copy", "its -wal removed"])
def test_the_feed_notices_the_file_is_no_longer_the_database(demo_site, tmp_path, how):
    import os
    import shutil

    from deskconsole.feed import ChangeFeed
    path = db.sqlite_path(demo_site.db_url)
    feed = ChangeFeed(demo_site.db_url)
    try:
        people.verify("R1", "0000", NOW)            # a commit: the file changed, it was not replaced
        assert feed.changed() and not feed.replaced()
        if how == "moved":
            os.rename(path, tmp_path / "moved.db")
        elif how == "removed":
            os.unlink(path)
        elif how == "its -wal removed":
            os.unlink(f"{path}-wal")
        else:
            shutil.copy(path, tmp_path / "copy.db")
            os.replace(tmp_path / "copy.db", path)
        assert feed.replaced()
    finally:
        feed.close()


@pytest.mark.parametrize("how", ["moved", "removed"])
def test_a_console_whose_file_went_away_refuses_to_save_and_says_so(demo_site, tmp_path, how):
    """After `rm` or `mv`, 10 of 10 saves said they were saved, into a file nobody would read again."""
    import os

    from deskconsole.screens.log_entry import LogEntryForm
    path = db.sqlite_path(demo_site.db_url)
    moved = tmp_path / "moved.db"

    async def go():
        app = make_app(demo_site)
        async with app.run_test(size=(80, 24)) as pilot:
            await sign_on(pilot, "R1")
            count = ShiftLogEntry.select().count()
            if how == "moved":
                os.rename(path, moved)
            else:
                os.unlink(path)
            await pilot.pause(app.FEED_POLL * 2 + 0.2)
            assert app.feed is None                    # it stopped looking
            await pilot.press("3", "n")
            await pilot.pause()
            assert isinstance(app.screen, LogEntryForm)
            await pilot.press(*"后门未锁")
            await pilot.press("ctrl+s")
            await pilot.pause()
            assert isinstance(app.screen, LogEntryForm)   # kept, with what was typed
            said = str(app.screen.query_one("#form-message").render())
            assert said.startswith("A database file was moved, replaced or removed")
            assert ShiftLogEntry.select().count() == count
    run(go())
    assert not path.exists()                            # nothing made an empty database in its place


# --- 10. smaller ones ----------------------------------------------------------------------------

HOSTILE = ["👩\u200d🔧 ok", "👨\u200d👩\u200d👧 家", "❤\ufe0f", "[/x] \x1b[2J", "王[b]小明\x1b]0;t\x07", "\u202eevil",
           "tab\there\nnew\r", "a\x00b\x9bc", "全角\u3000空格", "lone \udc80 surrogate", "\u2028line\u2029"]


def test_one_cleaner_draws_every_text_the_same_width():
    """The table's cleaner dropped the zero-width joiner while the rest of the console kept it: one
    emoji was measured 2 cells in one place and 4 in another, and a pane border moved."""
    from rich.cells import cell_len

    from deskconsole.text import strip_controls
    from deskconsole.widgets.record_table import clean_text
    for raw in HOSTILE:
        shown = strip_controls(raw)
        assert clean_text(raw) == shown, raw
        assert not any(ch in shown for ch in "\x1b\u202e\u200d\x00\x9b\t\n\r\u2028\udc80"), repr(shown)
        # Measured character by character as every terminal draws it: no joining left to disagree on.
        assert cell_len(shown) == sum(cell_len(ch) for ch in shown), repr(shown)
    assert strip_controls("[/x] \x1b[2J") == "[/x] "            # the escape sequence goes whole
    assert strip_controls("tab\there\nnew") == "tab here new"


@pytest.mark.sqlite_only("a backup file onto the SQLite file itself; a PostgreSQL site's is pg_dump's file")
def test_a_backup_onto_the_database_itself_is_refused(demo_site, tmp_path, capsys):
    """`backup` onto the live database or its -wal said "backup written"."""
    import os
    path = db.sqlite_path(demo_site.db_url)
    db.close()
    for dest in (path, f"{path}-wal", f"{path}-shm", tmp_path / "." / "desk.db"):
        assert cli.main(["backup", "--db", str(path), str(dest)]) == 2
        err = capsys.readouterr().err
        assert err.startswith(f"deskconsole: {dest} is the database") and err.count("\n") == 1, err
    db.connect(demo_site.db_url)
    assert db.integrity_problems() == []
    # Over an older file of mode 0644: the copy is 0660 like the database.
    old = tmp_path / "backup" / "desk-03.db"
    old.parent.mkdir()
    old.write_bytes(b"")
    os.chmod(old, 0o644)
    db.close()
    assert cli.main(["backup", "--db", str(path), str(old)]) == 0
    assert (old.stat().st_mode & 0o777) == 0o660


WAL_WRITER = """
import sqlite3, sys
conn = sqlite3.connect(sys.argv[1])
conn.execute("PRAGMA wal_autocheckpoint = 0")
for i in range(1, 6):
    conn.execute("UPDATE call SET text = text || '!' WHERE id = ?", (i,))
    conn.commit()
print("ready", flush=True)
sys.stdin.readline()
"""


@pytest.mark.sqlite_only("SQLite's -wal file removed")
def test_a_removed_wal_is_one_plain_line_in_other_commands(demo_site, capsys):
    """A removed -wal made every other process print a traceback."""
    import os
    import subprocess
    import sys
    path = db.sqlite_path(demo_site.db_url)
    db.close()
    writer = subprocess.Popen([sys.executable, "-c", WAL_WRITER, str(path)], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True)
    try:
        assert writer.stdout.readline().strip() == "ready"
        os.unlink(f"{path}-wal")
        status = cli.main(["export", "--db", str(path)])
        out, err = capsys.readouterr()
        assert status == 1 and "Traceback" not in out + err and "unexpected error" not in err
        assert err.startswith("deskconsole: the database could not be read or written (disk I/O error)")
        assert err.count("\n") == 1
    finally:
        writer.communicate("\n", timeout=30)


# --- 11. a log for a support person ----------------------------------------------------------------

@pytest.fixture
def support_log(tmp_path, monkeypatch):
    """The support log in a folder of the test's own, read back as text."""
    monkeypatch.setenv(log.ENV_LOG_DIR, str(tmp_path / "log"))
    log.stop()
    log.setup()
    yield lambda: (tmp_path / "log" / log.FILE_NAME).read_text("utf-8")
    log.stop()


def test_the_log_tells_a_support_person_what_happened_and_never_a_pin(demo_site, clock, support_log, tmp_path):
    from deskconsole import calls
    s1 = people.find("S1")
    people.create_staff(s1, clock.now(), code="G7", name="周伟", role="guard", pin=SECRET_PIN)
    with pytest.raises(SignOnError):
        people.verify("G7", "99887766", clock.now())
    people.verify("G7", SECRET_PIN, clock.now())
    with pytest.raises(people.InvalidInput):
        calls.add_call(s1, clock.now(), category="repair", channel="phone", text="漏水", unit_code="9-999")
    read_only()
    try:
        with pytest.raises(db.StoreError):
            calls.add_call(s1, clock.now(), category="repair", channel="phone", text="漏水")
    finally:
        read_only(False)
    log.info("holder document 440301198805120031, phone 13811112222")
    db.close()
    db.connect("sqlite:///" + str(tmp_path / "new.db"))        # a new database: its schema is made

    async def go():
        app = make_app(demo_site)
        async with app.run_test(size=(80, 24)) as pilot:
            await sign_on(pilot, "R1")
    db.close()
    db.connect(demo_site.db_url)
    run(go())
    text = support_log()
    lines = text.splitlines()
    console = log.console_id()
    assert all(f"[{console}]" in line for line in lines), lines[:3]
    said = "\n".join(lines)
    assert "PIN for G7: wrong, 4 tries left" in said and "PIN for G7: ok" in said
    assert "refused add_call: InvalidInput: There is no unit 9-999" in said
    assert "store error in add_call: attempt to write a readonly database" in said
    assert f"database created with schema version {db.SCHEMA_VERSION}: {tmp_path / 'new.db'}" in said
    assert any("[R1] signed on at the console" in line for line in lines)
    assert any("[R1] console closed" in line for line in lines)
    assert "holder document …0031, phone …2222" in said
    for secret in (SECRET_PIN, "99887766", "440301198805120031", "13811112222"):
        assert secret not in text


def test_the_log_rotates_and_help_says_where_it_is(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv(log.ENV_LOG_DIR, str(tmp_path / "log"))
    monkeypatch.setattr(log, "MAX_BYTES", 4000)
    log.stop()
    try:
        assert log.setup() == tmp_path / "log" / "deskconsole.log"
        for n in range(200):
            log.info(f"line {n} " + "x" * 40)
    finally:
        log.stop()
    files = sorted(p.name for p in (tmp_path / "log").iterdir())
    assert files[:2] == ["deskconsole.log", "deskconsole.log.1"] and len(files) <= 1 + log.BACKUPS
    with pytest.raises(SystemExit):
        cli.main(["--help"])
    assert f"\n  {tmp_path / 'log' / 'deskconsole.log'}\n" in capsys.readouterr().out
