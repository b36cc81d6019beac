"""The refresh sequencer (refresh.py) on its own: which load runs, what each may show."""
from __future__ import annotations

import sqlite3
from dataclasses import replace
from datetime import timedelta

import peewee as pw

from conftest import NOW
from deskconsole import calls, console_data, people, shifts
from deskconsole.calls import CallRow
from deskconsole.console_data import ConsoleData
from deskconsole.refresh import AHEAD, CHANGE, FIRST, FULL, Reader, Sequencer, read_failure, with_saved_call
from deskconsole.shifts import ShiftInfo

SHIFT = ShiftInfo(7, "night", NOW - timedelta(hours=2), NOW + timedelta(hours=10), "R1")


def call(id: int, category: str = "inquiry", status: str = "open", minutes_ago: int = 0) -> CallRow:
    return CallRow(id=id, received_at=NOW - timedelta(minutes=minutes_ago), channel="phone", category=category,
                   caller="王[b]小明", unit_code="1-101", phone="138", text=f"call {id}", status=status,
                   taken_by="R1", reply_due_at=None, order_id=None)


def data(*rows: CallRow, counted: int = 0, read_at: float = 0.0) -> ConsoleData:
    return ConsoleData(calls=list(rows), orders=[], log=[], keys=[], shift=SHIFT, calls_this_shift=counted,
                       open_log_items=0, journal=1, read_in_full_at=read_at)


def ids(d: ConsoleData | None) -> list[int]:
    return [c.id for c in d.calls]


def signed_on_and_shown(seq: Sequencer, first: ConsoleData) -> None:
    load = seq.signed_on(1)
    seq.mounted()
    assert seq.done(load, first).show is first


# --- one load at a time --------------------------------------------------------------------

def test_a_change_while_a_load_runs_is_read_after_it_once():
    seq = Sequencer()
    first = seq.signed_on(1)
    assert first.kind == FIRST
    assert seq.changed() is None and seq.changed() is None   # two commits while it runs
    done = seq.done(first, data(call(1)))
    assert done.next is not None and done.next.kind == CHANGE  # one load for both
    assert seq.done(done.next, data(call(2), call(1))).next is None
    assert not seq.busy


def test_a_full_reload_asked_meanwhile_wins_over_a_change_and_reads_the_orders_again():
    seq = Sequencer()
    signed_on_and_shown(seq, data(call(1)))
    running = seq.changed()
    assert running.previous is not None                       # may reuse the open orders
    assert seq.changed(full=True) is None and seq.changed() is None
    following = seq.done(running, data(call(1))).next
    assert following.kind == FULL and following.previous is None


def test_older_data_never_hides_newer():
    """Loads end in the order they started; what is shown only ever moves forward, also when a load
    ends before the console screen is there."""
    seq = Sequencer()
    first = seq.signed_on(1)
    assert seq.done(first, data(call(1))).show is None        # no console screen yet: kept
    shown, load = seq.mounted()
    assert ids(shown) == [1] and load is None
    second = seq.changed()
    assert seq.changed() is None
    third = seq.done(second, data(call(2), call(1))).next
    assert ids(seq.shown) == [2, 1]
    assert ids(seq.done(third, data(call(3), call(2), call(1))).show) == [3, 2, 1]
    assert seq.done(second, data(call(1))).show is None       # an older load ending late shows nothing
    assert ids(seq.shown) == [3, 2, 1]


def test_nothing_is_loaded_before_sign_on_but_the_read_ahead():
    seq = Sequencer()
    assert seq.changed() is None and seq.poll(True) is None
    assert seq.read_ahead().kind == AHEAD


# --- a call saved here --------------------------------------------------------------------

def test_a_saved_call_is_not_hidden_by_a_load_that_started_before_the_save():
    seq = Sequencer()
    emergency = call(1, "emergency")
    signed_on_and_shown(seq, data(emergency, call(2), counted=2))
    before = seq.changed()                                     # another console's commit, being read
    saved = call(9)
    shown = seq.saved_call(saved, new=True)
    assert ids(shown) == [1, 9, 2] and shown.calls_this_shift == 3   # below the open emergency
    assert seq.changed() is None                               # the save: the feed moved again
    done = seq.done(before, data(emergency, call(3), call(2), counted=3))
    assert ids(done.show) == [1, 9, 3, 2] and done.show.calls_this_shift == 4
    after = done.next                                          # started after the save: reads it
    done = seq.done(after, data(emergency, call(9), call(3), call(2), counted=4))
    assert ids(done.show) == [1, 9, 3, 2] and done.show.calls_this_shift == 4   # not twice
    assert ids(seq.done(seq.changed(), data(emergency, call(3), counted=3)).show) == [1, 3]  # and then gone


def test_a_saved_row_read_by_a_load_that_started_before_the_save_is_not_counted_twice():
    seq = Sequencer()
    signed_on_and_shown(seq, data(call(2), counted=1))
    before = seq.changed()
    seq.saved_call(call(9), new=True)
    # The load had started before the save but read the calls after the commit: the row is there.
    done = seq.done(before, data(call(9), call(2), counted=2))
    assert ids(done.show) == [9, 2] and done.show.calls_this_shift == 2


def test_an_edited_call_replaces_its_row_where_it_is():
    d = data(call(1), call(2), call(3), counted=3)
    edited = replace(call(2), text="改过的 [/x]")
    after = with_saved_call(d, edited, new=False)
    assert ids(after) == [1, 2, 3] and after.calls[1].text == "改过的 [/x]" and after.calls_this_shift == 3


def test_a_new_emergency_goes_first_and_a_call_before_the_shift_is_not_counted():
    d = data(call(1, "emergency"), call(2), counted=2)
    assert ids(with_saved_call(d, call(9, "emergency"), new=True)) == [9, 1, 2]
    early = call(8, minutes_ago=3 * 60)
    assert with_saved_call(d, early, new=True).calls_this_shift == 2


