"""SLA clocks (deskconsole.sla) against domain.md section 2.

Times are written in Asia/Shanghai local time (the helper ``sh``) and every result
is compared, exactly, as an aware UTC datetime.
"""

from __future__ import annotations

from datetime import date, datetime, time, timezone
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from deskconsole import sla
from deskconsole.sla import (
    DEFAULT_CATALOGUE,
    ClockSpec,
    OfficeHours,
    SlaClass,
    SlaEngine,
    WorkCalendar,
    catalogue_from_config,
    default_catalogue,
    format_duration,
    parse_duration,
)

SH = ZoneInfo("Asia/Shanghai")
UTC = timezone.utc
OH = OfficeHours()
WD3 = ClockSpec(1620, True, 3)
HALF_WD = ClockSpec(270, True, 0.5)


def sh(y, mo, d, h=0, mi=0, s=0):
    """A Shanghai wall-clock time as an aware UTC datetime."""
    return datetime(y, mo, d, h, mi, s, tzinfo=SH).astimezone(UTC)


@pytest.fixture(scope="module")
def engine():
    return SlaEngine(DEFAULT_CATALOGUE, OH)


# ------------------------------------------------------------ default table


def test_default_catalogue_matches_domain_table():
    w = lambda m, days=None: ClockSpec(m, True, days)  # noqa: E731
    c = lambda m: ClockSpec(m, False)  # noqa: E731
    expected = {
        "emergency": (c(10), c(24 * 60)),
        "hazard": (c(10), w(1620, 3)),
        "urgent_repair": (c(30), c(24 * 60)),
        "simple_repair": (None, w(270, 0.5)),
        "general_repair": (None, w(1620, 3)),
        "common_area": (None, w(1620, 3)),
        "complaint_impact": (None, c(120)),
        "complaint_neighbour": (c(15), c(8 * 60)),
        "complaint_staff": (None, w(270, 0.5)),
        "complaint_staff_serious": (None, w(1080, 2)),
        "complaint_other": (c(8 * 60), w(1620, 3)),
        "inquiry": (c(30), w(1080, 2)),
        "cleaning": (None, w(1620, 3)),
    }
    # Same ids, in the table's order.
    assert list(DEFAULT_CATALOGUE) == list(expected)
    for cid, (respond, resolve) in expected.items():
        cls = DEFAULT_CATALOGUE[cid]
        assert cls == SlaClass(cid, respond, resolve), cid


def test_default_office_hours_are_nine_hours_monday_to_friday():
    assert (OH.start, OH.end, OH.weekdays, OH.day_minutes) == (
        time(8), time(17), frozenset({1, 2, 3, 4, 5}), 540)


# ------------------------------------------------------------------- 24/7


def test_emergency_round_the_clock(engine):
    respond, resolve = engine.deadlines("emergency", sh(2026, 11, 24, 23, 55))
    assert respond == sh(2026, 11, 25, 0, 5)
    assert resolve == sh(2026, 11, 25, 23, 55)
    assert respond.tzinfo == UTC and resolve.tzinfo == UTC


def test_24_7_ignores_weekends_and_holidays(engine):
    # urgent_repair logged on National Day itself: 24 h later, holiday or not.
    respond, resolve = engine.deadlines("urgent_repair", sh(2026, 10, 1, 3, 0))
    assert respond == sh(2026, 10, 1, 3, 30)
    assert resolve == sh(2026, 10, 2, 3, 0)


def test_add_accepts_any_zone_and_returns_utc(engine):
    start = datetime(2026, 11, 24, 8, 0, tzinfo=UTC)  # 16:00 in Shanghai
    due = engine.add(start.astimezone(ZoneInfo("America/New_York")), WD3)
    assert due == sh(2026, 11, 27, 16, 0)
    assert due.tzinfo == UTC


def test_naive_start_is_refused(engine):
    with pytest.raises(ValueError, match="aware"):
        engine.add(datetime(2026, 11, 24, 16, 0), WD3)


