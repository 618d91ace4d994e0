"""Subscribing and unsubscribing, one tap each: a row per person and topic, nothing else kept about it."""

from __future__ import annotations

from sqlmodel import Session, col, delete, select

from bot.knowledge.entries import Kind, KnowledgeBase
from bot.storage.reminder_tables import Subscription, Topic
from bot.storage.tables import Delivery, OutboxMessage

PREFIX = {Topic.DEADLINES: "remind:d", Topic.EVENTS: "remind:e"}


def key_prefix(topic: Topic, user_key: str) -> str:
    """The start of the outbox keys of one person's reminders of one topic."""
    return f"{PREFIX[topic]}:{user_key}:"


def topics_of(session: Session, user_key: str) -> frozenset[Topic]:
    """The topics a person has said yes to."""
    rows = session.exec(select(Subscription.topic).where(Subscription.user_key == user_key)).all()
    return frozenset(Topic(row) for row in rows)


def subscribe(session: Session, *, user_key: str, chat_id: int, topic: Topic, kb: KnowledgeBase) -> bool:
    """Say yes to a topic (again: no change); events already in the base count as known, so only new ones come."""
    if session.get(Subscription, (user_key, topic)) is not None:
        return False
    known = [entry.id for entry in kb.of_kind(Kind.EVENT)] if topic == Topic.EVENTS else []
    session.add(Subscription(user_key=user_key, topic=topic, chat_id=chat_id, known=known))
    return True


def unsubscribe(session: Session, *, user_key: str, topic: Topic) -> bool:
    """Take back a yes, and the reminders of it still waiting to be sent; True when there was one."""
    session.exec(delete(OutboxMessage).where(col(OutboxMessage.key).startswith(key_prefix(topic, user_key)),
                                             col(OutboxMessage.state) == Delivery.PENDING))
    removed = session.exec(delete(Subscription).where(col(Subscription.user_key) == user_key,
                                                       col(Subscription.topic) == topic)).rowcount
    return bool(removed)


def subscriptions_of(session: Session, user_key: str) -> list[Subscription]:
    """What /mydata shows: each topic and since when."""
    return list(session.exec(select(Subscription).where(Subscription.user_key == user_key)
                             .order_by(col(Subscription.topic))).all())
