"""Questions as weighted terms for grouping: words that say what is asked, and the concepts they evoke.

A question's content words are its words minus stop words and chat filler (bot/analysis.py), each
reduced to one stable stem; forms of one word the stemmers keep apart ('översätta', 'översättning')
and typos ('replokal', 'replokl', found with rapidfuzz) are joined into one canonical word. The
multilingual concepts of bot/matching/data/lexicon.yaml ('replokal', 'øvelokale', 'oefenruimte' → @venue) are
added at CONCEPT_WEIGHT, so questions in different languages can meet. Terms are weighted by idf.
"""

from __future__ import annotations

import itertools
import math
import os
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
from rapidfuzz import process
from rapidfuzz.distance import OSA

from bot.matching.text import Analyzer, Lexicon, words

CONCEPT_WEIGHT = 0.5  # a concept counts half a word: it bridges languages but is broader than a word
PREFIX_MIN, PREFIX_SHARE = 7, 0.75  # 'översätt|a', 'översätt|ning': one word, whatever the stemmers say
CHUNK = 1000

Terms = dict[str, float]


@dataclass(slots=True)
class Form:
    """One distinct question after reading: its content words, and every text (with count) read as it."""

    words: tuple[str, ...]
    phrases: frozenset[str]
    texts: list[str] = field(default_factory=list)
    count: int = 0


def read_forms(texts: Iterable[str], lexicon: Lexicon) -> list[Form]:
    """Distinct questions, most frequent first (first seen first among equals)."""
    forms: dict[tuple[str, ...], Form] = {}
    for text in texts:
        tokens = words(text)
        content = tuple(t for t in tokens if len(t) > 1 and not t.isdigit() and not lexicon.is_stopword(t))
        phrases = frozenset(lexicon.phrase_concepts(tokens))
        key = tuple(sorted({stem_of(t, lexicon.analyzer) for t in content} | phrases))
        form = forms.setdefault(key, Form(content, phrases))
        form.count += 1
        if form.count == 1 or text not in form.texts:
            form.texts.append(text)
    return sorted(forms.values(), key=lambda f: -f.count)


def stem_of(word: str, analyzer: Analyzer) -> str:
    """One stem per word: the shortest of its four stemmers' stems (ties alphabetical), so it is stable."""
    return min(analyzer.stems(word), key=lambda s: (len(s), s))


def canonical_words(all_words: Iterable[str], analyzer: Analyzer) -> dict[str, str]:
    """Join forms of one word: a shared stem, a long shared beginning, or a typo apart ('replokal', 'replokl')."""
    vocabulary = sorted(set(all_words))
    parent = {w: w for w in vocabulary}

    def find(word: str) -> str:
        while parent[word] != word:
            parent[word] = parent[parent[word]]
            word = parent[word]
        return word

    def union(a: str, b: str) -> None:
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)

    by_stem: dict[str, str] = {}
    for word in vocabulary:
        for stem in analyzer.stems(word):
            if len(stem) >= 4:
                union(word, by_stem.setdefault(stem, word))
    folded = [analyzer.fold(w) for w in vocabulary]
    by_spelling = sorted(range(len(folded)), key=folded.__getitem__)
    for i, j in itertools.pairwise(by_spelling):
        a, b = folded[i], folded[j]
        shared = len(os.path.commonprefix((a, b)))  # noqa: RUF071 - the letters two words begin with
        if shared >= max(PREFIX_MIN, PREFIX_SHARE * min(len(a), len(b))):
            union(vocabulary[i], vocabulary[j])
    for start in range(0, len(folded), CHUNK):
        distances = process.cdist(folded[start:start + CHUNK], folded, scorer=OSA.distance, score_cutoff=2,
                                  dtype=np.uint8, workers=-1)
        for i, j in zip(*np.nonzero(distances <= 2), strict=True):
            if is_typo(folded[start + i], folded[j], int(distances[i, j])):
                union(vocabulary[start + i], vocabulary[j])
    return {w: find(w) for w in vocabulary}


def is_typo(a: str, b: str, distance: int) -> bool:
    """Whether two folded words are one word mistyped: 1 edit from 5 letters, 2 from 10; a changed letter
    in a short word makes another word ('konst', 'kunst'), a swap does not."""
    shorter = min(len(a), len(b))
    allowed = 2 if shorter >= 10 else 1 if shorter >= 5 else 0
    if distance == 0 or distance > allowed:
        return False
    return not (len(a) == len(b) < 8 and sorted(a) != sorted(b))


def terms_of(form: Form, canon: Mapping[str, str], lexicon: Lexicon) -> Terms:
    """A question's terms and their share: 1 per word, CONCEPT_WEIGHT shared among a word's concepts."""
    terms = {concept: CONCEPT_WEIGHT for concept in form.phrases}
    for word in form.words:
        terms[canon.get(word) or stem_of(word, lexicon.analyzer)] = 1.0
        concepts = lexicon.concepts_of(word)
        for concept in concepts:
            terms[concept] = max(terms.get(concept, 0.0), CONCEPT_WEIGHT / len(concepts))
    return terms


class TermSpace:
    """Idf weights from a set of questions, and unit tf-idf rows over their terms."""

    def __init__(self, documents: Sequence[Terms]) -> None:
        df = Counter(t for terms in documents for t in terms)
        self.idf = {t: math.log(1 + len(documents) / n) for t, n in df.items()}
        self.rare_idf = math.log(1 + max(len(documents), 1))
        self.columns = {t: i for i, t in enumerate(df)}

    def matrix(self, documents: Sequence[Terms]) -> np.ndarray:
        """Terms outside the space (new words) add nothing to a similarity but still count in a row's norm."""
        matrix = np.zeros((len(documents), len(self.columns)), dtype=np.float32)
        for row, terms in enumerate(documents):
            weights = {t: share * self.idf.get(t, self.rare_idf) for t, share in terms.items()}
            norm = math.sqrt(sum(w * w for w in weights.values())) or 1.0
            for t, weight in weights.items():
                if (column := self.columns.get(t)) is not None:
                    matrix[row, column] = weight / norm
        return matrix


def spellings(canon: Mapping[str, str], used: Iterable[str]) -> dict[str, str]:
    """The most used spelling of each canonical word, to name a group in its askers' own words."""
    best: dict[str, tuple[int, str]] = {}
    for (term, word), n in Counter((canon[w], w) for w in used).items():
        best[term] = max(best.get(term, (0, "")), (n, word))
    return {term: word for term, (_, word) in best.items()}
