"""`deskconsole report` and its files: each format written and read back, hostile text, argument errors."""
from __future__ import annotations

import csv
import io
from datetime import date, datetime, timezone
from decimal import Decimal

import openpyxl
import pytest
from rich.cells import cell_len

from deskconsole import cli, db, i18n, report_files, reports
from deskconsole.cli import report as cli_report
from deskconsole.reports import Day, Figure, OrderLine, Record, Report, Target

UTC = timezone.utc
NOW = datetime(2026, 12, 2, 1, 30, tzinfo=UTC)       # 09:30 on 2 December in Shanghai
HOSTILE = "[/x] \x1b[2J"
FORMULA = '=HYPERLINK("http://evil.example","click")'


def rec(kind, n, summary, day=3, hour=2):
    return Record(kind, n, f"#{n}", datetime(2026, 11, day, hour, 5, tzinfo=UTC), summary)


def order(n, **changes) -> OrderLine:
    values = dict(
        id=n, number=f"WO{n:05d}", created_at=datetime(2026, 11, 3, 16, 30, tzinfo=UTC),  # 00:30 on the 4th, local
        sla_class="urgent_repair", department="engineering", unit="1-1203", status="done",
        respond_due_at=datetime(2026, 11, 3, 17, 0, tzinfo=UTC), responded_at=datetime(2026, 11, 3, 16, 50, tzinfo=UTC),
        resolve_due_at=datetime(2026, 11, 4, 16, 30, tzinfo=UTC), original_resolve_due_at=None,
        done_at=datetime(2026, 11, 4, 2, 0, tzinfo=UTC), extensions=0, reopened=0, callback_at=None,
        satisfied=True, chargeable=True, fee=Decimal("35.50"), timely=True, description="换水龙头 王[b]小明")
    values.update(changes)
    return OrderLine(**values)


def sample_report(site="Demo Gardens 示范花园") -> Report:
    calls = (rec("call", 1, "报修 · 1-1203 · 王[b]小明"), rec("call", 2, FORMULA), rec("call", 3, HOSTILE, day=4))
    return Report(
        start=date(2026, 11, 1), end=date(2026, 11, 30), tz="Asia/Shanghai", generated_at=NOW, site=site,
        figures=[
            Figure("calls.total", "calls", "All calls", 3, records=calls),
            Figure("calls.category.repair", "calls", "报修 repair", 1, records=calls[:1]),
            Figure("orders.timely", "orders", "Timeliness (及时率)", 14, total=15, target=Target(Decimal(1), "at_least"),
                   note="orders with a deadline that fell due in the range"),
            Figure("quality.satisfied", "quality", "Satisfaction", 19, total=20,
                   target=Target(Decimal("0.9"), "at_least")),
            Figure("quality.callback", "quality", "Call-back rate", 0, total=0, target=Target(Decimal(1), "at_least")),
            Figure("complaints.effective", "complaints", "Effective complaints", 1, total=200,
                   target=Target(Decimal("0.02"), "below")),
            Figure("keys.lost", "keys", "=1+1 lost keys", 2),
            Figure("fees.total", "fees", "Fees", 2, amount=Decimal("1234.5")),
        ],
        days=[Day(date(2026, 11, 3), calls=calls[:2]), Day(date(2026, 11, 4), calls=calls[2:],
                                                             overdue=(rec("order", 7, "WO00007"),))],
        orders=[order(1), order(2, timely=False, satisfied=None, chargeable=False, fee=None, status="in_progress",
                                done_at=None, unit="-1", description="@SUM(A1) " + HOSTILE)],
    )


# ---- the values -----------------------------------------------------------------------------------

