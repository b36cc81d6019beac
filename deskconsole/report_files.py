"""The monthly figures as files a property manager opens: text, Markdown, CSV and an Excel workbook.

Plain Python (no Textual). Everything here formats a `reports.Report`; nothing is counted again,
so the files, the Reports screen and `deskconsole report` show the same numbers.

* text: aligned columns, widths measured in terminal cells (CJK is two cells wide);
* markdown: a table per section;
* csv: a few header rows, then one row per figure; UTF-8 with a BOM when written to a file, so
  Excel reads the Chinese right;
* xlsx: sheet "Figures" (rates as percentages, misses marked), "Orders" (one row per order
  behind the figures, local times) and "Days" (calls and overdue orders day by day).

User text is cleaned (`text.clean`); in csv and xlsx a cell that a spreadsheet would run as a
formula (starting with = + - @, a tab or a carriage return) gets a leading apostrophe.
"""
from __future__ import annotations

import csv
import io
import os
import re
import tempfile
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

from rich.cells import cell_len

from .i18n import _, label
from . import orders, reports
from .reports import Figure, Record, Report
from .text import clean, one_line

FORMATS = ("text", "markdown", "csv", "xlsx")
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
TIME_FMT = "%Y-%m-%d %H:%M"
SHEET_FIGURES, SHEET_ORDERS, SHEET_DAYS = "Figures", "Orders", "Days"


def figure_columns() -> list[str]:
    """The column headings of a figure row (csv, xlsx)."""
    return [_("Section"), _("Figure id"), _("Figure"), _("Count"), _("Total"), _("Rate %"), _("Amount"),
            _("Target"), _("Met / missed")]


# ---- values ---------------------------------------------------------------------------------------

def safe_cell(value: str) -> str:
    """Text for a spreadsheet cell: never read as a formula."""
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def percent(rate: Decimal | None) -> str:
    """A rate as people read it: 0.9333 -> "93.3"; None (no sample) -> "". Rounded as the Reports screen
    rounds (Decimal's default, half to even), so the two never differ in the last digit."""
    if rate is None:
        return ""
    return str((rate * 100).quantize(Decimal("0.1")))


def money(amount: Decimal | None) -> str:
    return "" if amount is None else f"{amount:.2f}"


def target_text(figure: Figure) -> str:
    t = figure.target
    if t is None:
        return ""
    sign = "≥" if t.kind == "at_least" else "<"
    shown = (t.rate * 100).normalize()
    return f"{sign} {shown:f} %"


def verdict(figure: Figure) -> str:
    """Met, MISSED, or blank (no target, or nothing to judge yet)."""
    if figure.target is None or figure.rate is None:
        return ""
    return _("MISSED") if figure.missed else _("met")


def site_tz(report: Report) -> ZoneInfo:
    return ZoneInfo(report.tz)


def local_time(dt: datetime | None, report: Report) -> str:
    return "" if dt is None else dt.astimezone(ZoneInfo(report.tz)).strftime(TIME_FMT)


def naive_local(dt: datetime | None, report: Report) -> datetime | None:
    """For a spreadsheet date cell: the site's wall-clock time (Excel has no time zones)."""
    if dt is None:
        return None
    return dt.astimezone(ZoneInfo(report.tz)).replace(tzinfo=None, microsecond=0)


def range_text(report: Report) -> str:
    return f"{report.start.isoformat()} – {report.end.isoformat()}"


def header(report: Report) -> list[tuple[str, str]]:
    return [
        (_("Site"), one_line(report.site)),
        (_("Range"), range_text(report)),
        (_("Time zone"), report.tz),
        (_("Generated at"), local_time(report.generated_at, report)),
    ] + ([(_("Calendar"), orders.calendar_warning(report.calendar_guess))] if report.calendar_guess else [])


def title(report: Report) -> str:
    return _("MONTHLY FIGURES")


def figure_row(figure: Figure) -> list[str]:
    """One figure as text cells: section, id, label, count, total, rate %, amount, target, verdict."""
    return [reports.section_title(figure.section), figure.id, one_line(figure.label), str(figure.count),
            "" if figure.total is None else str(figure.total), percent(figure.rate), money(figure.amount),
            target_text(figure), verdict(figure)]


def sections(report: Report) -> list[tuple[str, list[Figure]]]:
    """The figures grouped by section, in the report's order (known sections first)."""
    order = list(reports.SECTIONS) + [f.section for f in report.figures if f.section not in reports.SECTIONS]
    grouped: dict[str, list[Figure]] = {}
    for f in report.figures:
        grouped.setdefault(f.section, []).append(f)
    return [(s, grouped[s]) for s in dict.fromkeys(order) if s in grouped]


