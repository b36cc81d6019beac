"""The desk's one-line text field (search, the panes' filter, every form): its typing does not lay the
whole screen out again.

Textual's Input (8.2.8) sets its virtual size to its text's width at every change, and a widget's
virtual size is a layout reactive: each key typed laid out the whole screen before the key's echo
was painted (about 1 ms at 80x24, 2-3 ms behind a pane of rows), and a search's results waited on it.
An input of fixed size needs no layout for that: its scroll limits (how far the text scrolls when it
is wider than the field) are read from the virtual size itself, which is set all the same.
"""
from __future__ import annotations

from textual.geometry import Size
from textual.reactive import Reactive
from textual.widgets import Input


class LineInput(Input):
    virtual_size: Reactive[Size] = Reactive(Size(0, 0), layout=False)
