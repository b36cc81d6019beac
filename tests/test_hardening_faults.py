"""Faults (issue 7): writers killed mid-write, a console whose terminal goes away, a read-only or
full database. Afterwards `deskconsole check` passes, every write that reported success is there,
no lock is left behind, and the user is told plainly (and keeps what they typed)."""
from __future__ import annotations

import asyncio
import fcntl
import os
import pty
import random
import select
import shutil
import signal
import sqlite3
import struct
import subprocess
import sys
import termios
import time
from pathlib import Path

import pytest
from appkit import make_app, settle, sign_on

from deskconsole import calls, db, keys, orders, people, shifts
from deskconsole.db import AuditEvent, Call, ShiftLogEntry
from deskconsole.screens.call_form import CallFormScreen

WORKER = Path(__file__).parent / "helpers" / "desk_writer.py"
ROOT = Path(__file__).parent.parent
READ_ONLY = "The database is read-only: nothing was saved. Tell the supervisor."
DISK_FULL = "The disk is full: nothing was saved. Tell the supervisor."


def deskconsole(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "deskconsole", *args], capture_output=True, text=True,
                          timeout=120, cwd=ROOT)


def assert_check_passes(path: Path) -> None:
    result = deskconsole("check", "--db", str(path))
    assert result.returncode == 0 and "check: ok" in result.stdout, result.stdout + result.stderr


def assert_no_stale_lock(path: Path) -> None:
    """A new write transaction gets the lock at once: nobody is holding it."""
    conn = sqlite3.connect(path, timeout=0)
    try:
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("ROLLBACK")
    finally:
        conn.close()


@pytest.fixture
def desk_file(tmp_path, seeded_file) -> Path:
    path = tmp_path / "desk.db"
    shutil.copy(seeded_file, path)
    return path


# --- SIGKILL at random moments ----------------------------------------------------------------

def test_writers_killed_at_random_moments_lose_nothing_that_was_reported(desk_file):
    rng = random.Random(20261124)
    reported = {"call": set(), "log": set()}
    kills = 0
    for batch in range(2):
        procs = [subprocess.Popen([sys.executable, str(WORKER), "loop", str(desk_file)], stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, cwd=ROOT) for _ in range(10)]
        for proc in procs:   # each is writing before it is killed
            first = proc.stdout.readline()
            assert first.endswith(b"\n"), proc.stderr.read().decode()
            kind, ident = first.decode().split()
            reported[kind].add(int(ident))
        for proc in procs:
            time.sleep(rng.uniform(0.0, 0.1))
            proc.send_signal(signal.SIGKILL)
        for proc in procs:
            out, err = proc.stdout.read(), proc.stderr.read()   # the rest, after the line read above
            proc.wait(timeout=30)
            assert proc.returncode == -signal.SIGKILL, err.decode()
            kills += 1
            for line in out.decode().splitlines(keepends=True):
                if line.endswith("\n"):     # printed whole, so committed before it was printed
                    kind, ident = line.split()
                    reported[kind].add(int(ident))
    assert kills == 20
    assert_check_passes(desk_file)
    assert_no_stale_lock(desk_file)
    db.connect("sqlite:///" + str(desk_file), migrate_schema=False)
    stored_calls = {c.id for c in Call.select(Call.id).where(Call.id.in_(list(reported["call"])))}
    stored_log = {e.id for e in ShiftLogEntry.select(ShiftLogEntry.id).where(ShiftLogEntry.id.in_(list(reported["log"])))}
    print(f"\n20 writers killed: {len(reported['call'])} calls and {len(reported['log'])} log entries reported, "
          f"all there: {stored_calls == reported['call'] and stored_log == reported['log']}")
    assert stored_calls == reported["call"] and stored_log == reported["log"]
    assert len(reported["call"]) + len(reported["log"]) >= 20
    # Every stored call has its audit event: no write was half-made.
    loop_calls = Call.select(Call.id).where(Call.text.startswith("loop "))
    audited = {e.entity_id for e in AuditEvent.select().where(AuditEvent.action == "call.add")}
    assert {c.id for c in loop_calls} <= audited


# --- the terminal goes away -----------------------------------------------------------------

def _read_until(fd: int, needle: bytes, timeout: float) -> bytes:
    seen = b""
    end = time.time() + timeout
    while time.time() < end:
        ready, _, _ = select.select([fd], [], [], 0.05)
        if ready:
            try:
                seen += os.read(fd, 65536)
            except OSError:
                break
            if needle in seen:
                return seen
    raise AssertionError(f"{needle!r} never appeared on the console's screen")


def _wait_exit(pid: int, timeout: float) -> int | None:
    end = time.time() + timeout
    while time.time() < end:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            return status
        time.sleep(0.05)
    return None