# ---- text -----------------------------------------------------------------------------------------

def _pad(text: str, width: int, right: bool = False) -> str:
    gap = " " * max(0, width - cell_len(text))
    return gap + text if right else text + gap


def _table(headings: list[str], rows: list[list[str]], right: set[int]) -> list[str]:
    widths = [max([cell_len(h)] + [cell_len(r[i]) for r in rows]) for i, h in enumerate(headings)]
    out = ["  ".join(_pad(h, widths[i], i in right) for i, h in enumerate(headings)).rstrip(),
           "  ".join("-" * w for w in widths)]
    for row in rows:
        out.append("  ".join(_pad(c, widths[i], i in right) for i, c in enumerate(row)).rstrip())
    return out


def _text_headings() -> list[str]:
    # What a person reads first; the id last, for `--records` and the notes below the table.
    return [_("Figure"), _("Count"), _("Total"), _("Rate %"), _("Amount"), _("Target"), _("Met / missed"),
            _("Figure id")]


def _text_row(figure: Figure) -> list[str]:
    cells = figure_row(figure)
    return cells[2:] + [cells[1]]


def render_text(report: Report) -> str:
    out = [title(report) + " · " + one_line(report.site), "=" * 60]
    head = header(report)
    name_width = max(cell_len(n) for n, _v in head) + 2
    out += [_pad(n, name_width) + v for n, v in head]
    for section, figures in sections(report):
        out += ["", reports.section_title(section), ""]
        out += _table(_text_headings(), [_text_row(f) for f in figures], right={1, 2, 3, 4})
        for f in figures:
            if f.note:
                out.append(f"  {f.id}: {one_line(f.note)}")
    if report.days:
        out += ["", _("Day by day"), ""]
        out += _table([_("Day"), _("Calls"), _("Overdue")],
                      [[d.day.isoformat(), str(len(d.calls)), str(len(d.overdue))] for d in report.days],
                      right={1, 2})
    return "\n".join(out) + "\n"


# ---- markdown -------------------------------------------------------------------------------------

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]<>()#+!|~])")


def md(text: str) -> str:
    return _MD_SPECIAL.sub(r"\\\1", one_line(text))


def _md_table(headings: list[str], rows: list[list[str]], right: set[int]) -> list[str]:
    out = ["| " + " | ".join(md(h) for h in headings) + " |",
           "|" + "|".join("---:" if i in right else "---" for i in range(len(headings))) + "|"]
    out += ["| " + " | ".join(md(c) for c in row) + " |" for row in rows]
    return out


def render_markdown(report: Report) -> str:
    out = [f"# {md(title(report))} · {md(report.site)}", ""]
    out += [f"- **{md(n)}**: {md(v)}" for n, v in header(report)]
    for section, figures in sections(report):
        out += ["", f"## {md(reports.section_title(section))}", ""]
        out += _md_table(_text_headings(), [_text_row(f) for f in figures], right={1, 2, 3, 4})
        notes = [f for f in figures if f.note]
        if notes:
            out.append("")
            out += [f"- `{f.id}`: {md(f.note)}" for f in notes]
    if report.days:
        out += ["", f"## {md(_('Day by day'))}", ""]
        out += _md_table([_("Day"), _("Calls"), _("Overdue")],
                         [[d.day.isoformat(), str(len(d.calls)), str(len(d.overdue))] for d in report.days],
                         right={1, 2})
    return "\n".join(out) + "\n"


# ---- csv ------------------------------------------------------------------------------------------

