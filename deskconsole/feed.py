"""The change feed: one cheap value that moves when any console commits.

On SQLite, PRAGMA data_version on a connection that never writes changes whenever another
connection (another console, or this one's writer) commits: about 5 µs a poll.

On PostgreSQL every write transaction sends a notification on its site's channel at commit
(db.begin_write); the feed LISTENs on a connection of its own, and a look is a non-blocking read
of that socket: no query, so fifty idle consoles cost the server nothing. When that connection
drops (a server restart, a failover) the feed says "changed" once, then polls the newest audit id
on the console's own connection while it opens the listening connection again, with backoff.

Elsewhere the newest audit id stands in (every desk write appends an event).

On Linux a SQLite console need not poll: `FileWatch` (inotify on the database and its -wal file) wakes
a thread the moment a commit writes the -wal file, or either file is moved, replaced or removed; the
console then looks at the feed at once (`ChangeFeed.watch`). On PostgreSQL `PgWatch` wakes that thread
when the listening socket has something to read, so neither kind of console polls twice a second.
"""
from __future__ import annotations

import ctypes
import os
import select
import sqlite3
import sys
import threading
import time
from pathlib import Path

from . import db


def _newest_event() -> int:
    newest = db.AuditEvent.select(db.AuditEvent.id).order_by(db.AuditEvent.id.desc()).first()
    return newest.id if newest else 0


class PgListener:
    """LISTEN on the site's channel; `look()` is True when a notification came, None when the
    listening connection is down (the caller polls meanwhile)."""

    RETRY_FIRST, RETRY_MOST = 0.5, 30.0  # seconds between two attempts to listen again: doubling

    def __init__(self, url: str):
        self._conninfo, schema = db.postgres_target(url)
        self.channel = f"deskconsole_{schema}"
        self._conn = None
        self._retry_in = self.RETRY_FIRST
        self._retry_at = 0.0
        self.drops = 0  # how often the listening connection was lost (tests and bench read it)
        self.looked = threading.Event()  # set after each look: a PgWatch may wait on the socket again
        self.looked.set()
        self._listen()

    def _listen(self) -> bool:
        import psycopg
        try:
            # keepalives: a link that dies silently (a failover, a cable) is noticed within ~25 s.
            self._conn = psycopg.connect(self._conninfo, autocommit=True, connect_timeout=5,
                                         keepalives=1, keepalives_idle=10, keepalives_interval=5,
                                         keepalives_count=3, application_name="deskconsole feed")
            self._conn.execute(f'LISTEN "{self.channel}"')
        except psycopg.Error:
            self._drop()
            return False
        self._retry_in = self.RETRY_FIRST
        return True

    def _drop(self) -> None:
        if self._conn is not None:
            try:
                self._conn.close()
            except Exception:  # noqa: BLE001 - it is broken already
                pass
            self.drops += 1
        self._conn = None
        self._retry_at = time.monotonic() + self._retry_in
        self._retry_in = min(self._retry_in * 2, self.RETRY_MOST)

    @property
    def listening(self) -> bool:
        return self._conn is not None

    def look(self) -> bool | None:
        try:
            return self._look()
        finally:
            self.looked.set()

    def _look(self) -> bool | None:
        import psycopg
        if self._conn is None:
            if time.monotonic() < self._retry_at or not self._listen():
                return None
            return True  # listening again: what was committed meanwhile was not heard
        pgconn = self._conn.pgconn
        try:
            pgconn.consume_input()  # reads what the socket holds, never waits
            heard = False
            while pgconn.notifies() is not None:
                heard = True
            if pgconn.status != psycopg.pq.ConnStatus.OK:
                raise psycopg.OperationalError("the listening connection is closed")
            return heard
        except psycopg.Error:
            self._drop()
            return True  # something may have been committed just before the connection dropped

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None


# inotify(7)
_IN_MODIFY, _IN_ATTRIB, _IN_DELETE_SELF, _IN_MOVE_SELF = 0x2, 0x4, 0x400, 0x800
# Written (a commit, a file copied over it), its links changed (removed, renamed over), or moved.
_WATCHED = _IN_MODIFY | _IN_ATTRIB | _IN_DELETE_SELF | _IN_MOVE_SELF


class _Watch:
    """What a feed's watch shares: `wait()` blocks a thread (no CPU) until something may have been
    committed and returns True, or returns False once `close()` was called (from any thread). The thread
    that waits owns the watch: `release()` after its last wait."""

    def __init__(self) -> None:
        self._stop_r, self._stop_w = os.pipe()
        self._fds: tuple[int, ...] = (self._stop_r, self._stop_w)

    def wait(self) -> bool:
        raise NotImplementedError

    def close(self) -> None:
        """Wake the waiting thread for the last time (from any thread)."""
        try:
            os.write(self._stop_w, b"x")
        except OSError:
            pass

    def release(self) -> None:
        for fd in self._fds:
            try:
                os.close(fd)
            except OSError:
                pass


