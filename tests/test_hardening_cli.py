"""Safety at the command line (issue 17): every sub-command, given a site file or a --db it cannot use,
answers with one line that names what is wrong, never a traceback; `check` builds everything the
console builds, and reports a damaged database instead of stopping."""
from __future__ import annotations

import shutil
import sqlite3
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from deskconsole import cli

ROOT = Path(__file__).parent.parent


def deskconsole(*args, env=None, stdin: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "deskconsole", *args], capture_output=True, timeout=120,
                          cwd=ROOT, env=env, input=stdin.encode() if stdin is not None else None)


def text(result: subprocess.CompletedProcess) -> tuple[str, str]:
    return result.stdout.decode("utf-8", "replace"), result.stderr.decode("utf-8", "replace")


# Every sub-command, as a script or a person would type it (DEST and the output file in the test's folder).
def commands(tmp: Path) -> dict[str, list[str]]:
    return {
        "console": [],   # no terminal here: after what it checks first, it says it needs one
        "init": ["init"],
        "export": ["export"],
        "backup": ["backup", str(tmp / "backup.db")],
        "check": ["check"],
        "call add": ["call", "add", "--category", "repair", "--channel", "phone", "--text", "漏水"],
        "sla": ["sla"],
        "sla class": ["sla", "urgent_repair", "--from", "2026-11-24T22:00"],
        "handover": ["handover"],
        "report": ["report", "--month", "2026-11"],
        "report xlsx": ["report", "--month", "2026-11", "--format", "xlsx", "--out", str(tmp / "r.xlsx")],
        "demo": ["demo"],
        "restore": ["restore", str(tmp / "backup-source.db")],
    }


# Site files the console cannot use: (what is in it, a word the one-line answer must contain).
BAD_SITES = {
    "office_hours a string": ('office_hours = "08:00-17:00"\n', "office_hours"),
    "calendar a number": ("calendar = 3\n", "calendar"),
    "a shift without id": ("shifts = [{}]\n", "shift"),
    "shifts a string": ('shifts = "day"\n', "shifts"),
    "sla a list": ("sla = [1]\n", "sla"),
    "a bad SLA duration": ('[sla.urgent_repair]\nrespond = "3 parsecs"\n', "sla.urgent_repair"),
    "an unknown holiday country": ('[calendar]\ncountry = "XX"\n', "calendar.country"),
    "an unknown theme": ('theme = "neon"\n', "theme"),
    "a theme that is a number": ("theme = 3\n", "theme"),
    "not TOML": ("site_name = 示范\n", "site file"),
    "not UTF-8": (b'site_name = "\xca\xbe\xb7\xb6"\n', "UTF-8"),
    "an unknown time zone": ('timezone = "Mars/Olympus"\n', "time zone"),
    "extra_holidays a string": ('[calendar]\nextra_holidays = "2026-10-01"\n', "calendar.extra_holidays"),
    "shift start not a time": ('[[shifts]]\nid = "day"\nstart = 8\n', "shifts.day.start"),
}

# What only the console (and so demo) and check build: the commands that build it must refuse; the
# others, which do not use it, may do their work.
ENGINE = {"check", "sla", "sla class", "report", "report xlsx", "demo"}
BUILT_BY = {"a bad SLA duration": ENGINE, "an unknown holiday country": ENGINE,
            "an unknown theme": {"check", "demo", "console"}}
NEEDS_A_TERMINAL = "the console needs a terminal"
TERMINAL_HINT = " (ssh -t, or a login session); the sub-commands work without one: deskconsole --help"


def _run_case(tmp_path: Path, seeded: Path, command: str, argv: list[str], site: str, body) -> tuple:
    folder = tmp_path / f"{command}-{site}".replace(" ", "_")
    folder.mkdir()
    db_path = folder / "desk.db"
    shutil.copy(seeded, db_path)
    site_file = folder / "site.toml"
    (site_file.write_bytes if isinstance(body, bytes) else site_file.write_text)(body)
    argv = [a.replace(str(tmp_path), str(folder)) for a in argv]
    return command, site, deskconsole(*argv, "--db", str(db_path), "--site", str(site_file), stdin="")


