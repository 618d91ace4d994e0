"""The outbox: messages that must not be lost are rows first, sent later with retries and throttling.

A row is written in the same transaction as the change that caused it. The sender takes due
rows in order, one chat at a time in FIFO order (a ticket's topic exists before its first
message), asks a `Deliver` callable to send it, and records the outcome. Telegram itself is
behind that callable (handlers/), so this module stays testable and transport-free.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, func, select

from bot.desk.throttle import Throttle
from bot.storage.database import session_scope
from bot.storage.tables import Delivery, OutboxMessage, utcnow

MAX_ATTEMPTS = 8
BACKOFF_BASE = 2.0    # seconds; doubles per attempt
BACKOFF_CAP = 600.0
SHORT_WAIT = 1.0      # seconds the sender sleeps for the rate limits; a longer wait puts the row back


class Method(StrEnum):
    """What a row asks the transport to do: open a staff thread, post text (and buttons), or copy a message."""

    TOPIC = "topic"
    MESSAGE = "message"
    COPY = "copy"  # a user's photo, voice or document copied as it is (payload: from_chat_id, message_id)
    TOPIC_CLOSE = "topic_close"    # name a topic and close it
    TOPIC_REOPEN = "topic_reopen"  # name a topic and reopen it
    DELETE = "delete"              # delete (or, where Telegram refuses, blank) the bot's own messages
    DOCUMENT = "document"          # a small text file with a caption and buttons (payload: filename, content, text)


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


@dataclass(frozen=True, slots=True)
class Sent:
    result: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Partial:
    """Part of the message went (the first pieces of a long text): kept on the row, the rest follows."""

    result: dict[str, Any]


@dataclass(frozen=True, slots=True)
class RetryLater:
    """A passing failure; `wait` seconds at least. Flood waits do not count as attempts."""

    error: str
    wait: float | None = None
    counts: bool = True


@dataclass(frozen=True, slots=True)
class Undeliverable:
    """A permanent failure: the user blocked the bot, the chat is gone, the request is wrong."""

    error: str


Outcome = Sent | Partial | RetryLater | Undeliverable
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
    return row


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


def rows_of(session: Session, ticket_id: int) -> int:
    """How many rows a ticket has caused so far: a sequence number for keys of events that may recur."""
    return int(session.exec(select(func.count()).select_from(OutboxMessage)
                            .where(col(OutboxMessage.ticket_id) == ticket_id)).one())


def due(session: Session, *, now: datetime, limit: int = 50) -> list[int]:
    """The ids of pending rows whose time has come, oldest first, none with an earlier row of its chat waiting."""
    pending = session.exec(select(OutboxMessage.id, OutboxMessage.chat_id, OutboxMessage.not_before)
                           .where(OutboxMessage.state == Delivery.PENDING).order_by(col(OutboxMessage.id)))
    blocked: set[int] = set()
    ready: list[int] = []
    for row_id, chat_id, not_before in pending:  # read as it goes: thousands of queued reminders cost little
        if chat_id in blocked:
            continue
        blocked.add(chat_id)  # FIFO per chat: later rows wait for this one
        if not_before <= now and row_id is not None:
            ready.append(row_id)
        if len(ready) >= limit:
            break
    return ready


def claim(session: Session, row_id: int | None) -> OutboxMessage | None:
    """The row, locked until this transaction ends; None while another instance delivers it (PostgreSQL's
    FOR UPDATE SKIP LOCKED; SQLite, one process on one file, has no row locks and needs none)."""
    return session.exec(select(OutboxMessage).where(OutboxMessage.id == row_id)
                        .with_for_update(skip_locked=True)).first()


def backoff(attempts: int, base: float = BACKOFF_BASE) -> float:
    return float(min(BACKOFF_CAP, base * 2 ** max(0, attempts - 1)))


def settle(row: OutboxMessage, outcome: Outcome, *, now: datetime, backoff_base: float = BACKOFF_BASE) -> None:
    """Record what happened to one delivery attempt on its row."""
    if isinstance(outcome, Sent):
        row.state, row.sent_at, row.result, row.last_error = Delivery.SENT, now, outcome.result, None
        return
    if isinstance(outcome, Undeliverable):
        row.state, row.last_error = Delivery.FAILED, outcome.error
        return
    if isinstance(outcome, Partial):
        row.result = outcome.result  # committed before the next piece: a restart goes on where this stopped
        return
    if outcome.counts:
        row.attempts += 1
    row.last_error = outcome.error
    if row.attempts >= MAX_ATTEMPTS:
        row.state = Delivery.FAILED
        return
    wait = outcome.wait if outcome.wait is not None else backoff(row.attempts, backoff_base)
    row.not_before = now + timedelta(seconds=wait)


class OutboxSender:
    """Delivers due rows through `deliver`; never drops a row, never sends one twice."""

    def __init__(self, engine: Engine, deliver: Deliver, *, throttle: Throttle | None = None,
                 prepare: Prepare | None = None, on_settled: Iterable[OnSettled] = (),
                 clock: Callable[[], datetime] = utcnow, backoff_base: float = BACKOFF_BASE) -> None:
        self.engine, self.deliver, self.clock, self.backoff_base = engine, deliver, clock, backoff_base
        self.prepare = prepare or (lambda _session, row: dict(row.payload))
        self.throttle = throttle or Throttle()
        self.on_settled = tuple(on_settled)
        self.wakeup = asyncio.Event()
        self.stopping = False

    async def run_once(self) -> int:
        """Send what is due now (throttled, never dropped); return how many rows were settled."""
        with session_scope(self.engine) as session:
            ids = due(session, now=self.clock())
        settled = 0
        for row_id in ids:
            if self.stopping:  # between rows: a delivery is never cut off after Telegram took it
                break
            with session_scope(self.engine) as session:
                row = claim(session, row_id)
                if row is None or row.state != Delivery.PENDING:
                    continue
                if await self._deliver(session, row):
                    settled += 1
        return settled

    async def _deliver(self, session: Session, row: OutboxMessage) -> bool:
        """One row, piece by piece when the transport sends it in parts; True once it is settled."""
        while True:
            wait = self.throttle.wait_for(row.chat_id)
            if 0 < wait <= SHORT_WAIT:  # the next second's share: wait here, rather than write the row again
                await asyncio.sleep(wait)
                wait = self.throttle.wait_for(row.chat_id)
            if wait > 0:
                row.not_before = self.clock() + timedelta(seconds=wait)
                return False
            self.throttle.record(row.chat_id)
            outcome = await self.deliver(row, self.prepare(session, row))
            settle(row, outcome, now=self.clock(), backoff_base=self.backoff_base)
            if not isinstance(outcome, Partial):
                break
            session.commit()
        for hook in self.on_settled:
            hook(session, row, outcome)
        return True

    async def run(self, *, idle: float = 1.0) -> None:
        """Deliver until stopped; wake early when `wakeup` is set after new rows are written."""
        while not self.stopping:
            if await self.run_once():  # a full queue (thousands of reminders): the next batch at once
                continue
            try:
                async with asyncio.timeout(idle):
                    await self.wakeup.wait()
            except TimeoutError:
                pass
            self.wakeup.clear()

    def stop(self) -> None:
        """Finish the delivery under way, then return from run()."""
        self.stopping = True
        self.wakeup.set()

