"""Tests for deskconsole.widgets.record_table.RecordTable.

pytest-asyncio / anyio are not installed: every test is a plain function that runs its
coroutine with `asyncio.run`, driving the app with `App.run_test()`.
"""

from __future__ import annotations

import asyncio
import re
from typing import Awaitable, Callable

import pytest
from rich.cells import cell_len

from textual.app import App, ComposeResult
from textual.geometry import Region

from deskconsole.widgets.record_table import (
    Column,
    RecordTable,
    Row,
    clean_text,
    fit_cell,
)

SIZE = (80, 24)

COLUMNS = [
    Column("id", "No.", width=5, align="right"),
    Column("name", "Name"),  # flexible
    Column("unit", "Unit", width=6),
    Column("due", "Due", width=7, align="right"),
]


# ---------------------------------------------------------------------- helpers


class SpyTable(RecordTable):
    """Records every call to `refresh` (the only way the widget asks for a repaint)."""

    def refresh(self, *regions, **kwargs):  # type: ignore[override]
        calls = self.__dict__.get("refresh_calls")
        if calls is not None:
            calls.append((regions, kwargs))
        return super().refresh(*regions, **kwargs)

    def start_spying(self) -> list:
        self.__dict__["refresh_calls"] = []
        return self.__dict__["refresh_calls"]

    def stop_spying(self) -> None:
        self.__dict__.pop("refresh_calls", None)


class TableApp(App):
    def __init__(self, table: RecordTable, *, second: bool = False) -> None:
        super().__init__()
        self.table = table
        self.second = second
        self.events: list[tuple[str, object]] = []

    def compose(self) -> ComposeResult:
        yield self.table
        if self.second:
            yield RecordTable([Column("x", "X")], id="other")

    def on_record_table_row_highlighted(self, event: RecordTable.RowHighlighted) -> None:
        assert event.control is self.table
        self.events.append(("highlighted", event.key))

    def on_record_table_row_selected(self, event: RecordTable.RowSelected) -> None:
        self.events.append(("selected", event.key))


def run(app: App, test: Callable[..., Awaitable[None]]) -> None:
    async def main() -> None:
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause()
            await test(pilot)

    asyncio.run(main())


def make_rows(count: int, **dynamic_for: object) -> list[Row]:
    return [
        Row(
            key=f"k{index}",
            cells={"id": str(index), "name": f"name {index}", "unit": f"U{index}"},
            dynamic={"due": dynamic_for.get(f"k{index}", 1000)},
        )
        for index in range(count)
    ]


def cells_at(text: str, x: int, width: int) -> str:
    """The characters of `text` occupying terminal cells [x, x + width)."""
    out = []
    position = 0
    for character in text:
        size = cell_len(character)
        if position >= x and position + size <= x + width:
            out.append(character)
        position += size
    return "".join(out)


def column_geometry(table: RecordTable) -> dict[str, tuple[int, int]]:
    return dict(table._ensure_layout().positions)


def regions_of(calls: list) -> list[Region]:
    return [region for regions, _kwargs in calls for region in regions]


def full_refreshes(calls: list) -> list:
    return [
        call for call in calls if not call[0] and call[1].get("repaint", True)
    ]


# ----------------------------------------------------------------- pure helpers


def test_clean_text_removes_controls_and_format_characters() -> None:
    assert clean_text("plain 王小明") == "plain 王小明"
    assert clean_text("[/x] \x1b[2J") == "[/x] "  # the escape sequence goes whole (text.strip_controls)
    assert clean_text("a\x00b\x07c\x7fd\x9be") == "abcde"
    assert clean_text("tab\there\nnew") == "tab here new"
    # bidi override / isolate, zero width space, BOM, soft hyphen
    assert clean_text("\u202eevil\u202c\u2066x\u2069\u200b\ufeff\u00ad!") == "evilx!"
    # Harmless non-"printable" characters are kept.
    assert clean_text("全角\u3000空格") == "全角\u3000空格"


