"""The desk modules the panes read through, the text boundary, countdowns, the change feed, the import rule."""
from __future__ import annotations

import ast
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
from conftest import NOW

from deskconsole import calls, console_data, countdown, db, keys, orders, people, shifts
from deskconsole.countdown import wall_deadline
from deskconsole.feed import ChangeFeed
from deskconsole.text import clean, one_line

PACKAGE = Path(__file__).parent.parent / "deskconsole"
# The Textual side: the app, the screens and widgets, and the two commands that open the console
# (they may import Textual, lazily). Every other module, in any subpackage, is plain Python.
UI_PACKAGES = {"screens", "widgets"}
UI_MODULES = {"app.py", "__main__.py", "cli/console.py", "cli/demo.py"}


def plain_modules() -> list[Path]:
    """Every module that must not import Textual: the desk (shifts/ too) and the command line but
    the console's two commands."""
    found = [path for path in sorted(PACKAGE.rglob("*.py"))
             if path.relative_to(PACKAGE).parts[0] not in UI_PACKAGES
             and path.relative_to(PACKAGE).as_posix() not in UI_MODULES]
    names = {path.relative_to(PACKAGE).as_posix() for path in found}
    assert {"calls.py", "export.py", "shifts/handover.py", "shifts/sheet.py", "cli/__init__.py",
            "cli/report.py", "cli/common.py"} <= names   # the walk reaches into the subpackages
    return found


