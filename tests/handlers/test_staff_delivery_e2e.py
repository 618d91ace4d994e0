"""Replies in the staff group keep Telegram's limits and survive its passing faults, over the real Application."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import select

from bot.services import Knowledge
from bot.storage.database import open_database, session_scope
from bot.storage.tables import Delivery, OutboxMessage
from tests.databases import url_for
from tests.emulator import BotApiEmulator
from tests.handlers.test_delivery_e2e import GROUP, STAFF, bot_on, queue_notices

HELP = "Staff commands"


def helps(emulator: BotApiEmulator) -> list[dict[str, Any]]:
    return [m for m in emulator.messages_to(GROUP) if str(m.get("text", "")).startswith(HELP)]


def pending_in_group(engine_url: str) -> int:
    with session_scope(open_database(engine_url)) as session:
        return len(session.exec(select(OutboxMessage).where(OutboxMessage.chat_id == GROUP,
                                                            OutboxMessage.state == Delivery.PENDING)).all())


async def test_staff_replies_wait_their_turn_under_the_groups_twenty_a_minute_and_none_is_refused(
        emulator: BotApiEmulator, tmp_path: Path, reference_knowledge: Knowledge) -> None:
    url = url_for(tmp_path / "bot.db")
    engine = open_database(url)
    limits = emulator.enforce_limits()
    queue_notices(engine, 19)
    async with bot_on(emulator, engine, reference_knowledge):
        await emulator.wait_for(lambda: len(emulator.messages_to(GROUP)) >= 19, timeout=10)
        staff = emulator.user(STAFF)
        for _ in range(3):
            await staff.send_in(emulator.chats[GROUP], "/help")
        await emulator.wait_for(lambda: helps(emulator), timeout=10)
        await asyncio.sleep(2.0)
        assert len(helps(emulator)) == 1  # the twentieth message of the minute; the other two wait for it to pass
        assert pending_in_group(url) == 2
    assert limits.refused == [] and limits.most_within(60.0, chat_id=GROUP) == 20


@pytest.mark.parametrize(("method", "command", "arrived"), [
    ("sendMessage", "/help", helps),
    ("sendDocument", "/kb", lambda emulator: [m for m in emulator.messages_to(GROUP) if "document" in m]),
])
async def test_a_staff_reply_or_file_refused_three_times_for_passing_faults_still_arrives_once(
        emulator: BotApiEmulator, tmp_path: Path, reference_knowledge: Knowledge, method: str, command: str,
        arrived: Callable[[BotApiEmulator], list[dict[str, Any]]]) -> None:
    engine = open_database(url_for(tmp_path / "bot.db"))
    emulator.fail(method, 502, chat_id=GROUP, times=3)
    async with bot_on(emulator, engine, reference_knowledge):
        await emulator.user(STAFF).send_in(emulator.chats[GROUP], command)
        await emulator.wait_for(lambda: arrived(emulator), timeout=30)
        await asyncio.sleep(1.0)
    assert len(arrived(emulator)) == 1
