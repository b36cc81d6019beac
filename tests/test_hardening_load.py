"""Many consoles at once (issue 7): 20 processes write through the real desk functions on one SQLite
file. Every success is in the database, every refusal is a clear InvalidInput/Conflict, "database is
locked" never reaches anyone, a race on one record has exactly one winner, and `deskconsole check`
passes, on the database and on a backup taken while the writers run. test_postgres.py runs the same
load on a PostgreSQL site (run_load and check_load below)."""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

from conftest import NOW, make_config

from deskconsole import calls, db, orders, people, search_index, shifts
from deskconsole.db import AuditEvent, Call, Key, KeyLoan, ShiftLogEntry, WorkOrder
from deskconsole.text import clean

WORKER = Path(__file__).parent / "helpers" / "desk_writer.py"
ROOT = Path(__file__).parent.parent
PROCESSES = 20
SECONDS = 8.0


def deskconsole(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "deskconsole", *args], capture_output=True, text=True,
                          timeout=120, cwd=ROOT)


def _shared_records(config) -> dict:
    """The records the consoles race for: new orders, open inquiries, instructions, keys on the board."""
    engine = config.sla_engine()
    r1, s1 = people.find("R1"), people.find("S1")
    order_ids = [orders.create_order(r1, NOW, engine, sla_class="general_repair", description=f"load {i}",
                                     unit_code="1-1203") for i in range(30)]
    inquiries = [calls.add_call(r1, NOW, category="inquiry", channel="phone", text=f"load question {i}",
                                answered=False) for i in range(20)]
    instructions = [shifts.add_entry(s1, NOW, config=config, kind="instruction", text=f"load instruction {i}")
                    for i in range(20)]
    board = list(Key.select().where(Key.kind.in_(("plant_room", "office", "common_area"))
                                    & (Key.status == "board")).order_by(Key.id))
    assert len(board) >= 4
    return {"orders": order_ids, "inquiries": inquiries, "instructions": instructions,
            "keys": [k.tag for k in board], "key_ids": [k.id for k in board]}


def test_twenty_consoles_writing_at_once(tmp_path, seeded_file):
    path = tmp_path / "desk.db"
    shutil.copy(seeded_file, path)
    config = make_config(path)
    # A backup taken while the twenty write.
    results, streams, backup = run_load(config, tmp_path, during=lambda: deskconsole(
        "backup", "--db", str(path), str(tmp_path / "during.db")))
    check_load(config, results, streams, backup.stdout + backup.stderr)
    assert backup.returncode == 0, backup.stderr
    check = deskconsole("check", "--db", str(tmp_path / "during.db"))
    assert check.returncode == 0 and "check: ok" in check.stdout, check.stdout + check.stderr


def run_load(config, tmp_path, during=None, processes: int = PROCESSES, seconds: float = SECONDS):
    """`processes` writers for `seconds` on the database of `config`; `during()` runs halfway through.
    Returns what each writer reported, their output, and what `during` returned."""
    db.connect(config.db_url)
    shared = _shared_records(config)
    shared["first_event"] = AuditEvent.select().order_by(AuditEvent.id.desc()).first().id
    db.close()

    start = time.time() + 2.0   # every process imported and connected before anyone writes
    procs = []
    for worker in range(processes):
        plan = tmp_path / f"plan{worker}.json"
        plan.write_text(json.dumps({**shared, "worker": worker, "seed": 7000 + worker, "start": start,
                                    "seconds": seconds}))
        out = tmp_path / f"out{worker}.json"
        procs.append((subprocess.Popen([sys.executable, str(WORKER), "load", config.db_url, str(plan), str(out)],
                                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT), out))
    while time.time() < start + seconds / 2:
        time.sleep(0.05)
    during_result = during() if during is not None else None
    results, streams = [], []
    for proc, out in procs:
        stdout, stderr = proc.communicate(timeout=90)
        streams.append(stdout + stderr)
        assert proc.returncode == 0, stderr
        results.append(json.loads(out.read_text()))
    results[0]["shared"] = shared
    return results, streams, during_result


