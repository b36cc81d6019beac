"""What FTS5 itself costs a commit (issue 19's save goal): raw sqlite3, no deskconsole code.
Printed, never asserted.

    python3 bench/fts_commit.py

100,000 bodies like the index's (a call number, a phone, a name, a unit, eight Chinese characters) are
loaded, then 3,000 single-row transactions are timed, each against a plain insert into the content
table alone, alternating: "separate" is the layout the index has (a trigram table over search_doc and
a contentless table of two-character words), "combined" one trigram table with both as columns (a
two-character word looked up as the trigram " 漏水"). `automerge` 8 and 16 beside FTS5's default 4.
The "extra ms" is the median cost of the FTS tables in a commit: FTS5 writes a new segment of each
table at every commit.
"""
import os
import random
import sqlite3
import statistics
import tempfile
import time
from pathlib import Path

CH = "厨房水龙头漏水楼上装修噪音太大门锁坏了打不开电梯困人阳台跑水卫生间快递柜停车月"
def run(variant, am):
    rng = random.Random(1)
    def body():
        return f" C{rng.randrange(10**6)} 139{rng.randrange(10**8):08d} Bench 1-{rng.randrange(100,3000)} " + "".join(rng.choice(CH) for _ in range(8)) + " "
    def bigrams(b):
        return " ".join(b[i:i+2] for i in range(len(b)-1) if ('\u4e00' <= b[i] <= '\u9fff' or '\u4e00' <= b[i+1] <= '\u9fff') and " " not in b[i:i+2])
    path = str(Path(tempfile.mkdtemp()) / "fts.db")
    for s in ("", "-wal", "-shm"):
        if os.path.exists(path+s): os.remove(path+s)
    c = sqlite3.connect(path, isolation_level=None); c.execute("pragma journal_mode=wal"); c.execute("pragma synchronous=normal")
    c.execute("create table doc(id integer primary key, body text)")
    if variant == "separate":
        c.execute("create virtual table tri using fts5(body, content='doc', content_rowid='id', tokenize='trigram', detail=none, columnsize=0)")
        c.execute("create virtual table bi using fts5(b, content='', tokenize='unicode61', detail=none, columnsize=0)")
        tabs = ["tri", "bi"]
    else:
        c.execute("create view docv as select id, body, '' as bi from doc")
        c.execute("create virtual table tri using fts5(body, bi, content='docv', content_rowid='id', tokenize='trigram', detail=none, columnsize=0)")
        tabs = ["tri"]
    if am is not None:
        for t in tabs: c.execute(f"insert into {t}({t}, rank) values ('automerge', {am})")
    def ins(i, b):
        c.execute("insert into doc values (?,?)", (i, b))
        if variant == "separate":
            c.execute("insert into tri(rowid, body) values (?,?)", (i, b)); c.execute("insert into bi(rowid, b) values (?,?)", (i, bigrams(b)))
        else:
            c.execute("insert into tri(rowid, body, bi) values (?,?,?)", (i, b, " " + bigrams(b) + " "))
    c.execute("begin")
    for i in range(1, 100001): ins(i, body())
    c.execute("commit")
    ts = []; plain = []
    for i in range(100001, 106001, 2):
        b = body(); t0 = time.perf_counter(); c.execute("begin immediate"); ins(i, b); c.execute("commit"); ts.append(time.perf_counter() - t0)
        t0 = time.perf_counter(); c.execute("begin immediate"); c.execute("insert into doc values (?,?)", (i+1, b)); c.execute("commit"); plain.append(time.perf_counter() - t0)
    t0 = time.perf_counter()
    for _ in range(200): c.execute("select count(*) from tri where body like '%水龙头%'").fetchone()
    q = (time.perf_counter()-t0)/200
    c.close()
    for suffix in ("", "-wal", "-shm"):
        Path(path + suffix).unlink(missing_ok=True)
    Path(path).parent.rmdir()
    print(variant, am, "extra ms", round((statistics.median(ts)-statistics.median(plain))*1000, 4), "mean extra", round((statistics.mean(ts)-statistics.mean(plain))*1000, 4), "query ms", round(q*1000,2))


if __name__ == "__main__":
    for v in ("separate", "combined"):
        for am in (None, 8, 16):
            run(v, am)
