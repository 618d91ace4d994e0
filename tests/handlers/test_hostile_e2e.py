"""Hostile input over the real Application: forged presses, foreign chats, blank texts and odd staff arguments."""

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

GROUP, FOREIGN, STAFF = -1001000000001, -1009000000009, 900


@pytest.fixture
async def bot(emulator: BotApiEmulator, tmp_path: Path, reference_knowledge: Knowledge) -> AsyncIterator[Services]:
    emulator.group(GROUP)
    settings = Settings(telegram=TelegramSettings(base_url=emulator.base_url, base_file_url=emulator.base_file_url),
                        staff=StaffSettings(group_chat_id=GROUP, user_ids=(STAFF,)))
    services = build_services(settings, engine=open_database(f"sqlite:///{tmp_path / 'bot.db'}"), secret=b"e2e",
                              knowledge=reference_knowledge, clock=lambda: datetime(2027, 3, 10, tzinfo=UTC))
    application = build_application(settings, token=emulator.token, services=services)
    async with running(application, poll_timeout=1, outbox_idle=0.05, outbox_backoff=0.05):
        yield services


async def test_a_press_on_a_message_in_a_group_the_bot_does_not_serve_is_ignored(emulator: BotApiEmulator,
                                                                               bot: Services) -> None:
    foreign = emulator.group(FOREIGN, title="Someone else's group", is_forum=False)
    stranger = emulator.user(777, language_code="sv")
    message = foreign.new_message(emulator.me, text="look", reply_markup={"inline_keyboard": [
        [{"text": "x", "callback_data": "pf:c:se"}]]})
    await stranger.press(message, "pf:c:se")
    await stranger.press(message, "fb:9223372036854775808:y")
    await emulator.idle()
    assert emulator.calls and not any(params.get("chat_id") == FOREIGN for _, params in emulator.calls)


async def test_a_forged_press_beyond_64_bits_gets_no_apology(emulator: BotApiEmulator, bot: Services) -> None:
    user = emulator.user(501, language_code="sv")
    await user.send("vem är kultursamordnare i flen")
    card = await user.next_message()
    await user.press(card, "fb:9223372036854775808:y")
    await user.send("/help")
    help_text = await user.next_message()
    assert help_text["text"] == bot.catalog("sv", "help.text")
    assert not any(bot.catalog("sv", "error.generic") in m["text"] for m in user.messages)


async def test_a_message_of_invisible_characters_gets_a_short_reply(emulator: BotApiEmulator, bot: Services) -> None:
    user = emulator.user(502, language_code="nl")
    await user.send("\u200b\u200f\u2066 \u200b")
    assert (await user.next_message())["text"] == bot.catalog("nl", "text.empty")


async def test_staff_arguments_out_of_range_get_a_message(emulator: BotApiEmulator, bot: Services) -> None:
    staff = emulator.user(STAFF)
    await staff.send_in(emulator.chats[GROUP], "/stats 9999")
    await staff.send_in(emulator.chats[GROUP], "/export 9999")
    said = await emulator.wait_for(lambda: [m for m in emulator.messages_to(GROUP) if "“9999”" in m.get("text", "")]
                                   if len([m for m in emulator.messages_to(GROUP) if "“9999”" in m.get("text", "")]) == 2
                                   else None)
    assert len(said) == 2


async def test_a_staff_answer_of_zero_width_spaces_is_not_relayed_and_staff_are_told(emulator: BotApiEmulator,
                                                                                    bot: Services) -> None:
    user, staff = emulator.user(503, language_code="sv"), emulator.user(STAFF)
    await user.send("/human vad blir det för väder i nyköping på lördag")  # a ticket needs the user's yes
    card = await emulator.wait_for(lambda: next((m for m in emulator.messages_to(GROUP)
                                                 if "message_thread_id" in m and "#1 ·" in m.get("text", "")), None))
    await staff.send_in(emulator.chats[GROUP], "\u200b" * 4096, thread_id=card["message_thread_id"])
    told = bot.catalog(bot.settings.staff.language, "staff.empty_relay")
    await emulator.wait_for(lambda: any(m.get("text") == told for m in emulator.messages_to(GROUP)))
    assert not any("Svar från teamet" in m["text"] for m in user.messages)


async def test_staff_see_the_updates_set_aside(emulator: BotApiEmulator, bot: Services) -> None:
    staff, group = emulator.user(STAFF), emulator.chats[GROUP]
    await staff.send_in(group, "/quarantine")
    await emulator.wait_for(lambda: any(m.get("text") == "No updates are set aside." for m in emulator.messages_to(GROUP)))
    bad = emulator.deliver({"message": {"message_id": 9, "chat": {"id": 5, "type": "private"}, "text": "no date"}})
    await staff.send_in(group, "/quarantine")
    listing = await emulator.wait_for(lambda: next((m["text"] for m in emulator.messages_to(GROUP)
                                                    if m.get("text", "").startswith("Updates set aside")), None))
    assert f"{bad['update_id']} ·" in listing and "message: KeyError('date')" in listing and "no date" not in listing
