"""`deskconsole call add ...`: a call from the phone system or a script, through the form's own desk function.

Recorded as the system, as the phone system the site file names ([integration]), or as a person whose
PIN comes on standard input: a staff code alone proves nothing."""
from __future__ import annotations

from .. import calls
from ..clock import SystemClock
from ..errors import InvalidInput, Refusal, SignOnError, explain
from .common import fail, open_db, script_operator

COMMAND = "deskconsole call add"


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
    add.add_argument("--operator", default="",
                     help="staff code recorded as taking the call, whose PIN is read from standard input; or "
                          "the site file's integration.code (a phone system, no PIN) (default: the system)")
    add.add_argument("--encoding", default="utf-8",
                     help="the encoding of the values given (default utf-8; a phone system may send gbk)")
    add.set_defaults(handler=run_add)


def run_add(config, args, clock=None) -> int:
    open_db(config, must_exist=True)  # a call into a mistyped --db would be lost
    now = (clock or SystemClock()).now()
    try:
        operator, system = script_operator(config, args.operator, now, "the call")
        call_id = calls.add_call_from_script(
            operator, now, config.sla_engine(), system=system, phone=args.phone,
            caller=args.caller, unit_code=args.unit, category=args.category, channel=args.channel, text=args.text,
            answered=False)
    except InvalidInput as exc:
        return fail(COMMAND, f"--{exc.field}: {explain(exc, config.tz)}", 1)
    except Refusal as exc:
        return fail(COMMAND, explain(exc, config.tz), 1)
    except SignOnError as exc:
        return fail(COMMAND, str(exc), 1)
    print(call_id)
    return 0
