"""The change feed: one cheap value that moves when any console commits.

On SQLite, PRAGMA data_version on a connection that never writes changes whenever another
connection (another console, or this one's writer) commits: about 5 µs a poll. Elsewhere the
newest audit id stands in (every desk write appends an event).
"""
from __future__ import annotations

import sqlite3

from . import db


class ChangeFeed:
    def __init__(self, url: str):
        path = db.sqlite_path(url)
        self._conn = None
        if path is not None:
            # A connection of its own, in autocommit mode, used only for this pragma.
            self._conn = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False)
        self._last = self._read()

    def _read(self):
        if self._conn is not None:
            return self._conn.execute("PRAGMA data_version").fetchone()[0]
        newest = db.AuditEvent.select(db.AuditEvent.id).order_by(db.AuditEvent.id.desc()).first()
        return newest.id if newest else 0

    def changed(self) -> bool:
        """True once after each commit anywhere since the last call."""
        value = self._read()
        if value != self._last:
            self._last = value
            return True
        return False

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None
