"""The search index over a knowledge base: weighted terms per entry, postings and vocabulary."""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from bot.knowledge.entries import Entry, KnowledgeBase
from bot.matching.language_data import LanguageData
from bot.matching.places import Gazetteer, Place
from bot.matching.text import Analyzer, Lexicon, words

# How much a term says about an entry, by the field it stands in.
FIELD_WEIGHTS = {"title": 1.0, "keywords": 1.0, "questions": 0.8, "meta": 0.7, "body": 0.55}
AMOUNT, WHEN = "@amount", "@when"  # the concepts an entry's amount and deadline fields state
CONCEPT_FACTOR = 0.85   # a concept term is a looser match than the word itself
PART_FACTOR = 0.8       # a part of a compound word ("teater" in "teaterturné")
MIN_PART = 4


@dataclass(frozen=True, slots=True)
class Postings:
    docs: np.ndarray     # int32 entry positions, ascending
    weights: np.ndarray  # float32 field weights


@dataclass(frozen=True)
class Index:
    """Everything matching needs, built once per knowledge base."""

    entries: tuple[Entry, ...]
    postings: dict[str, Postings]
    idf: dict[str, float]
    surface: dict[int, dict[str, str]]  # folded length -> {word: folded word}, for typo correction
    known_words: frozenset[str]          # folded words and stems, for compound splitting
    coverage: tuple[tuple[Place, ...], ...]
    lexicon: Lexicon
    gazetteer: Gazetteer
    max_idf: float
    names: tuple[frozenset[str], ...] = ()  # each entry's title and organisation terms: what names it

    def __len__(self) -> int:
        return len(self.entries)

    @property
    def analyzer(self) -> Analyzer:
        """The folding and stemming the index was built with; questions must be read the same way."""
        return self.lexicon.analyzer

    @property
    def language(self) -> LanguageData:
        """The language data the index was built with, for building the next one alike."""
        return LanguageData(self.lexicon.analyzer, self.lexicon, self.gazetteer)

    @cached_property
    def positions(self) -> dict[str, int]:
        """Each entry's position in `entries` (and in postings), by id."""
        return {entry.id: position for position, entry in enumerate(self.entries)}

    def mentions(self, position: int, terms: Iterable[str]) -> bool:
        """Whether the entry at `position` holds any of the terms (a binary search: the docs are sorted)."""
        for term in terms:
            if (postings := self.postings.get(term)) is not None:
                docs = postings.docs
                at = int(np.searchsorted(docs, position))
                if at < len(docs) and docs[at] == position:
                    return True
        return False

    @cached_property
    def coverage_by_id(self) -> dict[str, tuple[Place, ...]]:
        """Where each entry applies, by id, for browsing by profile as matching sees it."""
        return {entry.id: places for entry, places in zip(self.entries, self.coverage, strict=True)}


def entry_fields(entry: Entry) -> dict[str, list[str]]:
    """The texts of an entry that matching reads, grouped by field."""
    meta = [entry.organisation, entry.role, entry.municipality, entry.place, *entry.audience, *entry.regions]
    return {
        "title": list(entry.title.all()),
        "keywords": list(entry.keywords),
        "questions": list(entry.questions),
        "meta": [m for m in meta if m],
        "body": list(entry.body.all()),
    }


def build_index(kb: KnowledgeBase | Iterable[Entry], *, language: LanguageData) -> Index:
    """Analyse every entry once: terms with their best field weight, compounds split into known parts."""
    lexicon, gazetteer = language.lexicon, language.gazetteer
    fold, stems = language.analyzer.fold, language.analyzer.stems
    entries = tuple(kb)
    fielded = [entry_fields(e) for e in entries]
    tokens = {text: words(text) for fields in fielded for texts in fields.values() for text in texts}  # each text once
    vocabulary = {word for text_words in tokens.values() for word in text_words}
    known = frozenset(fold(w) for w in vocabulary) | frozenset(s for w in vocabulary for s in stems(w))
    splits = {w: split_compound(w, known, language.analyzer) for w in vocabulary if len(w) >= 2 * MIN_PART}
    per_term = _entry_terms(fielded, tokens, lexicon, splits)
    _add_facts(entries, per_term)
    n = len(entries)
    postings = {term: _postings(docs) for term, docs in per_term.items()}
    idf = {term: math.log(1 + (n - len(docs) + 0.5) / (len(docs) + 0.5)) for term, docs in per_term.items()}
    surface: dict[int, dict[str, str]] = defaultdict(dict)
    for w in sorted(vocabulary):
        if len(w) >= 4 and not lexicon.is_stopword(w):
            surface[len(fold(w))][w] = fold(w)
    return Index(entries=entries, postings=postings, idf=idf, surface=dict(surface), known_words=known,
                 coverage=tuple(gazetteer.entry_coverage(e.regions, [*f["title"], *f["keywords"], *f["body"]])
                                for e, f in zip(entries, fielded, strict=True)),
                 lexicon=lexicon, gazetteer=gazetteer, max_idf=math.log(1 + (max(n, 1) - 0.5) / 1.5),
                 names=tuple(_name_terms(e, tokens, language) for e in entries))


