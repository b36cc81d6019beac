"""`deskconsole export`: every table as one JSON object on stdout (the data: deskconsole.export),
streamed a batch at a time, with a bar on the terminal when it takes more than a second."""
from __future__ import annotations

import sys

from ..config import Config
from ..i18n import _
from .common import TerminalProgress, open_db


def register(sub, common) -> None:
    export = sub.add_parser("export", parents=[common], help="every table as one JSON object on stdout")
    export.set_defaults(handler=run)


def run(config: Config, args) -> int:
    from ..export import write_export
    open_db(config, must_exist=True)
    progress = TerminalProgress(message=lambda **values: _(
        "Exporting: [{bar}] {percent} % ({done:,} of {total:,} records)", **values))
    try:
        # Records streaming onto the terminal show their own progress: a bar would be torn by them.
        write_export(config, sys.stdout, progress=None if sys.stdout.isatty() else progress)
    finally:
        progress.close()
    return 0
