"""Staff tickets: an escalated question becomes a ticket that a person answers inside Telegram.

Every message a ticket causes (the staff card, relayed answers, notices) is an outbox row
written in the same transaction as the ticket change, so nothing is lost between the two.
Outbox methods are transport-neutral: "topic" opens a staff thread, "message" posts text.
A message payload may say `ticket_thread: N` (post in ticket N's topic) or `reply_to_card: N`
(reply to ticket N's card where topics are off); `prepare` resolves them when it is sent.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlmodel import Session, col, select

from bot.config import StaffSettings
from bot.desk import topics
from bot.desk.cards import Texts, Tried, staff_card
from bot.desk.outbox import Method, OnSettled, Outcome, Purpose, Sent, Unconfirmed, enqueue, posted_pieces, rows_of
from bot.storage.tables import OPEN_STATES, Author, Delivery, OutboxMessage, Ticket, TicketMessage, TicketState, utcnow

__all__ = ["StaffGroup", "Texts", "Tried", "open_ticket"]


@dataclass(frozen=True, slots=True)
class StaffGroup:
    """Where staff work: their group, whether it has forum topics, the language they read."""

    chat_id: int
    topics: bool
    language: str
    promise: Mapping[str, str]  # promised answer time per user language

    @classmethod
    def of(cls, staff: StaffSettings) -> StaffGroup | None:
        """The configured staff group; None where none is set, and escalations are only logged."""
        if staff.group_chat_id is None:
            return None
        return cls(chat_id=staff.group_chat_id, topics=staff.topics, language=staff.language,
                   promise={str(language): text for language, text in staff.answer_time.items()})


def open_ticket(session: Session, *, desk: StaffGroup, texts: Texts, user_key: str, chat_id: int,
                language: str, question: str, matches: Sequence[dict[str, Any]], tried: Sequence[Tried] = (),
                subject: str = "", region: str | None = None, art_form: str | None = None,
                need_id: int | None = None) -> Ticket:
    """Create the ticket, its staff card (in a new topic named by `subject`, the key words) and the user's receipt."""
    ticket = Ticket(user_key=user_key, chat_id=chat_id, language=language, region=region, art_form=art_form,
                    question=question, subject=subject, tried=list(matches), need_id=need_id)
    session.add(ticket)
    session.flush()
    number = ticket.number
    session.add(TicketMessage(ticket_id=number, author=Author.USER, text=question))
    card = staff_card(texts, staff_language=desk.language, number=number, language=language,
                      profile=(region, art_form), question=question, tried=tried)
    if desk.topics:
        enqueue(session, key=f"ticket:{number}:topic", method=Method.TOPIC, chat_id=desk.chat_id,
                payload={"name": topics.topic_name(number, subject)}, purpose=Purpose.TOPIC, ticket_id=number)
        enqueue(session, key=f"ticket:{number}:card", method=Method.MESSAGE, chat_id=desk.chat_id,
                payload={"text": card, "ticket_thread": number}, purpose=Purpose.CARD, ticket_id=number)
    else:
        enqueue(session, key=f"ticket:{number}:card", method=Method.MESSAGE, chat_id=desk.chat_id,
                payload={"text": card}, purpose=Purpose.CARD, ticket_id=number)
    return ticket


def receipt(desk: StaffGroup, texts: Texts, ticket: Ticket) -> str:
    """What the user is told when the ticket opens: its number and when to expect an answer."""
    promise = desk.promise.get(ticket.language) or desk.promise.get("en", "")
    return texts(ticket.language, "ticket.opened", number=ticket.id, promise=promise)


def to_staff(session: Session, *, desk: StaffGroup, ticket: Ticket, text: str, key: str) -> None:
    """Post in the ticket's place on the staff side: its topic, or as a reply to its card."""
    where: dict[str, Any] = {"ticket_thread": ticket.id} if desk.topics else {"reply_to_card": ticket.id}
    enqueue(session, key=key, method=Method.MESSAGE, chat_id=desk.chat_id, payload={"text": text, **where},
            purpose=Purpose.STAFF, ticket_id=ticket.id)


def user_follow_up(session: Session, *, desk: StaffGroup, texts: Texts, ticket: Ticket, text: str,
                   message_id: int) -> None:
    """A user's message while their ticket is open goes to the ticket, not to the matcher."""
    session.add(TicketMessage(ticket_id=ticket.number, author=Author.USER, text=text))
    to_staff(session, desk=desk, ticket=ticket, key=f"ticket:{ticket.id}:user:{message_id}",
             text=texts(desk.language, "ticket.user_wrote", number=ticket.id, text=text))
    if ticket.state == TicketState.ANSWERED:
        ticket.state = TicketState.OPEN


