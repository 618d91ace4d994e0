"""The retention job: after `privacy.retention_days`, question texts, raw updates and closed tickets' chat ids go."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, delete, select, update

from bot.storage.tables import InboxUpdate, Need, Ticket, TicketMessage, TicketState


@dataclass(frozen=True, slots=True)
class Retained:
    """What one round removed: texts blanked, inbox rows deleted, chat ids and ticket texts dropped."""

    question_texts: int
    inbox_rows: int
    closed_tickets: int


def apply_retention(session: Session, *, before: datetime) -> Retained:
    """Blank the texts of needs logged before `before`, delete older inbox rows, strip older closed tickets."""
    texts = session.exec(update(Need).where(col(Need.created_at) < before, col(Need.text) != "")
                         .values(text="")).rowcount
    inbox = session.exec(delete(InboxUpdate).where(col(InboxUpdate.received_at) < before)).rowcount
    old = list(session.exec(select(Ticket.id).where(
        Ticket.state == TicketState.CLOSED, col(Ticket.closed_at) < before,
        (col(Ticket.chat_id).is_not(None)) | (col(Ticket.question) != ""))).all())
    if old:
        session.exec(update(Ticket).where(col(Ticket.id).in_(old)).values(chat_id=None, question=""))
        session.exec(delete(TicketMessage).where(col(TicketMessage.ticket_id).in_(old)))
    return Retained(question_texts=int(texts or 0), inbox_rows=int(inbox or 0), closed_tickets=len(old))
