"""Small talk and language cues read from general word lists (bot/i18n/phrases/smalltalk.yaml), not from questions."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from importlib import resources

import yaml

from bot.languages import LANGUAGES

MAX_WORDS = 12        # longer messages carry a question, whatever their greeting
GUESS_MIN_WORDS = 4   # fewer words cannot tell Swedish from Danish
GUESS_MIN_HITS = 2
WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)?")


class SmallTalk(StrEnum):
    """What a message says when it asks nothing: answered in kind, counted, never a need."""

    ABOUT = "about"        # are you a bot? what can you do?
    THANKS = "thanks"
    GOODBYE = "goodbye"
    GREETING = "greeting"
    ACK = "ack"            # ok, great, yes
    EMOJI = "emoji"        # an emoji or punctuation alone


KINDS_IN_ORDER = (SmallTalk.ABOUT, SmallTalk.THANKS, SmallTalk.GOODBYE, SmallTalk.GREETING, SmallTalk.ACK)


@dataclass(frozen=True, slots=True)
class Phrases:
    """Per kind, the phrases of every language as word tuples (longest first); filler and function words."""

    phrases: Mapping[SmallTalk, tuple[tuple[str, ...], ...]]
    filler: frozenset[str]
    function_words: Mapping[str, frozenset[str]]

    def small_talk(self, text: str) -> SmallTalk | None:
        """The kind of small talk a message is, or None when it may ask something."""
        tokens = WORD.findall(text)
        if any(ch.isdigit() for ch in text):
            return None  # a number asks something: a date, an amount, a postcode
        if not tokens:
            return SmallTalk.EMOJI if text.strip() else None
        if len(tokens) > MAX_WORDS:
            return None
        words = [t.lower() for t in tokens]
        found: list[SmallTalk] = []
        present = set(words)  # a phrase whose first word is not here never matches: skipped without a search
        for kind in KINDS_IN_ORDER:
            for phrase in self.phrases[kind]:
                if phrase[0] not in present:
                    continue
                while (at := _find(words, phrase)) is not None:
                    words[at:at + len(phrase)] = [""] * len(phrase)
                    tokens[at:at + len(phrase)] = [""] * len(phrase)
                    found.append(kind)
        rest = [t for t, w in zip(tokens, words, strict=True) if w and w not in self.filler]
        names = [t for t in rest if t[:1].isupper()]
        if not found or len(rest) > 1 or rest != names:
            return None  # something besides small talk: a question, or a word we do not know
        return min(found, key=KINDS_IN_ORDER.index)

    def guess_language(self, text: str) -> str | None:
        """The language a message is clearly written in, when it is long enough to tell; else None."""
        words = [w.lower() for w in WORD.findall(text)]
        if len(words) < GUESS_MIN_WORDS:
            return None
        hits = sorted(((sum(w in cues for w in words), lang) for lang, cues in self.function_words.items()),
                      reverse=True)
        (best, language), (second, _) = hits[0], hits[1]
        return language if best >= GUESS_MIN_HITS and best >= 2 * second + 1 else None


def _find(words: list[str], phrase: tuple[str, ...]) -> int | None:
    """Where a phrase starts among the words, if it occurs."""
    size = len(phrase)
    return next((i for i in range(len(words) - size + 1) if tuple(words[i:i + size]) == phrase), None)


def load_phrases() -> Phrases:
    """The shipped word lists; the composition root reads them once and passes them on."""
    text = resources.files("bot.i18n").joinpath("phrases/smalltalk.yaml").read_text(encoding="utf-8")
    data = yaml.safe_load(text)
    phrases = {kind: tuple(sorted({tuple(str(p).lower().split()) for lang in LANGUAGES for p in data[lang][kind]},
                                  key=len, reverse=True)) for kind in KINDS_IN_ORDER}
    return Phrases(phrases=phrases,
                   filler=frozenset(str(w).lower() for lang in LANGUAGES for w in data[lang]["filler"]),
                   function_words={lang: frozenset(str(w).lower() for w in data[lang]["function_words"])
                                   for lang in LANGUAGES})
