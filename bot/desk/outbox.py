"""The outbox: messages that must not be lost are rows first, sent after with retries and Telegram's limits.

A row is written in the same transaction as the change that caused it (a user's answer too). The sender
(bot/desk/sender.py) takes due rows in FIFO order per chat (a ticket's topic exists before its first message),
asks a `Deliver` callable to send each, and records the outcome here. Telegram itself is behind that callable
(handlers/), so this module stays testable and transport-free.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, col, func, select

from bot.storage.tables import Delivery, OutboxMessage, utcnow

MAX_ATTEMPTS = 8
BACKOFF_BASE = 2.0    # seconds; doubles per attempt
BACKOFF_CAP = 600.0
ANY_PRIVATE_CHAT = 0  # the chat a settled answer keeps: some private chat, not whose


class Method(StrEnum):
    """What a row asks the transport to do: open a staff thread, post text (and buttons), or copy a message."""

    TOPIC = "topic"
    MESSAGE = "message"
    COPY = "copy"  # a user's photo, voice or document copied as it is (payload: from_chat_id, message_id)
    TOPIC_CLOSE = "topic_close"    # name a topic and close it
    TOPIC_REOPEN = "topic_reopen"  # name a topic and reopen it
    DELETE = "delete"              # delete (or, where Telegram refuses, blank) the bot's own messages
    REPLY = "reply"                # one piece of an answer to a user, rendered (payload: html, markup, edit)
    # a file: an answer's attachment (payload: filename, base64) or a reminder's calendar file with its caption
    # and buttons (payload: filename, content as text, text, buttons)
    DOCUMENT = "document"


class Purpose(StrEnum):
    """Why a row exists, so a settled row can update what caused it."""

    NOTIFY = "notify"      # anything else
    TOPIC = "topic"        # a ticket's forum topic
    CARD = "card"          # a ticket's first message to staff
    STAFF = "staff"        # a notice in the ticket's place on the staff side
    RELAY = "relay"        # a message to the user about their ticket
    REMINDER = "reminder"  # a ticket re-announced to staff
    TOPIC_STATE = "topic_state"  # a ticket's topic closed, reopened or renamed
    ERASE = "erase"        # the bot's own messages quoting a user who used /forget
    ANSWER = "answer"      # the bot's answer to what a user wrote or pressed; its text goes once it is sent


@dataclass(frozen=True, slots=True)
class Sent:
    result: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Partial:
    """Part of the message went (the first pieces of a long text): kept on the row, the rest follows."""

    result: dict[str, Any]


@dataclass(frozen=True, slots=True)
class RetryLater:
    """A passing failure; `wait` seconds at least. Flood waits (429) do not count as attempts; `ambiguous`: the call
    timed out, so Telegram may have performed it (counted on the row)."""

    error: str
    wait: float | None = None
    counts: bool = True
    ambiguous: bool = False


@dataclass(frozen=True, slots=True)
class Unconfirmed:
    """Telegram received the whole call but answered after the client stopped waiting: most likely performed, so
    taken as done and not sent again (a resend would most likely be a duplicate); counted on the row as ambiguous.
    `more`: pieces of a long text remain, and follow."""

    error: str
    result: dict[str, Any] = field(default_factory=dict)
    more: bool = False


@dataclass(frozen=True, slots=True)
class Undeliverable:
    """A permanent failure: the user blocked the bot, the chat is gone, the request is wrong."""

    error: str


Outcome = Sent | Partial | Unconfirmed | RetryLater | Undeliverable
QUEUED_FOR = "outbox.queued_for"  # session.info key: the chats `enqueue` added rows for in this session
Deliver = Callable[[OutboxMessage, dict[str, Any]], Awaitable[Outcome]]
Prepare = Callable[[Session, OutboxMessage], dict[str, Any]]
OnSettled = Callable[[Session, OutboxMessage, Outcome], None]


def enqueue(session: Session, *, key: str, method: Method, chat_id: int, payload: dict[str, Any],
            purpose: Purpose = Purpose.NOTIFY, ticket_id: int | None = None) -> OutboxMessage:
    """Add a message unless one with the same idempotency key exists; return the row either way."""
    existing = session.exec(select(OutboxMessage).where(OutboxMessage.key == key)).first()
    if existing is not None:
        return existing
    row = OutboxMessage(key=key, method=method, chat_id=chat_id, payload=payload, purpose=purpose,
                        ticket_id=ticket_id)
    session.add(row)
    session.flush()
    session.info.setdefault(QUEUED_FOR, set()).add(chat_id)
    return row


def queued_for(session: Session) -> frozenset[int]:
    """The chats this session queued single rows for (a ticket's card, a topic, a message to a person): whoever
    sends a chat's answer itself wakes the sender's rounds only for the others."""
    return frozenset(session.info.get(QUEUED_FOR, ()))


def enqueue_new(session: Session, rows: list[dict[str, Any]]) -> int:
    """Add many messages at once, skipping every key that exists (also one another instance adds meanwhile);
    return how many were added. Each dict holds key, method, chat_id and payload."""
    if not rows:
        return 0
    dialect = session.get_bind().dialect.name
    insert = sqlite_insert if dialect == "sqlite" else postgresql_insert
    now = utcnow()
    values = [{"purpose": Purpose.NOTIFY, "state": Delivery.PENDING, "attempts": 0, "not_before": now,
               "created_at": now, **row} for row in rows]
    table = OutboxMessage.__table__  # type: ignore[attr-defined]
    statement = insert(table).on_conflict_do_nothing(index_elements=["key"]).returning(table.c.id)
    return len(session.connection().execute(statement, values).all())  # the rows really added, as one batch


def pending_in(session: Session, chat_id: int) -> list[int]:
    """The chat's pending rows, oldest first: what must go next there, in order."""
    return [row_id for row_id in session.exec(select(OutboxMessage.id).where(
        OutboxMessage.chat_id == chat_id, OutboxMessage.state == Delivery.PENDING).order_by(col(OutboxMessage.id)))
        if row_id is not None]


def rows_of(session: Session, ticket_id: int) -> int:
    """How many rows a ticket has caused so far: a sequence number for keys of events that may recur."""
    return int(session.exec(select(func.count()).select_from(OutboxMessage)
                            .where(col(OutboxMessage.ticket_id) == ticket_id)).one())


def due(session: Session, *, now: datetime, limit: int = 50) -> list[int]:
    """The ids of the first pending row of each chat (FIFO per chat) whose time has come: users' chats first,
    then oldest."""
    return [row_id for row_id, _chat in heads(session, now=now, limit=limit)]


def heads(session: Session, *, now: datetime, limit: int = 50) -> list[tuple[int, int]]:
    """(id, chat) of the first pending row of each chat whose time has come, as `due` orders them.

    One row per chat is read, however long a group's queue (a staff backlog costs users nothing), and only two
    columns of it (thousands of queued reminders cost little)."""
    first = (select(func.min(OutboxMessage.id)).where(OutboxMessage.state == Delivery.PENDING)
             .group_by(col(OutboxMessage.chat_id)))
    found = session.exec(select(OutboxMessage.id, OutboxMessage.chat_id)
                         .where(col(OutboxMessage.id).in_(first), col(OutboxMessage.not_before) <= now)
                         .order_by(col(OutboxMessage.chat_id) < 0, col(OutboxMessage.id)).limit(limit))
    return [(row_id, chat_id) for row_id, chat_id in found if row_id is not None]


def claim(session: Session, row_id: int | None) -> OutboxMessage | None:
    """The row, locked until this transaction ends; None while another instance delivers it (PostgreSQL's
    FOR UPDATE SKIP LOCKED; SQLite, one process on one file, has no row locks and needs none)."""
    return session.exec(select(OutboxMessage).where(OutboxMessage.id == row_id)
                        .with_for_update(skip_locked=True)).first()


def posts(row: OutboxMessage) -> bool:
    """Whether sending the row posts a message, which Telegram's limits count (an edit, a deletion or a topic's
    state do not); a new topic counts, as it posts a service message."""
    if row.method == Method.REPLY:
        return row.payload.get("edit") is None
    return row.method in (Method.MESSAGE, Method.COPY, Method.DOCUMENT, Method.TOPIC)


def _let_go(row: OutboxMessage) -> None:
    """A settled answer keeps neither the words nor the chat: only that a private chat got a message, and when,
    which the limits read back after a restart (purge_answers removes the row after a few minutes)."""
    if row.purpose == Purpose.ANSWER:
        row.payload, row.chat_id = {}, ANY_PRIVATE_CHAT


def purge_answers(session: Session, *, before: datetime) -> int:
    """Settled answers older than the limits' memory go altogether."""
    rows = session.exec(select(OutboxMessage).where(OutboxMessage.purpose == Purpose.ANSWER,
                                                    OutboxMessage.state != Delivery.PENDING,
                                                    col(OutboxMessage.created_at) < before)).all()
    for row in rows:
        session.delete(row)
    return len(rows)


def backoff(attempts: int, base: float = BACKOFF_BASE) -> float:
    return float(min(BACKOFF_CAP, base * 2 ** max(0, attempts - 1)))


def posted_pieces(result: dict[str, Any] | None) -> list[int]:
    """The message ids of a long text's pieces; a piece Telegram answered too late has none (None in its place)."""
    return [m for m in (result or {}).get("pieces", []) if m is not None]


def behind(row: OutboxMessage, outcome: Outcome) -> bool:
    """Whether the row does not yet hold this outcome: pending, with fewer pieces recorded than it has."""
    if row.state != Delivery.PENDING:
        return False
    return not goes_on(outcome) or len(_pieces(outcome)) > len((row.result or {}).get("pieces", []))


def _pieces(outcome: Outcome) -> list[int | None]:
    return list(outcome.result.get("pieces", [])) if isinstance(outcome, Sent | Partial | Unconfirmed) else []


def goes_on(outcome: Outcome) -> bool:
    """Whether the row's next piece follows at once (a long text sent piece by piece)."""
    return isinstance(outcome, Partial) or (isinstance(outcome, Unconfirmed) and outcome.more)


def _ambiguous(row: OutboxMessage, *, more: int = 0) -> dict[str, int]:
    """The row's count of timeouts that left open whether Telegram performed a call, so the figures show it."""
    count = int((row.result or {}).get("ambiguous", 0)) + more
    return {"ambiguous": count} if count else {}


def settle(row: OutboxMessage, outcome: Outcome, *, now: datetime, backoff_base: float = BACKOFF_BASE) -> None:
    """Record what happened to one delivery attempt on its row."""
    if isinstance(outcome, Undeliverable):
        row.state, row.last_error = Delivery.FAILED, outcome.error
        _let_go(row)
        return
    if isinstance(outcome, Sent | Partial | Unconfirmed):
        row.result = {**outcome.result, **_ambiguous(row, more=int(isinstance(outcome, Unconfirmed)))}
        if goes_on(outcome):  # committed before the next piece: a restart goes on where this stopped
            return
        row.state, row.sent_at = Delivery.SENT, now
        row.last_error = outcome.error if isinstance(outcome, Unconfirmed) else None  # why it is not confirmed
        _let_go(row)
        return
    if outcome.ambiguous:  # performed or not: Telegram cannot tell; counted so the figures show what remains
        row.result = {**(row.result or {}), **_ambiguous(row, more=1)}
    if outcome.counts:
        row.attempts += 1
    row.last_error = outcome.error
    if row.attempts >= MAX_ATTEMPTS:
        row.state = Delivery.FAILED
        return
    wait = outcome.wait if outcome.wait is not None else backoff(row.attempts, backoff_base)
    row.not_before = now + timedelta(seconds=wait)
