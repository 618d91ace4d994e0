"""Matching: a question and an index in, ranked matches and a decision (answer, clarify, escalate) out."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import Enum

import numpy as np
from rapidfuzz import process
from rapidfuzz.distance import OSA

from bot.analysis import OFF_TOPIC, fold, stems, words
from bot.config import MatchingSettings
from bot.index import CONCEPT_FACTOR, PART_FACTOR, Index, split_compound
from bot.knowledge import Entry
from bot.places import Fit, Place

CANDIDATES = 30
TYPO_EDITS = ((10, 2), (5, 1))  # (min length, edits allowed): short words must be nearly right
SUBSTITUTION_MIN = 8
OOV_IDF_SHARE = 0.5  # an unknown word counts half as much as the rarest known one
OOV_DECAY = 1.0      # ...and each further unknown word half as much again: chat is full of detail
LENGTH_GAMMA = 0.5   # scores are normalised by the square root of the question's weight...
TYPICAL_WORDS = 2.7  # ...around a typical question's (in rarest-word units), so long chat is not drowned
TYPO_FACTOR = 0.9
MUNICIPALITY = "@municipality"
PROFILE_FIT = {Fit.LOCAL: 1.0, Fit.REGIONAL: 0.75, Fit.COVERED: 0.25}

OFF_TOPIC_FACTOR = 0.5  # an off-topic subject halves every score: only a strong match still answers
PLACE_SHARE = 0.4    # a place name locates the question; the place fit, not the word, decides


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
class Query:
    """A question as matching sees it."""

    question: str
    slots: tuple[Slot, ...]
    places: tuple[Place, ...]
    intents: frozenset[str]  # kinds of entry the question asks for
    municipal: bool          # it asks about "the municipality"
    off_topic: bool          # it touches a subject no entry answers (weather, trains, homework...)


@dataclass(frozen=True, slots=True)
class Slot:
    """One thing the question says: a word (with its stems, corrections, parts) or a concept."""

    variants: tuple[tuple[str, float], ...]  # term, gain (its idf times how loose a match it is)
    weight: float  # the most this slot can add; the sum over slots normalises scores to 0..1
    off_topic: bool = False


class Matcher:
    """Ranks entries for a question and decides whether it is sure; pure and reusable."""

    def __init__(self, index: Index, settings: MatchingSettings | None = None) -> None:
        self.index = index
        self.settings = settings or MatchingSettings()
        self.typical_weight = TYPICAL_WORDS * index.max_idf  # idf grows with the base; scores should not

    def match(self, question: str, *, profile: Profile | None = None) -> Result:
        query = self.query(question)
        return self._decide(query, self.rank(query, profile=profile))

    def query(self, question: str) -> Query:
        """Everything matching reads from a question, worked out once."""
        slots = self.analyse(question)
        evoked = frozenset(t for slot in slots for t, _ in slot.variants)
        intents = frozenset(kind for kind, concepts in self.index.lexicon.kind_concepts.items()
                            if evoked.intersection(concepts))
        return Query(question=question, slots=tuple(slots), places=self.index.gazetteer.find(question),
                     intents=intents, municipal=MUNICIPALITY in evoked,
                     off_topic=any(slot.off_topic for slot in slots))

    def rank(self, query: Query | str, *, profile: Profile | None = None) -> list[Match]:
        """The best candidates, best first, with place, intent and profile adjustments applied."""
        if isinstance(query, str):
            query = self.query(query)
        total = _total_weight(query.slots)
        if total <= 0 or not len(self.index):
            return []
        scores = np.zeros(len(self.index), dtype=np.float32)
        for slot in query.slots:
            best = np.zeros(len(self.index), dtype=np.float32)
            for term, gain in slot.variants:
                postings = self.index.postings[term]
                np.maximum.at(best, postings.docs, postings.weights * gain)
            scores += best
        scores /= total ** LENGTH_GAMMA * self.typical_weight ** (1 - LENGTH_GAMMA)
        if query.off_topic:
            scores *= OFF_TOPIC_FACTOR
        top = _top(scores, CANDIDATES)
        return sorted((self._adjust(int(i), float(scores[i]), query, profile) for i in top),
                      key=lambda m: -m.score)

    def analyse(self, question: str) -> list[Slot]:
        """Turn a question into weighted slots: each content word once, with its stems, fixes and concepts."""
        index, lexicon = self.index, self.index.lexicon
        tokens = words(question)
        slots: dict[object, Slot] = {}
        loose: set[str] = set(lexicon.phrase_concepts(tokens))
        for phrase_concept in [c for c in loose if c.startswith(OFF_TOPIC)]:
            slots[phrase_concept] = Slot((), index.max_idf, off_topic=True)
        for token in tokens:
            concepts = [c for c in lexicon.concepts_of(token) if c in index.idf]
            if lexicon.is_stopword(token) or len(token) < 2 or (token.isdigit() and len(token) < 3):
                loose.update(concepts)
                continue
            if lexicon.off_topic(token):
                slots[token] = Slot((), index.max_idf, off_topic=True)
                continue
            share = PLACE_SHARE if index.gazetteer.lookup(token) or index.gazetteer.lookup(token[:-1]) else 1.0
            for part_share, lexical in self._variants(token):
                variants = tuple((t, index.idf[t] * f * share * part_share)
                                 for t, f in lexical + [(c, CONCEPT_FACTOR) for c in concepts])
                key = min((t for t, _ in lexical), key=len, default=token)
                if variants:
                    slots[key] = Slot(variants, max(g for _, g in variants))
                else:
                    slots[key] = Slot((), index.max_idf * OOV_IDF_SHARE)
        covered = {t for slot in slots.values() for t, _ in slot.variants}
        for concept in loose - covered:
            if concept not in index.idf:
                continue
            gain = index.idf[concept] * CONCEPT_FACTOR
            slots[concept] = Slot(((concept, gain),), gain)
        return list(slots.values())

    def _variants(self, token: str) -> list[tuple[float, list[tuple[str, float]]]]:
        """Index terms for a word: its stems, else a typo fix, else its compound parts (each a half)."""
        index = self.index
        found = [(t, 1.0) for t in stems(token) if t in index.postings]
        if found:
            return [(1.0, found)]
        if fixed := _correct(token, index.surface):
            return [(1.0, [(t, TYPO_FACTOR) for t in stems(fixed) if t in index.postings])]
        parts = split_compound(token, index.known_words)
        if not parts:
            return [(1.0, [])]
        return [(1.0 / len(parts), [(t, PART_FACTOR) for t in stems(part) if t in index.postings])
                for part in parts]

    def _adjust(self, position: int, score: float, query: Query, profile: Profile | None) -> Match:
        settings = self.settings
        if self.index.entries[position].kind in query.intents:
            score += settings.intent_boost
        fit = self.index.gazetteer.fit(self.index.coverage[position], query.places)
        if query.municipal and fit is not Fit.LOCAL and any(p.local for p in query.places):
            fit = Fit.ELSEWHERE  # "the municipality of X" is answered only by entries for X
        if fit is Fit.ELSEWHERE:
            score *= 1.0 - settings.place_penalty
        elif fit is Fit.LOCAL:
            score += settings.place_boost
        elif fit is Fit.REGIONAL:
            score += settings.place_boost / 2
        entry = self.index.entries[position]
        if profile is not None:
            home = self.index.gazetteer.lookup(profile.region) if profile.region else None
            if home is not None:
                near = self.index.gazetteer.fit(self.index.coverage[position], (home,))
                score += settings.profile_boost * PROFILE_FIT.get(near, 0.0)
            if profile.art_form and profile.art_form in entry.art_forms:
                score += settings.profile_boost
        return Match(entry, min(score, 1.0))

    def _decide(self, query: Query, ranked: list[Match]) -> Result:
        s = self.settings

        def result(decision: Decision, matches: Sequence[Match]) -> Result:
            return Result(query.question, decision, tuple(matches), query.places)

        if not ranked or ranked[0].score < s.clarify_min:
            return result(Decision.ESCALATE, ranked[:3])
        first = ranked[0].score
        second = ranked[1].score if len(ranked) > 1 else 0.0
        options = [m for m in ranked[:s.max_options] if m.score >= max(s.clarify_min, first - s.clarify_window)]
        # Asked for a person (or a course...) but the best match is something else: offer both.
        asked_for_other = query.intents and ranked[0].entry.kind not in query.intents and any(
            m.entry.kind in query.intents for m in options)
        if first >= s.answer_min and first - second >= s.answer_margin * first and not asked_for_other:
            return result(Decision.ANSWER, ranked[:1])
        if len(options) == 1:
            return result(Decision.ANSWER if first >= s.answer_min else Decision.CLARIFY, options)
        return result(Decision.CLARIFY, options)


def _total_weight(slots: Sequence[Slot]) -> float:
    """The weight a perfect entry would cover; unknown words count less the more of them there are."""
    known = sum(s.weight for s in slots if s.variants or s.off_topic)
    unknown = sorted((s.weight for s in slots if not s.variants and not s.off_topic), reverse=True)
    return known + sum(w * OOV_DECAY ** i for i, w in enumerate(unknown))


def _top(scores: np.ndarray, k: int) -> np.ndarray:
    if len(scores) <= k:
        return np.arange(len(scores))
    return np.argpartition(scores, -k)[-k:]


def _correct(token: str, surface: dict[int, dict[str, str]]) -> str | None:
    """The known word a typo most likely meant: a swap, a missing or an extra letter; longer words more."""
    folded = fold(token)
    edits = next((e for n, e in TYPO_EDITS if len(folded) >= n), 0)
    if not edits:
        return None
    best: tuple[int, str] | None = None
    for n in range(len(folded) - edits, len(folded) + edits + 1):
        for _, distance, word in process.extract(folded, surface.get(n, {}), scorer=OSA.distance,
                                                 score_cutoff=edits, limit=3):
            if len(folded) < SUBSTITUTION_MIN and n == len(folded) and sorted(surface[n][word]) != sorted(folded):
                continue  # a short word with one letter changed is more often another word than a typo
            if best is None or distance < best[0]:
                best = (int(distance), word)
    return best[1] if best else None
