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
        self._path, self._identity = path, None
        self._wal, self._wal_identity = None, None
        if path is not None:
            # A connection of its own, in autocommit mode, used only for this pragma.
            self._conn = sqlite3.connect(db.rw_uri(path), uri=True, isolation_level=None, check_same_thread=False)
            opened = db.opened_file
            self._identity = opened[1] if opened and opened[0] == path else db.file_identity(path)
            # While this console is connected SQLite never removes the -wal file (the last connection
            # to close does): if it goes, someone removed it, and commits in it are lost to the others.
            self._wal = path.with_name(path.name + "-wal")
            self._wal_identity = db.file_identity(self._wal)
        self._last = self._read()

    def replaced(self) -> bool:
        """True when the path no longer names the file this console opened: it was moved or removed (its
        saves would go to a file nobody reads any more), or another file was put in its place (a backup
        copied over it); or its -wal file was removed or replaced. A stat of the paths against the files'
        device and inode: a few microseconds."""
        if self._identity is None:
            return False
        if self._wal_identity is not None and db.file_identity(self._wal) != self._wal_identity:
            return True
        return db.file_identity(self._path) != self._identity

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
