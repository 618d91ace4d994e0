"""What a match decides, as the conversation and every caller read it: frozen values that cross modules."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from bot.knowledge.entries import Entry
from bot.matching.places import Place


class Decision(StrEnum):
    ANSWER = "answer"
    CLARIFY = "clarify"
    ESCALATE = "escalate"


@dataclass(frozen=True, slots=True)
class Match:
    entry: Entry
    score: float


@dataclass(frozen=True, slots=True)
class Profile:
    """What a user told us about themselves; it only re-orders near-equal matches."""

    region: str | None = None
    art_form: str | None = None


@dataclass(frozen=True, slots=True)
class Result:
    question: str
    decision: Decision
    matches: tuple[Match, ...]   # the answer first; on clarify, the options; on escalate, the best tries
    places: tuple[Place, ...] = field(default=())
    related: Match | None = None  # on escalate: an entry on the topic that lacks the detail asked ("meanwhile")
    off_topic: bool = False  # the question touches a subject no entry answers (weather, trains): read once, here

    @property
    def best(self) -> Match | None:
        return self.matches[0] if self.matches else None
