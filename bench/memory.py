"""Where one console's memory goes, step by step (issue 21): the console under a pseudo-terminal, signed
on as `measure.py memory` does it (PIN, every pane, 5 s idle), with bench/apps/memory_console.py noting
VmRSS / RssAnon / VmHWM at each step of the sign-on; the log is printed at the end.

    .venv/bin/python bench/memory.py [--db PATH] [--size 80x24] [--typing 1.5] [--pin-in-child] [--tracemalloc [--files]]
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import make_bench_db  # noqa: E402
import measure  # noqa: E402
from ptyterm import PYTHON, Term  # noqa: E402

APP = Path(__file__).resolve().parent / "apps" / "memory_console.py"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", type=Path)
    parser.add_argument("--size", type=measure.parse_size, default=(80, 24))
    parser.add_argument("--typing", type=float, default=0.0)
    parser.add_argument("--tracemalloc", action="store_true")
    parser.add_argument("--pin-in-child", action="store_true", help="what-if: the PIN's scrypt in a child process")
    parser.add_argument("--env", action="append", default=[], metavar="NAME=VALUE",
                        help="set in the console's environment (BENCH_MALLOC_TRIM=1, MALLOC_ARENA_MAX=2, ...)")
    parser.add_argument("--files", action="store_true", help="with --tracemalloc: the heaviest files per step")
    args = parser.parse_args(argv)
    db = args.db or make_bench_db.ensure(1.0, max_age=24 * 3600)
    with tempfile.NamedTemporaryFile("r", suffix=".log") as log:
        env = {"BENCH_MEMLOG": log.name}
        env.update(e.split("=", 1) for e in args.env)
        if args.pin_in_child:
            env["BENCH_PIN_IN_CHILD"] = "1"
        if args.tracemalloc:
            env["BENCH_TRACEMALLOC"] = "1"
            if args.files:
                env["BENCH_TRACEMALLOC_FILES"] = "1"
        term = Term([PYTHON, str(APP), "--db", str(db), "--operator", "R1", "--lang", "en"], *args.size, env=env)
        try:
            measure.start_to_signon(term)
            shown, settled = measure.sign_on(term, typing=args.typing)
            for key in "12341":
                measure.press(term, key, quiet=0.1)
            time.sleep(5)
            hwm = term.status("VmHWM")
        finally:
            term.close()
        print(log.read(), end="")
    print(f"sign-on -> rows {shown * 1000:.0f} ms, settled {settled * 1000:.0f} ms; VmHWM {hwm / 1024:.1f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
