"""Where the console's time goes, with the stdlib's cProfile (pyinstrument is not available here).

    .venv/bin/python bench/profile.py idle   [--db PATH] [--size 80x24] [--seconds 20]
    .venv/bin/python bench/profile.py signon [--db PATH] [--size 80x24]
    .venv/bin/python bench/profile.py change [--db PATH] [--changes 20]   # what a commit elsewhere costs
    .venv/bin/python bench/profile.py search [--db PATH] [--changes 20]   # typing phone fragments in search

Runs bench/apps/profile_console.py under a pseudo-terminal, signs on, waits, quits with Ctrl+Q, and
prints the heaviest functions of the 1 s tick / feed poll / display step (and, for signon, of the
reload thread's console_data.load). `change`: another process saves `--changes` calls, one every 0.5 s,
and the whole main thread (the paint included) is profiled meanwhile, with the last load's thread.
`search`: `s`, then `--changes` phone fragments typed as one burst each (Ctrl+U first), the main thread
profiled meanwhile.
"""
from __future__ import annotations

import argparse
import os
import pstats
import signal
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import make_bench_db  # noqa: E402
import measure  # noqa: E402
from ptyterm import PYTHON, Term  # noqa: E402

APP = Path(__file__).resolve().parent / "apps" / "profile_console.py"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("what", choices=["idle", "signon", "change", "search"])
    parser.add_argument("--db", type=Path)
    parser.add_argument("--size", type=measure.parse_size, default=(80, 24))
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--changes", type=int, default=20)
    args = parser.parse_args(argv)
    db = args.db or make_bench_db.ensure(1.0, max_age=24 * 3600)
    out = str(make_bench_db.DATA / "console.prof")
    env = {"BENCH_PROFILE": out}
    if args.what in ("signon", "change"):
        env["BENCH_PROFILE_LOAD"] = "1"
    if args.what in ("change", "search"):
        env["BENCH_PROFILE_SIGNALS"] = "1"
    term = Term([PYTHON, str(APP), "--db", str(db), "--operator", "R1", "--lang", "en"], *args.size, env=env)
    try:
        measure.start_to_signon(term)
        shown, settled = measure.sign_on(term)
        print(f"sign-on -> rows shown {shown * 1000:.0f} ms, settled {settled * 1000:.0f} ms")
        if args.what == "idle":
            time.sleep(args.seconds)
        elif args.what == "change":
            time.sleep(3)
            os.kill(term.pid, signal.SIGUSR1)
            writer = subprocess.Popen([PYTHON, str(Path(__file__).resolve().parent / "writer.py"), "--db", str(db)],
                                      stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
            writer.stdout.readline()  # ready
            for i in range(args.changes):
                writer.stdin.write(f"change {i}\n")
                writer.stdin.flush()
                writer.stdout.readline()
                time.sleep(0.5)
            writer.stdin.close()
            writer.wait()
            time.sleep(1)
            os.kill(term.pid, signal.SIGUSR2)
            print(f"{args.changes} changes profiled")
        elif args.what == "search":
            measure.press(term, "s", quiet=0.3)
            os.kill(term.pid, signal.SIGUSR1)
            for i in range(args.changes):
                measure.press(term, "\x15", quiet=0.1)
                measure.press(term, f"{1380 + i * 37 % 8000:04d}"[:4] + str(i % 10), quiet=0.15)
            os.kill(term.pid, signal.SIGUSR2)
            print(f"{args.changes} searches profiled")
        term.send("\x11")
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and not term.closed:
            time.sleep(0.05)
    finally:
        term.close()
    for path in ([out + ".load"] if args.what != "idle" else []) + [out]:
        print(f"--- {path}")
        stats = pstats.Stats(path)
        stats.sort_stats("cumulative").print_stats(args.top)
    return 0


if __name__ == "__main__":
    sys.exit(main())
