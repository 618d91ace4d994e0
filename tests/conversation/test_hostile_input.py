"""Forged buttons and invisible text: checked before use, answered briefly or not at all, never an exception."""

from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlmodel import select

from bot.config import Settings
from bot.conversation.callbacks import number
from bot.conversation.dialogue import Conversation
from bot.conversation.events import Press, Sender, Text
from bot.services import Knowledge, build_services
from bot.storage.database import open_database, session_scope
from bot.storage.tables import Actor, Need

ANNA = Sender(user_id=1001, chat_id=1001, language_code="sv", first_name="Anna")
BERT = Sender(user_id=1002, chat_id=1002, language_code="sv", first_name="Bert")


@pytest.fixture
def conv(tmp_path: Path, reference_knowledge: Knowledge) -> Conversation:
    services = build_services(Settings(), engine=open_database(f"sqlite:///{tmp_path / 'c.db'}"), secret=b"test",
                              knowledge=reference_knowledge, clock=lambda: datetime(2027, 3, 10, tzinfo=UTC))
    return Conversation(services)


@pytest.mark.parametrize("text", ["9223372036854775808", "99999999999999999999999", "²", "١٢", "-1", "", "1 ", "+1"])
def test_numbers_in_callback_data_beyond_64_bits_or_not_ascii_digits_are_refused(text: str) -> None:
    assert number(text) is None


def test_numbers_in_callback_data_keep_to_their_range() -> None:
    assert (number("9223372036854775807"), number("6", high=5), number("0", low=1), number("3", low=1, high=5)) == (
        2**63 - 1, None, None, 3)


@pytest.mark.parametrize("data", ["fb:9223372036854775808:y", "fb:²:y", "ch:1:99999999999999999999", "esc:-1",
                                  "tk:rate:18446744073709551616:5", "tk:close:x", "pg:funding:99999999999999999999",
                                  "pf:c:xx", "pf:r:Atlantis", "lang:fr", "e:nope", "zz", ":", "fb:1:maybe"])
def test_forged_button_data_changes_nothing_and_raises_nothing(conv: Conversation, data: str) -> None:
    turn = conv.handle(Press(ANNA, data))
    assert turn.replies == () and turn.toast is None
    with session_scope(conv.services.engine) as session:
        actor = session.exec(select(Actor)).one()
        assert (actor.region, actor.language) == (None, "sv")


def test_a_press_on_someone_elses_answer_changes_nothing(conv: Conversation) -> None:
    answer = conv.handle(Text(ANNA, "hvem er kulturkonsulent i næstved", update_id=1))
    helpful = answer.replies[0].buttons[-1][0].data
    assert helpful is not None and helpful.startswith("fb:")
    assert conv.handle(Press(BERT, helpful)).toast is None
    with session_scope(conv.services.engine) as session:
        assert session.exec(select(Need)).one().feedback is None
    assert conv.handle(Press(ANNA, helpful)).toast is not None


@pytest.mark.parametrize("text", ["\u200b" * 50, " \u2066\u202e\u200f ", "\ufeff\u2060", "\u3164\u2800"])
def test_text_empty_once_invisible_characters_are_gone_gets_a_short_reply_and_logs_nothing(
        conv: Conversation, text: str) -> None:
    turn = conv.handle(Text(ANNA, text, update_id=7))
    assert [r.text for r in turn.replies] == [conv.services.catalog("sv", "text.empty")]
    with session_scope(conv.services.engine) as session:
        assert session.exec(select(Need)).all() == []
