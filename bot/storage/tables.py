"""The database tables (SQLModel). Engine and sessions live in database.py, their versions in schema.py."""

from __future__ import annotations

from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, BigInteger, Column, DateTime, UniqueConstraint
from sqlalchemy.types import TypeDecorator
from sqlmodel import Field, SQLModel


def utcnow() -> datetime:
    """Timestamps are timezone-aware UTC, as SQLModel requires."""
    return datetime.now(UTC)


class UtcDateTime(TypeDecorator[datetime]):
    """Stored as naive UTC (SQLite keeps no zone), read back aware: no caller mends a naive timestamp."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None or value.tzinfo is None:
            return value
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        return None if value is None else value.replace(tzinfo=UTC)


def _json(default: Any = None) -> Any:
    return Field(default_factory=lambda: default() if callable(default) else default, sa_column=Column(JSON))


class Actor(SQLModel, table=True):
    """A culture actor who wrote to the bot, known only by a pseudonymous key."""

    key: str = Field(primary_key=True, max_length=64)
    language: str = Field(default="en", max_length=5)
    region: str | None = None
    art_form: str | None = None
    profile_asked: bool = False
    conversation: dict[str, Any] = _json(dict)  # small state between messages (e.g. pending options)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)
    last_seen_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)


class Scope(StrEnum):
    """What a question is, for analysis: a need in the domain, small talk, or outside what the networks cover."""

    DOMAIN = "domain"
    SMALL_TALK = "small_talk"  # greetings, thanks, "ok": no need at all
    OFF_TOPIC = "off_topic"    # weather, trains, funds the networks do not know: counted apart, never unmet


class Need(SQLModel, table=True):
    """The analysis record: one incoming question with what the bot did about it."""

    id: int | None = Field(default=None, primary_key=True)
    created_at: datetime = Field(default_factory=utcnow, index=True, sa_type=UtcDateTime)
    user_key: str = Field(index=True, max_length=64)
    language: str = Field(max_length=5)
    region: str | None = None
    art_form: str | None = None
    text: str
    decision: str = Field(max_length=16)  # answer | clarify | escalate
    scope: str = Field(default=Scope.DOMAIN, max_length=16)  # a Scope
    matches: list[dict[str, Any]] = _json(list)  # [{"id", "kind", "score"}], best first
    chosen_id: str | None = None  # the entry picked from a clarify
    feedback: str | None = Field(default=None, max_length=16)  # helpful | not_helpful
    feedback_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    ticket_id: int | None = Field(default=None, foreign_key="ticket.id", index=True)
    update_id: int | None = Field(default=None, sa_type=BigInteger, unique=True)  # a redelivery logs nothing twice
    channel: str = Field(default="telegram", max_length=16)


class InboxUpdate(SQLModel, table=True):
    """An update from Telegram, committed before its offset is confirmed, processed from here."""

    update_id: int = Field(primary_key=True, sa_type=BigInteger)
    payload: dict[str, Any] = _json(dict)
    lane: int | None = Field(default=None, index=True, sa_type=BigInteger)  # a keyed hash of the chat, never its id
    received_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)
    processed_at: datetime | None = Field(default=None, index=True, sa_type=UtcDateTime)
    attempts: int = 0
    error: str | None = None


class QuarantinedUpdate(SQLModel, table=True):
    """An update set aside (unreadable, or its handling failed three times) so it never blocks the others;
    staff list it with /quarantine. Its raw payload is not kept here: the error and its shape say what went wrong."""

    update_id: int = Field(primary_key=True, sa_type=BigInteger)
    reason: str = Field(max_length=16)  # unreadable | failed
    shape: str = Field(default="", max_length=200)  # the update's top-level fields, e.g. "message"
    error: str = ""
    attempts: int = 0
    set_aside_at: datetime = Field(default_factory=utcnow, index=True, sa_type=UtcDateTime)


class TicketState(StrEnum):
    """Where a ticket stands; stored as its value."""

    OPEN = "open"          # waiting for staff
    ANSWERED = "answered"  # staff answered; the user may write again
    CLOSED = "closed"


OPEN_STATES = (TicketState.OPEN, TicketState.ANSWERED)  # work still in progress


class Author(StrEnum):
    """Who wrote one turn of a ticket's exchange."""

    USER = "user"
    STAFF = "staff"
    SYSTEM = "system"


