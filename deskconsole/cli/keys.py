"""`deskconsole keys import FILE [--dry-run]` and `keys template`: the key catalogue from the site's list."""
from __future__ import annotations

from .setup_shared import add_import_parsers


def register(sub, common) -> None:
    add_import_parsers(sub, common, "keys", "keys")
