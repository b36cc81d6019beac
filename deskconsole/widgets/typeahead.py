"""Type-ahead: every key reaches the screen and field it was typed for, in order, however fast it came.

Why keys got lost (Textual 8.2.8, App.on_event): the app takes each key from its queue, runs the
priority bindings at once, and posts anything else to the focused widget's queue, without waiting
for that widget to handle it. So when one read brings `n13800001111`, all eleven digits are posted
to the calls pane before the pane has even passed `n` back up to the app's `new` binding: the
form opens empty. Likewise `Tab` moves the focus only when the field handles it, by which time the
keys after it have been posted to the same field; and Ctrl+S (a priority binding) saves before
the field has taken the text typed just before it.

The cure, in one place: a key (or paste) is handled only once everything the earlier ones set off
is done: every message queue of the app empty (the screen being pushed composed and mounted, the
focus moved, the bubbling key handled) and no callbacks waiting for a refresh. Until then keys wait
here, in order. When the app is quiet, as it nearly always is between two keys typed by hand, a key
is handled at once, as before.
"""
from __future__ import annotations

import asyncio
from collections import deque

from textual import events
from textual.app import App

TYPED = (events.Key, events.Paste)


class TypeAheadApp(App):
    # Looks (about a millisecond apart) a waiting key waits for the app to become quiet: past that
    # (something busy without end) it is handled anyway, rather than held back for ever. Counted in
    # looks, not seconds: while the event loop is blocked (a slow screen composing) no look is made,
    # so a key is never let through just because the machine was slow.
    TYPEAHEAD_PATIENCE = 1000
    # After a key is let through, the app is looked at again on the event loop's next turns, this many times,
    # before the looks a millisecond apart: a key of a burst is usually handled within a few turns, and a
    # fixed millisecond each made typing a phone number's digits wait 1 ms a key for nothing.
    TYPEAHEAD_EAGER_LOOKS = 20

    _typeahead: deque | None = None
    _typeahead_released: set[int] | None = None
    _typeahead_task: asyncio.Task | None = None

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, TYPED) and not event.is_forwarded:
            released = self._typeahead_released
            if released is not None and id(event) in released:
                released.discard(id(event))
            elif self._typeahead or not self._quiet(handling=True):
                self._hold(event)
                return
        await super().on_event(event)

    def _hold(self, event: events.Event) -> None:
        if self._typeahead is None:
            self._typeahead, self._typeahead_released = deque(), set()
        self._typeahead.append(event)
        if self._typeahead_task is None or self._typeahead_task.done():
            self._typeahead_task = asyncio.create_task(self._release_typeahead())

    async def _release_typeahead(self) -> None:
        """Hand the waiting keys back to the app's queue one at a time, each once the app is quiet."""
        looks = eager = 0
        while self._typeahead and not (self._closing or self._closed):
            if eager < self.TYPEAHEAD_EAGER_LOOKS:
                eager += 1       # a look on the loop's next turn: not counted against the patience
            else:
                looks += 1
            if self._quiet() or looks > self.TYPEAHEAD_PATIENCE:
                event = self._typeahead.popleft()
                self._typeahead_released.add(id(event))
                self.post_message(event)
                looks = eager = 0
            await asyncio.sleep(0 if eager < self.TYPEAHEAD_EAGER_LOOKS else 0.001)

    def _quiet(self, handling: bool = False) -> bool:
        """True when no message pump of the app has anything left to do. `handling`: called while the
        app handles a message (that one does not count)."""
        if not self._screen_stack or self._message_queue.qsize() or self._next_callbacks:
            return False
        for node in list(self._registry):
            if node._message_queue.qsize() or node._next_callbacks or getattr(node, "_callbacks", None):
                return False
        return True

    async def _on_exit_app(self) -> None:
        if self._typeahead_task is not None:
            self._typeahead_task.cancel()
        await super()._on_exit_app()
