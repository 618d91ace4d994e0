"""Intake that loses nothing: each update is committed to the inbox before Telegram hears it was read."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import col, select, update
from telegram import Update
from telegram.error import RetryAfter, TelegramError
from telegram.ext import Application

from bot.storage.database import session_scope
from bot.storage.tables import InboxUpdate, utcnow
from handlers.delivery import retry_seconds
from handlers.lanes import Lanes, lane_of

log = logging.getLogger(__name__)
QUIET = timedelta(days=6)  # after a week without updates Telegram numbers them anew, at random
HANDLED_KEEP = timedelta(minutes=10)  # how long a handled update keeps its raw payload
EMPTY_EVERY = timedelta(minutes=1)


class Intake:
    """getUpdates → inbox (commit) → next offset; updates are processed from the inbox, once, in their chat's lane."""

    def __init__(self, application: Application, engine: Engine, *, timeout: int = 30, limit: int = 100,  # type: ignore[type-arg]
                 failures: dict[int, str] | None = None, concurrent: int = 16) -> None:
        self.application, self.engine, self.timeout, self.limit = application, engine, timeout, limit
        self.failures = failures if failures is not None else {}  # filled by the error handler, per update_id
        self.lanes = Lanes(bound=concurrent)
        self.scheduled: set[int] = set()  # update ids queued in a lane, not yet marked processed
        self.stopping = False
        self.emptied_until = datetime(1970, 1, 1, tzinfo=UTC)  # handled updates before this have no payload left

    def resume(self) -> tuple[int | None, datetime]:
        """Where polling goes on: after the update received last (not the highest id), and when that came."""
        with session_scope(self.engine) as session:
            last = session.exec(select(InboxUpdate).order_by(
                col(InboxUpdate.received_at).desc(), col(InboxUpdate.update_id).desc()).limit(1)).first()
            if last is None:
                return None, utcnow()
            return last.update_id + 1, last.received_at

    async def fetch_once(self, offset: int | None) -> int | None:
        """One long poll; the updates are stored and committed before the returned offset confirms them."""
        updates = await self.application.bot.get_updates(offset=offset, timeout=self.timeout, limit=self.limit,
                                                         allowed_updates=Update.ALL_TYPES)
        if updates:
            await asyncio.to_thread(store, self.engine, [(u.update_id, u.to_dict()) for u in updates])
            offset = max(u.update_id for u in updates) + 1
        return offset

    async def schedule_pending(self) -> int:
        """Queue every stored, unprocessed update in its chat's lane, oldest first; return how many were new."""
        batch = await asyncio.to_thread(pending, self.engine, exclude=frozenset(self.scheduled))
        for update_id, payload in batch:
            self.scheduled.add(update_id)
            self.lanes.submit(lane_of(payload), partial(self._process, update_id, payload))
        return len(batch)

    async def process_pending(self) -> int:
        """Queue what is pending and wait until every queued update is handled."""
        count = await self.schedule_pending()
        await self.lanes.drain()
        return count

    async def _process(self, update_id: int, payload: dict[str, Any]) -> None:
        """Run the handlers for one update and mark it done; when stopping, leave it for the next run."""
        if self.stopping:  # queued but not begun: the next run takes it from the inbox
            self.scheduled.discard(update_id)
            return
        error = None
        try:
            await self.application.process_update(Update.de_json(payload, self.application.bot))
        except Exception as exc:
            log.exception("update %s failed", update_id)
            error = repr(exc)[:500]
        error = self.failures.pop(update_id, None) or error  # a handler's error, caught by PTB
        await asyncio.to_thread(mark_processed, self.engine, update_id, error)
        self.scheduled.discard(update_id)

    def empty_handled(self) -> int:
        """Empty the raw payload (ids, names, words) of updates handled a while ago; the row stays as the record.

        Telegram has been told they were read by then, so no redelivery needs the payload to be recognised.
        """
        cutoff = utcnow() - HANDLED_KEEP
        if cutoff - self.emptied_until < EMPTY_EVERY:
            return 0
        with session_scope(self.engine) as session:
            emptied = session.exec(update(InboxUpdate).where(
                col(InboxUpdate.processed_at) < cutoff, col(InboxUpdate.processed_at) >= self.emptied_until,
            ).values(payload={})).rowcount
        self.emptied_until = cutoff
        return int(emptied or 0)

    async def run(self) -> None:
        """Poll and process until cancelled; network trouble is waited out, never fatal."""
        await self.process_pending()  # what a previous run stored but did not finish
        offset, seen = self.resume()
        pause = 1.0
        while True:
            try:
                if offset is not None and utcnow() - seen > QUIET:
                    offset = None  # ids may be drawn anew, maybe lower: an offset above them would confirm them unseen
                fetched = await self.fetch_once(offset)
                if fetched != offset:
                    offset, seen = fetched, utcnow()
                pause = 1.0
            except RetryAfter as flood:
                await asyncio.sleep(retry_seconds(flood))
                continue
            except TelegramError as exc:
                log.warning("getUpdates failed (%s); retrying in %.0f s", exc, pause)
                await asyncio.sleep(pause)
                pause = min(pause * 2, 30.0)
                continue
            await self.schedule_pending()
            self.empty_handled()


def store(engine: Engine, updates: list[tuple[int, dict[str, Any]]]) -> None:
    """Commit fetched updates to the inbox; one already there changes nothing (unless Telegram reused its id)."""
    with session_scope(engine) as session:
        known = {row.update_id: row for row in session.exec(select(InboxUpdate).where(
            col(InboxUpdate.update_id).in_([update_id for update_id, _ in updates]))).all()}
        for update_id, payload in updates:
            row = known.get(update_id)
            if row is None:
                session.add(InboxUpdate(update_id=update_id, payload=payload))
            elif row.payload != payload:  # an id Telegram drew anew after a week of silence: a new update
                row.payload, row.received_at, row.processed_at, row.attempts, row.error = (
                    payload, utcnow(), None, 0, None)


def pending(engine: Engine, *, exclude: frozenset[int]) -> list[tuple[int, dict[str, Any]]]:
    """Stored updates not yet handled nor queued, oldest first."""
    with session_scope(engine) as session:
        rows = session.exec(select(InboxUpdate).where(col(InboxUpdate.processed_at).is_(None))
                            .order_by(col(InboxUpdate.update_id))).all()
        return [(row.update_id, row.payload) for row in rows if row.update_id not in exclude]


def mark_processed(engine: Engine, update_id: int, error: str | None) -> None:
    """The update was handled (or failed in its handler, which is kept as its error)."""
    with session_scope(engine) as session:
        row = session.get(InboxUpdate, update_id)
        if row is not None:
            row.attempts += 1
            row.error = error
            row.processed_at = utcnow()
