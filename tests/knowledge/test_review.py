"""Staleness: closed rounds, past events and entries nobody checked put an entry on the list, with why."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date
from pathlib import Path

from bot.knowledge.check import check_report
from bot.knowledge.loader import load_knowledge
from bot.knowledge.review import Why, stale_entries

WriteKb = Callable[[Path, Mapping[str, str]], Path]

BASE = {
    "funding.yaml": """
        kind: funding
        entries:
          - id: closed-grant
            title: "Closed grant"
            summary: "Closed."
            deadline: 2027-03-01
            reviewed: 2027-01-01
          - id: next-round-grant
            title: "Next round grant"
            summary: "Again in autumn."
            deadline: 2027-03-01
            next_deadline: 2027-09-01
            reviewed: 2027-01-01
          - id: old-grant
            title: "Old grant"
            summary: "Checked long ago."
            deadline: rolling
            reviewed: 2026-01-01
          - id: quick-grant
            title: "Quick grant"
            summary: "Checked in May, looked at every 30 days."
            deadline: rolling
            reviewed: 2027-04-20
            review_after_days: 30
          - id: fresh-grant
            title: "Fresh grant"
            summary: "Checked in May."
            deadline: rolling
            reviewed: 2027-05-01
          - id: unchecked-grant
            title: "Unchecked grant"
            summary: "Nobody has looked."
    """,
    "event.yaml": """
        kind: event
        entries:
          - id: past-breakfast
            title: "Past breakfast"
            summary: "Was in May."
            starts: 2027-05-04T08:00
            reviewed: 2027-04-01
          - id: coming-breakfast
            title: "Coming breakfast"
            summary: "In June."
            starts: 2027-06-04T08:00
            reviewed: 2027-04-01
    """,
}
TODAY = date(2027, 6, 1)


def test_each_stale_entry_is_listed_once_with_why_passed_dates_first(tmp_path: Path, write_kb: WriteKb) -> None:
    kb = load_knowledge(write_kb(tmp_path, BASE))
    stale = [(s.entry.id, s.why, s.since) for s in stale_entries(kb, today=TODAY, review_after_days=180)]
    assert stale == [
        ("closed-grant", Why.CLOSED, date(2027, 3, 1)),
        ("past-breakfast", Why.EVENT_PASSED, date(2027, 5, 4)),
        ("unchecked-grant", Why.NEVER_REVIEWED, None),
        ("old-grant", Why.REVIEW_DUE, date(2026, 1, 1)),
        ("quick-grant", Why.REVIEW_DUE, date(2027, 4, 20)),
    ]


def test_a_known_next_round_keeps_funding_open_and_is_the_deadline_shown(tmp_path: Path, write_kb: WriteKb) -> None:
    grant = load_knowledge(write_kb(tmp_path, BASE)).by_id["next-round-grant"]
    assert not grant.deadline_passed(TODAY) and grant.open_deadline(TODAY) == date(2027, 9, 1)
    assert grant.deadline_passed(date(2027, 9, 2))
    assert grant.open_deadline(date(2027, 2, 1)) == date(2027, 3, 1)


def test_the_configured_review_period_decides_when_a_review_is_due(tmp_path: Path, write_kb: WriteKb) -> None:
    kb = load_knowledge(write_kb(tmp_path, BASE))
    assert "fresh-grant" in {s.entry.id for s in stale_entries(kb, today=TODAY, review_after_days=20)}
    assert "old-grant" not in {s.entry.id for s in stale_entries(kb, today=TODAY, review_after_days=600)}


def test_kb_check_prints_the_list(tmp_path: Path, write_kb: WriteKb) -> None:
    lines = check_report(load_knowledge(write_kb(tmp_path, BASE)), today=TODAY).splitlines()
    start = lines.index("entries that need a look: 5")
    assert lines[start + 1:start + 3] == ["  closed-grant: closed (2027-03-01)", "  past-breakfast: event passed (2027-05-04)"]
