"""How likely a decision's entries answer the question: small boosted decision trees over general signals of the match.

The rules before it decide from one signal at a time (a score, a lacking word); the model weighs them together,
so a clarify whose options all miss what was asked goes to a person, and an escalation whose best entries cover
the question is offered. Trees, not one weighted sum: a signal counts differently beside others (a lacking word
matters in a closed question with a modest score, hardly beside a sure one). It is fitted on the seen labelled sets
(`tools/train_confidence.py`, `bot/matching/training.py`); its trees are data, shipped in `data/confidence.json`,
and hold no word of any question.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

import numpy as np

from bot.matching.coverage import Coverage
from bot.matching.decisions import Decision, Match
from bot.matching.index import Index
from bot.matching.query import Query

KINDS = ("funding", "contact", "network", "event", "course", "faq")
SIGNALS = ("score", "margin", "closed", "covered", "missing", "covered_asked", "missing_asked", "said", "lacking",
           "lacking_asked", "details", "details_stated", "kind_asked", "asks_kind", "off_topic", "explain",
           "places", "other_body", "length", "brevity", *(f"kind_{kind}" for kind in KINDS),
           "second", "third", "lacking_best3", "shown", "kinds_best3")
STAGES = tuple(decision.value for decision in Decision)  # the decision the rules took: one model each
BRIEF = 6         # words: below it a question is a bare topic ("theatre grant"), read apart from longer ones
LEAF = -1         # a node's feature when it is a leaf
NODE_FIELDS = ("feature", "threshold", "left", "right", "value")


class ConfidenceError(Exception):
    """A model file that cannot be read; names what is wrong."""


@dataclass(frozen=True, slots=True)
class Tree:
    """One regression tree, its nodes in parallel tuples: a signal's value at most `threshold` goes `left`;
    a leaf (feature LEAF) adds its `value` to the log-odds."""

    feature: tuple[int, ...]
    threshold: tuple[float, ...]
    left: tuple[int, ...]
    right: tuple[int, ...]
    value: tuple[float, ...]


@dataclass(frozen=True)
class Model:
    """One stage's trees: the log-odds that the decision's entries are right is the baseline plus a leaf of each."""

    baseline: float
    trees: tuple[Tree, ...]
    _nodes: tuple[np.ndarray, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        """All trees' nodes in flat arrays once (children as flat positions), so a question walks them together."""
        starts = np.cumsum([0, *(len(t.feature) for t in self.trees)])[:-1].astype(np.intp)
        def flat(name: str, dtype: type) -> np.ndarray:
            return np.array([v for t in self.trees for v in getattr(t, name)], dtype=dtype)
        offsets = np.repeat(starts, [len(t.feature) for t in self.trees])
        feature = flat("feature", np.intp)
        leaf = feature == LEAF
        left = np.where(leaf, 0, flat("left", np.intp) + offsets)
        right = np.where(leaf, 0, flat("right", np.intp) + offsets)
        object.__setattr__(self, "_nodes", (starts, np.where(leaf, 0, feature), leaf, flat("threshold", float),
                                            left, right, flat("value", float)))

    def probability(self, signals: np.ndarray) -> float:
        starts, feature, leaf, threshold, left, right, value = self._nodes
        at = starts
        while not (ends := leaf[at]).all():
            step = np.where(signals[feature[at]] <= threshold[at], left[at], right[at])
            at = np.where(ends, at, step)
        return 1.0 / (1.0 + math.exp(-(self.baseline + float(value[at].sum()))))


@dataclass(frozen=True, slots=True)
class Confidence:
    """The models by stage; a stage without a model is left as the rules decided."""

    models: Mapping[str, Model]

    def of(self, stage: str, signals: np.ndarray) -> float | None:
        model = self.models.get(stage)
        return None if model is None else model.probability(signals)

    def close_to(self, other: Confidence, *, tolerance: float = 1e-6) -> bool:
        """Whether both have the same stages and trees with the same numbers, but for floating-point noise (a
        refit on another machine)."""
        def same(a: Model, b: Model) -> bool:
            return len(a.trees) == len(b.trees) and math.isclose(a.baseline, b.baseline, abs_tol=tolerance) and all(
                s.feature == o.feature and s.left == o.left and s.right == o.right
                and np.allclose(s.threshold, o.threshold, rtol=0.0, atol=tolerance)
                and np.allclose(s.value, o.value, rtol=0.0, atol=tolerance) for s, o in zip(a.trees, b.trees, strict=True))
        return self.models.keys() == other.models.keys() and all(
            same(m, other.models[stage]) for stage, m in self.models.items())

    def to_mapping(self) -> dict[str, Any]:
        """The file's shape: the signal names once, then per stage its baseline and its trees' node lists."""
        return {"signals": list(SIGNALS), "models": {
            stage: {"baseline": m.baseline, "trees": [{name: list(getattr(t, name)) for name in NODE_FIELDS}
                                                      for t in m.trees]} for stage, m in self.models.items()}}