# ---------------------------------------------------------------- working


def test_three_working_days_from_tuesday_afternoon(engine):
    # Tue 1 h (16-17) + Wed 9 h + Thu 9 h = 19 h; 8 h more on Fri -> 16:00.
    _, resolve = engine.deadlines("general_repair", sh(2026, 11, 24, 16, 0))
    assert resolve == sh(2026, 11, 27, 16, 0)


def test_friday_evening_starts_counting_monday_morning(engine):
    # Fri 19:30 -> counting starts Mon 08:00; 27 h = Mon, Tue, Wed in full -> Wed 17:00.
    due = engine.add(sh(2026, 11, 27, 19, 30), WD3)
    assert due == sh(2026, 12, 2, 17, 0)


def test_half_working_day_from_16_00(engine):
    # Tue 1 h + 3 h 30 min on Wed -> Wed 11:30.
    _, resolve = engine.deadlines("simple_repair", sh(2026, 11, 24, 16, 0))
    assert resolve == sh(2026, 11, 25, 11, 30)


@pytest.mark.parametrize(
    ("logged", "due"),
    [
        ((8, 0), (2026, 11, 24, 12, 30)),   # opening minute counts
        ((7, 59), (2026, 11, 24, 12, 30)),  # before opening: starts 08:00
        ((16, 59), (2026, 11, 25, 12, 29)),  # 1 min today, 269 min tomorrow
        ((17, 0), (2026, 11, 25, 12, 30)),  # closing minute does not count
        ((17, 1), (2026, 11, 25, 12, 30)),  # after closing: starts tomorrow 08:00
        ((12, 30), (2026, 11, 24, 17, 0)),  # lands on closing: stays at 17:00
    ],
)
def test_half_day_at_the_edges_of_office_hours(engine, logged, due):
    assert engine.add(sh(2026, 11, 24, *logged), HALF_WD) == sh(*due)


def test_deadline_on_closing_time_stays_at_closing_time(engine):
    # Tue 08:00 + 27 h = Tue, Wed, Thu in full -> Thu 17:00, not Fri 08:00.
    assert engine.add(sh(2026, 11, 24, 8, 0), WD3) == sh(2026, 11, 26, 17, 0)


def test_seconds_are_kept(engine):
    assert engine.add(sh(2026, 11, 24, 16, 0, 30), HALF_WD) == sh(2026, 11, 25, 11, 30, 30)


def test_working_hours_unit(engine):
    # 2wh logged Fri 16:00: 1 h Fri, 1 h Mon -> Mon 09:00.
    spec = parse_duration("2wh", OH)
    assert engine.add(sh(2026, 11, 27, 16, 0), spec) == sh(2026, 11, 30, 9, 0)


def test_long_allowance_is_fast_and_exact(engine):
    # 100 working days from Mon 2026-03-02 08:00; the count of office days between
    # is checked against the engine's own minute count (no holiday table typed in).
    start = sh(2026, 3, 2, 8, 0)
    due = engine.add(start, ClockSpec(100 * 540, True, 100))
    assert engine.working_minutes_between(start, due) == 100 * 540
    assert due.astimezone(SH).time() == time(17, 0)


# ------------------------------------------------ mainland-China calendar 2026


def test_china_2026_calendar_days():
    cal = WorkCalendar()
    assert cal.is_working_day(date(2026, 9, 20))       # Sunday, adjusted working day
    assert cal.is_working_day(date(2026, 10, 10))      # Saturday, adjusted working day
    assert not cal.is_working_day(date(2026, 9, 25))   # Mid-Autumn (Friday)
    for day in range(1, 8):                            # National Day, Oct 1-7
        assert not cal.is_working_day(date(2026, 10, day)), day
    assert cal.is_working_day(date(2026, 9, 30))
    assert cal.is_working_day(date(2026, 10, 8))
    assert not cal.is_working_day(date(2026, 9, 19))   # ordinary Saturday
    assert not cal.is_working_day(date(2026, 10, 11))  # ordinary Sunday


