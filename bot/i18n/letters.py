"""Greetings, sign-offs and names taken out of a staff answer, so it reads as a FAQ answer, not a letter."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from importlib import resources

import yaml

from bot.languages import LANGUAGES

NAME_WORDS = 3  # a greeting or sign-off is followed by at most this many words of name ("Hej Anna Lind!")
PUNCT = r"[\s,.!:;–-]*"
NAME = r"(?:[A-ZÅÄÖÆØÉÜ][\w'’-]*\s*){0,%d}" % NAME_WORDS  # noqa: UP031  (a regex with braces of its own)


@dataclass(frozen=True, slots=True)
class Letters:
    """The phrases of every language, longest first: language is not known for sure from a short answer."""

    greetings: tuple[str, ...]
    sign_offs: tuple[str, ...]
    courtesies: tuple[str, ...]

    def strip(self, text: str, *, names: Iterable[str] = ()) -> str:
        """The answer without its opening greeting, closing sign-off, courtesy lines and the names they carry."""
        lines = [line.strip() for line in text.strip().splitlines()]
        lines = self._without_closing(lines)
        if lines and (opening := self._without_greeting(lines[0])) != lines[0]:
            lines[0] = opening[:1].upper() + opening[1:]
        lines = [line for line in lines if not self._courtesy(line)]
        body = "\n".join(lines).strip()
        for name in {n.strip() for n in names if n.strip()}:
            body = re.sub(rf",?\s*\b{re.escape(name)}\b(?=\s*[,.!?]|$)", "", body)
        return re.sub(r"\n{3,}", "\n\n", body).strip()

    def _without_greeting(self, line: str) -> str:
        """'Hej Mette! Ni kan…' → 'Ni kan…'; a line that is only 'Kære Mette' goes whole."""
        for phrase in self.greetings:
            opening = rf"(?i:{re.escape(phrase)})\b\s*{NAME}"
            if match := re.match(rf"{opening}[,.!:]+\s*", line) or re.fullmatch(rf"{opening}{PUNCT}", line):
                return line[match.end():].strip()
        return line

    def _without_closing(self, lines: list[str]) -> list[str]:
        """Cut from the last sign-off on: the sign-off and the name lines after it."""
        for at in range(len(lines) - 1, max(-1, len(lines) - 5), -1):
            for phrase in self.sign_offs:
                sign = re.search(rf"(?:^|(?<=[.!?]\s))(?i:{re.escape(phrase)})\b{PUNCT}{NAME}$", lines[at])
                if sign and all(len(rest.split()) <= NAME_WORDS for rest in lines[at + 1:]):
                    head = lines[at][:sign.start()].strip()
                    return [*lines[:at], *([head] if head else [])]
        return lines

    def _courtesy(self, line: str) -> bool:
        folded = re.sub(r"[^\w\s]", "", line.lower()).strip()
        return any(folded == phrase or (folded.startswith(phrase + " ") and len(folded.split()) <= len(
            phrase.split()) + NAME_WORDS) for phrase in self.courtesies)


def load_letters() -> Letters:
    """The shipped lists (bot/i18n/phrases/letters.yaml); the composition root reads them once."""
    data = yaml.safe_load(resources.files("bot.i18n").joinpath("phrases/letters.yaml").read_text(encoding="utf-8"))

    def every(kind: str) -> tuple[str, ...]:
        return tuple(sorted({str(p).lower() for lang in LANGUAGES for p in data[lang][kind]}, key=len, reverse=True))

    return Letters(greetings=every("greeting"), sign_offs=every("sign_off"), courtesies=every("courtesy"))
