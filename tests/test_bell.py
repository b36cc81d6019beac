"""The bell (issue 15): which alarms hold, when the console rings, and the BEL bytes it writes."""
from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import timedelta

from appkit import make_app, settle, sign_on

from conftest import NOW
from deskconsole import bell, calls, console_data, orders, people

T = NOW


def _load(site, now):
    return console_data.load(site, site.sla_engine(), now)


def test_two_loads_an_emergency_call_between_them_is_one_new_alarm(demo_site):
    before = _load(demo_site, T)
    call = calls.add_call_from_script("", T + timedelta(seconds=5), category="emergency", channel="phone",
                                      text="着火了 [b]fire[/b]")
    after = _load(demo_site, T + timedelta(seconds=6))
    assert bell.new_alarms(before, T, after, T + timedelta(seconds=6)) == {f"call:{call}"}
    assert bell.new_alarms(after, T + timedelta(seconds=6), after, T + timedelta(seconds=7)) == set()


def test_an_order_crossing_ninety_percent_and_over_is_an_alarm_each_time(empty_site):
    s1 = people.create_first_supervisor(T - timedelta(days=1), code="S1", name="主管", pin="0000")
    engine = empty_site.sla_engine()
    order_id = orders.create_order(s1, T, engine, sla_class="emergency", description="水浸", location="车库")
    data = _load(empty_site, T)
    assert bell.new_alarms(None, None, data, T + timedelta(minutes=8)) == set()
    at90 = bell.new_alarms(data, T + timedelta(minutes=8), data, T + timedelta(minutes=9, seconds=1))
    assert at90 == {f"order:{order_id}:respond.band90:{int((T + timedelta(minutes=10)).timestamp())}"}
    over = bell.new_alarms(data, T + timedelta(minutes=9, seconds=1), data, T + timedelta(minutes=10))
    assert [a.split(":")[2] for a in over] == ["respond.over"]
    # Acknowledging the reminder ends the alarm.
    row = data.orders[0]
    orders.acknowledge(s1, T + timedelta(minutes=10), order_id,
                       keys=[r.key for r in orders.reminders(row, T + timedelta(minutes=10))])
    assert bell.standing(_load(empty_site, T + timedelta(minutes=10)), T + timedelta(minutes=10)) == set()


def test_a_waiting_approval_rings_on_a_supervisors_console_only(demo_site):
    order_id = _load(demo_site, T).orders[-1].id
    orders.request_extension(people.find("R1"), T, demo_site.sla_engine(), order_id, until=T + timedelta(days=5), reason="等配件")
    data = _load(demo_site, T)
    pending = next(r for r in data.orders if r.pending)
    assert f"approval:{pending.id}:{pending.pending}" in bell.standing(data, T, supervisor=True)
    assert not any(a.startswith("approval:") for a in bell.standing(data, T))


def test_one_ring_per_event_repeated_every_five_minutes_never_two_in_ten_seconds():
    b = bell.Bell()
    assert b.check(frozenset({"a"}), T)                                    # new: ring
    assert not b.check(frozenset({"a"}), T + timedelta(seconds=1))         # still the same event
    assert not b.check(frozenset({"a", "b"}), T + timedelta(seconds=5))    # new, but 10 s not past
    assert b.check(frozenset({"a", "b"}), T + timedelta(seconds=10))       # now
    assert not b.check(frozenset({"a", "b"}), T + timedelta(minutes=4))
    assert b.check(frozenset({"a", "b"}), T + timedelta(minutes=5))        # a: not acknowledged
    assert not b.check(frozenset({"b"}), T + timedelta(minutes=5, seconds=9))
    assert not b.check(frozenset(), T + timedelta(minutes=20))             # all acknowledged: quiet


def test_the_alarms_kept_list_by_list_are_the_alarms_counted_afresh(demo_site):
    """The tick asks bell.Standing every second; it recomputes a list's alarms only when that list is
    replaced or the clock reaches its next band. Over two days of minutes, with reloads that replace
    one list, drop an order or acknowledge nothing, it gives what `standing` counts from scratch."""
    import random
    rng = random.Random(3)
    data = _load(demo_site, T)
    kept, now = {False: bell.Standing(), True: bell.Standing()}, T   # a guard's console, a supervisor's
    for minute in range(2 * 24 * 60):
        now = T + timedelta(minutes=minute, seconds=rng.randrange(60))
        roll = rng.random()
        if roll < 0.002:
            data = replace(data, calls=list(data.calls))              # a reload: a new, equal list
        elif roll < 0.003 and data.orders:
            data = replace(data, orders=data.orders[1:])              # an order closed elsewhere
        elif roll < 0.004:
            data = replace(data, keys=list(data.keys), visitors=list(data.visitors))
        for supervisor in (False, True):
            assert kept[supervisor].get(data, now, supervisor=supervisor) == \
                bell.standing(data, now, supervisor=supervisor), now
    assert bell.standing(data, T + timedelta(days=2))   # the demo has alarms to compare


