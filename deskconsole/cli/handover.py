"""`deskconsole handover`: the handover sheet as text, for the supervisor reading at 08:00."""
from __future__ import annotations

import sys

from .. import audit, shifts
from ..config import Config
from ..db import Shift
from ..i18n import _
from .common import fail, open_db


def register(sub, common) -> None:
    parser = sub.add_parser("handover", parents=[common],
                            help="print the handover sheet (the last one, or a shift's), for A4 or a terminal")
    which = parser.add_mutually_exclusive_group()
    which.add_argument("--shift", type=int, metavar="ID", help="the handover of this shift (its id)")
    which.add_argument("--last", action="store_true", help="the last handover (the default)")
    parser.add_argument("--format", choices=("text", "markdown"), default="text", help="text (default) or markdown")
    parser.set_defaults(handler=run)


def run(config: Config, args) -> int:
    open_db(config, must_exist=True)
    if args.shift is not None:
        # An id past the database's integers is no shift (and must not reach the driver, which overflows).
        if not 0 < args.shift < 2**63 or Shift.get_or_none(Shift.id == args.shift) is None:
            return fail("deskconsole", f"there is no shift {args.shift}", 1)
        handover_id = shifts.last_handover_id(shift_id=args.shift)
        if handover_id is None:
            return fail("deskconsole", f"shift {args.shift} has no handover", 1)
    else:
        handover_id = shifts.last_handover_id()
        if handover_id is None:
            return fail("deskconsole", "no handover has been recorded yet", 1)
    sys.stdout.write(shifts.render_sheet(shifts.handover(handover_id), config.tz, args.format))
    sys.stdout.write(anchor_lines(audit.head(), args.format))
    return 0


def anchor_lines(newest: tuple[int, str] | None, fmt: str) -> str:
    """The audit trail's anchor at printing, at the foot of the sheet: on paper, outside the database."""
    if newest is None:
        return ""
    anchor = f"{newest[0]}:{newest[1][:audit.ANCHOR_DIGITS]}"
    command = f"deskconsole check --anchor {anchor}"
    if fmt == "markdown":
        command = f"`{command}`"
    return "\n" + _("Audit trail at printing: {anchor}", anchor=audit.anchor_line(newest)) + "\n" + \
        _("Check it later: {command}", command=command) + "\n"
