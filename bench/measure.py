"""The measurements, each from outside the process under a pseudo-terminal of fixed size.

    .venv/bin/python bench/measure.py startup  [--runs 5]          start -> sign-on painted; sign-on -> console painted
    .venv/bin/python bench/measure.py idle     [--size 80x24]      idle bytes/s and CPU, vs the DataTable and the bare app
    .venv/bin/python bench/measure.py keys     [--size 80x24]      cursor moves, filter, save a call (p50/p95)
    .venv/bin/python bench/measure.py commit   [--tries 10]        a commit elsewhere -> visible here
    .venv/bin/python bench/measure.py many     [--consoles 20]     N consoles idle: total CPU
    .venv/bin/python bench/measure.py fleet    [--consoles 20] [--build NAME=PROGRAM] [--runs 1]
                                           N idle consoles: CPU and memory each, a new call -> on every one
    .venv/bin/python bench/measure.py memory                       peak memory (VmHWM), console vs bare app

Every command takes --db PATH (default: the full-size benchmark database, made if missing) and
--scale (the generator's size factor when --db is not given). Results print as JSON lines.
`--whatif` runs the console with bench/apps/whatif_console.py (the fixes proposed in
bench/README.md applied by monkeypatching, for comparison); deskconsole itself is unchanged.
"""
from __future__ import annotations

import argparse
import json
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import make_bench_db  # noqa: E402
import ptyterm  # noqa: E402
from ptyterm import PYTHON, Term  # noqa: E402

SIGNON_MARK = "Staff code"
# The top row of the calls pane (an open emergency), set with all the panes' rows in one batch.
ROWS_MARK = make_bench_db.NEWEST_MARK
BENCH = Path(__file__).resolve().parent
WHATIF = False


def console(db, cols=80, rows=24, program: str | None = None) -> Term:
    if WHATIF:
        return Term([PYTHON, str(BENCH / "apps" / "whatif_console.py"), "--db", str(db), "--operator", "R1",
                     "--lang", "en"], cols, rows)
    return ptyterm.console(db, cols, rows, program=program)


