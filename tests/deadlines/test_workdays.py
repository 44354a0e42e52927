"""Working days: Monday to Friday, less holidays, plus worked weekend days (pure)."""

from datetime import date

import pytest

from subsidy_app.deadlines.workdays import add_working_days, is_working_day, working_days_between

# National Day 2026: 1–7 October off; Sunday 20 September and Saturday 10 October worked.
HOLIDAYS = frozenset(date(2026, 10, d) for d in range(1, 8))
WORKDAYS = frozenset({date(2026, 9, 20), date(2026, 10, 10)})


@pytest.mark.parametrize(
    "day, working",
    [
        (date(2026, 11, 23), True),  # Monday
        (date(2026, 11, 22), False),  # Sunday
        (date(2026, 10, 1), False),  # holiday on a Thursday
        (date(2026, 10, 10), True),  # a Saturday worked
    ],
)
def test_is_working_day(day, working):
    assert is_working_day(day, HOLIDAYS, WORKDAYS) is working


@pytest.mark.parametrize(
    "start, days, expected",
    [
        (date(2026, 11, 20), 1, date(2026, 11, 23)),  # Friday + 1 → Monday
        (date(2026, 11, 23), 5, date(2026, 11, 30)),  # a week
        (date(2026, 11, 23), 0, date(2026, 11, 23)),
        (date(2026, 9, 30), 1, date(2026, 10, 8)),  # over National Day
        (date(2026, 10, 8), 2, date(2026, 10, 10)),  # the worked Saturday counts
        (date(2026, 9, 18), 1, date(2026, 9, 20)),  # the worked Sunday counts
    ],
)
def test_add_working_days(start, days, expected):
    assert add_working_days(start, days, HOLIDAYS, WORKDAYS) == expected


def test_negative_days_are_an_error():
    with pytest.raises(ValueError):
        add_working_days(date(2026, 1, 1), -1)


def test_working_days_between_counts_both_ways():
    assert working_days_between(date(2026, 11, 20), date(2026, 11, 27)) == 5
    assert working_days_between(date(2026, 11, 27), date(2026, 11, 20)) == -5
    assert working_days_between(date(2026, 9, 30), date(2026, 10, 9), HOLIDAYS, WORKDAYS) == 2