def test_fit_cell_pads_crops_and_never_splits_wide_characters() -> None:
    assert fit_cell("abc", 5) == "abc  "
    assert fit_cell("abc", 5, "right") == "  abc"
    assert fit_cell("abcdef", 4) == "abc…"
    assert fit_cell("abc", 0) == ""
    assert fit_cell("王小明", 6) == "王小明"
    assert fit_cell("王小明", 5) == "王小…"
    # 4 cells: "王" (2) + "…" (1) + pad; "小" must not be cut in half.
    assert fit_cell("王小明", 4) == "王… "
    assert fit_cell("王小明", 3) == "王…"
    assert fit_cell("王小明", 2) == "… "
    assert fit_cell("王小明", 1) == "…"
    for width in range(1, 12):
        for text in ("王[b]小明", "ab王c", "x" * 20, ""):
            assert cell_len(fit_cell(text, width)) == width


def _widths(columns, width):
    return _widths_wanting(columns, width, None)


def _widths_wanting(columns, width, wants):
    from deskconsole.widgets.record_table import _compute_layout
    return {column.key: w for column, _x, w in _compute_layout(columns, width, wants).cells}


def test_narrow_tables_leave_out_the_columns_ranked_to_drop_highest_first() -> None:
    """No mouse at the desk and no sideways scrolling: a column that does not fit is left out, in the
    order its rank says, until the flexible ones keep their minimum."""
    columns = [Column("a", "A", 10), Column("b", "B", 10, drop=2), Column("c", "C", 10, drop=1),
               Column("text", "T", None, min_width=10)]
    assert _widths(columns, 43) == {"a": 10, "b": 10, "c": 10, "text": 10}
    assert _widths(columns, 42) == {"a": 10, "c": 10, "text": 20}       # b (rank 2) goes first
    assert _widths(columns, 31) == {"a": 10, "text": 20}
    assert _widths(columns, 15) == {"a": 10, "text": 10}                 # nothing else may go: it is cut


def test_wide_tables_grow_columns_before_the_flexible_ones() -> None:
    columns = [Column("a", "A", 10, grow=14), Column("b", "B", 10, grow=20, drop=1),
               Column("text", "T", None, min_width=10)]
    assert _widths(columns, 32) == {"a": 10, "b": 10, "text": 10}
    assert _widths(columns, 36) == {"a": 14, "b": 10, "text": 10}        # left to right, each up to grow
    assert _widths(columns, 60) == {"a": 14, "b": 20, "text": 24}
    assert _widths_wanting(columns, 60, {"a": 12, "b": 3}) == {"a": 12, "b": 10, "text": 36}   # as wide as shown
    # A table that had to leave a column out gives its room to the flexible column, not to growing.
    assert _widths(columns, 31) == {"a": 10, "text": 20}


def test_bindings() -> None:
    keys = {binding.key: binding for binding in RecordTable.BINDINGS}
    assert set(keys) == {"up", "down", "pageup", "pagedown", "home", "end", "enter"}
    assert "tab" not in keys
    assert keys["down"].id == "record_table.cursor_down"
    assert all(binding.id.startswith("record_table.") for binding in keys.values())


# ------------------------------------------------------------------- rendering


