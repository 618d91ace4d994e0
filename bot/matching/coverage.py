"""What an entry's card says of a question: its telling words, details and years, beyond the score."""

from __future__ import annotations

import bisect
import itertools
from collections.abc import Iterable, Sequence

from bot.matching.index import Index, entry_fields, split_compound
from bot.matching.query import YEAR_DIGITS, Query
from bot.matching.text import CONCEPT_PREFIX, COUNT, SENTENCE_END, words

NAME_IDF = 0.7     # a title word in a handful of entries names one (0.7 of the rarest word's idf)...
LACKING_IDF = 0.4  # ...and a word at least this telling that the named entry never uses is what it lacks
HEAD_STEM = 5      # a stem this long heads the base's compounds it starts ('skatt' in 'skattefritt')...
HEADED_MAX = 40    # ...of which this many are looked at


class Coverage:
    """Reads the cards of one index for what they state; the sorted words and the present year once, when needed."""

    def __init__(self, index: Index) -> None:
        self.index = index
        self._present_year: str | None = None
        self._vocabulary: list[str] | None = None
        self._counts: dict[int, tuple[frozenset[str], ...]] = {}  # per card: the words of its sentences with a number

    def states_details(self, query: Query, position: int) -> bool:
        """Whether the card states a detail the question asks: a detail's words, or for "how many X" a number of
        X in one of its sentences."""
        named = query.details - {COUNT}
        return (bool(named) and self.index.mentions(position, named)) or (
            COUNT in query.details and self._counts_of(position, query.counted))

    def _counts_of(self, position: int, counted: str) -> bool:
        """Whether one sentence of the card holds a number and the counted word: its stems, or a word it ends in
        ('möten' in 'tiominutersmöten')."""
        analyzer = self.index.analyzer
        forms, folded = set(analyzer.stems(counted)), analyzer.fold(counted)
        return any(not forms.isdisjoint(sentence) or any(len(stem) >= HEAD_STEM and folded.endswith(stem)
                                                          for stem in sentence) for sentence in self._numbered(position))

    def _numbered(self, position: int) -> tuple[frozenset[str], ...]:
        """The stems of the card's sentences that hold a number (digits other than a year, or a number word); read
        once per card, when first asked."""
        if (found := self._counts.get(position)) is None:
            analyzer, numerals = self.index.analyzer, self.index.lexicon.numerals
            fields = entry_fields(self.index.entries[position])
            sentences = [words(part) for texts in fields.values() for text in texts for part in SENTENCE_END.split(text)]
            found = self._counts[position] = tuple(
                frozenset(stem for token in tokens for stem in analyzer.stems(token)) for tokens in sentences
                if any((token.isdigit() and len(token) != YEAR_DIGITS) or analyzer.fold(token) in numerals
                       for token in tokens))
        return found

    def misses_year(self, query: Query, position: int) -> bool:
        """Whether the question asks of a past year ('who got it in 2025?') that the card never names."""
        return any(year < self._present() and not self.index.mentions(position, (year,)) for year in query.years)

    def names_but_lacks(self, query: Query, position: int) -> bool:
        """Whether the question names the entry by a telling word of its title, yet says more than the entry."""
        index = self.index
        named = any(t in index.names[position] and index.idf[t] >= NAME_IDF * index.max_idf
                    for terms, _ in content(query) for t in terms)
        return named and self.lacking(query, (position,), within=query.asked)

    def lacking(self, query: Query, positions: Sequence[int], *, within: frozenset[str] | None = None) -> bool:
        """Whether the question holds a telling word (among `within`, if given) that none of the entries uses
        (their names they always use). A compound counts whole, or by all its parts: 'bidrag' alone does not
        speak of 'startbidrag'."""
        index = self.index

        def said(terms: Iterable[str]) -> bool:
            return any(index.mentions(p, terms) for p in positions)

        for slot in query.slots:
            if not slot.word or slot.place or slot.off_topic or slot.weight < LACKING_IDF * index.max_idf:
                continue
            if within is not None and slot.word not in within:
                continue
            terms = [term for term, _ in slot.variants]
            stems = set(index.analyzer.stems(slot.word))
            own = [t for t in terms if t in stems or t.startswith(CONCEPT_PREFIX)]
            if said(own if any(t in stems for t in own) else terms):
                continue
            parts = split_compound(slot.word, index.known_words, index.analyzer)
            if parts and all(said(index.analyzer.stems(part)) for part in parts):
                continue
            if not said(self._headed(stems)):
                return True
        return False

    def knows_key_word(self, query: Query, positions: Sequence[int]) -> bool:
        """Whether any candidate holds the question's most telling word (its heaviest slot)."""
        slots = [slot for slot in query.slots if not slot.off_topic]
        if not slots:
            return True
        key = max(slots, key=lambda slot: slot.weight)
        terms = [term for term, _ in key.variants]
        return any(self.index.mentions(p, terms) for p in positions)

    def _present(self) -> str:
        """The year most entries speak of, the base's present: a year before it asks about the past."""
        if self._present_year is None:
            postings = self.index.postings
            years = [t for t in postings if len(t) == YEAR_DIGITS and t.isdigit()]
            self._present_year = max(years, key=lambda t: (len(postings[t].docs), t), default="0000")
        return self._present_year

    def _headed(self, stems: Iterable[str]) -> list[str]:
        """The base's words that start with one of these stems: 'skatta' is said by a card's 'skattefritt'."""
        if self._vocabulary is None:
            self._vocabulary = sorted(t for t in self.index.postings if not t.startswith(CONCEPT_PREFIX))
        vocabulary = self._vocabulary
        found: list[str] = []
        for stem in stems:
            if len(stem) < HEAD_STEM:
                continue
            start = bisect.bisect_left(vocabulary, stem)
            for term in itertools.islice(vocabulary, start, start + HEADED_MAX):
                if not term.startswith(stem):
                    break
                found.append(term)
        return found


def content(query: Query) -> list[tuple[list[str], float]]:
    """The question's content words (no place, nothing off topic), each as its variant terms and its weight."""
    return [([term for term, _ in slot.variants], slot.weight) for slot in query.slots
            if slot.word and not slot.place and not slot.off_topic]
