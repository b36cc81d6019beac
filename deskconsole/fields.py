"""Checks that every desk form shares: free text within bounds, and a unit of the site."""
from __future__ import annotations

from . import db
from .db import Unit
from .errors import InvalidInput
from .i18n import _
from .text import clean

MAX_TEXT = 2000


def text(value: str | None, field: str, missing: str | None = None, *, multiline: bool = True,
         max_len: int = MAX_TEXT) -> str:
    """`value` cleaned; refused at `field` with `missing` when it is required and empty, or when too long."""
    value = clean(value, multiline=multiline)
    if missing and not value:
        raise InvalidInput(field, missing)
    if len(value) > max_len:
        raise InvalidInput(field, _("At most {n} characters: this has {m}.", n=max_len, m=len(value)))
    return value


def find_unit(code: str | None) -> Unit | None:
    code = clean(code).upper().replace(" ", "")
    if not code:
        return None
    return db.first(Unit, "unit.code", lambda v: Unit.select().where(Unit.code == v(0, Unit.code)).limit(1), code)


def unit(code: str | None, field: str = "unit") -> Unit | None:
    """The unit typed, None when nothing was typed; refused when the site has no such unit."""
    if not clean(code):
        return None
    found = find_unit(code)
    if found is None:
        raise InvalidInput(field, _("There is no unit {code} on this site: check the building and room.",
                                    code=clean(code)))
    return found