def test_saturday_order_starts_on_adjusted_working_sunday(engine):
    # Sat 09-19 10:00 -> Sun 09-20 is a working day: counting starts 08:00.
    # Sun 9 h + Mon 9 h + Tue 9 h = 27 h -> Tue 09-22 17:00.
    assert engine.add(sh(2026, 9, 19, 10, 0), WD3) == sh(2026, 9, 22, 17, 0)
    # Half a day from the same moment: Sun 08:00 + 4.5 h -> Sun 12:30.
    assert engine.add(sh(2026, 9, 19, 10, 0), HALF_WD) == sh(2026, 9, 20, 12, 30)


def test_national_day_is_skipped(engine):
    # Wed 09-30 16:00: 1 h on Sep 30 (16-17)             ->  1 h
    # Oct 1-7 holiday (1, 2, 3, 5 holiday; 4 Sunday; 6, 7 substituted days off)
    # Thu 10-08 9 h                                        -> 10 h
    # Fri 10-09 9 h                                        -> 19 h
    # Sat 10-10 (adjusted working Saturday) 8 h of 9 -> 08:00 + 8 h = 16:00 -> 27 h
    assert engine.add(sh(2026, 9, 30, 16, 0), WD3) == sh(2026, 10, 10, 16, 0)


def test_mid_autumn_is_skipped(engine):
    # Thu 09-24 16:00: 1 h; Fri 09-25 Mid-Autumn; weekend; Mon 9 h (10), Tue 9 h (19),
    # Wed 09-30 8 h -> 16:00.
    assert engine.add(sh(2026, 9, 24, 16, 0), WD3) == sh(2026, 9, 30, 16, 0)


def test_logged_on_a_holiday_starts_after_it(engine):
    # Logged during National Day: counting starts Thu 10-08 08:00; 0.5wd -> 12:30.
    assert engine.add(sh(2026, 10, 3, 11, 0), HALF_WD) == sh(2026, 10, 8, 12, 30)


# ----------------------------------------------------------- site overrides


def test_extra_holiday_and_extra_workday_win_over_the_package():
    cal = WorkCalendar(
        extra_holidays={date(2026, 10, 10), date(2026, 11, 25)},
        extra_workdays={date(2026, 10, 1), date(2026, 11, 28)},
    )
    assert not cal.is_working_day(date(2026, 10, 10))  # package: adjusted working Sat
    assert cal.is_working_day(date(2026, 10, 1))       # package: National Day
    assert not cal.is_working_day(date(2026, 11, 25))  # ordinary Wednesday
    assert cal.is_working_day(date(2026, 11, 28))      # ordinary Saturday


def test_extra_holiday_moves_the_deadline():
    eng = SlaEngine(DEFAULT_CATALOGUE, OH, calendar=WorkCalendar(extra_holidays={date(2026, 11, 25)}))
    # Tue 1 h, Wed closed, Thu 9 (10), Fri 9 (19), weekend, Mon 11-30 8 h -> 16:00.
    assert eng.add(sh(2026, 11, 24, 16, 0), WD3) == sh(2026, 11, 30, 16, 0)


def test_extra_workday_moves_the_deadline():
    eng = SlaEngine(DEFAULT_CATALOGUE, OH, calendar=WorkCalendar(extra_workdays={date(2026, 11, 28)}))
    # Fri 19:30 -> Sat 11-28 08:00 (site works): Sat 9, Mon 9, Tue 9 -> Tue 12-01 17:00.
    assert eng.add(sh(2026, 11, 27, 19, 30), WD3) == sh(2026, 12, 1, 17, 0)


def test_same_date_as_extra_holiday_and_workday_is_refused():
    with pytest.raises(ValueError, match="2026-11-25"):
        WorkCalendar(extra_holidays={date(2026, 11, 25)}, extra_workdays={date(2026, 11, 25)})


