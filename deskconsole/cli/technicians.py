"""`deskconsole technicians import FILE [--dry-run]`, `technicians list [--json]`, `technicians template`."""
from __future__ import annotations

from .. import technicians
from .setup_shared import add_import_parsers
from ..i18n import _, label


def register(sub, common) -> None:
    add_import_parsers(sub, common, "technicians", "technicians", lister)


def lister():
    rows = technicians.all_technicians()
    yes, no = _("yes"), _("no")
    return ([{"department": t.department, "name": t.name, "phone": t.phone, "on_call": t.on_call,
              "active": t.active} for t in rows],
            [_("Department"), _("Name"), _("Phone"), _("On call"), _("Active")],
            [[label(t.department), t.name, t.phone, yes if t.on_call else no, yes if t.active else no] for t in rows])
