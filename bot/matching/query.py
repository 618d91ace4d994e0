"""A question as matching reads it: weighted slots of words and concepts, places, intents."""

from __future__ import annotations

from dataclasses import dataclass

from rapidfuzz import process
from rapidfuzz.distance import OSA

from bot.matching.index import CONCEPT_FACTOR, MIN_PART, PART_FACTOR, Index, split_compound
from bot.matching.places import Place
from bot.matching.text import CLAUSE_END, COUNT, OFF_TOPIC, words

TYPO_EDITS = ((10, 2), (5, 1))  # (min length, edits allowed): short words must be nearly right
SUBSTITUTION_MIN = 8            # below this length a changed letter is another word, not a typo
TYPO_FACTOR = 0.9
KNOWN_PART, REST_MIN, REST_MAX = 5, 3, 5  # a compound's known word (at least) and the short rest beside it
HEAD_MIN, TAIL_MIN = 3, 6  # an unknown compound's known tail, when no two known parts make it up
TAIL_FACTOR = 0.6
OOV_IDF_SHARE = 0.5  # an unknown word counts half as much as the rarest known one
PLACE_SHARE = 0.4    # a place name locates the question; the place fit, not the word, decides
MUNICIPALITY = "@municipality"
REGION = "@region"
WHAT_IS = "@what-is"
ASKS_WHO = "@contact"  # "who", "vem", "hvem", "wie": the question wants a person (role nouns are @officer)
WHO_MAY = "@who-may"   # ...unless it asks who may apply or take part
YEAR_DIGITS, CENTURIES = 4, ("19", "20")  # '2025' names a year...
SINCE = frozenset({"sen", "sedan", "siden", "sinds", "since", "från", "fra", "vanaf", "from"})  # ...unless it dates the asker


@dataclass(frozen=True, slots=True)
class Slot:
    """One thing the question says: a word (with its stems, corrections, parts) or a concept."""

    variants: tuple[tuple[str, float], ...]  # term, gain (its idf times how loose a match it is)
    weight: float  # the most this slot can add; the sum over slots normalises scores to 0..1
    off_topic: bool = False
    word: str = ""       # the question's own word ('' for a concept evoked by filler or a phrase)
    place: bool = False  # the word names a place: it locates the question, it is not its subject


@dataclass(frozen=True, slots=True)
class Query:
    """A question as matching sees it."""

    question: str
    slots: tuple[Slot, ...]
    places: tuple[Place, ...]
    intents: frozenset[str]  # kinds of entry the question asks for
    municipal: bool          # it asks about "the municipality"
    off_topic: bool          # it touches a subject no entry answers (weather, trains, an unknown fund...)
    regional: bool = False   # it asks about "the region" (Region Uppsala, provincie Utrecht)
    other_body: bool = False  # it names a fund or foundation the base does not know ('Postkodstiftelsen')
    explain: bool = False     # "what is X?": the entry that explains X, not one dated instance of it
    details: frozenset[str] = frozenset()  # aspects it asks that only an entry stating them answers (payout...)
    closed: bool = False  # a yes/no question ('kan man...', 'does X...'): about terms an entry must state
    asked: frozenset[str] = frozenset()  # the words of its yes/no sentences, or of its last one: what it turns on
    counted: str = ""  # the word a "how many" question counts ('möten'); its detail COUNT is among `details`
    years: frozenset[str] = frozenset()  # years it names ('who got it in 2025?'): an entry answers only if it says them


