"""Figures pooled over several labelled sets, with how far they could move: is a change more than noise?

A set's questions share a writer, a few pages and a style, so they are not independent draws: the interval comes
from resampling whole sets (a cluster bootstrap), not questions. A change between two matchers is paired: both
answer the same questions, and the resampled sets carry both verdicts.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from bot.matching.evaluation import VERDICTS, EvalSetError, Report

ROUNDS = 4000   # resamples: the interval's ends settle to a tenth of a point at a few thousand
LEVEL = 95.0    # per cent of resamples the interval holds


@dataclass(frozen=True, slots=True)
class Spread:
    """A pooled share in per cent (or a change in points), with its interval over resampled sets."""

    value: float
    low: float
    high: float
    questions: int
    sets: int

    def holds(self, value: float) -> bool:
        return self.low <= value <= self.high

    def describe(self, *, change: bool = False) -> str:
        """One line: a share in per cent, or with `change` a move in points (signed)."""
        number = "{:+.1f}" if change else "{:.1f}"
        unit = " points" if change else " %"
        return (f"{number.format(self.value)}{unit} ({LEVEL:.0f} % interval {number.format(self.low)} to "
                f"{number.format(self.high)}; {self.questions} questions in {self.sets} sets)")


def pooled(verdicts: Mapping[str, Sequence[str]], *, verdict: str = "handled", rounds: int = ROUNDS,
           seed: int = 0) -> Spread:
    """The share of `verdict` over all sets' questions (`verdicts`: each set's verdicts, in order)."""
    counts, sizes = _counts(verdicts, verdict)
    return _spread(counts, sizes, rounds=rounds, seed=seed)


def paired_change(before: Mapping[str, Sequence[str]], after: Mapping[str, Sequence[str]], *,
                  verdict: str = "handled", rounds: int = ROUNDS, seed: int = 0) -> Spread:
    """How many points the share of `verdict` moved from `before` to `after` on the same sets' questions."""
    if before.keys() != after.keys() or any(len(before[name]) != len(after[name]) for name in before):
        raise EvalSetError("the two runs do not hold the same sets with the same number of questions")
    old, sizes = _counts(before, verdict)
    new, _ = _counts(after, verdict)
    return _spread(new - old, sizes, rounds=rounds, seed=seed)


def _counts(verdicts: Mapping[str, Sequence[str]], verdict: str) -> tuple[np.ndarray, np.ndarray]:
    if verdict not in VERDICTS:
        raise EvalSetError(f"unknown verdict {verdict!r} (known: {', '.join(VERDICTS)})")
    if not verdicts or not all(verdicts.values()):
        raise EvalSetError("pooling needs at least one set, and no empty one")
    names = sorted(verdicts)
    return (np.array([sum(v == verdict for v in verdicts[name]) for name in names], dtype=float),
            np.array([len(verdicts[name]) for name in names], dtype=float))


def _spread(counts: np.ndarray, sizes: np.ndarray, *, rounds: int, seed: int) -> Spread:
    """The pooled share of `counts` in `sizes`, and the central LEVEL % of its value over sets drawn again."""
    drawn = np.random.default_rng(seed).integers(0, len(sizes), size=(rounds, len(sizes)))
    shares = 100.0 * counts[drawn].sum(axis=1) / sizes[drawn].sum(axis=1)
    tail = (100.0 - LEVEL) / 2
    low, high = np.percentile(shares, [tail, 100.0 - tail])
    return Spread(value=100.0 * float(counts.sum() / sizes.sum()), low=float(low), high=float(high),
                  questions=int(sizes.sum()), sets=len(sizes))


def verdicts_of(reports: Mapping[str, Report]) -> dict[str, list[str]]:
    """Each set's verdicts in question order: what pooling reads and what a later run is compared with."""
    return {name: [o.verdict for o in report.outcomes] for name, report in reports.items()}


def by_language(reports: Mapping[str, Report]) -> dict[str, dict[str, list[str]]]:
    """Each language's verdicts, set by set (a set without the language left out): the bar holds per language."""
    grouped: dict[str, dict[str, list[str]]] = {}
    for name, report in reports.items():
        for language, outcomes in report.by("language").items():
            grouped.setdefault(language, {})[name] = [o.verdict for o in outcomes]
    return dict(sorted(grouped.items()))


def format_pooled(reports: Mapping[str, Report]) -> str:
    """Each set's figures in a row, then handled and wrong pooled over all of them, and handled per language, with
    their intervals."""
    width = max(len(name) for name in reports)
    lines = [f"{'set':{width}}  {'n':>5}  {'handled':>7}  {'wrong':>6}  {'clarify':>7}"]
    lines += [f"{name:{width}}  {len(r.outcomes):5d}  {r.share('handled'):6.1f}%  {r.share('wrong'):5.1f}%  "
              f"{r.clarify_share():6.1f}%" for name, r in reports.items()]
    verdicts = verdicts_of(reports)
    lines += [f"pooled {verdict:8} {pooled(verdicts, verdict=verdict).describe()}" for verdict in ("handled", "wrong")]
    lines += [f"pooled handled, {language:3} {pooled(shares).describe()}"
              for language, shares in by_language(reports).items()]
    return "\n".join(lines)


def run_of(reports: Mapping[str, Report]) -> dict[str, dict[str, list[str]]]:
    """What a saved run keeps: each set's questions and verdicts in order, so a later matcher is compared on them."""
    verdicts = verdicts_of(reports)
    return {name: {"questions": [o.item.question for o in report.outcomes], "verdicts": verdicts[name]}
            for name, report in reports.items()}


def earlier_verdicts(text: str, questions: Mapping[str, Sequence[str]]) -> dict[str, list[str]]:
    """The verdicts of a saved run (`run_of` as JSON), if it ran exactly these sets' questions, in order: checked
    against the sets alone, so a wrong run is refused before any matching or fitting."""
    try:
        earlier = json.loads(text)
        same = earlier.keys() == questions.keys() and all(
            earlier[name]["questions"] == list(asked) and len(earlier[name]["verdicts"]) == len(asked)
            and set(earlier[name]["verdicts"]) <= set(VERDICTS) for name, asked in questions.items())
    except (ValueError, TypeError, KeyError, AttributeError):
        same = False
    if not same:
        raise EvalSetError("not a run of the same sets and questions")
    return {name: list(earlier[name]["verdicts"]) for name in questions}


def format_change(before: Mapping[str, Sequence[str]], after: Mapping[str, Sequence[str]]) -> str:
    """How far handled and wrong moved between two runs of the same questions, paired, with their intervals."""
    return "\n".join(f"change in {verdict:8} {paired_change(before, after, verdict=verdict).describe(change=True)}"
                     for verdict in ("handled", "wrong"))
