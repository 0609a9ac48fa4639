"""SPEC §1–§2: working days, add_working_days, the enrollment year, ages, the 07:00 opening.

Expected moments are read off a paper calendar of Kazakhstan (holidays and decrees of each year).
"""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from core.calendar import (
    ASTANA,
    WorkCalendar,
    add_working_days,
    age_on,
    calendar_load,
    enrollment_year,
    is_working_day,
    next_seven_am,
    reference_date,
)
from core.models import CalendarOverride

UTC = dt.UTC
PLAIN = WorkCalendar()  # the package's calendar with no staff overrides


def at(year, month, day, hour=0, minute=0, second=0, microsecond=0) -> dt.datetime:
    """An Astana wall-clock moment (UTC+6 before 1 March 2024, UTC+5 since)."""
    return dt.datetime(year, month, day, hour, minute, second, microsecond, tzinfo=ASTANA)


# --- add_working_days: the three SPEC §2 examples -------------------------------------------------


def test_spec_thursday_plus_5_is_the_next_thursday_same_time():
    # Thu 12.09.2019 17:02 + 5: Fri 13, Mon 16, Tue 17, Wed 18, Thu 19.
    assert PLAIN.add_working_days(at(2019, 9, 12, 17, 2), 5) == at(2019, 9, 19, 17, 2)


def test_spec_monday_plus_3_is_thursday_the_2024_summer_schedule():
    # Priority 03.06–05.06, general from Thu 06.06.2024 07:00.
    assert PLAIN.add_working_days(at(2024, 6, 3, 7, 0), 3) == at(2024, 6, 6, 7, 0)


@pytest.mark.parametrize(
    ("saturday", "monday_after_next"),
    [((2019, 9, 7), (2019, 9, 16)), ((2024, 6, 1), (2024, 6, 10)), ((2026, 11, 21), (2026, 11, 30))],
)
def test_spec_saturday_plus_5_is_the_monday_after_next_same_time(saturday, monday_after_next):
    # Weekend time does not count: Saturday → Monday, then five steps → the following Monday.
    assert dt.date(*saturday).weekday() == 5
    assert PLAIN.add_working_days(at(*saturday, 10, 0), 5) == at(*monday_after_next, 10, 0)


def test_the_module_function_agrees_and_keeps_seconds():
    assert add_working_days(at(2019, 9, 12, 17, 2, 31, 500), 5, calendar=PLAIN) == at(2019, 9, 19, 17, 2, 31, 500)


def test_zero_working_days_from_a_working_day_is_the_same_moment():
    assert PLAIN.add_working_days(at(2024, 6, 4, 12, 30), 0) == at(2024, 6, 4, 12, 30)


def test_the_day_is_taken_in_astana_time_not_utc():
    # 2024-06-03 20:00 UTC is Tue 04.06 01:00 in Astana: +1 → Wed 05.06 01:00 (a UTC reading would give Tue 04.06).
    assert PLAIN.add_working_days(dt.datetime(2024, 6, 3, 20, 0, tzinfo=UTC), 1) == at(2024, 6, 5, 1, 0)


# --- public holidays and decrees ------------------------------------------------------------------


def test_across_nauryz_2024_with_the_observed_monday():
    # 21–23.03.2024 Nauryz (Thu, Fri, Sat), Sun 24, Mon 25 in lieu of Saturday 23: Wed 20 + 1 → Tue 26.
    assert PLAIN.add_working_days(at(2024, 3, 20, 17, 0), 1) == at(2024, 3, 26, 17, 0)
    assert PLAIN.add_working_days(at(2024, 3, 20, 17, 0), 3) == at(2024, 3, 28, 17, 0)


def test_across_nauryz_2026_with_two_observed_days():
    # 21–23.03.2026 fall on Sat, Sun, Mon; Tue 24 and Wed 25 are days off in lieu: Fri 20 + 1 → Thu 26.
    for day in (21, 22, 23, 24, 25):
        assert not PLAIN.is_working_day(dt.date(2026, 3, day))
    assert PLAIN.add_working_days(at(2026, 3, 20, 9, 15), 1) == at(2026, 3, 26, 9, 15)


def test_across_independence_day_16_december():
    # Mon 16.12.2024 is a day off (17 December is a working day since 2022): Fri 13 + 1 → Tue 17.
    assert PLAIN.add_working_days(at(2024, 12, 13, 18, 0), 1) == at(2024, 12, 17, 18, 0)
    # Wed 16.12.2026: Tue 15 + 1 → Thu 17.
    assert PLAIN.add_working_days(at(2026, 12, 15, 7, 0), 1) == at(2026, 12, 17, 7, 0)


