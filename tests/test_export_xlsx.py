"""The workbook of a year (`report --format xlsx`, issue 21) costs work in proportion to its rows: the
cells openpyxl scans (each max_row, max_column, ws[row] ... reads every cell written so far) are
counted, not timed. Asking max_row after each row made this grow with the square of the orders."""
from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from openpyxl.worksheet.worksheet import Worksheet

from deskconsole import report_files
from deskconsole.reports import OrderLine, Report

START = datetime(2026, 1, 1, tzinfo=timezone.utc)


LINE = OrderLine(id=1, number="WO00001", created_at=START, sla_class="general_repair", department="engineering",
                 unit="1-1203", status="closed", respond_due_at=None, responded_at=None,
                 resolve_due_at=START + timedelta(days=3), original_resolve_due_at=None, done_at=START + timedelta(days=1),
                 extensions=0, reopened=0, callback_at=None, satisfied=True, chargeable=True, fee=Decimal("50"),
                 timely=True, description="厨房水龙头漏水 王[b]小明 [/x]")


def report_of(n: int) -> Report:
    """n orders, one in seven late (a marked cell), one in three charged."""
    step = timedelta(minutes=37)
    lines = [replace(LINE, id=i, number=f"WO{i:05d}", created_at=START + i * step, timely=i % 7 != 0,
                     chargeable=i % 3 == 0, fee=LINE.fee if i % 3 == 0 else None) for i in range(1, n + 1)]
    return Report(date(2026, 1, 1), date(2026, 12, 31), "Asia/Shanghai", START, "Bench Gardens", orders=lines)


@pytest.fixture
def scanned(monkeypatch):
    """How many cells openpyxl's whole-sheet properties have looked at."""
    count = [0]
    for name in ("min_row", "max_row", "min_column", "max_column"):
        prop = getattr(Worksheet, name)

        def counting(self, _get=prop.fget):
            count[0] += len(self._cells)
            return _get(self)
        monkeypatch.setattr(Worksheet, name, property(counting))
    return count


def test_the_workbooks_work_grows_in_proportion_to_its_orders(scanned):
    report_files.build_workbook(report_of(300))
    small = scanned[0]
    scanned[0] = 0
    report_files.build_workbook(report_of(1200))
    large = scanned[0]
    # Linear: four times the orders, at most four times the scanning (and some fixed part); the old
    # builder scanned about sixteen times as much.
    assert large <= 4 * small + 10_000, (small, large)