def test_office_hours_nine_to_six_monday_to_saturday():
    oh = OfficeHours(time(9), time(18), frozenset({1, 2, 3, 4, 5, 6}))
    eng = SlaEngine(catalogue_from_config({}, oh), oh)
    assert eng.catalogue["general_repair"].resolve.minutes == 1620
    # Fri 16:00: Fri 2 h (16-18), Sat 9 (11), Sun closed, Mon 9 (20), Tue 7 h -> 16:00.
    _, resolve = eng.deadlines("general_repair", sh(2026, 11, 27, 16, 0))
    assert resolve == sh(2026, 12, 1, 16, 0)
    # The default Mon-Fri 08-17 site would be due on Wed 12-02 at 16:00 instead.
    assert SlaEngine(DEFAULT_CATALOGUE, OH).add(sh(2026, 11, 27, 16, 0), WD3) == sh(2026, 12, 2, 16, 0)


def test_shorter_day_changes_working_day_allowances():
    oh = OfficeHours(time(8), time(16))  # 8-hour day
    cat = catalogue_from_config({}, oh)
    assert cat["general_repair"].resolve == ClockSpec(3 * 480, True, 3)
    assert cat["simple_repair"].resolve == ClockSpec(240, True, 0.5)
    assert cat["emergency"].resolve == ClockSpec(1440, False)  # 24/7 unaffected
    # The engine rescales a catalogue built for another day length, too.
    eng = SlaEngine(DEFAULT_CATALOGUE, oh)
    assert eng.catalogue["general_repair"].resolve.minutes == 1440
    assert eng.catalogue["inquiry"].resolve.minutes == 960
    # Tue 15:00: Tue 1 h, Wed 8 (9), Thu 8 (17), Fri 7 h -> Fri 15:00.
    _, resolve = eng.deadlines("general_repair", sh(2026, 11, 24, 15, 0))
    assert resolve == sh(2026, 11, 27, 15, 0)


def test_other_time_zone_follows_its_wall_clock_through_dst():
    # London, no public holidays; BST starts Sun 2026-03-29.
    london = ZoneInfo("Europe/London")
    eng = SlaEngine(DEFAULT_CATALOGUE, OH, tz="Europe/London", calendar=WorkCalendar(country=None))
    start = datetime(2026, 3, 27, 16, 0, tzinfo=london)
    # Fri 1 h, Mon 9 (10), Tue 9 (19), Wed 04-01 8 h -> 16:00 BST = 15:00 UTC.
    assert eng.add(start, WD3) == datetime(2026, 4, 1, 15, 0, tzinfo=UTC)


def test_unknown_time_zone_and_country_are_refused():
    with pytest.raises(ValueError, match="Mars/Olympus"):
        SlaEngine(DEFAULT_CATALOGUE, OH, tz="Mars/Olympus")
    with pytest.raises(ValueError, match="XX"):
        WorkCalendar(country="XX")


def test_bad_office_hours_are_refused():
    with pytest.raises(ValueError, match="end after"):
        OfficeHours(time(17), time(8))
    with pytest.raises(ValueError, match="weekdays"):
        OfficeHours(weekdays=frozenset({0, 1}))


def test_calendar_without_working_days_fails_instead_of_looping():
    eng = SlaEngine(DEFAULT_CATALOGUE, OfficeHours(weekdays=frozenset()),
                    calendar=WorkCalendar(country=None, weekdays=()))
    with pytest.raises(ValueError, match="no working day"):
        eng.add(sh(2026, 11, 24, 16, 0), WD3)


# ----------------------------------------------------------- years far out