@pytest.mark.parametrize("how", ["hangup", "hangup_with_sighup_blocked"])
def test_a_console_whose_terminal_goes_away_exits_and_leaves_nothing_behind(desk_file, how):
    """`hangup`: the SSH session drops (the pty master closes and the kernel sends SIGHUP).
    `..._blocked`: the console never sees a SIGHUP (a wrapper blocks it); it still notices."""
    calls_before = sqlite3.connect(desk_file).execute("SELECT count(*) FROM call").fetchone()[0]
    pid, fd = pty.fork()
    if pid == 0:   # the child: the real console on the pty's slave side
        try:
            os.environ["TERM"] = "xterm-256color"
            if how == "hangup_with_sighup_blocked":
                signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGHUP})
            os.chdir(ROOT)
            os.execv(sys.executable, [sys.executable, "-m", "deskconsole", "--db", str(desk_file), "--lang", "en"])
        finally:
            os._exit(127)
    try:
        fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
        _read_until(fd, b"PIN", 20)
        os.write(fd, b"R1\r")
        time.sleep(0.3)
        os.write(fd, b"0000\r")
        _read_until(fd, b"Calls", 20)
        time.sleep(0.5)
        os.write(fd, b"n")            # a new call, half typed, never saved
        time.sleep(0.5)
        os.write(fd, "13800001111\t王[b]小明".encode())
        time.sleep(0.5)
        os.close(fd)
        fd = -1
        status = _wait_exit(pid, 5.0)
    finally:
        if fd >= 0:
            os.close(fd)
    if status is None:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        pytest.fail(f"the console was still running 5 s after its terminal went away ({how})")
    # It exited (through the app's own exit, not killed by the signal), and within the time.
    assert os.WIFEXITED(status), f"ended by signal {os.WTERMSIG(status)}"
    conn = sqlite3.connect(desk_file)
    signed_on = conn.execute("SELECT count(*) FROM audit_event WHERE action = 'staff.sign_on'").fetchone()[0]
    calls_after = conn.execute("SELECT count(*) FROM call").fetchone()[0]
    conn.close()
    assert signed_on >= 1                 # it really was a signed-on console
    assert calls_after == calls_before    # the half-typed form wrote nothing
    assert_no_stale_lock(desk_file)
    assert_check_passes(desk_file)


# --- read-only and full databases -----------------------------------------------------------

@pytest.mark.sqlite_only("a read-only SQLite file")
def test_a_read_only_database_refuses_a_write_plainly(demo_site, clock):
    path = db.sqlite_path(demo_site.db_url)
    r1 = people.find("R1")
    db.close()
    ro = db.pw.SqliteDatabase(f"file:{path}?mode=ro", uri=True, pragmas={"busy_timeout": 1000},
                              lock_type="IMMEDIATE")
    db.database.initialize(ro)
    count = Call.select().count()
    writes = [
        lambda: calls.add_call(r1, clock.now(), category="repair", channel="phone", text="漏水", unit_code="1-1203"),
        lambda: shifts.add_entry(r1, clock.now(), config=demo_site, kind="note", text="patrol ok"),
        lambda: orders.create_order(r1, clock.now(), demo_site.sla_engine(), sla_class="general_repair",
                                    description="窗户关不上", unit_code="1-1203"),
        lambda: keys.issue(r1, clock.now(), demo_site.sla_engine(), tag="PR-02", holder_kind="staff", holder_name="张师傅"),
    ]
    for write in writes:
        with pytest.raises(db.StoreError) as refused:
            write()
        assert str(refused.value) == READ_ONLY
    assert Call.select().count() == count


@pytest.mark.sqlite_only("SQLite's query_only and max_page_count pragmas")
def test_query_only_connection_and_a_full_disk_are_said_plainly(demo_site, clock):
    r1 = people.find("R1")
    db.database.execute_sql("PRAGMA query_only = 1")
    with pytest.raises(db.StoreError, match="^The database is read-only"):
        calls.add_call(r1, clock.now(), category="repair", channel="phone", text="漏水")
    db.database.execute_sql("PRAGMA query_only = 0")
    # A full disk: the database may not grow past the pages it has.
    pages = db.database.execute_sql("PRAGMA page_count").fetchone()[0]
    db.database.execute_sql(f"PRAGMA max_page_count = {pages}")
    count, saved = Call.select().count(), 0
    with pytest.raises(db.StoreError) as refused:
        for _ in range(2000):
            calls.add_call(r1, clock.now(), category="repair", channel="phone", text="漏水 " * 300)
            saved += 1
    assert str(refused.value) == DISK_FULL
    assert Call.select().count() == count + saved     # the refused write left nothing
    assert db.integrity_problems() == []


@pytest.mark.sqlite_only("a read-only SQLite file")
@pytest.mark.skipif(os.geteuid() == 0, reason="root writes through file modes")
def test_a_read_only_file_refuses_a_write_plainly(demo_site, clock):
    path = db.sqlite_path(demo_site.db_url)
    r1 = people.find("R1")
    db.close()
    os.chmod(path, 0o440)
    try:
        db.connect(demo_site.db_url, migrate_schema=False)
        with pytest.raises(db.StoreError, match="^The database is read-only"):
            calls.add_call(r1, clock.now(), category="repair", channel="phone", text="漏水")
    finally:
        os.chmod(path, 0o660)


def test_the_call_form_says_the_database_is_read_only_and_keeps_what_was_typed(demo_site):
    async def go():
        app = make_app(demo_site)
        async with app.run_test(size=(80, 24)) as pilot:
            await sign_on(pilot)
            count = Call.select().count()
            await pilot.press("n")
            for _ in range(20):
                if isinstance(app.screen, CallFormScreen):
                    break
                await pilot.pause()
            form = app.screen
            assert isinstance(form, CallFormScreen)
            await pilot.press(*"13811112222", "tab", *"王[b]小明", "tab", *"1-1203", "tab", "r", "tab", "tab",
                              *"厨房漏水 [/x]")
            db.database.execute_sql("PRAGMA query_only = 1")
            try:
                await pilot.press("ctrl+s")
                await pilot.pause()
            finally:
                db.database.execute_sql("PRAGMA query_only = 0")
            assert app.screen is form
            assert str(form.query_one("#form-message").render()) == READ_ONLY
            values = form.values()
            assert (values["phone"], values["caller"], values["unit"], values["text"]) == \
                ("13811112222", "王[b]小明", "1-1203", "厨房漏水 [/x]")
            assert Call.select().count() == count
            await pilot.press("ctrl+s")       # the supervisor fixed it: the same form saves
            await settle(pilot)
            assert not isinstance(app.screen, CallFormScreen)
            assert Call.select().count() == count + 1
    asyncio.run(go())
