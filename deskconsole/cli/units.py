"""`deskconsole units import FILE [--dry-run]`, `units list [--json]`, `units template`: the site's unit list."""
from __future__ import annotations

from .. import units
from .setup_shared import add_import_parsers
from ..i18n import _, label


def register(sub, common) -> None:
    add_import_parsers(sub, common, "units", "units", lister)


def lister():
    rows = units.all_units()
    return ([{"code": u.code, "building": u.building, "floor": u.floor, "owner": u.owner, "phones": list(u.phones),
              "status": u.status, "notes": u.notes} for u in rows],
            [_("Unit"), _("Owner"), _("Phones"), _("Status"), _("Notes")],
            [[u.code, u.owner, " / ".join(u.phones), label(u.status), u.notes.replace("\n", " ")] for u in rows])
