"""How likely a decision's entries answer the question: a small logistic model over general signals of the match.

The rules before it decide from one signal at a time (a score, a lacking word); the model weighs them together,
so a clarify whose options all miss what was asked goes to a person, and an escalation whose best entries cover
the question is offered. It is fitted on the seen labelled sets (`tools/train_confidence.py`); its weights are
data, shipped in `data/confidence.yaml`, and hold no word of any question.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

import numpy as np
import yaml

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
RIDGE = 1.0       # L2 penalty on the standardised weights: many signals, a few thousand questions
STEPS = 3000      # gradient steps of the fit, from zero: deterministic, so a refit reproduces the shipped file
LEARNING_RATE = 0.5


class ConfidenceError(Exception):
    """A model file that cannot be read; names what is wrong."""


@dataclass(frozen=True)
class Model:
    """One stage's logistic model on standardised signals."""

    centre: tuple[float, ...]
    scale: tuple[float, ...]
    weights: tuple[float, ...]
    bias: float
    _folded: tuple[np.ndarray, float] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        """The weights folded onto the raw signals once: w·(x − c)/s = (w/s)·x − (w/s)·c."""
        scaled = np.asarray(self.weights) / np.asarray(self.scale)
        object.__setattr__(self, "_folded", (scaled, self.bias - float(scaled @ np.asarray(self.centre))))

    def probability(self, signals: np.ndarray) -> float:
        scaled, offset = self._folded
        return 1.0 / (1.0 + math.exp(-(float(signals @ scaled) + offset)))


@dataclass(frozen=True, slots=True)
class Confidence:
    """The models by stage; a stage without a model is left as the rules decided."""

    models: Mapping[str, Model]

    def of(self, stage: str, signals: np.ndarray) -> float | None:
        model = self.models.get(stage)
        return None if model is None else model.probability(signals)

    def close_to(self, other: Confidence, *, tolerance: float = 1e-3) -> bool:
        """Whether both have the same stages with the same numbers, but for floating-point noise (a refit on
        another machine's BLAS)."""
        def numbers(model: Model) -> np.ndarray:
            return np.array([*model.centre, *model.scale, *model.weights, model.bias])
        return self.models.keys() == other.models.keys() and all(
            np.allclose(numbers(m), numbers(other.models[stage]), rtol=0.0, atol=tolerance)
            for stage, m in self.models.items())

    def to_mapping(self) -> dict[str, Any]:
        """The YAML shape: the signal names once, then per stage its centre, scale, weights and bias."""
        def rounded(values: Sequence[float]) -> list[float]:
            return [round(float(v), 5) for v in values]
        return {"signals": list(SIGNALS), "models": {
            stage: {"centre": rounded(m.centre), "scale": rounded(m.scale), "weights": rounded(m.weights),
                    "bias": round(float(m.bias), 5)} for stage, m in self.models.items()}}


def confidence_from_mapping(raw: Mapping[str, Any]) -> Confidence:
    """A model from its YAML shape; its signals must be exactly the ones this code computes, in order."""
    if list(raw.get("signals", [])) != list(SIGNALS):
        raise ConfidenceError("the model's signals differ from the ones computed: refit it (tools/train_confidence.py)")
    models = {}
    for stage, m in dict(raw.get("models", {})).items():
        if stage not in STAGES:
            raise ConfidenceError(f"unknown stage {stage!r} (known: {', '.join(STAGES)})")
        try:
            parts = [tuple(float(v) for v in m[key]) for key in ("centre", "scale", "weights")]
            bias = float(m["bias"])
        except (KeyError, TypeError, ValueError) as error:
            raise ConfidenceError(f"stage {stage!r}: needs numbers for centre, scale, weights and bias ({error})") from None
        if any(len(p) != len(SIGNALS) for p in parts) or min(parts[1]) <= 0:
            raise ConfidenceError(f"stage {stage!r}: centre, scale and weights need {len(SIGNALS)} values, scales > 0")
        models[stage] = Model(parts[0], parts[1], parts[2], bias)
    return Confidence(models)


def load_confidence() -> Confidence:
    """The model shipped with the code (bot/matching/data/confidence.yaml)."""
    text = resources.files("bot.matching").joinpath("data/confidence.yaml").read_text(encoding="utf-8")
    return confidence_from_mapping(yaml.safe_load(text))


def signals(coverage: Coverage, query: Query, ranked: Sequence[Match], *, shown: int) -> np.ndarray:
    """The signals of a question and its best matches (`ranked` not empty; `shown`: how many the rules showed)."""
    index = coverage.index
    best3 = [index.positions[m.entry.id] for m in ranked[:3]]
    best, first = best3[0], ranked[0].score
    second = ranked[1].score if len(ranked) > 1 else 0.0
    (covered, missing, said), (covered_asked, missing_asked, _) = _covered(index, query, best)
    kind = ranked[0].entry.kind
    length = len(query.question.split())
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


def fit(features: np.ndarray, answered: np.ndarray) -> Model:
    """A ridge-penalised logistic regression by plain gradient descent (deterministic, no extra dependency)."""
    centre = features.mean(axis=0)
    scale = features.std(axis=0)
    scale[scale < 1e-9] = 1.0
    z = np.hstack([(features - centre) / scale, np.ones((len(features), 1))])
    w = np.zeros(z.shape[1])
    for _ in range(STEPS):
        p = 1.0 / (1.0 + np.exp(-(z @ w)))
        gradient = z.T @ (p - answered) / len(answered) + RIDGE * np.r_[w[:-1], 0.0] / len(answered)
        w -= LEARNING_RATE * gradient
    return Model(tuple(centre), tuple(scale), tuple(w[:-1]), float(w[-1]))
