"""`deskconsole parcel add ...`: a parcel from a scanner or a parcel locker, through the form's own desk
function, with the same checks and exit codes as `call add` (0 and the new id; 1 refused; 2 no site)."""
from __future__ import annotations

from .. import frontdesk
from ..clock import SystemClock
from ..errors import InvalidInput, Refusal, SignOnError, explain
from .common import fail, open_db, script_operator

# The desk function's field names as the options say them.
_OPTION = {"unit": "unit", "addressee": "for"}


def register(sub, common) -> None:
    parcel = sub.add_parser("parcel", parents=[common], help="the parcel register from the command line")
    parcel_sub = parcel.add_subparsers(dest="parcel_command", required=True)
    add = parcel_sub.add_parser("add", parents=[common],
                                help="record a parcel received (same checks as the form); prints its id")
    add.add_argument("--unit", default="", help="the unit (房号) it is for, e.g. 1-1203")
    add.add_argument("--for", dest="addressee", default="", help="the person it is for")
    add.add_argument("--carrier", required=True, help="who brought it: EMS, SF, ...")
    add.add_argument("--tracking", required=True, help="the tracking number")
    add.add_argument("--size", default="", help=", ".join(frontdesk.SIZES))
    add.add_argument("--shelf", default="", help="where it is kept")
    add.add_argument("--operator", default="",
                     help="staff code recorded as receiving it, whose PIN is read from standard input; or the "
                          "site file's integration.code (a parcel locker, no PIN) (default: the system)")
    add.set_defaults(handler=run_add)


def run_add(config, args, clock=None) -> int:
    open_db(config, must_exist=True)  # a parcel recorded into a mistyped --db would be lost
    now = (clock or SystemClock()).now()
    try:
        operator, system = script_operator(config, args.operator, now, "the parcel")
        parcel_id = frontdesk.receive_parcel_from_script(
            operator, now, system=system, unit_code=args.unit, addressee=args.addressee, carrier=args.carrier,
            tracking=args.tracking, size=args.size, shelf=args.shelf)
    except InvalidInput as exc:
        return fail("deskconsole parcel add", f"--{_OPTION.get(exc.field, exc.field)}: {explain(exc, config.tz)}", 1)
    except Refusal as exc:
        return fail("deskconsole parcel add", explain(exc, config.tz), 1)
    except SignOnError as exc:
        return fail("deskconsole parcel add", str(exc), 1)
    print(parcel_id)
    return 0
