"""Honouring /forget and /mydata: what is kept about one person, shown to them or erased; anonymous counts stay.

Forgetting keeps each need and ticket as an anonymous count (time, language, decision, matched entries, feedback,
ticket state, times and rating), so exports still count them, and erases everything that points at the person:
their key, texts, profile, reminder subscriptions, chat ids, ticket exchange, messages queued for them and their raw
updates."""

from __future__ import annotations

from typing import Any

from sqlalchemy import or_
from sqlmodel import Session, col, delete, select, update

from bot.storage.contact_tables import ContactBlock, ContactCard, ContactRequest, RequestState, touch_directory
from bot.storage.reminder_tables import Subscription
from bot.storage.tables import OPEN_STATES, Actor, InboxUpdate, Need, OutboxMessage, Ticket, TicketMessage, TicketState, utcnow

FORGOTTEN = ""  # the key of needs and tickets nobody can be linked to any more


def forget(session: Session, user_key: str, *, user_id: int, chat_id: int) -> int:
    """Erase one person (see the module's docstring); return how many of their questions were made anonymous."""
    ticket_ids = list(session.exec(select(Ticket.id).where(Ticket.user_key == user_key)).all())
    if ticket_ids:
        session.exec(delete(TicketMessage).where(col(TicketMessage.ticket_id).in_(ticket_ids)))
        # sent ones too: they hold the user's chat id and words, and with the exchange gone no key is needed
        session.exec(delete(OutboxMessage).where(col(OutboxMessage.ticket_id).in_(ticket_ids)))
        session.exec(update(Ticket).where(col(Ticket.id).in_(ticket_ids)).values(
            user_key=FORGOTTEN, chat_id=None, question="", tried=[], region=None, art_form=None,
            assignee_name=None))
        session.exec(update(Ticket).where(col(Ticket.id).in_(ticket_ids), col(Ticket.state).in_(OPEN_STATES))
                     .values(state=TicketState.CLOSED, closed_at=utcnow()))  # nobody left to answer
    session.exec(delete(OutboxMessage).where(col(OutboxMessage.chat_id) == chat_id))
    anonymised = session.exec(update(Need).where(col(Need.user_key) == user_key).values(
        user_key=FORGOTTEN, text="", region=None, art_form=None, update_id=None, chosen_id=None)).rowcount
    session.exec(delete(Actor).where(col(Actor.key) == user_key))
    session.exec(delete(Subscription).where(col(Subscription.user_key) == user_key))  # reminders queued went above
    forget_contact(session, user_key)
    for row in session.exec(select(InboxUpdate)).all():
        if row.payload and _mentions(row.payload, user_id):
            session.delete(row)
    return int(anonymised or 0)


def _mentions(payload: Any, user_id: int) -> bool:
    """Whether a raw update names this user (as sender, chat or anywhere inside)."""
    if isinstance(payload, dict):
        if payload.get("id") == user_id and ("first_name" in payload or "type" in payload):
            return True
        return any(_mentions(value, user_id) for value in payload.values())
    if isinstance(payload, list):
        return any(_mentions(value, user_id) for value in payload)
    return False


def my_data(session: Session, user_key: str) -> dict[str, Any]:
    """Everything stored under this person's key, as the JSON file /mydata sends them."""
    actor = session.get(Actor, user_key)
    needs = session.exec(select(Need).where(Need.user_key == user_key).order_by(col(Need.id))).all()
    tickets = session.exec(select(Ticket).where(Ticket.user_key == user_key).order_by(col(Ticket.id))).all()
    exchange = session.exec(select(TicketMessage).where(
        col(TicketMessage.ticket_id).in_([t.id for t in tickets])).order_by(col(TicketMessage.id))).all()
    subscriptions = session.exec(select(Subscription).where(Subscription.user_key == user_key)
                                 .order_by(col(Subscription.topic))).all()
    return {
        "reminders": [s.snapshot() for s in subscriptions],
        "profile": None if actor is None else {
            "language": actor.language, "region": actor.region, "art_form": actor.art_form,
            "first_seen": actor.created_at.isoformat(), "last_seen": actor.last_seen_at.isoformat()},
        "questions": [{"time": n.created_at.isoformat(), "text": n.text, "language": n.language,
                       "decision": n.decision, "matches": [m.get("id") for m in n.matches],
                       "feedback": n.feedback, "ticket": n.ticket_id} for n in needs],
        "tickets": [{"number": t.id, "state": t.state, "question": t.question, "opened": t.created_at.isoformat(),
                     "closed": t.closed_at.isoformat() if t.closed_at else None, "rating": t.rating,
                     "chat_id_kept": t.chat_id is not None,
                     "messages": [{"from": m.author, "text": m.text, "time": m.created_at.isoformat()}
                                  for m in exchange if m.ticket_id == t.id]} for t in tickets],
    }


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
