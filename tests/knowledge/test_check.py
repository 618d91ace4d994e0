"""Curator tools: the health report of a base and the self-test of its example questions."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import date
from itertools import takewhile
from pathlib import Path

from bot.knowledge.check import check_report
from bot.knowledge.entries import KINDS, KnowledgeBase
from bot.knowledge.loader import load_knowledge

WriteKb = Callable[[Path, Mapping[str, str]], Path]

SMALL_BASE = {
    "funding.yaml": """
        kind: funding
        entries:
          - id: swedish-grant
            title: "Swedish grant"
            summary: {sv: "Pengar.", en: "Money."}
            regions: [se]
            deadline: 2027-03-01
          - id: danish-grant
            title: "Danish grant"
            summary: {en: "Money, but no Danish text yet."}
            regions: [dk]
            deadline: rolling
          - id: plain-grant
            title: "Plain grant"
            summary: "A text of unstated language."
            regions: [nl]
            deadline: 2027-12-31
    """,
    "course.yaml": """
        kind: course
        entries:
          - id: winter-course
            title: "Winter course"
            summary: {nl: "Cursus.", en: "Course."}
            regions: [nl]
            deadline: 2027-01-15
    """,
}

TODAY = date(2027, 6, 1)


def report_of(root: Path, today: date = TODAY) -> list[str]:
    return check_report(load_knowledge(root), today=today).splitlines()


def section(lines: list[str], head: str) -> list[str]:
    """The indented lines under the line starting with `head`."""
    start = next(i for i, line in enumerate(lines) if line.startswith(head)) + 1
    return [line.strip() for line in takewhile(lambda line: line.startswith("  "), lines[start:])]


def test_the_report_counts_entries_per_kind(tmp_path: Path, write_kb: WriteKb) -> None:
    lines = report_of(write_kb(tmp_path, SMALL_BASE))
    assert lines[0] == f"4 entries in {tmp_path}: OK"
    counts = {m[1]: int(m[2]) for line in lines if (m := re.fullmatch(r"\s+(\w+)\s+(\d+)", line))}
    assert counts == {"funding": 3, "contact": 0, "network": 0, "event": 0, "course": 1, "faq": 0}


def test_the_report_counts_entries_per_language(tmp_path: Path, write_kb: WriteKb) -> None:
    lines = report_of(write_kb(tmp_path, SMALL_BASE))
    assert "languages (entries with a text in it): sv 1, da 0, nl 1, en 3" in lines


def test_the_report_lists_entries_missing_english_or_their_countrys_language(
        tmp_path: Path, write_kb: WriteKb) -> None:
    lines = report_of(write_kb(tmp_path, SMALL_BASE))
    assert section(lines, "entries missing English or the language of their country: 1") == ["danish-grant: no da"]


def test_the_report_lists_passed_deadlines_of_funding_and_courses_oldest_first(
        tmp_path: Path, write_kb: WriteKb) -> None:
    lines = report_of(write_kb(tmp_path, SMALL_BASE))
    assert section(lines, "deadlines already passed") == [
        f"winter-course: 2027-01-15 ({tmp_path / 'course.yaml'}:3)",
        f"swedish-grant: 2027-03-01 ({tmp_path / 'funding.yaml'}:3)",
    ]


def test_no_deadline_is_reported_passed_before_it_comes(tmp_path: Path, write_kb: WriteKb) -> None:
    lines = report_of(write_kb(tmp_path, SMALL_BASE), today=date(2027, 1, 15))
    assert any(re.match(r"deadlines already passed.*: 0$", line) for line in lines)


def test_the_reference_base_report_counts_all_kinds(reference_kb: KnowledgeBase) -> None:
    text = check_report(reference_kb, today=date(2026, 1, 1))
    assert text.startswith("126 entries in ")
    for kind in KINDS:
        assert re.search(rf"^\s+{kind}\s+{len(reference_kb.of_kind(kind))}$", text, re.MULTILINE)
    assert re.search(r"^deadlines already passed.*: 0$", text, re.MULTILINE)


def test_years_later_every_dated_deadline_of_the_reference_base_has_passed(reference_kb: KnowledgeBase) -> None:
    dated = [e for e in reference_kb if isinstance(e.deadline, date)]
    text = check_report(reference_kb, today=date(2099, 1, 1))
    assert re.search(rf"^deadlines already passed.*: {len(dated)}$", text, re.MULTILINE)
    assert {e.kind for e in dated} == {"funding", "course"}