def median(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def pct(values, p):
    values = sorted(v for v in values if v is not None)
    if not values:
        return None
    k = min(len(values) - 1, max(0, round(p / 100 * (len(values) - 1))))
    return values[k]


def ms(seconds):
    return None if seconds is None else round(seconds * 1000, 1)


def emit(**result):
    print(json.dumps(result, ensure_ascii=False), flush=True)
    return result


def sign_on(term: Term, timeout: float = 60.0, typing: float = 0.0) -> tuple[float, float]:
    """From the painted sign-on screen: type the PIN, Enter; returns (Enter -> the rows shown,
    Enter -> output settled after it). `typing`: seconds the sign-on screen stays up before the PIN
    (0: at once, as no one types; ≈1.5: a person typing a 4-digit PIN)."""
    time.sleep(typing)
    term.send("0000")
    time.sleep(0.05)
    mark = term.mark()
    t0 = term.send("\r")
    seen = term.wait_for(ROWS_MARK, since=mark, timeout=timeout)
    done = term.settle(seen, quiet=0.1)
    return seen - t0, done - t0


def start_to_signon(term: Term, marker: str = SIGNON_MARK) -> float:
    seen = term.wait_for(marker, timeout=60)
    return term.settle(seen, quiet=0.1) - term.started


# --- process start -> sign-on screen; sign-on -> console painted ------------------------

def startup(db, runs: int = 5, size=(80, 24), typing: float = 0.0):
    console_start, bare_start, signon_rows, signon_done = [], [], [], []
    # Warm-up (not counted): fills the bytecode cache and the OS file cache of the database.
    with ptyterm.bare_app(*size) as term:
        start_to_signon(term)
    with console(db, *size) as term:
        start_to_signon(term)
        sign_on(term)
    for _ in range(runs):
        with ptyterm.bare_app(*size) as bare:
            bare_start.append(start_to_signon(bare))
        with console(db, *size) as term:
            console_start.append(start_to_signon(term))
            rows, done = sign_on(term, typing=typing)
            signon_rows.append(rows)
            signon_done.append(done)
    c, b = median(console_start), median(bare_start)
    emit(figure="start_to_signon", size=f"{size[0]}x{size[1]}", runs=runs, console_ms=ms(c), bare_ms=ms(b),
         ratio=round(c / b, 2), all_console_ms=[ms(v) for v in console_start], all_bare_ms=[ms(v) for v in bare_start])
    return emit(figure="signon_to_painted" if not typing else "signon_to_painted_typed", size=f"{size[0]}x{size[1]}",
                runs=runs, typing_s=typing,
                rows_shown_ms=ms(median(signon_rows)),
                settled_ms=ms(median(signon_done)), all_settled_ms=[ms(v) for v in signon_done])


# --- idle -------------------------------------------------------------------------------------

def _idle_window(term: Term, settle: float, window: float) -> tuple[float, float]:
    time.sleep(settle)
    c0, t0 = term.cpu_seconds(), time.monotonic()
    time.sleep(window)
    c1, t1 = term.cpu_seconds(), time.monotonic()
    return term.bytes_between(t0, t1) / (t1 - t0), 100 * (c1 - c0) / (t1 - t0)


def idle(db, size=(80, 24), window: float = 20.0, settle: float = 5.0):
    cols, rows = size
    with console(db, cols, rows) as term:
        start_to_signon(term)
        sign_on(term)
        c_bps, c_cpu = _idle_window(term, settle, window)
        c_hwm = term.status("VmHWM")
    with ptyterm.datatable_app(cols, rows) as term:
        start_to_signon(term, "What was said")
        d_bps, d_cpu = _idle_window(term, settle, window)
    with ptyterm.bare_app(cols, rows) as term:
        start_to_signon(term)
        b_bps, b_cpu = _idle_window(term, settle, window)
    return emit(figure="idle", size=f"{cols}x{rows}", window_s=window, console_Bps=round(c_bps),
                console_cpu_pct=round(c_cpu, 2), datatable_Bps=round(d_bps), datatable_cpu_pct=round(d_cpu, 2),
                bare_Bps=round(b_bps), bare_cpu_pct=round(b_cpu, 2), console_hwm_kB=c_hwm)


# --- key press -> screen settled -----------------------------------------------------------

def press(term: Term, key: str, quiet: float = 0.03) -> float | None:
    """Key written -> the last byte of the answer, once the output has been quiet `quiet` s.
    Sent only after the output has been quiet a while, so a tick is rarely mixed in."""
    term.settle(time.monotonic(), quiet=0.05)
    t0 = term.send(key)
    done = term.settle(t0, quiet=quiet, timeout=3)
    return None if done == t0 else done - t0


def keys(db, size=(80, 24), moves: int = 20, program: str | None = None, build: str = "this"):
    cols, rows = size
    result = {}
    with console(db, cols, rows, program) as term:
        start_to_signon(term)
        sign_on(term)
        time.sleep(1)
        for pane in "1234":
            press(term, pane, quiet=0.1)
            samples = []
            for i in range(moves):
                samples.append(press(term, "\x1b[B" if i < moves // 2 else "\x1b[A"))
                time.sleep(random.uniform(0.05, 0.2))
            result[pane] = samples
        allmoves = [v for s in result.values() for v in s]
        emit(figure="cursor_move", build=build, size=f"{cols}x{rows}", n=len(allmoves), p50_ms=ms(pct(allmoves, 50)),
             p95_ms=ms(pct(allmoves, 95)), max_ms=ms(max(v for v in allmoves if v is not None)),
             per_pane_p95_ms={p: ms(pct(s, 95)) for p, s in result.items()},
             no_output=sum(v is None for v in allmoves))
        # The filter of the calls pane: "/" then a word, a key at a time.
        press(term, "1", quiet=0.1)
        press(term, "\x1b[H", quiet=0.1)
        opened = press(term, "/", quiet=0.1)
        typed = []
        for word in ("water", "漏水", "dog"):
            for ch in word:
                typed.append(press(term, ch, quiet=0.03))
                time.sleep(0.1)
            for _ in word:
                typed.append(press(term, "\x7f", quiet=0.03))
                time.sleep(0.1)
        press(term, "\x1b", quiet=0.1)
        emit(figure="filter_key", build=build, size=f"{cols}x{rows}", n=len(typed), open_ms=ms(opened), p50_ms=ms(pct(typed, 50)),
             p95_ms=ms(pct(typed, 95)), max_ms=ms(max(v for v in typed if v is not None)))
        saves, shown = save_calls(term)
        # median_ms: to the output settled (50 ms quiet) after the row appeared; shown_ms: to the row.
        return emit(figure="save_call", build=build, size=f"{cols}x{rows}", n=len(saves), median_ms=ms(median(saves)),
                    shown_median_ms=ms(median(shown)), all_ms=[ms(v) for v in saves],
                    all_shown_ms=[ms(v) for v in shown])


def type_keys(term: Term, keys: str, timeout: float = 3.0) -> None:
    """Type `keys` and wait for the program's answer (the first output after them, then 50 ms quiet)."""
    t = term.send(keys)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and not (term.chunks and term.chunks[-1][0] > t):
        time.sleep(0.005)
    term.settle(t, quiet=0.05, timeout=timeout)


def save_calls(term: Term, n: int = 3) -> tuple[list, list]:
    """Save a call `n` times: n, fill the form, Ctrl+S -> the row shown (and selected) in the pane.
    Returns (Ctrl+S -> output settled after the row, Ctrl+S -> the row on the screen), in seconds."""
    saves, shown = [], []
    for k in range(n):
        # The form takes its keys once it is painted (and its first field focused): keys typed
        # before then reach the console behind it (digits switch panes). Wait for its last line.
        opened = term.mark()
        term.send("n")
        try:
            term.settle(term.wait_for("Ctrl+S saves", since=opened, timeout=10), quiet=0.2)
        except TimeoutError:
            saves.append(None)
            shown.append(None)
            term.send("\x1b")
            time.sleep(0.5)
            continue
        text = f"BENCHSAVE-{random.randrange(10**6)}"
        # The row's caller cell (12 wide) and text, as the pane paints them: the form's own
        # inputs (which repaint on Ctrl+S) never show the two side by side.
        caller = f"Saver {random.randrange(10**6):06d}"
        # Each key's echo is awaited before the next: on a busy machine keys sent on a timer reached
        # the wrong field (a refused form, then every later save lost).
        for field in ("13900000001", caller, "1-101", "o", "p"):
            type_keys(term, field)
            type_keys(term, "\t")
        term.send(text)
        term.settle(time.monotonic(), quiet=0.2)
        mark = term.mark()
        t0 = term.send("\x13")
        try:
            seen = term.wait_for(f"{caller} {text}", since=mark, timeout=10)
            shown.append(seen - t0)
            saves.append(term.settle(seen, quiet=0.05) - t0)
        except TimeoutError:
            saves.append(None)
            shown.append(None)
            term.send("\x1b")
            time.sleep(0.5)
            term.send("y")  # "A form holds what you typed. Close it?": yes
            time.sleep(0.5)
        time.sleep(0.5)
    return saves, shown


# --- a commit elsewhere -> visible here ------------------------------------------------------

def writer_process(db) -> subprocess.Popen:
    """Another console's writes (bench/writer.py), ready to take lines."""
    writer = subprocess.Popen([PYTHON, str(BENCH / "writer.py"), "--db", str(db)], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True)
    assert writer.stdout.readline().strip() == "ready"
    return writer


def commit_lags(term: Term, writer: subprocess.Popen, tries: int) -> list:
    """Commit a call in the writer `tries` times, at random phases of the console's feed poll; each
    time, the seconds from the commit until its text is on the console's terminal (None: not in 10 s)."""
    lags = []
    for i in range(tries):
        time.sleep(random.uniform(0.3, 1.3))  # any phase of the console's poll
        text = f"BENCHVIS-{i:03d}-{random.randrange(10**6)}"
        mark = term.mark()
        writer.stdin.write(text + "\n")
        writer.stdin.flush()
        committed = float(writer.stdout.readline())
        try:
            seen = term.wait_for(text, since=mark, timeout=10)
            lags.append(seen - committed)
        except TimeoutError:
            lags.append(None)
    return lags


def commit(db, tries: int = 10, size=(80, 24)):
    cols, rows = size
    writer = writer_process(db)
    try:
        with console(db, cols, rows) as term:
            start_to_signon(term)
            sign_on(term)
            time.sleep(1)
            lags = commit_lags(term, writer, tries)
            hwm = term.status("VmHWM")
    finally:
        writer.stdin.close()
        writer.wait(10)
    return emit(figure="commit_visible", size=f"{cols}x{rows}", tries=tries, p50_ms=ms(pct(lags, 50)),
                p95_ms=ms(pct(lags, 95)), max_ms=ms(max(v for v in lags if v is not None)),
                missed=sum(v is None for v in lags), all_ms=[ms(v) for v in lags], console_hwm_kB=hwm)


# --- memory -------------------------------------------------------------------------------------

def memory(db, size=(200, 50)):
    """VmHWM after sign-on, a minute's worth of use (every pane shown, a reload) and 5 s idle."""
    cols, rows = size
    with console(db, cols, rows) as term:
        start_to_signon(term)
        sign_on(term)
        for key in "12341":
            press(term, key, quiet=0.1)
        time.sleep(5)
        c = term.status("VmHWM")
    with ptyterm.bare_app(cols, rows) as term:
        start_to_signon(term)
        time.sleep(5)
        b = term.status("VmHWM")
    return emit(figure="peak_memory", size=f"{cols}x{rows}", console_MB=round(c / 1024, 1), bare_MB=round(b / 1024, 1))


# --- many consoles --------------------------------------------------------------------------------

def many(db, consoles: int = 20, window: float = 20.0, size=(80, 24)):
    terms = []
    try:
        for _ in range(consoles):
            term = console(db, *size)
            terms.append(term)
            start_to_signon(term)
            sign_on(term)
        time.sleep(5)
        c0 = sum(t.cpu_seconds() for t in terms)
        t0 = time.monotonic()
        time.sleep(window)
        c1 = sum(t.cpu_seconds() for t in terms)
        t1 = time.monotonic()
        bps = sum(t.bytes_between(t0, t1) for t in terms) / (t1 - t0)
        hwm = [t.status("VmHWM") for t in terms]
    finally:
        for term in terms:
            term.close()
    total = 100 * (c1 - c0) / (t1 - t0)
    return emit(figure="many_idle", consoles=consoles, size=f"{size[0]}x{size[1]}", total_cpu_pct=round(total, 2),
                per_console_cpu_pct=round(total / consoles, 2), total_Bps=round(bps),
                median_hwm_MB=round(statistics.median(hwm) / 1024, 1))


# --- a fleet of idle consoles, and a call that must reach every one -------------------------

def fleet(db, consoles: int = 20, tries: int = 10, window: float = 20.0, size=(80, 24), program=None,
          name: str = "this"):
    """`consoles` consoles signed on and left idle: CPU and peak memory each over `window` s; then a call
    committed by another process `tries` times (random phases of the consoles' polls), each time the
    seconds until its text is on every console's terminal: p50/p95 over all consoles and tries."""
    terms = []
    writer = writer_process(db)
    try:
        for _ in range(consoles):
            term = console(db, *size, program=program)
            terms.append(term)
            start_to_signon(term)
            sign_on(term)
        time.sleep(5)
        c0, t0 = [t.cpu_seconds() for t in terms], time.monotonic()
        time.sleep(window)
        c1, t1 = [t.cpu_seconds() for t in terms], time.monotonic()
        cpu = [100 * (b - a) / (t1 - t0) for a, b in zip(c0, c1)]
        lags, last = [], []
        c2, t2 = sum(t.cpu_seconds() for t in terms), time.monotonic()
        for i in range(tries):
            time.sleep(random.uniform(0.3, 1.3))
            text = f"FLEET-{i:03d}-{random.randrange(10**6):06d}"  # short: the text column is narrow at 80x24
            marks = [t.mark() for t in terms]
            writer.stdin.write(text + "\n")
            writer.stdin.flush()
            committed = float(writer.stdout.readline())
            # The harness reads every terminal in a thread that stamps each chunk as it comes; it parses
            # the screens only once they are all quiet, so its own work does not take the two cores
            # from the consoles while they paint (a terminal, or sshd, only passes the bytes on).
            quiet_since = committed
            while time.monotonic() - committed < 5:
                time.sleep(0.1)
                newest = max((t.chunks[-1][0] for t in terms if t.chunks), default=committed)
                if newest > quiet_since:
                    quiet_since = newest
                elif time.monotonic() - quiet_since > 0.5:
                    break
            seen = []
            for term, mark in zip(terms, marks):
                try:
                    seen.append(term.wait_for(text, since=mark, timeout=30) - committed)
                except TimeoutError:
                    seen.append(None)
            lags += seen
            last.append(max((v for v in seen if v is not None), default=None))
            time.sleep(1)
        c3, t3 = sum(t.cpu_seconds() for t in terms), time.monotonic()
        hwm = [t.status("VmHWM") for t in terms]
        rss = [t.status("VmRSS") for t in terms]
    finally:
        for term in terms:
            term.close()
        writer.stdin.close()
        writer.wait(10)
    return emit(figure="fleet", build=name, consoles=consoles, tries=tries, size=f"{size[0]}x{size[1]}",
                visible_p50_ms=ms(pct(lags, 50)), visible_p95_ms=ms(pct(lags, 95)),
                visible_max_ms=ms(max((v for v in lags if v is not None), default=None)),
                last_console_p50_ms=ms(pct(last, 50)), missed=sum(v is None for v in lags),
                # CPU a console spends on one change (above its idle rate): what 2 cores share out.
                cpu_per_change_ms=ms((c3 - c2 - sum(cpu) / 100 * (t3 - t2)) / (tries * consoles)),
                idle_cpu_total_pct=round(sum(cpu), 2), idle_cpu_per_console_pct=round(sum(cpu) / consoles, 2),
                hwm_median_MB=round(statistics.median(hwm) / 1024, 1), hwm_max_MB=round(max(hwm) / 1024, 1),
                rss_median_MB=round(statistics.median(rss) / 1024, 1))


def whatif_db(db: Path) -> Path:
    """A copy of the benchmark database for --whatif runs (the patched console adds an index to it)."""
    import sqlite3
    db = Path(db)
    copy = db.with_name(db.stem + "-whatif.db")
    if not copy.exists() or copy.stat().st_mtime < db.stat().st_mtime - 3600:
        for suffix in ("", "-wal", "-shm"):
            Path(str(copy) + suffix).unlink(missing_ok=True)
        src, dst = sqlite3.connect(str(db)), sqlite3.connect(str(copy))
        src.backup(dst)
        dst.execute("CREATE INDEX IF NOT EXISTS whatif_call_status_received ON call (status, received_at)")
        dst.commit()
        src.close()
        dst.close()
    return copy


def parse_size(text: str) -> tuple[int, int]:
    cols, rows = text.lower().split("x")
    return int(cols), int(rows)


def main(argv=None) -> int:
    global WHATIF
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("what", choices=["startup", "idle", "keys", "commit", "memory", "many", "fleet"])
    parser.add_argument("--db", type=Path)
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--size", type=parse_size, default=None)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--typing", type=float, default=0.0,
                        help="startup: seconds on the sign-on screen before the PIN is typed (default 0)")
    parser.add_argument("--tries", type=int, default=10)
    parser.add_argument("--consoles", type=int, default=20)
    parser.add_argument("--window", type=float, default=20.0)
    parser.add_argument("--whatif", action="store_true", help="the console with the proposed fixes patched in")
    parser.add_argument("--build", action="append", default=[], metavar="NAME=PROGRAM",
                        help="fleet, keys: also another checkout's deskconsole (repeatable); builds take turns "
                             "(keys: --runs rounds)")
    args = parser.parse_args(argv)
    WHATIF = args.whatif
    db = args.db or make_bench_db.ensure(args.scale, max_age=24 * 3600)
    if WHATIF:
        db = whatif_db(db)
    size = args.size
    if args.what == "startup":
        startup(db, args.runs, size or (80, 24), args.typing)
    elif args.what == "idle":
        for s in ([size] if size else [(80, 24), (200, 50)]):
            idle(db, s, args.window)
    elif args.what == "keys":
        if not args.build:
            keys(db, size or (80, 24))
        builds = [("this", None)] + [tuple(b.split("=", 1)) for b in args.build]
        for round_ in range(args.runs if args.build else 0):
            for name, program in builds[::-1] if round_ % 2 else builds:
                keys(db, size or (80, 24), program=program, build=name)
    elif args.what == "commit":
        commit(db, args.tries, size or (80, 24))
    elif args.what == "memory":
        memory(db, size or (200, 50))
    elif args.what == "many":
        many(db, args.consoles, args.window, size or (80, 24))
    elif args.what == "fleet":
        builds = [("this", None)] + [tuple(b.split("=", 1)) for b in args.build]
        for round_ in range(args.runs):
            for name, program in builds[::-1] if round_ % 2 else builds:  # the order turns round by round
                fleet(db, args.consoles, args.tries, args.window, size or (80, 24), program, name)
    return 0


if __name__ == "__main__":
    sys.exit(main())
