"""/listme in the conversation: bad input explained with the draft kept, the preview, hide, list again, remove."""

from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlmodel import select

from bot.config import Settings
from bot.contact.recognise import PeopleSearch
from bot.conversation.dialogue import Conversation
from bot.conversation.events import Command, Press, Sender, Text, Turn
from bot.services import Knowledge, build_services
from bot.storage.contact_tables import ContactCard
from bot.storage.database import open_database, session_scope

EVA = Sender(user_id=2002, chat_id=2002, language_code="nl", first_name="Eva", username="eva_tekent")


@pytest.fixture
def conv(tmp_path: Path, reference_knowledge: Knowledge) -> Conversation:
    services = build_services(Settings(), engine=open_database(f"sqlite:///{tmp_path / 'c.db'}"), secret=b"t",
                              knowledge=reference_knowledge, clock=lambda: datetime(2027, 3, 10, tzinfo=UTC))
    return Conversation(services)


def say(conv: Conversation, key: str, **params: object) -> str:
    return conv.services.catalog("nl", key, **params)


def build(conv: Conversation, *, place: str = "Leiden") -> Turn:
    """Every step up to the preview; returns the preview turn."""
    conv.handle(Command(EVA, "listme"))
    conv.handle(Text(EVA, "Eva Tekent 06-12345678"))
    conv.handle(Press(EVA, "kl:art:visual-arts"))
    conv.handle(Press(EVA, "kl:arts"))
    conv.handle(Text(EVA, place))
    conv.handle(Press(EVA, "kl:langs"))
    return conv.handle(Text(EVA, "Illustrator voor prentenboeken, zoek scholen"))


def found_by_other(conv: Conversation) -> int:
    search = PeopleSearch(sought="illustrator", art_forms=("visual-arts",), place=None)
    with session_scope(conv.services.engine) as session:
        return conv.kontakt.index.search(session, search, exclude=None, offset=0, size=5).total


def test_an_unknown_place_is_explained_and_the_draft_kept(conv: Conversation) -> None:
    conv.handle(Command(EVA, "listme"))
    conv.handle(Text(EVA, "Eva"))
    conv.handle(Press(EVA, "kl:art:dance"))
    conv.handle(Press(EVA, "kl:arts"))
    assert conv.handle(Text(EVA, "Atlantis")).replies[0].text == say(conv, "contact.bad_place")
    assert conv.handle(Text(EVA, "Leiden")).replies[0].text == say(conv, "contact.ask_langs")


def test_the_preview_shows_the_card_without_telegram_identity_and_lists_nothing_yet(conv: Conversation) -> None:
    preview = build(conv).replies[0]
    assert "Eva Tekent [phone]" in preview.text and "eva_tekent" not in preview.text and "2002" not in preview.text
    assert found_by_other(conv) == 0
    conv.handle(Press(EVA, "kl:list"))
    assert found_by_other(conv) == 1


def test_hide_list_again_and_remove(conv: Conversation) -> None:
    build(conv)
    conv.handle(Press(EVA, "kl:list"))
    assert conv.handle(Press(EVA, "kl:hide")).replies[0].text == say(conv, "contact.hidden")
    assert found_by_other(conv) == 0
    conv.handle(Press(EVA, "kl:show"))
    assert found_by_other(conv) == 1
    assert conv.handle(Press(EVA, "kl:remove")).replies[0].text == say(conv, "contact.removed")
    with session_scope(conv.services.engine) as session:
        assert session.exec(select(ContactCard)).all() == []
    assert found_by_other(conv) == 0


def test_listme_on_a_listed_card_offers_edit_hide_and_remove(conv: Conversation) -> None:
    build(conv)
    conv.handle(Press(EVA, "kl:list"))
    reply = conv.handle(Command(EVA, "listme")).replies[0]
    assert reply.text.endswith(say(conv, "contact.status_listed"))
    assert [b.data for row in reply.buttons for b in row] == ["kl:edit", "kl:hide", "kl:remove"]
