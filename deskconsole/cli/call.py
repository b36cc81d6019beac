"""`deskconsole call add ...`: a call from the phone system or a script, through the form's own desk function."""
from __future__ import annotations

from .. import calls
from ..clock import SystemClock
from ..errors import Conflict, InvalidInput, PermissionDenied
from .common import fail, open_db


def register(sub, common) -> None:
    call = sub.add_parser("call", parents=[common], help="the call log from the command line")
    call_sub = call.add_subparsers(dest="call_command", required=True)
    add = call_sub.add_parser("add", parents=[common],
                              help="record a call (same checks as the form); prints the new call's id")
    add.add_argument("--phone", default="", help="the caller's phone number")
    add.add_argument("--caller", default="", help="the caller's name")
    add.add_argument("--unit", default="", help="the unit (房号), e.g. 1-1203")
    add.add_argument("--category", required=True, help=", ".join(calls.CATEGORIES))
    add.add_argument("--channel", required=True, help=", ".join(calls.CHANNELS))
    add.add_argument("--text", required=True, help="what was said")
    add.add_argument("--operator", default="", help="staff code recorded as taking the call (default: the system)")
    add.add_argument("--encoding", default="utf-8",
                     help="the encoding of the values given (default utf-8; a phone system may send gbk)")
    add.set_defaults(handler=run_add)


def run_add(config, args, clock=None) -> int:
    open_db(config, must_exist=True)  # a call into a mistyped --db would be lost
    now = (clock or SystemClock()).now()
    try:
        call_id = calls.add_call_from_script(
            now, args.operator, phone=args.phone, caller=args.caller, unit_code=args.unit,
            category=args.category, channel=args.channel, text=args.text, answered=False)
    except InvalidInput as exc:
        return fail("deskconsole call add", f"--{exc.field}: {exc.message}", 1)
    except (Conflict, PermissionDenied) as exc:
        return fail("deskconsole call add", str(exc), 1)
    print(call_id)
    return 0

