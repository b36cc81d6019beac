"""Issue 14 is done when the README's "Set up your site", followed as written on a fresh machine, makes
a site ready: here its command lines run one by one in a shell (the install step aside: this test runs
in the installed program), then each person signs on at the console with a PIN of their own, and a
call for an imported unit is logged and dispatched to an imported technician."""
from __future__ import annotations

import asyncio
import os
import re
import subprocess
import sys
from pathlib import Path

from appkit import make_app, settle, sign_on
from conftest import NOW
from sitekit import STAFF, write_keys, write_technicians, write_units_gbk

from deskconsole import calls, config as config_mod, db, people
from deskconsole.db import Call, WorkOrder
from deskconsole.screens.call_form import CallFormScreen
from deskconsole.screens.console import ConsoleScreen
from deskconsole.screens.order_forms import DispatchForm
from deskconsole.screens.pin import ChoosePinScreen

README = Path(__file__).parent.parent / "README.md"
S1_PIN = "482913"


def section() -> str:
    text = README.read_text("utf-8")
    start = text.index("## Set up your site")
    return text[start:text.index("\n## ", start + 3)]


def steps() -> list[list[str]]:
    """The command lines of each numbered step's code block."""
    blocks = re.findall(r"```sh\n(.*?)```", section(), flags=re.S)
    return [[line.strip() for line in block.splitlines() if line.strip()] for block in blocks]


class Shell:
    """A fresh machine: an empty home and data directory, the installed program on the PATH."""

    def __init__(self, tmp_path: Path):
        self.cwd = tmp_path / "work"
        self.cwd.mkdir()
        home = tmp_path / "home"
        self.env = {**os.environ, "HOME": str(home), "XDG_DATA_HOME": str(home / ".local" / "share"),
                    "LANG": "C.UTF-8", "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}"}
        for name in ("DESKCONSOLE_DB", "DESKCONSOLE_SITE", "LANGUAGE", "LC_ALL", "LC_MESSAGES"):
            self.env.pop(name, None)
        self.one_time: dict[str, str] = {}

    def run(self, line: str) -> str:
        # Standard input is not a terminal here: a PIN is the first line of it. S1's, for every staff command.
        done = subprocess.run(["bash", "-c", line], cwd=self.cwd, env=self.env, capture_output=True, text=True,
                              input=f"{S1_PIN}\n" if " staff add " in f" {line}" else "", timeout=120)
        assert done.returncode == 0, f"{line}\n{done.stderr}"
        assert "Traceback" not in done.stderr
        code = re.search(r"staff add (\S+) .*--by S1", line)
        if code:
            self.one_time[code.group(1)] = done.stdout.strip()
        return done.stdout

    def config(self):
        path = Path(self.env["XDG_DATA_HOME"]) / "deskconsole" / "desk.db"
        assert path.exists()
        return config_mod.load(str(path), lang="en")


def follow_the_section(shell: Shell, fill_in=None) -> list[str]:
    """Every command of the section as written, but the install (this test runs installed) and the
    console itself (signed on below with Pilot). `fill_in()` stands for step 3's editing in Excel."""
    install, *rest, console = steps()
    assert "pip install" in install[0] and console == ["deskconsole"]
    outputs = []
    for block in rest:
        if fill_in is not None and any(" import " in line for line in block):
            fill_in(shell.cwd)
            fill_in = None
        outputs += [shell.run(line) for line in block]
    return outputs


async def first_sign_on(pilot, code: str, one_time: str, own: str) -> None:
    await sign_on(pilot, code, one_time)
    assert isinstance(pilot.app.screen, ChoosePinScreen)
    await pilot.press(*own, "enter", *own, "enter")
    await settle(pilot)
    assert isinstance(pilot.app.screen, ConsoleScreen) and pilot.app.operator.code == code


