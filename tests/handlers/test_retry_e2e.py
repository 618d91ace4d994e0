"""Telegram's passing faults on a reply are waited out: the answer arrives, never an apology in its place."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.config import Settings, TelegramSettings
from bot.services import Knowledge, Services, build_services
from bot.storage.database import open_database
from handlers.application import build_application, running
from tests.emulator import BotApiEmulator

QUESTION = "hvem er kulturkonsulent i næstved"


@pytest.fixture
async def bot(emulator: BotApiEmulator, tmp_path: Path, reference_knowledge: Knowledge) -> AsyncIterator[Services]:
    settings = Settings(telegram=TelegramSettings(base_url=emulator.base_url, base_file_url=emulator.base_file_url))
    services = build_services(settings, engine=open_database(f"sqlite:///{tmp_path / 'bot.db'}"), secret=b"e2e",
                              knowledge=reference_knowledge, clock=lambda: datetime(2027, 3, 10, tzinfo=UTC))
    async with running(build_application(settings, token=emulator.token, services=services), poll_timeout=1,
                       outbox_idle=0.05):
        yield services


@pytest.mark.parametrize(("code", "retry_after"), [(429, 1), (500, None), (502, None)])
async def test_a_reply_refused_for_a_passing_fault_is_sent_again_and_no_apology_follows(
        emulator: BotApiEmulator, bot: Services, code: int, retry_after: int | None) -> None:
    user = emulator.user(800, language_code="da")
    emulator.fail("sendMessage", code, times=2, retry_after=retry_after, chat_id=800)
    emulator.tolerate("Too Many Requests", "Internal Server Error")
    await user.send(QUESTION)
    answer = await user.next_message(timeout=10)
    assert "Kulturkonsulent" in answer["text"]
    assert len(user.messages) == 1 and bot.catalog("da", "error.generic") not in answer["text"]