def test_percent_target_and_verdict():
    r = sample_report()
    assert report_files.percent(r.figure("orders.timely").rate) == "93.3"
    assert report_files.percent(None) == ""
    assert report_files.percent(Decimal(1) / Decimal(16)) == "6.2"     # as the Reports screen rounds: half to even
    assert report_files.percent(Decimal(1)) == "100.0"
    assert report_files.target_text(r.figure("orders.timely")) == "≥ 100 %"
    assert report_files.target_text(r.figure("complaints.effective")) == "< 2 %"
    assert report_files.target_text(r.figure("quality.satisfied")) == "≥ 90 %"
    assert report_files.verdict(r.figure("orders.timely")) == "MISSED"
    assert report_files.verdict(r.figure("quality.satisfied")) == "met"
    assert report_files.verdict(r.figure("quality.callback")) == ""      # no sample: nothing to judge
    assert report_files.verdict(r.figure("calls.total")) == ""


@pytest.mark.parametrize("value, safe", [
    ("=1+1", "'=1+1"), ("+86", "'+86"), ("-1", "'-1"), ("@SUM(A1)", "'@SUM(A1)"), ("\tx", "'\tx"),
    ("1-1203", "1-1203"), ("王小明", "王小明"), ("", ""),
])
def test_safe_cell(value, safe):
    assert report_files.safe_cell(value) == safe


# ---- text and markdown ----------------------------------------------------------------------------

def test_text_has_the_header_sections_and_numbers():
    out = report_files.render_text(sample_report())
    assert "Demo Gardens 示范花园" in out and "2026-11-01 – 2026-11-30" in out and "Asia/Shanghai" in out
    assert "2026-12-02 09:30" in out                      # generated at, local time
    for heading in ("Calls by category", "Work orders by class", "Quality and call-backs", "Complaints", "Keys",
                    "Chargeable work"):
        assert f"\n{heading}\n" in out
    line = next(l for l in out.splitlines() if l.rstrip().endswith("orders.timely"))
    assert line.startswith("Timeliness (及时率)")                # the label first, the id last
    assert "14" in line and "15" in line and "93.3" in line and "MISSED" in line
    assert "1234.50" in out
    assert "\x1b" not in out


def test_text_columns_line_up_with_chinese():
    lines = report_files._table(["Figure", "Count"], [["报修 repair", "1"], ["All calls", "1234"], ["王", "5"]],
                                right={1})
    assert len({cell_len(l) for l in lines}) == 1
    i18n.set_language("zh")
    out = report_files.render_text(sample_report())
    assert "月报表" in out and "及时率" in out and "未达标" in out
    table = [l for l in out.splitlines() if l.endswith(("calls.total", "calls.category.repair"))]
    # the Count column is right-aligned: both rows end it at the same cell, and so the ids
    ends = [cell_len(l[:l.index(" 3") + 2]) if l.endswith("calls.total") else cell_len(l[:l.index(" 1") + 2])
            for l in table]
    assert len(table) == 2 and len(set(ends)) == 1, table
    assert len({cell_len(l) - len(l.split()[-1]) for l in table}) == 1, table


def test_markdown_is_a_table_per_section_and_escapes():
    out = report_files.render_markdown(sample_report())
    assert out.startswith("# MONTHLY FIGURES · Demo Gardens 示范花园\n")
    assert out.count("\n## ") == 7                        # six sections and the days
    assert "| Timeliness \\(及时率\\) | 14 | 15 | 93.3 |" in out and "| orders.timely |" in out
    assert "| =1\\+1 lost keys | 2 |" in out
    assert "|---|---:|---:|---:|---:|---|---|---|" in out


# ---- csv ------------------------------------------------------------------------------------------

def read_csv(data: bytes) -> tuple[list[list[str]], list[list[str]]]:
    assert data.startswith(b"\xef\xbb\xbf")               # the BOM: Excel reads the Chinese right
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    blank = rows.index([])
    return rows[:blank], rows[blank + 1:]


