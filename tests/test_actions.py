"""The rules that keep "one table of actions" true, checked on the source and on the classes: which
module may import which, every binding has an id and a default key in keymap.py, every key of a pane
has its action in screens/actions.py, every action's words are translated; and the site file's
[keymap], checked when it is read."""
from __future__ import annotations

import ast
import importlib
import pkgutil
import string
import subprocess
import sys
from pathlib import Path

import pytest
from textual.binding import Binding
from textual.keys import _normalize_key_list, format_key

from deskconsole import config as config_mod
from deskconsole import i18n, keymap, people
from deskconsole.screens import actions
from deskconsole.widgets.panes import PANES

PACKAGE = Path(__file__).parent.parent / "deskconsole"
UI_PACKAGES = ("screens", "widgets")


# --- imports, read from the source (inside functions too) ---------------------------------------

def _under_type_checking(tree: ast.AST) -> set[int]:
    """ids of the import nodes inside `if TYPE_CHECKING:` (annotations only, never run)."""
    skipped = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING":
            skipped |= {id(inner) for inner in ast.walk(node)}
    return skipped


def imported(path: Path, root: Path = PACKAGE) -> set[str]:
    """Every module `path` (a file of the package at `root`) imports, as an absolute name, wherever the
    import statement stands; for `from X import name` both X and X.name (which may be a module)."""
    package = ".".join(path.relative_to(root.parent).with_suffix("").parts[:-1])
    tree = ast.parse(path.read_text())
    skipped = _under_type_checking(tree)
    names: set[str] = set()
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = ".".join(package.split(".")[:len(package.split(".")) - node.level + 1])
                module = f"{base}.{node.module}" if node.module else base
            else:
                module = node.module or ""
            names.add(module)
            names |= {f"{module}.{alias.name}" for alias in node.names}
    return names


def ui_modules() -> dict[str, Path]:
    return {".".join(path.relative_to(PACKAGE.parent).with_suffix("").parts): path
            for folder in UI_PACKAGES for path in (PACKAGE / folder).glob("*.py")}


def test_imports_are_read_from_the_source_inside_functions_too(tmp_path):
    """The reader the rules below rely on sees a relative import inside a function."""
    folder = tmp_path / "deskconsole" / "widgets"
    folder.mkdir(parents=True)
    probe = folder / "probe.py"
    probe.write_text("def f():\n    from ..screens.form import FormScreen\n    from .. import db\n")
    assert {"deskconsole.screens.form", "deskconsole.db"} <= imported(probe, tmp_path / "deskconsole")


def test_widgets_never_import_screens():
    offenders = [f"{name}: {module}" for name, path in ui_modules().items() if name.startswith("deskconsole.widgets")
                 for module in imported(path) if module.startswith("deskconsole.screens")]
    assert offenders == []


def test_screens_and_widgets_never_import_the_store():
    """No peewee, no deskconsole.db: they call desk functions, and catch errors.StoreError."""
    offenders = [f"{name}: {module}" for name, path in ui_modules().items() for module in imported(path)
                 if module.split(".")[0] in ("peewee", "playhouse") or module == "deskconsole.db"
                 or module.startswith("deskconsole.db.")]
    assert offenders == []


def test_no_import_cycle_among_screens_and_widgets():
    modules = ui_modules()
    graph = {name: {m for m in imported(path) if m in modules and m != name} for name, path in modules.items()}
    cycles = []

    def visit(name: str, trail: list[str]) -> None:
        for other in sorted(graph[name]):
            if other in trail:
                cycles.append(" -> ".join(trail[trail.index(other):] + [other]))
            elif other not in done:
                visit(other, trail + [other])
        done.add(name)

    done: set[str] = set()
    for name in sorted(graph):
        if name not in done:
            visit(name, [name])
    assert cycles == []


# --- bindings, the keymap registry and the action table -------------------------------------------

def binding_classes() -> list[type]:
    """Every screen and widget class of the package that declares BINDINGS of its own."""
    found = []
    for folder in UI_PACKAGES:
        for info in pkgutil.iter_modules([str(PACKAGE / folder)]):
            module = importlib.import_module(f"deskconsole.{folder}.{info.name}")
            found += [obj for obj in vars(module).values()
                      if isinstance(obj, type) and obj.__module__ == module.__name__ and "BINDINGS" in vars(obj)]
    return found