def _postings(docs: dict[int, float]) -> Postings:
    """A term's entries in ascending order (so `mentions` can binary-search them), with their weights."""
    order = sorted(docs)
    return Postings(np.array(order, dtype=np.int32), np.array([docs[d] for d in order], dtype=np.float32))


def _entry_terms(fielded: list[dict[str, list[str]]], tokens: dict[str, list[str]], lexicon: Lexicon,
                 splits: dict[str, tuple[str, ...]]) -> dict[str, dict[int, float]]:
    """Each term's entries with its best field weight there; a text or word met before is not read again."""
    analysed: dict[str, dict[str, float]] = {}
    per_word: dict[str, dict[str, float]] = {}
    per_term: dict[str, dict[int, float]] = defaultdict(dict)
    for position, fields in enumerate(fielded):
        weights: dict[str, float] = {}
        for field, texts in fields.items():
            base = FIELD_WEIGHTS[field]
            for text in texts:
                if (terms := analysed.get(text)) is None:
                    terms = analysed[text] = _text_terms(tokens[text], lexicon, splits, per_word)
                for term, factor in terms.items():
                    if base * factor > weights.get(term, 0.0):
                        weights[term] = base * factor
        for term, weight in weights.items():
            per_term[term][position] = weight
    return per_term


def _add_facts(entries: Sequence[Entry], per_term: dict[str, dict[int, float]]) -> None:
    """An entry with an amount or a deadline states one, whatever words its texts use ("upp till 150 000 kr"):
    it holds the concept as its organisation and regions are held (the meta field)."""
    weight = FIELD_WEIGHTS["meta"] * CONCEPT_FACTOR
    for position, entry in enumerate(entries):
        for concept, stated in ((AMOUNT, entry.amount), (WHEN, entry.deadline)):
            if stated and per_term[concept].get(position, 0.0) < weight:
                per_term[concept][position] = weight


def _text_terms(tokens: list[str], lexicon: Lexicon, splits: dict[str, tuple[str, ...]],
                per_word: dict[str, dict[str, float]]) -> dict[str, float]:
    """Terms of one text (its words) with how closely each stands for it: stems 1, compound parts and concepts less."""
    terms = dict.fromkeys(lexicon.phrase_concepts(tokens), CONCEPT_FACTOR)
    for token in tokens:
        if (own := per_word.get(token)) is None:
            own = per_word[token] = _word_terms(token, lexicon, splits)
        for term, factor in own.items():
            if factor > terms.get(term, 0.0):
                terms[term] = factor
    return terms


def _word_terms(token: str, lexicon: Lexicon, splits: dict[str, tuple[str, ...]]) -> dict[str, float]:
    """One word's terms: its concepts, and unless a stop word its stems and its compound parts' stems."""
    stems = lexicon.analyzer.stems
    terms = dict.fromkeys(lexicon.concepts_of(token), CONCEPT_FACTOR)
    if lexicon.is_stopword(token):
        return terms
    for part in splits.get(token, ()):
        for term in stems(part):
            _raise(terms, term, PART_FACTOR)
    for term in stems(token):
        terms[term] = 1.0
    return terms


def _name_terms(entry: Entry, tokens: dict[str, list[str]], language: LanguageData) -> frozenset[str]:
    """The stems of an entry's title, organisation and capitalised keywords (its name in other languages, such as
    'Nordic-Baltic' beside a Swedish title): the words a question names it by."""
    texts = [*entry.title.all(), *([entry.organisation] if entry.organisation else []),
             *(keyword for keyword in entry.keywords if keyword[:1].isupper())]
    return frozenset(stem for text in texts for word in tokens[text] if not language.lexicon.is_stopword(word)
                     for stem in language.analyzer.stems(word))


def split_compound(word: str, known: frozenset[str], analyzer: Analyzer) -> tuple[str, ...]:
    """Two known parts of a compound ('teaterturné' -> teater, turne), allowing a linking s or e."""
    stems = analyzer.stems
    folded = analyzer.fold(word)
    best: tuple[str, ...] = ()
    for cut in range(MIN_PART, len(folded) - MIN_PART + 1):
        head, tail = folded[:cut], folded[cut:]
        heads = [head] + ([head[:-1]] if head[-1] in "se" and len(head) > MIN_PART else [])
        if tail in known or any(s in known for s in stems(tail)):
            for h in heads:
                if h in known:
                    parts = (h, tail)
                    if not best or min(map(len, parts)) > min(map(len, best)):
                        best = parts
    return best


def _raise(weights: dict[str, float], term: str, weight: float) -> None:
    if weight > weights.get(term, 0.0):
        weights[term] = weight
