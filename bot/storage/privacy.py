"""Honouring /forget: everything linked to a user's pseudonym goes; anonymous counts stay.

The raw updates in the inbox are emptied by the intake within minutes of handling (handlers/intake.py)."""

from __future__ import annotations

from sqlalchemy import or_
from sqlmodel import Session, col, delete, select, update

from bot.storage.contact_tables import ContactBlock, ContactCard, ContactRequest, RequestState, touch_directory
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
    forget_contact(session, user_key)
    return int(deleted or 0)


def forget_contact(session: Session, user_key: str) -> None:
    """The card goes, every pending introduction to or from the user with its messages, their blocks; settled
    introductions keep only their state and time, for the counts in reports."""
    mine = or_(col(ContactRequest.asker_key) == user_key, col(ContactRequest.target_key) == user_key)
    for request in session.exec(select(ContactRequest).where(mine)).all():
        session.exec(delete(OutboxMessage).where(col(OutboxMessage.key).startswith(f"contact:{request.id}:")))
        if request.state == RequestState.PENDING:
            session.delete(request)
        else:
            request.asker_key = request.asker_chat_id = request.asker_username = None
            request.target_key = request.target_card_id = request.line = None
    session.exec(delete(ContactBlock).where(or_(col(ContactBlock.target_key) == user_key,
                                                col(ContactBlock.asker_key) == user_key)))
    if session.exec(delete(ContactCard).where(col(ContactCard.user_key) == user_key)).rowcount:
        touch_directory(session)