def test_the_transferred_working_saturday_4_may_2024_counts_and_8_may_does_not():
    # Decree: Saturday 04.05.2024 is a working day, Wednesday 08.05.2024 a day off (07 and 09 are holidays).
    assert PLAIN.is_working_day(dt.date(2024, 5, 4))
    assert not PLAIN.is_working_day(dt.date(2024, 5, 8))
    assert PLAIN.add_working_days(at(2024, 5, 3, 10, 0), 1) == at(2024, 5, 4, 10, 0)
    assert PLAIN.add_working_days(at(2024, 5, 4, 10, 0), 0) == at(2024, 5, 4, 10, 0)
    assert PLAIN.add_working_days(at(2024, 5, 4, 10, 0), 1) == at(2024, 5, 6, 10, 0)
    # Mon 06.05 + 1: Tue 07 (Defender's Day), Wed 08 (transferred), Thu 09 (Victory Day) → Fri 10.05.
    assert PLAIN.add_working_days(at(2024, 5, 6, 10, 0), 1) == at(2024, 5, 10, 10, 0)
    # Fri 03.05 + 3: Sat 04, Mon 06, Fri 10.
    assert PLAIN.add_working_days(at(2024, 5, 3, 10, 0), 3) == at(2024, 5, 10, 10, 0)


def test_a_start_on_a_holiday_moves_to_the_next_working_day_first():
    # Mon 23.03.2026 (Nauryz) 10:00: start moves to Thu 26.03; +0 → Thu 26, +1 → Fri 27.
    assert PLAIN.add_working_days(at(2026, 3, 23, 10, 0), 0) == at(2026, 3, 26, 10, 0)
    assert PLAIN.add_working_days(at(2026, 3, 23, 10, 0), 1) == at(2026, 3, 27, 10, 0)
    # Mon 16.12.2024 12:00 + 2: start Tue 17, then Wed 18, Thu 19.
    assert PLAIN.add_working_days(at(2024, 12, 16, 12, 0), 2) == at(2024, 12, 19, 12, 0)


# --- staff overrides (CalendarOverride rows) ------------------------------------------------------


@pytest.mark.django_db
def test_an_override_day_off_is_skipped():
    # Wed 25.11.2026 is an ordinary working day until staff enter a decree.
    assert add_working_days(at(2026, 11, 24, 9, 0), 1) == at(2026, 11, 25, 9, 0)
    CalendarOverride.objects.create(date=dt.date(2026, 11, 25), kind=CalendarOverride.Kind.DAY_OFF, decree="test")
    assert not is_working_day(dt.date(2026, 11, 25))
    assert add_working_days(at(2026, 11, 24, 9, 0), 1) == at(2026, 11, 26, 9, 0)
    assert add_working_days(at(2026, 11, 25, 9, 0), 0) == at(2026, 11, 26, 9, 0)


@pytest.mark.django_db
def test_an_override_working_day_counts():
    # Sat 28.11.2026 made a working day: Fri 27 + 1 → Sat 28; a start on Sat 28 stays there.
    assert add_working_days(at(2026, 11, 27, 9, 0), 1) == at(2026, 11, 30, 9, 0)
    CalendarOverride.objects.create(date=dt.date(2026, 11, 28), kind=CalendarOverride.Kind.WORKING_DAY, decree="test")
    assert is_working_day(dt.date(2026, 11, 28))
    assert add_working_days(at(2026, 11, 27, 9, 0), 1) == at(2026, 11, 28, 9, 0)
    assert add_working_days(at(2026, 11, 28, 9, 0), 0) == at(2026, 11, 28, 9, 0)


@pytest.mark.django_db
def test_an_override_working_day_can_undo_a_package_holiday():
    # A decree that the package does not know yet: Mon 16.12.2024 worked after all.
    CalendarOverride.objects.create(date=dt.date(2024, 12, 16), kind=CalendarOverride.Kind.WORKING_DAY, decree="test")
    assert add_working_days(at(2024, 12, 13, 18, 0), 1) == at(2024, 12, 16, 18, 0)


@pytest.mark.django_db
def test_a_date_in_both_override_lists_is_a_day_off():
    CalendarOverride.objects.create(date=dt.date(2026, 11, 25), kind=CalendarOverride.Kind.DAY_OFF, decree="test")
    CalendarOverride.objects.create(date=dt.date(2026, 11, 25), kind=CalendarOverride.Kind.WORKING_DAY, decree="test")
    CalendarOverride.objects.create(date=dt.date(2026, 11, 28), kind=CalendarOverride.Kind.DAY_OFF, decree="test")
    CalendarOverride.objects.create(date=dt.date(2026, 11, 28), kind=CalendarOverride.Kind.WORKING_DAY, decree="test")
    calendar = calendar_load()
    assert not calendar.is_working_day(dt.date(2026, 11, 25))
    assert not calendar.is_working_day(dt.date(2026, 11, 28))
    assert add_working_days(at(2026, 11, 24, 9, 0), 1) == at(2026, 11, 26, 9, 0)
    assert add_working_days(at(2026, 11, 27, 9, 0), 1) == at(2026, 11, 30, 9, 0)


