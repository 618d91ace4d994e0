"""The matcher's general language knowledge — analyzer, lexicon, gazetteer — read once and passed in."""

from __future__ import annotations

from dataclasses import dataclass

from bot.matching.lexicon_file import load_lexicon
from bot.matching.places import Gazetteer, load_gazetteer
from bot.matching.text import Analyzer, Lexicon


@dataclass(frozen=True, slots=True)
class LanguageData:
    """What every index is built with; the composition root loads it once and reloads of the base reuse it."""

    analyzer: Analyzer
    lexicon: Lexicon
    gazetteer: Gazetteer


def load_language_data() -> LanguageData:
    """The shipped lexicon and gazetteer over one shared analyzer (its caches serve both)."""
    analyzer = Analyzer()
    return LanguageData(analyzer=analyzer, lexicon=load_lexicon(analyzer), gazetteer=load_gazetteer(analyzer))
