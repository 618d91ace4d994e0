"""The needs log read for analysis: one row per need and per ticket, without any Telegram id, name or text of staff.

Only the columns named here are ever selected, so a chat id, a staff member's id or name and the ticket
messages never leave the database through an export or a report.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from bot.insights.periods import Period
from bot.knowledge.entries import KnowledgeBase
from bot.storage.database import open_database
from bot.storage.tables import Need, Scope, Ticket

UNKNOWN = "unknown"
BATCH = 5000
NEED_COLUMNS = ("need", "time_utc", "language", "kind", "entry_ids", "entry_titles", "decision", "feedback",
                "ticket", "ticket_state", "hours_to_answer", "hours_to_close", "rating", "region", "art_form",
                "user_key")
TICKET_COLUMNS = ("ticket", "need", "created_utc", "state", "language", "kind", "label", "tried_ids",
                  "hours_to_answer", "hours_to_close", "rating", "region", "art_form", "user_key")


@dataclass(frozen=True, slots=True)
class NeedRow:
    """One logged need as analysis sees it; `text` and `chosen_id` feed the report, never the export."""

    need: int
    time: datetime
    language: str
    kind: str
    entry_ids: tuple[str, ...]
    entry_titles: tuple[str, ...]
    decision: str
    feedback: str | None
    ticket: int | None
    ticket_state: str | None
    hours_to_answer: float | None
    hours_to_close: float | None
    rating: int | None
    region: str | None
    art_form: str | None
    user_key: str
    text: str = ""
    chosen_id: str | None = None
    scope: str = Scope.DOMAIN

    @property
    def unmet(self) -> bool:
        """An in-domain question handed to a person or marked not helpful: what the base lacks. Small talk and
        off-topic questions are never unmet needs, whatever happened to them."""
        return self.scope == Scope.DOMAIN and (self.decision == "escalate" or self.ticket is not None
                                               or self.feedback == "not_helpful")

    def values(self) -> tuple[Any, ...]:
        """The exported cells, in NEED_COLUMNS order."""
        return (self.need, self.time, self.language, self.kind, self.entry_ids, self.entry_titles, self.decision,
                self.feedback, self.ticket, self.ticket_state, self.hours_to_answer, self.hours_to_close,
                self.rating, self.region, self.art_form, self.user_key)


@dataclass(frozen=True, slots=True)
class TicketRow:
    """One ticket, without its chat id, staff, question or messages."""

    ticket: int
    need: int | None
    created: datetime
    state: str
    language: str
    kind: str
    label: str | None
    tried_ids: tuple[str, ...]
    hours_to_answer: float | None
    hours_to_close: float | None
    rating: int | None
    region: str | None
    art_form: str | None
    user_key: str

    def values(self) -> tuple[Any, ...]:
        """The exported cells, in TICKET_COLUMNS order."""
        return (self.ticket, self.need, self.created, self.state, self.language, self.kind, self.label,
                self.tried_ids, self.hours_to_answer, self.hours_to_close, self.rating, self.region,
                self.art_form, self.user_key)


@contextmanager
def open_existing(url: str) -> Iterator[Engine]:
    """The database to analyse, closed after; a missing SQLite file is an error rather than a new empty database."""
    if url.startswith("sqlite") and ":memory:" not in url:
        path = Path(url.split("///", 1)[-1])
        if not path.is_file():
            raise FileNotFoundError(f"no database at {path}")
    engine = open_database(url)
    try:
        yield engine
    finally:
        engine.dispose()


def count_needs(engine: Engine, period: Period) -> int:
    """How many needs the period holds, for progress lines."""
    query = _within(select(func.count()).select_from(Need), Need.created_at, period)
    with engine.connect() as connection:
        return int(connection.execute(query).scalar_one())


def need_rows(engine: Engine, kb: KnowledgeBase | None, period: Period, *, language: str = "en") -> Iterator[NeedRow]:
    """Every need of the period, oldest first, streamed in batches with its ticket's state and times."""
    columns: tuple[Any, ...] = (  # Any: select()'s overloads do not take SQLModel's typed columns
        Need.id, Need.created_at, Need.language, Need.decision, Need.matches, Need.chosen_id, Need.feedback,
        Need.ticket_id, Need.region, Need.art_form, Need.user_key, Need.text, Need.scope, Ticket.state, Ticket.label,
        Ticket.created_at, Ticket.first_answer_at, Ticket.closed_at, Ticket.rating)
    query = select(*columns).outerjoin(Ticket, Need.ticket_id == Ticket.id)  # type: ignore[arg-type]
    query = _within(query, Need.created_at, period).order_by(Need.created_at, Need.id)
    titles = _Titles(kb, language)
    with engine.connect() as connection:
        for (need_id, created, lang, decision, matches, chosen, feedback, ticket_id, region, art_form, user_key,
             text, scope, state, label, opened, answered, closed, rating) in connection.execution_options(
                 yield_per=BATCH).execute(query):
            ids = tuple(str(m.get("id", "")) for m in matches or () if isinstance(m, Mapping))
            yield NeedRow(need=need_id, time=created, language=lang, kind=kind_of(label, matches),
                          entry_ids=ids, entry_titles=tuple(titles(i) for i in ids), decision=decision,
                          feedback=feedback, ticket=ticket_id, ticket_state=state,
                          hours_to_answer=hours_between(opened, answered), hours_to_close=hours_between(opened, closed),
                          rating=rating, region=region, art_form=art_form, user_key=user_key, text=text,
                          chosen_id=chosen, scope=scope or Scope.DOMAIN)


