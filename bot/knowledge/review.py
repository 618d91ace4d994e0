"""Which entries have gone stale: closed rounds, past events, and entries nobody has checked for too long."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from bot.knowledge.entries import Entry, KnowledgeBase


class Why(StrEnum):
    """Why an entry needs a look; the staff texts are the catalog's review.<why>."""

    CLOSED = "closed"              # funding or a course whose every known round has closed
    EVENT_PASSED = "event_passed"  # an event whose day is over
    NEVER_REVIEWED = "never_reviewed"
    REVIEW_DUE = "review_due"      # reviewed longer ago than its review period


@dataclass(frozen=True, slots=True)
class Stale:
    entry: Entry
    why: Why
    since: date | None  # the passed deadline, the event's day or the last review


def stale_entries(kb: KnowledgeBase, *, today: date, review_after_days: int) -> list[Stale]:
    """One reason per entry (a passed date first), oldest first, so the list reads as a to-do list."""
    found = []
    for entry in kb:
        if entry.kind in ("funding", "course") and entry.deadline_passed(today):
            found.append(Stale(entry, Why.CLOSED, entry.deadline if isinstance(entry.deadline, date) else None))
        elif entry.event_passed(today):
            day = entry.starts.date() if hasattr(entry.starts, "date") else entry.starts  # type: ignore[union-attr]
            found.append(Stale(entry, Why.EVENT_PASSED, day if isinstance(day, date) else None))
        elif entry.reviewed is None:
            found.append(Stale(entry, Why.NEVER_REVIEWED, None))
        elif entry.reviewed + timedelta(days=entry.review_after_days or review_after_days) <= today:
            found.append(Stale(entry, Why.REVIEW_DUE, entry.reviewed))
    order = list(Why)
    return sorted(found, key=lambda s: (order.index(s.why), s.since or date.min, s.entry.id))


def review_lines(stale: list[Stale]) -> list[str]:
    """The plain English list `kb check` prints."""
    lines = [f"entries that need a look: {len(stale)}"]
    lines += [f"  {s.entry.id}: {s.why.value.replace('_', ' ')}" + (f" ({s.since.isoformat()})" if s.since else "")
              for s in stale]
    return lines