class FileWatch(_Watch):
    """Linux inotify on a database and its -wal file. `wait()` blocks (no CPU) until one of them is
    written (a commit writes the -wal file), removed, renamed over or moved, and returns True; it
    returns False once `close()` is called. Only these two files are watched, not their folder: a
    busy file beside them (a log, another database) wakes nobody. WAL mode needs every process on one
    machine, so every commit is seen here."""

    def __init__(self, fd: int) -> None:
        super().__init__()
        self._fd = fd
        self._fds += (fd,)

    @classmethod
    def open(cls, path: Path) -> FileWatch | None:
        """A watch on `path` and its -wal file (both must exist); None where inotify cannot be had
        (not Linux, no watches left): the console polls instead."""
        if not sys.platform.startswith("linux"):
            return None
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            fd = libc.inotify_init1(os.O_NONBLOCK | os.O_CLOEXEC)
            if fd < 0:
                return None
            for watched in (path, path.with_name(path.name + "-wal")):
                if libc.inotify_add_watch(fd, os.fsencode(watched), _WATCHED) < 0:
                    os.close(fd)
                    return None
        except (OSError, AttributeError):
            return None
        return cls(fd)

    def wait(self) -> bool:
        ready, _w, _x = select.select([self._fd, self._stop_r], [], [])
        if self._stop_r in ready:
            return False
        try:
            while os.read(self._fd, 65536):   # every event queued: one wake for a commit's writes
                pass
        except OSError:   # BlockingIOError: drained
            pass
        return True


class PgWatch(_Watch):
    """PostgreSQL: `wait()` blocks until the listening connection's socket has something to read (a
    notification, or the server closing it), and returns True; the console then looks at the feed, whose
    `look()` reads the socket. It does not wait again until that look (or a second) has passed, so a
    socket not yet read does not spin. While the listener is down it returns True twice a second: the
    console polls as it would without a watch."""

    WHILE_DOWN = 0.5     # seconds: the poll while the listening connection is being opened again
    LOOK_AWAITED = 1.0   # seconds a wake waits for the console's look before it selects again
    IDLE_SELECT = 30.0   # seconds: a select that ends without news looks at the connection again

    def __init__(self, listener: PgListener) -> None:
        super().__init__()
        self._listener = listener

    def wait(self) -> bool:
        listener = self._listener
        listener.looked.wait(self.LOOK_AWAITED)
        while True:
            conn = listener._conn
            if conn is None:
                stopped, _w, _x = select.select([self._stop_r], [], [], self.WHILE_DOWN)
                return not stopped
            try:
                ready, _w, _x = select.select([conn.pgconn.socket, self._stop_r], [], [], self.IDLE_SELECT)
            except Exception:  # noqa: BLE001 - the console closed that connection meanwhile: the new one
                ready = []
                time.sleep(0.05)
            if self._stop_r in ready:
                return False
            if ready:
                listener.looked.clear()
                return True


class ChangeFeed:
    def __init__(self, url: str):
        path = db.sqlite_path(url)
        self._conn = None
        self._path, self._identity = path, None
        self._wal, self._wal_identity = None, None
        self._listener: PgListener | None = None
        if path is not None:
            # A connection of its own, in autocommit mode, used only for this pragma.
            self._conn = sqlite3.connect(db.rw_uri(path), uri=True, isolation_level=None, check_same_thread=False)
            opened = db.opened_file
            self._identity = opened[1] if opened and opened[0] == path else db.file_identity(path)
            # While this console is connected SQLite never removes the -wal file (the last connection
            # to close does): if it goes, someone removed it, and commits in it are lost to the others.
            self._wal = path.with_name(path.name + "-wal")
            self._wal_identity = db.file_identity(self._wal)
        elif db.is_postgres_url(url):
            self._listener = PgListener(url)
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
        try:
            db.revive()
            return _newest_event()
        except db.CONNECTION_ERRORS:
            return self._last if hasattr(self, "_last") else 0  # the server is away: nothing moved that we can see

    def changed(self) -> bool:
        """True once after each commit anywhere since the last call."""
        if self._listener is not None:
            heard = self._listener.look()
            if heard is not None:
                if heard and not self._listener.listening:
                    self._last = self._read()  # polling starts from here
                return heard
            # Not listening: poll the newest audit id until the listener is back.
        value = self._read()
        if value != self._last:
            self._last = value
            return True
        return False

    @property
    def listening(self) -> bool:
        """PostgreSQL: notifications arrive (else the feed polls). SQLite: always True."""
        return self._listener is None or self._listener.listening

    def watch(self) -> _Watch | None:
        """A watch that wakes a thread at each commit (None: poll instead)."""
        if self._listener is not None:
            return PgWatch(self._listener)
        return FileWatch.open(self._path) if self._path is not None else None

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None
        if self._listener is not None:
            self._listener.close()
            self._listener = None
