"""What a desk function says when it will not do what was asked: each carries a message for the user."""
from __future__ import annotations


class InvalidInput(ValueError):
    """A refused value: `field` names the form field, the message says what is expected."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field
        self.message = message


class PermissionDenied(Exception):
    """The operator's role may not do this."""


class Conflict(Exception):
    """Another console changed the record first; the message says who and when."""


class SignOnError(Exception):
    pass


class StoreError(RuntimeError):
    """A write that could not be made (disk full, read-only, locked too long), said plainly."""
