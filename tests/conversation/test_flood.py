"""Flood control: past the per-minute and per-day limits a user gets a polite note, and staff one line a day."""

from datetime import UTC, datetime
from pathlib import Path

from sqlmodel import select

from bot.config import FloodSettings, Settings, StaffSettings
from bot.conversation.dialogue import Conversation
from bot.conversation.events import Command, Sender, Text
from bot.services import Knowledge, build_services
from bot.storage.database import open_database, session_scope
from bot.storage.tables import Need, OutboxMessage, Ticket

ANNA = Sender(user_id=1001, chat_id=1001, language_code="sv", first_name="Anna")
GROUP = -1001000000001


def conversation(tmp_path: Path, knowledge: Knowledge, flood: FloodSettings) -> Conversation:
    settings = Settings(flood=flood, staff=StaffSettings(group_chat_id=GROUP))
    services = build_services(settings, engine=open_database(f"sqlite:///{tmp_path / 'c.db'}"), secret=b"test",
                              knowledge=knowledge, clock=lambda: datetime(2027, 3, 10, tzinfo=UTC))
    return Conversation(services)


def staff_lines(conv: Conversation) -> list[str]:
    with session_scope(conv.services.engine) as session:
        return [r.payload["text"] for r in session.exec(select(OutboxMessage)).all() if r.key.startswith("flood:")]


def test_past_the_messages_a_minute_allows_a_user_is_asked_to_wait_and_staff_hear_once(
        tmp_path: Path, reference_knowledge: Knowledge) -> None:
    conv = conversation(tmp_path, reference_knowledge, FloodSettings(messages_per_minute=3))
    turns = [conv.handle(Text(ANNA, f"hvem er kulturkonsulent i næstved {n}", update_id=n)) for n in range(5)]
    slow_down = conv.services.catalog("sv", "flood.messages")
    assert [t.replies[0].text == slow_down for t in turns] == [False, False, False, True, True]
    with session_scope(conv.services.engine) as session:
        assert len(session.exec(select(Need)).all()) == 3
    assert len(staff_lines(conv)) == 1 and "3" in staff_lines(conv)[0] and "1001" not in staff_lines(conv)[0]


def test_past_the_tickets_a_day_allows_the_question_is_logged_but_no_ticket_opened(
        tmp_path: Path, reference_knowledge: Knowledge) -> None:
    conv = conversation(tmp_path, reference_knowledge, FloodSettings(tickets_per_day=1))
    conv.handle(Command(ANNA, "human", "vi behöver en replokal i flen", update_id=1))
    conv.handle(Command(ANNA, "done"))
    turn = conv.handle(Command(ANNA, "human", "och en till replokal", update_id=2))
    assert turn.replies[0].text == conv.services.catalog("sv", "flood.tickets", count=1)
    with session_scope(conv.services.engine) as session:
        assert len(session.exec(select(Ticket)).all()) == 1 and len(session.exec(select(Need)).all()) == 2
    assert len(staff_lines(conv)) == 1