def test_csv_read_back(tmp_path):
    path = tmp_path / "nov.csv"
    report_files.write(sample_report(), "csv", path)
    head, table = read_csv(path.read_bytes())
    assert head == [["Site", "Demo Gardens 示范花园"], ["Range", "2026-11-01 – 2026-11-30"],
                    ["Time zone", "Asia/Shanghai"], ["Generated at", "2026-12-02 09:30"]]
    assert table[0] == ["Section", "Figure id", "Figure", "Count", "Total", "Rate %", "Amount", "Target",
                        "Met / missed"]
    rows = {r[1]: r for r in table[1:]}
    assert len(rows) == 8
    assert rows["orders.timely"] == ["Work orders by class", "orders.timely", "Timeliness (及时率)", "14", "15", "93.3", "",
                                     "≥ 100 %", "MISSED"]
    assert rows["quality.callback"][3:6] == ["0", "0", ""]
    assert rows["complaints.effective"][5:] == ["0.5", "", "< 2 %", "met"]
    assert rows["fees.total"][6] == "1234.50"
    assert rows["keys.lost"][2] == "'=1+1 lost keys"     # never a formula


def test_csv_in_chinese(tmp_path):
    i18n.set_language("zh")
    path = tmp_path / "nov.csv"
    report_files.write(sample_report(), "csv", path)
    head, table = read_csv(path.read_bytes())
    assert head[0] == ["小区", "Demo Gardens 示范花园"]
    assert table[0][:4] == ["分类", "指标编号", "指标", "数量"]
    assert {r[1]: r for r in table[1:]}["orders.timely"][-1] == "未达标"


def test_records_behind_a_figure_are_cleaned_and_safe():
    r = sample_report()
    out = report_files.render_records(r, "calls.total", "csv")
    rows = list(csv.reader(io.StringIO(out, newline="")))
    assert rows[0] == ["Record", "Time", "Summary"]
    assert rows[1] == ["#1", "2026-11-03 10:05", "报修 · 1-1203 · 王[b]小明"]
    assert rows[2][2] == "'" + FORMULA
    assert rows[3][2] == "[/x]"                           # the escape sequence is gone, the brackets stay as text
    text = report_files.render_records(r, "calls.total")
    assert "王[b]小明" in text and "\x1b" not in text and "calls.total · All calls: 3" in text
    with pytest.raises(KeyError):
        report_files.render_records(r, "calls.nothing")


# ---- xlsx -----------------------------------------------------------------------------------------

def test_xlsx_read_back(tmp_path):
    path = tmp_path / "nov.xlsx"
    report_files.write(sample_report(), "xlsx", path)
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == ["Figures", "Orders", "Days"]
    ws = wb["Figures"]
    cells = [[c.value for c in row] for row in ws.iter_rows()]
    assert cells[0][0] == "MONTHLY FIGURES"
    assert cells[1][:2] == ["Site", "Demo Gardens 示范花园"] and cells[4][:2] == ["Generated at", "2026-12-02 09:30"]
    heading = cells.index(["Section", "Figure id", "Figure", "Count", "Total", "Rate %", "Amount", "Target",
                           "Met / missed"])
    rows = {r[1]: (i + heading + 2, r) for i, r in enumerate(cells[heading + 1:])}
    n, timely = rows["orders.timely"]
    assert timely[3:5] == [14, 15] and timely[5] == pytest.approx(14 / 15) and timely[8] == "MISSED"
    assert ws.cell(row=n, column=6).number_format == "0.0%"
    assert ws.cell(row=n, column=9).font.color.rgb.endswith("9C0006")          # the miss shows
    assert ws.cell(row=n, column=1).fill.fgColor.rgb.endswith("FFC7CE")
    n_ok, satisfied = rows["quality.satisfied"]
    assert satisfied[5] == pytest.approx(0.95) and satisfied[8] == "met"
    assert ws.cell(row=n_ok, column=1).fill.fill_type is None
    assert rows["quality.callback"][1][5] is None                              # no sample, no rate
    assert rows["fees.total"][1][6] == pytest.approx(1234.5)
    n_keys, keys = rows["keys.lost"]
    assert keys[2] == "'=1+1 lost keys" and ws.cell(row=n_keys, column=3).data_type == "s"
    assert all(c.data_type != "f" for row in ws.iter_rows() for c in row)

    orders = [[c.value for c in row] for row in wb["Orders"].iter_rows()]
    assert orders[0][:3] == ["Order", "Logged", "Class"] and len(orders) == 3
    first, second = orders[1], orders[2]
    assert first[0] == "WO00001"
    assert first[1] == datetime(2026, 11, 4, 0, 30)                           # local time, a real date cell
    assert first[2:6] == ["urgent repair", "engineering", "1-1203", "done"]
    assert first[16] == pytest.approx(35.5) and first[17] == "yes" and first[18] == "换水龙头 王[b]小明"
    assert second[4] == "'-1" and second[10] is None and second[14] is None and second[17] == "no"
    assert second[18] == "'@SUM(A1) [/x]"
    assert wb["Orders"]["B2"].number_format == "yyyy-mm-dd hh:mm"
    days = [[c.value for c in row] for row in wb["Days"].iter_rows()]
    assert days[1:] == [[datetime(2026, 11, 3), 2, 0], [datetime(2026, 11, 4), 1, 1]]


