"""Going live (issue 14), the people: the first supervisor, staff added with a one-time PIN, disabled,
their PIN reset; the PIN policy of the site file; `deskconsole staff ...` and the set-up commands'
exit codes (0 done, 1 refused with the reason on stderr, never a traceback)."""
from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import NOW

from deskconsole import calls, cli, config as config_mod, db, people
from deskconsole.cli import setup_shared as cli_setup
from deskconsole.db import AuditEvent, Staff
from deskconsole.errors import InvalidInput, PermissionDenied, SignOnError

POLICY = people.PinPolicy()


@pytest.fixture
def stdin(monkeypatch):
    """Lines of standard input for the command under test (not a terminal)."""
    lines: list[str] = []
    monkeypatch.setattr(sys, "stdin", io.StringIO())
    monkeypatch.setattr(cli_setup, "read_line", lambda: lines.pop(0) if lines else "")
    return lines


def _run(site, capsys, *args) -> tuple[int, str, str]:
    code = cli.main([*args, "--db", site.db_url])
    out, err = capsys.readouterr()
    db.connect(site.db_url)
    return code, out, err


# --- the desk functions ------------------------------------------------------------------------

@pytest.mark.parametrize("pin, why", [("0000", "easy"), ("1234", "easy"), ("98765", "easy"), ("777777", "easy"),
                                      ("12", "4 to 12"), ("12a4", "4 to 12"), ("481", "4 to 12")])
def test_the_pin_policy_refuses_short_and_trivial_pins(pin, why):
    with pytest.raises(InvalidInput, match=why):
        people.check_pin_policy(pin, POLICY)


def test_the_site_file_sets_the_minimum_length_and_the_demo_allows_0000(tmp_path, empty_site):
    site = tmp_path / "site.toml"
    site.write_text("[pins]\nmin_length = 6\n")
    config = config_mod.load(empty_site.db_url, str(site))
    assert people.pin_policy(config) == people.PinPolicy(6, allow_trivial=False)
    with pytest.raises(InvalidInput, match="at least 6 digits"):
        people.check_pin_policy("48291", people.pin_policy(config))
    people.check_pin_policy("482913", people.pin_policy(config))
    for bad in ("3", "13", "true"):
        site.write_text(f"[pins]\nmin_length = {bad}\n")
        with pytest.raises(config_mod.ConfigError, match="min_length"):
            config_mod.load(empty_site.db_url, str(site))
    db.SchemaMeta.create(key=people.DEMO_MARK, value="1")
    assert people.pin_policy(config).allow_trivial
    assert len(people.one_time_pin(people.PinPolicy(8))) == 8
    assert not any(people.is_trivial(people.one_time_pin(POLICY)) for _ in range(50))


def test_one_time_pin_then_own_pin_disable_and_reset(empty_site):
    s1 = people.create_first_supervisor(NOW, code="S1", name="陈静", pin="482913", policy=POLICY)
    new = people.add_staff(s1, NOW, POLICY, code="r1", name="李娜", role="receptionist")
    assert new.operator.code == "R1" and len(new.pin) == 6
    assert Staff.get(Staff.code == "R1").pin_hash != new.pin and new.pin not in _audit_text()
    r1 = people.verify("R1", new.pin, NOW)
    assert people.needs_own_pin(r1)
    with pytest.raises(InvalidInput, match="you have now"):
        people.choose_pin(r1, NOW, POLICY, new_pin=new.pin)
    people.choose_pin(r1, NOW, POLICY, new_pin="2580")
    assert not people.needs_own_pin(r1)
    with pytest.raises(InvalidInput):                       # only right after a one-time PIN
        people.choose_pin(r1, NOW, POLICY, new_pin="3691")
    with pytest.raises(SignOnError):
        people.verify("R1", new.pin, NOW)
    assert people.verify("R1", "2580", NOW) == r1

    # Changing one's own PIN asks the old one, and a wrong one counts toward the lock.
    with pytest.raises(InvalidInput) as wrong:
        people.change_pin(r1, NOW, POLICY, old_pin="1111", new_pin="3691")
    assert wrong.value.field == "old_pin" and "4 more tries" in wrong.value.message
    people.change_pin(r1, NOW, POLICY, old_pin="2580", new_pin="3691")
    assert people.verify("R1", "3691", NOW) == r1

    # Only a supervisor manages staff, and never their own record.
    with pytest.raises(PermissionDenied):
        people.add_staff(r1, NOW, POLICY, code="G1", name="王强", role="guard")
    with pytest.raises(InvalidInput, match="Another supervisor"):
        people.set_active(s1, NOW, s1.id, active=False)
    people.set_role(s1, NOW, r1.id, role="supervisor")
    assert people.find("R1").role == "supervisor"

    call_id = calls.add_call(people.find("R1"), NOW, category="repair", channel="phone", text="漏水")
    people.set_active(s1, NOW, r1.id, active=False)
    with pytest.raises(SignOnError, match="R1 is disabled"):
        people.verify("R1", "3691", NOW)
    assert calls.detail(call_id).taken_by == "R1" and db.Call.get_by_id(call_id).taken_by.name == "李娜"

    people.set_active(s1, NOW, r1.id, active=True)
    pin = people.reset_pin(s1, NOW, POLICY, r1.id)
    assert people.needs_own_pin(people.verify("R1", pin, NOW))
    actions = [e.action for e in AuditEvent.select().where((AuditEvent.entity == "staff") & (AuditEvent.entity_id == r1.id))]
    assert actions == ["staff.create", "staff.sign_on", "staff.pin_change", "staff.sign_on_failed", "staff.sign_on",
                       "staff.sign_on_failed", "staff.pin_checked", "staff.pin_change", "staff.sign_on", "staff.role",
                       "staff.disable", "staff.enable", "staff.reset_pin", "staff.sign_on"]


