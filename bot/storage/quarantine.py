"""Updates set aside: kept with their error so one bad update never blocks the others, and staff can see them."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlmodel import Session, col, select

from bot.storage.tables import QuarantinedUpdate

MAX_TRIES = 3  # an update whose handling fails this often is set aside
ERROR_MAX = 500


def shape_of(payload: Mapping[str, Any] | Any) -> str:
    """The update's top-level fields ("message", "callback_query"): what it was, without what it said."""
    if not isinstance(payload, Mapping):
        return type(payload).__name__
    return ",".join(sorted(str(key) for key in payload if key != "update_id"))[:200]


def set_aside(session: Session, *, update_id: int, reason: str, payload: Mapping[str, Any] | Any, error: str,
              attempts: int) -> QuarantinedUpdate:
    """Record (once) that an update was set aside and why."""
    row = session.get(QuarantinedUpdate, update_id)
    if row is None:
        row = QuarantinedUpdate(update_id=update_id, reason=reason)
        session.add(row)
    row.shape, row.error, row.attempts = shape_of(payload), error[:ERROR_MAX], attempts
    return row


def recent(session: Session, *, limit: int = 10) -> Sequence[QuarantinedUpdate]:
    """The updates set aside most recently, newest first."""
    return session.exec(select(QuarantinedUpdate).order_by(col(QuarantinedUpdate.set_aside_at).desc(),
                                                           col(QuarantinedUpdate.update_id).desc()).limit(limit)).all()


def count(session: Session) -> int:
    """How many updates have been set aside in all."""
    return len(session.exec(select(QuarantinedUpdate.update_id)).all())