def analyse_query(index: Index, question: str) -> Query:
    """Everything matching reads from a question, worked out once."""
    tokens = words(question)
    phrases = index.lexicon.phrase_concepts(tokens)
    slots = _slots(index, tokens, phrases)
    if WHO_MAY in phrases:  # "who may apply" asks who is eligible, not for a person
        slots = [slot for slot in slots if [t for t, _ in slot.variants] != [ASKS_WHO]]
    evoked = frozenset(t for slot in slots for t, _ in slot.variants)
    intents = frozenset(kind for kind, concepts in index.lexicon.kind_concepts.items()
                        if evoked.intersection(concepts))
    if ASKS_WHO in evoked:
        intents = frozenset({"contact"})  # "who can I talk to about the grant" asks for a person, not the grant
    asked, closed = index.lexicon.asked_words(question)
    counted = index.lexicon.counted(tokens)
    details = index.lexicon.details_of(tokens, phrases) | ({COUNT} if counted else set())
    return Query(question=question, slots=tuple(slots), places=index.gazetteer.find(question),
                 intents=intents, municipal=MUNICIPALITY in evoked, regional=_names_a_region(index, tokens),
                 other_body=_names_another_body(index, question), explain=WHAT_IS in evoked,
                 off_topic=any(slot.off_topic for slot in slots), details=details,
                 closed=closed, asked=asked, counted=counted,
                 years=_years(tokens))


def _years(tokens: list[str]) -> frozenset[str]:
    """The years a question asks about ('who got it in 2025?'), not those that date the asker ('since 2015')."""
    return frozenset(token for i, token in enumerate(tokens) if len(token) == YEAR_DIGITS
                     and token.isdigit() and token.startswith(CENTURIES) and (i == 0 or tokens[i - 1] not in SINCE))


def _names_another_body(index: Index, question: str) -> bool:
    """A fund's name the base has never seen ('Augustinus Fonden', 'Längmanska kulturfonden'): not ours to answer.
    A name never runs across punctuation: 'nabokommunen, pulje?' names no pool."""
    lexicon = index.lexicon
    for clause in CLAUSE_END.split(question):
        tokens = words(clause)
        for position, token in enumerate(tokens):
            if len(token) <= 2 or lexicon.is_stopword(token):
                continue
            following = tokens[position + 1] if position + 1 < len(tokens) else ""
            if lexicon.names_body(token, following) and not _names_ours(index, token):
                return True
    return False


def _names_ours(index: Index, token: str) -> bool:
    """A fund name of the base as written or with a typo; known parts ('författar' + 'fond') are not enough."""
    if any(t in index.postings for t in index.analyzer.stems(token)):
        return True
    fixed = _correct(index.analyzer.fold(token), index.surface)
    return fixed is not None and any(t in index.postings for t in index.analyzer.stems(fixed))


def _names_a_region(index: Index, tokens: list[str]) -> bool:
    """'Region Uppsala', 'provincie Utrecht': the word for a region beside a place asks for that region's own."""
    for position, token in enumerate(tokens):
        if REGION in index.lexicon.concepts_of(token):
            for near in tokens[max(0, position - 1):position + 2:2]:
                place = index.gazetteer.lookup(near)
                if place is not None and place.local:
                    return True
    return False


def _slots(index: Index, tokens: list[str], phrases: set[str]) -> list[Slot]:
    """Turn a question's words into weighted slots: each content word once, with its stems, fixes and concepts
    (`phrases`: the concepts its runs of words evoke)."""
    lexicon = index.lexicon
    slots: dict[object, Slot] = {}
    loose: set[str] = set(phrases)
    for phrase_concept in sorted(c for c in loose if c.startswith(OFF_TOPIC)):
        slots[phrase_concept] = Slot((), index.max_idf, off_topic=True)
    for position, token in enumerate(tokens):
        if lexicon.is_stopword(token) or len(token) < 2 or (token.isdigit() and len(token) < 3):
            loose.update(c for c in lexicon.concepts_of(token, exact=True) if c in index.idf)
            continue
        concepts = [c for c in lexicon.concepts_of(token) if c in index.idf]
        if lexicon.off_topic(token):
            slots[token] = Slot((), index.max_idf, off_topic=True, word=token)
            continue
        share = PLACE_SHARE if index.gazetteer.word(token) or index.gazetteer.word(token[:-1]) else 1.0
        place = share < 1.0
        for part_share, lexical in _variants(index, token):
            variants = tuple((t, index.idf[t] * f * share * part_share)
                             for t, f in lexical + [(c, CONCEPT_FACTOR) for c in concepts])
            key = min((t for t, _ in lexical), key=lambda t: (len(t), t), default=token)
            if variants:
                slots[key] = Slot(variants, max(g for _, g in variants), word=token, place=place)
            elif lexicon.names_body(token, tokens[position + 1] if position + 1 < len(tokens) else ""):
                slots[key] = Slot((), index.max_idf, off_topic=True, word=token)  # a fund the base does not know
            else:
                slots[key] = Slot((), index.max_idf * OOV_IDF_SHARE, word=token, place=place)
    covered = {t for slot in slots.values() for t, _ in slot.variants}
    for concept in sorted(loose - covered):
        if concept not in index.idf:
            continue
        gain = index.idf[concept] * CONCEPT_FACTOR
        slots[concept] = Slot(((concept, gain),), gain)
    return list(slots.values())


