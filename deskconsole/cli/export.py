"""`deskconsole export`: every table as one JSON object on stdout (the data: deskconsole.export)."""
from __future__ import annotations

import json
import sys

from ..config import Config
from .common import open_db


def register(sub, common) -> None:
    export = sub.add_parser("export", parents=[common], help="every table as one JSON object on stdout")
    export.set_defaults(handler=run)


def run(config: Config, args) -> int:
    from ..export import export_data
    open_db(config, must_exist=True)
    json.dump(export_data(config), sys.stdout, ensure_ascii=False, indent=1)
    sys.stdout.write("\n")
    return 0
