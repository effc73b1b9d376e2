"""Working days: Monday to Friday. Saturdays and Sundays are skipped; public holidays are not known to the
platform yet (docs/applications.md), so a target that spans one is a day short at worst."""

from __future__ import annotations

import datetime as dt

SATURDAY = 5


def is_working_day(day: dt.date) -> bool:
    return day.weekday() < SATURDAY


def add_working_days(start: dt.date, days: int) -> dt.date:
    """The day `days` working days after `start`. An application submitted on a Saturday or Sunday counts from
    the next Monday; 0 days is `start` itself (or the next Monday)."""
    day = start
    while not is_working_day(day):
        day += dt.timedelta(days=1)
    left = days
    while left > 0:
        day += dt.timedelta(days=1)
        if is_working_day(day):
            left -= 1
    return day


def working_days_between(start: dt.date, end: dt.date) -> int:
    """Working days after `start` up to and including `end` (negative when `end` is earlier)."""
    if end < start:
        return -working_days_between(end, start)
    count = 0
    day = start
    while day < end:
        day += dt.timedelta(days=1)
        if is_working_day(day):
            count += 1
    return count