def test_every_command_answers_a_bad_site_file_with_one_line_naming_the_key(tmp_path, seeded_file):
    cases = [(command, argv, site, body) for command, argv in commands(tmp_path).items()
             for site, (body, _word) in BAD_SITES.items()]
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(lambda c: _run_case(tmp_path, seeded_file, *c), cases))
    wrong = []
    for command, site, result in results:
        out, err = text(result)
        word = BAD_SITES[site][1]
        if "Traceback" in out + err or "unexpected error" in err:
            wrong.append(f"{command} / {site}: {err.strip()[-300:]}")
        elif site in BUILT_BY and command not in BUILT_BY[site]:
            continue  # a command that does not use what is wrong does its own work
        elif result.returncode == 0:
            wrong.append(f"{command} / {site}: exit 0, {out.strip()[-200:]!r}")
        elif command == "check" and result.returncode == 1:  # check lists what it found, then counts
            if not any(word in line for line in out.splitlines()):
                wrong.append(f"check / {site}: {out!r}")
        else:
            lines = [line for line in err.splitlines() if line.strip()]
            if len(lines) != 1 or word not in lines[0]:
                wrong.append(f"{command} / {site}: exit {result.returncode}: {err.strip()!r}")
    assert wrong == []


@pytest.mark.parametrize("site", sorted(BUILT_BY))
def test_check_builds_what_the_console_builds(tmp_path, seeded_file, site):
    """An unknown theme, a bad SLA duration, an unknown holiday country: the console would not start,
    so `check` says so (it said ok)."""
    path = tmp_path / "desk.db"
    shutil.copy(seeded_file, path)
    (tmp_path / "site.toml").write_text(BAD_SITES[site][0])
    result = deskconsole("check", "--db", str(path))
    out, err = text(result)
    assert result.returncode == 1 and "check: ok" not in out
    assert BAD_SITES[site][1] in out and "Traceback" not in out + err


# --- a damaged database -------------------------------------------------------------------------

def _garbage(path: Path) -> None:
    path.write_bytes(b"this is not a database\n" * 200)


def _truncated(path: Path) -> None:
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


def _torn_pages(path: Path) -> None:
    data = bytearray(path.read_bytes())
    for i in range(4096 * 3, 4096 * 3 + 3000):
        data[i] = (i * 7919) % 256
    path.write_bytes(bytes(data))


def _sql(statement: str):
    def corrupt(path: Path) -> None:
        conn = sqlite3.connect(path)
        conn.execute(statement)
        conn.commit()
        conn.close()
    return corrupt


