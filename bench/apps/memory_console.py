"""The console with its memory noted at each step of a sign-on, written to $BENCH_MEMLOG (one line a
step: name, VmRSS and VmHWM in MB) as it goes. For finding where a console's peak memory goes;
deskconsole itself is not changed. With BENCH_TRACEMALLOC=1, tracemalloc runs as well and each step
also notes the Python heap (traced now, traced peak since the last step) and the heaviest files
grown since the last step (tracemalloc itself costs memory: read its VmRSS/VmHWM as inflated).

    .venv/bin/python bench/memory.py [--db PATH] [--size 80x24] [--tracemalloc]
"""
import atexit
import os
import sys
import threading
import time
import tracemalloc
from pathlib import Path

TRACE = bool(os.environ.get("BENCH_TRACEMALLOC"))
if TRACE:
    tracemalloc.start(1)

if not os.environ.get("PYTHONPATH"):  # PYTHONPATH: another copy of the package (a "before")
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

OUT = open(os.environ.get("BENCH_MEMLOG", "/tmp/deskconsole-mem.log"), "w", buffering=1)  # noqa: SIM115
_lock = threading.Lock()
_last_snapshot = None

try:  # SQLite's own allocations (page caches, statements, schema): the library the sqlite3 module uses
    import ctypes
    import sqlite3  # noqa: F401 (loads libsqlite3 into the process)
    _sqlite = ctypes.CDLL("libsqlite3.so.0")
    _sqlite.sqlite3_memory_used.restype = ctypes.c_int64
    _sqlite.sqlite3_memory_highwater.restype = ctypes.c_int64
except OSError:
    _sqlite = None


def note(step: str) -> None:
    global _last_snapshot
    with _lock:
        values = {}
        with open("/proc/self/status") as status:
            for line in status:
                key, _, value = line.partition(":")
                if key in ("VmRSS", "VmHWM", "RssAnon"):
                    values[key] = int(value.split()[0]) / 1024
        line = (f"{time.monotonic():.3f} {threading.current_thread().name[:12]:12s} {step:34s} "
                f"RSS {values['VmRSS']:6.1f}  anon {values['RssAnon']:6.1f}  HWM {values['VmHWM']:6.1f}")
        if _sqlite is not None:
            line += (f"  sqlite {_sqlite.sqlite3_memory_used() / 2**20:5.1f}"
                     f" (peak {_sqlite.sqlite3_memory_highwater(0) / 2**20:5.1f})")
        if TRACE:
            now, peak = tracemalloc.get_traced_memory()
            tracemalloc.reset_peak()
            line += f"  traced {now / 2**20:6.1f} peak {peak / 2**20:6.1f}"
        OUT.write(line + "\n")
        if TRACE and os.environ.get("BENCH_TRACEMALLOC_FILES"):
            snapshot = tracemalloc.take_snapshot()
            if _last_snapshot is not None:
                for stat in snapshot.compare_to(_last_snapshot, "filename")[:8]:
                    OUT.write(f"      {stat.size_diff / 2**20:+6.2f} MB {stat.traceback[0].filename}\n")
            _last_snapshot = snapshot


note("interpreter")
try:  # as the `deskconsole` command starts (deskconsole.__main__.main): OpenSSL kept out
    from deskconsole import openssl  # noqa: E402
    openssl.keep_out()
except ImportError:  # an older copy of the package (a "before")
    pass
from deskconsole import app as app_module, cli, refresh  # noqa: E402

note("imports (cli, app)")


def around(cls, name, before=None, after=None):
    original = getattr(cls, name)

    def wrapper(*args, **kwargs):
        if before:
            note(before)
        try:
            return original(*args, **kwargs)
        finally:
            if after:
                note(after)
    setattr(cls, name, wrapper)


around(refresh.Reader, "read", "read: start", "read: done")
around(app_module.DeskApp, "_prepare_console", None, "console modules imported")
around(app_module.DeskApp, "_warm_panes", None, "panes prebuilt")
around(app_module.DeskApp, "_build_engine", None, "SLA engine made")
around(app_module.DeskApp, "signed_on", "signed on: start", "signed on: console screen pushed")
around(app_module.DeskApp, "console_mounted", None, "console mounted (data shown)")
around(app_module.DeskApp, "_show", None, "shown")
atexit.register(note, "exit")

if os.environ.get("BENCH_MALLOC_TRIM"):
    # What-if: give the C heap's free memory back to the system after each read and each show.
    import ctypes
    _trim = ctypes.CDLL("libc.so.6").malloc_trim

    def trimmed(cls, name):
        original = getattr(cls, name)

        def wrapper(*args, **kwargs):
            try:
                return original(*args, **kwargs)
            finally:
                _trim(0)
        setattr(cls, name, wrapper)
    trimmed(refresh.Reader, "read")
    trimmed(app_module.DeskApp, "_show")

if os.environ.get("BENCH_PIN_IN_CHILD"):
    # What the peak would be if the PIN's scrypt (n=2^14, r=8: 16 MB while it runs) ran in a child
    # process: a what-if, the PIN check itself is the same function.
    from deskconsole import people
    _pin_matches = people.pin_matches

    def pin_matches(pin, stored):
        read, write = os.pipe()
        pid = os.fork()
        if pid == 0:
            os.write(write, b"1" if _pin_matches(pin, stored) else b"0")
            os._exit(0)
        os.close(write)
        answer = os.read(read, 1)
        os.close(read)
        os.waitpid(pid, 0)
        return answer == b"1"
    people.pin_matches = pin_matches
MODULES = os.environ.get("BENCH_MODULES")


def ticking():
    while True:
        time.sleep(1.0)
        note("every second")
        if MODULES:  # the modules loaded so far, one a line: what a console holds, to weigh one by one
            Path(MODULES).write_text("\n".join(sorted(sys.modules)) + "\n")


threading.Thread(target=ticking, daemon=True, name="memtick").start()

if __name__ == "__main__":
    sys.exit(cli.main())
