"""Matching: a question and an index in, ranked matches and a decision (answer, clarify, escalate) out."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import Enum

import numpy as np
from rapidfuzz import fuzz, process

from bot.analysis import fold, stems, words
from bot.config import MatchingSettings
from bot.index import CONCEPT_FACTOR, PART_FACTOR, Index, split_compound
from bot.knowledge import Entry
from bot.places import Fit, Place

CANDIDATES = 30
TYPO_CUTOFF = 82.0
OOV_IDF_SHARE = 0.5  # an unknown word counts half as much as the rarest known one


class Decision(str, Enum):
    ANSWER = "answer"
    CLARIFY = "clarify"
    ESCALATE = "escalate"


@dataclass(frozen=True, slots=True)
class Match:
    entry: Entry
    score: float


@dataclass(frozen=True, slots=True)
class Profile:
    """What a user told us about themselves; it only re-orders near-equal matches."""

    region: str | None = None
    art_form: str | None = None


@dataclass(frozen=True, slots=True)
class Result:
    question: str
    decision: Decision
    matches: tuple[Match, ...]   # the answer first; on clarify, the options; on escalate, the best tries
    places: tuple[Place, ...] = field(default=())

    @property
    def best(self) -> Match | None:
        return self.matches[0] if self.matches else None


@dataclass(frozen=True, slots=True)
class Slot:
    """One thing the question says: a word (with its stems, corrections, parts) or a concept."""

    variants: tuple[tuple[str, float], ...]  # term, factor
    idf: float


class Matcher:
    """Ranks entries for a question and decides whether it is sure; pure and reusable."""

    def __init__(self, index: Index, settings: MatchingSettings | None = None) -> None:
        self.index = index
        self.settings = settings or MatchingSettings()

    def match(self, question: str, *, profile: Profile | None = None) -> Result:
        places = self.index.gazetteer.find(question)
        slots = self.analyse(question)
        total = sum(s.idf for s in slots)
        if not slots or total <= 0 or not len(self.index):
            return Result(question, Decision.ESCALATE, (), places)
        scores = np.zeros(len(self.index), dtype=np.float32)
        for slot in slots:
            best = np.zeros(len(self.index), dtype=np.float32)
            for term, factor in slot.variants:
                postings = self.index.postings[term]
                gain = postings.weights * (factor * self.index.idf[term])
                np.maximum.at(best, postings.docs, gain)
            scores += best
        scores /= total
        top = _top(scores, CANDIDATES)
        ranked = sorted((self._adjust(int(i), float(scores[i]), places, profile) for i in top),
                        key=lambda m: -m.score)
        return self._decide(question, ranked, places)

    def analyse(self, question: str) -> list[Slot]:
        """Turn a question into weighted slots; each word and each concept counts once."""
        index, lexicon = self.index, self.index.lexicon
        tokens = words(question)
        slots: dict[object, Slot] = {}
        concepts = set(lexicon.phrase_concepts(tokens))
        for token in tokens:
            concepts |= lexicon.concepts_of(token)
            if lexicon.is_stopword(token) or len(token) < 2 or token.isdigit():
                continue
            variants = self._variants(token)
            if variants:
                slots[frozenset(t for t, _ in variants)] = Slot(
                    tuple(variants), max(index.idf[t] for t, _ in variants))
            else:
                slots[token] = Slot((), index.max_idf * OOV_IDF_SHARE)
        for concept in concepts:
            if concept in index.idf:
                slots[concept] = Slot(((concept, 1.0),), index.idf[concept] * CONCEPT_FACTOR)
        return list(slots.values())

    def _variants(self, token: str) -> list[tuple[str, float]]:
        index = self.index
        found = [(t, 1.0) for t in stems(token) if t in index.postings]
        if found:
            return found
        if len(token) >= 5:
            fixed = _correct(token, index.surface)
            if fixed:
                return [(t, 0.9) for t in stems(fixed) if t in index.postings]
        parts = split_compound(token, index.known_words)
        return [(t, PART_FACTOR) for part in parts for t in stems(part) if t in index.postings]

    def _adjust(self, position: int, score: float, places: Sequence[Place], profile: Profile | None) -> Match:
        settings = self.settings
        fit = self.index.gazetteer.fit(self.index.coverage[position], places)
        if fit is Fit.ELSEWHERE:
            score *= 1.0 - settings.place_penalty
        elif fit is Fit.LOCAL:
            score += settings.place_boost
        entry = self.index.entries[position]
        if profile is not None:
            if profile.region and any(profile.region.lower() == r.lower() for r in entry.regions):
                score += settings.profile_boost
            if profile.art_form and profile.art_form in entry.art_forms:
                score += settings.profile_boost
        return Match(entry, min(score, 1.0))

    def _decide(self, question: str, ranked: list[Match], places: tuple[Place, ...]) -> Result:
        s = self.settings
        if not ranked or ranked[0].score < s.clarify_min:
            return Result(question, Decision.ESCALATE, tuple(ranked[:3]), places)
        first = ranked[0].score
        second = ranked[1].score if len(ranked) > 1 else 0.0
        if first >= s.answer_min and first - second >= s.answer_margin:
            return Result(question, Decision.ANSWER, (ranked[0],), places)
        options = tuple(m for m in ranked[:s.max_options] if m.score >= max(s.clarify_min, first - s.clarify_window))
        if len(options) == 1:
            decision = Decision.ANSWER if first >= s.answer_min else Decision.CLARIFY
            return Result(question, decision, options, places)
        return Result(question, Decision.CLARIFY, options, places)


def _top(scores: np.ndarray, k: int) -> np.ndarray:
    if len(scores) <= k:
        return np.arange(len(scores))
    return np.argpartition(scores, -k)[-k:]


def _correct(token: str, surface: dict[int, dict[str, str]]) -> str | None:
    """The known word a typo most likely meant, among words of about the same length."""
    folded = fold(token)
    best: tuple[float, str] | None = None
    for n in range(len(folded) - 1, len(folded) + 2):
        hit = process.extractOne(folded, surface.get(n, {}), scorer=fuzz.ratio, score_cutoff=TYPO_CUTOFF)
        if hit and (best is None or hit[1] > best[0]):
            best = (hit[1], hit[2])
    return best[1] if best else None
