"""Whether a text joins two languages ('Sådan bliver du med: … / Heads and deputy heads…'): for kb check and reviews."""

from __future__ import annotations

import re
from collections.abc import Mapping

# Where one language's text may end and another's begin: a slash between words, a line, a list's dot.
SEGMENT_BREAK = re.compile(r" / |\n+| · ")
QUOTED = re.compile(r"[\"“”„«»][^\"“”„«»]*[\"“”„«»]|'[^']*'")  # quoted titles are names, in any language

WORD = re.compile(r"[^\W\d_]{2,}")  # one letter (a, i) tells nothing
MIN_WORDS = 3  # fewer words are a name or a label, in any language
Cues = Mapping[str, frozenset[str]]  # per language, the function words only it writes that way


def segments(text: str) -> list[str]:
    """The pieces of a text that are each written in one language, quoted titles left out."""
    return [piece.strip() for piece in SEGMENT_BREAK.split(QUOTED.sub(" ", text)) if piece.strip()]


def language_of(piece: str, cues: Cues) -> str | None:
    """The language whose function words lead in a piece of three words or more."""
    words = [w.lower() for w in WORD.findall(piece)]
    if len(words) < MIN_WORDS:
        return None
    hits = sorted(((sum(w in words_of for w in words), lang) for lang, words_of in cues.items()), reverse=True)
    (best, language), (second, _) = hits[0], hits[1]
    return language if best > second else None


def languages_in(text: str, cues: Cues) -> set[str]:
    """The languages its pieces are clearly written in (pieces too short to tell count for none)."""
    return {language for piece in segments(text) if (language := language_of(piece, cues)) is not None}


def joins_languages(text: str, cues: Cues) -> bool:
    """A text with pieces clearly in two languages."""
    return len(languages_in(text, cues)) > 1
