"""Type-ahead under a real terminal: whole bursts written to the console's pty, as an SSH link
delivers them, and what was saved. Prints; asserts nothing about speed.

    .venv/bin/python bench/typeahead.py [ROUNDS]

Each round: `n` + a phone + Tab + name + Tab + unit + Tab + category + Tab + channel + Tab + text +
Ctrl+S in one write; then the same keys one write each, 0.1 s apart. Prints what was saved and the
time from the write to the saved row.
"""
from __future__ import annotations

import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from ptyterm import DESKCONSOLE, console  # noqa: E402


def newest(db: Path):
    with sqlite3.connect(db) as conn:
        return conn.execute("select id, phone, caller, text from call order by id desc limit 1").fetchone()


def wait_saved(db: Path, after_id: int, t0: float, timeout: float = 15.0):
    while time.monotonic() - t0 < timeout:
        row = newest(db)
        if row and row[0] > after_id:
            return row, time.monotonic() - t0
        time.sleep(0.005)
    return None, None


def main(rounds: int = 3) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "desk.db"
        subprocess.run([DESKCONSOLE, "init", "--demo-data", "--db", str(db)], check=True, capture_output=True)
        with console(db) as term:
            term.wait_for("PIN")
            term.send("0000\r")
            time.sleep(3)
            for i in range(rounds):
                phone = f"1380000{i:04d}"
                keys = f"n{phone}\t王小明\t1-1203\ti\tw\t停车卡多少钱 {i}\x13"
                last = newest(db)[0]
                row, took = wait_saved(db, last, term.send(keys))
                print(f"one burst   : saved {row[1:] if row else None} in {took and round(took, 3)} s")
                time.sleep(1)
                last = newest(db)[0]
                t0 = time.monotonic()
                for ch in keys.replace(phone, phone[::-1]):
                    term.send(ch)
                    time.sleep(0.1)
                row, took = wait_saved(db, last, t0)
                print(f"0.1 s apart : saved {row[1:] if row else None}; the last key to saved {took and round(took - 0.1 * len(keys), 3)} s")
                time.sleep(1)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 3)
