"""Flood control per user: too many questions a minute, or tickets a day, get a polite note; staff hear once."""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum

from sqlmodel import Session, col, func, select

from bot.config import FloodSettings
from bot.desk.outbox import Method, enqueue
from bot.desk.tickets import StaffGroup, Texts
from bot.storage.tables import Actor, Need, Ticket


class Limit(StrEnum):
    """Which of a user's limits was reached."""

    MESSAGES = "messages"
    TICKETS = "tickets"


def over_messages(session: Session, *, actor: Actor, limits: FloodSettings, now: datetime) -> bool:
    """True when the user asked as many questions as a minute allows already."""
    asked = session.exec(select(func.count()).select_from(Need).where(
        Need.user_key == actor.key, col(Need.created_at) > now - timedelta(minutes=1))).one()
    return int(asked) >= limits.messages_per_minute


def over_tickets(session: Session, *, actor: Actor, limits: FloodSettings, now: datetime) -> bool:
    """True when the user opened as many tickets as a day allows already."""
    opened = session.exec(select(func.count()).select_from(Ticket).where(
        Ticket.user_key == actor.key, col(Ticket.created_at) > now - timedelta(days=1))).one()
    return int(opened) >= limits.tickets_per_day


def tell_staff(session: Session, *, desk: StaffGroup | None, texts: Texts, actor: Actor, limit: Limit,
               limits: FloodSettings, now: datetime) -> None:
    """One line in the staff group per user, limit and day (the outbox key makes it once), by pseudonym only."""
    if desk is None:
        return
    value = limits.messages_per_minute if limit is Limit.MESSAGES else limits.tickets_per_day
    reason = texts(desk.language, f"staff.flood_{limit}", limit=value)
    enqueue(session, key=f"flood:{actor.key[:16]}:{limit}:{now:%Y-%m-%d}", method=Method.MESSAGE,
            chat_id=desk.chat_id, payload={"text": texts(desk.language, "staff.flood", user=actor.key[:8],
                                                            reason=reason)})