def _header_zeroed(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[:100] = bytes(100)
    path.write_bytes(bytes(data))


CORRUPTIONS = {
    "not a database": (_garbage, "cannot be opened"),
    "cut in half": (_truncated, "database"),
    "torn pages": (_torn_pages, "malformed"),
    "audit text not UTF-8": (_sql("UPDATE audit_event SET data = CAST(X'FFFE7B7D' AS TEXT) WHERE id = 3"),
                             "audit event 3"),
    "schema version not a number": (_sql("UPDATE schema_meta SET value = 'x' WHERE key = 'schema_version'"),
                                    "schema version"),
    "header zeroed": (_header_zeroed, "cannot be opened"),
    "empty file": (lambda path: path.write_bytes(b""), "no schema version"),
}


@pytest.mark.parametrize("case", sorted(CORRUPTIONS))
def test_check_reports_a_damaged_database(tmp_path, seeded_file, case, capsys):
    path = tmp_path / "desk.db"
    shutil.copy(seeded_file, path)
    corrupt, word = CORRUPTIONS[case]
    corrupt(path)
    assert cli.main(["check", "--db", str(path)]) == 1
    out, err = capsys.readouterr()
    assert word in out, out + err
    assert "Traceback" not in out + err and "unexpected error" not in err
    assert err.strip().startswith("check: ") and err.strip().endswith("problem(s)")


# --- 9. odd --db values and arguments that are not UTF-8 ------------------------------------------

def _driver_installed() -> bool:
    import importlib.util
    return any(importlib.util.find_spec(name) for name in ("psycopg2", "psycopg"))


def odd_dbs(tmp: Path) -> dict[str, tuple[str | bytes, str]]:
    """--db values nobody means: (the value, a word the one-line answer must contain)."""
    (tmp / "notes.txt").write_text("shopping list\n")
    (tmp / "folder").mkdir()
    odd = {
        "a text file": (str(tmp / "notes.txt"), "not a deskconsole database"),
        "a folder": (str(tmp / "folder"), "folder"),
        "mysql://": ("mysql://desk@127.0.0.1/desk", "mysql://"),
        "an unknown scheme": ("ftp://desk/desk.db", "ftp://"),
        "a path through a file": (str(tmp / "notes.txt" / "desk.db"), "notes.txt"),
        "empty": ("", "--db"),
        "sqlite:/// with no file": ("sqlite:///", "no file"),
        "not UTF-8": (str(tmp).encode() + b"/\xcd\xf5.db", "UTF-8"),
    }
    if not _driver_installed():  # with a driver, a server that is not there is the PostgreSQL work's
        odd["postgresql:// without a driver"] = ("postgresql://desk@127.0.0.1:9/desk", "driver")
    return odd


def test_every_command_answers_an_odd_db_with_one_line(tmp_path, seeded_file):
    odd = odd_dbs(tmp_path)
    shutil.copy(seeded_file, tmp_path / "backup-source.db")
    cases = [(command, argv, name) for command, argv in commands(tmp_path).items() for name in odd]

    def run_case(case):
        command, argv, name = case
        return command, name, deskconsole(*argv, "--db", odd[name][0], stdin="")
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(run_case, cases))
    wrong = []
    for command, name, result in results:
        out, err = text(result)
        word = odd[name][1]
        if command in ("demo", "restore") and "://" in str(odd[name][0]) and "sqlite" not in str(odd[name][0]):
            word = "SQLite file"
        if "Traceback" in out + err or "unexpected error" in err:
            wrong.append(f"{command} / {name}: {err.strip()[-300:]}")
        elif command == "demo" and err.strip() == f"deskconsole: {NEEDS_A_TERMINAL}" + TERMINAL_HINT:
            continue  # the demo database would be made where --db says: it is not made for nobody to see
        elif command.startswith("sla") and result.returncode == 0:
            continue  # the SLA catalogue does not read the database
        elif command == "check" and result.returncode == 1:
            if "database: cannot be opened" not in out or word not in out:
                wrong.append(f"check / {name}: {out!r}")
        else:
            lines = [line for line in err.splitlines() if line.strip()]
            if result.returncode == 0 or len(lines) != 1 or word not in lines[0]:
                wrong.append(f"{command} / {name}: exit {result.returncode}: {err.strip()!r}")
    assert wrong == [], "\n".join(wrong)
    assert not (tmp_path / "folder" / "desk.db").exists() and list((tmp_path / "folder").iterdir()) == []


@pytest.mark.parametrize("command", ["export", "report", "check", "handover", "backup", "call add"])
def test_a_command_that_only_reads_refuses_a_database_that_does_not_exist(tmp_path, command):
    """A mistyped --db made folders and an empty database, and the command said nothing was wrong."""
    mistyped = tmp_path / "srv" / "dsek" / "desk.db"
    result = deskconsole(*commands(tmp_path)[command], "--db", str(mistyped))
    out, err = text(result)
    assert result.returncode != 0 and "there is no database at" in out + err and "Traceback" not in out + err
    assert not (tmp_path / "srv").exists()


GBK = "王小明 厨房漏水".encode("gbk")


@pytest.mark.parametrize("option", ["--phone", "--caller", "--unit", "--category", "--channel", "--text",
                                    "--operator"])
def test_call_add_refuses_arguments_that_are_not_utf8_naming_the_option(tmp_path, seeded_file, option):
    """A phone system sending GBK: one line naming the option, nothing written."""
    path = tmp_path / "desk.db"
    shutil.copy(seeded_file, path)
    argv = ["call", "add", "--db", str(path), "--category", "repair", "--channel", "phone", "--text", "漏水"]
    if option in argv:
        argv[argv.index(option) + 1] = GBK
    else:
        argv += [option, GBK]
    result = deskconsole(*argv)
    out, err = text(result)
    assert result.returncode == 2 and "Traceback" not in out + err
    assert err.strip().startswith(f"deskconsole: {option} is not UTF-8 text") and "--encoding" in err
    assert len(err.strip().splitlines()) == 1