def test_write_to_streams():
    text = io.StringIO()
    report_files.write(sample_report(), "markdown", text)
    assert text.getvalue().startswith("# MONTHLY FIGURES")
    binary = io.BytesIO()
    report_files.write(sample_report(), "xlsx", binary)
    assert openpyxl.load_workbook(io.BytesIO(binary.getvalue())).sheetnames[0] == "Figures"
    with pytest.raises(ValueError):
        report_files.render(sample_report(), "pdf")


def test_default_filename():
    r = sample_report()
    assert report_files.default_filename(r, "xlsx") == "report-2026-11.xlsx"
    r.start, r.end = date(2026, 11, 3), date(2026, 11, 17)
    assert report_files.default_filename(r, "xlsx") == "report-2026-11-03_2026-11-17.xlsx"
    r.start, r.end = date(2026, 2, 1), date(2026, 2, 28)
    assert report_files.default_filename(r, "csv") == "report-2026-02.csv"


# ---- the command ----------------------------------------------------------------------------------

@pytest.fixture
def fake_compute(monkeypatch):
    """reports.compute replaced by the sample report, recording the range it was asked for."""
    asked = []

    def compute(config, engine, start, end, now, progress=None):
        asked.append((start, end))
        r = sample_report(config.site_name)
        r.start, r.end = start, end
        return r
    monkeypatch.setattr(reports, "compute", compute)
    return asked


def run(site, *args) -> int:
    return cli.main(["report", "--db", site.db_url, *args])


def test_command_writes_each_format(empty_site, fake_compute, tmp_path, capsys):
    assert run(empty_site, "--month", "2026-11") == 0
    assert "orders.timely" in capsys.readouterr().out
    assert fake_compute == [(date(2026, 11, 1), date(2026, 11, 30))]
    for fmt in ("text", "markdown", "csv", "xlsx"):
        out = tmp_path / f"r.{fmt}"
        assert run(empty_site, "--month", "2026-11", "--format", fmt, "--out", str(out)) == 0
        if fmt != "xlsx":  # the workbook carries its own creation time
            assert out.read_bytes() == report_files.file_bytes(sample_report(empty_site.site_name), fmt)
    head, table = read_csv((tmp_path / "r.csv").read_bytes())
    assert {r[1]: r[3] for r in table[1:]}["orders.timely"] == "14"
    assert openpyxl.load_workbook(tmp_path / "r.xlsx")["Figures"]["A1"].value == "MONTHLY FIGURES"
    assert list(tmp_path.glob(".*.tmp")) == []