def user_media(session: Session, *, desk: StaffGroup, texts: Texts, ticket: Ticket, from_chat: int,
               message_id: int, kind: str) -> None:
    """A photo, voice message or document sent during a ticket reaches staff as it is: copied into its place."""
    session.add(TicketMessage(ticket_id=ticket.number, author=Author.USER, text=f"[{kind}]"))
    where: dict[str, Any] = {"ticket_thread": ticket.id} if desk.topics else {"reply_to_card": ticket.id}
    to_staff(session, desk=desk, ticket=ticket, key=f"ticket:{ticket.id}:media-note:{message_id}",
             text=texts(desk.language, "ticket.user_sent", number=ticket.id, kind=kind))
    enqueue(session, key=f"ticket:{ticket.id}:media:{message_id}", method=Method.COPY, chat_id=desk.chat_id,
            payload={"from_chat_id": from_chat, "message_id": message_id, **where}, purpose=Purpose.STAFF,
            ticket_id=ticket.id)
    if ticket.state == TicketState.ANSWERED:
        ticket.state = TicketState.OPEN


def staff_reply(session: Session, *, texts: Texts, ticket: Ticket, staff_id: int, text: str,
                message_id: int, now: datetime | None = None) -> bool:
    """Relay a staff answer to the user; False when the ticket can no longer reach them."""
    if ticket.chat_id is None or ticket.state == TicketState.CLOSED:
        return False
    now = now or utcnow()
    session.add(TicketMessage(ticket_id=ticket.number, author=Author.STAFF, staff_id=staff_id, text=text))
    enqueue(session, key=f"ticket:{ticket.id}:staff:{message_id}", method=Method.MESSAGE, chat_id=ticket.chat_id,
            payload={"text": texts(ticket.language, "ticket.staff_answer", number=ticket.id, text=text)},
            purpose=Purpose.RELAY, ticket_id=ticket.id)
    ticket.state = TicketState.ANSWERED
    ticket.first_answer_at = ticket.first_answer_at or now
    return True


def close(session: Session, *, desk: StaffGroup, texts: Texts, ticket: Ticket, by_user: bool,
          note: str | None = None, now: datetime | None = None) -> None:
    """Close the ticket and its topic: the user is asked for a rating (once per ticket), staff see who closed it."""
    if ticket.state == TicketState.CLOSED:
        return
    now = now or utcnow()
    ticket.state, ticket.closed_at = TicketState.CLOSED, now
    seq = rows_of(session, ticket.number)  # keys unique per close: a ticket may close again after a reopen
    if note:
        session.add(TicketMessage(ticket_id=ticket.number, author=Author.SYSTEM, text=note))
    if by_user:
        to_staff(session, desk=desk, ticket=ticket, key=f"ticket:{ticket.id}:closed:{seq}",
                 text=texts(desk.language, "ticket.closed_by_user", number=ticket.id))
    if desk.topics:
        topics.follow(session, chat_id=desk.chat_id, ticket=ticket, closed=True)
    if ticket.chat_id is not None:
        rated = ticket.rating is not None
        buttons = [] if rated else [[{"label": str(n), "data": f"tk:rate:{ticket.id}:{n}"} for n in range(1, 6)]]
        text = texts(ticket.language, "ticket.closed_again" if rated else "ticket.closed", number=ticket.id)
        enqueue(session, key=f"ticket:{ticket.id}:rate:{seq}", method=Method.MESSAGE, chat_id=ticket.chat_id,
                payload={"text": text, "buttons": buttons}, purpose=Purpose.RELAY, ticket_id=ticket.id)


def reopen(session: Session, *, desk: StaffGroup, ticket: Ticket) -> bool:
    """Open a closed ticket and its topic again, while the user's chat is still known."""
    if ticket.state != TicketState.CLOSED or ticket.chat_id is None or ticket.forgotten:
        return False
    ticket.state, ticket.closed_at = TicketState.OPEN, None
    if desk.topics:
        topics.follow(session, chat_id=desk.chat_id, ticket=ticket, closed=False)
    return True


def rate(ticket: Ticket, *, user_key: str, stars: int) -> bool:
    """Store a 1-5 rating: only from the ticket's own user, once it is closed, and once per ticket."""
    if (ticket.user_key != user_key or ticket.state != TicketState.CLOSED or not 1 <= stars <= 5
            or ticket.rating is not None):
        return False
    ticket.rating = stars
    return True


