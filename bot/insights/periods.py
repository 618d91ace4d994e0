"""Periods staff ask for ("2026-Q3", "2026-09", "30d", "2026-01-01..2026-03-31") as UTC time bounds."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

_QUARTER = re.compile(r"^(\d{4})-?[qQ]([1-4])$")
_MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")
_YEAR = re.compile(r"^(\d{4})$")
_DAY = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_RECENT = re.compile(r"^(\d{1,4})\s*([dwDW])$")
FORMATS = "YYYY-Qn, YYYY-MM, YYYY, YYYY-MM-DD, Nd, Nw or FROM..TO (e.g. 2026-01-01..2026-03-31)"


class PeriodError(ValueError):
    """A period or date that cannot be read; the message says what is accepted."""


@dataclass(frozen=True, slots=True)
class Period:
    """A time span in UTC: `since` inclusive, `until` exclusive; None leaves that side open."""

    since: datetime | None = None
    until: datetime | None = None

    def __iter__(self) -> Iterator[datetime | None]:
        """Unpacks as (since, until), so callers can write `since, until = parse_period(...)`."""
        return iter((self.since, self.until))

    def contains(self, moment: datetime) -> bool:
        return (self.since is None or moment >= self.since) and (self.until is None or moment < self.until)

    def label(self) -> str:
        """'2026-07-01 – 2026-09-30' with the last day shown inclusively; '…' for an open side."""
        first = self.since.date().isoformat() if self.since else "…"
        last = "…"
        if self.until is not None:
            end = self.until - timedelta(days=1) if self.until.time() == time() else self.until
            last = end.date().isoformat()
        return f"{first} – {last}"


def day_start(day: date) -> datetime:
    """Midnight UTC at the start of `day`: periods are cut in UTC, like the stored timestamps."""
    return datetime.combine(day, time(), tzinfo=UTC)


def parse_day(text: str) -> date:
    """A YYYY-MM-DD date, or PeriodError."""
    match = _DAY.match(text.strip())
    if not match:
        raise PeriodError(f"{text!r} is not a date (YYYY-MM-DD)")
    return _date(*map(int, match.groups()), text=text)


def parse_period(text: str, *, now: datetime | None = None) -> Period:
    """Read one period expression (see FORMATS); `now` anchors 'Nd'/'Nw' and defaults to the current time."""
    try:
        return _parse(text, now=now)
    except PeriodError:
        raise
    except (ValueError, OverflowError) as exc:  # year 9999 ends in 10000, 10**9 days: no period a calendar holds
        raise PeriodError(f"{text!r} is out of range") from exc


def _parse(text: str, *, now: datetime | None) -> Period:
    spec = text.strip()
    if ".." in spec:
        left, _, right = spec.partition("..")
        since = parse_period(left, now=now).since if left.strip() else None
        until = parse_period(right, now=now).until if right.strip() else None
        return _checked(Period(since, until), text)
    if match := _RECENT.match(spec):
        count, unit = int(match.group(1)), match.group(2).lower()
        moment = now or datetime.now(UTC)
        return Period(moment - timedelta(days=count * (7 if unit == "w" else 1)), None)
    if match := _QUARTER.match(spec):
        year, quarter = int(match.group(1)), int(match.group(2))
        first = date(year, 3 * quarter - 2, 1)
        return Period(day_start(first), day_start(_add_months(first, 3)))
    if match := _MONTH.match(spec):
        first = _date(int(match.group(1)), int(match.group(2)), 1, text=text)
        return Period(day_start(first), day_start(_add_months(first, 1)))
    if match := _YEAR.match(spec):
        year = int(match.group(1))
        return Period(day_start(date(year, 1, 1)), day_start(date(year + 1, 1, 1)))
    if _DAY.match(spec):
        day = parse_day(spec)
        return Period(day_start(day), day_start(day + timedelta(days=1)))
    raise PeriodError(f"{text!r} is not a period; use {FORMATS}")


def resolve_period(period: str | None = None, since: str | None = None, until: str | None = None,
                   *, now: datetime | None = None) -> Period:
    """A period from the command line: --period, then --since/--until dates (until inclusive) override its sides."""
    base = parse_period(period, now=now) if period else Period()
    start = day_start(parse_day(since)) if since else base.since
    end = day_start(parse_day(until) + timedelta(days=1)) if until else base.until
    return _checked(Period(start, end), f"{since or period}..{until or period}")


def _checked(period: Period, text: str) -> Period:
    if period.since is not None and period.until is not None and period.since >= period.until:
        raise PeriodError(f"{text!r}: the period ends before it starts")
    return period


def _date(year: int, month: int, day: int, *, text: str) -> date:
    try:
        return date(year, month, day)
    except ValueError:
        raise PeriodError(f"{text!r} is not a real date") from None


def _add_months(first: date, months: int) -> date:
    index = first.year * 12 + first.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)
