"""Telling a search for people ('looking for a choreographer in Katrineholm') from a question for the base.

General rules, not labelled questions: a text that names a role (a person: 'ljudtekniker', 'illustrator') or,
with a seeking word or 'who does', a craft ('scenografi'), is a search for people, unless it also evokes what the
base answers (money, courses, networks, meetings, officials, deadlines: the lexicon's concepts) or a subject
no entry answers (tax, insurance: the lexicon's off-topic words), or the role describes the writer ('I'm a
musician'), or a yes/no question asks what the role may do ('can a composer get travel support?', 'mag ik mijn
atelier delen met een andere kunstenaar?') without seeking anyone. The place is the most specific place of a
country Kulturlots serves that the text names.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.contact.vocabulary import Term, Vocabulary
from bot.matching.places import Gazetteer, Place
from bot.matching.text import Lexicon, fold_text, words

ART_FORM_CONCEPTS = ("theatre", "music", "dance", "visual-arts", "literature", "film", "heritage")


@dataclass(frozen=True, slots=True)
class PeopleSearch:
    """What a search asks for: the role or craft word (or art form), its art forms, and where."""

    sought: str
    art_forms: tuple[str, ...]
    place: Place | None
    terms: tuple[str, ...] = ()  # folded role and craft words, matched in cards' own lines

    def place_label(self, text: str) -> str | None:
        """The place as the text names it ('Næstved', not the folded key), for reports."""
        place = self.place
        if place is None:
            return None
        folded = fold_text(place.name)
        named = next((w for w in words(text) if fold_text(w) == folded or fold_text(w).rstrip("s") == folded), None)
        return (named or place.name).capitalize()


@dataclass(frozen=True)
class Recogniser:
    """The vocabulary, the lexicon and the gazetteer, read once by the composition root."""

    vocabulary: Vocabulary
    lexicon: Lexicon
    gazetteer: Gazetteer

    def search_in(self, text: str) -> PeopleSearch | None:
        """The people search a free text asks for, or None when it is a question for the knowledge base."""
        tokens = words(fold_text(text))
        terms = self.vocabulary.find(tokens)
        if not terms or any(self.lexicon.off_topic(w) for w in tokens):
            return None
        seeks = self.vocabulary.seeks(tokens)
        if not seeks and self._asks_terms(tokens):
            return None
        concepts = self._concepts(text)
        vocabulary = self.vocabulary
        if concepts & vocabulary.knowledge_concepts or (concepts & vocabulary.unless_seeking and not seeks):
            return None
        roles = [t for t in terms if t.role]
        if not roles and not (seeks or self._asks_who(text)):
            return None
        return self._search(roles or list(terms), self.place_in(text), text)

    def command(self, args: str) -> PeopleSearch | None:
        """/find ART_FORM PLACE: a role, a craft or an art form's name, and optionally a place."""
        tokens = words(fold_text(args))
        terms = list(self.vocabulary.find(tokens))
        place = self.place_in(args)
        if terms:
            return self._search(terms, place, args)
        arts = self.art_forms_in(args)
        if not arts:
            return None
        return PeopleSearch(sought=arts[0], art_forms=arts, place=place)

    def art_forms_in(self, text: str) -> tuple[str, ...]:
        """The art forms a text names, by the lexicon's art-form concepts ('dans', 'toneel', 'music')."""
        found = {c[1:] for w in words(text) for c in self.lexicon.concepts_of(w)}
        return tuple(a for a in ART_FORM_CONCEPTS if a in found)

    def place_in(self, text: str) -> Place | None:
        """The most specific home place a text names."""
        named = [p for p in self.gazetteer.find(text) if p.home and p.local] or [
            p for p in self.gazetteer.find(text) if p.home]
        return max(named, key=lambda p: len(p.chain), default=None)

    def _concepts(self, text: str) -> set[str]:
        """The lexicon's concepts a text evokes, by word, phrase, or a compound's tail ('talentnetværk')."""
        tokens = words(text)
        lexicon = self.lexicon
        concepts = set(lexicon.phrase_concepts(tokens))
        for token in tokens:
            concepts |= lexicon.concepts_of(token)
            folded = fold_text(token)
            if self.gazetteer.lookup(token) is not None:
                continue  # 'Dordrecht' is a town, not a compound ending in 'recht'
            for cut in range(2, len(folded) - 4):
                concepts |= lexicon.concepts.get(folded[cut:], frozenset())
        return concepts

    def _asks_terms(self, tokens: list[str]) -> bool:
        """A yes/no question (its opening verb, as the lexicon lists them), not one asking whether someone exists
        ('is there a dancer in Odense?'): it asks what a role may do or get, not who does it."""
        lexicon = self.lexicon
        return bool(tokens) and tokens[0] in lexicon.closed_starts and tuple(tokens[:2]) not in lexicon.existential

    def _asks_who(self, text: str) -> bool:
        return any("@contact" in self.lexicon.concepts_of(w) for w in words(text)[:3])

    @staticmethod
    def _search(terms: list[Term], place: Place | None, text: str) -> PeopleSearch:
        """The search, its role named as the text wrote it ('choreographer', not the folded 'choreografer')."""
        arts = tuple(dict.fromkeys(a for t in terms for a in t.art_forms))
        word = terms[0].word
        written = next((w.lower() for w in words(text) if fold_text(w).startswith(word)), word) if " " not in word \
            else word
        return PeopleSearch(sought=written, art_forms=arts, place=place, terms=tuple(t.word for t in terms))