def test_rows_render_literally_and_columns_line_up() -> None:
    table = RecordTable(COLUMNS, empty_text="nothing")
    app = TableApp(table)
    names = [
        "王[b]小明",
        "[/x] \x1b[2J",
        "[bold red]markup[/]",
        "\u202eevil",
        "王小明" * 30,  # much wider than the column
        "plain",
    ]

    async def test(pilot) -> None:
        table.set_rows(
            [
                Row(key=index, cells={"id": str(index), "name": name, "unit": "B-12", "due": "1:00"})
                for index, name in enumerate(names)
            ]
        )
        await pilot.pause()
        geometry = column_geometry(table)
        name_x, name_width = geometry["name"]
        assert geometry["id"] == (0, 5)
        # 80 columns, no scrollbar: 5 + 1 + flex + 1 + 6 + 1 + 7 = 80
        assert name_width == 80 - 5 - 6 - 7 - 3

        header = table.render_line(0).text
        assert cells_at(header, 0, 5) == "  No."
        assert cells_at(header, name_x, 4) == "Name"
        assert cells_at(header, *geometry["due"]) == "    Due"

        # The real lines as the compositor gets them (public Widget.render_lines).
        lines = [strip.text for strip in table.render_lines(Region(0, 0, 80, 24))]
        for strip_text in lines:
            assert cell_len(strip_text) == 80
            assert "\x1b" not in strip_text and "\u202e" not in strip_text
        for index, name in enumerate(names):
            line = lines[index + 1]
            assert cells_at(line, 0, 5) == f"{index:>5}"
            assert cells_at(line, *geometry["unit"]) == "B-12  "
            assert cells_at(line, *geometry["due"]) == "   1:00"
        assert cells_at(lines[1], name_x, name_width).rstrip() == "王[b]小明"
        assert cells_at(lines[2], name_x, name_width).rstrip() == "[/x]"
        assert cells_at(lines[3], name_x, name_width).rstrip() == "[bold red]markup[/]"
        assert cells_at(lines[4], name_x, name_width).rstrip() == "evil"
        long_name = cells_at(lines[5], name_x, name_width)
        assert long_name.rstrip().endswith("…")
        assert long_name.startswith("王小明王")
        # No segment carries markup-derived styling: the [b] text is not bold.
        segments = list(table.render_line(3))
        assert all(not segment.style.bold for segment in segments if "markup" in segment.text)

    run(app, test)


def test_empty_text_and_header() -> None:
    table = RecordTable(COLUMNS, empty_text="No calls \x1b[31m")
    app = TableApp(table)

    async def test(pilot) -> None:
        assert table.row_count == 0
        assert table.cursor_key is None
        assert table.row_at_cursor() is None
        assert table.render_line(0).text.startswith("  No. Name")
        assert table.render_line(1).text.rstrip() == "No calls"
        assert table.render_line(2).text.strip() == ""
        table.set_rows(make_rows(2))
        await pilot.pause()
        assert table.render_line(1).text.startswith("    0 name 0")
        table.set_rows([])
        await pilot.pause()
        assert table.render_line(1).text.rstrip() == "No calls"
        assert table.cursor_key is None
        assert app.events[-1] == ("highlighted", None)

    run(app, test)


def test_row_and_cursor_styles() -> None:
    table = RecordTable(COLUMNS)
    app = TableApp(table, second=True)

    def renderer(column: str, value: object, now: object) -> tuple[str, str]:
        return (f"{value}", str(value))

    async def test(pilot) -> None:
        table.dynamic_renderer = renderer
        table.set_rows(
            [
                Row("a", {"name": "cursor"}),
                Row("b", {"name": "alarm"}, style="alarm"),
                Row("c", {"name": "muted"}, style="muted"),
                Row("d", {"name": "over"}, style="over"),
                Row("e", {"name": "dyn"}, dynamic={"due": "over"}),
                Row("f", {"name": "dyn"}, dynamic={"due": "band90"}),
                Row("g", {"name": "bogus"}, style="no-such-style", dynamic={"due": "nope"}),
            ]
        )
        table.tick(0)
        table.focus()
        await pilot.pause()

        def style_of(y: int, text: str):
            for segment in table.render_line(y):
                if text in segment.text:
                    return segment.style
            raise AssertionError(f"{text!r} not on line {y}")

        # Focused cursor: reverse (reads with NO_COLOR too).
        assert style_of(1, "cursor").reverse
        assert style_of(2, "alarm").bold
        assert not style_of(2, "alarm").reverse
        assert style_of(3, "muted").dim
        assert style_of(4, "over").reverse and style_of(4, "over").bold
        assert style_of(5, "over").reverse  # dynamic "over" cell
        assert not style_of(5, "dyn").reverse
        assert style_of(6, "band90").bold
        assert not style_of(7, "nope").reverse  # unknown styles are ignored
        # Unfocused: the cursor is shown, but not as a reverse block.
        app.query_one("#other").focus()
        await pilot.pause()
        blurred = style_of(1, "cursor")
        assert not blurred.reverse and blurred.underline

    run(app, test)


