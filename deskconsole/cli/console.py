"""`deskconsole` without a sub-command: the console on the configured database."""
from __future__ import annotations

from ..config import Config
from .common import open_db


def run(config: Config, args) -> int:
    open_db(config)
    from ..app import DeskApp  # Textual only when a console is wanted
    app = DeskApp(config, operator_code=args.operator)
    app.run()
    return app.return_code or 0  # 129 when the terminal went away
