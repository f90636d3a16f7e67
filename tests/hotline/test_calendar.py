"""Windows measured on real calendar cases, in Beijing time."""

from __future__ import annotations

import datetime as dt
import zoneinfo

from hotline.calendar import BusinessCalendar, CalendarKind

BJ = zoneinfo.ZoneInfo("Asia/Shanghai")
WORKING = BusinessCalendar(CalendarKind.WORKING_DAYS)
FIVE_DAYS = dt.timedelta(days=5)


def at(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=BJ)


def test_wall_clock_is_plain_time():
    cal = BusinessCalendar(CalendarKind.WALL)

    assert cal.add(at(2026, 11, 20, 23, 0), dt.timedelta(hours=2)) == at(2026, 11, 21, 1, 0)


def test_five_working_days_over_a_weekend():
    # Friday 10:00 → the following Friday 10:00 (Saturday and Sunday do not count).
    assert WORKING.add(at(2026, 11, 20, 10, 0), FIVE_DAYS) == at(2026, 11, 27, 10, 0)


def test_a_window_started_on_a_saturday_counts_from_monday():
    assert WORKING.add(at(2026, 11, 21, 15, 0), FIVE_DAYS) == at(2026, 11, 28, 0, 0)


def test_across_national_day_with_its_make_up_saturday():
    # 30 Sep (Wed) 10:00: 1–7 Oct are holidays, Sat 10 Oct is a working day, Sun 11 Oct is not.
    assert WORKING.add(at(2026, 9, 30, 10, 0), FIVE_DAYS) == at(2026, 10, 13, 10, 0)


def test_across_a_year_end_into_a_year_not_yet_published():
    # 2027's schedule is unknown to the official data: Monday–Friday, never an error.
    assert WORKING.add(at(2026, 12, 31, 10, 0), FIVE_DAYS) == at(2027, 1, 7, 10, 0)


def test_administrator_overrides_correct_the_calendar():
    with_new_year = BusinessCalendar(CalendarKind.WORKING_DAYS, overrides={dt.date(2027, 1, 1): False})

    assert with_new_year.add(at(2026, 12, 31, 10, 0), FIVE_DAYS) == at(2027, 1, 8, 10, 0)


def test_business_hours_skip_nights_and_weekends():
    cal = BusinessCalendar(CalendarKind.BUSINESS_HOURS, opens=dt.time(8, 30), closes=dt.time(17, 30))

    # Friday 16:30 + 2 business hours: 1 h on Friday, 1 h from Monday 08:30.
    assert cal.add(at(2026, 11, 20, 16, 30), dt.timedelta(hours=2)) == at(2026, 11, 23, 9, 30)


def test_between_counts_only_working_time():
    assert WORKING.between(at(2026, 11, 20, 12, 0), at(2026, 11, 23, 12, 0)) == dt.timedelta(hours=24)
    assert WORKING.between(at(2026, 11, 23, 12, 0), at(2026, 11, 20, 12, 0)) == -dt.timedelta(hours=24)
