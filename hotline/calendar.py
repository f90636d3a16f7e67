"""Business calendars: wall-clock time, working days, or business hours on working days.

Working days follow the Chinese official calendar (public holidays, and the
weekend days made working days around them, 调休) from the ``chinese-calendar``
package, corrected by the manufacturer's own overrides. A year the package does
not cover yet (the State Council publishes each year's schedule in the autumn
before) falls back to Monday–Friday, plus whatever overrides administrators
have entered; it never raises.

All arithmetic happens in the tenant's local time: a working day is a local
calendar date.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from enum import StrEnum

import chinese_calendar

DAY = dt.timedelta(days=1)


class CalendarKind(StrEnum):
    WALL = "wall"  # every minute counts
    WORKING_DAYS = "working_days"  # whole working days count, 00:00–24:00
    BUSINESS_HOURS = "business_hours"  # only business hours of working days count


def official_is_working_day(day: dt.date) -> bool:
    """The official schedule; Monday–Friday for a year not published yet."""
    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError:
        return day.weekday() < 5


@dataclass(frozen=True)
class BusinessCalendar:
    kind: CalendarKind
    time_zone: str = "Asia/Shanghai"
    overrides: Mapping[dt.date, bool] = field(default_factory=dict)  # date → is working day
    opens: dt.time = dt.time(8, 30)
    closes: dt.time = dt.time(17, 30)

    @property
    def tz(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.time_zone)

    def is_working_day(self, day: dt.date) -> bool:
        if day in self.overrides:
            return self.overrides[day]
        return official_is_working_day(day)

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
