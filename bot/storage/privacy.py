"""Honouring /forget: everything linked to a user's pseudonym goes; anonymous counts stay.

The raw updates in the inbox are emptied by the intake within minutes of handling (handlers/intake.py)."""

from __future__ import annotations

from sqlmodel import Session, col, delete, select, update

from bot.storage.tables import Actor, Need, OutboxMessage, Ticket, TicketMessage


def forget(session: Session, user_key: str) -> int:
    """Delete the user's questions, tickets and profile; return how many questions were deleted."""
    ticket_ids = list(session.exec(select(Ticket.id).where(Ticket.user_key == user_key)).all())
    if ticket_ids:
        session.exec(update(Need).where(col(Need.ticket_id).in_(ticket_ids)).values(ticket_id=None))
        session.exec(delete(TicketMessage).where(col(TicketMessage.ticket_id).in_(ticket_ids)))
        # sent ones too: they hold the user's chat id and words, and with the ticket gone no key is needed
        session.exec(delete(OutboxMessage).where(col(OutboxMessage.ticket_id).in_(ticket_ids)))
        session.exec(delete(Ticket).where(col(Ticket.id).in_(ticket_ids)))
    deleted = session.exec(delete(Need).where(col(Need.user_key) == user_key)).rowcount
    session.exec(delete(Actor).where(col(Actor.key) == user_key))
    return int(deleted or 0)
