"""The role and craft words of each art form (bot/contact/data/vocabulary.yaml), folded once, found in a text."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from importlib import resources

import yaml

from bot.matching.text import fold_text, words

ENDINGS = ("", "s", "e", "er", "ar", "en", "n", "r", "na", "erne", "arna", "erna", "ere", "es", "ers", "ne", "et")


@dataclass(frozen=True, slots=True)
class Term:
    """One role or craft word as found in a text, with the art forms it belongs to."""

    word: str  # folded
    art_forms: tuple[str, ...]
    role: bool  # a person ('choreographer'), else a craft ('choreography')


@dataclass(frozen=True)
class Vocabulary:
    """Folded terms by first word, seek cues, and the lexicon concepts that mean a question for the base."""

    terms: Mapping[str, tuple[tuple[tuple[str, ...], Term], ...]]
    seek: frozenset[tuple[str, ...]]
    knowledge_concepts: frozenset[str]
    unless_seeking: frozenset[str] = frozenset()
    self_cues: frozenset[tuple[str, ...]] = frozenset()

    def find(self, tokens: list[str]) -> tuple[Term, ...]:
        """The role and craft terms in folded tokens, a word also with its plural or definite ending; a role just
        after 'I'm a', 'jeg er', 'ik ben' describes the writer and is left out."""
        found: dict[str, Term] = {}
        described = {j for i in range(len(tokens)) for cue in self.self_cues if tuple(tokens[i:i + len(cue)]) == cue
                     for j in range(i + len(cue), i + len(cue) + 3)}
        for i, token in enumerate(tokens):
            if i in described:
                continue
            for phrase, term in self._candidates(token):
                if _matches(tokens[i:i + len(phrase)], phrase):
                    found.setdefault(term.word, term)
        return tuple(found.values())

    def _candidates(self, token: str) -> Iterable[tuple[tuple[str, ...], Term]]:
        for cut in {0, *range(max(2, len(token) - 4), len(token) + 1)}:
            yield from self.terms.get(token[:cut] if cut else token, ())

    def seeks(self, tokens: list[str]) -> bool:
        """Whether the text asks for someone: a seeking verb or 'someone who'."""
        return any(tuple(tokens[i:i + len(cue)]) == cue for i in range(len(tokens)) for cue in self.seek)


def _matches(tokens: list[str], phrase: tuple[str, ...]) -> bool:
    if len(tokens) < len(phrase):
        return False
    *head, last = phrase
    return list(tokens[:len(head)]) == head and any(tokens[len(head)] == last + end for end in ENDINGS)


def load_vocabulary() -> Vocabulary:
    """The vocabulary shipped with the code."""
    text = resources.files("bot.contact").joinpath("data/vocabulary.yaml").read_text(encoding="utf-8")
    return vocabulary_from_mapping(yaml.safe_load(text))


def vocabulary_from_mapping(raw: Mapping[str, object]) -> Vocabulary:
    """Terms keyed by their first folded word; a word in several art forms belongs to each."""
    forms: dict[tuple[str, bool, tuple[str, ...]], list[str]] = {}
    art_forms = raw["art_forms"]
    assert isinstance(art_forms, Mapping)
    for art, spec in art_forms.items():
        for field, role in (("roles", True), ("crafts", False)):
            for phrase in _phrases(spec.get(field, "")):
                forms.setdefault((" ".join(phrase), role, phrase), []).append(str(art))
    terms: dict[str, list[tuple[tuple[str, ...], Term]]] = {}
    for (word, role, phrase), arts in forms.items():
        terms.setdefault(phrase[0], []).append((phrase, Term(word, tuple(dict.fromkeys(arts)), role)))
    strong, weak = raw.get("knowledge_concepts") or [], raw.get("unless_seeking") or []
    assert isinstance(strong, list) and isinstance(weak, list)
    return Vocabulary(terms={k: tuple(v) for k, v in terms.items()}, seek=frozenset(_phrases(str(raw["seek"]))),
                      knowledge_concepts=frozenset(f"@{c}" for c in strong),
                      unless_seeking=frozenset(f"@{c}" for c in weak),
                      self_cues=frozenset(_phrases(str(raw.get("self", "")))))


def _phrases(text: str) -> list[tuple[str, ...]]:
    return [tuple(words(fold_text(part))) for part in text.split(",") if words(part)]
