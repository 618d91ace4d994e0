"""Scoring the matcher on a labelled question set (the format of eval/dev.yaml)."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import yaml

from bot.matching import Decision, Matcher, Result

ESCALATE = "escalate"


class EvalSetError(Exception):
    """A labelled set that cannot be read; names the file and item."""


@dataclass(frozen=True, slots=True)
class Labelled:
    question: str
    language: str
    expect: frozenset[str]  # empty: the question should be escalated

    @property
    def in_scope(self) -> bool:
        return bool(self.expect)


@dataclass(frozen=True, slots=True)
class Outcome:
    item: Labelled
    result: Result
    verdict: str  # handled | wrong | missed

    @property
    def kind(self) -> str:
        """The kind of need: the expected entry's kind, or 'escalate'."""
        if not self.item.in_scope:
            return ESCALATE
        return self.result_kind or "unknown"

    result_kind: str | None = None


def load_labelled(path: Path | str) -> list[Labelled]:
    raw = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    if not isinstance(raw, list):
        raise EvalSetError(f"{path}: expected a list of items with q, lang and expect")
    items = []
    for number, item in enumerate(raw, start=1):
        if not isinstance(item, dict) or "q" not in item or "expect" not in item:
            raise EvalSetError(f"{path}: item {number}: needs 'q' and 'expect'")
        expect = item["expect"]
        ids = frozenset() if expect == ESCALATE else frozenset(expect if isinstance(expect, list) else [expect])
        items.append(Labelled(str(item["q"]), str(item.get("lang", "?")), ids))
    return items


def judge(item: Labelled, result: Result) -> str:
    """handled: right answer, a clarify offering a right one, or a due escalation; wrong: a wrong answer."""
    ids = {m.entry.id for m in result.matches}
    if not item.in_scope:
        if result.decision is Decision.ESCALATE:
            return "handled"
        return "wrong" if result.decision is Decision.ANSWER else "missed"
    if result.decision is Decision.ANSWER:
        return "handled" if ids & item.expect else "wrong"
    if result.decision is Decision.CLARIFY and ids & item.expect:
        return "handled"
    return "missed"


@dataclass(frozen=True)
class Report:
    outcomes: tuple[Outcome, ...]

    def share(self, verdict: str, outcomes: Sequence[Outcome] | None = None) -> float:
        pool = self.outcomes if outcomes is None else outcomes
        return 100.0 * sum(o.verdict == verdict for o in pool) / len(pool) if pool else 0.0

    def clarify_share(self, outcomes: Sequence[Outcome] | None = None) -> float:
        pool = self.outcomes if outcomes is None else outcomes
        return 100.0 * sum(o.result.decision is Decision.CLARIFY for o in pool) / len(pool) if pool else 0.0

    def groups(self, key: str) -> dict[str, list[Outcome]]:
        grouped: dict[str, list[Outcome]] = defaultdict(list)
        for o in self.outcomes:
            grouped[o.item.language if key == "language" else o.kind].append(o)
        return dict(sorted(grouped.items()))

    @property
    def failures(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.verdict != "handled"]

    def decisions(self) -> Counter[str]:
        return Counter(o.result.decision.value for o in self.outcomes)


def evaluate(matcher: Matcher, items: Iterable[Labelled]) -> Report:
    outcomes = []
    for item in items:
        result = matcher.match(item.question)
        kinds = {matcher.index.entries[0].kind} if False else {
            e.kind for e in (matcher_entry(matcher, i) for i in item.expect) if e is not None}
        outcomes.append(Outcome(item, result, judge(item, result), result_kind=min(kinds) if kinds else None))
    return Report(tuple(outcomes))


def matcher_entry(matcher: Matcher, entry_id: str):  # type: ignore[no-untyped-def]
    return next((e for e in matcher.index.entries if e.id == entry_id), None)
