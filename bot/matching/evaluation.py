"""Scoring the matcher on a labelled question set (the format of eval/dev.yaml)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import yaml

from bot.matching.decisions import Decision, Result
from bot.matching.matcher import Matcher

ESCALATE = "escalate"
VERDICTS = ("handled", "wrong", "missed")


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
    kind: str     # the expected entry's kind, or 'escalate'


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
    """handled: a right answer, a clarify offering a right one, or a due escalation; wrong: a wrong answer."""
    return _verdict(item, result.decision, frozenset(m.entry.id for m in result.matches))


def judge_labels(item: Labelled, other: Labelled) -> str:
    """A second labeller's label of the same question, judged as an answer with its entries (an escalation when it
    has none): how often two labellers agree bounds every figure a labelled set can give."""
    return _verdict(item, Decision.ANSWER if other.in_scope else Decision.ESCALATE, other.expect)


def _verdict(item: Labelled, decision: Decision, ids: frozenset[str]) -> str:
    """One scoring for the matcher and for a second labeller: what the decision and its entries make of the label."""
    if not item.in_scope:
        if decision is Decision.ESCALATE:
            return "handled"
        return "wrong" if decision is Decision.ANSWER else "missed"
    if decision is Decision.ANSWER:
        return "handled" if ids & item.expect else "wrong"
    if decision is Decision.CLARIFY and ids & item.expect:
        return "handled"
    return "missed"


def label_agreement(items: Sequence[Labelled], others: Sequence[Labelled]) -> dict[str, float]:
    """The share of each verdict (in %) when `others` labels the questions of `items`, in the same order."""
    if [i.question for i in items] != [o.question for o in others]:
        raise EvalSetError("the two labellings do not hold the same questions in the same order")
    verdicts = [judge_labels(item, other) for item, other in zip(items, others, strict=True)]
    return {verdict: 100.0 * verdicts.count(verdict) / max(len(verdicts), 1) for verdict in VERDICTS}


@dataclass(frozen=True)
class Report:
    outcomes: tuple[Outcome, ...]

    def share(self, verdict: str, pool: Sequence[Outcome] | None = None) -> float:
        pool = self.outcomes if pool is None else pool
        return 100.0 * sum(o.verdict == verdict for o in pool) / len(pool) if pool else 0.0

    def clarify_share(self, pool: Sequence[Outcome] | None = None) -> float:
        pool = self.outcomes if pool is None else pool
        return 100.0 * sum(o.result.decision is Decision.CLARIFY for o in pool) / len(pool) if pool else 0.0

    def by(self, key: str) -> dict[str, list[Outcome]]:
        """Outcomes grouped by 'language' or 'kind'."""
        grouped: dict[str, list[Outcome]] = defaultdict(list)
        for o in self.outcomes:
            grouped[o.item.language if key == "language" else o.kind].append(o)
        return dict(sorted(grouped.items()))

    @property
    def failures(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.verdict != "handled"]


def evaluate(matcher: Matcher, items: Iterable[Labelled]) -> Report:
    kinds = {e.id: e.kind for e in matcher.index.entries}
    outcomes = []
    for item in items:
        result = matcher.match(item.question)
        expected_kinds = sorted({kinds.get(i, "unknown") for i in item.expect})
        kind = expected_kinds[0] if expected_kinds else ESCALATE
        outcomes.append(Outcome(item, result, judge(item, result), kind))
    return Report(tuple(outcomes))


def format_report(report: Report, *, failures: int = 40) -> str:
    """A plain-text table: the overall figures, per language and per kind, then failures."""
    n = len(report.outcomes)
    lines = [f"{n} questions",
             f"handled  {report.share('handled'):5.1f} %",
             f"wrong    {report.share('wrong'):5.1f} %",
             f"missed   {report.share('missed'):5.1f} %",
             f"clarify  {report.clarify_share():5.1f} % of questions", ""]
    for key in ("language", "kind"):
        lines.append(f"{'by ' + key:<12} {'n':>4} {'handled':>8} {'wrong':>6} {'missed':>7} {'clarify':>8}")
        for name, pool in report.by(key).items():
            lines.append(f"{name:<12} {len(pool):>4} {report.share('handled', pool):>7.1f}% "
                         f"{report.share('wrong', pool):>5.1f}% {report.share('missed', pool):>6.1f}% "
                         f"{report.clarify_share(pool):>7.1f}%")
        lines.append("")
    shown = report.failures[:failures]
    if shown:
        lines.append(f"failures ({len(report.failures)}, showing {len(shown)}):")
    for o in shown:
        expect = ", ".join(sorted(o.item.expect)) or ESCALATE
        got = ", ".join(f"{m.entry.id} {m.score:.2f}" for m in o.result.matches[:3]) or "-"
        lines.append(f"  [{o.verdict}] {o.item.language} {o.item.question!r}")
        lines.append(f"      expected {expect}; got {o.result.decision.value}: {got}")
    return "\n".join(lines).rstrip()
