"""Matching: a question and an index in, ranked matches and a decision (answer, clarify, escalate) out."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np

from bot.config import MatchingSettings
from bot.knowledge.entries import Kind
from bot.matching.confidence import Confidence, bare_topic, load_confidence, signals
from bot.matching.coverage import Coverage
from bot.matching.decisions import Decision, Match, Profile, Result
from bot.matching.index import Index
from bot.matching.places import Fit, Gazetteer, Place
from bot.matching.query import Query, analyse_query

CANDIDATES = 30
STRONG_SHARE = 0.5  # the k best lie among the scores this close to the best, when k of them do
LOCAL_CANDIDATES = 10  # ...and the best this many of the entries for a place the question names
LENGTH_GAMMA = 0.5   # scores are normalised by the square root of the question's weight...
TYPICAL_WORDS = 2.7  # ...around a typical question's (in rarest-word units), so long chat is not drowned
PROFILE_FIT = {Fit.LOCAL: 1.0, Fit.REGIONAL: 0.75, Fit.COVERED: 0.25}
OFF_TOPIC_FACTOR = 0.5  # an off-topic subject halves every score: only a strong match still answers
TERMS_KINDS = frozenset({Kind.FUNDING, Kind.EVENT, Kind.COURSE})  # entries whose card holds terms a question asks
KEY_WORD_OPTIONS = 3    # an unsure match is offered only if one of the best three knows the question's key word


@dataclass(frozen=True, slots=True)
class _Places:
    """A question's places (and the user's home), read once for all the candidates ranked against them."""

    named: tuple[Place, ...]
    local: bool
    home: tuple[Place, ...]

    @classmethod
    def read(cls, index: Index, query: Query, profile: Profile | None) -> _Places:
        home = index.gazetteer.lookup(profile.region) if profile is not None and profile.region else None
        return cls(Gazetteer.specific(query.places), any(p.local for p in query.places),
                   Gazetteer.specific((home,)) if home is not None else ())


class Matcher:
    """Ranks entries for a question and decides whether it is sure; pure and reusable."""

    def __init__(self, index: Index, settings: MatchingSettings | None = None, *,
                 confidence: Confidence | None = None) -> None:
        self.index = index
        self.settings = settings or MatchingSettings()
        self.confidence = load_confidence() if confidence is None else confidence
        self.typical_weight = TYPICAL_WORDS * index.max_idf  # idf grows with the base; scores should not
        self.coverage = Coverage(index)
        self._kinds: np.ndarray | None = None  # each entry's kind, for adjusting many candidates at once
        self._by_area: dict[str, np.ndarray] | None = None  # entries by the areas they cover, when a place is named

    def match(self, question: str, *, profile: Profile | None = None) -> Result:
        query = self.query(question)
        ranked = self.rank(query, profile=profile)
        judged = ranked if profile is None else self.rank(query)  # the model's signals: the question alone
        return replace(self.second_look(query, ranked, self.by_rules(query, ranked), judged=judged),
                       off_topic=query.off_topic)

    def query(self, question: str) -> Query:
        return analyse_query(self.index, question)

    def rank(self, query: Query | str, *, profile: Profile | None = None) -> list[Match]:
        """The best candidates, best first, with place, intent and profile adjustments applied."""
        if isinstance(query, str):
            query = self.query(query)
        total = sum(slot.weight for slot in query.slots)
        if total <= 0 or not len(self.index):
            return []
        scores = np.zeros(len(self.index), dtype=np.float32)
        for slot in query.slots:
            if len(slot.variants) == 1:
                (term, gain), = slot.variants
                postings = self.index.postings[term]
                scores[postings.docs] += postings.weights * gain  # a term's postings name each entry once
                continue
            best = np.zeros(len(self.index), dtype=np.float32)
            for term, gain in slot.variants:
                postings = self.index.postings[term]
                best[postings.docs] = np.maximum(best[postings.docs], postings.weights * gain)
            scores += best
        scores /= total ** LENGTH_GAMMA * self.typical_weight ** (1 - LENGTH_GAMMA)
        if query.off_topic:
            scores *= OFF_TOPIC_FACTOR
        places = _Places.read(self.index, query, profile)
        top = self._near(scores, places.named)
        if profile is None and not query.places:
            return self._by_kind(top, scores, query)
        positions = self.index.positions
        return sorted((self._adjust(int(i), float(scores[i]), query, profile, places) for i in top),
                      key=lambda m: (-m.score, positions[m.entry.id]))  # ties: the base's own order

    def _by_kind(self, top: np.ndarray, scores: np.ndarray, query: Query) -> list[Match]:
        """`_adjust` for a question with no place and no profile, where only the kind asked counts: at once."""
        adjusted = scores[top].astype(np.float64)
        if query.intents or query.explain:
            if self._kinds is None:
                self._kinds = np.array([entry.kind.value for entry in self.index.entries])
            kinds = self._kinds[top]
            adjusted += self.settings.intent_boost * np.isin(kinds, list(query.intents))
            if query.explain:
                adjusted -= self.settings.intent_boost * (kinds == Kind.EVENT.value)
        np.minimum(adjusted, 1.0, out=adjusted)
        entries = self.index.entries
        return [Match(entries[top[i]], float(adjusted[i])) for i in np.lexsort((top, -adjusted))]

    def _near(self, scores: np.ndarray, named: Sequence[Place]) -> np.ndarray:
        """The candidates: the best scores, and the best of the entries for a named place (or its region), which
        a national base's look-alikes elsewhere would crowd out; the place fit then ranks them."""
        top = _top(scores, CANDIDATES)
        if not named:
            return top
        if self._by_area is None:
            areas: dict[str, list[int]] = {}
            for position, coverage in enumerate(self.index.coverage):
                for area in coverage:
                    areas.setdefault(area.name, []).append(position)
            self._by_area = {name: np.array(found, dtype=np.int64) for name, found in areas.items()}
        near = [self._by_area[name] for place in named for name in place.chain
                if name in self._by_area and self.index.gazetteer.places[name].local]
        if not near:
            return top
        local = np.zeros_like(scores)
        at = np.concatenate(near)
        local[at] = scores[at]
        return np.union1d(top, _top(local, LOCAL_CANDIDATES))

    def _adjust(self, position: int, score: float, query: Query, profile: Profile | None, places: _Places) -> Match:
        settings = self.settings
        entry = self.index.entries[position]
        coverage = self.index.coverage[position]
        if entry.kind in query.intents:
            score += settings.intent_boost
        if query.explain and entry.kind is Kind.EVENT:
            score -= settings.intent_boost  # one breakfast is not what "a culture breakfast" is
        fit = Gazetteer.fit_specific(coverage, places.named)
        if query.municipal and fit is not Fit.LOCAL and places.local:
            fit = Fit.ELSEWHERE  # "the municipality of X" is answered only by entries for X
        elif query.regional and fit is Fit.COVERED and places.local:
            fit = Fit.ELSEWHERE  # "region X's grants" are not a national fund's
        if fit is Fit.ELSEWHERE:
            score *= 1.0 - settings.place_penalty
        elif fit is Fit.LOCAL:
            score += settings.place_boost
        elif fit is Fit.REGIONAL:
            score += settings.place_boost / 2
        if profile is not None:
            if places.home:
                near = Gazetteer.fit_specific(coverage, places.home)
                score += settings.profile_boost * PROFILE_FIT.get(near, 0.0)
            if profile.art_form and profile.art_form in entry.art_forms:
                score += settings.profile_boost
        return Match(entry, min(score, 1.0))

    def second_look(self, query: Query, ranked: list[Match], ruled: Result, *,
                    judged: Sequence[Match] | None = None) -> Result:
        """The confidence model's view of what the rules decided: an answer it doubts is offered (or, doubted
        more, handed to a person); options it doubts go to a person; an escalation whose best entries it trusts
        is offered as options. A person's turn keeps the entries tried: the reply shows the closest meanwhile,
        as "not sure", not as "the detail is missing" (`related`, which only the rules can tell). The signals are
        read from `judged` when given: the ranking without a profile's boosts, as the model was fitted on (a profile
        re-orders near-equal matches; it does not make the question clearer)."""
        if not ranked:
            return ruled
        p = self.confidence.of(ruled.decision.value, signals(
            self.coverage, query, judged or ranked, shown=len(ruled.matches)))
        if p is None:
            return ruled
        s = self.settings
        if ruled.decision is Decision.ANSWER and p < s.answer_sure:
            if p >= s.answer_offer:
                return Result(query.question, Decision.CLARIFY, (ranked[0],), query.places)
            return Result(query.question, Decision.ESCALATE, tuple(ranked[:3]), query.places)
        if ruled.decision is Decision.CLARIFY and p < s.options_keep and not bare_topic(query):
            return Result(query.question, Decision.ESCALATE, ruled.matches, query.places)
        if ruled.decision is Decision.ESCALATE and p > s.escalation_offer:
            return Result(query.question, Decision.CLARIFY, tuple(ranked[:3]), query.places)
        return ruled

    def by_rules(self, query: Query, ranked: list[Match]) -> Result:
        """The decision of the rules alone, one signal at a time (what the confidence model then weighs)."""
        s = self.settings

        def result(decision: Decision, matches: Sequence[Match]) -> Result:
            return Result(query.question, decision, tuple(matches), query.places)

        if not ranked or ranked[0].score < s.clarify_min:
            return result(Decision.ESCALATE, ranked[:3])
        if query.other_body:
            return result(Decision.ESCALATE, ranked[:3])  # another funder: a person knows it, our cards do not
        meanwhile = Result(query.question, Decision.ESCALATE, tuple(ranked[:3]), query.places, related=ranked[0])
        asks_the_person = ranked[0].entry.kind is Kind.CONTACT and "contact" in query.intents
        best = self.index.positions[ranked[0].entry.id]
        first = ranked[0].score
        if query.details and not asks_the_person and not self.coverage.states_details(query, best):
            return meanwhile  # the base knows the topic, not the detail asked: a person answers, the entry may help
        if self.coverage.misses_year(query, best):
            return meanwhile  # a past edition, its winners or its rules: the card speaks of its own year only
        if query.closed and self.coverage.names_but_lacks(query, best):
            return meanwhile  # "can students apply to X?": X is named, but its card never speaks of students
        if query.closed and first < s.sure_closed and self.coverage.lacking(query, (best,), within=query.asked):
            return meanwhile  # "is lesson fee refunded if I stop halfway?": the fee's card, silent on stopping
        second = ranked[1].score if len(ranked) > 1 else 0.0
        if first < s.answer_min and not self.coverage.knows_key_word(query, self._positions(ranked[:KEY_WORD_OPTIONS])):
            return result(Decision.ESCALATE, ranked[:3])  # the options would be guesses: a person answers
        options = [m for m in ranked[:s.max_options] if m.score >= max(s.clarify_min, first - s.clarify_window)]
        # Asked for a person (or a course...) but the best match is something else: offer both.
        asked_for_other = query.intents and ranked[0].entry.kind not in query.intents and any(
            m.entry.kind in query.intents for m in options)
        leads = first - second >= s.answer_margin * first and not asked_for_other
        if first >= s.answer_min and (leads or len(options) == 1):  # clear ahead, or the only option near
            if self._half_said(query, ranked[0], best):
                return meanwhile
            if self._unsure(query, first, best):
                return result(Decision.CLARIFY, options)  # offered, not asserted: the person sees if it fits
            return result(Decision.ANSWER, ranked[:1])
        if (query.closed or len(options) == 1) and self.coverage.lacking(query, self._positions(options)):
            # "can we ...?", or one weak option, with a telling word no option uses: they answer another question
            return Result(query.question, Decision.ESCALATE, tuple(options), query.places, related=ranked[0])
        return result(Decision.CLARIFY, options)

    def _half_said(self, query: Query, best: Match, position: int) -> bool:
        """Whether an open question's modest best match, a fund, event or course, never uses a telling word of
        the asking sentence ("how many lessons a year?" of the lesson fund): then it answers another question.
        A person asking for someone, and the very place's own entry, are exempt: contacts and local cards are
        the answer without repeating every word."""
        if query.closed or best.score >= self.settings.sure_open or "contact" in query.intents:
            return False
        if best.entry.kind not in TERMS_KINDS or Gazetteer.fit_specific(
                self.index.coverage[position], Gazetteer.specific(query.places)) is Fit.LOCAL:
            return False
        return self.coverage.lacking(query, (position,), within=query.asked)

    def _unsure(self, query: Query, first: float, position: int) -> bool:
        """Whether the entry lacks a telling word asked by a yes/no question (a rule it may not state, however well
        it scores) or by one scoring below offer_below."""
        return (query.closed or first < self.settings.offer_below) and self.coverage.lacking(
            query, (position,), within=query.asked)

    def _positions(self, matches: Sequence[Match]) -> list[int]:
        """Where the matched entries stand in the index, as the coverage checks read them."""
        return [self.index.positions[m.entry.id] for m in matches]


def _top(scores: np.ndarray, k: int) -> np.ndarray:
    """The positions of the k best scores, among the entries that scored at all (most score nothing). When k of
    them reach half the best score, the k best are among those: only they are partitioned."""
    strong = np.flatnonzero(scores >= scores.max() * STRONG_SHARE)
    scored = strong if len(strong) >= k else np.flatnonzero(scores)
    if len(scored) <= k:
        return scored
    return scored[np.argpartition(scores[scored], -k)[-k:]]


