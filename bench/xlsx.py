"""The monthly figures as a workbook (`report --format xlsx`): seconds to build the sheets for N
orders, against a reference measured in the same run: the same rows appended to a bare openpyxl
sheet with no formatting. A builder whose time grows with the square of the rows shows as a ratio
that grows with N; a linear one keeps the ratio flat. Medians of --rounds runs.

    .venv/bin/python bench/xlsx.py [--orders 1000 4000 16000] [--rounds 3]
"""
from __future__ import annotations

import argparse
import statistics
import time
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

from openpyxl import Workbook

from deskconsole import report_files
from deskconsole.reports import OrderLine, Report


def report_of(n: int) -> Report:
    start = datetime(2026, 1, 1, tzinfo=timezone.utc)
    lines = [OrderLine(id=i, number=f"WO{i:05d}", created_at=start + timedelta(minutes=37 * i), sla_class="general_repair",
                       department="engineering", unit="1-1203", status="closed", respond_due_at=None, responded_at=None,
                       resolve_due_at=start + timedelta(days=3, minutes=37 * i), original_resolve_due_at=None,
                       done_at=start + timedelta(days=1, minutes=37 * i), extensions=0, reopened=0, callback_at=None,
                       satisfied=True, chargeable=i % 3 == 0, fee=Decimal("50") if i % 3 == 0 else None,
                       timely=i % 7 != 0, description="厨房水龙头漏水 kitchen tap") for i in range(1, n + 1)]
    return Report(date(2026, 1, 1), date(2026, 12, 31), "Asia/Shanghai", start, "Bench Gardens", orders=lines)


def reference(report: Report) -> None:
    ws = Workbook().active
    for o in report.orders:
        ws.append([o.number, o.created_at.replace(tzinfo=None), o.sla_class, o.department, o.unit, o.status,
                   o.resolve_due_at.replace(tzinfo=None), o.done_at.replace(tzinfo=None), o.description])


def timed(fn, report: Report, rounds: int) -> float:
    runs = []
    for _ in range(rounds):
        t = time.perf_counter()
        fn(report)
        runs.append(time.perf_counter() - t)
    return statistics.median(runs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--orders", type=int, nargs="+", default=[1000, 4000, 16000])
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    print(f"{'orders':>8} {'workbook s':>11} {'reference s':>12} {'ratio':>6}")
    for n in args.orders:
        report = report_of(n)
        built, bare = timed(report_files.build_workbook, report, args.rounds), timed(reference, report, args.rounds)
        print(f"{n:>8} {built:>11.2f} {bare:>12.2f} {built / bare:>6.1f}")


if __name__ == "__main__":
    main()