def sign_everyone_on(config, one_time: dict[str, str]) -> dict[str, str]:
    """Each person's first sign-on, at a console of their own: their own PIN chosen before it opens.
    Returns everyone's own PIN by code."""
    own = {code: f"{7 - i}{3 + i}{9 - i}{1 + i}{5}{i}" for i, code in enumerate(sorted(one_time))}
    for code, pin in one_time.items():
        async def go():
            app = make_app(config)
            async with app.run_test(size=(80, 24)) as pilot:
                await first_sign_on(pilot, code, pin, own[code])
        asyncio.run(go())
    for code, pin in own.items():
        assert people.verify(code, pin, NOW).code == code and not people.needs_own_pin(people.find(code))
    assert people.verify("S1", S1_PIN, NOW).code == "S1"
    return own


def log_and_dispatch(config, pin: str, unit: str, department: str, technician: str) -> WorkOrder:
    """R1 logs a repair call for `unit` at the console, it becomes a work order, and the dispatch form
    sends the technician it offers."""

    async def go():
        app = make_app(config)
        async with app.run_test(size=(80, 24)) as pilot:
            await sign_on(pilot, "R1", pin)
            await pilot.press("n")
            await settle(pilot)
            assert isinstance(app.screen, CallFormScreen)
            await pilot.press(*"13700001111", "tab", *"王[b]小明", "tab", *unit, "tab", "r", "tab", "p", "tab",
                              *"厨房水龙头漏水", "ctrl+s")
            await settle(pilot)
            call = Call.select().order_by(Call.id.desc()).first()
            assert (call.unit.code, call.category, call.taken_by.code) == (unit, "repair", "R1")
            order_id = calls.convert_to_order(app.operator, app.clock.now(), app.engine, call.id,
                                              sla_class="urgent_repair", department=department)
            app.reload()
            await settle(pilot)
            await pilot.press("2", "slash", *f"WO{order_id:05d}", "enter")
            await settle(pilot)
            await pilot.press("d")
            await settle(pilot)
            assert isinstance(app.screen, DispatchForm)
            assert app.screen.query_one("#assignee").value == technician
            await pilot.press("ctrl+s")
            await settle(pilot)
            return order_id

    return WorkOrder.get_by_id(asyncio.run(go()))


def test_a_site_of_300_units_6_staff_8_technicians_and_40_keys_goes_live(tmp_path):
    """The section as written, with the company's own files in place of the examples (step 3): 300 units
    with Chinese headers in GBK, 8 technicians, 40 keys; and step 5's command for each of five people.
    (That the examples themselves import as they are: test_site_setup.)"""
    shell = Shell(tmp_path)

    def fill_in(folder: Path) -> None:
        for kind, header in (("units", "楼栋,房号"), ("technicians", "部门,姓名"), ("keys", "编号,名称")):
            assert (folder / f"{kind}.csv").read_text("utf-8-sig").startswith(header)   # step 3's examples
        units = write_units_gbk(folder / "units.csv")
        write_technicians(folder / "technicians.csv")
        write_keys(folder / "keys.csv", units)

    outputs = follow_the_section(shell, fill_in)
    assert "Dry run, nothing written. units.csv: 300 units would be added, 0 changed, 0 unchanged.\n" in outputs
    for code, name, role in STAFF:
        if code not in shell.one_time:
            shell.run(f'deskconsole staff add {code} --name "{name}" --role {role} --by S1')
    config = shell.config()
    db.connect(config.db_url)
    assert (db.Unit.select().count(), db.Technician.select().count(), db.Key.select().count()) == (300, 8, 40)
    assert len(people.staff_records()) == 6 and len(shell.one_time) == 5
    pins = sign_everyone_on(config, shell.one_time)
    order = log_and_dispatch(config, pins["R1"], "2-305", "engineering", "张师傅")
    assert (order.status, order.department, order.assignee, order.unit.code) == \
        ("dispatched", "engineering", "张师傅", "2-305")
