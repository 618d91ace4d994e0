"""The inbox: each update as Telegram sent it, committed before Telegram hears it was read, handled from here once."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select, update

from bot.storage.database import session_scope
from bot.storage.quarantine import MAX_TRIES, set_aside
from bot.storage.tables import InboxUpdate, utcnow

log = logging.getLogger(__name__)
PENDING_READ = 500  # updates read whole in one query (SQLite takes a bounded number of parameters)
QUIET = timedelta(days=6)  # after a week without updates Telegram numbers them anew, at random

Payload = dict[str, Any]


@dataclass(frozen=True, slots=True)
class Incoming:
    """One update to store: its id, its raw JSON and its lane (a keyed hash of its chat)."""

    update_id: int
    payload: Payload
    lane: int | None


@dataclass(frozen=True, slots=True)
class Pending:
    """A stored update not yet handled, with how often it was tried."""

    update_id: int
    payload: Payload
    attempts: int
    received_at: datetime


def store(engine: Engine, updates: list[Incoming], unreadable: Callable[[Payload], str | None]) -> None:
    """Commit updates to the inbox; one already there changes nothing (unless Telegram reused its id).

    Two instances may store the same update at once (a webhook delivery repeated to the other): the loser of the
    insert sees the winner's row on its second try."""
    try:
        _store(engine, updates, unreadable)
    except IntegrityError:
        _store(engine, updates, unreadable)


def _store(engine: Engine, updates: list[Incoming], unreadable: Callable[[Payload], str | None]) -> None:
    with session_scope(engine) as session:
        known = {row.update_id: row for row in session.exec(select(InboxUpdate).where(
            col(InboxUpdate.update_id).in_([incoming.update_id for incoming in updates]))).all()}
        for incoming in updates:
            row = known.get(incoming.update_id)
            if row is None:
                row = InboxUpdate(update_id=incoming.update_id, payload=incoming.payload, lane=incoming.lane)
                session.add(row)
            elif _reused(row, incoming.payload):  # an id Telegram drew anew after a week of silence: a new update
                row.payload, row.lane, row.received_at, row.processed_at, row.attempts, row.error = (
                    incoming.payload, incoming.lane, utcnow(), None, 0, None)
            else:
                continue
            if (error := unreadable(incoming.payload)) is not None:
                _set_aside_unreadable(session, row, error)


def _reused(row: InboxUpdate, payload: Payload) -> bool:
    """A stored id with another payload is a new update, unless the stored one was only emptied after handling."""
    if row.payload == payload:
        return False
    return bool(row.payload) or utcnow() - row.received_at > QUIET


def _set_aside_unreadable(session: Session, row: InboxUpdate, error: str) -> None:
    log.warning("update %s cannot be read (%s): set aside", row.update_id, error)
    row.error, row.processed_at, row.attempts = error, utcnow(), 1
    set_aside(session, update_id=row.update_id, reason="unreadable", payload=row.payload, error=error, attempts=1)


def pending(engine: Engine, *, exclude: frozenset[int], lane: int | None = None) -> list[Pending]:
    """Stored updates not yet handled nor queued here (of one lane, or all), oldest first.

    Read after every poll: the ids come first, and only the updates not queued yet are read whole."""
    with session_scope(engine) as session:
        ids = select(InboxUpdate.update_id).where(col(InboxUpdate.processed_at).is_(None))
        if lane is not None:
            ids = ids.where(col(InboxUpdate.lane) == lane)
        new = [update_id for update_id in session.exec(ids) if update_id not in exclude]
        found: list[Pending] = []
        for start in range(0, len(new), PENDING_READ):
            found += [Pending(row.update_id, row.payload, row.attempts, row.received_at) for row in session.exec(
                select(InboxUpdate).where(col(InboxUpdate.update_id).in_(new[start:start + PENDING_READ]),
                                          col(InboxUpdate.processed_at).is_(None)))]
        return sorted(found, key=lambda row: row.update_id)


def still_pending(engine: Engine, update_id: int) -> int | None:
    """How often the update was tried, or None when it was handled meanwhile (by another instance)."""
    with session_scope(engine) as session:
        row = session.get(InboxUpdate, update_id)
        return None if row is None or row.processed_at is not None else row.attempts


def mark_processed(engine: Engine, update_id: int, error: str | None, payload: Payload, *,
                   counted: bool = False) -> None:
    """The update was handled; a failed one stays pending for another try, and after MAX_TRIES is set aside.
    `counted`: its turn committed this try as handled (handled_in), so what failed after it is only recorded: the
    answer waits in the outbox, and the update is neither tried again nor set aside."""
    with session_scope(engine) as session:
        row = session.get(InboxUpdate, update_id)
        if row is None:
            return
        row.error = error
        if counted:
            return
        row.attempts += 1
        if error is None or row.attempts >= MAX_TRIES:
            row.processed_at = utcnow()
        if error is not None and row.attempts >= MAX_TRIES:
            set_aside(session, update_id=update_id, reason="failed", payload=payload, error=error,
                      attempts=row.attempts)


def handled_in(session: Session, update_id: int) -> None:
    """Mark an update handled, and this try counted, in the transaction that did its work (a user's turn): decided,
    recorded and handled are one commit, and the intake need not mark it again."""
    table = InboxUpdate.__table__  # type: ignore[attr-defined]
    session.connection().execute(update(table).where(table.c.update_id == update_id, table.c.processed_at.is_(None))
                                 .values(processed_at=utcnow(), attempts=table.c.attempts + 1, error=None))


def resume(engine: Engine) -> tuple[int | None, datetime]:
    """Where polling goes on: after the update received last (not the highest id), and when that came."""
    with session_scope(engine) as session:
        last = session.exec(select(InboxUpdate).order_by(
            col(InboxUpdate.received_at).desc(), col(InboxUpdate.update_id).desc()).limit(1)).first()
        if last is None:
            return None, utcnow()
        return last.update_id + 1, last.received_at


def empty_handled(engine: Engine, *, since: datetime, before: datetime) -> int:
    """Empty the raw payload (ids, names, words) and lane of updates handled in [since, before); the row stays."""
    with session_scope(engine) as session:
        emptied = session.exec(update(InboxUpdate).where(
            col(InboxUpdate.processed_at) < before, col(InboxUpdate.processed_at) >= since,
        ).values(payload={}, lane=None)).rowcount
    return int(emptied or 0)
