"""Tickets: the lifecycle of an escalated question and the outbox rows each step writes."""

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, delete, select

from bot.desk import tickets
from bot.desk.cards import Closeness, Tried
from bot.desk.outbox import RetryLater, Sent, Undeliverable, settle
from bot.storage.database import open_database, session_scope
from bot.storage.tables import OutboxMessage, Ticket, TicketMessage, utcnow
from tests.databases import url_for

GROUP = -1001


def texts(language: str, key: str, /, **params: Any) -> str:
    return f"[{language}] {key} " + " ".join(f"{k}={v}" for k, v in sorted(params.items()))


@pytest.fixture
def engine(tmp_path: Path) -> Engine:
    return open_database(url_for(tmp_path / 'tickets.db'))


def desk(topics: bool = True) -> tickets.StaffGroup:
    return tickets.StaffGroup(chat_id=GROUP, topics=topics, language="sv", promise={"en": "within 2 working days"})


def new_ticket(session: Session, *, topics: bool = True) -> Ticket:
    return tickets.open_ticket(session, desk=desk(topics), texts=texts, user_key="u1", chat_id=555, language="en",
                               question="Where can our <b>choir</b> tour?", region="Flen", art_form="music",
                               matches=[{"id": "kulturradet-musikarrangorer", "score": 0.31}], subject="choir tour",
                               tried=[Tried("Kulturrådet: music organisers", Closeness.PARTLY)])


def outbox(session: Session) -> list[OutboxMessage]:
    return list(session.exec(select(OutboxMessage).order_by(OutboxMessage.id)).all())


def test_opening_a_ticket_creates_its_topic_then_its_card_with_what_the_bot_tried(engine: Engine) -> None:
    with session_scope(engine) as session:
        ticket = new_ticket(session)
        rows = outbox(session)
    assert [r.method for r in rows] == ["topic", "message"]
    assert rows[0].payload["name"] == f"#{ticket.id} — choir tour"
    card = rows[1].payload["text"]
    assert "title=Kulturrådet: music organisers" in card and "closeness=[sv] ticket.closeness.partly" in card
    assert "kulturradet-musikarrangorer" not in card and "0.31" not in card
    assert "profile=Flen, music" in card and "language=[sv] language_names.en" in card
    assert rows[1].payload["ticket_thread"] == ticket.id


def test_without_topics_the_card_goes_to_the_group_and_replies_answer_it(engine: Engine) -> None:
    with session_scope(engine) as session:
        ticket = new_ticket(session, topics=False)
        hook = tickets.on_settled(desk(topics=False), texts)
        card = outbox(session)[0]
        settle(card, Sent({"message_id": 99}), now=utcnow())
        hook(session, card, Sent({"message_id": 99}))
        tickets.user_follow_up(session, desk=desk(topics=False), texts=texts, ticket=ticket, text="more", message_id=5)
        follow = outbox(session)[-1]
        assert tickets.prepare(session, follow)["reply_to"] == 99
        assert tickets.ticket_of_card(session, 99) == ticket


def test_the_topic_id_is_remembered_and_messages_are_posted_into_it(engine: Engine) -> None:
    with session_scope(engine) as session:
        ticket = new_ticket(session)
        topic, card = outbox(session)
        tickets.on_settled(desk(), texts)(session, topic, Sent({"thread_id": 77}))
        assert tickets.prepare(session, card)["thread_id"] == 77
        assert tickets.ticket_in_thread(session, 77) == ticket


def test_a_staff_answer_is_relayed_once_and_marks_the_ticket_answered(engine: Engine) -> None:
    with session_scope(engine) as session:
        ticket = new_ticket(session)
        assert tickets.staff_reply(session, texts=texts, ticket=ticket, staff_id=9, text="Try Region Sörmland", message_id=3)
        assert tickets.staff_reply(session, texts=texts, ticket=ticket, staff_id=9, text="Try Region Sörmland", message_id=3)
        relays = [r for r in outbox(session) if r.purpose == "relay"]
        assert len(relays) == 1 and relays[0].chat_id == 555
        assert ticket.state == "answered" and ticket.first_answer_at is not None