def test_year_2031_does_not_crash(engine):
    cal = WorkCalendar()
    # An ordinary March week in 2031: Mon-Fri work, Sat-Sun off.
    assert [cal.is_working_day(date(2031, 3, d)) for d in range(10, 17)] == [
        True, True, True, True, True, False, False]
    # Fri 2031-03-14 16:00: 1 h, Mon 9 (10), Tue 9 (19), Wed 03-19 8 h -> 16:00.
    assert engine.add(sh(2031, 3, 14, 16, 0), WD3) == sh(2031, 3, 19, 16, 0)


def test_package_failure_falls_back_to_weekdays(monkeypatch):
    real = sla.holidays.country_holidays

    def flaky(country, *args, years=None, **kw):
        if years == 2031:
            raise RuntimeError("no schedule")
        return real(country, *args, years=years, **kw)

    monkeypatch.setattr(sla.holidays, "country_holidays", flaky)
    cal = WorkCalendar()
    assert cal.is_working_day(date(2031, 1, 1))  # a Wednesday: weekdays rule
    assert not cal.is_working_day(date(2031, 1, 4))  # Saturday
    assert not cal.is_working_day(date(2026, 10, 1))  # other years still use the package
    assert cal.fallback_years == {2031}


# ------------------------------------------------------------ duration syntax


@pytest.mark.parametrize(
    ("text", "spec"),
    [
        ("10min", ClockSpec(10, False)),
        ("30min", ClockSpec(30, False)),
        ("2h", ClockSpec(120, False)),
        ("24h", ClockSpec(1440, False)),
        ("1d", ClockSpec(1440, False)),
        ("1.5h", ClockSpec(90, False)),
        (" 45 min ", ClockSpec(45, False)),
        ("10min 24/7", ClockSpec(10, False)),
        ("4.5wh", ClockSpec(270, True)),
        ("2wh", ClockSpec(120, True)),
        ("90wmin", ClockSpec(90, True)),
        ("0.5wd", ClockSpec(270, True, 0.5)),
        ("3wd", ClockSpec(1620, True, 3)),
        ("3WD", ClockSpec(1620, True, 3)),
        ("-", None),
        ("", None),
        ("none", None),
        ("None", None),
    ],
)
def test_parse_duration_good(text, spec):
    assert parse_duration(text, OH) == spec


def test_parse_duration_working_days_follow_day_length():
    oh = OfficeHours(time(8, 30), time(17, 45))  # 9 h 15 min = 555 min
    assert parse_duration("3wd", oh) == ClockSpec(1665, True, 3)
    assert parse_duration("0.5wd", oh) == ClockSpec(278, True, 0.5)  # 277.5 rounds to 278


@pytest.mark.parametrize(
    "text",
    ["3", "3 days", "10m", "2hours", "-1h", "0min", "0wd", "1.5min", "0.01h", "3wd 24/7",
     "h", "1,5h", "3wd3", "24/7"],
)
def test_parse_duration_bad(text):
    with pytest.raises(ValueError) as err:
        parse_duration(text, OH)
    assert repr(text) in str(err.value)


def test_parse_duration_refuses_non_strings():
    with pytest.raises(ValueError, match="30"):
        parse_duration(30, OH)


@pytest.mark.parametrize(
    ("spec", "text"),
    [
        (ClockSpec(10, False), "10min 24/7"),
        (ClockSpec(1440, False), "24h 24/7"),
        (ClockSpec(120, False), "2h 24/7"),
        (ClockSpec(7 * 1440, False), "7d 24/7"),
        (ClockSpec(1620, True, 3), "3wd"),
        (ClockSpec(270, True, 0.5), "0.5wd"),
        (ClockSpec(270, True), "4.5wh"),
        (ClockSpec(7, True), "7wmin"),
        (None, "-"),
    ],
)
def test_format_duration(spec, text):
    assert format_duration(spec, OH) == text
    assert parse_duration(text, OH) == spec  # and back


@settings(max_examples=200, deadline=None)
@given(st.integers(1, 20000), st.booleans())
def test_format_parse_round_trip(minutes, working):
    spec = ClockSpec(minutes, working)
    assert parse_duration(format_duration(spec, OH), OH) == spec