def render_csv(report: Report) -> str:
    """Header rows (site, range, time zone, generated at), a blank row, the headings, one row per figure."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    for name, value in header(report):
        writer.writerow([safe_cell(name), safe_cell(value)])
    writer.writerow([])
    writer.writerow(figure_columns())
    for f in report.figures:
        writer.writerow([safe_cell(c) for c in figure_row(f)])
    return buffer.getvalue()


# ---- records behind one figure ---------------------------------------------------------------------

def record_row(record: Record, report: Report) -> list[str]:
    return [record.number, local_time(record.at, report), one_line(record.summary)]


def render_records(report: Report, figure_id: str, fmt: str = "text") -> str:
    """The records one figure counts (KeyError for an unknown figure id)."""
    figure = report.figure(figure_id)
    headings = [_("Record"), _("Time"), _("Summary")]
    rows = [record_row(r, report) for r in figure.records]
    if fmt == "csv":
        buffer = io.StringIO(newline="")
        writer = csv.writer(buffer, lineterminator="\r\n")
        writer.writerow(headings)
        writer.writerows([[safe_cell(c) for c in row] for row in rows])
        return buffer.getvalue()
    caption = f"{figure.id} · {one_line(figure.label)}: {figure.count}" + (
        f" / {figure.total}" if figure.total is not None else "")
    if fmt == "markdown":
        return "\n".join([f"## {md(caption)}", ""] + _md_table(headings, rows, set())) + "\n"
    return "\n".join([caption, ""] + _table(headings, rows, set())) + "\n"


# ---- xlsx -----------------------------------------------------------------------------------------

def _yes_no(value: bool | None) -> str:
    return "" if value is None else (_("yes") if value else _("no"))


def order_columns() -> list[str]:
    return [_("Order"), _("Logged"), _("Class"), _("Department"), _("Unit"), _("Status"), _("Respond due"),
            _("Responded"), _("Resolve due"), _("Resolve due (before extensions)"), _("Done"), _("Extensions"),
            _("Reopened"), _("Call-back"), _("Satisfied"), _("Chargeable"), _("Fee"), _("Timely"),
            _("Description")]


def _xlsx_text(value: str) -> str:
    return safe_cell(clean(value))


def _xlsx_widths(ws, values: dict[int, int]) -> None:
    from openpyxl.utils import get_column_letter
    for col, width in values.items():
        ws.column_dimensions[get_column_letter(col)].width = width


def _figures_sheet(ws, report: Report) -> None:
    """The sheet of figures: title, header rows, one row per figure (misses marked)."""
    from openpyxl.styles import Font, PatternFill
    bold, text = Font(bold=True), _xlsx_text
    miss_font = Font(bold=True, color="9C0006")
    miss_fill = PatternFill("solid", fgColor="FFC7CE")
    ws.append([text(title(report))])
    ws["A1"].font = Font(bold=True, size=14)
    for name, value in header(report):
        ws.append([text(name), text(value)])
    ws.append([])
    ws.append(figure_columns())
    heading_row = ws.max_row
    for cell in ws[heading_row]:
        cell.font = bold
    ws.freeze_panes = f"A{heading_row + 1}"   # a coordinate: ws.cell() would make an empty row there
    # Row numbers are counted here: openpyxl's max_row scans every cell written so far, so asking it
    # after each row made a year of orders take minutes (the time grew with the square of the rows).
    row = heading_row
    for f in report.figures:
        rate = f.rate
        ws.append([
            text(reports.section_title(f.section)), f.id, text(f.label), f.count, f.total,
            None if rate is None else float(rate), None if f.amount is None else float(f.amount),
            text(target_text(f)), text(verdict(f)),
        ])
        row += 1
        ws.cell(row=row, column=6).number_format = "0.0%"
        ws.cell(row=row, column=7).number_format = "#,##0.00"
        if f.missed:
            for cell in ws[row]:
                cell.fill = miss_fill
            ws.cell(row=row, column=9).font = miss_font
            ws.cell(row=row, column=6).font = miss_font
    _xlsx_widths(ws, {1: 18, 2: 30, 3: 36, 4: 8, 5: 8, 6: 9, 7: 12, 8: 10, 9: 12})


def build_workbook(report: Report):
    from openpyxl import Workbook
    from openpyxl.styles import Font, PatternFill

    bold = Font(bold=True)
    miss_font = Font(bold=True, color="9C0006")
    miss_fill = PatternFill("solid", fgColor="FFC7CE")
    date_fmt = "yyyy-mm-dd hh:mm"
    text, widths = _xlsx_text, _xlsx_widths

    wb = Workbook()
    ws = wb.active
    ws.title = SHEET_FIGURES
    _figures_sheet(ws, report)

    orders = wb.create_sheet(SHEET_ORDERS)
    orders.append(order_columns())
    for cell in orders[1]:
        cell.font = bold
    orders.freeze_panes = "B2"
    row = 1
    for o in report.orders:
        orders.append([
            text(o.number), naive_local(o.created_at, report), text(label(o.sla_class)), text(label(o.department)),
            text(o.unit), text(label(o.status)), naive_local(o.respond_due_at, report),
            naive_local(o.responded_at, report), naive_local(o.resolve_due_at, report),
            naive_local(o.original_resolve_due_at, report), naive_local(o.done_at, report), o.extensions,
            o.reopened, naive_local(o.callback_at, report), _yes_no(o.satisfied), _yes_no(o.chargeable),
            None if o.fee is None else float(o.fee), _yes_no(o.timely), text(one_line(o.description)),
        ])
        row += 1
        for col in (2, 7, 8, 9, 10, 11, 14):
            orders.cell(row=row, column=col).number_format = date_fmt
        orders.cell(row=row, column=17).number_format = "#,##0.00"
        if o.timely is False:
            orders.cell(row=row, column=18).font = miss_font
            orders.cell(row=row, column=18).fill = miss_fill
    widths(orders, {1: 10, 2: 17, 3: 16, 4: 14, 5: 10, 6: 12, 7: 17, 8: 17, 9: 17, 10: 17, 11: 17, 12: 6,
                    13: 6, 14: 17, 15: 8, 16: 8, 17: 10, 18: 8, 19: 50})

    days = wb.create_sheet(SHEET_DAYS)
    days.append([_("Day"), _("Calls"), _("Overdue")])
    for cell in days[1]:
        cell.font = bold
    for row, d in enumerate(report.days, start=2):
        days.append([d.day, len(d.calls), len(d.overdue)])
        days.cell(row=row, column=1).number_format = "yyyy-mm-dd"
    widths(days, {1: 12, 2: 8, 3: 8})
    return wb


def render_xlsx(report: Report) -> bytes:
    buffer = io.BytesIO()
    build_workbook(report).save(buffer)
    return buffer.getvalue()


# ---- several sites: one table per site and the total (deskconsole report --sites) ----------------

def render_sites(total: Report, sites: list[Report], fmt: str) -> str | bytes:
    """The company's figures: the total first, then each site's table, in any report format. csv:
    one block per table (its header rows, its figures), a blank row between; xlsx: a sheet each."""
    every = [total, *sites]
    if fmt == "xlsx":
        from openpyxl import Workbook
        wb = Workbook()
        used: set[str] = set()
        for index, report in enumerate(every):
            ws = wb.active if index == 0 else wb.create_sheet()
            ws.title = _sheet_title(_("Total") if index == 0 else report.site, used)
            _figures_sheet(ws, report)
        buffer = io.BytesIO()
        wb.save(buffer)
        return buffer.getvalue()
    parts = [render(report, fmt) for report in every]
    return ("\r\n" if fmt == "csv" else "\n").join(parts)


def _sheet_title(name: str, used: set[str]) -> str:
    """A worksheet title: at most 31 characters, none of []:*?/\\, unique in the workbook."""
    base = re.sub(r"[\[\]:*?/\\]", " ", one_line(name)).strip()[:28] or "site"
    candidate, n = base, 2
    while candidate.lower() in used:
        candidate, n = f"{base} {n}", n + 1
    used.add(candidate.lower())
    return candidate


# ---- one entry point ------------------------------------------------------------------------------

def render(report: Report, fmt: str) -> str | bytes:
    """text, markdown and csv as str (csv without the BOM); xlsx as bytes."""
    if fmt == "text":
        return render_text(report)
    if fmt == "markdown":
        return render_markdown(report)
    if fmt == "csv":
        return render_csv(report)
    if fmt == "xlsx":
        return render_xlsx(report)
    raise ValueError(f"unknown format {fmt!r}: use one of {', '.join(FORMATS)}")


def file_bytes(report: Report, fmt: str) -> bytes:
    """What goes into a file: UTF-8 (csv with a BOM, for Excel), or the workbook."""
    content = render(report, fmt)
    if isinstance(content, bytes):
        return content
    return content.encode("utf-8-sig" if fmt == "csv" else "utf-8")


def write_atomic(path: str | os.PathLike, data: bytes) -> Path:
    """Write beside the target, then rename: a failure never leaves a half-written file."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent or ".")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def write(report: Report, fmt: str, target) -> None:
    """Write the report to a path (atomically) or to an open stream (text stream for text formats,
    binary stream for xlsx)."""
    if isinstance(target, (str, os.PathLike)):
        write_atomic(target, file_bytes(report, fmt))
        return
    content = render(report, fmt)
    target.write(content)


def default_filename(report: Report, fmt: str) -> str:
    """report-2026-11.xlsx for a whole month, else report-2026-11-03_2026-11-17.xlsx."""
    ext = {"text": "txt", "markdown": "md"}.get(fmt, fmt)
    first_of_month = report.start.day == 1
    next_day = report.end.toordinal() + 1
    from datetime import date
    whole_month = first_of_month and date.fromordinal(next_day).day == 1 and \
        (report.start.year, report.start.month) == (report.end.year, report.end.month)
    stem = report.start.strftime("%Y-%m") if whole_month else f"{report.start.isoformat()}_{report.end.isoformat()}"
    return f"report-{stem}.{ext}"