def test_work_calendar_overrides_win_over_the_package():
    day_off, saturday = dt.date(2026, 11, 25), dt.date(2026, 11, 28)
    calendar = WorkCalendar(days_off=frozenset({day_off, saturday}), working_days=frozenset({saturday, dt.date(2026, 3, 23)}))
    assert not calendar.is_working_day(day_off)
    assert not calendar.is_working_day(saturday)
    assert calendar.is_working_day(dt.date(2026, 3, 23))


# --- enrollment year and reference date -----------------------------------------------------------


@pytest.mark.parametrize(
    ("moment", "year"),
    [
        (at(2026, 5, 31, 23, 59, 59, 999999), 2025),
        (at(2026, 6, 1, 0, 0), 2026),
        (at(2026, 11, 22, 12, 0), 2026),
        (at(2026, 12, 31, 23, 59), 2026),
        (at(2027, 1, 1, 0, 0), 2026),
        (at(2027, 5, 31, 23, 59), 2026),
        # UTC moments: the Astana date decides.
        (dt.datetime(2026, 5, 31, 18, 59, 59, tzinfo=UTC), 2025),  # 31.05 23:59:59 in Astana
        (dt.datetime(2026, 5, 31, 19, 0, 0, tzinfo=UTC), 2026),  # 01.06 00:00 in Astana, still 31 May in UTC
        (dt.datetime(2026, 5, 31, 19, 30, tzinfo=UTC), 2026),
        # Before 1 March 2024 Astana was UTC+6: 18:30 UTC on 31.05.2023 is 00:30 on 1 June.
        (dt.datetime(2023, 5, 31, 18, 30, tzinfo=UTC), 2023),
        (dt.datetime(2023, 5, 31, 17, 59, tzinfo=UTC), 2022),
    ],
)
def test_enrollment_year_turns_at_midnight_on_1_june_astana_time(moment, year):
    assert enrollment_year(moment) == year
    assert reference_date(moment) == dt.date(year, 9, 1)


def test_a_moment_in_another_zone_is_read_in_astana_time():
    new_york = ZoneInfo("America/New_York")
    # 31.05.2026 15:00 in New York is 01.06.2026 00:00 in Astana.
    assert enrollment_year(dt.datetime(2026, 5, 31, 15, 0, tzinfo=new_york)) == 2026
    assert enrollment_year(dt.datetime(2026, 5, 31, 14, 59, tzinfo=new_york)) == 2025


# --- ages in full years ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("birth", "day", "age"),
    [
        ((2020, 9, 1), (2026, 9, 1), 6),  # birthday on the reference day: already 6
        ((2020, 9, 2), (2026, 9, 1), 5),  # one day short
        ((2020, 8, 31), (2026, 9, 1), 6),
        ((2025, 11, 22), (2026, 9, 1), 0),
        ((2024, 2, 29), (2025, 2, 28), 0),  # 29 February: not yet 1 on 28 February
        ((2024, 2, 29), (2025, 3, 1), 1),  # … 1 from 1 March of a common year
        ((2024, 2, 29), (2028, 2, 28), 3),
        ((2024, 2, 29), (2028, 2, 29), 4),  # on its birthday in a leap year
        ((2020, 2, 29), (2026, 9, 1), 6),
    ],
)
def test_age_in_full_years(birth, day, age):
    assert age_on(dt.date(*birth), dt.date(*day)) == age


# --- the 07:00 opening (SPEC §5 open_at) ----------------------------------------------------------


@pytest.mark.parametrize(
    ("moment", "opening"),
    [
        (at(2026, 11, 20, 6, 59), at(2026, 11, 20, 7, 0)),
        (at(2026, 11, 20, 6, 59, 59, 999999), at(2026, 11, 20, 7, 0)),
        (at(2026, 11, 20, 0, 0), at(2026, 11, 20, 7, 0)),
        (at(2026, 11, 20, 7, 0), at(2026, 11, 21, 7, 0)),  # strictly after: 07:00 itself goes to tomorrow
        (at(2026, 11, 20, 7, 0, 0, 1), at(2026, 11, 21, 7, 0)),
        (at(2026, 11, 20, 18, 0), at(2026, 11, 21, 7, 0)),
        (at(2026, 12, 31, 23, 59), at(2027, 1, 1, 7, 0)),
        (at(2024, 2, 29, 18, 0), at(2024, 3, 1, 7, 0)),  # across the switch from UTC+6 to UTC+5
        (dt.datetime(2026, 11, 22, 1, 30, tzinfo=UTC), at(2026, 11, 22, 7, 0)),  # 06:30 in Astana
        (dt.datetime(2026, 11, 21, 19, 30, tzinfo=UTC), at(2026, 11, 22, 7, 0)),  # already 22.11 00:30 in Astana
    ],
)
def test_next_seven_am_is_the_first_0700_astana_strictly_after(moment, opening):
    result = next_seven_am(moment)
    assert result == opening
    assert result.astimezone(ASTANA).hour == 7