# ----------------------------------------------------------------- the cursor


def test_cursor_keys_and_messages() -> None:
    table = RecordTable(COLUMNS)
    app = TableApp(table)

    async def test(pilot) -> None:
        table.set_rows(make_rows(5))
        table.focus()
        await pilot.pause()
        assert app.events == [("highlighted", "k0")]
        assert table.cursor_key == "k0"

        await pilot.press("down", "down", "up")
        await pilot.pause()
        assert table.cursor_key == "k1"
        assert table.row_at_cursor().cells["name"] == "name 1"
        await pilot.press("up", "up")  # second "up" is at the top: no message
        await pilot.press("enter")
        await pilot.pause()
        assert app.events == [
            ("highlighted", "k0"),
            ("highlighted", "k1"),
            ("highlighted", "k2"),
            ("highlighted", "k1"),
            ("highlighted", "k0"),
            ("selected", "k0"),
        ]
        await pilot.press("end")
        await pilot.pause()
        assert table.cursor_key == "k4"
        await pilot.press("home")
        await pilot.pause()
        assert table.cursor_key == "k0"
        assert table.move_cursor_to_key("k3") is True
        assert table.move_cursor_to_key("nope") is False
        await pilot.press("enter")
        await pilot.pause()
        assert app.events[-1] == ("selected", "k3")
        # The cursor row is the one drawn as cursor.
        assert table.render_line(4).text.startswith("    3 name 3")
        assert any(segment.style.reverse for segment in table.render_line(4))
        assert not any(segment.style.reverse for segment in table.render_line(3))

    run(app, test)


def test_cursor_stays_on_its_key_across_set_rows() -> None:
    table = RecordTable(COLUMNS)
    app = TableApp(table)

    async def test(pilot) -> None:
        rows = make_rows(5)
        table.set_rows(rows)
        table.move_cursor_to_key("k2")
        await pilot.pause()
        events_before = list(app.events)

        # Insert a row above the cursor: same key, index moves down.
        table.set_rows([Row("new", {"name": "new call"}), *rows])
        await pilot.pause()
        assert table.cursor_key == "k2"
        assert table.cursor_index == 3
        assert table.row_at_cursor().key == "k2"
        assert app.events == events_before  # the highlighted record did not change
        assert any(segment.style.reverse for segment in table.render_line(4))

        # Remove the cursor's row: the index is clamped, a message is posted.
        table.set_rows([row for row in rows if row.key != "k2"])
        await pilot.pause()
        assert table.cursor_index == 3
        assert table.cursor_key == "k4"
        assert app.events[-1] == ("highlighted", "k4")

        # Shrink below the cursor: clamped to the last row.
        table.set_rows(rows[:2])
        await pilot.pause()
        assert table.cursor_key == "k1"

    run(app, test)


