"""Business calendars: wall-clock time, working days, or business hours on working days.

Working days follow the Chinese official calendar (public holidays, and the
weekend days made working days around them, 调休) from the ``chinese-calendar``
package, corrected by the manufacturer's own overrides. A year the package does
not cover yet (the State Council publishes each year's schedule in the autumn
before) is *provisional*: Monday–Friday less the statutory holidays, the
fixed-date ones as the national rules set them and the lunar ones (and the
Qingming solar term) computed with ``lunar-python``; it never raises. Once
administrators have entered a year's published schedule as overrides and marked
the year entered, the overrides alone correct Monday–Friday for that year.

All arithmetic happens in the tenant's local time: a working day is a local
calendar date.
"""

from __future__ import annotations

import datetime as dt
import functools
import zoneinfo
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from enum import StrEnum

import chinese_calendar
from lunar_python import Lunar, Solar

DAY = dt.timedelta(days=1)


class CalendarKind(StrEnum):
    WALL = "wall"  # every minute counts
    WORKING_DAYS = "working_days"  # whole working days count, 00:00–24:00
    BUSINESS_HOURS = "business_hours"  # only business hours of working days count


class YearStatus(StrEnum):
    OFFICIAL = "official"  # the State Council's schedule, as the chinese-calendar package ships it
    ENTERED = "entered"  # administrators entered the published schedule as overrides
    PROVISIONAL = "provisional"  # computed from the statutory rules until the schedule is known


def official_schedule_known(year: int) -> bool:
    """Whether the chinese-calendar package ships the State Council's schedule for ``year``."""
    try:
        chinese_calendar.is_workday(dt.date(year, 6, 1))
    except NotImplementedError:
        return False
    return True


def year_status(year: int, entered_years: frozenset[int] = frozenset()) -> YearStatus:
    if official_schedule_known(year):
        return YearStatus.OFFICIAL
    if year in entered_years:
        return YearStatus.ENTERED
    return YearStatus.PROVISIONAL


def _lunar(year: int, month: int, day: int) -> dt.date:
    solar = Lunar.fromYmd(year, month, day).getSolar()
    return dt.date(solar.getYear(), solar.getMonth(), solar.getDay())


def _qingming(year: int) -> dt.date:
    solar = Solar.fromYmd(year, 6, 1).getLunar().getJieQiTable()["清明"]
    return dt.date(solar.getYear(), solar.getMonth(), solar.getDay())


@functools.lru_cache(maxsize=64)
def provisional_holidays(year: int) -> dict[dt.date, str]:
    """The days off of a year whose schedule is not published, with their names.

    The statutory days of the national holiday rules (全国年节及纪念日放假办法, as
    amended for 2025): 元旦 1 Jan; 春节 the eve and the first three days of the
    lunar year; 清明 (the solar term); 劳动节 1–2 May; 端午 (5th of the 5th lunar
    month); 中秋 (15th of the 8th); 国庆 1–3 Oct. The two long holidays are taken
    as every published schedule has taken them: 春节 from the eve to the seventh
    day, 国庆 1–7 Oct. A statutory day of a short holiday that falls on a
    weekend or on another holiday gives the next weekday off instead. The
    make-up working weekends are never guessed: a provisional year only ever
    has more days off than the published one, never fewer.
    """
    days: dict[dt.date, str] = {}
    new_year = _lunar(year, 1, 1)
    for offset in range(-1, 7):  # eve … seventh day
        days[new_year + offset * DAY] = "春节"
    for offset in range(7):
        days[dt.date(year, 10, 1) + offset * DAY] = "国庆节"
    short = [
        (dt.date(year, 1, 1), "元旦"),
        (_qingming(year), "清明节"),
        (dt.date(year, 5, 1), "劳动节"),
        (dt.date(year, 5, 2), "劳动节"),
        (_lunar(year, 5, 5), "端午节"),
        (_lunar(year, 8, 15), "中秋节"),
    ]
    for day, name in short:
        if day not in days and day.weekday() < 5:
            days[day] = name
            continue
        days.setdefault(day, name)
        while day in days or day.weekday() >= 5:
            day += DAY
        days[day] = name
    return dict(sorted(days.items()))