# --------------------------------------------------------------- site config


def test_catalogue_from_config_overrides_and_adds():
    cat = catalogue_from_config(
        {
            "urgent_repair": {"respond": "45min", "resolve": "12h"},
            "inquiry": {"resolve": "1wd"},  # respond kept
            "noise": {"respond": "15min", "resolve": "-"},
            "parcel": {"resolve": "4wh"},
        },
        OH,
    )
    assert cat["urgent_repair"] == SlaClass("urgent_repair", ClockSpec(45, False), ClockSpec(720, False))
    assert cat["inquiry"] == SlaClass("inquiry", ClockSpec(30, False), ClockSpec(540, True, 1))
    assert cat["noise"] == SlaClass("noise", ClockSpec(15, False), None)
    assert cat["parcel"] == SlaClass("parcel", None, ClockSpec(240, True))
    assert cat["emergency"] == DEFAULT_CATALOGUE["emergency"]
    # Defaults keep their order; new classes come after them.
    assert list(cat)[-2:] == ["noise", "parcel"]
    assert list(cat)[:-2] == list(DEFAULT_CATALOGUE)


def test_catalogue_from_config_can_remove_a_clock():
    cat = catalogue_from_config({"hazard": {"resolve": "none"}}, OH)
    assert cat["hazard"] == SlaClass("hazard", ClockSpec(10, False), None)


def test_catalogue_from_config_does_not_touch_the_defaults():
    catalogue_from_config({"emergency": {"respond": "5min"}}, OH)
    assert DEFAULT_CATALOGUE["emergency"].respond == ClockSpec(10, False)
    assert default_catalogue() == DEFAULT_CATALOGUE


@pytest.mark.parametrize(
    ("section", "needles"),
    [
        ({"urgent_repair": {"respond": "45 mins"}}, ["urgent_repair", "respond", "'45 mins'"]),
        ({"noise": {"resolve": "soon"}}, ["noise", "resolve", "'soon'"]),
        ({"noise": {"respnd": "15min"}}, ["noise", "respnd"]),
        ({"noise": "15min"}, ["noise", "table"]),
        ({"Noise Desk": {"respond": "15min"}}, ["Noise Desk"]),
        ({"inquiry": {"respond": 30}}, ["inquiry", "respond", "30"]),
    ],
)
def test_catalogue_from_config_bad_values(section, needles):
    with pytest.raises(ValueError) as err:
        catalogue_from_config(section, OH)
    for needle in needles:
        assert needle in str(err.value)


def test_unknown_class_is_a_clear_value_error(engine):
    with pytest.raises(ValueError, match="unknown SLA class 'plumbing'"):
        engine.deadlines("plumbing", sh(2026, 11, 24, 16, 0))


def test_deadlines_without_a_respond_clock(engine):
    assert engine.deadlines("cleaning", sh(2026, 11, 24, 16, 0)) == (None, sh(2026, 11, 27, 16, 0))


# ------------------------------------------------------- fractions and spans


def test_point_at_fraction_24_7(engine):
    spec = DEFAULT_CATALOGUE["emergency"].respond  # 10 min
    start = sh(2026, 11, 24, 23, 55)
    assert engine.point_at_fraction(start, spec, 0.5) == sh(2026, 11, 25, 0, 0)
    assert engine.point_at_fraction(start, spec, 0.75) == sh(2026, 11, 25, 0, 2, 30)
    assert engine.point_at_fraction(start, spec, 0.9) == sh(2026, 11, 25, 0, 4)
    assert engine.point_at_fraction(start, spec, 1) == sh(2026, 11, 25, 0, 5)


