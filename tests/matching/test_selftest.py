"""`kb test`: an entry's example question that misses its entry is listed."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path

from bot.matching.matcher import Matcher
from bot.matching.selftest import self_test

WriteKb = Callable[[Path, Mapping[str, str]], Path]
MatcherOf = Callable[[Path], Matcher]
WORDLESS_QUESTION = "🙂 ?!"  # no words: it can never land on its entry


def test_the_self_test_lists_an_example_question_that_cannot_land(
        tmp_path: Path, write_kb: WriteKb, two_entry_base: Mapping[str, str], matcher_of: MatcherOf) -> None:
    base = {"funding.yaml": f'{two_entry_base["funding.yaml"]}      - "{WORDLESS_QUESTION}"\n'}
    misses, text = self_test(matcher_of(write_kb(tmp_path, base)))
    assert misses == 1
    assert text.splitlines() == [
        "3 example questions asked, 2 landed on their entry, 1 did not",
        f"  choir-festival-fund: '{WORDLESS_QUESTION}' -> escalate: nothing",
    ]


def test_the_self_test_reports_no_misses_when_every_question_lands(
        tmp_path: Path, write_kb: WriteKb, two_entry_base: Mapping[str, str], matcher_of: MatcherOf) -> None:
    misses, text = self_test(matcher_of(write_kb(tmp_path, two_entry_base)))
    assert (misses, text) == (0, "2 example questions asked, 2 landed on their entry, 0 did not")
