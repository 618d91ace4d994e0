"""The bot's transport: python-telegram-bot's calls over aiohttp, with its timeouts and errors kept apart."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest
from telegram import Bot
from telegram.error import NetworkError, TimedOut

from bot.config import Settings, TelegramSettings
from bot.services import Knowledge, build_services
from bot.storage.database import open_database
from handlers.application import build_application
from handlers.transport import AiohttpRequest, AnsweredLate
from tests.emulator import BotApiEmulator


def free_port() -> int:
    """A port nobody listens on (bound, read, released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def test_a_call_and_its_answer_travel_over_aiohttp(emulator: BotApiEmulator) -> None:
    emulator.user(700)
    async with Bot(emulator.token, base_url=emulator.base_url, request=AiohttpRequest()) as bot:
        sent = await bot.send_message(700, "hej")
    assert sent.text == "hej" and [m["text"] for m in emulator.messages_to(700)] == ["hej"]


async def test_nobody_listening_is_a_network_error_not_a_timeout() -> None:
    bot = Bot("123456:TEST-TOKEN", base_url=f"http://127.0.0.1:{free_port()}/bot",
              request=AiohttpRequest(connect_timeout=2.0))
    with pytest.raises(NetworkError) as refused:
        await bot.initialize()  # its getMe
    await bot.shutdown()
    assert not isinstance(refused.value, TimedOut)


async def test_an_answer_later_than_the_read_timeout_is_answered_late(emulator: BotApiEmulator) -> None:
    emulator.user(700)
    emulator.fail("sendMessage", chat_id=700, late=1.0)
    async with Bot(emulator.token, base_url=emulator.base_url, request=AiohttpRequest(read_timeout=0.3)) as bot:
        with pytest.raises(AnsweredLate):
            await bot.send_message(700, "hej")
    assert len(emulator.messages_to(700)) == 1  # Telegram performed it


async def test_a_request_shut_down_and_opened_again_still_calls(emulator: BotApiEmulator) -> None:
    emulator.user(700)
    request = AiohttpRequest()
    async with Bot(emulator.token, base_url=emulator.base_url, request=request) as bot:
        await bot.send_message(700, "one")
    async with Bot(emulator.token, base_url=emulator.base_url, request=request) as bot:
        await bot.send_message(700, "two")
    assert [m["text"] for m in emulator.messages_to(700)] == ["one", "two"]


def test_the_composition_root_sends_every_call_over_the_transport(tmp_path: Path,
                                                                    reference_knowledge: Knowledge) -> None:
    settings = Settings(telegram=TelegramSettings(concurrent_updates=4))
    services = build_services(settings, engine=open_database(f"sqlite:///{tmp_path / 'bot.db'}"), secret=b"t",
                              knowledge=reference_knowledge)
    bot = build_application(settings, token="123456:TEST-TOKEN", services=services).bot
    assert isinstance(bot.request, AiohttpRequest) and bot.request.pool_size == 4 + 8  # a connection per chat, spare
    assert isinstance(bot._request[0], AiohttpRequest)  # getUpdates' own (python-telegram-bot keeps it there)
