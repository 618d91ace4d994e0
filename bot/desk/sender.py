"""The outbox's sender: a user's answer at once, everything else in rounds; never dropped, never sent twice.

Each chat's rows go in order, one delivery at a time per chat (in this process by a lock, between instances by
the row lock of `claim`). Telegram's limits are kept by the Limiter, whose history of the last minute is read
back from the sent rows at start, so a restart does not open with a burst.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from contextlib import asynccontextmanager
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session

from bot.desk.limits import REMEMBER, Limiter, recent_sends
from bot.desk.outbox import (
    BACKOFF_BASE,
    Deliver,
    OnSettled,
    Outcome,
    Prepare,
    RetryLater,
    claim,
    goes_on,
    heads,
    posts,
    purge_answers,
    settle,
)
from bot.desk.send_journal import SendJournal, replay
from bot.storage.database import session_scope
from bot.storage.sqlite_writes import FIRST
from bot.storage.tables import Delivery, OutboxMessage, utcnow

log = logging.getLogger(__name__)
PATIENCE = 30.0  # seconds a user's answer is waited for in its chat's lane; what is left goes with the rounds
TAKEN = -1.0     # another instance holds the row
FORGET_ANSWERS = timedelta(seconds=2 * REMEMBER)  # settled answers are kept this long, for the limits' history
SHORT_WAIT = 1.0  # seconds a round sleeps for the limits (the next second's share); a longer wait puts the row back


class OutboxSender:
    """Delivers rows through `deliver`: `send_chat` for an answer just recorded, `run` for the rest."""

    def __init__(self, engine: Engine, deliver: Deliver, *, limiter: Limiter | None = None,
                 prepare: Prepare | None = None, on_settled: Iterable[OnSettled] = (),
                 clock: Callable[[], datetime] = utcnow, backoff_base: float = BACKOFF_BASE,
                 journal: SendJournal | None = None) -> None:
        self.engine, self.deliver, self.clock, self.backoff_base = engine, deliver, clock, backoff_base
        self.journal = journal  # SQLite's: what Telegram took, noted before its record waits for the write lock
        self.recording = engine.execution_options(**{FIRST: True})  # "sent" is written before any turn's writes
        self.prepare: Prepare = prepare or (lambda _session, row: dict(row.payload))
        self.limiter = limiter or Limiter()
        self.on_settled = tuple(on_settled)
        self.wakeup = asyncio.Event()
        self.stopping = False
        self._locks: dict[int, asyncio.Lock] = {}
        self._holders: dict[int, int] = {}

    def recover(self) -> tuple[int, int]:
        """Before anything is sent: the journal's sends written to their rows, calls in doubt counted (replay)."""
        if self.journal is None:
            return 0, 0
        with session_scope(self.recording) as session:
            applied, doubted = replay(self.journal, session, on_settled=self.on_settled, now=self.clock(),
                                      backoff_base=self.backoff_base)
        self.journal.empty()
        if doubted:
            log.warning("%d send(s) were under way at the kill and go again: Telegram may show them twice", doubted)
        return applied, doubted

    def remember(self) -> None:
        """Read the last minute's sends back into the limiter (at start, before anything is sent)."""
        with session_scope(self.engine) as session:
            self.limiter.remember(recent_sends(session, now=self.clock()))

    @asynccontextmanager
    async def _chat(self, chat_id: int) -> AsyncIterator[None]:
        """One delivery at a time per chat in this process; the lock goes once nobody waits for it."""
        lock = self._locks.setdefault(chat_id, asyncio.Lock())
        self._holders[chat_id] = self._holders.get(chat_id, 0) + 1
        try:
            async with lock:
                yield
        finally:
            self._holders[chat_id] -= 1
            if not self._holders[chat_id]:
                del self._holders[chat_id], self._locks[chat_id]

    async def send_chat(self, chat_id: int, rows: Sequence[int], *, patience: float = PATIENCE) -> int:
        """Send a chat's pending `rows` now, in order (as the turn's own transaction read them: no second read),
        waiting out limits and passing faults for up to `patience` seconds; return how many were settled. What is
        left, and rows written meanwhile, go with the next rounds."""
        loop = asyncio.get_running_loop()
        deadline, settled = loop.time() + patience, 0
        async with self._chat(chat_id):
            for row_id in rows:
                while not self.stopping:
                    wait = await self._attempt(row_id, urgent=True)
                    if wait is None:
                        settled += 1
                        break
                    if wait == TAKEN or loop.time() + wait > deadline:
                        return settled
                    await asyncio.sleep(wait)
        return settled

    async def run_once(self) -> int:
        """Send what is due now (throttled, never dropped); return how many rows were settled."""
        heads = await asyncio.to_thread(self._heads)
        settled = 0
        for row_id, chat_id in heads:
            if self.stopping:  # between rows: a delivery is never cut off after Telegram took it
                break
            if chat_id in self._holders:  # an answer is being sent there now
                continue
            async with self._chat(chat_id):
                if await self._attempt(row_id, urgent=False) is None:
                    settled += 1
        return settled

    def _heads(self) -> list[tuple[int, int]]:
        with session_scope(self.engine) as session:
            return heads(session, now=self.clock())

    async def _attempt(self, row_id: int, *, urgent: bool) -> float | None:
        """Deliver one row, piece by piece; None once it is settled, else seconds until it may go (TAKEN: elsewhere).
        The database is read and written in a worker thread, so the event loop (other chats) never waits for it."""
        session = Session(self.recording, expire_on_commit=False)
        try:
            wait = await self._steps(session, row_id, urgent=urgent)
            if session.in_transaction():  # settled rows were committed with their hooks already
                await asyncio.to_thread(session.commit)
            return wait
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    async def _steps(self, session: Session, row_id: int, *, urgent: bool) -> float | None:
        opened = await asyncio.to_thread(self._open, session, row_id)
        if opened is None:
            return TAKEN
        row, payload = opened
        if row.state != Delivery.PENDING:
            return None
        if (early := (row.not_before - self.clock()).total_seconds()) > 0:
            return early
        while True:
            counted = posts(row)
            wait = self.limiter.wait_for(row.chat_id, urgent=urgent) if counted else 0.0
            if not urgent and 0 < wait <= SHORT_WAIT:  # a round's next share (reminders): waited here, not written
                await asyncio.sleep(wait)
                wait = self.limiter.wait_for(row.chat_id, urgent=urgent)
            if wait > 0:
                if not urgent:
                    row.not_before = self.clock() + timedelta(seconds=wait)
                return wait
            began = False  # a call left: its outcome is noted in the journal, then recorded
            try:
                if payload is None:  # the next piece of a long text, or a payload not ready when claimed
                    payload = await asyncio.to_thread(self.prepare, session, row)
                if counted:  # counted as it leaves: a slow read before it (a busy thread pool) must not eat the gap
                    await self._until_free(row.chat_id, urgent=urgent)
                    self.limiter.record(row.chat_id)
                if self.journal is not None:
                    self.journal.trying(row_id)
                    began = True
                outcome: Outcome = await self.deliver(row, payload)
            except Exception as own:  # the bot's own error, not Telegram's: logged, the row tried again later
                log.exception("delivering outbox row %s failed", row.id)
                outcome = RetryLater(repr(own)[:300])
            if began and self.journal is not None:
                self.journal.note(row_id, outcome, at=self.clock())
            if isinstance(outcome, RetryLater) and not outcome.counts and outcome.wait:
                self.limiter.pause(row.chat_id, outcome.wait)  # a 429 concerns its chat (or all, see Limiter)
            settle(row, outcome, now=self.clock(), backoff_base=self.backoff_base)
            if not goes_on(outcome):
                break
            try:
                await asyncio.to_thread(session.commit)
            finally:
                self._recorded(began)
            payload = None
        try:
            await asyncio.to_thread(self._settled, session, row, outcome)  # committed there: no lock across awaits
        finally:
            self._recorded(began)
        if row.state == Delivery.PENDING:
            return max(0.0, (row.not_before - self.clock()).total_seconds())
        return None

    def _open(self, session: Session, row_id: int) -> tuple[OutboxMessage, dict[str, Any] | None] | None:
        """The row claimed and, when it is due, its payload prepared: one trip to a worker thread, not two. A
        payload that fails to prepare is prepared again where the failure is recorded."""
        row = claim(session, row_id)
        if row is None:
            return None
        if row.state != Delivery.PENDING or row.not_before > self.clock():
            return row, None
        try:
            return row, self.prepare(session, row)
        except Exception:
            return row, None

    async def _until_free(self, chat_id: int, *, urgent: bool) -> None:
        """Wait out what the limits ask for now (little: they were free just before the row was prepared)."""
        while (wait := self.limiter.wait_for(chat_id, urgent=urgent)) > 0:
            await asyncio.sleep(wait)

    async def take_turn(self, chat_id: int) -> None:
        """A message sent outside the outbox (a staff member's report file) waits its turn under the same limits,
        and counts toward them."""
        await self._until_free(chat_id, urgent=False)
        self.limiter.record(chat_id)

    def _recorded(self, began: bool) -> None:
        if began and self.journal is not None:
            self.journal.recorded()

    def _settled(self, session: Session, row: OutboxMessage, outcome: Outcome) -> None:
        """The hooks, and the commit in the same thread call: a write they begin (SQLite's one write lock) never
        waits for a free worker thread to be committed."""
        for hook in self.on_settled:
            hook(session, row, outcome)
        session.commit()

    async def run(self, *, idle: float = 1.0) -> None:
        """Deliver until stopped; wake early when `wakeup` is set after new rows are written."""
        purged = self.clock()
        while not self.stopping:
            settled = await self.run_once()
            if self.clock() - purged > FORGET_ANSWERS:
                purged = self.clock()
                with session_scope(self.engine) as session:
                    purge_answers(session, before=purged - FORGET_ANSWERS)
            if settled:  # a full queue (thousands of reminders): the next batch at once
                continue
            try:
                async with asyncio.timeout(idle):
                    await self.wakeup.wait()
            except TimeoutError:
                pass
            self.wakeup.clear()

    def close(self) -> None:
        """Release the journal's file (its notes stay until the next start has read them)."""
        if self.journal is not None:
            self.journal.close()

    def stop(self) -> None:
        """Finish the delivery under way, then return from run()."""
        self.stopping = True
        self.wakeup.set()
