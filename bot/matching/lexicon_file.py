"""The lexicon read from its YAML file (bot/matching/data/lexicon.yaml): stop words, concepts, details, grammar."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from importlib import resources
from typing import Any

import yaml

from bot.matching.text import CONCEPT_PREFIX, HEAD_MIN, OFF_TOPIC, Analyzer, Lexicon, words


def load_lexicon(analyzer: Analyzer) -> Lexicon:
    """The lexicon shipped with the code (bot/matching/data/lexicon.yaml)."""
    text = resources.files("bot.matching").joinpath("data/lexicon.yaml").read_text(encoding="utf-8")
    return lexicon_from_mapping(yaml.safe_load(text), analyzer)


def lexicon_from_mapping(raw: Mapping[str, Any], analyzer: Analyzer) -> Lexicon:
    """A lexicon from its YAML shape: stop words per language, concepts, the kinds they ask for, fund names."""
    fold, stems = analyzer.fold, analyzer.stems
    written = {w.lower() for lang_words in dict(raw.get("stopwords", {})).values() for w in str(lang_words).split()}
    stop = {fold(w) for w in written}
    concepts: dict[str, set[str]] = {}
    phrases: dict[tuple[str, ...], set[str]] = {}
    off_topic: set[str] = set()
    exact: dict[str, set[str]] = {}
    for name, spec in dict(raw.get("concepts", {})).items():
        term = CONCEPT_PREFIX + name
        for item in _concept_words(spec):
            parts = tuple(fold(p) for p in words(item))
            if len(parts) > 1:
                phrases.setdefault(parts, set()).add(term)
            elif parts and term.startswith(OFF_TOPIC):
                off_topic.add(parts[0])  # stems would catch innocent words ("skriver" ~ "skrivare")
            elif parts:
                exact.setdefault(parts[0], set()).add(term)
                for form in stems(words(item)[0]):
                    concepts.setdefault(form, set()).add(term)
    kinds = {kind: tuple(CONCEPT_PREFIX + c for c in names)
             for kind, names in dict(raw.get("kinds", {})).items()}
    details = frozenset(CONCEPT_PREFIX + name for name in raw.get("details", ()))
    singles = [(name, w[0]) for name in raw.get("details", ()) for item in _concept_words(raw["concepts"][name])
               if len(w := words(item)) == 1]
    compounding = [(name, word) for name in raw.get("details", ()) for lang, items in raw["concepts"][name].items()
                   if lang != "en" for item in str(items).split(",") if len(word := item.strip()) >= 8 and " " not in word]
    heads: dict[str, set[str]] = {}
    tails: dict[str, set[str]] = {}
    for name, word in compounding:  # sv/da/nl write compounds as one word
        if len(head := min(stems(word), key=len)) >= HEAD_MIN:
            heads.setdefault(head, set()).add(CONCEPT_PREFIX + name)
        tails.setdefault(fold(word), set()).add(CONCEPT_PREFIX + name)
    return Lexicon(analyzer=analyzer, stopwords=frozenset(stop), written_stopwords=frozenset(written),
                   detail_concepts=details,
                   detail_words={fold(word): CONCEPT_PREFIX + name for name, word in singles},
                   detail_heads={k: frozenset(v) for k, v in heads.items()},
                   detail_tails={k: frozenset(v) for k, v in tails.items()},
                   concepts={k: frozenset(v) for k, v in concepts.items()},
                   phrases={k: frozenset(v) for k, v in phrases.items()},
                   kind_concepts=kinds, off_topic_words=frozenset(off_topic),
                   body_words=frozenset(fold(w) for w in str(raw.get("bodies", "")).split()),
                   exact_concepts={k: frozenset(v) for k, v in exact.items()},
                   particles=frozenset(fold(w) for w in str(raw.get("particles", "")).split()),
                   counting=_phrases(raw.get("counting", ""), fold),
                   counting_or_amount=_phrases(raw.get("counting_or_amount", ""), fold),
                   numerals=frozenset(fold(w) for ws in dict(raw.get("numerals", {})).values() for w in str(ws).split()),
                   closed_starts=frozenset(fold(w) for ws in dict(raw.get("closed", {})).values() for w in str(ws).split()),
                   existential=frozenset((first, second) for item in _concept_words(raw.get("existential", ""))
                                         for first, second in [tuple(fold(w) for w in words(item))[:2]]))


def _phrases(spec: object, fold: Callable[[str], str]) -> frozenset[tuple[str, ...]]:
    """Comma-separated phrases, each as its folded words."""
    return frozenset(tuple(fold(w) for w in words(item)) for item in _concept_words(spec))


def _concept_words(spec: object) -> Iterable[str]:
    if isinstance(spec, Mapping):
        for value in spec.values():
            yield from (w.strip() for w in str(value).split(",") if w.strip())
    else:
        yield from (w.strip() for w in str(spec).split(",") if w.strip())
