"""The curated knowledge base as frozen values: entries, their texts per language, and the errors loading reports."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from enum import StrEnum
from pathlib import Path


class Kind(StrEnum):
    """What an entry is; equal to its YAML spelling, so it is stored and compared as that string."""

    FUNDING = "funding"
    CONTACT = "contact"
    NETWORK = "network"
    EVENT = "event"
    COURSE = "course"
    FAQ = "faq"


KINDS: tuple[Kind, ...] = tuple(Kind)
ID_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
ID_MAX = 60  # "e:" + id must fit Telegram's 64-byte callback data
ROLLING = "rolling"
FALLBACK_ORDER = ("en", "sv", "da", "nl")  # README, "One language per message"


class KnowledgeError(Exception):
    """A knowledge-base problem, located by file, line, entry id and field (or sheet, row and column)."""

    def __init__(self, message: str, *, file: Path | str, line: int | None = None, entry: str | None = None,
                 field: str | None = None, sheet: str | None = None, column: str | None = None) -> None:
        self.file, self.line, self.entry, self.field, self.message = str(file), line, entry, field, message
        self.sheet, self.column = sheet, column  # in a spreadsheet, `line` is the row and `column` its letter
        if sheet is not None:
            where = f"{self.file}, sheet '{sheet}'" + (f", row {line}" if line else "") + (
                f", column {column}" if column else "")
        else:
            where = self.file + (f":{line}" if line else "")
        parts = [where] + ([f"entry '{entry}'"] if entry else []) + ([f"field '{field}'"] if field else [])
        super().__init__(f"{', '.join(parts)}: {message}")


class KnowledgeErrors(Exception):
    """Every problem found in one load, so a curator fixes them in one pass."""

    def __init__(self, errors: list[KnowledgeError]) -> None:
        self.errors = errors
        super().__init__("\n".join(str(e) for e in errors))


@dataclass(frozen=True, slots=True)
class Text:
    """A user-facing text: one string per language, or one string of unstated language under ''."""

    by_language: Mapping[str, str]

    def get(self, language: str) -> str:
        """The text in `language`, else in the first language of FALLBACK_ORDER it has."""
        return self.pick(language)[0]

    def pick(self, language: str) -> tuple[str, str | None]:
        """The text for a reader of `language` and, when it is a fallback, the language it is written in:
        their own language, a text of unstated language (a name), then English, Swedish, Danish, Dutch."""
        for lang in (language, "", *FALLBACK_ORDER):
            if value := self.by_language.get(lang):
                return value, (lang if lang not in (language, "") else None)
        return next(iter(self.by_language.values()), ""), None

    @property
    def languages(self) -> frozenset[str]:
        return frozenset(lang for lang in self.by_language if lang)

    def all(self) -> tuple[str, ...]:
        return tuple(self.by_language.values())


@dataclass(frozen=True, slots=True)
class Source:
    file: str
    line: int


@dataclass(frozen=True, slots=True)
class Entry:
    """One knowledge-base entry; kind-specific fields are None where not given."""

    id: str
    kind: Kind
    title: Text
    summary: Text | None
    source: Source
    keywords: tuple[str, ...] = ()
    questions: tuple[str, ...] = ()
    regions: tuple[str, ...] = ()
    art_forms: tuple[str, ...] = ()
    audience: tuple[str, ...] = ()
    url: str | None = None
    organisation: str | None = None
    amount: Text | None = None
    deadline: date | str | None = None
    next_deadline: date | None = None  # the next round's deadline, once known
    role: str | None = None
    municipality: str | None = None
    email: str | None = None
    phone: str | None = None
    starts: datetime | date | None = None
    place: str | None = None
    how_to_join: Text | None = None
    answer: Text | None = None
    reviewed: date | None = None  # when a curator last checked the entry
    review_after_days: int | None = None  # overrides the configured review period for this entry

    @property
    def body(self) -> Text:
        """What a user is told: the summary, or a faq's full answer."""
        return self.answer or self.summary or self.title

    def same_as(self, other: Entry) -> bool:
        """Equal in every field a curator writes (where it was read from does not count)."""
        return replace(self, source=other.source) == other

    def deadline_passed(self, today: date) -> bool:
        """Every known round has closed: the deadline is past and no later round is known."""
        return isinstance(self.deadline, date) and self.deadline < today and not (
            self.next_deadline is not None and self.next_deadline >= today)

    def open_deadline(self, today: date) -> date | str | None:
        """The deadline to show: the next round's once this one has closed."""
        if isinstance(self.deadline, date) and self.deadline < today and self.next_deadline is not None:
            return self.next_deadline
        return self.deadline

    def event_passed(self, today: date) -> bool:
        """An event whose day is over."""
        day = self.starts.date() if isinstance(self.starts, datetime) else self.starts
        return self.kind == Kind.EVENT and day is not None and day < today


@dataclass(frozen=True)
class KnowledgeBase:
    entries: tuple[Entry, ...]
    root: Path
    by_id: Mapping[str, Entry] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "by_id", {e.id: e for e in self.entries})

    def __len__(self) -> int:
        return len(self.entries)

    def __iter__(self) -> Iterator[Entry]:
        return iter(self.entries)

    def of_kind(self, kind: Kind | str) -> tuple[Entry, ...]:
        return tuple(e for e in self.entries if e.kind == kind)
