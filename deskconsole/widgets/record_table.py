"""A cheap-to-repaint record list for the duty-desk panes.

`RecordTable` is a line-API widget (a `ScrollView` that implements `render_line`).
It exists because the guards sit behind slow SSH links: a `DataTable` repaints its
whole visible region whenever one cell changes, which at 80x24 with a 1 s countdown
tick costs several kilobytes per second.  This widget instead:

* caches one rendered `Strip` per row (validated against the row, the cursor flag and
  the dynamic cell values it was built from);
* on `set_rows()` refreshes only the screen lines whose content changed;
* on `tick()` re-renders only the *dynamic* cells of the *visible* rows and refreshes
  just the screen region of each cell whose text or style changed.

Text in rows is user data: it is never parsed as markup (cells are emitted as plain
`Segment`s) and control / format characters are stripped at render time.

Geometry (all in widget content coordinates):

* screen line 0 is the fixed header row;
* screen line ``y >= 1`` shows row index ``scroll_offset.y + y - 1``.

`virtual_size` is ``(natural width, row_count + 1)``.  The "+ 1" is the header line: it
is part of the virtual height so that ``max_scroll_y = (rows + 1) - viewport_height``,
which is exactly the scroll offset that puts the last row on the last screen line when
screen line 0 is taken by the header.  This is the same trick `DataTable` uses for its
header: the header occupies virtual line 0, but it is always *drawn* at screen line 0
whatever the scroll offset, and the rows are drawn below it shifted by the scroll offset.
Textual's `ScrollView` only ever needs `virtual_size`, `scroll_offset` and
`render_line`, so nothing else has to be overridden.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from functools import lru_cache
from types import MappingProxyType
from typing import Callable, ClassVar, Iterable, Mapping, NamedTuple

from rich.cells import cell_len, get_character_cell_size, set_cell_size
from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding, BindingType
from textual.geometry import Region, Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.widget import Widget

from ..text import strip_controls

try:  # rich >= 14: grapheme aware splitting (keeps emoji + VS16 etc. whole).
    from rich.cells import split_graphemes as _split_graphemes
except ImportError:  # pragma: no cover - older rich
    _split_graphemes = None

__all__ = [
    "Column",
    "DynamicRenderer",
    "RecordTable",
    "Row",
    "clean_text",
    "fit_cell",
]

ELLIPSIS = "…"

ROW_STYLES = frozenset({"alarm", "muted", "warn", "over"})
"""Row style names accepted in `Row.style`."""

DYNAMIC_STYLES = frozenset({"band50", "band75", "band90", "over"})
"""Style names a dynamic renderer may return (plus "")."""

DynamicRenderer = Callable[[str, object, object], "tuple[str, str]"]
"""(column_key, value, now) -> (text, style name)."""


@dataclass(frozen=True)
class Column:
    """A column of a `RecordTable`."""

    key: str
    label: str
    """Header text (already translated by the caller). Plain text, never markup."""
    width: int | None = None
    """Width in terminal cells, or `None` for a flexible column that takes the remaining
    width (several flexible columns share it equally)."""
    align: str = "left"
    """"left" or "right"."""
    min_width: int = 4
    """Minimum width of a flexible column."""
    grow: int | None = None
    """Width a fixed column grows to when the table is wide enough that its flexible columns keep
    their `min_width` as well (whole class names, statuses, the technician at 200 columns)."""
    drop: int = 0
    """When the table is narrower than its columns: columns with a `drop` rank are left out, the
    highest rank first, rather than making the operator scroll sideways (no mouse at the desk)."""


# The `dynamic` of every row without one (most of them): one empty mapping, not an empty dict each.
NO_DYNAMIC: Mapping[str, object] = MappingProxyType({})


@dataclass(frozen=True, slots=True)   # slots: a console holds a row for each of thousands of records
class Row:
    """One record shown by a `RecordTable`."""

    key: object
    """Hashable id of the record; should be unique within the table."""
    cells: dict[str, str]
    """Column key -> plain text (user text! never markup)."""
    style: str = ""
    """"" or one of "alarm", "muted", "warn", "over"."""
    dynamic: Mapping[str, object] = field(default_factory=lambda: NO_DYNAMIC)
    """Column key -> opaque value rendered by the table's `dynamic_renderer` on `tick()`.
    Until the first `tick()` the static text in `cells` is shown for that column."""

    def __post_init__(self) -> None:
        if not self.dynamic and self.dynamic is not NO_DYNAMIC:
            object.__setattr__(self, "dynamic", NO_DYNAMIC)


# --------------------------------------------------------------------------- text

# One cleaner for everything drawn (text.strip_controls): the table's rows measure and show the same
# as every other widget.
clean_text = strip_controls


def _crop_cells(text: str, limit: int) -> str:
    """The longest prefix of `text` that fits in `limit` cells without splitting a
    (double width) character or grapheme."""
    if limit <= 0:
        return ""
    if _split_graphemes is not None:
        spans, _total = _split_graphemes(text)
        used = 0
        end = 0
        for _start, stop, width in spans:
            if used + width > limit:
                break
            used += width
            end = stop
        return text[:end]
    used = 0
    for index, character in enumerate(text):  # pragma: no cover - older rich
        width = get_character_cell_size(character)
        if used + width > limit:
            return text[:index]
        used += width
    return text  # pragma: no cover


@lru_cache(maxsize=16384)
def fit_cell(text: str, width: int, align: str = "left") -> str:
    """Fit (already cleaned) text to exactly `width` terminal cells.

    Text that is too long is cropped and ends with "…"; a double-width character is
    never cut in half (the cell is padded with a space instead).
    """
    if width <= 0:
        return ""
    length = cell_len(text)
    if length > width:
        text = _crop_cells(text, width - 1) + ELLIPSIS
        length = cell_len(text)
    if length < width:
        padding = " " * (width - length)
        return padding + text if align == "right" else text + padding
    # Belt and braces: guarantees the exact width whatever happened above.
    return set_cell_size(text, width) if length != width else text


# ------------------------------------------------------------------------- layout


class _Layout(NamedTuple):
    """Column geometry for one widget width."""

    width: int
    """The width the layout was computed for (columns area, excluding scrollbar)."""
    cells: tuple[tuple[Column, int, int], ...]
    """(column, x, width) for every visible column, left to right."""
    positions: dict[str, tuple[int, int]]
    """column key -> (x, width)."""
    total: int
    """Cells used by columns and separators."""


def _shown(columns: Iterable[Column]) -> list[Column]:
    return [column for column in columns if column.width is None or column.width > 0]


def _natural_width(columns: Iterable[Column]) -> int:
    """The width the columns need, fixed ones at their width and flexible ones at their minimum."""
    columns = _shown(columns)
    if not columns:
        return 0
    return sum(
        column.width if column.width is not None else max(column.min_width, 1)
        for column in columns
    ) + (len(columns) - 1)


def _fitting(columns: list[Column], width: int) -> list[Column]:
    """The columns shown at `width`: those ranked `drop` are left out, highest rank first (the
    rightmost of a rank first), until the rest fit."""
    kept = list(columns)
    while _natural_width(kept) > width:
        droppable = [column for column in kept if column.drop]
        if not droppable:
            break
        kept.remove(max(reversed(droppable), key=lambda column: column.drop))
    return kept


def _roomy_width(columns: Iterable[Column]) -> int:
    """The width at which every column shows, grown to its `grow`, and flexible ones at their minimum."""
    return _natural_width(replace(column, width=max(column.width, column.grow or 0))
                          if column.width is not None else column for column in _shown(columns))


def _narrowest_width(columns: Iterable[Column]) -> int:
    """The width below which the table scrolls sideways: every droppable column left out."""
    return _natural_width(column for column in columns if not column.drop)


def _compute_layout(columns: Iterable[Column], width: int, wants: dict[str, int] | None = None) -> _Layout:
    """Column geometry at `width`; `wants` (column key -> the widest of its cells and header) keeps a
    growing column from growing past what it shows."""
    columns = list(columns)
    visible = _fitting(_shown(columns), width)
    separators = max(len(visible) - 1, 0)
    flexible = [column for column in visible if column.width is None]
    # Room beyond every column at its width and the flexible ones at their minimum goes first to the
    # columns that grow (left to right, each up to its `grow`), then to the flexible ones; a table that
    # had to leave columns out gives it all to the flexible ones.
    spare = max(width - _natural_width(visible), 0) if len(visible) == len(_shown(columns)) else 0
    widths: dict[int, int] = {}
    for index, column in enumerate(visible):
        grow = column.grow if wants is None or column.key not in wants else min(column.grow or 0, wants[column.key])
        if column.width is not None and grow and grow > column.width and spare:
            extra = min(spare, grow - column.width)
            widths[index], spare = column.width + extra, spare - extra
    fixed = sum(widths.get(index, column.width) for index, column in enumerate(visible) if column.width is not None)
    flexible_widths: list[int] = []
    if flexible:
        remaining = max(width - fixed - separators, 0)
        share, extra = divmod(remaining, len(flexible))
        flexible_widths = [
            max(column.min_width, 1, share + (1 if index < extra else 0))
            for index, column in enumerate(flexible)
        ]
    flexible_iter = iter(flexible_widths)
    cells: list[tuple[Column, int, int]] = []
    x = 0
    for index, column in enumerate(visible):
        column_width = widths.get(index, column.width) if column.width is not None else next(flexible_iter)
        cells.append((column, x, column_width))
        x += column_width + 1
    total = max(x - 1, 0)
    positions = {column.key: (cx, cw) for column, cx, cw in cells}
    return _Layout(width, tuple(cells), positions, total)


# ------------------------------------------------------------------------- widget


class RecordTable(ScrollView, can_focus=True):
    """A keyboard-driven list of records with a fixed header and cheap partial repaints.

    Messages:
        RecordTable.RowHighlighted: the cursor moved to another row (or the table emptied).
        RecordTable.RowSelected: Enter was pressed on a row.
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up", "cursor_up", "Up", show=False, id="record_table.cursor_up"),
        Binding("down", "cursor_down", "Down", show=False, id="record_table.cursor_down"),
        Binding("pageup", "page_up", "Page up", show=False, id="record_table.page_up"),
        Binding(
            "pagedown", "page_down", "Page down", show=False, id="record_table.page_down"
        ),
        Binding("home", "cursor_home", "First", show=False, id="record_table.cursor_home"),
        Binding("end", "cursor_end", "Last", show=False, id="record_table.cursor_end"),
        Binding("enter", "select", "Select", show=False, id="record_table.select"),
    ]
    """
    | Key(s) | Binding id | Description |
    | :- | :- | :- |
    | up | record_table.cursor_up | Move the cursor up. |
    | down | record_table.cursor_down | Move the cursor down. |
    | pageup | record_table.page_up | Move the cursor up one page. |
    | pagedown | record_table.page_down | Move the cursor down one page. |
    | home | record_table.cursor_home | First row. |
    | end | record_table.cursor_end | Last row. |
    | enter | record_table.select | Post `RowSelected`. |

    Tab is deliberately not bound (it moves focus between panes).
    """

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "record-table--header",
        "record-table--cursor",
        "record-table--alarm",
        "record-table--muted",
        "record-table--warn",
        "record-table--over",
        "record-table--band50",
        "record-table--band75",
        "record-table--band90",
        "record-table--empty",
    }

    # Notes on the colours:
    # * Everything must still read on a 16-colour terminal (theme "ansi-dark", where
    #   $surface/$panel/$boost are transparent) and with NO_COLOR (Textual keeps text
    #   styles but drops or greys the colours), so every state that matters also has a
    #   text style: the focused cursor and "over" are `reverse`, alarms are bold, the
    #   unfocused cursor is underlined, muted rows are dim.  `dim` rather than
    #   `$text-muted`: ANSI themes define $text-muted as the default colour (it would not
    #   show), while Textual turns `dim` into a blended colour when it converts to
    #   truecolor and sends SGR 2 otherwise.
    # * `reverse` is rendered by the terminal, which swaps foreground and background.
    #   The focused cursor is therefore specified *pre-swapped*: `color` is the block
    #   colour and `background` the text colour.  "over" uses `color: $error` + reverse,
    #   i.e. a red block with the pane's background as text colour.
    # * On the cursor row a dynamic cell keeps its band colours and only takes the
    #   cursor's text style (see `_cell_style`), so a deadline stays readable there.
    DEFAULT_CSS = """
    RecordTable {
        height: 1fr;
        background: $surface;
        color: $foreground;
        overflow-x: hidden;
        overflow-y: auto;
        scrollbar-size-vertical: 1;

        & > .record-table--header {
            background: $panel;
            color: $foreground;
            text-style: bold underline;
        }
        & > .record-table--cursor {
            text-style: underline;
        }
        &:blur > .record-table--cursor {
            background: $block-cursor-blurred-background;
        }
        &:focus > .record-table--cursor {
            color: $block-cursor-background;
            background: $foreground;
            text-style: reverse bold;
        }
        & > .record-table--alarm {
            color: $error;
            text-style: bold;
        }
        & > .record-table--warn {
            color: $warning;
        }
        & > .record-table--muted {
            text-style: dim;
        }
        & > .record-table--band50 {
            color: $warning;
        }
        & > .record-table--band75 {
            color: $warning;
            text-style: bold;
        }
        & > .record-table--band90 {
            color: $error;
            text-style: bold underline;
        }
        & > .record-table--over {
            color: $error;
            text-style: reverse bold;
        }
        & > .record-table--empty {
            text-style: dim italic;
        }
        &:nocolor {
            /* Textual greys the colours: red/yellow text would come out *dimmer*
               than normal text (and a red reverse block dark grey), so the states
               keep the normal colour and rely on their text styles. */
            & > .record-table--alarm, & > .record-table--over,
            & > .record-table--band50, & > .record-table--band75,
            & > .record-table--band90 {
                color: $foreground;
            }
            & > .record-table--warn {
                color: $foreground;
                text-style: italic;
            }
            /* Tell the cursor apart from a reversed "over" row. */
            &:focus > .record-table--cursor {
                text-style: reverse bold underline;
            }
        }
    }
    """

    class RowHighlighted(Message):
        """Posted when the cursor moves to another row.

        `key` is the key of the newly highlighted row, or `None` when the table
        became empty.
        """

        def __init__(self, record_table: RecordTable, key: object) -> None:
            self.record_table = record_table
            self.key = key
            super().__init__()

        @property
        def control(self) -> RecordTable:
            return self.record_table

    class RowSelected(Message):
        """Posted when Enter is pressed on a row."""

        def __init__(self, record_table: RecordTable, key: object) -> None:
            self.record_table = record_table
            self.key = key
            super().__init__()

        @property
        def control(self) -> RecordTable:
            return self.record_table

    def __init__(
        self,
        columns: Iterable[Column] = (),
        *,
        empty_text: str = "",
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self._columns: tuple[Column, ...] = tuple(columns)
        self._empty_text = empty_text
        self._rows: list[Row] = []
        self._index: dict[object, int] = {}
        self._cursor_index = -1
        self._cursor_key: object | None = None
        self._dynamic_renderer: DynamicRenderer | None = None
        self._now: object | None = None
        self._tick_serial = 0
        # Render caches (see `_invalidate_render_caches`).
        self._layout: _Layout | None = None
        self._wants: dict[str, int] = {}   # growing columns: their widest cell (see _content_widths)
        self._style_cache: dict[tuple, Style] = {}
        self._header_strip: Strip | None = None
        # row key -> (row, is_cursor, dynamic values, line width, strip)
        self._strip_cache: dict[object, tuple[Row, bool, tuple, int, Strip]] = {}
        # row key -> (row.dynamic it was computed from, tick serial, values)
        # values: tuple of (column key, text, style) in column order.  These are the
        # values last painted (or about to be painted) for the row.
        self._dynamic_cache: dict[object, tuple[dict, int, tuple]] = {}
        self.set_reactive(
            Widget.virtual_size, Size(_narrowest_width(self._columns), 2)
        )

    # ----------------------------------------------------------------- properties

    @property
    def columns(self) -> tuple[Column, ...]:
        return self._columns

    @property
    def rows(self) -> tuple[Row, ...]:
        return tuple(self._rows)

    @property
    def row_count(self) -> int:
        return len(self._rows)

    @property
    def cursor_key(self) -> object | None:
        """Key of the highlighted row, or `None` if the table is empty."""
        return self._cursor_key

    @property
    def cursor_index(self) -> int:
        """Index of the highlighted row, or -1 if the table is empty."""
        return self._cursor_index

    @property
    def empty_text(self) -> str:
        return self._empty_text

    @empty_text.setter
    def empty_text(self, text: str) -> None:
        if text != self._empty_text:
            self._empty_text = text
            if not self._rows:
                self._refresh_screen_line(1)

    @property
    def dynamic_renderer(self) -> DynamicRenderer | None:
        """(column_key, value, now) -> (text, style) used for `Row.dynamic` cells.

        `style` is one of "", "band50", "band75", "band90", "over".
        """
        return self._dynamic_renderer

    @dynamic_renderer.setter
    def dynamic_renderer(self, renderer: DynamicRenderer | None) -> None:
        self._dynamic_renderer = renderer
        self._dynamic_cache.clear()
        self.refresh()

    def row_at_cursor(self) -> Row | None:
        if 0 <= self._cursor_index < len(self._rows):
            return self._rows[self._cursor_index]
        return None

    def get_row(self, key: object) -> Row | None:
        index = self._index.get(key)
        return None if index is None else self._rows[index]

    # --------------------------------------------------------------- data updates

    def set_columns(self, columns: Iterable[Column]) -> None:
        """Replace the columns (repaints the whole table)."""
        self._columns = tuple(columns)
        self._dynamic_cache.clear()
        self._update_virtual_size()
        self.refresh()

    def set_rows(self, rows: Iterable[Row]) -> None:
        """Replace the rows.

        The cursor stays on the same key if it is still present (otherwise its index is
        clamped).  Only the visible screen lines whose content changed are refreshed.
        """
        new_rows = list(rows)
        old_rows = self._rows
        old_cursor = self._cursor_index
        old_key = self._cursor_key

        self._rows = new_rows
        self._index = {row.key: index for index, row in enumerate(new_rows)}
        same_rows = len(new_rows) == len(old_rows) and all(a is b for a, b in zip(new_rows, old_rows))
        wants = self._wants if same_rows else self._content_widths(new_rows)
        if wants != self._wants:   # a growing column's widest cell changed: lay the columns out again
            self._wants = wants
            if self._layout is not None:
                self._invalidate_render_caches()
                self.refresh()

        if not new_rows:
            new_cursor = -1
        elif old_key is not None and old_key in self._index:
            new_cursor = self._index[old_key]
        else:
            new_cursor = min(max(old_cursor, 0), len(new_rows) - 1)
        self._cursor_index = new_cursor

        # Forget cached renders of records that are gone.
        index = self._index
        for cache in (self._strip_cache, self._dynamic_cache):
            for key in [key for key in cache if key not in index]:
                del cache[key]

        # Refresh the visible lines whose rendering changed.  A line's rendering is a
        # function of (row, is_cursor); `Row` is a frozen dataclass so `!=` compares
        # key, cells, style and dynamic values.
        if self.is_mounted and self.size:
            top = self.scroll_offset.y
            for line_index in range(top, top + max(self._visible_row_count(), 0)):
                old_row = old_rows[line_index] if line_index < len(old_rows) else None
                new_row = new_rows[line_index] if line_index < len(new_rows) else None
                if (old_row is not new_row and old_row != new_row) or (
                    (line_index == old_cursor) != (line_index == new_cursor)
                ):
                    self._refresh_row_line(line_index)
            if bool(old_rows) != bool(new_rows):
                self._refresh_screen_line(1)  # empty text appears / disappears

        self._update_virtual_size()

        new_key = new_rows[new_cursor].key if new_cursor >= 0 else None
        if new_key != old_key or (new_cursor >= 0 and old_cursor < 0):
            self._cursor_key = new_key
            self.post_message(self.RowHighlighted(self, new_key))
        if new_cursor >= 0 and new_cursor != old_cursor:
            self._scroll_cursor_into_view()

    def tick(self, now: object) -> None:
        """Re-render the dynamic cells of the visible rows for time `now`.

        Refreshes just the screen region of each cell whose (text, style) differs from
        what was last painted; refreshes nothing when nothing changed.
        """
        self._now = now
        self._tick_serial += 1
        if self._dynamic_renderer is None or not self._rows:
            return
        if not (self.is_mounted and self.size):
            return
        layout = self._ensure_layout()
        positions = layout.positions
        top = self.scroll_offset.y
        bottom = min(len(self._rows), top + self._visible_row_count())
        for row_index in range(top, bottom):
            row = self._rows[row_index]
            if not row.dynamic:
                continue
            old_entry = self._dynamic_cache.get(row.key)
            new_values = self._compute_dynamic(row)
            self._dynamic_cache[row.key] = (row.dynamic, self._tick_serial, new_values)
            if old_entry is None or not _same(old_entry[0], row.dynamic):
                old_values: tuple = ()
            else:
                old_values = old_entry[2]
            if old_values == new_values:
                continue
            painted = {column_key: (text, style) for column_key, text, style in old_values}
            y = row_index - top + 1
            for column_key, text, style in new_values:
                if painted.get(column_key) != (text, style):
                    position = positions.get(column_key)
                    if position is not None:  # (zero-width columns are not drawn)
                        x, width = position
                        self.refresh(Region(x, y, width, 1))

    # ----------------------------------------------------------------- the cursor

    def move_cursor_to_key(self, key: object) -> bool:
        """Move the cursor to the row with `key` and scroll it into view.

        Returns:
            `False` if there is no such row.
        """
        index = self._index.get(key)
        if index is None:
            return False
        self._move_cursor(index)
        return True

    def move_cursor_to_index(self, index: int) -> None:
        if self._rows:
            self._move_cursor(index)

    def _move_cursor(self, index: int) -> None:
        if not self._rows:
            return
        index = min(max(index, 0), len(self._rows) - 1)
        old_index = self._cursor_index
        if index != old_index:
            self._cursor_index = index
            self._refresh_row_line(old_index)
            self._refresh_row_line(index)
        key = self._rows[index].key
        if key != self._cursor_key or old_index < 0:
            self._cursor_key = key
            self.post_message(self.RowHighlighted(self, key))
        self._scroll_cursor_into_view()

    def _scroll_cursor_into_view(self) -> None:
        if self._cursor_index < 0:
            return
        if not self.is_mounted:
            return
        visible = self._visible_row_count()
        if visible <= 0:
            return  # not laid out yet: `_on_resize` will do it
        top = self.scroll_offset.y
        index = self._cursor_index
        if index < top:
            target = index
        elif index >= top + visible:
            target = index - visible + 1
        else:
            return
        # force=True: scroll even if the scrollbar is hidden by CSS.
        self.scroll_to(y=target, animate=False, force=True)

    def action_cursor_up(self) -> None:
        self._move_cursor(self._cursor_index - 1)

    def action_cursor_down(self) -> None:
        self._move_cursor(self._cursor_index + 1)

    def action_page_up(self) -> None:
        self._move_cursor(self._cursor_index - max(self._visible_row_count(), 1))

    def action_page_down(self) -> None:
        self._move_cursor(self._cursor_index + max(self._visible_row_count(), 1))

    def action_cursor_home(self) -> None:
        self._move_cursor(0)

    def action_cursor_end(self) -> None:
        self._move_cursor(len(self._rows) - 1)

    def action_select(self) -> None:
        if self._cursor_index >= 0:
            self.post_message(self.RowSelected(self, self._cursor_key))

    # --------------------------------------------------------- refresh & geometry

    def _on_resize(self, event: events.Resize) -> None:
        # Also sent when the widget is first laid out: the cursor may have been placed
        # (set_rows / move_cursor_to_key) before the widget had a size.
        self._scroll_cursor_into_view()

    def refresh(
        self,
        *regions: Region,
        repaint: bool = True,
        layout: bool = False,
        recompose: bool = False,
    ) -> RecordTable:
        # A full repaint (no regions) is what Textual asks for on focus/blur and when
        # component styles change: styles may differ, so drop the render caches.
        # Partial refreshes (scrolling, ticks, row updates) keep them.  Width changes
        # are caught by `_ensure_layout`, CSS/theme updates by `notify_style_update`.
        if repaint and not regions:
            self._invalidate_render_caches()
        return super().refresh(
            *regions, repaint=repaint, layout=layout, recompose=recompose
        )

    def notify_style_update(self) -> None:
        self._invalidate_render_caches()
        super().notify_style_update()

    def _invalidate_render_caches(self) -> None:
        self._layout = None
        self._style_cache.clear()
        self._header_strip = None
        self._strip_cache.clear()

    def _update_virtual_size(self) -> None:
        # One line for the header, and at least one for the rows (the empty text).
        virtual_size = Size(_narrowest_width(self._columns), max(len(self._rows), 1) + 1)
        if virtual_size == self.virtual_size:
            return
        # Setting `virtual_size` normally would repaint the whole widget (it is a
        # `layout=True` reactive).  A row count change only needs the lines that changed
        # (already refreshed by `set_rows`) plus scrollbar / scroll-limit updates, so set
        # it silently and ask for a layout without a repaint.
        self.set_reactive(Widget.virtual_size, virtual_size)
        if not self.is_mounted:
            return
        if self.container_size:
            # What the reactive would have triggered, minus the repaint: show/hide and
            # resize the scrollbars and clamp the scroll offset (`ScrollView` does the
            # same from `_size_updated` after a layout).
            self._scroll_update(virtual_size)
        if not self.container_size or self.styles.auto_dimensions:
            # Not laid out yet, or `height: auto` (the widget's size depends on the
            # row count): a layout pass is needed.
            self.refresh(repaint=False, layout=True)

    def _visible_row_count(self) -> int:
        """Number of rows that fit below the header."""
        return self.size.height - self.scrollbar_size_horizontal - 1

    @property
    def roomy_width(self) -> int:
        """The widget's width at which every column shows whole (the console sizes its grid by it)."""
        return _roomy_width(self._columns) + self.styles.scrollbar_size_vertical

    def _content_widths(self, rows: list[Row]) -> dict[str, int]:
        """The widest cell (or header) of each column that grows."""
        # Over the distinct texts: a class or a status repeats down two thousand rows.
        return {column.key: max(cell_len(clean_text(text)) for text in
                                {column.label, *(row.cells.get(column.key) or "" for row in rows)})
                for column in self._columns if column.grow}

    def _columns_width(self) -> int:
        """Width available to the columns (the vertical scrollbar is drawn on top of
        the right-hand side of the widget's lines)."""
        width = self.size.width - self.scrollbar_size_vertical
        return width if width > 0 else _natural_width(self._columns)

    def _ensure_layout(self) -> _Layout:
        width = self._columns_width()
        layout = self._layout
        if layout is None or layout.width != width:
            if layout is not None:
                self._header_strip = None
                self._strip_cache.clear()
            layout = self._layout = _compute_layout(self._columns, width, self._wants)
        return layout

    def _refresh_screen_line(self, y: int) -> None:
        # Excludes the scrollbar column: it does not change with the line.
        if self.is_mounted and 0 <= y < self.size.height:
            width = self.size.width - self.scrollbar_size_vertical
            if width > 0:
                self.refresh(Region(0, y, width, 1))

    def _refresh_row_line(self, row_index: int) -> None:
        if row_index < 0:
            return
        y = row_index - self.scroll_offset.y + 1
        if y >= 1:
            self._refresh_screen_line(y)

    # ------------------------------------------------------------------ rendering

    def _style(self, names: tuple[str, ...]) -> Style:
        """The Rich style for the widget plus the given component classes (in order).

        Colours are blended by `get_visual_style`; its `VisualStyle` carries no
        `reverse`, so the component text styles are added back on top.
        """
        key = (self.has_focus, names)
        style = self._style_cache.get(key)
        if style is None:
            style = self.get_visual_style(*names).rich_style
            text_style = Style()
            for name in names:
                text_style += self.get_component_styles(name).text_style
            style = self._style_cache[key] = style + text_style
        return style

    def _text_style(self, name: str) -> Style:
        key = (self.has_focus, "text-style", name)
        style = self._style_cache.get(key)
        if style is None:
            style = self._style_cache[key] = self.get_component_styles(name).text_style
        return style

    def _line_names(self, row: Row, is_cursor: bool) -> tuple[str, ...]:
        names: tuple[str, ...] = ()
        if row.style in ROW_STYLES:
            names = (f"record-table--{row.style}",)
        if is_cursor:
            names += ("record-table--cursor",)
        return names

    def _cell_style(self, row: Row, is_cursor: bool, dynamic_style: str) -> Style:
        if not dynamic_style:
            return self._style(self._line_names(row, is_cursor))
        names: tuple[str, ...] = self._line_names(row, False)
        names += (f"record-table--{dynamic_style}",)
        style = self._style(names)
        if is_cursor:
            style += self._text_style("record-table--cursor")
        return style

    def _compute_dynamic(self, row: Row) -> tuple:
        renderer = self._dynamic_renderer
        now = self._now
        if renderer is None or now is None or not row.dynamic:
            return ()
        values = []
        dynamic = row.dynamic
        for column in self._columns:
            if column.key in dynamic:
                text, style = renderer(column.key, dynamic[column.key], now)
                if style not in DYNAMIC_STYLES:
                    style = ""
                values.append((column.key, str(text), style))
        return tuple(values)

    def _dynamic_values(self, row: Row) -> tuple:
        """Dynamic cell values for `row`, recomputed if a tick happened since they were
        last computed (rows scrolled into view after ticks they missed)."""
        if not row.dynamic or self._dynamic_renderer is None or self._now is None:
            return ()
        entry = self._dynamic_cache.get(row.key)
        if (
            entry is not None
            and entry[1] == self._tick_serial
            and _same(entry[0], row.dynamic)
        ):
            return entry[2]
        values = self._compute_dynamic(row)
        self._dynamic_cache[row.key] = (row.dynamic, self._tick_serial, values)
        return values

    def render_line(self, y: int) -> Strip:
        layout = self._ensure_layout()
        line_width = self.size.width or layout.total
        if y == 0:
            return self._render_header(layout, line_width)
        rows = self._rows
        if not rows:
            if y == 1 and self._empty_text:
                return self._render_empty(line_width)
            return Strip.blank(line_width, self._style(()))
        row_index = self.scroll_offset.y + y - 1
        if not 0 <= row_index < len(rows):
            return Strip.blank(line_width, self._style(()))
        row = rows[row_index]
        is_cursor = row_index == self._cursor_index
        dynamic = self._dynamic_values(row)
        cached = self._strip_cache.get(row.key)
        if (
            cached is not None
            and (cached[0] is row or cached[0] == row)
            and cached[1] == is_cursor
            and cached[2] == dynamic
            and cached[3] == line_width
        ):
            return cached[4]
        strip = self._render_row(layout, line_width, row, is_cursor, dynamic)
        self._strip_cache[row.key] = (row, is_cursor, dynamic, line_width, strip)
        return strip

    def _render_row(
        self,
        layout: _Layout,
        line_width: int,
        row: Row,
        is_cursor: bool,
        dynamic: tuple,
    ) -> Strip:
        line_style = self._cell_style(row, is_cursor, "")
        dynamic_cells = {column_key: (text, style) for column_key, text, style in dynamic}
        cells = row.cells
        segments: list[Segment] = []
        append = segments.append
        separator = Segment(" ", line_style)
        for position, (column, _x, width) in enumerate(layout.cells):
            if position:
                append(separator)
            if column.key in dynamic_cells:
                text, dynamic_style = dynamic_cells[column.key]
                style = (
                    self._cell_style(row, is_cursor, dynamic_style)
                    if dynamic_style
                    else line_style
                )
            else:
                text = cells.get(column.key, "")
                style = line_style
            if not isinstance(text, str):
                text = "" if text is None else str(text)
            append(Segment(fit_cell(clean_text(text), width, column.align), style))
        return _fit_strip(Strip(segments, layout.total), line_width, line_style)

    def _render_header(self, layout: _Layout, line_width: int) -> Strip:
        strip = self._header_strip
        if strip is not None and strip.cell_length == line_width:
            return strip
        style = self._style(("record-table--header",))
        texts = [
            fit_cell(clean_text(column.label), width, column.align)
            for column, _x, width in layout.cells
        ]
        text = " ".join(texts)
        strip = Strip([Segment(text, style)] if text else [], layout.total)
        strip = self._header_strip = _fit_strip(strip, line_width, style)
        return strip

    def _render_empty(self, line_width: int) -> Strip:
        style = self._style(("record-table--empty",))
        width = min(self._columns_width(), line_width)
        text = fit_cell(clean_text(self._empty_text), width)
        return _fit_strip(Strip([Segment(text, style)], width), line_width, self._style(()))


def _fit_strip(strip: Strip, width: int, style: Style) -> Strip:
    """Pad (with `style`) or crop a strip to exactly `width` cells."""
    length = strip.cell_length
    if length < width:
        strip = Strip([*strip, Segment(" " * (width - length), style)], width)
    elif length > width:
        strip = strip.crop(0, width)
    return strip.simplify()


def _same(a: object, b: object) -> bool:
    return a is b or a == b