def test_scrolling_500_rows_keeps_header() -> None:
    table = RecordTable(COLUMNS)
    app = TableApp(table)

    async def test(pilot) -> None:
        table.set_rows(make_rows(500))
        table.focus()
        await pilot.pause()
        visible = 23  # 24 lines - header
        assert table.virtual_size.height == 501
        assert table.show_vertical_scrollbar

        await pilot.press("end")
        await pilot.pause()
        assert table.cursor_key == "k499"
        assert table.scroll_offset.y == 500 - visible
        assert table.render_line(0).text.startswith("  No. Name")
        assert table.render_line(23).text.startswith("  499 name 499")
        assert table.render_line(1).text.startswith(f"  {500 - visible} name")
        # The scrollbar takes the last column: columns are laid out in 79 cells.
        lines = [strip.text for strip in table.render_lines(Region(0, 0, 80, 24))]
        assert lines[0].startswith("  No. Name")
        assert lines[23].startswith("  499 name 499")
        assert column_geometry(table)["due"] == (79 - 7, 7)

        await pilot.press("pageup")
        await pilot.pause()
        assert table.cursor_index == 499 - visible
        assert table.render_line(0).text.startswith("  No. Name")

        await pilot.press("home")
        await pilot.pause()
        assert table.cursor_key == "k0"
        assert table.scroll_offset.y == 0
        assert table.render_line(1).text.startswith("    0 name 0")

        await pilot.press("pagedown")
        await pilot.pause()
        assert table.cursor_index == visible
        assert table.scroll_offset.y == 1  # just enough to show the cursor
        assert table.render_line(23).text.startswith(f"{visible:>5} name")

        # Cursor set from code (e.g. a search) is scrolled into view.
        table.move_cursor_to_key("k250")
        await pilot.pause()
        top = table.scroll_offset.y
        assert top <= 250 < top + visible

    run(app, test)


# ------------------------------------------------------- partial repaints


def test_tick_refreshes_only_the_changed_cell() -> None:
    table = SpyTable(COLUMNS)
    app = TableApp(table)
    calls_to_renderer: list[object] = []

    def renderer(column: str, deadline: object, now: object) -> tuple[str, str]:
        calls_to_renderer.append(deadline)
        left = int(deadline) - int(now)
        if left > 600:
            return ("later", "")  # does not change from one tick to the next
        return (f"{left // 60}:{left % 60:02d}", "band90" if left < 60 else "band50")

    async def test(pilot) -> None:
        table.dynamic_renderer = renderer
        table.set_rows(make_rows(100, k3=200))
        table.tick(0)
        await pilot.pause()
        x, width = column_geometry(table)["due"]
        assert cells_at(table.render_line(4).text, x, width) == "   3:20"
        assert cells_at(table.render_line(1).text, x, width) == "  later"

        calls = table.start_spying()
        calls_to_renderer.clear()
        table.tick(1)
        # Exactly the due cell of row k3 (screen line 4) and nothing else.
        assert calls == [((Region(x, 4, width, 1),), {})]
        # Only the visible rows (23 of 100) were rendered.
        assert len(calls_to_renderer) == 23
        await pilot.pause()
        assert cells_at(table.render_line(4).text, x, width) == "   3:19"

        # Nothing changed -> nothing refreshed.
        calls.clear()
        table.tick(1)
        assert calls == []

        # Text and band change (3:19 -> 0:59, band50 -> band90): same single region.
        calls.clear()
        table.tick(141)
        assert regions_of(calls) == [Region(x, 4, width, 1)]
        await pilot.pause()
        due_segment = [seg for seg in table.render_line(4) if "0:59" in seg.text][0]
        assert due_segment.style.bold

        # Scrolled: the same row is now on another screen line.
        table.stop_spying()
        table.scroll_to(y=2, animate=False)
        await pilot.pause()
        calls = table.start_spying()
        table.tick(142)
        assert calls == [((Region(x, 2, width, 1),), {})]

        # Scrolled out of view: no work, no refresh.
        table.stop_spying()
        table.scroll_to(y=50, animate=False)
        await pilot.pause()
        calls = table.start_spying()
        calls_to_renderer.clear()
        table.tick(143)
        assert calls == []
        assert len(calls_to_renderer) == 23
        # ... and when it comes back it shows the current value, not a stale one.
        table.stop_spying()
        table.scroll_to(y=0, animate=False)
        await pilot.pause()
        assert cells_at(table.render_line(4).text, x, width) == "   0:57"

    run(app, test)


