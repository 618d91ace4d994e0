"""Whether a question is a need at all: small talk and off-topic questions are logged, but counted apart."""

from __future__ import annotations

from bot.matching.text import Lexicon, words
from bot.storage.tables import Scope


def scope_of(text: str, lexicon: Lexicon, *, off_topic: bool) -> Scope:
    """Small talk has no word beyond greetings and filler ('hej', 'tack!', 'ok'); off-topic touches a subject
    no entry answers, as the matcher read it (weather, trains, an unknown fund); the rest is a need."""
    if not [t for t in words(text) if len(t) > 1 and not lexicon.is_stopword(t)]:
        return Scope.SMALL_TALK
    return Scope.OFF_TOPIC if off_topic else Scope.DOMAIN