class Delivery(StrEnum):
    """An outbox row's state: waiting to be sent, sent, or given up on."""

    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"


class OutboxMessage(SQLModel, table=True):
    """A message that must not be lost, written in the transaction that caused it and sent with retries."""

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(unique=True, max_length=200)  # idempotency key
    method: str = Field(max_length=40)  # a Method of bot.desk.outbox
    chat_id: int = Field(sa_type=BigInteger)
    payload: dict[str, Any] = _json(dict)
    purpose: str = Field(default="notify", max_length=32)  # a Purpose of bot.desk.outbox
    ticket_id: int | None = Field(default=None, foreign_key="ticket.id", index=True)
    state: str = Field(default=Delivery.PENDING, max_length=16, index=True)
    attempts: int = 0
    not_before: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)
    sent_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    last_error: str | None = None
    result: dict[str, Any] | None = _json(None)


class Ticket(SQLModel, table=True):
    """An escalated question that a person answers; its id is the ticket number users see, never reused."""

    __table_args__ = {"sqlite_autoincrement": True}  # SQLite would hand a deleted last number out again

    id: int | None = Field(default=None, primary_key=True)
    user_key: str = Field(index=True, max_length=64)
    chat_id: int | None = Field(default=None, sa_type=BigInteger)  # kept only while the ticket needs it
    language: str = Field(max_length=5)
    region: str | None = None
    art_form: str | None = None
    question: str
    subject: str = ""  # the question's key words, for the topic's name
    tried: list[dict[str, Any]] = _json(list)  # the bot's top matches and scores
    state: str = Field(default=TicketState.OPEN, max_length=16, index=True)
    assignee_id: int | None = Field(default=None, sa_type=BigInteger)
    assignee_name: str | None = None
    topic_id: int | None = Field(default=None, sa_type=BigInteger)  # forum topic (message_thread_id)
    staff_message_id: int | None = Field(default=None, sa_type=BigInteger)  # where topics are off
    label: str | None = None  # the kind of need, as staff label it
    need_id: int | None = None
    relayed: list[int] = _json(list)  # ids of the staff answers in the user's chat: a reply to one joins the ticket
    created_at: datetime = Field(default_factory=utcnow, index=True, sa_type=UtcDateTime)
    first_answer_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    closed_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    reminded_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    rating: int | None = None
    forgotten: bool = False  # the user used /forget: what remains is the number and its topic, without words

    @property
    def number(self) -> int:
        """The ticket number users see: its id, which exists once the ticket is stored."""
        if self.id is None:
            raise ValueError("a ticket has no number before it is stored")
        return self.id


class TicketMessage(SQLModel, table=True):
    """One turn of a ticket's exchange."""

    id: int | None = Field(default=None, primary_key=True)
    ticket_id: int = Field(foreign_key="ticket.id", index=True)
    author: str = Field(max_length=16)  # an Author
    staff_id: int | None = Field(default=None, sa_type=BigInteger)
    text: str
    created_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)


class SmallTalkCount(SQLModel, table=True):
    """Greetings, thanks and the like, counted per day, language and kind: never a need, no text kept."""

    day: date = Field(primary_key=True)
    language: str = Field(primary_key=True, max_length=5)
    kind: str = Field(primary_key=True, max_length=16)  # a SmallTalk
    count: int = 0


class SavedReply(SQLModel, table=True):
    """A staff answer kept under a short name, one text per language, for /reply NAME."""

    __table_args__ = (UniqueConstraint("name", "language"),)

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=40, index=True)
    language: str = Field(max_length=5)
    text: str
    saved_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)
