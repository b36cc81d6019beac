"""Another console's writes, in a process of its own: each line read on stdin becomes a call (through
the desk function, so it is validated and audited like one typed at a console); after the commit it
prints time.monotonic() (the same clock in every process), so the reader can time its arrival.

    .venv/bin/python bench/writer.py --db PATH
"""
from __future__ import annotations

import argparse
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from deskconsole import calls, db, people  # noqa: E402
from deskconsole.config import db_url_from  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", required=True)
    args = parser.parse_args()
    db.connect(db_url_from(args.db))
    writer = people.find("R1")  # the PIN is not asked here: the bench writes as R1 directly
    print("ready", flush=True)
    for line in sys.stdin:
        text = line.strip()
        if not text:
            continue
        calls.add_call_from_script(writer, datetime.now(timezone.utc), phone="13900000000", caller="Writer",
                                   unit_code="1-101", category="other", channel="phone", text=text)
        print(time.monotonic(), flush=True)
    db.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
