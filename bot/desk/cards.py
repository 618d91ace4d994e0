"""The first message of a ticket, written for a person: the question, who asks, what the bot tried, in words."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Protocol


class Texts(Protocol):
    """Localised text by key: the i18n catalog."""

    def __call__(self, language: str, key: str, /, **params: Any) -> str: ...


class Closeness(StrEnum):
    """How near an entry the bot tried came to the question, as staff read it (not a score)."""

    CLOSE = "close"
    PARTLY = "partly"
    FAR = "far"


@dataclass(frozen=True, slots=True)
class Tried:
    """An entry the bot tried: its title in the staff's language and how close it came."""

    title: str
    closeness: Closeness


def closeness(score: float, *, answer_min: float, clarify_min: float) -> Closeness:
    """Close where the bot would have answered with it, partly where it would have offered it, else far."""
    return Closeness.CLOSE if score >= answer_min else Closeness.PARTLY if score >= clarify_min else Closeness.FAR


def staff_card(texts: Texts, *, staff_language: str, number: int, language: str, profile: Sequence[str | None],
               question: str, tried: Sequence[Tried]) -> str:
    """'#12 · Danish · Næstved, music', the question, then each tried title with how close it was."""
    lines = [texts(staff_language, "ticket.tried_line", title=t.title,
                   closeness=texts(staff_language, f"ticket.closeness.{t.closeness}")) for t in tried]
    return texts(staff_language, "ticket.card", number=number,
                 language=texts(staff_language, f"language_names.{language}"),
                 profile=", ".join(p for p in profile if p) or texts(staff_language, "ticket.no_profile"),
                 question=question, tried="\n".join(lines) or texts(staff_language, "ticket.tried_none"))
