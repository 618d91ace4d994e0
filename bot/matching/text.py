"""Text analysis for sv/da/nl/en chat text: folding, tokens, stop words, stems and concepts."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache

import Stemmer

STEMMER_LANGUAGES = ("swedish", "danish", "dutch", "english")
_WORD = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)?|\d+")
_SPECIAL = str.maketrans({"æ": "ae", "ø": "o", "œ": "oe", "ß": "ss", "ð": "d", "þ": "th", "ł": "l", "'": ""})
_DIGRAPHS = (("aa", "a"), ("ae", "a"), ("oe", "o"), ("ij", "i"), ("ph", "f"), ("th", "t"))
_COMBINING = re.compile("[{}]".format("".join(  # accents and other combining marks (the BMP's: enough here)
    re.escape(chr(c)) for c in range(0x10000) if unicodedata.combining(chr(c)))))
CONCEPT_PREFIX = "@"
OFF_TOPIC = CONCEPT_PREFIX + "off-"
ALPHABET_LETTERS = frozenset("åäöæø")  # letters of their own in sv and da, not accents: folding them merges words
COUNT = CONCEPT_PREFIX + "count"  # the detail "how many X" asks: a number of X, stated in one sentence of a card
AMOUNTS = frozenset(CONCEPT_PREFIX + name for name in ("money", "amount", "cost", "fee"))  # "hoeveel geld": how much
COUNTED_MIN = 4  # letters: shorter words after "hoeveel" are particles and short forms ("max"), not counted nouns


def fold_text(text: str) -> str:
    """Lowercase and strip accents so 'Næstved', 'naestved' and 'nastved' compare equal."""
    text = text.lower().translate(_SPECIAL)
    text = _COMBINING.sub("", unicodedata.normalize("NFKD", text))
    for digraph, single in _DIGRAPHS:
        text = text.replace(digraph, single)
    return text


def words(text: str) -> list[str]:
    """Lowercased word tokens, accents kept (the stemmers need them); '%' is read as the word it stands for."""
    return _WORD.findall(text.lower().replace("%", " percent "))


class Analyzer:
    """Folding and stemming in the four languages at once, cached per word: words recur, so each is read once.

    Built once by the composition root and shared by every index, lexicon and gazetteer built from it."""

    def __init__(self, *, fold_cache: int = 500_000, stem_cache: int = 200_000) -> None:
        self._stemmers = tuple(Stemmer.Stemmer(name) for name in STEMMER_LANGUAGES)
        self.fold: Callable[[str], str] = lru_cache(maxsize=fold_cache)(fold_text)
        self.stems: Callable[[str], frozenset[str]] = lru_cache(maxsize=stem_cache)(self._stems)

    def _stems(self, word: str) -> frozenset[str]:
        """The folded stems of one lowercased word under each of the four languages' stemmers."""
        fold = self.fold
        folded = fold(word)
        result = {folded}
        for stemmer in self._stemmers:
            stem = fold(stemmer.stemWord(word))
            if len(stem) >= 4 or len(stem) == len(folded):
                result.add(stem)
        return frozenset(result)


PARTED = 4  # words a separable verb's particle may stand after the verb ('betalas regionens projektbidrag ut')
SENTENCE_END = re.compile(r"[.?!;:\n]+")
CLAUSE_END = re.compile(r"[,.;:!?()\n]")  # where a name ends: "nabokommunen, pulje?" names no pool
WORD_CACHE = 100_000  # words whose concepts, details and fund endings are kept worked out
HEAD_MIN = 6  # a detail word's stem shorter than this starts too many unrelated compounds