def test_nothing_to_show_a_saved_call_in_before_the_first_data():
    seq = Sequencer()
    seq.signed_on(1)
    assert seq.saved_call(call(9), new=True) is None


# --- a failed read ---------------------------------------------------------------------------

def test_a_failed_read_is_said_once_and_read_again_at_the_next_poll():
    seq = Sequencer()
    signed_on_and_shown(seq, data(call(1)))
    load = seq.changed()
    line, following = seq.failed(load, pw.OperationalError("disk I/O error"))
    assert line == "Could not read the database: disk I/O error" and following is None
    assert seq.poll(False) is not None                         # no new commit: read again all the same
    retry = seq.running
    assert seq.poll(False) is None                             # not twice at once
    done = seq.done(retry, data(call(2), call(1)))
    assert done.recovered and ids(done.show) == [2, 1] and seq.failure is None
    assert seq.poll(False) is None


def test_a_change_during_a_failing_read_is_read_at_once():
    seq = Sequencer()
    signed_on_and_shown(seq, data(call(1)))
    load = seq.changed()
    seq.changed()
    line, following = seq.failed(load, sqlite3.OperationalError("disk I/O error"))
    assert line and following is not None and following.kind == CHANGE


def test_the_line_names_no_value_that_was_being_read():
    assert read_failure(ValueError("invalid literal for int(): '0000'")) == "Could not read the database: ValueError"
    assert "busy" in read_failure(pw.OperationalError("database is locked"))
    assert read_failure(sqlite3.DatabaseError("file is not a database\x1b[2J")) == \
        "Could not read the database: file is not a database"


def test_a_failed_read_ahead_says_nothing_and_sign_on_reads_instead():
    seq = Sequencer()
    ahead = seq.read_ahead()
    assert seq.signed_on(1) is None                            # waits for the read ahead
    line, first = seq.failed(ahead, pw.OperationalError("disk I/O error"))
    assert line is None and seq.failure is None
    assert first.kind == FIRST and first.ahead is None


# --- the read ahead -----------------------------------------------------------------------------

def test_read_ahead_once_while_fresh_and_never_after_sign_on():
    now = [100.0]
    seq = Sequencer(monotonic=lambda: now[0])
    ahead = seq.read_ahead()
    assert seq.read_ahead() is None                            # one at a time
    assert seq.done(ahead, data(call(1), read_at=100.0)).show is None
    now[0] = 120.0
    assert seq.read_ahead() is None                            # fresh
    now[0] = 131.0
    again = seq.read_ahead()
    assert again is not None and again.previous is None
    assert seq.signed_on(1) is None                            # waits for it
    first = seq.done(again, data(call(2), read_at=131.0)).next
    assert first.kind == FIRST and ids(first.ahead) == [2]
    now[0] = 500.0
    assert seq.read_ahead() is None


def _read_ahead_then_sign_on(site, between=None):
    """A console's sequence with the real reader: read ahead, `between()`, R1 signs on, the first load."""
    clock_now = NOW
    reader = Reader(site, site.sla_engine, type("Clock", (), {"now": staticmethod(lambda: clock_now)})())
    seq = Sequencer()
    ahead = seq.read_ahead()
    read = ahead.run(reader)
    seq.done(ahead, read)
    if between:
        between()
    r1 = people.verify("R1", "0000", NOW)
    shifts.sign_on(r1, NOW, config=site)
    first = seq.signed_on(r1.id)
    seq.mounted()
    shown = first.run(reader)
    return read, first, shown, seq.done(first, shown)


def test_read_ahead_is_taken_when_nothing_but_the_sign_on_was_written(demo_site):
    read, first, shown, done = _read_ahead_then_sign_on(demo_site)
    assert first.taken and shown.orders is read.orders
    assert done.show is shown
    assert done.next is not None and done.next.kind == CHANGE  # read again once painted


def test_read_ahead_is_not_taken_after_another_write(demo_site):
    s1 = people.find("S1")
    read, first, shown, done = _read_ahead_then_sign_on(demo_site, lambda: calls.add_call(
        s1, NOW, category="inquiry", channel="phone", text="停车费 [b]"))
    assert not first.taken and any(c.text == "停车费 [b]" for c in shown.calls)
    assert done.next is None


def test_read_ahead_is_not_taken_after_a_write_of_the_operator_other_than_signing_on(demo_site):
    r1 = people.find("R1")
    read, first, shown, done = _read_ahead_then_sign_on(demo_site, lambda: calls.add_call(
        r1, NOW, category="inquiry", channel="phone", text="自己写的"))
    assert not first.taken and any(c.text == "自己写的" for c in shown.calls)


def test_a_load_reuses_the_orders_only_through_console_data(demo_site, monkeypatch):
    """The reader hands the previous data to console_data.load, which decides what to read again."""
    seen = []
    real = console_data.load
    monkeypatch.setattr(console_data, "load", lambda *a: seen.append(a[3]) or real(*a))
    reader = Reader(demo_site, demo_site.sla_engine, type("Clock", (), {"now": staticmethod(lambda: NOW)})())
    seq = Sequencer()
    first = seq.signed_on(people.find("R1").id)
    seq.done(first, first.run(reader))
    change = seq.changed()
    change.run(reader)
    assert seen == [None, seq.latest]


def test_a_load_describes_itself_in_a_few_characters():
    """Textual describes a worker by repr(work): a load's must not print the data it carries."""
    seq = Sequencer()
    seq.done(seq.read_ahead(), data(*(call(i) for i in range(500))))
    load = seq.signed_on(1)
    assert repr(load) == f"Load({load.number}, first)"