def assign(ticket: Ticket, *, staff_id: int, name: str) -> None:
    ticket.assignee_id, ticket.assignee_name = staff_id, name


def open_tickets(session: Session) -> list[Ticket]:
    """Open work, oldest first."""
    return list(session.exec(select(Ticket).where(col(Ticket.state).in_(OPEN_STATES))
                             .order_by(col(Ticket.created_at))).all())


def open_ticket_of(session: Session, user_key: str) -> Ticket | None:
    """The user's ticket still in progress, if any: their messages go there."""
    return session.exec(select(Ticket).where(Ticket.user_key == user_key, col(Ticket.state).in_(OPEN_STATES))
                        .order_by(col(Ticket.id).desc())).first()


def ticket_in_thread(session: Session, thread_id: int) -> Ticket | None:
    return session.exec(select(Ticket).where(Ticket.topic_id == thread_id)).first()


def ticket_of_card(session: Session, message_id: int) -> Ticket | None:
    return session.exec(select(Ticket).where(Ticket.staff_message_id == message_id)).first()


def age(ticket: Ticket, now: datetime) -> timedelta:
    return now - ticket.created_at


def due_reminders(session: Session, *, desk: StaffGroup, texts: Texts, after: timedelta,
                  now: datetime | None = None) -> int:
    """Re-announce tickets open longer than `after`, once per period; return how many."""
    now = now or utcnow()
    count = 0
    claimed = session.exec(select(Ticket).where(col(Ticket.state).in_(OPEN_STATES)).order_by(col(Ticket.id))
                           .with_for_update(skip_locked=True)).all()  # another instance's round skips these
    for ticket in claimed:
        last = ticket.reminded_at or ticket.created_at
        if age(ticket, now) >= after and now - last >= after:
            hours = int(age(ticket, now).total_seconds() // 3600)
            enqueue(session, key=f"ticket:{ticket.id}:remind:{int(now.timestamp()) // int(after.total_seconds())}",
                    method=Method.MESSAGE, chat_id=desk.chat_id, purpose=Purpose.REMINDER, ticket_id=ticket.id,
                    payload={"text": texts(desk.language, "ticket.reminder", number=ticket.id, hours=hours,
                                           question=ticket.question[:80])})
            ticket.reminded_at = now
            count += 1
    return count


def release_chats(session: Session, *, closed_before: datetime) -> int:
    """Forget the chat ids of tickets closed before a moment: a chat id is kept only while a ticket needs it."""
    stale = session.exec(select(Ticket).where(Ticket.state == TicketState.CLOSED, col(Ticket.chat_id).is_not(None),
                                              col(Ticket.closed_at) < closed_before)).all()
    for ticket in stale:
        ticket.chat_id = None
    return len(stale)


def prepare(session: Session, row: OutboxMessage) -> dict[str, Any]:
    """Resolve a ticket's topic or card into the thread or message to post in, at send time."""
    payload = dict(row.payload)
    if (number := payload.pop("ticket_thread", None)) is not None:
        ticket = session.get(Ticket, number)
        payload["thread_id"] = ticket.topic_id if ticket else None
    if (number := payload.pop("reply_to_card", None)) is not None:
        ticket = session.get(Ticket, number)
        payload["reply_to"] = ticket.staff_message_id if ticket else None
    return payload


def on_settled(desk: StaffGroup, texts: Texts) -> OnSettled:
    """The outbox hook: remember topics and cards; tell staff when an answer cannot reach the user."""

    def hook(session: Session, row: OutboxMessage, outcome: Outcome) -> None:
        ticket = session.get(Ticket, row.ticket_id) if row.ticket_id else None
        if ticket is None:
            return
        if isinstance(outcome, Sent | Unconfirmed):  # a piece taken too late has no id to remember
            if row.purpose == Purpose.TOPIC:
                ticket.topic_id = outcome.result.get("thread_id")
            elif row.purpose == Purpose.CARD and not desk.topics:
                ticket.staff_message_id = outcome.result.get("message_id")
            elif row.purpose == Purpose.RELAY and row.key.startswith(f"ticket:{ticket.id}:staff:"):
                ticket.relayed = [*ticket.relayed, *posted_pieces(outcome.result)]
        elif row.state == Delivery.FAILED and row.purpose == Purpose.RELAY:
            to_staff(session, desk=desk, ticket=ticket, key=f"undeliverable:{row.id}",
                     text=texts(desk.language, "ticket.undeliverable", number=ticket.id, reason=row.last_error))

    return hook