def module_name(path: Path) -> str:
    parts = ("deskconsole",) + path.relative_to(PACKAGE).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def test_no_desk_module_imports_textual():
    offenders = []
    for path in plain_modules():
        for node in ast.walk(ast.parse(path.read_text())):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else (
                [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            offenders += [f"{path.relative_to(PACKAGE)}: {n}" for n in names if n.split(".")[0] == "textual"]
    assert offenders == []


def test_desk_modules_load_without_textual():
    modules = ", ".join(module_name(path) for path in plain_modules())
    code = f"import sys, {modules}; print('textual' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"


def test_screens_keep_their_styles_in_the_tcss_file():
    """Screens' styles live in deskconsole.tcss (DeskApp.CSS_PATH); DEFAULT_CSS only in reusable widgets."""
    offenders = [f"{path.name}: {target.id}" for path in (PACKAGE / "screens").glob("*.py")
                 for node in ast.walk(ast.parse(path.read_text())) if isinstance(node, ast.Assign)
                 for target in node.targets if isinstance(target, ast.Name) and target.id.endswith("CSS")]
    assert offenders == []
    assert (PACKAGE / "deskconsole.tcss").is_file()


@pytest.mark.parametrize("raw, stored", [
    ("王[b]小明", "王[b]小明"),
    ("[/x] \x1b[2J", "[/x]"),
    ("a\x00b\x07c", "abc"),
    ("  spaced  ", "spaced"),
    ("line\nbreak", "line break"),
    ("evil\u202ereversed", "evilreversed"),
    ("👩‍🔧 ok", "👩‍🔧 ok"),
])
def test_clean_strips_controls_and_keeps_the_rest(raw, stored):
    assert clean(raw) == stored


def test_clean_multiline_keeps_line_breaks():
    assert clean("one\r\ntwo\x1b]0;title\x07", multiline=True) == "one\ntwo"
    assert one_line("one\ntwo") == "one two"


def test_countdown_precision_adapts(clock):
    now = clock.now()
    fmt = countdown.format_left
    assert fmt(now + timedelta(days=2, hours=5, minutes=3), now) == "2d05h"
    assert fmt(now + timedelta(hours=5, minutes=7, seconds=30), now) == "5h07m"
    assert fmt(now + timedelta(minutes=47, seconds=10), now) == "47m"
    assert fmt(now + timedelta(minutes=9, seconds=32), now) == "9m32s"
    assert fmt(now - timedelta(minutes=12, seconds=5), now) == "OVER 12m"


def test_countdown_bands_and_markers(clock):
    start = clock.now()
    deadline = wall_deadline(start, start + timedelta(minutes=100))
    at = lambda m: start + timedelta(minutes=m)  # noqa: E731
    assert [deadline.band(at(m)) for m in (0, 50, 75, 90, 100)] == ["", "band50", "band75", "band90", "over"]
    text, band = countdown.render(deadline, at(101))
    assert band == "over" and text.startswith(countdown.MARKERS["over"]) and "OVER" in text


def test_open_orders_are_sorted_by_what_breaches_first(demo_site, clock):
    engine = demo_site.sla_engine()
    rows = orders.open_orders(engine)
    assert len(rows) == 60
    dues = [o.next_due for o in rows if o.next_due]
    assert dues == sorted(dues)
    assert orders.overdue_count(rows, clock.now()) == sum(1 for d in dues if d <= clock.now()) > 0


def test_an_order_gets_both_clocks_from_the_catalogue(demo_site, clock):
    engine = demo_site.sla_engine()
    r1 = people.find("R1")
    order_id = orders.create_order(r1, clock.now(), engine, sla_class="emergency", unit_code="1-1203",
                                   description="跑水 [b]flood[/b]")
    row = next(o for o in orders.open_orders(engine) if o.id == order_id)
    assert [c.kind for c in row.clocks] == ["respond", "resolve"]
    assert row.clocks[0].due == clock.now() + timedelta(minutes=10)
    assert row.description == "跑水 [b]flood[/b]"
    orders.arrive(people.find("G1"), clock.now(), order_id)
    row = next(o for o in orders.open_orders(engine) if o.id == order_id)
    assert [c.kind for c in row.clocks] == ["resolve"]


def test_a_transition_has_one_winner(demo_site, clock):
    engine = demo_site.sla_engine()
    r1, r2 = people.find("R1"), people.find("R2")
    order_id = orders.create_order(r1, clock.now(), engine, sla_class="general_repair", unit_code="1-101",
                                   description="window")
    orders.dispatch(r1, clock.now(), order_id, department="engineering")
    with pytest.raises(orders.Conflict, match="already dispatched .by R1"):
        orders.dispatch(r2, clock.now(), order_id, department="engineering")


def test_calls_pane_window_puts_open_emergencies_first(demo_site, clock):
    r1 = people.find("R1")
    calls.add_call(r1, clock.now() - timedelta(hours=1), category="emergency", channel="phone",
                   text="跑水", unit_code="2-1501")
    calls.add_call(r1, clock.now(), category="inquiry", channel="phone", text="停车", caller="王[b]小明")
    rows = calls.recent(limit=50)
    assert rows[0].is_open_emergency
    assert len(rows) <= 50 + 50
    assert any(r.caller == "王[b]小明" for r in rows)


def test_call_refusals_name_the_field(demo_site, clock):
    r1 = people.find("R1")
    cases = [
        (dict(unit_code="9-9999"), "unit"),
        (dict(phone="abc123"), "phone"),
        (dict(text="   "), "text"),
        (dict(text="x" * 2001), "text"),
        (dict(category="gossip"), "category"),
    ]
    count = db.Call.select().count()
    for change, field in cases:
        fields = dict(category="inquiry", channel="phone", text="ok") | change
        with pytest.raises(people.InvalidInput) as err:
            calls.add_call(r1, clock.now(), **fields)
        assert err.value.field == field
    assert db.Call.select().count() == count


def test_keys_out_first_overdue_at_the_top(demo_site, clock):
    rows = keys.board()
    out = [k for k in rows if k.status == "out"]
    assert rows[: len(out)] == out
    assert [k.due_at for k in out] == sorted(k.due_at for k in out)
    assert any(k.overdue(clock.now()) for k in out)


def test_a_key_is_returned_once(demo_site, clock):
    g1, g2 = people.find("G1"), people.find("G2")
    key = next(k for k in keys.board() if k.status == "out")
    keys.return_key(g1, clock.now(), key.id)
    with pytest.raises(people.InvalidInput, match="returned already .received by G1"):
        keys.return_key(g2, clock.now(), key.id)


def test_shift_bounds_follow_the_site_shifts(empty_site, clock):
    kind, start, end = shifts.shift_bounds(empty_site, clock.now())  # 22:00 local
    assert kind == "night"
    assert (start.hour, end.hour) == (12, 0)  # 20:00 and 08:00 in Shanghai, in UTC
    kind, start, _ = shifts.shift_bounds(empty_site, clock.now() + timedelta(hours=12))  # 10:00 local
    assert kind == "day" and start.hour == 0


def test_sign_on_opens_then_joins_the_shift_without_taking_the_desk(demo_site, clock):
    r1, g1, s1 = people.find("R1"), people.find("G1"), people.find("S1")
    first = shifts.sign_on(r1, clock.now(), config=demo_site)
    assert first.holder_code == "R1"
    looked_in = shifts.sign_on(s1, clock.now(), config=demo_site)
    assert looked_in.id == first.id and looked_in.holder_code == "R1"
    assert shifts.current(demo_site, clock.now()).holder_code == "R1"
    # Once the holder has signed off, the next to sign on takes the desk.
    clock.advance(minutes=5)
    shifts.sign_off(r1, clock.now(), config=demo_site, note="doctor's appointment")
    assert shifts.sign_on(g1, clock.now(), config=demo_site).holder_code == "G1"
    assert shifts.current(demo_site, clock.now()).holder_code == "G1"


def test_console_data_loads_every_pane(demo_site, clock):
    data = console_data.load(demo_site, demo_site.sla_engine(), clock.now())
    assert data.calls and data.orders and data.log and data.keys
    assert data.open_log_items == 2


def test_change_feed_sees_another_processes_commit(demo_site, clock):
    feed = ChangeFeed(demo_site.db_url)
    assert not feed.changed()
    script = (
        "from datetime import datetime, timezone\n"
        "from deskconsole import db, calls, people\n"
        f"db.connect({demo_site.db_url!r})\n"
        "calls.add_call(people.find('R1'), datetime.now(timezone.utc), category='other', channel='phone', text='x')\n"
    )
    subprocess.run([sys.executable, "-c", script], check=True)
    # Within a second (SQLite's data_version moves at once; PostgreSQL's notification comes just after).
    assert _within_a_second(feed.changed)
    assert not feed.changed()
    # This process's own writes count too: the feed has a connection of its own.
    calls.add_call(people.find("R1"), clock.now(), category="other", channel="phone", text="y")
    assert _within_a_second(feed.changed)
    feed.close()


def _texts() -> list[str]:
    """Every name and note of the demo a person reads."""
    rows = [db.Staff.select(db.Staff.name), db.Call.select(db.Call.caller, db.Call.text),
            db.WorkOrder.select(db.WorkOrder.description, db.WorkOrder.assignee),
            db.ShiftLogEntry.select(db.ShiftLogEntry.text), db.Technician.select(db.Technician.name),
            db.KeyLoan.select(db.KeyLoan.holder_name, db.KeyLoan.holder_company, db.KeyLoan.holder_document)]
    return [value for query in rows for row in query.tuples() for value in row if value]


def test_the_demo_a_trainee_opens_is_believable(empty_site):
    """`deskconsole demo` and `init --demo-data`: no hostile test strings, Chinese punctuated as a clerk
    writes it (跑水，已关总阀). The tests' own demo keeps the hostile texts (conftest: hostile=True)."""
    from deskconsole import demo
    from deskconsole.text import zh_punctuation
    demo.seed(empty_site, NOW, call_count=300, open_orders=30)
    texts = _texts()
    assert [t for t in texts if "[" in t or "\x1b" in t] == []
    assert [t for t in texts if zh_punctuation(t) != t] == []
    assert "1-1203 跑水，已关总阀 main valve shut" in texts and "张敏" in texts


def test_the_tests_demo_keeps_its_hostile_texts(demo_site):
    texts = _texts()
    assert "张[b]敏" in texts and any("[/x]" in t for t in texts) and any("[@click=app.quit]" in t for t in texts)
def _within_a_second(condition) -> bool:
    end = time.monotonic() + 1.0
    while not condition():
        if time.monotonic() > end:
            return False
        time.sleep(0.01)
    return True
