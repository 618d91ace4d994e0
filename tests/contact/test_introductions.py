"""Introductions: limits per asker, blocks, expiry after the set days, and /forget."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from bot.config import ContactSettings
from bot.contact import introductions
from bot.contact.introductions import Asker, Refusal
from bot.i18n.catalog import load_catalog
from bot.storage.contact_tables import ContactBlock, ContactCard, ContactRequest, RequestState
from bot.storage.database import session_scope
from bot.storage.privacy import forget
from bot.storage.tables import OutboxMessage
from tests.contact.conftest import AddCard

NOW = datetime(2027, 3, 10, tzinfo=UTC)
LIMITS = ContactSettings(open_per_asker=2, per_day=3, expire_days=7)
CATALOG = load_catalog()
ASKER = Asker("asker", 11, None)


def ask(session: Session, card: ContactCard, *, now: datetime = NOW, asker: Asker = ASKER) -> ContactRequest:
    assert introductions.refusal(session, asker=asker, card_id=card.id or 0, limits=LIMITS, now=now) is None
    return introductions.ask(session, asker=asker, card_id=card.id or 0, line="hej", texts=CATALOG,
                             target_language="sv", now=now)


def refusal(session: Session, card: ContactCard, now: datetime = NOW) -> Refusal | None:
    return introductions.refusal(session, asker=ASKER, card_id=card.id or 0, limits=LIMITS, now=now)


def outbox(session: Session) -> list[dict[str, Any]]:
    return [row.payload for row in session.exec(select(OutboxMessage)).all()]


def test_the_listed_person_gets_the_askers_card_line_and_three_buttons(engine: Engine, add_card: AddCard) -> None:
    with session_scope(engine) as session:
        add_card(session, "asker", place="Flen", name="Sound by Carl", listed=False)
        ask(session, add_card(session, "t1", place="Flen"))
        (message,) = outbox(session)
        assert "Sound by Carl" in message["text"] and "hej" in message["text"]
        assert [b["data"][:2] for row in message["buttons"] for b in row] == ["ka", "kd", "kb"]


def test_an_asker_without_a_card_of_their_own_is_asked_to_make_one(engine: Engine, add_card: AddCard) -> None:
    with session_scope(engine) as session:
        assert refusal(session, add_card(session, "t1", place="Flen")) is Refusal.NO_CARD


def test_open_requests_and_requests_per_day_are_limited(engine: Engine, add_card: AddCard) -> None:
    with session_scope(engine) as session:
        add_card(session, "asker", place="Flen", listed=False)
        targets = [add_card(session, f"t{n}", place="Flen") for n in range(4)]
        first, _ = ask(session, targets[0]), ask(session, targets[1])
        assert refusal(session, targets[1]) is Refusal.ALREADY
        assert refusal(session, targets[2]) is Refusal.OPEN_LIMIT
        introductions.say_no(session, first, state=RequestState.DECLINED, texts=CATALOG, language="en", now=NOW)
        ask(session, targets[2])  # one open place again: the third of the day
        for request in session.exec(select(ContactRequest)).all():
            request.state = RequestState.ACCEPTED
        assert refusal(session, targets[3]) is Refusal.DAY_LIMIT
        assert refusal(session, targets[3], NOW + timedelta(days=1, minutes=1)) is None


def test_a_blocked_asker_cannot_ask_again_and_hears_only_the_kind_words(engine: Engine, add_card: AddCard) -> None:
    with session_scope(engine) as session:
        add_card(session, "asker", place="Flen", listed=False)
        target = add_card(session, "t1", place="Flen")
        request = ask(session, target)
        introductions.say_no(session, request, state=RequestState.BLOCKED, texts=CATALOG, language="en", now=NOW)
        assert refusal(session, target) is Refusal.GONE
        assert outbox(session)[-1]["text"] == CATALOG("en", "contact.not_this_time")


def test_a_request_unanswered_for_the_set_days_expires_and_the_asker_is_told(engine: Engine,
                                                                              add_card: AddCard) -> None:
    with session_scope(engine) as session:
        add_card(session, "asker", place="Flen", listed=False)
        request = ask(session, add_card(session, "t1", place="Flen"))
        assert introductions.expire(session, texts=CATALOG, limits=LIMITS, now=NOW + timedelta(days=6)) == 0
        assert introductions.expire(session, texts=CATALOG, limits=LIMITS, now=NOW + timedelta(days=7, seconds=1)) == 1
        assert request.state == RequestState.EXPIRED
        assert outbox(session)[-1]["text"] == CATALOG("en", "contact.not_this_time")


def test_forget_removes_the_card_pending_requests_their_messages_and_blocks_but_keeps_settled_counts(
        engine: Engine, add_card: AddCard) -> None:
    with session_scope(engine) as session:
        add_card(session, "asker", place="Flen", listed=False)
        pending = ask(session, add_card(session, "t1", place="Flen"))
        settled = ask(session, add_card(session, "t2", place="Flen"))
        introductions.say_no(session, settled, state=RequestState.BLOCKED, texts=CATALOG, language="en", now=NOW)
        pending_id = pending.id
        forget(session, "asker", user_id=1, chat_id=1)
        assert session.get(ContactRequest, pending_id) is None
        kept = session.exec(select(ContactRequest)).one()
        assert (kept.state, kept.asker_key, kept.line, kept.target_key) == (RequestState.BLOCKED, None, None, None)
        assert session.exec(select(ContactCard.user_key)).all() == ["t1", "t2"]
        assert session.exec(select(ContactBlock)).all() == []
        assert outbox(session) == []
