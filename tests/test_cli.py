"""The sub-commands: init, export, backup, check, and the demo's refusal to replace a real database."""
from __future__ import annotations

import json
import subprocess
import sys

import pytest

from deskconsole import cli, db


def deskconsole(*args: str, env=None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "deskconsole", *args], capture_output=True, text=True,
                          env=env, timeout=120)


def test_init_then_check(tmp_path):
    path = tmp_path / "site" / "desk.db"
    result = deskconsole("init", "--db", str(path))
    assert result.returncode == 0, result.stderr
    result = deskconsole("check", "--db", str(path))
    assert result.returncode == 0 and "check: ok" in result.stdout


def test_export_of_a_seeded_database(demo_site, capsys):
    assert cli.main(["export", "--db", demo_site.db_url]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["schema_version"] == db.SCHEMA_VERSION
    for table in ("units", "staff", "calls", "work_orders", "shifts", "shift_log", "keys", "key_loans", "audit"):
        assert isinstance(data[table], list) and data[table], table
    assert len(data["calls"]) == 2000 and len(data["units"]) == 288
    assert all("pin_hash" not in s for s in data["staff"])
    assert "scrypt$" not in json.dumps(data)
    assert data["calls"][0]["received_at"].endswith("+08:00")
    assert any(c["caller"] == "王[b]小明" for c in data["calls"])
    assert all("\x1b" not in c["caller"] for c in data["calls"])
    assert data["audit"][0]["data"] == {"after": {"count": 288}}


@pytest.mark.sqlite_only("copies the SQLite file; a PostgreSQL site is backed up with pg_dump, tested apart")
def test_backup_then_check_the_copy(demo_site, tmp_path):
    dest = tmp_path / "backup.db"
    assert cli.main(["backup", "--db", demo_site.db_url, str(dest)]) == 0
    result = deskconsole("check", "--db", str(dest))
    assert result.returncode == 0, result.stdout + result.stderr


def test_check_reports_a_broken_audit_chain(demo_site):
    db.AuditEvent.update(action="forged").where(db.AuditEvent.id == 3).execute()
    db.close()
    result = deskconsole("check", "--db", demo_site.db_url)
    assert result.returncode == 1
    assert "audit event 3: its content was changed" in result.stdout


@pytest.mark.sqlite_only("the demo is a SQLite file")
def test_demo_will_not_replace_a_real_database(demo_site):
    path = demo_site.db_url
    db.close()
    result = deskconsole("demo", "--db", path)
    assert result.returncode == 2
    assert "is not a demo database" in result.stderr


def test_bad_site_file_is_a_clear_message(tmp_path):
    site = tmp_path / "site.toml"
    site.write_text('timezone = "Mars/Olympus"\n')
    result = deskconsole("check", "--db", str(tmp_path / "d.db"), "--site", str(site))
    assert result.returncode == 2 and "unknown time zone 'Mars/Olympus'" in result.stderr


def test_init_demo_data_refuses_a_database_with_staff(demo_site):
    path = demo_site.db_url
    db.close()
    result = deskconsole("init", "--demo-data", "--db", path)
    assert result.returncode == 2 and "has data already" in result.stderr


@pytest.mark.parametrize("value", ["tmp.db", "sqlite:///x.db"])
def test_db_url_from_path_or_url(value, tmp_path, monkeypatch):
    from deskconsole.config import db_url_from
    monkeypatch.chdir(tmp_path)
    url = db_url_from(value)
    assert url.startswith("sqlite:///")


def test_options_before_or_after_the_sub_command(tmp_path):
    before, after = tmp_path / "before.db", tmp_path / "after.db"
    assert deskconsole("--db", str(before), "init").returncode == 0
    assert deskconsole("init", "--db", str(after)).returncode == 0
    assert before.exists() and after.exists()


def test_the_console_starts_without_the_sub_commands_modules():
    """`deskconsole` alone parses without importing the report writers and the other sub-commands;
    a sub-command on the line imports its own module, and --help lists them all."""
    import subprocess
    import sys
    probe = ("import sys; from deskconsole import cli; cli._parser({argv}); "
             "print(sorted(m for m in sys.modules if m.startswith('deskconsole.cli.') and m != 'deskconsole.cli.common' "
             "or m == 'deskconsole.report_files'))")
    def loaded(argv):
        out = subprocess.run([sys.executable, "-c", probe.format(argv=argv)], capture_output=True, text=True, check=True)
        return out.stdout.strip()
    assert loaded("['--db', 'x.db']") == "[]"
    assert loaded("['report', '--month', '2026-11']") == "['deskconsole.cli.report', 'deskconsole.report_files']"
    assert "deskconsole.cli.call" in loaded("['--help']")


def test_a_mistake_on_the_line_names_every_sub_command(capsys):
    """The parser knows only the sub-commands named on the line (see above); a mistake is parsed
    again with all of them, so the usage line and the message list every one, not the ones loaded."""
    with pytest.raises(SystemExit) as exit_:
        cli.main(["bogus"])
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert "{" + ",".join(cli.SUBCOMMANDS) + "}" in err
    assert "invalid choice: 'bogus'" in err and f"'{cli.SUBCOMMANDS[-1]}')" in err
    with pytest.raises(SystemExit) as exit_:
        cli.main(["report", "--month"])
    assert exit_.value.code == 2
    assert "usage: deskconsole report" in capsys.readouterr().err


def test_export_gives_audit_payload_times_with_the_sites_offset(demo_site):
    from deskconsole import export
    events = [e for e in export.export_data(demo_site)["audit"] if e["action"] == "order.extend.request"]
    assert events
    data = events[0]["data"]
    assert data["until"].endswith("+08:00") and data["current_due_at"].endswith("+08:00")
    assert data["until"].startswith("2026-") and "T" in data["until"]


def test_version():
    result = deskconsole("--version")
    assert result.returncode == 0 and result.stdout.startswith("deskconsole 0.")


def test_the_demo_says_where_its_database_is_and_how_to_open_a_second_console(tmp_path):
    from deskconsole.cli import demo
    path = tmp_path / "my data" / "demo.db"
    text = demo.notice(path)
    assert f"demo database: {path}" in text
    assert f"deskconsole --db '{path}'" in text and "PIN 0000" in text
