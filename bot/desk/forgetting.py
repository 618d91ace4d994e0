"""/forget on the staff side: a user's tickets keep their numbers and topics, but lose every word of theirs.

Each topic is renamed "#N — deleted by the user" and closed, the bot's own messages that quote the person
(the card, their follow-ups, reminders) are deleted, and staff see one line saying so. What remains of the
ticket is a tombstone: its number, topic and times, so a staff message there is answered, not dropped."""

from __future__ import annotations

from sqlmodel import Session, col, delete, select

from bot.desk import topics
from bot.desk.cards import Texts
from bot.desk.outbox import Method, Purpose, enqueue, posted_pieces
from bot.desk.tickets import StaffGroup, to_staff
from bot.storage.tables import OutboxMessage, Ticket, TicketMessage, TicketState, utcnow

QUOTING = (Purpose.CARD, Purpose.STAFF, Purpose.REMINDER)  # the bot's staff-side messages that may hold their words


def forget_tickets(session: Session, *, desk: StaffGroup, texts: Texts, user_key: str) -> int:
    """Turn the user's tickets into tombstones and clean their traces from the staff group; return how many."""
    owned = session.exec(select(Ticket).where(Ticket.user_key == user_key)).all()
    for ticket in owned:
        _tombstone(session, desk=desk, texts=texts, ticket=ticket)
    return len(owned)


def _tombstone(session: Session, *, desk: StaffGroup, texts: Texts, ticket: Ticket) -> None:
    number = ticket.number
    rows = session.exec(select(OutboxMessage).where(OutboxMessage.ticket_id == number)).all()
    quoting = [m for row in rows if row.purpose in QUOTING for m in posted_pieces(row.result)]
    forgotten_name = topics.topic_name(number, texts(desk.language, "ticket.topic_forgotten"))
    for row in rows:  # a topic row keeps the topic's place in the queue, with a name that holds no words
        if row.purpose == Purpose.TOPIC:
            row.payload = {"name": forgotten_name}
    session.exec(delete(OutboxMessage).where(col(OutboxMessage.ticket_id) == number,
                                             col(OutboxMessage.purpose) != Purpose.TOPIC))
    session.exec(delete(TicketMessage).where(col(TicketMessage.ticket_id) == number))
    ticket.user_key, ticket.question, ticket.subject, ticket.tried = "", "", "", []
    ticket.chat_id, ticket.region, ticket.art_form, ticket.forgotten = None, None, None, True
    ticket.state, ticket.closed_at = TicketState.CLOSED, ticket.closed_at or utcnow()
    if quoting:
        enqueue(session, key=f"ticket:{number}:forget:erase", method=Method.DELETE, chat_id=desk.chat_id,
                payload={"message_ids": quoting, "text": texts(desk.language, "ticket.erased")},
                purpose=Purpose.ERASE, ticket_id=number)
    if desk.topics:
        topics.follow(session, chat_id=desk.chat_id, ticket=ticket, closed=True, name=forgotten_name)
    to_staff(session, desk=desk, ticket=ticket, key=f"ticket:{number}:forget:notice",
             text=texts(desk.language, "staff.forgotten", number=number))
