"""Binding descriptions go through the translation function when a screen is built, so the footer
speaks the console's language even though BINDINGS are declared in English at import time."""
from __future__ import annotations

from dataclasses import replace

from ..i18n import _


def translate_bindings(node) -> None:
    for key, bindings in node._bindings.key_to_bindings.items():
        node._bindings.key_to_bindings[key] = [
            replace(b, description=_(b.description)) if b.description else b for b in bindings
        ]