def _audit_text() -> str:
    return " ".join(e.data for e in AuditEvent.select())


# --- the command line ----------------------------------------------------------------------------

def test_staff_commands_from_the_first_supervisor_to_a_reset_pin(empty_site, capsys, stdin):
    stdin.append("1234")
    code, out, err = _run(empty_site, capsys, "staff", "add", "S1", "--name", "陈静", "--role", "supervisor")
    assert code == 1 and "Too easy to guess" in err and not people.has_staff()
    stdin.append("482913")
    code, out, err = _run(empty_site, capsys, "staff", "add", "R1", "--name", "李娜", "--role", "receptionist")
    assert code == 1 and "the first one is a supervisor" in err and stdin == []   # its PIN was read all the same
    stdin.append("482913")
    assert _run(empty_site, capsys, "staff", "add", "S1", "--name", "陈静", "--role", "supervisor")[0] == 0
    assert people.verify("S1", "482913", NOW).role == "supervisor"

    code, out, err = _run(empty_site, capsys, "staff", "add", "R1", "--name", "李娜", "--role", "receptionist")
    assert code == 1 and "--by" in err
    stdin.append("999999")
    code, out, err = _run(empty_site, capsys, "staff", "add", "R1", "--name", "李娜", "--role", "receptionist",
                          "--by", "S1")
    assert code == 1 and "Wrong PIN for S1: 4 more tries" in err and people.staff_record("R1") is None
    stdin.append("482913")
    code, out, err = _run(empty_site, capsys, "staff", "add", "R1", "--name", "李娜", "--role", "receptionist",
                          "--by", "S1")
    assert code == 0 and "One-time PIN for R1" in err
    one_time = out.strip()
    assert one_time.isdigit() and people.needs_own_pin(people.verify("R1", one_time, NOW))

    stdin.append("482913")
    code, out, err = _run(empty_site, capsys, "staff", "add", "R1", "--name", "again", "--role", "guard", "--by", "S1")
    assert code == 1 and err == "deskconsole staff add: CODE: Code R1 is taken already.\n"

    code, out, err = _run(empty_site, capsys, "staff", "list", "--json")
    listed = json.loads(out)
    assert [(s["code"], s["role"], s["active"], s["one_time_pin"]) for s in listed] == \
        [("R1", "receptionist", True, True), ("S1", "supervisor", True, False)]
    assert "hash" not in out and "scrypt" not in out
    code, out, err = _run(empty_site, capsys, "staff", "list")
    assert "R1    李娜  receptionist  active  one-time" in out

    stdin.append("482913")
    assert _run(empty_site, capsys, "staff", "disable", "R1", "--by", "S1")[:2] == (0, "R1 is disabled.\n")
    with pytest.raises(SignOnError, match="disabled"):
        people.verify("R1", one_time, NOW)
    stdin.append("482913")
    assert _run(empty_site, capsys, "staff", "enable", "R1", "--by", "S1")[0] == 0
    stdin.append("482913")
    code, out, err = _run(empty_site, capsys, "staff", "reset-pin", "R1", "--by", "S1")
    assert code == 0 and out.strip() != one_time and people.verify("R1", out.strip(), NOW).code == "R1"
    stdin.append("482913")
    code, out, err = _run(empty_site, capsys, "staff", "reset-pin", "X9", "--by", "S1")
    assert (code, err) == (1, "deskconsole staff reset-pin: No staff member has the code X9.\n")
    stdin.append("482913")
    code, out, err = _run(empty_site, capsys, "staff", "disable", "S1", "--by", "S1")
    assert code == 1 and "Another supervisor does this for you" in err
    code, out, err = _run(empty_site, capsys, "staff", "disable", "R1", "--by", "S1")     # no PIN given
    assert code == 1 and "No PIN on standard input" in err


