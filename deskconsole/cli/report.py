"""`deskconsole report`: the monthly figures (月报表) as text, Markdown, CSV or an Excel workbook.

The numbers come from `reports.compute`, the same function the Reports screen uses.
Bad input: a message on stderr, exit status 2, nothing written.
"""
from __future__ import annotations

import sys
from datetime import date, timedelta

from .. import db, report_files, reports
from ..clock import SystemClock
from ..config import Config, load
from ..errors import InvalidInput
from ..i18n import _
from ..text import clean
from .common import TerminalProgress, fail, open_db


def register(sub, common) -> None:
    parser = sub.add_parser("report", parents=[common],
                            help="the monthly figures (default: last month) as text, markdown, csv or xlsx")
    which = parser.add_argument_group("range (default: the previous full month in the site's time zone)")
    which.add_argument("--month", metavar="YYYY-MM", help="a calendar month, e.g. 2026-11")
    which.add_argument("--from", dest="start", metavar="YYYY-MM-DD", help="first day (with --to)")
    which.add_argument("--to", dest="end", metavar="YYYY-MM-DD", help="last day, inclusive (with --from)")
    parser.add_argument("--format", choices=report_files.FORMATS, default="text", help="text (default), markdown, "
                        "csv or xlsx")
    parser.add_argument("--out", metavar="FILE", help="write to FILE (default: stdout; xlsx: report-<range>.xlsx "
                        "in the current directory)")
    parser.add_argument("--records", metavar="FIGURE_ID",
                        help="print the records behind one figure (its id as the report shows it)")
    sites = parser.add_argument_group("the company's figures (PostgreSQL: the sites of the --db database)")
    sites.add_argument("--sites", metavar="A,B,C", help="these sites: one table each and their total")
    sites.add_argument("--all-sites", action="store_true", help="every site of the database")
    parser.set_defaults(handler=run)


def previous_month(now, tz) -> tuple[date, date]:
    """The last full month before `now` (UTC), in the site's time zone."""
    today = now.astimezone(tz).date()
    last = today.replace(day=1) - timedelta(days=1)
    return last.replace(day=1), last


def resolve_range(args, now, tz) -> tuple[date, date]:
    """--month, or --from and --to, or the previous month; InvalidInput names the option at fault."""
    if args.month is not None and (args.start is not None or args.end is not None):
        raise InvalidInput("month", _("Give either --month or --from and --to, not both."))
    if args.month is not None:
        return reports.month_range(args.month, "month")
    if (args.start is None) != (args.end is None):
        raise InvalidInput("from" if args.start is None else "to", _("--from and --to go together."))
    if args.start is not None:
        start, end = reports.parse_day(args.start, "from"), reports.parse_day(args.end, "to")
        reports.check_range(start, end, "to")
        return start, end
    return previous_month(now, tz)


def _fail(message: str) -> int:
    return fail("deskconsole report", message, 2)


def run(config: Config, args, clock=None) -> int:
    now = (clock or SystemClock()).now()
    if getattr(args, "sites", None) or getattr(args, "all_sites", False):
        return run_company_report(config, args, now)
    try:
        start, end = resolve_range(args, now, config.tz)
    except InvalidInput as exc:
        return _fail(f"--{exc.field}: {exc.message}")
    if args.records is not None and args.format == "xlsx":
        return _fail(_("--records prints text, markdown or csv, not xlsx."))
    engine = config.sla_engine()
    open_db(config, must_exist=True)
    progress = TerminalProgress(message=lambda **values: _(
        "Counting the figures: [{bar}] {percent} % ({done} of {total} steps)", **values))
    try:
        return _report(config, args, engine, start, end, now, progress)
    finally:
        progress.close()


def _report(config: Config, args, engine, start, end, now, progress) -> int:
    """The report asked for, a bar on the terminal when it takes more than a second: the steps of
    counting, then making the file."""
    total = reports.COMPUTE_STEPS + 1
    report = reports.compute(config, engine, start, end, now,
                             progress=lambda done, _steps: progress(done, total))

    if args.records is not None:
        try:
            content = report_files.render_records(report, args.records, args.format)
        except KeyError:
            return _fail(_("There is no figure {id}: `deskconsole report` lists the figure ids.",
                           id=clean(args.records)))
        return _emit(content, args, args.format)

    if args.format == "xlsx" and args.out is None:
        args.out = report_files.default_filename(report, "xlsx")
        data = report_files.file_bytes(report, "xlsx")
        progress(total, total)
        progress.close()
        path = _save(data, args.out)
        if path is None:
            return 2
        print(path)
        return 0
    content = report_files.render(report, args.format)
    progress(total, total)
    progress.close()   # the bar's line ends before the report is written on the terminal
    return _emit(content, args, args.format)


def run_company_report(config: Config, args, now) -> int:
    """--sites a,b,c or --all-sites: one table per site and the total, in the format asked."""
    from .. import company
    if args.sites and args.all_sites:
        return _fail(_("Give either --sites or --all-sites, not both."))
    if args.records is not None:
        return _fail(_("--records lists one site's records: give that site's URL without --sites."))
    sites = company.all_sites(config.db_url) if args.all_sites and db.is_postgres_url(config.db_url) else \
        [name.strip() for name in (args.sites or "").split(",") if name.strip()]
    company.check(config.db_url, sites)
    # The range is read in the first site's time zone (each site counts its own local days).
    tz = load(company.site_url(config.db_url, sites[0])).tz
    try:
        start, end = resolve_range(args, now, tz)
    except InvalidInput as exc:
        return _fail(f"--{exc.field}: {exc.message}")
    total, per_site = company.compute(config.db_url, sites, start, end, now)
    content = report_files.render_sites(total, per_site, args.format)
    if args.format == "xlsx" and args.out is None:
        args.out = report_files.default_filename(total, "xlsx")
        path = _save(content, args.out)
        if path is None:
            return 2
        print(path)
        return 0
    return _emit(content, args, args.format)


def _emit(content, args, fmt: str) -> int:
    if args.out is None:
        sys.stdout.write(content)
        return 0
    data = content if isinstance(content, bytes) else content.encode("utf-8-sig" if fmt == "csv" else "utf-8")
    return 0 if _save(data, args.out) is not None else 2


def _save(data: bytes, out: str):
    try:
        return report_files.write_atomic(out, data)
    except OSError as exc:
        _fail(_("cannot write {path}: {error}", path=out, error=exc.strerror or str(exc)))
        return None
