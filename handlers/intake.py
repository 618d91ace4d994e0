"""Intake that loses nothing: each update is committed to the inbox before Telegram hears it was read."""

from __future__ import annotations

import asyncio
import logging
import warnings
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select, update
from telegram import Update
from telegram.error import RetryAfter, TelegramError
from telegram.ext import Application
from telegram.warnings import PTBUserWarning

from bot.storage.database import session_scope
from bot.storage.quarantine import MAX_TRIES, set_aside
from bot.storage.tables import InboxUpdate, utcnow
from handlers.delivery import retry_seconds
from handlers.lanes import Lanes, lane_of

log = logging.getLogger(__name__)
QUIET = timedelta(days=6)  # after a week without updates Telegram numbers them anew, at random
HANDLED_KEEP = timedelta(minutes=10)  # how long a handled update keeps its raw payload
EMPTY_EVERY = timedelta(minutes=1)
READ_SLACK = 10.0  # seconds beyond the long poll's own timeout before the read gives up


class Intake:
    """getUpdates → inbox (commit) → next offset; updates are processed from the inbox, once, in their chat's lane."""

    def __init__(self, application: Application, engine: Engine, *, timeout: int = 30, limit: int = 100,  # type: ignore[type-arg]
                 failures: dict[int, str] | None = None, tries: dict[int, int] | None = None,
                 concurrent: int = 16) -> None:
        self.application, self.engine, self.timeout, self.limit = application, engine, timeout, limit
        self.failures = failures if failures is not None else {}  # filled by the error handler, per update_id
        self.tries = tries if tries is not None else {}  # update_id -> which try is running, for the error handler
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
        """One long poll; the updates are stored and committed before the returned offset confirms them.

        The raw JSON is read, not python-telegram-bot's parse of it: one update it cannot parse would otherwise
        fail the whole batch, forever. Such an update is stored as set aside, and confirmed with the others."""
        with warnings.catch_warnings():  # PTB suggests get_updates, whose parse of the batch is what we avoid here
            warnings.filterwarnings("ignore", message=r"Please use 'Bot\.getUpdates'", category=PTBUserWarning)
            raw = await self.application.bot.do_api_request(
                "getUpdates", api_kwargs={"offset": offset, "timeout": self.timeout, "limit": self.limit,
                                          "allowed_updates": list(Update.ALL_TYPES)},
                read_timeout=self.timeout + READ_SLACK)
        updates = [u for u in raw if isinstance(u, dict) and isinstance(u.get("update_id"), int)] if isinstance(
            raw, list) else []
        if updates:
            await asyncio.to_thread(store, self.engine, [(u["update_id"], u) for u in updates], self._readable)
            offset = max(u["update_id"] for u in updates) + 1
        return offset

    def _readable(self, payload: dict[str, Any]) -> str | None:
        """Why python-telegram-bot cannot read an update, or None: an unreadable one is set aside at once."""
        try:
            update = Update.de_json(payload, self.application.bot)
        except Exception as exc:
            return repr(exc)[:500]
        message = update.effective_message
        if message is not None and getattr(message, "chat", None) is None:  # PTB reads it; its filters then fail
            return "a message without chat"
        return None

    async def schedule_pending(self) -> int:
        """Queue every stored, unprocessed update in its chat's lane, oldest first; return how many were new."""
        batch = await asyncio.to_thread(pending, self.engine, exclude=frozenset(self.scheduled))
        for update_id, payload, attempts in batch:
            self.scheduled.add(update_id)
            self.lanes.submit(lane_of(payload), partial(self._process, update_id, payload, attempts))
        return len(batch)

    async def process_pending(self) -> int:
        """Queue what is pending and wait until every queued update is handled."""
        count = await self.schedule_pending()
        await self.lanes.drain()
        return count

    async def _process(self, update_id: int, payload: dict[str, Any], attempts: int) -> None:
        """Run the handlers for one update and mark it done; one that fails is tried again on the next round and
        set aside after MAX_TRIES, never holding up the others; when stopping, leave it for the next run."""
        if self.stopping:  # queued but not begun: the next run takes it from the inbox
            self.scheduled.discard(update_id)
            return
        error = None
        self.tries[update_id] = attempts + 1  # the error handler apologises on the last try only
        try:
            await self.application.process_update(Update.de_json(payload, self.application.bot))
        except Exception as exc:
            log.exception("update %s failed", update_id)
            error = repr(exc)[:500]
        error = self.failures.pop(update_id, None) or error  # a handler's error, caught by PTB
        self.tries.pop(update_id, None)
        await asyncio.to_thread(mark_processed, self.engine, update_id, error, payload)
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


def store(engine: Engine, updates: list[tuple[int, dict[str, Any]]],
          unreadable: Callable[[dict[str, Any]], str | None]) -> None:
    """Commit fetched updates to the inbox; one already there changes nothing (unless Telegram reused its id)."""
    with session_scope(engine) as session:
        known = {row.update_id: row for row in session.exec(select(InboxUpdate).where(
            col(InboxUpdate.update_id).in_([update_id for update_id, _ in updates]))).all()}
        for update_id, payload in updates:
            row = known.get(update_id)
            if row is None:
                row = InboxUpdate(update_id=update_id, payload=payload)
                session.add(row)
            elif row.payload != payload:  # an id Telegram drew anew after a week of silence: a new update
                row.payload, row.received_at, row.processed_at, row.attempts, row.error = (
                    payload, utcnow(), None, 0, None)
            else:
                continue
            if (error := unreadable(payload)) is not None:
                _set_aside_unreadable(session, row, error)


def _set_aside_unreadable(session: Session, row: InboxUpdate, error: str) -> None:
    log.warning("update %s cannot be read (%s): set aside", row.update_id, error)
    row.error, row.processed_at, row.attempts = error, utcnow(), 1
    set_aside(session, update_id=row.update_id, reason="unreadable", payload=row.payload, error=error, attempts=1)


def pending(engine: Engine, *, exclude: frozenset[int]) -> list[tuple[int, dict[str, Any], int]]:
    """Stored updates not yet handled nor queued, oldest first, with how often each was tried."""
    with session_scope(engine) as session:
        rows = session.exec(select(InboxUpdate).where(col(InboxUpdate.processed_at).is_(None))
                            .order_by(col(InboxUpdate.update_id))).all()
        return [(row.update_id, row.payload, row.attempts) for row in rows if row.update_id not in exclude]


def mark_processed(engine: Engine, update_id: int, error: str | None, payload: dict[str, Any]) -> None:
    """The update was handled; a failed one stays pending for another try, and after MAX_TRIES is set aside."""
    with session_scope(engine) as session:
        row = session.get(InboxUpdate, update_id)
        if row is not None:
            row.attempts += 1
            row.error = error
            if error is None or row.attempts >= MAX_TRIES:
                row.processed_at = utcnow()
            if error is not None and row.attempts >= MAX_TRIES:
                set_aside(session, update_id=update_id, reason="failed", payload=payload, error=error,
                          attempts=row.attempts)
