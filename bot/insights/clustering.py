"""Unmet questions grouped by what they ask, largest group first: what the base should gain next.

Questions become weighted terms (bot/question_terms.py) and are compared by cosine; groups are formed
by average linkage: two groups join while their questions are, on average, at least THRESHOLD alike,
so one shared generic word ("kommun", @money) does not chain unrelated questions together.

Scale: identical questions (same terms) are counted once. The MAX_FORMS most frequent distinct
questions (newest first among equals, as callers pass the newest first) are compared pairwise; every
further one joins the group whose centre it resembles most (at least THRESHOLD) or stays on its own.
Time and memory are therefore bounded by MAX_FORMS², whatever the number of questions.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from bot.insights.question_terms import CHUNK, Form, Terms, TermSpace, canonical_words, read_forms, spellings, stem_of, terms_of
from bot.matching.lexicon_file import load_lexicon
from bot.matching.text import Analyzer, Lexicon

THRESHOLD = 0.12  # mean cosine between two groups' questions for them to join
MAX_FORMS = 2000  # distinct questions compared pairwise; the rest join the groups found
EXAMPLES = 3


@dataclass(frozen=True, slots=True)
class Cluster:
    """Similar questions: how many, the most typical ones, the words they share, and every distinct wording."""

    size: int
    examples: tuple[str, ...]
    keywords: tuple[str, ...]
    questions: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Clustering:
    """Groups of two or more questions, largest first, and how many questions resembled no other."""

    clusters: tuple[Cluster, ...]
    questions: int
    singles: int
    forms: int      # distinct questions after reading
    compared: int   # of which were compared pairwise (the rest joined the groups found)


def cluster_questions(texts: Sequence[str], *, threshold: float = THRESHOLD, max_forms: int = MAX_FORMS,
                      lexicon: Lexicon | None = None) -> Clustering:
    """Group `texts` (most important first, e.g. newest first) into clusters of similar questions."""
    lex = lexicon or load_lexicon(Analyzer())  # a report without the running bot's lexicon reads its own
    forms = read_forms(texts, lex)
    head, tail = forms[:max_forms], forms[max_forms:]
    canon = canonical_words((w for form in head for w in form.words), lex.analyzer)
    terms = [terms_of(form, canon, lex) for form in head]
    space = TermSpace(terms)
    vectors = space.matrix(terms)
    weights = np.array([form.count for form in head], dtype=np.float64)
    groups = _average_linkage(vectors @ vectors.T, weights, threshold) if head else []
    members = [[head[i] for i in group] for group in groups]
    alone = _join_tail(tail, groups, vectors, weights, members, canon, lex, space, threshold) if groups else tail
    names = spellings(canon, (w for form in head for w in form.words))
    clusters = [_cluster(group, terms, space, vectors, weights, members[n], names) for n, group in enumerate(groups)]
    clusters += [Cluster(f.count, tuple(f.texts[:EXAMPLES]), (), tuple(f.texts)) for f in alone if f.count > 1]
    big = sorted((c for c in clusters if c.size > 1), key=lambda c: -c.size)
    return Clustering(clusters=tuple(big), questions=len(texts), singles=len(texts) - sum(c.size for c in big),
                      forms=len(forms), compared=len(head))


def _average_linkage(similarity: np.ndarray, weights: np.ndarray, threshold: float) -> list[list[int]]:
    """Groups whose mean pairwise similarity stays at least `threshold`, by the nearest-neighbour chain: O(n²)."""
    s = similarity.astype(np.float64)
    np.fill_diagonal(s, -np.inf)
    size = weights.copy()
    members = [[i] for i in range(len(s))]
    alive = np.ones(len(s), dtype=bool)
    done: list[list[int]] = []
    chain: list[int] = []
    start = 0
    while True:
        if not chain:
            while start < len(s) and not alive[start]:
                start += 1
            if start == len(s):
                return done
            chain.append(start)
        a = chain[-1]
        b = int(np.argmax(s[a]))
        if len(chain) > 1 and s[a, chain[-2]] >= s[a, b]:
            b = chain[-2]
        if s[a, b] < threshold:  # nothing joins `a` any more: merging others only averages similarities down
            done.append(members[a])
            alive[a], s[a, :], s[:, a] = False, -np.inf, -np.inf
            chain.pop()
        elif len(chain) > 1 and b == chain[-2]:  # mutual nearest neighbours: merge b into a
            chain[-2:] = []
            merged = (size[a] * s[a] + size[b] * s[b]) / (size[a] + size[b])
            s[a, :], s[:, a] = merged, merged
            s[a, a] = s[b, :] = s[:, b] = -np.inf
            alive[b], size[a], members[a] = False, size[a] + size[b], members[a] + members[b]
        else:
            chain.append(b)


def _join_tail(tail: Sequence[Form], groups: list[list[int]], vectors: np.ndarray, weights: np.ndarray,
               members: list[list[Form]], canon: dict[str, str], lex: Lexicon, space: TermSpace,
               threshold: float) -> list[Form]:
    """Add each further question to the group whose centre it resembles most; return those that fit none.

    A group's centre is its weighted mean row, so the score is the question's average-linkage similarity."""
    centres = np.stack([(vectors[g] * weights[g, None]).sum(0) / weights[g].sum() for g in groups])
    by_stem = {stem_of(w, lex.analyzer): c for w, c in canon.items()}
    alone: list[Form] = []
    for start in range(0, len(tail), CHUNK):
        chunk = tail[start:start + CHUNK]
        rows = space.matrix([terms_of(f, {w: by_stem.get(stem_of(w, lex.analyzer), w) for w in f.words}, lex) for f in chunk])
        scores = rows @ centres.T
        best = scores.argmax(axis=1)
        for form, index, score in zip(chunk, best, scores[np.arange(len(chunk)), best], strict=True):
            (members[index] if score >= threshold else alone).append(form)
    return alone


def _cluster(group: list[int], terms: list[Terms], space: TermSpace, vectors: np.ndarray, weights: np.ndarray,
             forms: list[Form], names: dict[str, str]) -> Cluster:
    """Size, the questions nearest the centre first, and the words that weigh most in it."""
    centre = (vectors[group] * weights[group, None]).sum(0)
    typical = sorted(range(len(group)), key=lambda k: -float(vectors[group[k]] @ centre))
    ordered = [t for form in [forms[k] for k in typical] + forms[len(group):] for t in form.texts]
    weight = Counter({t: float(centre[space.columns[t]]) for i in group for t in terms[i]
                      if t in space.columns and not t.startswith("@")})
    keywords = tuple(names.get(t, t) for t, w in weight.most_common(EXAMPLES) if w > 0)
    return Cluster(sum(f.count for f in forms), tuple(ordered[:EXAMPLES]), keywords, tuple(ordered))