def test_every_binding_has_an_id_and_its_default_key_in_keymap():
    classes = binding_classes()
    assert len(classes) >= 20
    for cls in classes:
        bindings = list(cls.BINDINGS)
        assert all(isinstance(b, Binding) and b.id for b in bindings), cls.__name__
        assert {b.id: b.key for b in bindings} == keymap.GROUPS.get(cls.__name__), cls.__name__
    assert {cls.__name__ for cls in classes} == set(keymap.GROUPS)


def test_an_id_two_classes_share_has_one_default_key():
    seen: dict[str, str] = {}
    for group in keymap.GROUPS.values():
        for binding_id, key in group.items():
            assert seen.setdefault(binding_id, key) == key, binding_id


def test_every_key_of_a_pane_and_of_a_record_screen_has_its_action():
    for pane in PANES:
        ids = [b.id for b in pane.BINDINGS]
        assert ids and all(actions.ACTIONS[i].pane == pane.pane_id for i in ids), pane.__name__
        assert actions.ACTIONS[f"{pane.pane_id}.open"].needs_record
        assert pane.pane_id in actions.CHOOSE
    requests = [b for cls in binding_classes() for b in cls.BINDINGS if b.action.startswith("request(")]
    assert len(requests) > 20
    for binding in requests:
        assert binding.action == f"request({binding.id!r})" and binding.id in actions.ACTIONS, binding


def test_every_action_has_a_known_permission_a_pane_and_a_way_to_run_it():
    panes = {pane.pane_id for pane in PANES} | {"console"}
    for action in actions.TABLE:
        assert action.permission is None or action.permission in people.PERMISSIONS, action.id
        assert action.pane in panes, action.id
        assert action.binding in keymap.DEFAULTS or action.title, f"{action.id}: no key and not in the palette"
        assert action.help or action.title or action.id == "console.clear_filter", action.id
    assert len(actions.ACTIONS) == len(actions.TABLE)


def _table_words() -> list[str]:
    words = [w for a in actions.TABLE for w in (a.title, a.help, a.refused, a.choose) if w]
    words += list(actions.CHOOSE.values())
    words += [heading for heading, _ in actions.OTHER_KEYS]
    words += [text for _, entries in actions.OTHER_KEYS for _, text in entries]
    return words


def test_every_word_of_the_table_has_its_chinese_with_the_same_keys():
    catalogue = i18n.load_catalogue("zh")
    fields = lambda text: {name for _, name, _, _ in string.Formatter().parse(text) if name}  # noqa: E731
    words = _table_words()
    assert [w for w in words if w not in catalogue] == []
    assert [w for w in words if fields(w) != fields(catalogue[w])] == []
    assert {f for w in words for f in fields(w)} <= set(keymap.DEFAULTS)


def test_the_help_and_the_palette_are_made_from_the_table_in_both_languages():
    class App:
        config = config_mod.Config(db_url="sqlite:///x")
        COMMAND_PALETTE_BINDING = "ctrl+p"

    sections = dict(actions.help_sections(App()))
    assert ("d", "Dispatch: department, person, booked visit time") in sections["2 Work orders"]
    assert ("1 2 3 4", "Show Calls, Work orders, Shift log, Keys") in sections["Console"]
    assert ("Enter", "The order with its reminders and whole history") in sections["2 Work orders"]
    i18n.set_language("zh")
    sections = dict(actions.help_sections(App()))
    assert ("d", "派工：部门、人员、预约上门时间") in sections["2 工单"]
    assert ("r", "归还钥匙：状况、备注，由你接收") in sections["4 钥匙"]


# --- the keymap ---------------------------------------------------------------------------------

@pytest.mark.parametrize("key", ["?", "/", "+", "-", "[", "]", "@", "_", "\\", "D", "d", "1", "ctrl+d", "f5",
                                 "question_mark", "pageup", "shift+tab", "¥"])
def test_keys_are_named_as_textual_names_them(key):
    assert keymap.normalize(key) == _normalize_key_list(key)


def test_every_default_key_is_a_key_and_reads_as_people_say_it():
    assert all(keymap.is_key(key) for key in keymap.DEFAULTS.values())
    assert [keymap.label(k) for k in ("ctrl+q", "question_mark", "escape", "shift+tab", "slash", "enter", "A")] == \
        ["Ctrl+Q", "?", "Esc", "Shift+Tab", "/", "Enter", "A"]
    signs = [key for key in keymap.DEFAULTS.values() if key in keymap.SIGNS]
    assert signs and all(keymap.label(key) == format_key(key) for key in signs)


