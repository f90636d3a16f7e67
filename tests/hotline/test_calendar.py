"""Windows measured on real calendar cases, in Beijing time."""

from __future__ import annotations

import datetime as dt
import zoneinfo

from hotline.calendar import (
    BusinessCalendar,
    CalendarKind,
    YearStatus,
    official_schedule_known,
    provisional_holidays,
    year_status,
)

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
    # 2027's schedule is unknown to the official data: provisional, never an error. New Year's Day
    # (Friday 1 Jan) stays a holiday: Thursday 31 Dec 10:00 + 5 working days → Friday 8 Jan.
    assert WORKING.add(at(2026, 12, 31, 10, 0), FIVE_DAYS) == at(2027, 1, 8, 10, 0)


def test_administrator_overrides_correct_the_calendar():
    closed_monday = BusinessCalendar(CalendarKind.WORKING_DAYS, overrides={dt.date(2027, 1, 4): False})

    assert closed_monday.add(at(2026, 12, 31, 10, 0), FIVE_DAYS) == at(2027, 1, 11, 10, 0)


def test_2028_is_provisional_with_the_spring_festival_week_off():
    holidays = provisional_holidays(2028)

    # Spring Festival is Wednesday 26 Jan 2028: from the eve (25 Jan) to the seventh day (1 Feb).
    spring = [day for day, name in holidays.items() if name == "春节"]
    assert spring == [dt.date(2028, 1, 25) + dt.timedelta(days=i) for i in range(8)]
    assert {dt.date(2028, 1, 1), dt.date(2028, 5, 1), dt.date(2028, 5, 2)} <= set(holidays)
    # 1 Jan 2028 is a Saturday: the Monday after is off instead.
    assert holidays[dt.date(2028, 1, 3)] == "元旦"
    assert holidays[dt.date(2028, 4, 4)] == "清明节"  # the solar term
    assert holidays[dt.date(2028, 5, 29)] == "端午节"  # 28 May is a Sunday
    assert dt.date(2028, 10, 7) in holidays  # the National Day week


def test_a_provisional_year_keeps_new_year_and_labour_day_and_the_lunar_holidays():
    holidays = provisional_holidays(2029)  # 1 Jan 2029 is a Monday, 1 May a Tuesday

    assert holidays[dt.date(2029, 1, 1)] == "元旦"
    assert holidays[dt.date(2029, 5, 1)] == holidays[dt.date(2029, 5, 2)] == "劳动节"
    assert {"春节", "清明节", "端午节", "中秋节", "国庆节"} <= set(holidays.values())


def test_working_days_of_a_provisional_year_skip_its_holidays():
    assert not official_schedule_known(2028)  # the suite's official data ends with 2026
    # Monday 24 Jan 2028 10:00 + 5 working days: 25 Jan – 1 Feb are off → Tuesday 8 Feb.
    assert WORKING.add(at(2028, 1, 24, 10, 0), FIVE_DAYS) == at(2028, 2, 8, 10, 0)
    assert not WORKING.is_working_day(dt.date(2028, 5, 1))
    assert WORKING.is_working_day(dt.date(2028, 5, 3))


def test_an_entered_year_counts_only_the_entered_holidays():
    entered = BusinessCalendar(
        CalendarKind.WORKING_DAYS,
        overrides={dt.date(2028, 1, 24): False, dt.date(2028, 1, 29): True},
        entered_years=frozenset({2028}),
    )

    assert not entered.is_working_day(dt.date(2028, 1, 24))
    assert entered.is_working_day(dt.date(2028, 1, 29))  # a make-up Saturday
    assert entered.is_working_day(dt.date(2028, 1, 31))  # provisional holiday no longer applies


def test_a_published_year_is_not_provisional():
    assert year_status(2026) is YearStatus.OFFICIAL
    assert year_status(2028) is YearStatus.PROVISIONAL
    assert year_status(2028, frozenset({2028})) is YearStatus.ENTERED


def test_business_hours_skip_nights_and_weekends():
    cal = BusinessCalendar(CalendarKind.BUSINESS_HOURS, opens=dt.time(8, 30), closes=dt.time(17, 30))

    # Friday 16:30 + 2 business hours: 1 h on Friday, 1 h from Monday 08:30.
    assert cal.add(at(2026, 11, 20, 16, 30), dt.timedelta(hours=2)) == at(2026, 11, 23, 9, 30)


def test_between_counts_only_working_time():
    assert WORKING.between(at(2026, 11, 20, 12, 0), at(2026, 11, 23, 12, 0)) == dt.timedelta(hours=24)
    assert WORKING.between(at(2026, 11, 23, 12, 0), at(2026, 11, 20, 12, 0)) == -dt.timedelta(hours=24)