def test_set_rows_refreshes_only_changed_lines() -> None:
    table = SpyTable(COLUMNS)
    app = TableApp(table)

    async def test(pilot) -> None:
        rows = make_rows(100)
        table.set_rows(rows)
        await pilot.pause()
        width = 80 - table.scrollbar_size_vertical

        # Same rows (new objects, equal content): nothing to repaint.
        calls = table.start_spying()
        table.set_rows(make_rows(100))
        assert calls == []

        # One visible row changes: that line only.
        changed = list(rows)
        changed[5] = Row("k5", {"id": "5", "name": "renamed", "unit": "U5"}, dynamic=rows[5].dynamic)
        table.set_rows(changed)
        assert calls == [((Region(0, 6, width, 1),), {})]
        await pilot.pause()
        assert table.render_line(6).text.startswith("    5 renamed")

        # A row that is not visible changes: nothing.
        calls.clear()
        changed[80] = Row("k80", {"name": "off screen"})
        table.set_rows(changed)
        assert calls == []

        # Appending a row below the visible window: no repaint of the table lines
        # (the virtual size changes silently; only the scrollbar is updated).
        calls.clear()
        table.set_rows([*changed, Row("last", {"name": "appended"})])
        assert regions_of(calls) == []
        assert full_refreshes(calls) == []
        assert table.virtual_size.height == 102
        await pilot.pause()
        await pilot.press("end")
        await pilot.pause()
        assert table.render_line(23).text.startswith("      appended")

    run(app, test)


def test_terminal_output_on_idle_and_on_tick() -> None:
    """End to end: what actually goes to the terminal (spies on App._display)."""
    table = RecordTable(COLUMNS)
    app = TableApp(table)
    sent: list[str] = []
    display = app._display

    def spy(screen, renderable) -> None:
        if renderable is not None:
            sent.append(renderable.render_segments(app.console))
        display(screen, renderable)

    app._display = spy  # type: ignore[method-assign]

    def renderer(column: str, deadline: object, now: object) -> tuple[str, str]:
        left = int(deadline) - int(now)
        return ("later", "") if left > 600 else (f"{left // 60}:{left % 60:02d}", "band50")

    async def test(pilot) -> None:
        table.dynamic_renderer = renderer
        table.set_rows(make_rows(60, k3=300))
        table.tick(0)
        await pilot.pause()
        await pilot.pause()

        sent.clear()
        for _ in range(3):  # idle: same time, same data reloaded
            table.tick(0)
            table.set_rows(make_rows(60, k3=300))
            await pilot.pause()
        assert sent == []

        for now in range(1, 4):  # one countdown changes per tick
            table.tick(now)
            await pilot.pause()
        assert len(sent) == 3
        # Textual 8.2.8 sends from the widget's left edge to the end of the dirty
        # region (see report), so one line's worth at most -- not the whole table.
        assert all(len(chunk) < 200 for chunk in sent), [len(c) for c in sent]
        # Every cursor move in the output targets the one changed screen line (row k3
        # is on widget line 4 -> terminal row 5).
        for chunk in sent:
            assert {row for row, _ in re.findall(r"\x1b\[(\d+);(\d+)H", chunk)} == {"5"}
            assert "4:5" in chunk

    run(app, test)


def test_set_columns_and_resize() -> None:
    table = RecordTable(COLUMNS)
    app = TableApp(table)

    async def test(pilot) -> None:
        table.set_rows(make_rows(3))
        await pilot.pause()
        table.set_columns([Column("name", "Name", width=10), Column("unit", "Unit")])
        await pilot.pause()
        assert table.render_line(0).text.startswith("Name       Unit")
        assert table.render_line(1).text.startswith("name 0     U0")
        await pilot.resize_terminal(40, 10)
        await pilot.pause()
        assert column_geometry(table)["unit"] == (11, 29)
        assert cell_len(table.render_line(1).text) == 40

    run(app, test)


