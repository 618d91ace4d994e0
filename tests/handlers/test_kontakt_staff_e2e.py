"""Kontakt with a staff group: /introduce in a ticket's topic, and a search that finds nobody handed to a person."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.config import Settings, StaffSettings, TelegramSettings
from bot.services import Knowledge, Services, build_services
from bot.storage.database import open_database
from handlers.application import build_application, running
from tests.emulator import BotApiEmulator
from tests.handlers.test_kontakt_e2e import list_card, texts
from tests.pacing import UNPACED

GROUP, STAFF = -1001000000001, 900


@pytest.fixture
async def staffed(emulator: BotApiEmulator, tmp_path: Path, reference_knowledge: Knowledge) -> AsyncIterator[Services]:
    emulator.group(GROUP)
    settings = Settings(telegram=TelegramSettings(base_url=emulator.base_url, base_file_url=emulator.base_file_url),
                        staff=StaffSettings(group_chat_id=GROUP, user_ids=(STAFF,)))
    services = build_services(settings, engine=open_database(f"sqlite:///{tmp_path / 'bot.db'}"), secret=b"s",
                              knowledge=reference_knowledge, clock=lambda: datetime(2027, 3, 10, tzinfo=UTC))
    application = build_application(settings, token=emulator.token, services=services)
    async with running(application, poll_timeout=1, outbox_idle=0.05, limits=UNPACED):
        yield services


async def test_introduce_in_a_ticket_topic_offers_the_person_fitting_cards_and_staff_only_a_count(
        emulator: BotApiEmulator, staffed: Services) -> None:
    anna = emulator.user(701, language_code="sv", username="anna_dans")
    await list_card(emulator, anna, name="Kompani Puls", art="dance", place="Katrineholm", line="Koreograf för barn")
    user = emulator.user(702, language_code="sv")
    await user.send("/human vi behöver hjälp att hitta en koreograf i katrineholm till vår skolföreställning")
    card = await emulator.wait_for(lambda: next((m for m in emulator.messages_to(GROUP)
                                                 if "koreograf" in m.get("text", "")), None))
    staff = emulator.user(STAFF, first_name="Sara")
    await staff.send_in(emulator.chats[GROUP], "/introduce", thread_id=card["message_thread_id"])
    said = staffed.catalog("en", "staff.introduce_sent", number=1, count=1)
    await emulator.wait_for(lambda: any(m.get("text") == said for m in emulator.messages_to(GROUP)))
    offered = await emulator.wait_for(lambda: next((m for m in user.messages if "Kompani Puls" in m["text"]), None))
    assert offered["reply_markup"]["inline_keyboard"][0][0]["callback_data"].startswith("kr:")
    assert staffed.catalog("sv", "contact.staff_found", count=1) in texts(user)
    assert not any("Kompani Puls" in m.get("text", "") for m in emulator.messages_to(GROUP))


async def test_a_search_that_finds_nobody_goes_to_a_person_with_the_same_words(
        emulator: BotApiEmulator, staffed: Services) -> None:
    user = emulator.user(703, language_code="sv")
    await user.send("vi söker en akrobat i Flen")
    nobody = await user.next_message()
    assert nobody["text"] == staffed.catalog("sv", "contact.nobody")
    await user.press(nobody, "kp:")
    await emulator.wait_for(lambda: any("akrobat i Flen" in m.get("text", "") for m in emulator.messages_to(GROUP)))
    await emulator.user(STAFF).send_in(emulator.chats[GROUP], "/stats 2027-03")
    counts = staffed.catalog("en", "staff.stats_kontakt", listed=0, nobody=1, asked=0, accepted=0)
    await emulator.wait_for(lambda: any(m.get("text", "").endswith(counts) for m in emulator.messages_to(GROUP)))