def test_command_from_to_and_xlsx_default_name(empty_site, fake_compute, tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert run(empty_site, "--from", "2026-11-03", "--to", "2026-11-17", "--format", "xlsx") == 0
    assert fake_compute == [(date(2026, 11, 3), date(2026, 11, 17))]
    assert capsys.readouterr().out.strip() == "report-2026-11-03_2026-11-17.xlsx"
    assert openpyxl.load_workbook(tmp_path / "report-2026-11-03_2026-11-17.xlsx").sheetnames == \
        ["Figures", "Orders", "Days"]


def test_command_records(empty_site, fake_compute, capsys):
    assert run(empty_site, "--month", "2026-11", "--records", "calls.total", "--format", "csv") == 0
    rows = list(csv.reader(io.StringIO(capsys.readouterr().out, newline="")))
    assert [r[0] for r in rows] == ["Record", "#1", "#2", "#3"]
    assert run(empty_site, "--month", "2026-11", "--records", "calls.nothing") == 2
    assert "There is no figure calls.nothing" in capsys.readouterr().err


@pytest.mark.parametrize("args, message", [
    (["--month", "2026-13"], "--month: A month is written like 2026-11."),
    (["--month", "11/2026"], "--month: A month is written like 2026-11."),
    (["--month", "2026-11", "--from", "2026-11-01", "--to", "2026-11-30"], "either --month or --from and --to"),
    (["--from", "2026-11-01"], "--to: --from and --to go together."),
    (["--to", "2026-11-01"], "--from: --from and --to go together."),
    (["--from", "2026-11-31", "--to", "2026-12-01"], "--from: A day is written like 2026-11-24."),
    (["--from", "2026-11-30", "--to", "2026-11-01"], "--to: The range ends before it starts."),
    (["--from", "2025-01-01", "--to", "2026-11-01"], "--to: A report covers at most a year."),
    (["--month", "2026-11", "--records", "calls.total", "--format", "xlsx"], "not xlsx"),
])
def test_command_refuses_bad_input_and_writes_nothing(empty_site, fake_compute, tmp_path, capsys, args, message):
    out = tmp_path / "r.csv"
    assert run(empty_site, *args, "--out", str(out)) == 2
    err = capsys.readouterr().err
    assert err.startswith("deskconsole report: ") and message in err
    assert not out.exists() and fake_compute == []


def test_unknown_format_is_an_argparse_error(empty_site, capsys):
    with pytest.raises(SystemExit) as exc:
        run(empty_site, "--format", "pdf")
    assert exc.value.code == 2 and "invalid choice" in capsys.readouterr().err


def test_a_failed_write_leaves_the_old_file_and_no_temp(empty_site, fake_compute, tmp_path, capsys, monkeypatch):
    out = tmp_path / "r.csv"
    out.write_text("old")

    def broken_replace(src, dst):
        raise OSError(28, "No space left on device")
    monkeypatch.setattr(report_files.os, "replace", broken_replace)
    assert run(empty_site, "--month", "2026-11", "--format", "csv", "--out", str(out)) == 2
    assert "No space left on device" in capsys.readouterr().err
    assert out.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []


def test_out_in_a_missing_folder(empty_site, fake_compute, tmp_path, capsys):
    assert run(empty_site, "--month", "2026-11", "--out", str(tmp_path / "nope" / "r.txt")) == 2
    assert "cannot write" in capsys.readouterr().err


@pytest.mark.parametrize("now, expected", [
    (datetime(2026, 11, 24, 14, 0, tzinfo=UTC), (date(2026, 10, 1), date(2026, 10, 31))),
    # 01:00 on 1 December in Shanghai, still 30 November in UTC: November is the last full month
    (datetime(2026, 11, 30, 17, 0, tzinfo=UTC), (date(2026, 11, 1), date(2026, 11, 30))),
    (datetime(2026, 1, 5, 0, 0, tzinfo=UTC), (date(2025, 12, 1), date(2025, 12, 31))),
])
def test_default_range_is_the_previous_month_in_the_site_time_zone(now, expected):
    from zoneinfo import ZoneInfo
    assert cli_report.previous_month(now, ZoneInfo("Asia/Shanghai")) == expected


def test_default_range_through_the_command(empty_site, fake_compute, monkeypatch, capsys):
    class Fixed:
        def now(self):
            return datetime(2026, 11, 30, 17, 0, tzinfo=UTC)
    monkeypatch.setattr(cli_report, "SystemClock", Fixed)
    assert run(empty_site) == 0
    assert fake_compute == [(date(2026, 11, 1), date(2026, 11, 30))]


# ---- end to end: the demo site ---------------------------------------------------------------------

DEMO_NOW = datetime(2026, 11, 24, 14, 0, tzinfo=UTC)   # the conftest clock


@pytest.fixture
def fixed_clock(monkeypatch):
    class Fixed:
        def now(self):
            return DEMO_NOW
    monkeypatch.setattr(cli_report, "SystemClock", Fixed)


def test_demo_site_csv_and_xlsx_equal_compute(demo_site, fixed_clock, tmp_path, capsys):
    expected = reports.compute(demo_site, demo_site.sla_engine(), date(2026, 11, 1), date(2026, 11, 30), DEMO_NOW)
    assert len(expected.figures) > 10 and any(f.total for f in expected.figures)
    assert run(demo_site, "--month", "2026-11", "--format", "csv", "--out", str(tmp_path / "nov.csv")) == 0
    _head, table = read_csv((tmp_path / "nov.csv").read_bytes())
    rows = {r[1]: r for r in table[1:]}
    assert list(rows) == [f.id for f in expected.figures]
    for f in expected.figures:
        row = rows[f.id]
        assert int(row[3]) == f.count, f.id
        assert (int(row[4]) if row[4] else None) == f.total, f.id
        assert row[5] == ("" if f.rate is None else str((f.rate * 100).quantize(Decimal("0.1")))), f.id
        assert (Decimal(row[6]) if row[6] else None) == (None if f.amount is None else f.amount.quantize(Decimal("0.01")))
        assert row[8] == ("MISSED" if f.missed else "met" if f.target and f.rate is not None else ""), f.id

    assert run(demo_site, "--month", "2026-11", "--format", "xlsx", "--out", str(tmp_path / "nov.xlsx")) == 0
    wb = openpyxl.load_workbook(tmp_path / "nov.xlsx")
    cells = [[c.value for c in row] for row in wb["Figures"].iter_rows()]
    by_id = {r[1]: r for r in cells if r[1] in rows}
    for f in expected.figures:
        assert by_id[f.id][3] == f.count and by_id[f.id][4] == f.total, f.id
        if f.rate is not None:
            assert by_id[f.id][5] == pytest.approx(float(f.rate)), f.id
    orders = list(wb["Orders"].iter_rows(min_row=2, values_only=True))
    assert [o[0] for o in orders] == [o.number for o in expected.orders]
    days = list(wb["Days"].iter_rows(min_row=2, values_only=True))
    assert [(d[1], d[2]) for d in days] == [(len(d.calls), len(d.overdue)) for d in expected.days]
    assert sum(d[1] for d in days) == expected.figure("calls.total").count

    # traceability: the records behind a figure, as many as its count
    busiest = max(expected.figures, key=lambda f: len(f.records))
    capsys.readouterr()
    assert run(demo_site, "--month", "2026-11", "--records", busiest.id, "--format", "csv") == 0
    listed = list(csv.reader(io.StringIO(capsys.readouterr().out, newline="")))[1:]
    assert len(listed) == len(busiest.records) > 0


def test_the_screen_and_the_command_agree_on_every_number(demo_site, fixed_clock, capsys):
    from deskconsole.screens import reports as screen
    report = reports.compute(demo_site, demo_site.sla_engine(), date(2026, 11, 1), date(2026, 11, 30), DEMO_NOW)
    shown = {row.key: row.cells for row in screen.figure_rows(report) if isinstance(row.key, str)}
    assert run(demo_site, "--month", "2026-11", "--format", "csv") == 0
    out = capsys.readouterr().out
    table = list(csv.reader(io.StringIO(out, newline="")))
    table = table[table.index([]) + 2:]
    assert [r[1] for r in table] == list(shown)
    for section, fid, _label, count, total, rate, amount, target, verdict in table:
        cells = shown[fid]
        if amount:
            assert cells["value"] == f"¥{amount} ({count})", fid
        elif total:
            sample = f"({count} of {total})"
            assert cells["value"] == (f"{rate} % {sample}" if rate else f"— {sample}"), fid
        else:
            assert cells["value"] == count, fid
        assert cells["target"] == target, fid
        assert ("missed" in cells["mark"]) == (verdict == "MISSED"), fid
