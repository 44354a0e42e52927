"""Working-day arithmetic (pure): Monday to Friday, less public holidays, plus the weekend
days the State Council makes working days (调休)."""

from __future__ import annotations

from datetime import date, timedelta


def is_working_day(day: date, holidays: frozenset[date], workdays: frozenset[date]) -> bool:
    if day in workdays:
        return True
    return day.weekday() < 5 and day not in holidays


def add_working_days(
    start: date, days: int, holidays: frozenset[date] = frozenset(), workdays: frozenset[date] = frozenset()
) -> date:
    """The date ``days`` working days after ``start`` (the day work starts does not count)."""
    if days < 0:
        raise ValueError("days must be >= 0")
    current = start
    remaining = days
    while remaining:
        current += timedelta(days=1)
        if is_working_day(current, holidays, workdays):
            remaining -= 1
    return current


def working_days_between(
    start: date, end: date, holidays: frozenset[date] = frozenset(), workdays: frozenset[date] = frozenset()
) -> int:
    """Working days after ``start`` up to and including ``end`` (negative if end is earlier)."""
    if end < start:
        return -working_days_between(end, start, holidays, workdays)
    count, current = 0, start
    while current < end:
        current += timedelta(days=1)
        count += is_working_day(current, holidays, workdays)
    return count