@dataclass(frozen=True, slots=True)
class Lexicon:
    """Stop words and multilingual concepts; words are compared folded and, for concepts, stemmed."""

    analyzer: Analyzer
    stopwords: frozenset[str]  # folded
    concepts: Mapping[str, frozenset[str]]
    phrases: Mapping[tuple[str, ...], frozenset[str]]
    kind_concepts: Mapping[str, tuple[str, ...]]
    off_topic_words: frozenset[str] = frozenset()
    detail_concepts: frozenset[str] = frozenset()  # aspects only an entry that states them can answer
    detail_words: Mapping[str, str] = field(default_factory=dict)  # folded word -> its detail concept, exactly
    detail_heads: Mapping[str, frozenset[str]] = field(default_factory=dict)  # 'bedömargruppen' starts 'bedöm'
    detail_tails: Mapping[str, frozenset[str]] = field(default_factory=dict)  # 'eindverantwoording' ends one
    body_words: frozenset[str] = frozenset()
    closed_starts: frozenset[str] = frozenset()  # 'kan', 'does', 'mag': how a yes/no question opens
    existential: frozenset[tuple[str, str]] = frozenset()  # 'is there', 'finns det': asks what exists, not terms
    phrase_starts: Mapping[str, tuple[tuple[tuple[str, ...], frozenset[str]], ...]] = field(default_factory=dict)
    body_lengths: frozenset[int] = frozenset()  # the fund words' lengths: a word's endings are looked up, not compared
    exact_concepts: Mapping[str, frozenset[str]] = field(default_factory=dict)  # a concept's own words, unstemmed
    particles: frozenset[str] = frozenset()  # 'ut' in 'betalas ... ut': a separable verb's particle may stand apart
    written_stopwords: frozenset[str] = frozenset()  # as the lists write them, lowercased
    counting: frozenset[tuple[str, ...]] = frozenset()  # 'hur många': asks for a number of things
    counting_or_amount: frozenset[tuple[str, ...]] = frozenset()  # 'hoeveel': a number of things, or how much
    numerals: frozenset[str] = frozenset()  # number words ('tre', 'twee'), as cards write counts

    # per word, cached: questions repeat their words, and each is read once (set up in __post_init__)
    _concepts: Callable[[str], frozenset[str]] = field(init=False, repr=False, compare=False)
    _token_details: Callable[[str], frozenset[str]] = field(init=False, repr=False, compare=False)
    _body_end: Callable[[str, int], bool] = field(init=False, repr=False, compare=False)
    _counting: Mapping[str, tuple[tuple[str, ...], ...]] = field(init=False, repr=False, compare=False)  # by first word

    def __post_init__(self) -> None:
        starts: dict[str, list[tuple[tuple[str, ...], frozenset[str]]]] = {}
        for phrase, concepts in self.phrases.items():
            starts.setdefault(phrase[0], []).append((phrase, concepts))
        object.__setattr__(self, "phrase_starts", {k: tuple(v) for k, v in starts.items()})
        object.__setattr__(self, "body_lengths", frozenset(len(body) for body in self.body_words))
        object.__setattr__(self, "_concepts", lru_cache(maxsize=WORD_CACHE)(self._concepts_of_word))
        object.__setattr__(self, "_token_details", lru_cache(maxsize=WORD_CACHE)(self._details_of_token))
        object.__setattr__(self, "_body_end", lru_cache(maxsize=WORD_CACHE)(self._ends_in_body))
        counting: dict[str, list[tuple[str, ...]]] = {}
        for phrase in self.counting | self.counting_or_amount:
            counting.setdefault(phrase[0], []).append(phrase)
        object.__setattr__(self, "_counting", {k: tuple(v) for k, v in counting.items()})

    def is_stopword(self, word: str) -> bool:
        """A function word; one written with a letter of the Swedish or Danish alphabet is compared as written, as
        folding merges it with another language's ('möten', meetings, would be Dutch 'moeten', must)."""
        lowered = word.lower()
        if ALPHABET_LETTERS.isdisjoint(lowered):
            return self.analyzer.fold(word) in self.stopwords
        return lowered in self.written_stopwords

    def concepts_of(self, word: str, *, exact: bool = False) -> frozenset[str]:
        """Concept terms ('@money') evoked by one word, via its folded form or any of its stems; `exact`, for a
        function word: only where it is itself one of a concept's words (Swedish 'stor', big, is no stem of
        'størrelse' or 'store')."""
        if exact:
            return self.exact_concepts.get(self.analyzer.fold(word), frozenset())
        return self._concepts(word)

    def _concepts_of_word(self, word: str) -> frozenset[str]:
        found: set[str] = set()
        folded = self.analyzer.fold(word)
        for form in self.analyzer.stems(word):
            if len(form) >= 4 or form == folded:
                found |= self.concepts.get(form, frozenset())
        return frozenset(found)

    def details_of(self, tokens: list[str], phrases: set[str] | None = None) -> frozenset[str]:
        """The detail aspects a question asks, also where a compound starts with a detail word (`phrases`: the
        tokens' phrase concepts, when already worked out)."""
        found = {c for c in (self.phrase_concepts(tokens) if phrases is None else phrases) if c in self.detail_concepts}
        for token in tokens:
            found.update(self._token_details(token))
        return frozenset(found)

    def _details_of_token(self, token: str) -> frozenset[str]:
        found: set[str] = set()
        folded = self.analyzer.fold(token)
        if concept := self.detail_words.get(folded):
            found.add(concept)
        for cut in range(HEAD_MIN, len(folded)):  # a compound starting or ending with a detail word
            found.update(self.detail_heads.get(folded[:cut], ()))
            found.update(self.detail_tails.get(folded[-cut:], ()) if cut < len(folded) - 2 else ())
        return frozenset(found)

    def counted(self, tokens: list[str]) -> str:
        """The word a "how many" question counts ('möten' in 'hur många möten'), or '' when it asks none (or,
        after Dutch "hoeveel", an amount: 'hoeveel kost', 'hoeveel geld')."""
        fold = self.analyzer.fold
        folded = [fold(t) for t in tokens]
        for at, first in enumerate(folded):
            for phrase in self._counting.get(first, ()):
                after = at + len(phrase)
                if tuple(folded[at:after]) != phrase or after >= len(tokens):
                    continue
                word = tokens[after]
                if len(word) < COUNTED_MIN or word.isdigit():
                    continue
                if phrase in self.counting_or_amount and (self.is_stopword(word) or folded[after] in self.closed_starts
                                                          or self.concepts_of(word) & AMOUNTS):
                    continue
                return word
        return ""

    def asked_words(self, question: str) -> tuple[frozenset[str], bool]:
        """The words a question turns on, without the context told before them, and whether it asks yes or no:
        those of its yes/no sentences ('kan man...', 'does X...', not 'is there...') if it has any, else those
        of its last sentence."""
        sentences = [tokens for sentence in SENTENCE_END.split(question) if (tokens := words(sentence))]
        fold = self.analyzer.fold
        closed: set[str] = set()
        for tokens in sentences:
            opening = tuple(fold(w) for w in tokens[:2])
            if opening[0] in self.closed_starts and opening not in self.existential:
                closed.update(tokens)
        if closed:
            return frozenset(closed), True
        return frozenset(sentences[-1] if sentences else ()), False

    def off_topic(self, word: str) -> bool:
        """Whether a word belongs to a subject no entry answers (weather, trains, taxes...); exact words only."""
        return self.analyzer.fold(word) in self.off_topic_words

    def names_body(self, word: str, following: str = "") -> bool:
        """Whether a word is the name of a fund or foundation: 'postkodstiftelsen', 'nordea' in 'nordea fonden'."""
        fold = self.analyzer.fold
        folded = fold(word)
        forms = (folded, folded[:-1]) if folded.endswith("s") else (folded,)  # 'författarfondens': a genitive
        return self._body_end(fold(following), 0) or any(self._body_end(form, 3) for form in forms)

    def _ends_in_body(self, folded: str, before: int) -> bool:
        """Whether a folded word ends in a fund word with at least `before` letters ahead of it."""
        return any(len(folded) >= n + before and folded[-n:] in self.body_words for n in self.body_lengths)

    def phrase_concepts(self, tokens: list[str]) -> set[str]:
        """Concepts evoked only by a run of words ('sista dag', 'who do i call')."""
        folded = [self.analyzer.fold(t) for t in tokens]
        found: set[str] = set()
        for i, word in enumerate(folded):
            for phrase, concepts in self.phrase_starts.get(word, ()):
                if tuple(folded[i:i + len(phrase)]) == phrase or self._parted(phrase, folded[i + 1:i + 1 + PARTED]):
                    found |= concepts
        return found

    def _parted(self, phrase: tuple[str, ...], following: list[str]) -> bool:
        """Whether a verb and its particle stand apart ('betalas regionens bidrag ut' for 'betalas ut')."""
        return len(phrase) == 2 and phrase[1] in self.particles and phrase[1] in following