def test_point_at_fraction_working(engine):
    start = sh(2026, 11, 24, 16, 0)  # Tue
    # 0.5 of 1620 = 810 min: Tue 60 + Wed 540 = 600; 210 more on Thu -> 11:30.
    assert engine.point_at_fraction(start, WD3, 0.5) == sh(2026, 11, 26, 11, 30)
    # 0.75 = 1215 min: Tue+Wed+Thu = 1140; 75 more on Fri -> 09:15.
    assert engine.point_at_fraction(start, WD3, 0.75) == sh(2026, 11, 27, 9, 15)
    # 0.9 = 1458 min: 1140 + 318 on Fri -> 13:18.
    assert engine.point_at_fraction(start, WD3, 0.9) == sh(2026, 11, 27, 13, 18)
    assert engine.point_at_fraction(start, WD3, 1.0) == engine.add(start, WD3)
    # Fraction 0 of a clock logged at night is the next opening.
    assert engine.point_at_fraction(sh(2026, 11, 27, 19, 30), WD3, 0) == sh(2026, 11, 30, 8, 0)


def test_point_at_fraction_out_of_range(engine):
    with pytest.raises(ValueError, match="1.5"):
        engine.point_at_fraction(sh(2026, 11, 24, 16, 0), WD3, 1.5)


def test_working_minutes_between(engine):
    wmb = engine.working_minutes_between
    assert wmb(sh(2026, 11, 24, 16, 0), sh(2026, 11, 27, 16, 0)) == 1620
    # Fri 16:00 -> Mon 10:00: 60 + 120.
    assert wmb(sh(2026, 11, 27, 16, 0), sh(2026, 11, 30, 10, 0)) == 180
    # Entirely at night, or backwards: nothing.
    assert wmb(sh(2026, 11, 24, 17, 0), sh(2026, 11, 25, 8, 0)) == 0
    assert wmb(sh(2026, 11, 25, 10, 0), sh(2026, 11, 24, 10, 0)) == 0
    # Across National Day: Sep 30 16-17 (60) + Oct 8 full (540) + Oct 9 08-09 (60).
    assert wmb(sh(2026, 9, 30, 16, 0), sh(2026, 10, 9, 9, 0)) == 660
    # Partial minutes are floored: 08:00:00 -> 08:01:59 is one whole minute.
    assert wmb(sh(2026, 11, 24, 8, 0), sh(2026, 11, 24, 8, 1, 59)) == 1


@settings(max_examples=150, deadline=None)
@given(
    st.datetimes(min_value=datetime(2026, 1, 1), max_value=datetime(2027, 12, 31)),
    st.integers(1, 10 * 540),
)
def test_add_and_working_minutes_agree(local_start, minutes):
    # Property: the office time between the start and the due time is the allowance.
    eng = SlaEngine(DEFAULT_CATALOGUE, OH)
    start = local_start.replace(second=0, microsecond=0, tzinfo=SH)
    due = eng.add(start, ClockSpec(minutes, True))
    assert eng.working_minutes_between(start, due) == minutes
    # And a due time is always inside office hours on a working day.
    local = due.astimezone(SH)
    assert eng.calendar.is_working_day(local.date())
    assert time(8, 0) < local.time() <= time(17, 0)


# --- the holiday package, China's calendar loaded alone (issue 21, a console's memory) ---------------

_PACKAGE_AS_IS = r"""
import json, sys
import holidays
out = {}
for country in sys.argv[1:]:
    years = {}
    for year in range(1995, 2041):
        cal = holidays.country_holidays(country, years=year)
        years[year] = [sorted(str(d) for d in cal if d.year == year),
                       sorted(str(d) for d in getattr(cal, "weekend_workdays", ()) if d.year == year)]
    special = getattr(holidays.country_holidays(country), "special_public_holidays", None) or {}
    out[country] = {"years": years, "last": max(special) if special else None,
                    "islamic": "holidays.calendars.islamic" in sys.modules}
print(json.dumps(out))
"""
_THROUGH_SLA = r"""
import json, sys
from deskconsole import sla
out = {}
for country in sys.argv[1:]:
    cal = sla.WorkCalendar(country)
    years = {}
    for year in range(1995, 2041):
        off, on = cal._year(year)
        years[year] = [sorted(map(str, off)), sorted(map(str, on))]
    out[country] = {"years": years, "last": cal.last_official_year,
                    "islamic": "holidays.calendars.islamic" in sys.modules}
print(json.dumps(out))
"""


