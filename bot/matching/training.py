"""Fitting the confidence model on labelled sets: what the rules decided at each question, and whether it was right."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from bot.matching.confidence import STAGES, Confidence, fit, signals
from bot.matching.evaluation import Labelled, Report, evaluate
from bot.matching.matcher import Matcher


@dataclass(frozen=True, slots=True)
class Example:
    """One labelled question as the model sees it."""

    group: str        # the set it comes from: held-out figures leave one set out at a time
    stage: str        # what the rules decided
    signals: np.ndarray
    right: bool       # whether that decision's entries hold a right one


def examples(matcher: Matcher, sets: Mapping[str, Sequence[Labelled]]) -> list[Example]:
    """Every question with a candidate, with the rules' decision and whether its entries were right: the answer
    itself, one of the options, or (for an escalation) one of the three best, which would have been offered."""
    found = []
    for group, items in sets.items():
        for item in items:
            query = matcher.query(item.question)
            ranked = matcher.rank(query)
            if not ranked:
                continue
            ruled = matcher.by_rules(query, ranked)
            shown = {"answer": ranked[:1], "clarify": ruled.matches, "escalate": ranked[:3]}[ruled.decision.value]
            found.append(Example(group, ruled.decision.value,
                                 signals(matcher.coverage, query, ranked, shown=len(ruled.matches)),
                                 any(m.entry.id in item.expect for m in shown)))
    return found


def train(found: Sequence[Example]) -> Confidence:
    """One model per stage, fitted on that stage's examples."""
    models = {}
    for stage in STAGES:
        chosen = [e for e in found if e.stage == stage]
        if chosen:
            models[stage] = fit(np.array([e.signals for e in chosen]), np.array([float(e.right) for e in chosen]))
    return Confidence(models)


def held_out(matcher: Matcher, sets: Mapping[str, Sequence[Labelled]], found: Sequence[Example],
             ) -> dict[str, Report]:
    """Each set scored by a model fitted on all the other sets: what the model adds on questions it never saw."""
    reports = {}
    for group, items in sets.items():
        confidence = train([e for e in found if e.group != group])
        reports[group] = evaluate(Matcher(matcher.index, matcher.settings, confidence=confidence), items)
    return reports
