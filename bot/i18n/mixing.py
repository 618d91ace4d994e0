"""Whether a text joins two languages ('Sådan bliver du med: … / Heads and deputy heads…'): for kb check and reviews."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

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


# A message is read clause by clause: a label and its value, list items and sentences may each be in one language.
CLAUSE_BREAK = re.compile(r"[.!?;:,()\[\]]+(?:\s+|$)|\s+[–—-]\s+| / | · |\n+")
CLAUSE_MIN_HITS = 2  # words only one language writes, in one clause, before it counts as written in that language


def vocabulary(texts: Mapping[str, Iterable[str]], *, min_length: int = 4) -> dict[str, frozenset[str]]:
    """Per language, the words only its texts use, learnt from texts known to be in it (catalogs, entry fields)."""
    seen = {lang: {w.lower() for text in items for w in WORD.findall(text) if len(w) >= min_length}
            for lang, items in texts.items()}
    return {lang: frozenset(words.difference(*(other for o, other in seen.items() if o != lang)))
            for lang, words in seen.items()}


def without_names(text: str, names: Iterable[str]) -> str:
    """The text with names (entry titles, organisations, places, people) and quoted titles blanked out."""
    for name in sorted({n.strip() for n in names if len(n.strip()) > 2}, key=len, reverse=True):
        text = re.sub(rf"(?<!\w){re.escape(name)}(?!\w)", " ", text)
    return QUOTED.sub(" ", text)


def clause_languages(text: str, cues: Cues) -> set[str]:
    """The languages a text's pieces are clearly written in: a line (or a clause of it) with two words or more
    only that language writes and none of another's. Finer than `languages_in`, so 'Vem kan söka: fria grupper,
    independent groups' is two. A word two languages' cues share tells nothing."""
    shared = {w for lang, own in cues.items() for other, words in cues.items() if other != lang for w in own & words}
    found: set[str] = set()
    for line in SEGMENT_BREAK.split(text):
        for piece in (line, *CLAUSE_BREAK.split(line)):
            words = [w.lower() for w in WORD.findall(piece)]
            hits = {lang: sum(w in own and w not in shared for w in words) for lang, own in cues.items()}
            leaders = [lang for lang, n in hits.items() if n]
            if len(leaders) == 1 and hits[leaders[0]] >= CLAUSE_MIN_HITS:
                found.add(leaders[0])
    return found


def mixes_languages(text: str, cues: Cues, *, names: Iterable[str] = ()) -> bool:
    """A message with text of two languages outside names and quoted titles."""
    return len(clause_languages(without_names(text, names), cues)) > 1
