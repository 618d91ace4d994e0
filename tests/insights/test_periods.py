"""Periods as staff type them ("2026-Q3", "30d", "2026-09", ranges) become UTC bounds, until exclusive."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.insights.periods import Period, PeriodError, parse_day, parse_period, resolve_period


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)  # type: ignore[misc]


@pytest.mark.parametrize(("text", "since", "until"), [
    ("2026-Q3", utc(2026, 7, 1), utc(2026, 10, 1)),
    ("2026q4", utc(2026, 10, 1), utc(2027, 1, 1)),
    ("2026-09", utc(2026, 9, 1), utc(2026, 10, 1)),
    ("2026-12", utc(2026, 12, 1), utc(2027, 1, 1)),
    ("2026", utc(2026, 1, 1), utc(2027, 1, 1)),
    ("2026-02-28", utc(2026, 2, 28), utc(2026, 3, 1)),
    ("2026-01-01..2026-03-31", utc(2026, 1, 1), utc(2026, 4, 1)),
    ("2026-01..2026-Q2", utc(2026, 1, 1), utc(2026, 7, 1)),
    (" 2026-Q1 ", utc(2026, 1, 1), utc(2026, 4, 1)),
])
def test_calendar_periods_cover_whole_days_with_an_exclusive_end(text: str, since: datetime, until: datetime) -> None:
    assert parse_period(text) == Period(since, until)


def test_recent_days_and_weeks_count_back_from_now_and_stay_open_ended() -> None:
    now = utc(2026, 9, 30, 12)
    assert parse_period("30d", now=now) == Period(utc(2026, 8, 31, 12), None)
    assert parse_period("2w", now=now) == Period(utc(2026, 9, 16, 12), None)


def test_a_range_may_leave_one_side_open() -> None:
    assert parse_period("2026-03-01..") == Period(utc(2026, 3, 1), None)
    assert parse_period("..2026-03-31") == Period(None, utc(2026, 4, 1))


def test_a_period_unpacks_into_since_and_until() -> None:
    since, until = parse_period("2026-Q3")
    assert (since, until) == (utc(2026, 7, 1), utc(2026, 10, 1))


@pytest.mark.parametrize("text", ["2026-Q5", "2026-13", "2026-02-30", "last quarter", "", "30x",
                                  "2026-03-31..2026-03-01"])
def test_an_unreadable_or_backwards_period_is_refused_with_the_accepted_forms(text: str) -> None:
    with pytest.raises(PeriodError):
        parse_period(text)


def test_command_line_dates_override_the_period_and_the_last_day_is_inclusive() -> None:
    assert resolve_period("2026-Q1", None, "2026-02-15") == Period(utc(2026, 1, 1), utc(2026, 2, 16))
    assert resolve_period(None, "2026-03-01", None) == Period(utc(2026, 3, 1), None)
    assert resolve_period() == Period()
    with pytest.raises(PeriodError):
        resolve_period(None, "2026-03-02", "2026-03-01")
    with pytest.raises(PeriodError):
        parse_day("01/03/2026")


def test_a_label_shows_the_last_day_inclusively() -> None:
    assert parse_period("2026-Q3").label() == "2026-07-01 – 2026-09-30"
    assert Period().label() == "… – …"
    assert parse_period("2026-Q3").contains(utc(2026, 9, 30, 23, 59))
    assert not parse_period("2026-Q3").contains(utc(2026, 10, 1))


@pytest.mark.parametrize("text", ["9999", "9999-12", "9999-Q4", "99999999999d", "9999-12-31..9999"])
def test_periods_beyond_the_calendar_are_refused_as_periods(text: str) -> None:
    with pytest.raises(PeriodError):
        parse_period(text, now=utc(2026, 1, 1))
