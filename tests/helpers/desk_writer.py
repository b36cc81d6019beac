"""A console's writes in a process of its own, for the hardening tests (tests/test_hardening_*.py).

    python tests/helpers/desk_writer.py load DB_PATH_OR_URL PLAN_JSON OUT_JSON
        Wait until the plan's start time, then for `seconds` call the real desk functions at random
        (new calls, order transitions and inquiry answers on shared records, key issues and returns
        on shared keys, log entries and marking shared instructions done). Writes OUT_JSON: every
        success (what and its id) and every refusal (its exception type and message).

    python tests/helpers/desk_writer.py loop DB_PATH_OR_URL
        Record calls and log entries for ever, printing "call <id>" / "log <id>" on stdout (flushed)
        after each commit, until it is killed.
"""
from __future__ import annotations

import json
import random
import sys
import time
import traceback
from datetime import datetime, timedelta, timezone

from deskconsole import calls, db, keys, orders, people, shifts
from deskconsole.config import Config
from deskconsole.errors import Conflict, InvalidInput, PermissionDenied

BASE = datetime(2026, 11, 24, 14, 0, tzinfo=timezone.utc)
TEXTS = ["厨房水龙头漏水", "王[b]小明 called [/x]", "Lift stuck \x1b[2J on 12F", "停车卡多少钱 🚗", "[@click=app.quit]"]


def _now(t0: float) -> datetime:
    return BASE + timedelta(seconds=time.monotonic() - t0)


def load(path: str, plan_file: str, out_file: str) -> None:
    plan = json.load(open(plan_file))
    worker = plan["worker"]
    rng = random.Random(plan["seed"])
    config = Config(db_url=path if "://" in path else "sqlite:///" + path, language="en")
    db.connect(config.db_url)
    engine = config.sla_engine()
    staff = {code: people.find(code) for code in ("S1", "S2", "R1", "R2", "G1", "G2")}
    desk = [staff[c] for c in ("S1", "S2", "R1", "R2")]
    everyone = list(staff.values())
    successes, refusals, errors = [], [], []

    def attempt(op, fn, *args, **kwargs):
        try:
            result = fn(*args, **kwargs)
        except (InvalidInput, Conflict) as exc:
            refusals.append({"op": op, "type": type(exc).__name__, "message": str(exc),
                             "field": getattr(exc, "field", None), "args": [a for a in args if isinstance(a, int)]})
            return None
        except PermissionDenied as exc:
            errors.append({"op": op, "type": "PermissionDenied", "message": str(exc)})
            return None
        except Exception as exc:  # noqa: BLE001 - reported to the test, which fails on any
            errors.append({"op": op, "type": type(exc).__name__, "message": str(exc),
                           "traceback": traceback.format_exc()})
            return None
        return result if result is not None else True

    while time.time() < plan["start"]:
        time.sleep(0.005)
    t0 = time.monotonic() - worker * 0.001
    end = time.time() + plan["seconds"]
    while time.time() < end:
        now = _now(t0)
        op = rng.choice(["call", "call", "dispatch", "arrive", "complete", "answer", "issue", "return", "return",
                         "log", "done"])
        if op == "call":
            text = rng.choice(TEXTS) + f" w{worker}"
            call_id = attempt(op, calls.add_call, rng.choice(everyone), now, category="repair", channel="phone",
                              unit_code="1-1203", caller="王[b]小明", text=text)
            if call_id:
                successes.append({"op": op, "id": call_id, "text": text})
        elif op in ("dispatch", "arrive", "complete"):
            order_id = rng.choice(plan["orders"])
            actor = rng.choice(desk if op != "arrive" else everyone)
            if op == "dispatch":
                ok = attempt(op, orders.dispatch, actor, now, order_id, department="engineering",
                             assignee=f"w{worker}")
            elif op == "arrive":
                ok = attempt(op, orders.arrive, actor, now, order_id)
            else:
                ok = attempt(op, orders.complete, actor, now, order_id, work_done=f"fixed by w{worker}")
            if ok:
                successes.append({"op": op, "id": order_id, "actor": actor.code})
        elif op == "answer":
            call_id = rng.choice(plan["inquiries"])
            if attempt(op, calls.answer_inquiry, rng.choice(everyone), now, call_id, answer=f"answer from w{worker}"):
                successes.append({"op": op, "id": call_id})
        elif op == "issue":
            tag = rng.choice(plan["keys"])
            loan = attempt(op, keys.issue, rng.choice(everyone), now, engine, tag=tag, holder_kind="staff",
                           holder_name=f"张师傅 w{worker}", due_at=now + timedelta(hours=1), purpose="load")
            if loan:
                successes.append({"op": op, "id": loan, "tag": tag})
        elif op == "return":
            key_id = rng.choice(plan["key_ids"])
            note = f"back to w{worker} {rng.random()}"
            if attempt(op, keys.return_key, rng.choice(everyone), now, key_id, note=note):
                successes.append({"op": op, "id": key_id, "note": note})
        elif op == "log":
            entry = attempt(op, shifts.add_entry, rng.choice(everyone), now, config=config, kind="note",
                            text=f"patrol ok [b] w{worker}")
            if entry:
                successes.append({"op": op, "id": entry})
        else:
            entry_id = rng.choice(plan["instructions"])
            if attempt(op, shifts.mark_done, rng.choice(everyone), now, entry_id):
                successes.append({"op": op, "id": entry_id})
    db.close()
    json.dump({"worker": worker, "successes": successes, "refusals": refusals, "errors": errors},
              open(out_file, "w"), ensure_ascii=False)


def loop(path: str) -> None:
    config = Config(db_url=path if "://" in path else "sqlite:///" + path, language="en")
    db.connect(config.db_url)
    actor = people.find("R1")
    t0 = time.monotonic()
    n = 0
    while True:
        n += 1
        now = _now(t0)
        if n % 3:
            call_id = calls.add_call(actor, now, category="repair", channel="phone", unit_code="1-1203",
                                     text=f"loop {n}")
            print(f"call {call_id}", flush=True)
        else:
            entry = shifts.add_entry(actor, now, config=config, kind="note", text=f"loop {n}")
            print(f"log {entry}", flush=True)
        time.sleep(0.002)   # a busy console, not a benchmark: the others start up meanwhile


if __name__ == "__main__":
    if sys.argv[1] == "load":
        load(*sys.argv[2:5])
    elif sys.argv[1] == "loop":
        loop(sys.argv[2])
    else:
        raise SystemExit(f"unknown mode {sys.argv[1]}")