def test_an_undeliverable_answer_is_reported_in_the_ticket_topic(engine: Engine) -> None:
    with session_scope(engine) as session:
        ticket = new_ticket(session)
        tickets.staff_reply(session, texts=texts, ticket=ticket, staff_id=9, text="hello", message_id=4)
        relay = outbox(session)[-1]
        hook = tickets.on_settled(desk(), texts)
        outcome = RetryLater("500")
        settle(relay, outcome, now=utcnow())
        hook(session, relay, outcome)
        assert not any(r.key.startswith("undeliverable") for r in outbox(session))  # retrying: nothing said yet
        outcome2 = Undeliverable("Forbidden: bot was blocked by the user")
        settle(relay, outcome2, now=utcnow())
        hook(session, relay, outcome2)
        notice = outbox(session)[-1]
        assert notice.key == f"undeliverable:{relay.id}" and "blocked" in notice.payload["text"]


def test_closing_asks_the_user_for_a_rating_and_only_they_can_give_it(engine: Engine) -> None:
    with session_scope(engine) as session:
        ticket = new_ticket(session)
        tickets.close(session, desk=desk(), texts=texts, ticket=ticket, by_user=True, note="answered by phone")
        rating = outbox(session)[-1]
        assert [b["data"] for b in rating.payload["buttons"][0]] == [f"tk:rate:{ticket.id}:{n}" for n in range(1, 6)]
        assert any("closed_by_user" in r.payload.get("text", "") for r in outbox(session))
        assert not tickets.rate(ticket, user_key="someone-else", stars=5)
        assert tickets.rate(ticket, user_key="u1", stars=4) and ticket.rating == 4
        assert session.exec(select(TicketMessage).where(TicketMessage.author == "system")).one().text == "answered by phone"


def test_only_a_closed_ticket_can_be_rated(engine: Engine) -> None:
    with session_scope(engine) as session:
        ticket = new_ticket(session)
        assert not tickets.rate(ticket, user_key="u1", stars=5) and ticket.rating is None
        tickets.staff_reply(session, texts=texts, ticket=ticket, staff_id=9, text="Try Region Sörmland", message_id=3)
        assert ticket.state == "answered"
        assert not tickets.rate(ticket, user_key="u1", stars=5) and ticket.rating is None
        tickets.close(session, desk=desk(), texts=texts, ticket=ticket, by_user=False)
        assert tickets.rate(ticket, user_key="u1", stars=5) and ticket.rating == 5


@pytest.mark.parametrize("stars", [0, 6, -1])
def test_a_rating_outside_one_to_five_is_refused(engine: Engine, stars: int) -> None:
    with session_scope(engine) as session:
        ticket = new_ticket(session)
        tickets.close(session, desk=desk(), texts=texts, ticket=ticket, by_user=False)
        assert not tickets.rate(ticket, user_key="u1", stars=stars) and ticket.rating is None


def test_a_closed_ticket_can_be_reopened_and_open_work_lists_oldest_first(engine: Engine) -> None:
    with session_scope(engine) as session:
        first, second = new_ticket(session), new_ticket(session)
        tickets.close(session, desk=desk(), texts=texts, ticket=first, by_user=False)
        assert tickets.open_tickets(session) == [second]
        assert tickets.reopen(session, desk=desk(), ticket=first)
        assert tickets.open_tickets(session) == [first, second]
        assert tickets.open_ticket_of(session, "u1") == second


