"""The change feed's FileWatch (SQLite on Linux): a commit wakes the waiting thread, nothing else does."""
from __future__ import annotations

import sqlite3
import sys
import threading

import pytest

from deskconsole.feed import FileWatch

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="inotify is Linux's")


class Waiter:
    """A thread blocked in watch.wait(), recording what each wait returned."""

    def __init__(self, watch: FileWatch) -> None:
        self.watch, self.results = watch, []
        self.woken = threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def run(self) -> None:
        try:
            while True:
                result = self.watch.wait()
                self.results.append(result)
                self.woken.set()
                if not result:
                    return
        finally:
            self.watch.release()


def test_a_commit_wakes_the_watch_another_file_in_the_folder_does_not_and_close_ends_it(tmp_path):
    path = tmp_path / "desk.db"
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=wal")
    conn.execute("CREATE TABLE t (x)")
    watch = FileWatch.open(path)
    assert watch is not None
    waiter = Waiter(watch)

    (tmp_path / "desk.log").write_text("a log line beside the database\n")
    (tmp_path / "other.db-wal").write_bytes(b"another database's journal")
    conn.execute("SELECT * FROM t").fetchall()   # a read writes nothing
    assert not waiter.woken.wait(0.3) and waiter.results == []   # still waiting

    other = sqlite3.connect(path, isolation_level=None)   # another console's commit
    other.execute("INSERT INTO t VALUES (1)")
    assert waiter.woken.wait(5) and waiter.results[0] is True

    watch.close()
    waiter.thread.join(5)
    assert not waiter.thread.is_alive() and waiter.results[-1] is False
    other.close()
    conn.close()


@pytest.mark.parametrize("how", ["moved away", "another file renamed over it", "its -wal file removed"])
def test_the_database_moved_replaced_or_its_wal_removed_wakes_the_watch(tmp_path, how):
    path = tmp_path / "desk.db"
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=wal")
    conn.execute("CREATE TABLE t (x)")
    watch = FileWatch.open(path)
    waiter = Waiter(watch)
    if how == "moved away":
        path.rename(tmp_path / "desk.db.old")
    elif how == "another file renamed over it":
        (tmp_path / "backup.db").write_bytes(path.read_bytes())
        (tmp_path / "backup.db").rename(path)
    else:
        path.with_name("desk.db-wal").unlink()
    assert waiter.woken.wait(5) and waiter.results[0] is True
    watch.close()
    waiter.thread.join(5)
    conn.close()


def test_no_watch_without_a_wal_file(tmp_path):
    """A database not in WAL mode (or its -wal file not there yet): the console polls instead."""
    path = tmp_path / "desk.db"
    sqlite3.connect(path).close()
    assert FileWatch.open(path) is None