def ticket_rows(engine: Engine, period: Period) -> Iterator[TicketRow]:
    """Every ticket opened in the period, oldest first."""
    columns: tuple[Any, ...] = (Ticket.id, Ticket.need_id, Ticket.created_at, Ticket.state, Ticket.language,
                                Ticket.label, Ticket.tried, Ticket.first_answer_at, Ticket.closed_at, Ticket.rating,
                                Ticket.region, Ticket.art_form, Ticket.user_key)
    query = _within(select(*columns), Ticket.created_at, period).order_by(Ticket.created_at, Ticket.id)
    with engine.connect() as connection:
        for (ticket_id, need_id, opened, state, lang, label, tried, answered, closed, rating, region, art_form,
             user_key) in connection.execution_options(yield_per=BATCH).execute(query):
            yield TicketRow(ticket=ticket_id, need=need_id, created=opened, state=state, language=lang,
                            kind=kind_of(label, tried), label=label,
                            tried_ids=tuple(str(t.get("id", "")) for t in tried or () if isinstance(t, Mapping)),
                            hours_to_answer=hours_between(opened, answered),
                            hours_to_close=hours_between(opened, closed), rating=rating, region=region,
                            art_form=art_form, user_key=user_key)


def kind_of(label: str | None, matches: Sequence[Any] | None) -> str:
    """The kind of need: the staff's label on its ticket, else the best match's kind, else 'unknown'."""
    if label and label.strip():
        return label.strip()
    first = matches[0] if matches else None
    kind = first.get("kind") if isinstance(first, Mapping) else None
    return str(kind) if kind else UNKNOWN


def hours_between(start: datetime | None, end: datetime | None) -> float | None:
    """Hours from `start` to `end`, to two decimals; None when either is missing."""
    if start is None or end is None:
        return None
    return round((end - start).total_seconds() / 3600, 2)


def _within(query: Any, column: Any, period: Period) -> Any:
    if period.since is not None:
        query = query.where(column >= period.since)
    if period.until is not None:
        query = query.where(column < period.until)
    return query


class _Titles:
    """Entry titles in one language, looked up once per id; empty where the base lacks the entry."""

    def __init__(self, kb: KnowledgeBase | None, language: str) -> None:
        self.kb, self.language = kb, language
        self.cache: dict[str, str] = {}

    def __call__(self, entry_id: str) -> str:
        if entry_id not in self.cache:
            entry = self.kb.by_id.get(entry_id) if self.kb is not None else None
            self.cache[entry_id] = entry.title.get(self.language) if entry is not None else ""
        return self.cache[entry_id]