def test_an_old_ticket_is_reminded_once_per_period(engine: Engine) -> None:
    with session_scope(engine) as session:
        new_ticket(session)
        later = utcnow() + timedelta(hours=25)
        sent = tickets.due_reminders(session, desk=desk(), texts=texts, after=timedelta(hours=24), now=later)
        again = tickets.due_reminders(session, desk=desk(), texts=texts, after=timedelta(hours=24), now=later)
        assert (sent, again) == (1, 0)
        assert "hours=25" in outbox(session)[-1].payload["text"]


def test_a_closed_ticket_forgets_the_users_chat_after_the_keeping_time_and_cannot_be_reopened(engine: Engine) -> None:
    with session_scope(engine) as session:
        recent, old, still_open = new_ticket(session), new_ticket(session), new_ticket(session)
        now = utcnow()
        for ticket, closed in ((recent, now - timedelta(days=2)), (old, now - timedelta(days=40))):
            tickets.close(session, desk=desk(), texts=texts, ticket=ticket, by_user=False, now=closed)
        assert tickets.release_chats(session, closed_before=now - timedelta(days=30)) == 1
        assert (recent.chat_id, old.chat_id, still_open.chat_id) == (555, None, 555)
        assert not tickets.reopen(session, desk=desk(), ticket=old)
        assert tickets.reopen(session, desk=desk(), ticket=recent)


def test_closing_and_reopening_close_and_reopen_the_topic_named_for_the_state(engine: Engine) -> None:
    with session_scope(engine) as session:
        ticket = new_ticket(session)
        tickets.close(session, desk=desk(), texts=texts, ticket=ticket, by_user=False)
        closing = [r for r in outbox(session) if r.purpose == "topic_state"]
        assert [(r.method, r.payload) for r in closing] == [
            ("topic_close", {"ticket_thread": ticket.id, "name": f"✅ #{ticket.id} — choir tour"})]
        assert tickets.reopen(session, desk=desk(), ticket=ticket)
        tickets.close(session, desk=desk(), texts=texts, ticket=ticket, by_user=False)
        states = [(r.method, r.payload["name"]) for r in outbox(session) if r.purpose == "topic_state"]
        assert states == [("topic_close", f"✅ #{ticket.id} — choir tour"), ("topic_reopen", f"#{ticket.id} — choir tour"),
                          ("topic_close", f"✅ #{ticket.id} — choir tour")]


def test_without_topics_closing_changes_no_topic(engine: Engine) -> None:
    with session_scope(engine) as session:
        ticket = new_ticket(session, topics=False)
        tickets.close(session, desk=desk(topics=False), texts=texts, ticket=ticket, by_user=False)
        assert not [r for r in outbox(session) if r.purpose == "topic_state"]


def test_a_ticket_is_rated_once_however_often_it_is_reopened_and_closed(engine: Engine) -> None:
    with session_scope(engine) as session:
        ticket = new_ticket(session)
        tickets.close(session, desk=desk(), texts=texts, ticket=ticket, by_user=False)
        assert tickets.rate(ticket, user_key="u1", stars=4)
        assert not tickets.rate(ticket, user_key="u1", stars=1) and ticket.rating == 4
        tickets.reopen(session, desk=desk(), ticket=ticket)
        tickets.close(session, desk=desk(), texts=texts, ticket=ticket, by_user=False)
        to_user = [r.payload for r in outbox(session) if r.chat_id == 555]
        assert [bool(p["buttons"]) for p in to_user] == [True, False]
        assert "ticket.closed_again" in to_user[-1]["text"]
        assert not tickets.rate(ticket, user_key="u1", stars=2) and ticket.rating == 4


def test_a_ticket_number_is_never_handed_out_again_after_a_deletion(engine: Engine) -> None:
    with session_scope(engine) as session:
        new_ticket(session)
        number = new_ticket(session).id
        for table in (OutboxMessage, TicketMessage, Ticket):  # whatever deletes them: a cleanup by hand
            session.exec(delete(table))
        assert not session.exec(select(Ticket)).all()
    with session_scope(engine) as session:
        assert new_ticket(session).id == (number or 0) + 1
