"""Issue 11, points 6 and 8 end to end: entry fields in the user's language, a fallback marked, no placeholder contact."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.config import Settings, StaffSettings, TelegramSettings
from bot.knowledge.placeholders import in_text
from bot.matching.language_data import LanguageData
from bot.services import Services, build_services, load_knowledge_for
from bot.storage.database import open_database
from handlers.application import build_application, running
from tests.emulator import BotApiEmulator

SHIPPED = Path(__file__).parents[2] / "knowledge"


@pytest.fixture
async def shipped_bot(emulator: BotApiEmulator, tmp_path: Path, language_data: LanguageData) -> AsyncIterator[Services]:
    """The bot over the base Kulturlots ships (knowledge/), as a new installation answers."""
    settings = Settings(telegram=TelegramSettings(base_url=emulator.base_url, base_file_url=emulator.base_file_url),
                        staff=StaffSettings())
    services = build_services(settings, engine=open_database(f"sqlite:///{tmp_path / 'bot.db'}"), secret=b"e2e",
                              knowledge=load_knowledge_for(settings, language_data, SHIPPED),
                              clock=lambda: datetime(2027, 3, 10, tzinfo=UTC))
    async with running(build_application(settings, token=emulator.token, services=services), poll_timeout=1,
                       outbox_idle=0.05):
        yield services


@pytest.mark.parametrize(("code", "question"), [("da", "hvordan bliver vi medlem af talentnettet"),
                                                ("sv", "hur blir vår kulturskola medlem i talentnettet")])
async def test_a_network_card_is_in_the_users_language_or_marks_the_fallback(
        emulator: BotApiEmulator, shipped_bot: Services, code: str, question: str) -> None:
    user = emulator.user(620, language_code=code)
    await user.send(question)
    await user.press(await user.next_message(), label="Talentnettet")
    card = await user.next_message()
    entry = shipped_bot.knowledge.kb.by_id["talentnettet"]
    assert entry.how_to_join is not None
    joining = card["text"].split(shipped_bot.catalog(code, "fact.how_to_join") + ": ")[1].splitlines()[0]
    assert " / " not in joining
    if code == "da":
        assert joining == entry.how_to_join.by_language["da"] and "(in English)" not in card["text"]
    else:  # Talentnettet has no Swedish text: English, marked as such, never Danish
        assert joining == entry.how_to_join.by_language["en"] + " (in English)"
        assert entry.body.by_language["en"] + " (in English)" in card["text"]


@pytest.mark.parametrize(("code", "question"), [("da", "hvem er kulturkonsulent i næstved"),
                                                ("en", "who is the culture consultant in næstved")])
async def test_an_answer_card_never_presents_a_placeholder_contact_as_real(
        emulator: BotApiEmulator, shipped_bot: Services, code: str, question: str) -> None:
    entry = shipped_bot.knowledge.kb.by_id["naestved-kulturkonsulent"]
    assert entry.email and entry.phone  # the shipped base holds placeholders: example.org, +45 0000
    user = emulator.user(621, language_code=code)
    await user.send(question)
    card = await user.next_message()
    assert card["text"].startswith(entry.title.get(code))
    assert entry.email not in card["text"] and entry.phone not in card["text"] and in_text(card["text"]) == []
    assert shipped_bot.catalog(code, "card.demo") in card["text"]
