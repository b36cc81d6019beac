"""The people work orders are dispatched to, by department: the dispatch form offers them, the
on-call ones first (at night the guard sends the on-call plumber). Imported by a supervisor
(site_setup); never deleted, a technician who left is marked inactive."""
from __future__ import annotations

from dataclasses import dataclass

from .db import Technician
from .i18n import _


@dataclass(frozen=True)
class TechnicianInfo:
    id: int
    department: str
    name: str
    phone: str
    on_call: bool
    active: bool


def _info(t: Technician) -> TechnicianInfo:
    return TechnicianInfo(t.id, t.department, t.name, t.phone, t.on_call, t.active)


def all_technicians() -> list[TechnicianInfo]:
    return [_info(t) for t in Technician.select().order_by(Technician.department, Technician.name)]


def for_department(department: str) -> list[TechnicianInfo]:
    """The active technicians of a department, read now: on call first, then by name."""
    query = (Technician.select()
             .where((Technician.department == department) & (Technician.active == True))  # noqa: E712
             .order_by(Technician.on_call.desc(), Technician.name))
    return [_info(t) for t in query]


def offer_text(people: list[TechnicianInfo]) -> str:
    """The dispatch form's note: who is on call (with a phone to ring), then the others."""
    on_call = [f"{t.name} {t.phone}".strip() for t in people if t.on_call]
    others = [t.name for t in people if not t.on_call]
    parts = []
    if on_call:
        parts.append(_("On call: {names}", names=", ".join(on_call)))
    if others:
        parts.append(_("Also: {names}", names=", ".join(others)))
    return " · ".join(parts) or (_("No technicians listed for this department: type a name.") if not people else "")
