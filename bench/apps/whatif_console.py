"""The console with the fixes bench/README.md proposes, patched in at run time, to show what they
would reach. deskconsole itself is not changed; run it like the console:

    .venv/bin/python bench/apps/whatif_console.py --db PATH --operator R1

1. ConsoleScreen.refresh_strip sets each pane's border_subtitle only when the text changed
   (Textual's border_subtitle setter calls refresh() on the whole pane every time).
2. An index on call(status, received_at), so calls.recent()'s "older open calls" query does not
   walk the whole table (bench/measure.py --whatif adds it to a copy of the benchmark database).
3. db.UTCDateTimeField.python_value parses with datetime.fromisoformat instead of strptime
   (same result for the stored format, ~20x faster; a reload parses ~12,000 times).
"""
import sys
from datetime import datetime, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from deskconsole import cli, db  # noqa: E402
from deskconsole.screens import console as console_screen  # noqa: E402


def refresh_strip(self, now=None) -> None:
    if self.data is None:
        return
    now = now or self.app.clock.now()
    parts: list = []
    for pane in self.panes:
        if parts:
            parts.append(" │ ")
        label = f"{pane.number} {pane.short_summary(self.data, now)}"
        parts.append((label, "bold") if pane.number == self.active else label)
        summary = pane.summary(self.data, now)
        if getattr(pane, "_whatif_subtitle", None) != summary:
            pane._whatif_subtitle = summary
            pane.border_subtitle = summary
    for strip in self.query("#strip"):
        strip.set_parts(*parts)


console_screen.ConsoleScreen.refresh_strip = refresh_strip



def python_value(self, value):
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.replace(tzinfo=timezone.utc)
    return datetime.fromisoformat(value).replace(tzinfo=timezone.utc)


db.UTCDateTimeField.python_value = python_value

if __name__ == "__main__":
    sys.exit(cli.main())
