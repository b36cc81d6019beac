"""The README's section "Running the desk for several people over SSH" agrees with the real program:
its command lines parse with the real argument parser, the ForceCommand lands in the console with
the shared database, and the files it relies on are made group-writable whatever the umask."""
from __future__ import annotations

import os
import re
import shlex
import stat
from pathlib import Path

import pytest

from deskconsole import cli, db, people

README = Path(__file__).parent.parent / "README.md"
SHARED_DB = "/srv/desk/desk.db"


def section() -> str:
    text = README.read_text()
    start = text.index("## Running the desk for several people over SSH")
    end = text.find("\n## ", start + 3)
    return text[start:end if end > 0 else None]


def code_lines() -> list[str]:
    blocks = re.findall(r"```[a-z]*\n(.*?)```", section(), flags=re.S)
    return [line.strip() for block in blocks for line in block.splitlines() if line.strip()]


def deskconsole_args(line: str) -> list[str]:
    """The arguments after the program name on a line that runs deskconsole (comments and the
    shell's $(...) left out)."""
    line = re.sub(r"\$\([^)]*\)", "X", line.split(" #")[0]).replace("\\%", "%")
    words = shlex.split(line)
    at = next(i for i, w in enumerate(words) if w == "deskconsole" or w.endswith("/deskconsole"))
    return words[at + 1:]


def test_every_command_in_the_section_parses_with_the_real_parser():
    lines = [line for line in code_lines() if re.search(r"(^|[\s/])deskconsole\s", line)]
    assert len(lines) >= 4, lines
    parser = cli._parser()
    for line in lines:
        args = deskconsole_args(line)
        parsed = parser.parse_args(args)           # SystemExit(2) on an option the program has not
        assert parsed.db.startswith("/srv/desk/"), line
        if parsed.command:
            assert parsed.command in cli.COMMANDS or hasattr(parsed, "handler"), line


def test_force_command_lands_in_the_console_on_the_shared_database():
    lines = code_lines()
    match = lines.index("Match Group desk")
    force = [line for line in lines[match:] if line.startswith("ForceCommand ")]
    assert len(force) == 1
    command = force[0].removeprefix("ForceCommand ")
    assert shlex.split(command)[0].startswith("/"), "sshd runs ForceCommand through a shell: give the full path"
    parsed = cli._parser().parse_args(deskconsole_args(command))
    assert parsed.command is None and parsed.db == SHARED_DB     # the console, nothing else
    assert cli.COMMANDS["console"] is cli.run_console


def test_the_section_names_the_group_the_setgid_directory_and_the_backup_command():
    text = section()
    assert "groupadd desk" in text and "-m 2770 -g desk /srv/desk" in text
    assert "deskconsole backup" in text and "never by copying" in text
    backup = next(line for line in code_lines() if " backup " in line)
    parsed = cli._parser().parse_args(deskconsole_args(backup))
    assert parsed.command == "backup" and parsed.dest.startswith("/srv/desk/backup/")


def test_database_wal_shm_and_backup_are_group_writable_under_a_strict_umask(tmp_path):
    shared = tmp_path / "desk"
    shared.mkdir()
    os.chmod(shared, 0o2770)
    old = os.umask(0o077)
    try:
        db.connect("sqlite:///" + str(shared / "desk.db"))
        from datetime import datetime, timezone
        people.create_first_supervisor(datetime.now(timezone.utc), code="S1", name="陈静", pin="0000")
        db.backup(shared / "backup" / "desk-03.db")
    finally:
        os.umask(old)
    for name in ("desk.db", "desk.db-wal", "desk.db-shm", "backup/desk-03.db"):
        mode = stat.S_IMODE((shared / name).stat().st_mode)
        assert mode == 0o660, (name, oct(mode))
        assert (shared / name).stat().st_gid == shared.stat().st_gid, name


@pytest.mark.parametrize("args", [["--db", SHARED_DB], ["--db", SHARED_DB, "--operator", "G1"]])
def test_the_console_options_of_the_readme_commands_table_exist(args):
    parsed = cli._parser().parse_args(args)
    assert parsed.command is None
