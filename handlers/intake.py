"""Intake that loses nothing: each update is committed to the inbox before Telegram hears it was read."""

from __future__ import annotations

import asyncio
import logging
import warnings
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any

from sqlalchemy.engine import Engine
from telegram import Update
from telegram.error import RetryAfter, TelegramError
from telegram.ext import Application
from telegram.warnings import PTBUserWarning

from bot.storage import inbox
from bot.storage.chat_locks import ChatLocks, lane_key
from bot.storage.inbox import QUIET, Incoming
from bot.storage.tables import utcnow
from handlers.delivery import retry_seconds
from handlers.lanes import Lanes, lane_of
from handlers.webhook import WebhookServer

log = logging.getLogger(__name__)
HANDLED_KEEP = timedelta(minutes=10)  # how long a handled update keeps its raw payload
EMPTY_EVERY = timedelta(minutes=1)
READ_SLACK = 10.0  # seconds beyond the long poll's own timeout before the read gives up
SWEEP_EVERY = 5.0  # seconds between a webhook instance's looks at the whole inbox


class Intake:
    """getUpdates or a webhook → inbox (commit) → confirmed; updates are processed from the inbox, once, in their
    chat's lane; with several instances on one PostgreSQL, one chat's updates are handled under its advisory lock."""

    def __init__(self, application: Application, engine: Engine, *, secret: bytes,  # type: ignore[type-arg]
                 timeout: int = 30, limit: int = 100, failures: dict[int, str] | None = None,
                 tries: dict[int, int] | None = None, pressed: dict[str, datetime] | None = None,
                 kept: set[int] | None = None, concurrent: int = 16) -> None:
        self.application, self.engine, self.timeout, self.limit = application, engine, timeout, limit
        self.secret = secret  # keys the lanes stored in the inbox, so no chat id is written there
        self.failures = failures if failures is not None else {}  # filled by the error handler, per update_id
        self.tries = tries if tries is not None else {}  # update_id -> which try is running, for the error handler
        self.pressed = pressed if pressed is not None else {}  # callback query id -> when its update came in
        self.kept = kept if kept is not None else set()  # update ids a turn's commit marked handled (by handlers)
        self.lanes = Lanes(bound=concurrent)
        self.locks = ChatLocks(engine, size=concurrent)
        self.server: WebhookServer | None = None  # the server updates come in by, when they are not polled
        self.scheduled: set[int] = set()  # update ids queued in a lane, not yet marked processed
        self.stopping = False
        self.emptied_until = datetime(1970, 1, 1, tzinfo=UTC)  # handled updates before this have no payload left

    def resume(self) -> tuple[int | None, datetime]:
        """Where polling goes on: after the update received last (not the highest id), and when that came."""
        return inbox.resume(self.engine)

    def incoming(self, payload: dict[str, Any]) -> Incoming:
        """An update as the inbox stores it, with its lane keyed."""
        return Incoming(payload["update_id"], payload, lane_key(lane_of(payload), self.secret))

    async def receive(self, payload: dict[str, Any]) -> None:
        """A webhook's update: committed to the inbox (before the caller answers 200), then queued in its lane
        behind its chat's earlier updates still pending, wherever they came in."""
        incoming = self.incoming(payload)
        await asyncio.to_thread(inbox.store, self.engine, [incoming], self._readable)
        await self.schedule_pending(lane=incoming.lane)

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
            await asyncio.to_thread(inbox.store, self.engine, [self.incoming(u) for u in updates], self._readable)
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

    async def schedule_pending(self, *, lane: int | None = None) -> int:
        """Queue every stored, unprocessed update (of one lane, or all) in its chat's lane, oldest first; return how
        many were new here."""
        batch = await asyncio.to_thread(inbox.pending, self.engine, exclude=frozenset(self.scheduled), lane=lane)
        for row in batch:
            if row.update_id in self.scheduled:  # queued meanwhile by another receipt
                continue
            self.scheduled.add(row.update_id)
            self.lanes.submit(lane_of(row.payload), partial(self._process, row.update_id, row.payload, row.attempts,
                                                                 row.received_at))
        return len(batch)

    async def process_pending(self) -> int:
        """Queue what is pending and wait until every queued update is handled."""
        count = await self.schedule_pending()
        await self.lanes.drain()
        return count

    async def _process(self, update_id: int, payload: dict[str, Any], attempts: int | None,
                       received_at: datetime) -> None:
        """Under the chat's lock, handle one update still pending (another instance may have handled it) and mark
        it done before letting go; one that fails is tried again on a later round and set aside after MAX_TRIES,
        never holding up the others; when stopping, leave it for the next run."""
        try:
            if not self.stopping:  # queued but not begun when stopping: the next run takes it from the inbox
                async with self.locks.held(lane_key(lane_of(payload), self.secret)):
                    if self.locks.shared:  # another instance may have handled it since it was queued here
                        attempts = await asyncio.to_thread(inbox.still_pending, self.engine, update_id)
                    if attempts is not None:
                        await self._handle(update_id, payload, attempts, received_at)
        except Exception:  # the inbox itself failed (a database busy for longer than its timeout): tried next round
            log.exception("update %s could not be marked handled; it stays pending", update_id)
        finally:
            self.scheduled.discard(update_id)

    async def _handle(self, update_id: int, payload: dict[str, Any], attempts: int, received_at: datetime) -> None:
        error = None
        self.tries[update_id] = attempts + 1  # the error handler apologises on the last try only
        query = payload.get("callback_query")
        query_id = str(query.get("id")) if isinstance(query, dict) else None
        if query_id is not None:  # a press that waited long here is past Telegram's deadline to acknowledge it
            self.pressed[query_id] = received_at
        try:
            await self.application.process_update(Update.de_json(payload, self.application.bot))
        except Exception as exc:
            log.exception("update %s failed", update_id)
            error = repr(exc)[:500]
        error = self.failures.pop(update_id, None) or error  # a handler's error, caught by PTB
        self.tries.pop(update_id, None)
        if query_id is not None:
            self.pressed.pop(query_id, None)
        counted = update_id in self.kept
        self.kept.discard(update_id)
        if counted and error is None:  # the turn's own commit marked it handled: no second transaction
            return
        await asyncio.to_thread(inbox.mark_processed, self.engine, update_id, error, payload, counted=counted)

    def empty_handled(self) -> int:
        """Empty the raw payload (ids, names, words) of updates handled a while ago; the row stays as the record.

        Telegram has been told they were read by then; a late webhook redelivery is still known by its id.
        """
        cutoff = utcnow() - HANDLED_KEEP
        if cutoff - self.emptied_until < EMPTY_EVERY:
            return 0
        emptied = inbox.empty_handled(self.engine, since=self.emptied_until, before=cutoff)
        self.emptied_until = cutoff
        return emptied

    async def sweep(self, *, every: float = SWEEP_EVERY) -> None:
        """With a webhook, until cancelled: what a stopped instance stored but did not finish, and the next try of a
        failed update, are queued every few seconds; handled updates' payloads are emptied."""
        while True:
            await self.rounds(thread=True)
            await asyncio.sleep(every)

    async def rounds(self, *, thread: bool = False) -> None:
        """Queue what is pending and empty old payloads; a failure (a busy database) is logged and the next round
        tries again: the intake never stops for it."""
        try:
            await self.schedule_pending()
            if thread:
                await asyncio.to_thread(self.empty_handled)
            else:
                self.empty_handled()
        except Exception:
            log.exception("the inbox round failed; the next one tries again")

    def close(self) -> None:
        """Let the chat locks' connections go once the bot stops."""
        self.locks.close()

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
            except Exception:  # the inbox could not store the batch: not confirmed, so Telegram sends it again
                log.exception("storing updates failed; retrying in %.0f s", pause)
                await asyncio.sleep(pause)
                pause = min(pause * 2, 30.0)
                continue
            await self.rounds()