def check_load(config, results, streams, more_output: str = "") -> None:
    """What every writer reported is what the database holds, and `deskconsole check` passes."""
    shared = results[0]["shared"]
    successes = [s for r in results for s in r["successes"]]
    refusals = [f for r in results for f in r["refusals"]]
    errors = [e for r in results for e in r["errors"]]
    by_op = Counter(s["op"] for s in successes)
    refused_by_op = Counter(f["op"] for f in refusals)
    counts = (f"{len(results)} processes: {len(successes)} writes succeeded {dict(by_op)}, "
              f"{len(refusals)} refused {dict(refused_by_op)}, {len(errors)} errors")
    print("\n" + counts)

    # Nothing went wrong in the desk layer, and "database is locked" reached nobody.
    assert errors == [], f"{counts}\n{errors[:3]}"
    everything = json.dumps(results, ensure_ascii=False) + "".join(streams) + more_output
    assert "locked" not in everything.lower() and "busy" not in everything.lower(), counts
    assert len(successes) > 200 and by_op["dispatch"] and by_op["issue"] and by_op["return"], counts
    assert refusals, counts   # the shared records were raced for

    # Every refusal is a clear InvalidInput or Conflict.
    for refusal in refusals:
        assert refusal["type"] in ("InvalidInput", "Conflict"), refusal
        assert 10 <= len(refusal["message"]) <= 200 and "Error" not in refusal["message"], refusal
        assert "Traceback" not in refusal["message"] and "\n" not in refusal["message"], refusal

    db.connect(config.db_url, migrate_schema=False)
    events = list(AuditEvent.select().where(AuditEvent.id > shared["first_event"]))
    audit_count = Counter((e.action, e.entity_id) for e in events)

    # Every success is in the database, with its audit event.
    for s in successes:
        op, ident = s["op"], s["id"]
        if op == "call":
            call = Call.get_by_id(ident)
            assert call.text == clean(s["text"]) and audit_count[("call.add", ident)] == 1, s
        elif op in ("dispatch", "arrive", "complete"):
            assert audit_count[(f"order.{op}", ident)] == 1, s
        elif op == "answer":
            assert Call.get_by_id(ident).status == "answered" and audit_count[("call.answer", ident)] == 1, s
        elif op == "issue":
            loan = KeyLoan.get_by_id(ident)
            assert loan.key.tag == s["tag"] and loan.purpose == "load", s
        elif op == "return":
            assert any(e.action == "key.return" and e.entity_id == ident and json.loads(e.data)["after"]["note"]
                       == s["note"] for e in events), s
        elif op == "log":
            assert ShiftLogEntry.get_by_id(ident).text.startswith("patrol ok [b]"), s
        elif op == "done":
            assert ShiftLogEntry.get_by_id(ident).done_at is not None, s

    # Races on one record: exactly one winner, and the database agrees.
    once = Counter((s["op"], s["id"]) for s in successes if s["op"] in ("dispatch", "arrive", "complete",
                                                                          "answer", "done"))
    assert [k for k, n in once.items() if n > 1] == [], counts
    for order_id in shared["orders"]:
        order = WorkOrder.get_by_id(order_id)
        won = {op for (op, ident) in once if ident == order_id and op in ("dispatch", "arrive", "complete")}
        assert ("complete" in won) == (order.status == "done"), (order_id, order.status, won)
        assert ("arrive" in won) == (order.status in ("on_site", "done")), (order_id, order.status, won)
    for action, op in (("order.dispatch", "dispatch"), ("order.arrive", "arrive"), ("order.complete", "complete"),
                       ("call.answer", "answer"), ("log.done", "done"), ("key.issue", "issue"),
                       ("key.return", "return"), ("call.add", "call"), ("log.add", "log")):
        assert sum(1 for e in events if e.action == action) == by_op[op], (action, counts)
    # A key is out to one person at a time, and each loan came back at most once.
    for key_id in shared["key_ids"]:
        open_loans = KeyLoan.select().where((KeyLoan.key == key_id) & KeyLoan.returned_at.is_null()).count()
        assert open_loans == (1 if Key.get_by_id(key_id).status == "out" else 0), key_id
    returned_loans = Counter(json.loads(e.data)["after"]["loan"] for e in events if e.action == "key.return")
    assert all(n == 1 for n in returned_loans.values())
    # Each of the twenty processes indexed its writes in their own transactions: the index is the records.
    assert search_index.verify() == []
    db.close()

    check = deskconsole("check", "--db", config.db_url)
    assert check.returncode == 0 and "check: ok" in check.stdout, check.stdout + check.stderr
