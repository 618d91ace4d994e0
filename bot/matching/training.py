"""Fitting the confidence model on labelled sets: what the rules decided at each question, and whether it was right.

The fit needs scikit-learn (the `dev` extra), imported only here: the bot reads the fitted trees with numpy alone.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from bot.matching.confidence import LEAF, STAGES, Confidence, Model, Tree, signals
from bot.matching.evaluation import Labelled, Report, evaluate
from bot.matching.matcher import Matcher

# The labelled sets the model is fitted on (tests/data/eval): only sets the README marks seen, so an unseen set
# stays a clean generalisation figure.
FITTED = ("dev", "independent", "paraphrases", "blind", "detail_dev", "faq_real", "faq_real_2", "chat_fresh",
          "chat_fresh_2", *(f"{kind}_fresh_{n}" for n in range(3, 31) for kind in ("faq", "chat")),
          *(f"train_{part}" for part in "abcd"))
TREES = 300          # boosting rounds: held out, 300 at rate 0.05 beat 150 at 0.1 by 0.4 points handled (round 13)
RATE = 0.05          # each tree's share of the log-odds it fits
LEAVES = 15          # leaves a tree may have
LEAF_MIN = 30        # questions a leaf must hold: a few thousand questions, three stages


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


def fit(features: np.ndarray, right: np.ndarray) -> Model:
    """Gradient-boosted trees on the signals (scikit-learn's, deterministic: no subsampling, a fixed seed for
    ties), read out into the model's own trees with the rate folded into the leaves."""
    from sklearn.ensemble import GradientBoostingClassifier  # a fitting-time dependency only

    booster = GradientBoostingClassifier(n_estimators=TREES, learning_rate=RATE, max_leaf_nodes=LEAVES,
                                         min_samples_leaf=LEAF_MIN, init="zero", random_state=0)
    booster.fit(features, right.astype(int))
    trees = []
    for (regressor,) in booster.estimators_:
        nodes = regressor.tree_
        leaf = nodes.children_left < 0  # scikit-learn marks a leaf's children -1; ours keep 0 and feature LEAF
        trees.append(Tree(feature=tuple(int(v) for v in np.where(leaf, LEAF, nodes.feature)),
                          threshold=tuple(float(v) for v in np.where(leaf, 0.0, nodes.threshold)),
                          left=tuple(int(v) for v in np.where(leaf, 0, nodes.children_left)),
                          right=tuple(int(v) for v in np.where(leaf, 0, nodes.children_right)),
                          value=tuple(float(v) for v in np.where(leaf, RATE * nodes.value[:, 0, 0], 0.0))))
    return Model(0.0, tuple(trees))


def fitted_without(found: Sequence[Example], group: str) -> Confidence:
    """The model fitted on every set but `group`: how it would judge that set's questions had it never seen them."""
    return train([e for e in found if e.group != group])


def held_out(matcher: Matcher, sets: Mapping[str, Sequence[Labelled]], found: Sequence[Example],
             ) -> dict[str, Report]:
    """Each set scored by a model fitted on all the other sets: what the model adds on questions it never saw."""
    return cross_fitted(matcher, sets, found, groups=list(sets), folds=len(sets))


def cross_fitted(matcher: Matcher, sets: Mapping[str, Sequence[Labelled]], found: Sequence[Example], *,
                 groups: Sequence[str], folds: int) -> dict[str, Report]:
    """`groups` dealt into `folds` folds (every folds-th one), each fold's sets scored by a model fitted on every
    set but that fold's: how a change does on sets like the ones it learns from, none judged by a model that saw it."""
    reports = {}
    for start in range(folds):
        fold = groups[start::folds]
        model = train([e for e in found if e.group not in fold])
        judged = Matcher(matcher.index, matcher.settings, confidence=model)
        reports.update({group: evaluate(judged, sets[group]) for group in fold})
    return {group: reports[group] for group in groups}