def test_call_add_reads_gbk_when_told(tmp_path, seeded_file):
    path = tmp_path / "desk.db"
    shutil.copy(seeded_file, path)
    result = deskconsole("call", "add", "--db", str(path), "--category", "repair", "--channel", "phone",
                         "--caller", "王小明".encode("gbk"), "--text", "厨房漏水".encode("gbk"), "--encoding", "gbk")
    assert result.returncode == 0, result.stderr
    conn = sqlite3.connect(path)
    assert conn.execute("SELECT caller, text FROM call ORDER BY id DESC LIMIT 1").fetchone() == ("王小明", "厨房漏水")
    conn.close()
    result = deskconsole("call", "add", "--db", str(path), "--category", "repair", "--channel", "phone",
                         "--text", "x", "--encoding", "klingon")
    assert result.returncode == 2 and text(result)[1].strip() == \
        "deskconsole: --encoding: there is no encoding 'klingon' (utf-8, gbk, gb18030 ...)"


def test_a_full_or_read_only_disk_at_start_is_one_line(tmp_path, monkeypatch, capsys):
    """The schema cannot be made: said plainly, as a save would say it."""
    from deskconsole import db

    def full(*args, **kwargs):
        raise sqlite3.OperationalError("database or disk is full")
    monkeypatch.setattr(db, "migrate", full)
    assert cli.main(["init", "--db", str(tmp_path / "desk.db")]) == 2
    assert capsys.readouterr().err == "deskconsole: The disk is full: nothing was saved. Tell the supervisor.\n"

    def read_only(*args, **kwargs):
        raise sqlite3.OperationalError("attempt to write a readonly database")
    monkeypatch.setattr(db, "migrate", read_only)
    assert cli.main(["init", "--db", str(tmp_path / "desk.db")]) == 2
    assert capsys.readouterr().err == \
        "deskconsole: The database is read-only: nothing was saved. Tell the supervisor.\n"


# --- 2. deskconsole restore ------------------------------------------------------------------------

def _calls(path: Path) -> int:
    conn = sqlite3.connect(path)
    try:
        return conn.execute("SELECT count(*) FROM call").fetchone()[0]
    finally:
        conn.close()


def _add_call(path: Path) -> None:
    result = deskconsole("call", "add", "--db", str(path), "--category", "repair", "--channel", "phone",
                         "--text", "after the backup")
    assert result.returncode == 0, result.stderr


def test_restore_puts_a_backup_back_and_checks_it(tmp_path, seeded_file):
    path, backup = tmp_path / "desk.db", tmp_path / "backup" / "desk-03.db"
    shutil.copy(seeded_file, path)
    assert deskconsole("backup", "--db", str(path), str(backup)).returncode == 0
    before = _calls(path)
    _add_call(path)
    result = deskconsole("restore", "--db", str(path), str(backup))
    out, err = text(result)
    assert result.returncode == 0, err
    assert _calls(path) == before
    assert out.strip().endswith("check: ok") and f"restored {path} from {backup}" in out
    kept = next(tmp_path.glob("desk.db.before-restore-*.bak"))
    assert _calls(kept) == before + 1                 # what it held is kept, not lost
    assert (kept.stat().st_mode & 0o777) == 0o660 and (path.stat().st_mode & 0o777) == 0o660
    assert deskconsole("check", "--db", str(path)).returncode == 0


HOLDER = """
import sqlite3, sys, time
conn = sqlite3.connect(sys.argv[1])
conn.execute("SELECT count(*) FROM call").fetchone()
print("open", flush=True)
sys.stdin.readline()
"""


def test_restore_refuses_while_a_console_has_the_database_open(tmp_path, seeded_file):
    path, backup = tmp_path / "desk.db", tmp_path / "backup.db"
    shutil.copy(seeded_file, path)
    assert deskconsole("backup", "--db", str(path), str(backup)).returncode == 0
    _add_call(path)
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(path)], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "open"
        count = _calls(path)
        result = deskconsole("restore", "--db", str(path), str(backup))
        out, err = text(result)
        assert result.returncode == 1 and "is open in a console or another program" in err
        assert len(err.strip().splitlines()) == 1 and _calls(path) == count
    finally:
        holder.communicate("\n", timeout=30)
    assert deskconsole("restore", "--db", str(path), str(backup)).returncode == 0   # everyone quit