def _variants(index: Index, token: str) -> list[tuple[float, list[tuple[str, float]]]]:
    """Index terms for a word: its stems, else a typo fix, else its compound parts (each a half).

    A known compound also reaches entries through its parts, as the index splits entries' compounds:
    'frukostträff' finds the 'kulturfrukost' too.
    """
    stems = index.analyzer.stems
    found = [(t, 1.0) for t in stems(token) if t in index.postings]
    if found:
        parts = split_compound(token, index.known_words, index.analyzer) if len(token) >= 2 * MIN_PART else ()
        return [(1.0, found + [(t, PART_FACTOR) for part in parts for t in stems(part) if t in index.postings])]
    if "y" in token and (dutch := [(t, 1.0) for t in stems(token.replace("y", "ij")) if t in index.postings]):
        return [(1.0, dutch)]  # Dutch 'ij' typed as 'y' ('tyd', 'wy zyn'): only for words unknown as written
    folded = index.analyzer.fold(token)
    if (fixed := _correct(folded, index.surface)) and not _compound_not_typo(folded, fixed, index=index):
        return [(1.0, [(t, TYPO_FACTOR) for t in stems(fixed) if t in index.postings])]
    parts = split_compound(token, index.known_words, index.analyzer)
    if not parts:
        return [(1.0, _tail(index, token))]
    return [(1.0 / len(parts), [(t, PART_FACTOR) for t in stems(part) if t in index.postings])
            for part in parts]


def _compound_not_typo(folded: str, fixed: str, *, index: Index) -> bool:
    """A long word two letters from a known one, made of a known word and a short rest, is a compound the base
    lacks ('fotoprojekt' is no 'forprojekt', 'kulturfolk' no 'kulturfond'): two letters of a short rest make another
    word, not a typo ('kulturklustret' is still 'kulturkluster')."""
    if OSA.distance(folded, index.analyzer.fold(fixed)) < 2:
        return False
    size = len(folded)
    for rest in range(REST_MIN, REST_MAX + 1):
        words = set(index.surface.get(size - rest, {}).values())  # words as the base writes them, not stems
        if size - rest >= KNOWN_PART and (folded[:size - rest] in words or folded[rest:] in words):
            return True
    return False


def _tail(index: Index, token: str) -> list[tuple[str, float]]:
    """The longest known end of an unknown compound: its last part names what it is ('byrådspolitikere')."""
    folded = index.analyzer.fold(token)
    for cut in range(HEAD_MIN, len(folded) - TAIL_MIN + 1):
        if found := [(t, TAIL_FACTOR) for t in index.analyzer.stems(folded[cut:]) if t in index.postings]:
            return found
    return []


def _correct(folded: str, surface: dict[int, dict[str, str]]) -> str | None:
    """The known word a typo most likely meant: a swap, a missing or an extra letter; longer words more."""
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
