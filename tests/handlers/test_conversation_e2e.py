"""Issue 11 end to end: small talk is no ticket, /start keeps a chosen language, media during a ticket reaches staff."""

from __future__ import annotations

import pytest
from sqlmodel import select

from bot.services import Services
from bot.storage.database import session_scope
from bot.storage.tables import Need, SmallTalkCount, Ticket
from tests.emulator import BotApiEmulator
from tests.handlers.test_telegram_e2e import STAFF_GROUP, knowledge, staffed_bot  # noqa: F401  (fixtures)


@pytest.mark.parametrize(("code", "text", "reply"), [
    ("da", "Tusind tak for hjælpen, Eva!", "Selv tak!"), ("en", "hello", "Hi!"), ("nl", "Ben je een bot?", "Ik ben een bot."),
    ("sv", "👍", "😊")])
async def test_small_talk_is_answered_in_kind_and_never_a_ticket_or_a_need(
        emulator: BotApiEmulator, staffed_bot: Services, code: str, text: str, reply: str) -> None:
    user = emulator.user(540, language_code=code)
    await user.send(text)
    assert (await user.next_message())["text"].startswith(reply)
    with session_scope(staffed_bot.engine) as session:
        assert session.exec(select(Ticket)).all() == [] and session.exec(select(Need)).all() == []
        assert sum(row.count for row in session.exec(select(SmallTalkCount))) == 1
    assert emulator.messages_to(STAFF_GROUP) == []


@pytest.mark.parametrize("code", ["sv", "nl"])
async def test_start_keeps_a_chosen_language(emulator: BotApiEmulator, staffed_bot: Services, code: str) -> None:
    user = emulator.user(541, first_name="Sanne", language_code=code)
    await user.send("/language")
    ask = await user.next_message()
    await user.press(ask, "lang:en")
    await emulator.wait_for(lambda: "English" in ask["text"])
    await user.send("/start")
    assert (await user.next_message())["text"].startswith("Hi Sanne!")


@pytest.mark.parametrize(("code", "kind"), [("sv", "photo"), ("da", "voice")])
async def test_media_during_a_ticket_is_copied_to_staff(emulator: BotApiEmulator, staffed_bot: Services,
                                                        code: str, kind: str) -> None:
    user = emulator.user(542, language_code=code)
    await user.send("/human vad blir det för väder i nyköping på lördag")
    await emulator.wait_for(lambda: any("#1" in m["text"] for m in user.messages))
    await user.send_media(kind, caption="affischen" if kind == "photo" else None)
    copied = await emulator.wait_for(lambda: [m for m in emulator.messages_to(STAFF_GROUP) if kind in m])
    assert copied[0].get("message_thread_id") is not None
    outside = emulator.user(543, language_code=code)
    await outside.send_media("voice")
    assert (await outside.next_message())["text"] == staffed_bot.catalog(code, "media.text_only")