@pytest.mark.parametrize("theme", ["textual-dark", "ansi-dark"])
def test_themes_render(theme: str) -> None:
    table = RecordTable(COLUMNS, empty_text="none")
    app = TableApp(table)

    async def test(pilot) -> None:
        app.theme = theme
        table.set_rows([Row("a", {"name": "x"}, style="alarm"), Row("b", {"name": "y"}, style="muted")])
        table.focus()
        await pilot.pause()
        assert table.render_line(1).text.startswith("      x")
        assert any(segment.style.reverse for segment in table.render_line(1))
        assert app.export_screenshot()  # the whole pipeline renders

    run(app, test)


def test_theme_switch_restyles_cached_rows() -> None:
    table = RecordTable(COLUMNS)
    app = TableApp(table)

    async def test(pilot) -> None:
        app.theme = "textual-dark"
        table.set_rows([Row("a", {"name": "x"}), Row("b", {"name": "alarm"}, style="alarm")])
        await pilot.pause()
        before = [segment.style for segment in table.render_line(2)]
        app.theme = "ansi-dark"
        await pilot.pause()
        after = [segment.style for segment in table.render_line(2)]
        assert before != after
        assert after[0].color.name == "color(1)"  # ANSI red, not a stale truecolor

    run(app, test)


def test_no_color_keeps_states_visible(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    table = RecordTable(COLUMNS)
    app = TableApp(table)

    async def test(pilot) -> None:
        assert app.no_color
        table.dynamic_renderer = lambda column, value, now: (str(value), str(value))
        table.set_rows(
            [
                Row("a", {"name": "cursor"}),
                Row("b", {"name": "alarm"}, style="alarm"),
                Row("c", {"name": "over"}, style="over"),
                Row("d", {"name": "dyn"}, dynamic={"due": "over"}),
            ]
        )
        table.tick(0)
        table.focus()
        await pilot.pause()
        cursor = list(table.render_line(1))[0].style
        over_row = list(table.render_line(3))[0].style
        assert cursor.reverse and cursor.underline  # not confused with an "over" row
        assert over_row.reverse and not over_row.underline
        assert list(table.render_line(2))[0].style.bold
        assert [seg for seg in table.render_line(4) if "over" in seg.text][0].style.reverse

    run(app, test)


def test_tick_style_only_change_and_several_cells() -> None:
    columns = [Column("name", "Name"), Column("a", "A", width=6), Column("b", "B", width=6)]
    table = SpyTable(columns)
    app = TableApp(table)
    output: dict[tuple[str, object], tuple[str, str]] = {}

    def renderer(column: str, value: object, now: object) -> tuple[str, str]:
        return output.get((column, value), ("-", ""))

    async def test(pilot) -> None:
        table.dynamic_renderer = renderer
        table.set_rows(
            [Row(i, {"name": f"r{i}"}, dynamic={"a": i, "b": i}) for i in range(5)]
        )
        table.tick(0)
        await pilot.pause()
        geometry = column_geometry(table)
        calls = table.start_spying()

        output[("a", 2)] = ("-", "band75")  # same text, new style
        table.tick(1)
        assert regions_of(calls) == [Region(*geometry["a"][:1], 3, geometry["a"][1], 1)]
        await pilot.pause()
        assert [seg for seg in table.render_line(3) if seg.text.strip() == "-"][0].style.bold

        calls.clear()
        output[("a", 4)] = ("x", "")
        output[("b", 4)] = ("y", "over")
        output[("b", 0)] = ("z", "")
        table.tick(2)
        assert sorted(regions_of(calls)) == sorted(
            [
                Region(geometry["a"][0], 5, geometry["a"][1], 1),
                Region(geometry["b"][0], 5, geometry["b"][1], 1),
                Region(geometry["b"][0], 1, geometry["b"][1], 1),
            ]
        )
        assert full_refreshes(calls) == []

    run(app, test)
