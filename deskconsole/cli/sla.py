"""`deskconsole sla`: the SLA catalogue as configured for the site, and "when is this due?".

Uses the same engine as the console (Config.sla_engine), so its answers agree with the deadlines
create_order stores, to the minute.
"""
from __future__ import annotations

import json
import sys
from datetime import datetime

from ..clock import SystemClock
from ..config import Config
from ..text import clean
from ..i18n import _
from ..timefmt import iso
from .common import fail


def register(sub, common) -> None:
    parser = sub.add_parser("sla", parents=[common], help="the SLA catalogue, or a class's deadlines from a time")
    parser.add_argument("sla_class", nargs="?", metavar="CLASS", help="a class id, e.g. urgent_repair")
    parser.add_argument("--from", dest="start", metavar="ISO_TIME",
                        help="when the order is logged (ISO 8601; without an offset: the site's local time; "
                             "default: now)")
    parser.add_argument("--json", action="store_true", help="one JSON object: class, respond, resolve")
    parser.set_defaults(handler=run)


def parse_start(text: str, tz) -> datetime:
    try:
        when = datetime.fromisoformat(text.strip())
    except ValueError:
        raise ValueError(_("--from must be an ISO time like 2026-10-09T16:00 or 2026-10-09T16:00+08:00")) from None
    if when.tzinfo is None:
        when = when.replace(tzinfo=tz)
    return when


def deadlines_for(config: Config, engine, sla_class: str, start: datetime) -> dict:
    respond, resolve = engine.deadlines(sla_class, start)
    return {"class": sla_class, "respond": iso(respond, config.tz), "resolve": iso(resolve, config.tz),
            "calendar_guess": engine.deadline_guess(sla_class, start)}


def run(config: Config, args) -> int:
    from .. import sla
    engine = config.sla_engine()
    if args.sla_class is None:
        if args.json:
            json.dump({cid: {"respond": sla.format_duration(c.respond), "resolve": sla.format_duration(c.resolve)}
                       for cid, c in engine.catalogue.items()}, sys.stdout, ensure_ascii=False, indent=1)
            sys.stdout.write("\n")
            return 0
        oh = engine.office_hours
        days = ",".join(str(d) for d in sorted(oh.weekdays))
        print(_("Office hours {start}-{end}, ISO weekdays {days}; time zone {tz}; holidays: {country}",
                start=oh.start.strftime("%H:%M"), end=oh.end.strftime("%H:%M"), days=days, tz=config.timezone,
                country=config.holiday_country or "-"))
        print(_("min, h, d: round the clock (24/7); wh, wd: working hours and days"))
        width = max(len(c) for c in engine.catalogue)
        print(f"{_('class'):<{width}}  {_('respond'):<12}  {_('resolve')}")
        for cid, c in engine.catalogue.items():
            print(f"{cid:<{width}}  {sla.format_duration(c.respond):<12}  {sla.format_duration(c.resolve)}")
        return 0
    if args.sla_class not in engine.catalogue:
        print(_("deskconsole sla: unknown class {cls}; the classes are: {known}",
                cls=clean(args.sla_class), known=", ".join(engine.catalogue)), file=sys.stderr)
        return 2
    try:
        start = parse_start(args.start, config.tz) if args.start else SystemClock().now()
    except ValueError as exc:
        return fail("deskconsole sla", str(exc), 2)
    result = deadlines_for(config, engine, args.sla_class, start)
    if args.json:   # "calendar_guess": the years a working-day deadline rests on without official data
        print(json.dumps(result, ensure_ascii=False))
        return 0
    print(_("{cls} logged {start}", cls=args.sla_class, start=iso(start, config.tz)))
    print(_("respond by: {time}", time=result["respond"] or _("no respond clock")))
    print(_("resolve by: {time}", time=result["resolve"] or _("no resolve clock")))
    if result["calendar_guess"]:
        from ..orders import calendar_warning
        print(f"deskconsole sla: {calendar_warning(result['calendar_guess'])}", file=sys.stderr)
    return 0