def test_restore_refuses_a_backup_that_does_not_check(tmp_path, seeded_file):
    path, backup = tmp_path / "desk.db", tmp_path / "backup.db"
    shutil.copy(seeded_file, path)
    shutil.copy(seeded_file, backup)
    conn = sqlite3.connect(backup)
    conn.execute("UPDATE audit_event SET data = '{}' WHERE id = 5")
    conn.commit()
    conn.close()
    result = deskconsole("restore", "--db", str(path), str(backup))
    out, err = text(result)
    assert result.returncode == 1 and "is not a sound backup, nothing was restored: audit event 5" in err
    assert not list(tmp_path.glob("*.before-restore-*"))
    for bad, says in ((tmp_path / "nothing.db", "there is no backup file"), (path, "is the database itself")):
        result = deskconsole("restore", "--db", str(path), str(bad))
        assert result.returncode == 2 and says in text(result)[1]


def test_restore_over_a_torn_database(tmp_path, seeded_file):
    path = tmp_path / "desk.db"
    shutil.copy(seeded_file, path)
    _truncated(path)
    torn = path.read_bytes()
    result = deskconsole("restore", "--db", str(path), str(seeded_file))
    assert result.returncode == 0, text(result)[1]
    assert _calls(path) == _calls(seeded_file)
    assert next(tmp_path.glob("desk.db.before-restore-*.bak")).read_bytes() == torn


# --- 3. the audit trail: an anchor on paper, and every record against its last event ------------

def _chain_from(conn: sqlite3.Connection, first: int) -> None:
    """Recompute the hashes from event `first` on, as someone covering their tracks would."""
    from deskconsole import audit
    prev = conn.execute("SELECT hash FROM audit_event WHERE id < ? ORDER BY id DESC LIMIT 1", (first,)).fetchone()
    prev = prev[0] if prev else ""
    rows = conn.execute("SELECT id, at, actor_id, action, entity, entity_id, data FROM audit_event WHERE id >= ? "
                        "ORDER BY id", (first,)).fetchall()
    for event_id, at, actor, action, entity, entity_id, data in rows:
        digest = audit._digest(prev, at, actor, action, entity, entity_id, data)
        conn.execute("UPDATE audit_event SET prev_hash = ?, hash = ? WHERE id = ?", (prev, digest, event_id))
        prev = digest


def _forge_event(conn: sqlite3.Connection, action: str, entity: str, entity_id: int, data: str) -> None:
    at, actor = conn.execute("SELECT at, actor_id FROM audit_event ORDER BY id DESC LIMIT 1").fetchone()
    conn.execute("INSERT INTO audit_event (at, actor_id, action, entity, entity_id, data, prev_hash, hash) "
                 "VALUES (?, ?, ?, ?, ?, ?, '', '')", (at, actor, action, entity, entity_id, data))
    _chain_from(conn, conn.execute("SELECT max(id) FROM audit_event").fetchone()[0])


def _copy_row(conn: sqlite3.Connection, table: str, row_id: int) -> None:
    columns = [c[1] for c in conn.execute(f"PRAGMA table_info({table})") if c[1] != "id"]
    listed = ", ".join(columns)
    conn.execute(f"INSERT INTO {table} ({listed}) SELECT {listed} FROM {table} WHERE id = ?", (row_id,))


# (what someone does with sqlite3, a word `check` says about it)
TAMPERINGS = {
    "a call's text edited": ("UPDATE call SET text = 'nothing happened' WHERE id = 3", "call 3: changed"),
    "a call voided": ("UPDATE call SET status = 'void', void_reason = 'x' WHERE id = 4", "call 4: changed"),
    "a guard made supervisor": ("UPDATE staff SET role = 'supervisor' WHERE code = 'G1'", "staff"),
    "a PIN hash copied": ("UPDATE staff SET pin_hash = (SELECT pin_hash FROM staff WHERE code = 'S1') "
                          "WHERE code = 'G1'", "staff"),
    "an order's status": ("UPDATE work_order SET status = 'closed' WHERE id = 2", "work order 2: changed"),
    "a key put back on the board": ("UPDATE key SET status = 'board' WHERE status = 'out'", "key"),
    "a loan's holder": ("UPDATE key_loan SET holder_name = '某人' WHERE id = 1", "key loan 1: changed"),
    "a call added": (lambda conn: _copy_row(conn, "call", 1), "no audit event records it"),
    "a call deleted": ("DELETE FROM call WHERE id = (SELECT max(id) FROM call)", "gone"),
    "an event edited": ("UPDATE audit_event SET data = '{}' WHERE id = 7", "audit event 7"),
    "an event removed": ("DELETE FROM audit_event WHERE id = 9", "audit event 10"),
    "the newest events removed": (lambda conn: conn.execute(
        "DELETE FROM audit_event WHERE id > (SELECT max(id) - 3 FROM audit_event)"), "audit anchor"),
    "an event edited, the hashes after it recomputed": (lambda conn: (
        conn.execute("UPDATE audit_event SET data = data || ' ' WHERE id = 20"), _chain_from(conn, 20)),
        "audit anchor"),
    "a call changed and an event without state added for it": (lambda conn: (
        conn.execute("UPDATE call SET text = 'nothing' WHERE id = 5"),
        _forge_event(conn, "call.edit", "call", 5, '{"after": {"text": "nothing"}}')), "not written by the program"),
    "a call changed and an event with its state forged": (lambda conn: (
        conn.execute("UPDATE call SET status = 'void' WHERE id = 6"),
        _forge_event(conn, "call.void", "call", 6, '{"state": {"call:6": "0000000000000000"}}')), "call 6: changed"),
}


