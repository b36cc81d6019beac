"""A program under a pseudo-terminal of fixed size, watched from outside: every byte it writes to
the terminal is kept with the moment it arrived (time.monotonic, one clock for every process).
"""
from __future__ import annotations

import fcntl
import os
import pty
import re
import signal
import struct
import termios
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / ".venv" / "bin"
PYTHON = str(VENV / "python")
DESKCONSOLE = str(VENV / "deskconsole")
APPS = Path(__file__).resolve().parent / "apps"
CLK_TCK = os.sysconf("SC_CLK_TCK")
PYCACHE = Path(__file__).resolve().parent / ".data" / "pycache"

# Escape sequences (CSI, OSC, DCS/APC strings, two-byte escapes): removed to find text on the screen.
_ESCAPES = re.compile(rb"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[P_^][^\x1b]*\x1b\\|\x1b[@-Z\\-_]"
                      rb"|\x1b[()][0-9A-Za-z]")


def screen_text(data: bytes) -> str:
    return _ESCAPES.sub(b"", data).decode("utf-8", "replace")


class Term:
    """Start `argv` on a new pseudo-terminal of `cols` x `rows`; a thread reads its output."""

    def __init__(self, argv: list[str], cols: int = 80, rows: int = 24, env: dict | None = None):
        self.cols, self.rows = cols, rows
        environ = dict(os.environ)
        for name in ("NO_COLOR", "TEXTUAL", "TEXTUAL_DEBUG", "TEXTUAL_DEVTOOLS_PORT", "PYTHONDONTWRITEBYTECODE"):
            environ.pop(name, None)
        # This machine sets PYTHONDONTWRITEBYTECODE=1, so deskconsole (an editable install) would be
        # compiled from source at every start (~70 ms), which an installed copy never is. Bytecode
        # goes to a cache of the bench's own instead (outside the source tree).
        environ["PYTHONPYCACHEPREFIX"] = str(PYCACHE)
        environ.update({"TERM": "xterm-256color", "COLUMNS": str(cols), "LINES": str(rows),
                        "COLORTERM": "truecolor", "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8"})
        environ.update(env or {})
        winsize = struct.pack("HHHH", rows, cols, 0, 0)
        self.started = time.monotonic()
        pid, fd = pty.fork()
        if pid == 0:  # the child: its stdin/out/err are the terminal
            try:
                fcntl.ioctl(0, termios.TIOCSWINSZ, winsize)
                os.execve(argv[0], argv, environ)
            finally:
                os._exit(127)
        fcntl.ioctl(fd, termios.TIOCSWINSZ, winsize)
        self.pid, self.fd = pid, fd
        self.chunks: list[tuple[float, bytes]] = []
        self._cond = threading.Condition()
        self.closed = False
        self._thread = threading.Thread(target=self._read, daemon=True)
        self._thread.start()
        self._scan = 0          # chunks already searched by wait_for
        self._raw = b""         # the tail of them

    def _read(self) -> None:
        while True:
            try:
                data = os.read(self.fd, 65536)
            except OSError:
                data = b""
            now = time.monotonic()
            with self._cond:
                if not data:
                    self.closed = True
                    self._cond.notify_all()
                    return
                self.chunks.append((now, data))
                self._cond.notify_all()

    # --- input ------------------------------------------------------------------------

    def send(self, data: bytes | str) -> float:
        """Write to the terminal as if typed; returns the moment just before the write."""
        if isinstance(data, str):
            data = data.encode()
        t = time.monotonic()
        os.write(self.fd, data)
        return t

    def mark(self) -> int:
        """A position in the output: later waits and counts start there."""
        with self._cond:
            return len(self.chunks)

    # --- output -----------------------------------------------------------------------

    def wait_for(self, marker: str, since: int | None = None, timeout: float = 30.0) -> float:
        """The moment the chunk that completed `marker` (text, escapes removed) arrived. Searches
        the output from `since` (a mark()), else from where the last wait_for stopped."""
        deadline = time.monotonic() + timeout
        if since is not None:
            self._scan, self._raw = since, b""
        while True:
            with self._cond:
                while self._scan < len(self.chunks):
                    t, data = self.chunks[self._scan]
                    self._scan += 1
                    self._raw = (getattr(self, "_raw", b"") + data)[-16384:]
                    if marker in screen_text(self._raw):
                        self._raw = b""
                        return t
                if self.closed:
                    raise RuntimeError(f"program ended before showing {marker!r}")
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError(f"{marker!r} not shown within {timeout} s")
                self._cond.wait(min(left, 0.1))

    def settle(self, after: float, quiet: float = 0.05, timeout: float = 10.0) -> float:
        """Wait until the output has been quiet for `quiet` s; return the moment of the last chunk
        that arrived after `after` (or `after` itself if none came)."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                last = self.chunks[-1][0] if self.chunks else after
                now = time.monotonic()
                if now - max(last, after) >= quiet or now > deadline:
                    return last if last > after else after
                self._cond.wait(quiet / 4)

    def bytes_between(self, t0: float, t1: float) -> int:
        with self._cond:
            return sum(len(d) for t, d in self.chunks if t0 <= t < t1)

    def output_since(self, index: int) -> bytes:
        with self._cond:
            return b"".join(d for _t, d in self.chunks[index:])

    # --- the process ------------------------------------------------------------------

    def cpu_seconds(self) -> float:
        """utime + stime of the process (all its threads), from /proc/<pid>/stat."""
        with open(f"/proc/{self.pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / CLK_TCK

    def status(self, name: str) -> int:
        """A line of /proc/<pid>/status in kB, e.g. VmHWM (peak resident memory)."""
        with open(f"/proc/{self.pid}/status") as f:
            for line in f:
                if line.startswith(name + ":"):
                    return int(line.split()[1])
        raise KeyError(name)

    def close(self) -> None:
        try:
            os.kill(self.pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
        deadline = time.monotonic() + 3
        try:
            while time.monotonic() < deadline:
                done, _status = os.waitpid(self.pid, os.WNOHANG)
                if done:
                    break
                time.sleep(0.02)
            else:
                os.kill(self.pid, signal.SIGKILL)
                os.waitpid(self.pid, 0)
        except ChildProcessError:  # already reaped
            pass
        try:
            os.close(self.fd)
        except OSError:
            pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def console(db_path, cols=80, rows=24, operator="R1", program: str | None = None) -> Term:
    """The console on `db_path`; `program`: another build's `deskconsole` (default: this checkout's)."""
    return Term([program or DESKCONSOLE, "--db", str(db_path), "--operator", operator, "--lang", "en"], cols, rows)


def bare_app(cols=80, rows=24) -> Term:
    return Term([PYTHON, str(APPS / "bare_app.py")], cols, rows)


def datatable_app(cols=80, rows=24) -> Term:
    return Term([PYTHON, str(APPS / "datatable_ref.py")], cols, rows)
