"""Every benchmark, one command, then the table of figures against the targets (issue 8).

    .venv/bin/python bench/run_all.py                 # full size (the database is made once, ~2.5 min)
    .venv/bin/python bench/run_all.py --scale 0.01    # the same on 1 % of the data, to try it fast
    .venv/bin/python bench/run_all.py --whatif        # also the console with the proposed fixes patched in
    .venv/bin/python bench/run_all.py --skip many     # leave out a measurement (startup idle keys commit memory many);
                                                      # the table then shows the last run's figures for it

Prints each measurement as a JSON line as it finishes, then the table; the results are also
written to bench/.data/latest.json (and latest-whatif.json). Takes about 6 minutes (12 with --whatif).
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import make_bench_db  # noqa: E402
import measure  # noqa: E402

ORDER = ("startup", "idle", "keys", "commit", "memory", "many")


def run(db, args) -> None:
    if "startup" not in args.skip:
        measure.startup(db, args.runs, (80, 24))
        measure.startup(db, max(1, args.runs // 2), (200, 50))
        measure.startup(db, args.runs, (80, 24), typing=1.5)
    if "idle" not in args.skip:
        measure.idle(db, (80, 24), args.window)
        measure.idle(db, (200, 50), args.window)
    if "keys" not in args.skip:
        measure.keys(db, (80, 24))
    if "commit" not in args.skip:
        measure.commit(db, args.tries)
    if "memory" not in args.skip:
        measure.memory(db)
    if "many" not in args.skip:
        measure.many(db, args.consoles, args.window)


class Capture:
    """Keep the JSON lines measure.emit prints, so the table can use all of them."""

    def __init__(self):
        self.results: dict[str, list[dict]] = {}
        self._emit = measure.emit

    def __enter__(self):
        def emit(**result):
            self.results.setdefault(result["figure"], []).append(result)
            return self._emit(**result)
        measure.emit = emit
        return self

    def __exit__(self, *exc):
        measure.emit = self._emit


def fmt(value, unit=""):
    if value is None:
        return "—"
    if isinstance(value, float) and value >= 100:
        value = round(value)
    return f"{value:,}{unit}" if isinstance(value, int) else f"{value}{unit}"


def table(res: dict[str, list[dict]], whatif: dict[str, list[dict]] | None = None) -> str:
    def get(results, figure, size=None, key=None):
        for item in (results or {}).get(figure, []):
            if size is None or item.get("size") == size:
                return item.get(key) if key else item
        return None

    rows = []

    def add(name, target, key_fig, size, key, unit, ok, compare=""):
        value = get(res, key_fig, size, key)
        line = [name, target, fmt(value, unit), ("ok" if ok(value) else "MISSED") if value is not None else "—",
                compare]
        if whatif is not None:
            w = get(whatif, key_fig, size, key)
            line.append(fmt(w, unit) + ("" if w is None else (" ok" if ok(w) else " MISSED")))
        rows.append(line)

    st = get(res, "start_to_signon", "80x24") or {}
    ratio = st.get("ratio")
    rows_ratio = ["process start -> sign-on painted (80x24)", "≤ 1.3 × bare",
                  f"{fmt(st.get('console_ms'), ' ms')} = {ratio} × bare" if st else "—",
                  ("ok" if ratio <= 1.3 else "MISSED") if st else "—", f"bare app {fmt(st.get('bare_ms'), ' ms')}"]
    if whatif is not None:
        w = get(whatif, "start_to_signon", "80x24") or {}
        rows_ratio.append(f"{w.get('ratio')} × bare" if w else "—")
    rows.append(rows_ratio)
    add("sign-on -> console painted (80x24)", "≤ 300 ms", "signon_to_painted", "80x24", "settled_ms", " ms",
        lambda v: v <= 300)
    add("sign-on -> console painted (200x50)", "≤ 300 ms", "signon_to_painted", "200x50", "settled_ms", " ms",
        lambda v: v <= 300)
    add("sign-on -> console painted, PIN typed over 1.5 s (80x24)", "≤ 300 ms", "signon_to_painted_typed", "80x24",
        "settled_ms", " ms", lambda v: v <= 300)
    for size, target in (("80x24", 300), ("200x50", 1000)):
        i = get(res, "idle", size) or {}
        add(f"idle bytes/s, {size}", f"≤ {target:,} B/s", "idle", size, "console_Bps", " B/s", lambda v, t=target: v <= t,
            f"DataTable {fmt(i.get('datatable_Bps'), ' B/s')}, bare {fmt(i.get('bare_Bps'), ' B/s')}" if i else "")
    for size in ("80x24", "200x50"):
        i = get(res, "idle", size) or {}
        add(f"idle CPU of one console, {size}", "≤ 1 % of a core", "idle", size, "console_cpu_pct", " %",
            lambda v: v <= 1, f"DataTable {fmt(i.get('datatable_cpu_pct'), ' %')}, bare {fmt(i.get('bare_cpu_pct'), ' %')}"
            if i else "")
    add("key -> settled, cursor move, any pane (p95)", "≤ 16 ms", "cursor_move", "80x24", "p95_ms", " ms",
        lambda v: v <= 16, f"p50 {fmt(get(res, 'cursor_move', '80x24', 'p50_ms'), ' ms')}")
    add("key -> filtered result, calls pane (p95)", "≤ 50 ms", "filter_key", "80x24", "p95_ms", " ms",
        lambda v: v <= 50, f"p50 {fmt(get(res, 'filter_key', '80x24', 'p50_ms'), ' ms')}")
    add("save a call, Ctrl+S -> row shown (median)", "≤ 100 ms", "save_call", "80x24", "median_ms", " ms",
        lambda v: v <= 100, f"row on the screen after {fmt(get(res, 'save_call', '80x24', 'shown_median_ms'), ' ms')}; "
        "the figure waits for the output to settle")
    add("commit elsewhere -> visible here (p95)", "≤ 1 s", "commit_visible", "80x24", "p95_ms", " ms",
        lambda v: v <= 1000, f"p50 {fmt(get(res, 'commit_visible', '80x24', 'p50_ms'), ' ms')}")
    m = get(res, "peak_memory") or {}
    add("peak memory of one console (200x50)", "≤ 80 MB", "peak_memory", "200x50", "console_MB", " MB",
        lambda v: v <= 80, f"bare app {fmt(m.get('bare_MB'), ' MB')}" if m else "")
    n = get(res, "many_idle", "80x24", "consoles") or 20
    add(f"{n} consoles idle, total CPU", "≤ 20 % of one core", "many_idle", "80x24", "total_cpu_pct", " %",
        lambda v: v <= 20, f"per console {fmt(get(res, 'many_idle', '80x24', 'per_console_cpu_pct'), ' %')}")

    head = ["figure", "target", "measured", "", "bare / reference, same run"]
    if whatif is not None:
        head.append("with the proposed fixes")
    out = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    out += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(out)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", type=Path)
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--runs", type=int, default=5, help="runs of the start-up measurement (median)")
    parser.add_argument("--tries", type=int, default=10, help="commits timed")
    parser.add_argument("--consoles", type=int, default=20)
    parser.add_argument("--window", type=float, default=20.0, help="seconds of idle measured")
    parser.add_argument("--skip", nargs="*", default=[], choices=ORDER)
    parser.add_argument("--whatif", action="store_true", help="run everything again with the fixes patched in")
    args = parser.parse_args(argv)
    db = args.db or make_bench_db.ensure(args.scale, max_age=24 * 3600)
    out = make_bench_db.DATA
    out.mkdir(exist_ok=True)

    def merged(name, results):
        """With --skip: the figures not measured now are kept from the last run."""
        path = out / name
        if args.skip and path.exists():
            results = json.loads(path.read_text()) | results
        path.write_text(json.dumps(results, indent=1, ensure_ascii=False))
        return results

    with Capture() as cap:
        run(db, args)
    results = merged("latest.json", cap.results)
    whatif = None
    if args.whatif:
        measure.WHATIF = True
        with Capture() as cap:
            run(measure.whatif_db(db), args)
        measure.WHATIF = False
        whatif = merged("latest-whatif.json", cap.results)
    print()
    print(f"database: {db}")
    print(table(results, whatif))
    return 0


if __name__ == "__main__":
    sys.exit(main())