def _anchor_of(path: Path) -> str:
    result = deskconsole("check", "--db", str(path))
    out = text(result)[0]
    assert result.returncode == 0, out
    line = next(line for line in out.splitlines() if line.startswith("audit: "))
    number, digest = line.removeprefix("audit: ").split(" events, head ")
    return f"{number}:{digest}"


def test_check_prints_the_anchor_and_holds_to_it(tmp_path, seeded_file):
    path = tmp_path / "desk.db"
    shutil.copy(seeded_file, path)
    anchor = _anchor_of(path)
    number, digest = anchor.split(":")
    assert len(digest) >= 16 and int(number) > 100
    _add_call(path)                                       # the trail grows: the old anchor still holds
    result = deskconsole("check", "--db", str(path), "--anchor", anchor)
    assert result.returncode == 0 and "check: ok" in text(result)[0]
    for bad in ("12", "x:abc", f"{number}:{digest[:8]}"):
        result = deskconsole("check", "--db", str(path), "--anchor", bad)
        assert result.returncode == 2 and text(result)[1].startswith("deskconsole: --anchor: an anchor is N:HASH")


@pytest.mark.parametrize("case", sorted(TAMPERINGS))
def test_check_finds_each_tampering(tmp_path, seeded_file, case):
    """check found 4 of 13 tamperings made with sqlite3; each is found now (two only against a printed
    anchor: removing the newest events, and rewriting the chain from an edited event on)."""
    path = tmp_path / "desk.db"
    shutil.copy(seeded_file, path)
    anchor = _anchor_of(path)
    tamper, word = TAMPERINGS[case]
    conn = sqlite3.connect(path)
    conn.execute(tamper) if isinstance(tamper, str) else tamper(conn)
    conn.commit()
    conn.close()
    result = deskconsole("check", "--db", str(path), "--anchor", anchor)
    out, err = text(result)
    assert result.returncode == 1 and word in out, out + err
    assert "Traceback" not in out + err


def test_the_sealed_columns_are_the_tables_of_schema_version_1():
    """Every column of a sealed table is sealed; a column added later needs a decision (see audit.SEALED_COLUMNS)."""
    import re

    from deskconsole import audit
    fixture = (Path(__file__).parent / "fixtures" / "schema_v1.sql").read_text()
    for entity, model in audit.SEALED.items():
        create = next(line for line in fixture.splitlines()
                      if line.startswith(f'CREATE TABLE "{model._meta.table_name}" '))
        columns = set(re.findall(r'[(,] "(\w+)" [A-Z]', create)) - {"id"}
        assert set(audit.SEALED_COLUMNS[entity].split()) == columns, entity


# --- 8. no terminal, no console --------------------------------------------------------------------

def test_the_console_without_a_terminal_says_so_and_exits(tmp_path, seeded_file):
    """`ssh host cmd`, scp and sftp against the ForceCommand left a console spinning after the client left."""
    path = tmp_path / "desk.db"
    shutil.copy(seeded_file, path)
    for argv in ([], ["--operator", "G1"], ["demo", "--db", str(tmp_path / "demo.db")]):
        result = subprocess.run([sys.executable, "-m", "deskconsole", "--db", str(path), *argv],
                                stdin=subprocess.DEVNULL, capture_output=True, timeout=60, cwd=ROOT)
        out, err = text(result)
        assert result.returncode == 2 and out == ""
        assert err == f"deskconsole: {NEEDS_A_TERMINAL}{TERMINAL_HINT}\n", err
    assert not (tmp_path / "demo.db").exists()
