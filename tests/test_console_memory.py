"""What the console holds at sign-on (issue 21, memory of one console): the open orders, read in full at
every sign-on, are read only in the columns their rows show."""
from __future__ import annotations

from datetime import timedelta

from deskconsole import db, orders, people

from conftest import NOW

# Columns of an order that no row of the console shows: read only when the order is opened (`detail`).
NOT_IN_A_ROW = ("work_done", "materials", "pending_reason", "end_reason", "complaint_verdict")


def statements_of(monkeypatch, read) -> list[str]:
    database = db.database.obj
    execute = database.execute_sql
    seen: list[str] = []

    def recorded(sql, params=None, *args, **kwargs):
        seen.append(sql)
        return execute(sql, params, *args, **kwargs)

    with monkeypatch.context() as patch:
        patch.setattr(database, "execute_sql", recorded)
        read()
    return seen


def full_rows(engine, where) -> list[orders.OrderRow]:
    """The rows built from every column of the orders, as they were before the reads were narrowed."""
    acks, followups = {}, {}
    for order_id, reminder in db.ReminderAck.select(db.ReminderAck.order, db.ReminderAck.reminder).tuples():
        acks.setdefault(order_id, set()).add(reminder)
    for order_id, kind, asked_at in (db.FollowUp.select(db.FollowUp.order, db.FollowUp.kind, db.FollowUp.asked_at)
                                     .where(db.FollowUp.done_at.is_null()).order_by(db.FollowUp.id).tuples()):
        followups.setdefault(order_id, []).append((kind, asked_at))
    return [orders._row(engine, r, frozenset(acks.get(r["id"], ())), followups.get(r["id"], ()))
            for r in orders._base_query().where(where).dicts()]


def test_open_orders_are_read_in_the_columns_their_rows_show(demo_site, monkeypatch):
    engine = demo_site.sla_engine()
    r1 = people.find("R1")
    first = orders.open_orders(engine)[0]
    orders.dispatch(r1, NOW, first.id, department="engineering", assignee="王[b]小明")
    orders.request_extension(r1, NOW, engine, first.id, until=NOW + timedelta(days=3), reason="等配件",
                             owner_consent=True)
    statements = statements_of(monkeypatch, lambda: orders.open_orders(engine))
    assert statements and not [s for s in statements for column in NOT_IN_A_ROW if column in s]
    # ... and the rows are the same as those built from every column of each order.
    shown = (db.WorkOrder.status.in_(orders.OPEN_STATUSES)
             | db.WorkOrder.id.in_(db.FollowUp.select(db.FollowUp.order).where(db.FollowUp.done_at.is_null())))
    expected = orders._by_breach(full_rows(engine, shown))
    assert orders.open_orders(engine) == expected
    assert any(row.pending and row.assignee == "王[b]小明" for row in expected)
    ended = orders.ended(engine)
    assert ended and ended == full_rows(engine, db.WorkOrder.id.in_([o.id for o in ended]))[::-1]

