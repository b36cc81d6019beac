"""What a desk function says when it will not do what was asked.

Every refusal is a `Refusal` carrying its data: the field, the role, who acted first and when (in
UTC). None of them knows the site's time zone; `explain(exc, tz)` makes the one line a person
reads, with its times in the site's local time.
"""
from __future__ import annotations

from datetime import datetime, timezone
from zoneinfo import ZoneInfo

from .i18n import _
from .timefmt import local


class Refusal(Exception):
    """A desk function refused. `template` is the translated text; `values` fill its {placeholders}
    when it is explained: datetimes (UTC) are shown in the site's zone, in `time_format`."""

    time_format = "MM-DD HH:mm"

    def __init__(self, template: str, /, *, time_format: str | None = None, **values):
        super().__init__(template)
        self.template = template
        self.values = values
        if time_format is not None:
            self.time_format = time_format

    @property
    def message(self) -> str:
        """The line with its times in UTC (it says so); a screen shows `explain(exc, tz)`."""
        return explain(self, None)

    def __str__(self) -> str:
        return explain(self, None)


class InvalidInput(Refusal, ValueError):
    """A refused value: `field` names the form field, the message says what is expected."""

    def __init__(self, field: str, message: str, /, **values):
        super().__init__(message, **values)
        self.field = field


class PermissionDenied(Refusal):
    """The operator's `role` may not do `permission` (an id of people.PERMISSIONS)."""

    def __init__(self, role: str, permission: str):
        super().__init__(_("A {role} may not do this ({action})."), role=_(role), action=permission)
        self.role = role
        self.permission = permission


class Conflict(Refusal):
    """Another console changed the record first: `by` (staff code) and `by_name` acted at `at`
    (UTC) and did `did` (an audit action such as "order.dispatch"; "" when not known). The template
    names them as {who} and {time}. A Conflict without these data is a plain message."""

    time_format = "HH:mm"

    def __init__(self, message: str, /, *, by: str = "", by_name: str = "", at: datetime | None = None,
                 did: str = "", **values):
        if by or at is not None:
            values = {"who": by or "?", "time": at} | values
        super().__init__(message, **values)
        self.by = by
        self.by_name = by_name
        self.at = at
        self.did = did


class SignOnError(Exception):
    pass


class StoreError(Refusal, RuntimeError):
    """A write that could not be made, said plainly; `kind` is read_only | disk_full | busy | refused
    (with the driver's `error` text) | not_sqlite | cannot_open | replaced (the file was swapped) | same_file (a backup onto the database)
    | unreachable (a database server down or refusing us, db.Unreachable) | lost (the connection dropped as a write committed: it may be saved)
    | not_installed (pg_dump for a backup)."""

    def __init__(self, message: str, /, *, kind: str, **values):
        super().__init__(message, **values)
        self.kind = kind


def explain(exc: Refusal, tz) -> str:
    """The one line a person reads for `exc`; `tz` is the site's zone (a tzinfo or a name). Without
    one, times are shown in UTC and say so rather than pass for local time."""
    if not exc.values:
        return exc.template
    values = {name: _shown(value, tz, exc.time_format) if isinstance(value, datetime) or value is None else value
              for name, value in exc.values.items()}
    return exc.template.format(**values)


def _shown(value: datetime | None, tz, fmt: str) -> str:
    if value is None:
        return "?"
    if tz is None:
        return local(value, timezone.utc, fmt) + " UTC"
    return local(value, ZoneInfo(tz) if isinstance(tz, str) else tz, fmt)
