"""`deskconsole staff add|list|disable|enable|reset-pin`: the people who sign on at the desk.

On a database with no staff, `staff add CODE --name NAME --role supervisor` creates the first
supervisor with the PIN read from standard input. After that every change names a supervisor with
`--by CODE`, whose PIN is read from standard input; a new person, or a PIN reset, gets a one-time PIN,
printed once on stdout (only its hash is stored) and replaced by its owner at the first sign-on.
"""
from __future__ import annotations

import sys

from .. import db, people
from .setup_shared import Refused, fail, print_list, read_pin
from ..clock import SystemClock
from ..errors import InvalidInput, Refusal, SignOnError, explain
from ..i18n import _


def register(sub, common) -> None:
    parser = sub.add_parser("staff", parents=[common], help="the people who sign on: add, list, disable, reset a PIN")
    commands = parser.add_subparsers(dest="staff_command", required=True)
    add = commands.add_parser("add", parents=[common], help="a new person (the first one: the first supervisor)")
    add.add_argument("code", help="staff code, e.g. R1")
    add.add_argument("--name", required=True, help="the person's name")
    add.add_argument("--role", required=True, choices=people.ROLES)
    add.add_argument("--by", default="", help="a supervisor's code; their PIN is read from standard input")
    add.set_defaults(handler=run_add)
    show = commands.add_parser("list", parents=[common], help="everyone, with role and state (never a PIN)")
    show.add_argument("--json", action="store_true", help="as JSON")
    show.set_defaults(handler=lambda config, args: print_list(config, args, lister))
    for name, handler, text in (
        ("disable", run_disable, "the person can no longer sign on; their records keep their name"),
        ("enable", run_enable, "a disabled person may sign on again"),
        ("reset-pin", run_reset_pin, "a new one-time PIN, printed once; the code is unlocked"),
    ):
        command = commands.add_parser(name, parents=[common], help=text)
        command.add_argument("code", help="the person's staff code")
        command.add_argument("--by", required=True, help="a supervisor's code; their PIN is read from standard input")
        command.set_defaults(handler=handler)


def _supervisor(code: str, now) -> people.Operator:
    """The supervisor named by --by, their PIN checked like a sign-on (wrong PINs count to the lock)."""
    pin = read_pin(_("PIN of {code}", code=code.upper()))
    try:
        operator = people.verify(code, pin, now, action="staff.pin_checked")
    except SignOnError as exc:
        raise Refused(f"--by: {exc}") from None
    people.require(operator, "staff.manage")
    return operator


def _run(command: str, config, body) -> int:
    """The refusals of a staff command: one line on stderr, exit 1, nothing written."""
    db.connect(config.db_url)
    try:
        return body(SystemClock().now())
    except InvalidInput as exc:
        where = {"code": "CODE: ", "name": "--name: ", "role": "--role: "}.get(exc.field, "")
        return fail(command, where + explain(exc, config.tz))
    except Refusal as exc:
        return fail(command, explain(exc, config.tz))
    except (Refused, SignOnError) as exc:
        return fail(command, str(exc))


def _one_time(code: str, pin: str) -> None:
    print(_("One-time PIN for {code}, shown this once: {code} chooses their own at the first sign-on.",
            code=code), file=sys.stderr)
    print(pin)


def run_add(config, args) -> int:
    def body(now) -> int:
        policy = people.pin_policy(config)
        if not people.has_staff():
            # The PIN first, whatever follows: a script's next command reads the next line.
            pin = read_pin(_("PIN for {code}", code=args.code.upper()), confirm=True)
            if args.by:
                raise Refused(_("There are no staff yet: the first supervisor is added without --by."))
            if args.role != "supervisor":
                raise Refused(_("There are no staff yet: the first one is a supervisor (--role supervisor)."))
            operator = people.create_first_supervisor(now, code=args.code, name=args.name, pin=pin, policy=policy)
            print(_("{code} added: the first supervisor, with the PIN given.", code=operator.code))
            return 0
        if not args.by:
            raise Refused(_("--by: name a supervisor (their PIN is read from standard input)."))
        supervisor = _supervisor(args.by, now)
        new = people.add_staff(supervisor, now, policy, code=args.code, name=args.name, role=args.role)
        _one_time(new.operator.code, new.pin)
        return 0

    return _run("staff add", config, body)


def _staff(code: str) -> people.StaffInfo:
    staff = people.staff_record(code)
    if staff is None:
        raise Refused(_("No staff member has the code {code}.", code=code.upper()))
    return staff


def _set_active(active: bool):
    def run(config, args) -> int:
        def body(now) -> int:
            supervisor = _supervisor(args.by, now)   # first: its line of stdin is read whatever follows
            staff = _staff(args.code)
            people.set_active(supervisor, now, staff.id, active=active)
            print(_("{code} may sign on again.", code=staff.code) if active else _("{code} is disabled.", code=staff.code))
            return 0

        return _run("staff enable" if active else "staff disable", config, body)
    return run


run_disable, run_enable = _set_active(False), _set_active(True)


def run_reset_pin(config, args) -> int:
    def body(now) -> int:
        supervisor = _supervisor(args.by, now)
        staff = _staff(args.code)
        _one_time(staff.code, people.reset_pin(supervisor, now, people.pin_policy(config), staff.id))
        return 0

    return _run("staff reset-pin", config, body)


def lister():
    rows = people.staff_records()
    return ([{"code": s.code, "name": s.name, "role": s.role, "active": s.active, "one_time_pin": s.pin_one_time}
             for s in rows],
            [_("Code"), _("Name"), _("Role"), _("State"), _("PIN")],
            [[s.code, s.name, _(s.role), _("active") if s.active else _("disabled"),
              _("one-time") if s.pin_one_time else _("own")] for s in rows])
