"""A ticket's forum topic follows the ticket: named by what is asked, closed and reopened with it.

Topic changes are outbox rows like every other message to staff, so they happen in order after the
topic exists and survive a restart; `prepare` (bot/desk/tickets.py) finds the topic when a row is sent."""

from __future__ import annotations

import re

from sqlmodel import Session

from bot.desk.outbox import Method, Purpose, enqueue, rows_of
from bot.matching.text import Lexicon
from bot.storage.tables import Ticket

TOPIC_NAME_MAX = 128  # Telegram's limit on a forum topic's name
SUBJECT_WORDS = 6
CLOSED_MARK = "✅ "
_TOKEN = re.compile(r"[^\W_][\w'’-]*")


def subject_of(question: str, lexicon: Lexicon) -> str:
    """The question's key words in its own spelling ('musikskole låne flygel'); greetings and filler dropped.

    A question of filler only ('hello') keeps its first words: a topic always says something."""
    tokens = _TOKEN.findall(question)
    key = [t for t in tokens if len(t) > 1 and not lexicon.is_stopword(t.lower())]
    return " ".join((key or tokens)[:SUBJECT_WORDS])


def topic_name(number: int, subject: str, *, closed: bool = False) -> str:
    """'#12 — musikskole låne flygel', '✅ #12 — …' once closed, within Telegram's limit, never a cut word."""
    name = f"{CLOSED_MARK if closed else ''}#{number} — {subject}".strip(" —")
    if len(name) <= TOPIC_NAME_MAX:
        return name
    cut = name[:TOPIC_NAME_MAX - 1]
    return (cut.rsplit(" ", 1)[0] if " " in cut else cut) + "…"


def follow(session: Session, *, chat_id: int, ticket: Ticket, closed: bool, name: str | None = None) -> None:
    """Close (or reopen) the ticket's topic and name it for its state, or `name` where given."""
    number = ticket.number
    done = rows_of(session, number)
    name = name or topic_name(number, ticket.subject, closed=closed)
    enqueue(session, key=f"ticket:{number}:topic-state:{done}", chat_id=chat_id, purpose=Purpose.TOPIC_STATE,
            method=Method.TOPIC_CLOSE if closed else Method.TOPIC_REOPEN, ticket_id=number,
            payload={"ticket_thread": number, "name": name})