def test_import_commands_exit_1_with_every_problem_and_0_with_a_summary(empty_site, capsys, tmp_path):
    bad = tmp_path / "units.csv"
    bad.write_text("房号,电话\n1-101,13800001111\n1-102,none\n,13800001113\n", "utf-8")
    code, out, err = _run(empty_site, capsys, "units", "import", str(bad))
    assert code == 1 and out == ""
    assert err.splitlines() == [
        "row 3, 电话: none is not a phone number: digits, with + - ( ) or spaces.",
        "row 4, 房号: the unit is empty.",
        f"deskconsole units import: {bad} refused, nothing was written: 2 problem(s), listed above.",
    ]
    assert db.Unit.select().count() == 0
    code, out, err = _run(empty_site, capsys, "units", "import", str(tmp_path / "nowhere.csv"))
    assert code == 1 and "Cannot read" in err and "Traceback" not in err

    code, out, err = _run(empty_site, capsys, "units", "template", "--lang", "zh")
    assert code == 0 and out.lstrip("\ufeff").startswith("楼栋,房号,业主,电话,状态,备注\n")
    good = tmp_path / "good.csv"
    good.write_text(out, "utf-8")
    assert _run(empty_site, capsys, "units", "import", str(good), "--dry-run")[1].startswith("Dry run")
    assert db.Unit.select().count() == 0
    code, out, err = _run(empty_site, capsys, "units", "import", str(good))
    assert (code, out.splitlines()[0]) == (0, "good.csv: 3 units added, 0 changed, 0 unchanged.")
    code, out, err = _run(empty_site, capsys, "units", "list", "--json")
    assert [u["code"] for u in json.loads(out)] == ["1-101", "1-102", "2-1503"]
    assert db.AuditEvent.select().where(db.AuditEvent.action == "unit.create").first().actor.code == people.SYSTEM_CODE
    for kind in ("technicians", "keys"):
        path = tmp_path / f"{kind}.csv"
        code, out, err = _run(empty_site, capsys, kind, "template")
        path.write_text(out, "utf-8")
        code, out, err = _run(empty_site, capsys, kind, "import", str(path))
        assert code == 0 and f"3 {kind} added" in out
    code, out, err = _run(empty_site, capsys, "technicians", "list")
    assert "engineering  张师傅 Zhang  13800003333  yes      yes" in out


def test_pins_through_one_pipe_are_each_read_by_their_own_command(tmp_path):
    """A script may feed several commands' PINs through one pipe: each reads its line and no more."""
    env = {**os.environ, "DESKCONSOLE_DB": str(tmp_path / "desk.db"), "LANG": "C.UTF-8"}
    script = ("deskconsole init && deskconsole staff add S1 --name 陈静 --role supervisor && "
              "deskconsole staff add R1 --name 李娜 --role receptionist --by S1 && "
              "deskconsole staff add G1 --name 王强 --role guard --by S1")
    bin_dir = Path(sys.executable).parent
    done = subprocess.run(["bash", "-c", script], input="482913\n482913\n482913\n", capture_output=True, text=True,
                          env={**env, "PATH": f"{bin_dir}:{env['PATH']}"}, timeout=120)
    assert done.returncode == 0, done.stderr
    pins = done.stdout.split()[-2:]
    assert all(p.isdigit() for p in pins) and "Traceback" not in done.stderr
    config = config_mod.load(str(tmp_path / "desk.db"))
    db.connect(config.db_url)
    assert people.verify("G1", pins[1], NOW).role == "guard"


def test_at_a_terminal_the_pin_is_asked_twice_and_ctrl_d_or_ctrl_c_refuses_without_a_traceback(empty_site, capsys,
                                                                                           monkeypatch):
    """Found running the README at a real terminal: getpass raised EOFError through to a traceback."""
    answers: list = []

    def getpass(prompt, stream=None):
        stream.write(prompt)
        answer = answers.pop(0)
        if isinstance(answer, BaseException):
            raise answer
        return answer

    class Terminal(io.StringIO):
        def isatty(self):
            return True

    monkeypatch.setattr(sys, "stdin", Terminal())
    monkeypatch.setattr(cli_setup.getpass, "getpass", getpass)
    for answer in (EOFError(), KeyboardInterrupt()):
        answers[:] = [answer]
        code, out, err = _run(empty_site, capsys, "staff", "add", "S1", "--name", "陈静", "--role", "supervisor")
        assert code == 1 and "No PIN given: nothing was written." in err and "Traceback" not in err
    answers[:] = ["482913", "482931"]
    code, out, err = _run(empty_site, capsys, "staff", "add", "S1", "--name", "陈静", "--role", "supervisor")
    assert code == 1 and "PIN for S1: PIN for S1 (again): " in err and "differ" in err and not people.has_staff()
    answers[:] = ["482913", "482913"]
    assert _run(empty_site, capsys, "staff", "add", "S1", "--name", "陈静", "--role", "supervisor")[0] == 0
    assert people.verify("S1", "482913", NOW).code == "S1"
