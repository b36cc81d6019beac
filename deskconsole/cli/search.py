"""`deskconsole search TEXT`: every record ever written that holds the words, newest first in each kind.

Exit 0 with or without results (a search that finds nothing is an answer); 2 when the words are
all too short to search for.
"""
from __future__ import annotations

import json
import sys

from rich.cells import set_cell_size

from .. import search
from ..clock import SystemClock
from ..config import Config
from ..i18n import _
from ..timefmt import iso, local
from .common import fail, open_db


MAX_LIMIT = 10_000   # records of each kind at most (a larger number would only take longer)


def register(sub, common) -> None:
    parser = sub.add_parser("search", parents=[common],
                            help="find calls, work orders, keys, log entries, handovers and the front desk's "
                                 "parcels, visitors, passes and found items ever written")
    parser.add_argument("text", nargs="+", metavar="TEXT",
                        help="words: a phone fragment, a name, a unit, a number (WO00211, C123, L5, H4, GP00012, "
                             "a tracking number's last digits), "
                             "Chinese words of two characters and more; every word must match")
    parser.add_argument("--kind", action="append", choices=tuple(search.GROUPS),
                        help="only these records (repeat for several; default: all)")
    parser.add_argument("--limit", type=int, default=search.DEFAULT_LIMIT, metavar="N",
                        help=f"at most N records of each kind (default {search.DEFAULT_LIMIT})")
    parser.add_argument("--json", action="store_true", help="one JSON object per line")
    parser.set_defaults(handler=run)


def _pad(text: str, cells: int) -> str:
    """`text` cut or filled to `cells` terminal cells (Chinese takes two)."""
    return set_cell_size(text, cells)


def hit_line(hit: search.Hit, tz) -> str:
    when = local(hit.at, tz, "YYYY-MM-DD HH:mm") if hit.at else ""
    words = " · ".join(p for p in (" ".join(p for p in (hit.who, hit.phone) if p), hit.what) if p)
    status = search.status_text(hit.kind, hit.status)
    number = search.short_number(hit.kind, hit.number, 9)
    return f"{_pad(number, 9)} {_pad(when, 16)} {_pad(hit.unit_code, 8)} {words}" + (f"  ({status})" if status else "")


def run(config: Config, args, clock=None) -> int:
    if not 1 <= args.limit <= MAX_LIMIT:
        return fail("deskconsole search", _("--limit is 1 to {n}", n=MAX_LIMIT), 2)
    open_db(config)
    result = search.find(" ".join(args.text), args.kind, args.limit, now=(clock or SystemClock()).now())
    if not result.hits and result.ignored and not search.parse(" ".join(args.text))[0]:
        return fail("deskconsole search", _("Type three letters or digits, or two Chinese characters, to search."), 2)
    if args.json:
        for h in result.hits:
            print(json.dumps({"kind": h.kind, "id": h.id, "number": h.number, "at": iso(h.at, config.tz),
                              "unit": h.unit_code, "who": h.who, "phone": h.phone, "what": h.what, "status": h.status,
                              "closed": h.closed}, ensure_ascii=False))
        return 0
    if not result.hits:
        print(_("Nothing found."))
    kind = None
    for h in result.hits:
        if h.kind != kind:
            kind = h.kind
            shown = sum(1 for x in result.hits if x.kind == kind)
            more = _(" (the newest {n}; there are more)", n=shown) if kind in result.more else f" ({shown})"
            print(("" if h is result.hits[0] else "\n") + search.kind_title(kind) + more)
        print(hit_line(h, config.tz))
    if result.ignored:
        print(_("Too short to search for, left out: {words}", words=" ".join(result.ignored)), file=sys.stderr)
    return 0