def test_nothing_changed_the_same_alarms_object_comes_back(demo_site):
    data = _load(demo_site, T)
    kept = bell.Standing()
    first = kept.get(data, T)
    assert kept.get(data, T + timedelta(seconds=1)) is first
    assert kept.get(replace(data, calls=list(data.calls)), T + timedelta(seconds=2)) == first


def _reference_check(rung: dict, last, alarms, now):
    """Bell.check as it was before it kept the same alarms quiet: every check recomputed."""
    rung = {k: at for k, at in rung.items() if k in alarms}
    due = [k for k in alarms if k not in rung or (now - rung[k] >= bell.REPEAT and not k.startswith(bell.ONCE))]
    if not due or (last is not None and now - last < bell.MIN_GAP):
        return False, rung, last
    for k in due:
        rung[k] = now
    return True, rung, now


def test_a_bell_checked_every_second_with_the_same_alarms_rings_as_one_that_recounts_each_time():
    """The tick hands the bell the same frozenset until a reload or a band changes it; the bell skips
    the work until an alarm can be due. Over random hours of ticks it rings exactly when the full
    recomputation rings."""
    import random
    rng = random.Random(7)
    keys = ["call:1", "order:2:a", "key:3", "vip:4:x", "order:5:b"]
    b, rung, last = bell.Bell(), {}, None
    alarms, now, rang = frozenset(), T, 0
    for _ in range(6 * 3600):
        now += timedelta(seconds=1)
        if rng.random() < 0.002:   # a reload: a new set (sometimes equal, never the same object)
            alarms = frozenset(k for k in keys if rng.random() < 0.5)
        expected, rung, last = _reference_check(rung, last, alarms, now)
        assert b.check(alarms, now) == expected, now
        rang += expected
    assert rang > 20


async def _recording(app) -> list[str]:
    """What the app writes to its terminal from now on (the headless driver made to count as one)."""
    written: list[str] = []
    driver = app._driver

    class Recording(type(driver)):
        @property
        def is_headless(self) -> bool:
            return False

        def write(self, data: str) -> None:
            written.append(data)
    driver.__class__ = Recording
    return written


def _ticks(app, clock, seconds: int) -> None:
    for _ in range(seconds):
        clock.advance(seconds=1)
        app.tick()


def test_the_console_writes_one_bel_per_event(empty_site, clock):
    """A quiet site (no order or key to cross a band): one emergency call open at sign-on, a second
    logged by `deskconsole call add` 20 s later, the first handled, the second left ringing."""
    s1 = people.create_first_supervisor(T - timedelta(days=1), code="S1", name="主管", pin="0000")
    people.create_staff(s1, T - timedelta(days=1), code="R1", name="王[b]小明", role="receptionist", pin="0000")
    first = calls.add_call(s1, T - timedelta(minutes=1), category="emergency", channel="phone", text="煤气味")

    async def go():
        app = make_app(empty_site, clock=clock)
        async with app.run_test(size=(80, 24)) as pilot:
            written = await _recording(app)
            await sign_on(pilot, "R1")
            app.tick()
            assert written.count("\a") == 1                        # what holds at sign-on
            assert not app.screen.query_one("#header").has_class("-ringing")   # the header says it already
            _ticks(app, clock, 20)
            assert written.count("\a") == 1
            calls.add_call_from_script("", clock.now(), category="emergency", channel="phone", text="电梯困人")
            app.reload()
            await settle(pilot)
            _ticks(app, clock, 40)
            assert written.count("\a") == 2                        # the new emergency: one ring
            assert app.screen.query_one("#header").has_class("-ringing")   # seen as well as heard
            calls.close(people.find("R1"), clock.now(), first, note="燃气公司已到")
            app.reload()
            await settle(pilot)
            _ticks(app, clock, 5 * 60)
            assert written.count("\a") == 3                        # the second, not handled: again
    asyncio.run(go())


def test_the_site_file_turns_the_bell_off(demo_site, clock):
    async def go():
        app = make_app(replace(demo_site, bell=False), clock=clock)
        async with app.run_test(size=(80, 24)) as pilot:
            written = await _recording(app)
            await sign_on(pilot, "R1")
            _ticks(app, clock, 20)
            assert "\a" not in written
            assert not app.screen.query_one("#header").has_class("-ringing")
    asyncio.run(go())