@functools.lru_cache(maxsize=4096)
def official_is_working_day(day: dt.date, entered_years: frozenset[int] = frozenset()) -> bool:
    """The official schedule; for a year not published yet, the provisional one.

    A year whose schedule administrators have entered counts Monday–Friday here:
    their overrides (applied by ``BusinessCalendar``) carry its holidays. Remembered: the
    schedules are the installed library's, fixed while the process runs.
    """
    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError:
        if day.year in entered_years:
            return day.weekday() < 5
        return day.weekday() < 5 and day not in provisional_holidays(day.year)


@dataclass(frozen=True)
class BusinessCalendar:
    kind: CalendarKind
    time_zone: str = "Asia/Shanghai"
    overrides: Mapping[dt.date, bool] = field(default_factory=dict)  # date → is working day
    # Years whose published schedule administrators have entered: no provisional holidays there.
    entered_years: frozenset[int] = frozenset()
    opens: dt.time = dt.time(8, 30)
    closes: dt.time = dt.time(17, 30)

    @property
    def tz(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.time_zone)

    def is_working_day(self, day: dt.date) -> bool:
        if day in self.overrides:
            return self.overrides[day]
        return official_is_working_day(day, self.entered_years)

    def _intervals(
        self, moment: dt.datetime, step: dt.timedelta
    ) -> Iterator[tuple[dt.datetime, dt.datetime]]:
        """Counting intervals in local time, day by day from the day of ``moment``.

        ``step`` is one day forwards or backwards; ten years of days bound the
        walk, far beyond any window.
        """
        day = moment.astimezone(self.tz).date()
        for _ in range(3660):
            if self.is_working_day(day):
                if self.kind is CalendarKind.WORKING_DAYS:
                    yield (
                        dt.datetime.combine(day, dt.time(0), self.tz),
                        dt.datetime.combine(day + DAY, dt.time(0), self.tz),
                    )
                else:
                    yield (
                        dt.datetime.combine(day, self.opens, self.tz),
                        dt.datetime.combine(day, self.closes, self.tz),
                    )
            day += step
        raise ValueError("no working time within ten years")

    def subtract(self, end: dt.datetime, duration: dt.timedelta) -> dt.datetime:
        """The moment ``duration`` of counted time before ``end`` (e.g. when to warn)."""
        if self.kind is CalendarKind.WALL:
            return end - duration
        remaining = duration
        for lo, hi in self._intervals(end, -DAY):
            hi = min(hi, end)
            if lo >= hi:
                continue
            if hi - lo >= remaining:
                return (hi - remaining).astimezone(dt.UTC)
            remaining -= hi - lo
        raise AssertionError("unreachable")

    def add(self, start: dt.datetime, duration: dt.timedelta) -> dt.datetime:
        """The moment when ``duration`` of counted time has passed since ``start``."""
        if self.kind is CalendarKind.WALL:
            return start + duration
        remaining = duration
        for lo, hi in self._intervals(start, DAY):
            lo = max(lo, start)
            if lo >= hi:
                continue
            if hi - lo >= remaining:
                return (lo + remaining).astimezone(dt.UTC)
            remaining -= hi - lo
        raise AssertionError("unreachable")

    def between(self, start: dt.datetime, end: dt.datetime) -> dt.timedelta:
        """Counted time in [start, end); negative when end is before start."""
        if end < start:
            return -self.between(end, start)
        if self.kind is CalendarKind.WALL:
            return end - start
        total = dt.timedelta(0)
        for lo, hi in self._intervals(start, DAY):
            if lo >= end:
                break
            lo, hi = max(lo, start), min(hi, end)
            if hi > lo:
                total += hi - lo
        return total