def test_the_default_keys_do_not_clash():
    assert keymap.check({}) == {}


def test_a_keymap_is_kept_normalized_and_keys_may_swap():
    assert keymap.check({"orders.dispatch": "D", "console.help": "?", "keys.return": "R, ctrl+r"}) == \
        {"orders.dispatch": "D", "console.help": "question_mark", "keys.return": "R,ctrl+r"}
    assert keymap.check({"orders.dispatch": "a", "orders.arrive": "d"}) == {"orders.dispatch": "a", "orders.arrive": "d"}


@pytest.mark.parametrize("table, said", [
    ({"orders.dispach": "D"}, '"orders.dispach": no key binding has this id (did you mean "orders.dispatch"?)'),
    ({"nothing.like.it": "D"}, '"nothing.like.it": no key binding has this id'),
    ({"orders.dispatch": "ctrl+"}, '"orders.dispatch" = "ctrl+": "ctrl+" is not a key'),
    ({"orders.dispatch": "ctrl+D"}, '"ctrl+D" is not a key'),
    ({"orders.dispatch": ""}, '"orders.dispatch" = "": "" is not a key'),
    ({"orders.dispatch": 4}, '"orders.dispatch" = 4 is not a key'),
    ({"orders.dispatch": "ctrl+p"}, "Ctrl+P is the command palette's key"),
    ({"orders.dispatch": "a"}, '"orders.dispatch" = "a": a is already the key of "orders.arrive" on the same screen'),
    ({"calls.new": "1"}, '"calls.new" = "1": 1 is already the key of "console.pane1"'),
    (["orders.dispatch"], "[keymap] must be a table"),
])
def test_a_keymap_that_cannot_be_used_is_refused_naming_the_entry(table, said):
    with pytest.raises(ValueError) as refused:
        keymap.check(table)
    assert said in str(refused.value) and "\n" not in str(refused.value)


def test_fill_says_each_key_as_this_console_has_it():
    assert keymap.fill("press {keys.return} or {orders.dispatch}", {"keys.return": "R"}) == "press R or d"


def _site(tmp_path, keymap_lines: str) -> Path:
    site = tmp_path / "site.toml"
    site.write_text(f'site_name = "Test"\n\n[keymap]\n{keymap_lines}\n', encoding="utf-8")
    return site


def test_the_site_file_keymap_is_read_with_the_site(tmp_path):
    site = _site(tmp_path, '"orders.dispatch" = "D"\n"console.help" = "?"')
    config = config_mod.load(str(tmp_path / "desk.db"), str(site), "en")
    assert config.keymap == {"orders.dispatch": "D", "console.help": "question_mark"}


def test_a_bad_keymap_is_refused_when_the_site_file_is_read(tmp_path):
    site = _site(tmp_path, '"orders.dispach" = "D"')
    with pytest.raises(config_mod.ConfigError) as refused:
        config_mod.load(str(tmp_path / "desk.db"), str(site), "en")
    assert str(refused.value).startswith('site file [keymap] "orders.dispach"')


def test_deskconsole_check_reports_a_bad_keymap_in_one_line(tmp_path):
    site = _site(tmp_path, '"orders.dispatch" = "a"')
    result = subprocess.run([sys.executable, "-m", "deskconsole", "check", "--db", str(tmp_path / "desk.db"),
                             "--site", str(site)], capture_output=True, text=True, timeout=120)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and '"orders.dispatch" = "a"' in lines[0] and "orders.arrive" in lines[0], result.stderr


def test_the_readme_site_file_and_its_keymap_ids_are_accepted():
    """The README's site file example is read as it stands, and every id the README names is one."""
    import re
    import tomllib
    readme = (PACKAGE.parent / "README.md").read_text()
    section = readme[readme.index("## The site file"):readme.index("## Design in a page")]
    example = re.search(r"```toml\n(.*?)```", section, flags=re.S).group(1)
    config = config_mod.Config(db_url="sqlite:///x")
    config_mod.apply_site(config, tomllib.loads(example))
    assert config.keymap == {"orders.dispatch": "D", "keys.return": "R,ctrl+r"}
    named = set(re.findall(r"`([a-z_]+\.[a-z_0-9]+)`", section))
    assert len(named) > 30 and named <= set(keymap.DEFAULTS)