def _calendars(program: str, *countries: str) -> dict:
    import json
    import subprocess
    import sys
    done = subprocess.run([sys.executable, "-c", program, *countries], capture_output=True, text=True,
                          timeout=120, check=True)
    return json.loads(done.stdout)


def test_the_calendar_is_the_packages_though_china_is_loaded_alone():
    """sla loads the holiday package's modules as they are asked for (sla._lazy_packages): the public
    holidays, the 调休 working days and the last official year are the package's own, year by year, for
    China and for countries that need the other calendars (Singapore: Chinese, Islamic and Hindu; Saudi
    Arabia: Islamic); and China alone does not load the Islamic calendar."""
    as_is = _calendars(_PACKAGE_AS_IS, "CN", "SG", "SA")
    china = _calendars(_THROUGH_SLA, "CN")
    assert as_is["CN"]["islamic"]                    # the package as it is loads every calendar
    assert not china["CN"]["islamic"]
    assert china["CN"]["years"] == as_is["CN"]["years"] and china["CN"]["last"] == as_is["CN"]["last"]
    assert any(on for off, on in china["CN"]["years"].values())   # 调休 days are there to compare
    others = _calendars(_THROUGH_SLA, "SG", "SA")
    for country in ("SG", "SA"):
        assert others[country]["years"] == as_is[country]["years"], country
        assert others[country]["last"] == as_is[country]["last"], country


def test_the_names_of_the_lazy_packages_are_those_ast_finds():
    """sla reads each lazy package's `__init__` with a regular expression: the same names as Python's own
    parser finds there; an `__init__` that does anything else is left alone (None)."""
    import ast
    from pathlib import Path

    import holidays
    root = Path(holidays.__file__).parent
    for package in ("countries", "calendars", "groups", "financial"):
        source = (root / package / "__init__.py").read_text(encoding="utf-8")
        found = {alias.asname or alias.name: (node.module, alias.name) for node in ast.parse(source).body
                 if isinstance(node, ast.ImportFrom) for alias in node.names}
        assert sla._names_imported(source) == found, package
    assert sla._names_imported('"""A."""\n# c\nfrom holidays.a import (\n    X,  # x\n    Y as Z,\n)\n'
                               "from holidays.b import W\n") == {
        "X": ("holidays.a", "X"), "Z": ("holidays.a", "Y"), "W": ("holidays.b", "W")}
    assert sla._names_imported("from holidays.a import X\nX.y = 1\n") is None
    assert sla._names_imported("from holidays.a import *\n") is None
    assert sla._names_imported((root / "__init__.py").read_text(encoding="utf-8")) is None


def test_dateutils_parser_loads_when_a_date_is_given_as_text():
    """sla puts a stand-in for dateutil.parser (holidays imports it for dates given as text that is not
    ISO 8601): China's calendar is made without it, and such a date, or any other name of the parser, gets
    the real one."""
    import json
    program = ("import sys, json\nfrom deskconsole import sla\nimport holidays\n"
               "cn = holidays.China(years=2026)\nfirst = type(sys.modules['dateutil.parser']).__name__, "
               "hasattr(sys.modules['dateutil.parser'], '__file__')\n"
               "as_text = 'Oct 1 2026' in cn\nimport dateutil.parser\n"
               "print(json.dumps([first[1], as_text, hasattr(sys.modules['dateutil.parser'], '__file__'),"
               " dateutil.parser.isoparse('2026-10-01').day]))")
    import subprocess
    import sys
    done = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, timeout=120, check=True)
    assert json.loads(done.stdout) == [False, True, True, 1]