def confidence_from_mapping(raw: Mapping[str, Any]) -> Confidence:
    """A model from its file's shape; its signals must be exactly the ones this code computes, in order."""
    if list(raw.get("signals", [])) != list(SIGNALS):
        raise ConfidenceError("the model's signals differ from the ones computed: refit it (tools/train_confidence.py)")
    models = {}
    for stage, m in dict(raw.get("models", {})).items():
        if stage not in STAGES:
            raise ConfidenceError(f"unknown stage {stage!r} (known: {', '.join(STAGES)})")
        try:
            models[stage] = Model(float(m["baseline"]), tuple(_tree(t) for t in m["trees"]))
        except (KeyError, TypeError, ValueError) as error:
            raise ConfidenceError(f"stage {stage!r}: needs a baseline and trees of {', '.join(NODE_FIELDS)} ({error})",
                                  ) from None
    return Confidence(models)


def _tree(raw: Mapping[str, Any]) -> Tree:
    """One tree from its node lists, checked: equal lengths, signals that exist, children inside the tree."""
    tree = Tree(tuple(int(v) for v in raw["feature"]), tuple(float(v) for v in raw["threshold"]),
                tuple(int(v) for v in raw["left"]), tuple(int(v) for v in raw["right"]),
                tuple(float(v) for v in raw["value"]))
    size = len(tree.feature)
    if not size or any(len(getattr(tree, name)) != size for name in NODE_FIELDS):
        raise ValueError("node lists of unequal length")
    for feature, left, right in zip(tree.feature, tree.left, tree.right, strict=True):
        if feature != LEAF and not (0 <= feature < len(SIGNALS) and 0 < left < size and 0 < right < size):
            raise ValueError("a node points outside the signals or the tree")
    return tree


def load_confidence() -> Confidence:
    """The model shipped with the code (bot/matching/data/confidence.json)."""
    text = resources.files("bot.matching").joinpath("data/confidence.json").read_text(encoding="utf-8")
    return confidence_from_mapping(json.loads(text))


def words_in(query: Query) -> int:
    """The question's length in words, as the model reads it."""
    return len(query.question.split())


def bare_topic(query: Query) -> bool:
    """A few words without a sentence around them ("theatre grant"): offered options are rarely wrong there."""
    return words_in(query) < BRIEF


def signals(coverage: Coverage, query: Query, ranked: Sequence[Match], *, shown: int) -> np.ndarray:
    """The signals of a question and its best matches (`ranked` not empty; `shown`: how many the rules showed)."""
    index = coverage.index
    best3 = [index.positions[m.entry.id] for m in ranked[:3]]
    best, first = best3[0], ranked[0].score
    second = ranked[1].score if len(ranked) > 1 else 0.0
    (covered, missing, said), (covered_asked, missing_asked, _) = _covered(index, query, best)
    kind = ranked[0].entry.kind
    length = words_in(query)
    values = [first, (first - second) / first if first else 0.0, query.closed, covered, missing, covered_asked,
              missing_asked, said, coverage.lacking(query, (best,)), coverage.lacking(query, (best,), within=query.asked),
              bool(query.details), bool(query.details) and coverage.states_details(query, best), kind in query.intents,
              bool(query.intents), query.off_topic, query.explain, bool(query.places), query.other_body,
              math.log(1 + max(length, BRIEF)), max(0, BRIEF - length) / BRIEF, *(kind == k for k in KINDS),
              second, ranked[2].score if len(ranked) > 2 else 0.0, coverage.lacking(query, best3),
              shown, len({m.entry.kind for m in ranked[:3]})]
    return np.array(values, dtype=float)


def _covered(index: Index, query: Query, position: int) -> tuple[tuple[float, float, float], ...]:
    """For the whole question and for its asking sentence: the share of its content weight the card holds, its
    heaviest missing word's weight, and the content weight in all (in units of the rarest word's idf). One pass."""
    total, held, missing = [0.0, 0.0], [0.0, 0.0], [0.0, 0.0]
    for slot in query.slots:
        if not slot.word or slot.place or slot.off_topic:
            continue
        weight = slot.weight / index.max_idf
        has = index.mentions(position, [term for term, _ in slot.variants])
        for part in (0, 1) if slot.word in query.asked else (0,):
            total[part] += weight
            if has:
                held[part] += weight
            else:
                missing[part] = max(missing[part], weight)
    return tuple((held[p] / total[p] if total[p] else 1.0, missing[p], total[p]) for p in (0, 1))
