"""Updates real Telegram sends beyond the happy path, through the real Application and the strict emulator:
each is answered sensibly or ignored, and no traceback reaches anyone (no inbox row records an error)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import col, select

from bot.config import Settings, StaffSettings, TelegramSettings
from bot.services import Knowledge, Services, build_services
from bot.storage.database import open_database, session_scope
from bot.storage.tables import InboxUpdate, Need, Ticket
from handlers.application import build_application, running
from tests.databases import url_for
from tests.emulator import BotApiEmulator
from tests.pacing import UNPACED

GROUP, STAFF = -1001000000001, 900
QUESTION = "hvem er kulturkonsulent i næstved"
ANSWER_TITLE = "Kulturkonsulent, Næstved Kommune"
WEATHER = "vad blir det för väder i nyköping på lördag"


@pytest.fixture
async def bot(emulator: BotApiEmulator, tmp_path: Path, reference_knowledge: Knowledge) -> AsyncIterator[Services]:
    """The bot with a staff forum group, as in production."""
    emulator.group(GROUP, is_forum=True)
    settings = Settings(telegram=TelegramSettings(base_url=emulator.base_url, base_file_url=emulator.base_file_url),
                        staff=StaffSettings(group_chat_id=GROUP, topics=True, user_ids=(STAFF,)))
    services = build_services(settings, engine=open_database(url_for(tmp_path / 'bot.db')), secret=b"real",
                              knowledge=reference_knowledge, clock=lambda: datetime(2027, 3, 10, tzinfo=UTC))
    application = build_application(settings, token=emulator.token, services=services)
    async with running(application, poll_timeout=1, outbox_idle=0.05, outbox_backoff=0.05, limits=UNPACED):
        yield services
    with session_scope(services.engine) as session:  # whatever came in, nothing failed on the way
        assert [(row.update_id, row.error) for row in session.exec(select(InboxUpdate)) if row.error] == []
    assert not any("Traceback" in m.get("text", "") or "Error" in m.get("text", "") for m in emulator.sent)


async def processed(services: Services, update: dict[str, Any], timeout: float = 5.0) -> None:
    """Wait until the bot has handled this update (its inbox row is marked processed)."""
    def done() -> bool:
        with session_scope(services.engine) as session:
            row = session.get(InboxUpdate, update["update_id"])
            return row is not None and row.processed_at is not None

    deadline = time.monotonic() + timeout
    while not done():
        assert time.monotonic() < deadline, "the update was never processed"
        await asyncio.sleep(0.02)


def needs(services: Services) -> list[Need]:
    with session_scope(services.engine) as session:
        return list(session.exec(select(Need)).all())


def in_group(emulator: BotApiEmulator, needle: str = "", thread: int | None = None) -> list[dict[str, Any]]:
    return [m for m in emulator.messages_to(GROUP, thread_id=thread) if needle in m.get("text", "")]


async def open_ticket(emulator: BotApiEmulator, user_id: int, question: str = WEATHER) -> tuple[int, int]:
    """A user's question escalated: the ticket number and its topic."""
    user = emulator.user(user_id, language_code="sv")
    await user.send(question)
    if not question.startswith("/human"):  # the bot asks before it hands a question over
        offer = await emulator.wait_for(lambda: next((m for m in user.messages if "esc:" in str(m.get("reply_markup"))),
                                                     None))
        await user.press(offer, next(b["callback_data"] for row in offer["reply_markup"]["inline_keyboard"]
                                     for b in row if b["callback_data"].startswith("esc:")))
    receipt = await emulator.wait_for(lambda: next((m for m in user.messages if "#" in m["text"]), None))
    number = int(receipt["text"].split("#")[1].split(".")[0])
    card = (await emulator.wait_for(lambda: in_group(emulator, f"#{number} ·")))[0]
    return number, card["message_thread_id"]


# ---------------------------------------------------------------- private chats
async def test_an_edited_question_is_neither_answered_nor_logged_again(emulator: BotApiEmulator, bot: Services) -> None:
    user = emulator.user(801, language_code="da")
    sent = await user.send(QUESTION)
    await user.next_message()
    await processed(bot, await user.edit(sent, "hvem er kulturkonsulent i næstved kommune"))
    await user.send("/help")
    await user.next_message()
    assert len(user.messages) == 2 and len(needs(bot)) == 1


async def test_an_edited_command_is_not_run_again(emulator: BotApiEmulator, bot: Services) -> None:
    user = emulator.user(802, language_code="en")
    sent = await user.send("/help")
    await user.next_message()
    await processed(bot, await user.edit(sent, "/deadlines"))
    assert len(user.messages) == 1


async def test_a_user_who_blocks_the_bot_is_noted_without_error(emulator: BotApiEmulator, bot: Services) -> None:
    user = emulator.user(803, language_code="da")
    await user.send(QUESTION)
    await user.next_message()
    await processed(bot, await user.block())
    assert len(user.messages) == 1


async def test_a_photo_with_a_caption_is_answered_as_the_question_in_its_caption(emulator: BotApiEmulator,
                                                                                 bot: Services) -> None:
    user = emulator.user(804, language_code="da")
    await user.send_media("photo", caption=QUESTION)
    assert (await user.next_message())["text"].startswith(ANSWER_TITLE)
    assert [n.text for n in needs(bot)] == [QUESTION]


async def test_a_photo_without_a_caption_still_gets_the_text_only_note(emulator: BotApiEmulator, bot: Services) -> None:
    user = emulator.user(805, language_code="da")
    await user.send_media("photo")
    assert "kun læse tekst" in (await user.next_message())["text"]


async def test_a_forwarded_question_is_answered_like_a_typed_one(emulator: BotApiEmulator, bot: Services) -> None:
    user = emulator.user(806, language_code="da")
    await user.forward(QUESTION)
    assert (await user.next_message())["text"].startswith(ANSWER_TITLE)


async def test_start_with_a_deep_link_payload_greets_as_usual(emulator: BotApiEmulator, bot: Services) -> None:
    user = emulator.user(807, first_name="Eva", language_code="nl")
    await user.send("/start abc")
    greeting, profile = await user.next_messages(2)
    assert greeting["text"].startswith("Hoi Eva!") and profile["reply_markup"]["inline_keyboard"]


async def test_a_command_with_the_bots_username_works_in_private(emulator: BotApiEmulator, bot: Services) -> None:
    user = emulator.user(808, language_code="en")
    await user.send(f"/help@{emulator.username}")
    assert "/deadlines" in (await user.next_message())["text"]


async def test_a_user_without_language_or_username_is_answered_in_english(emulator: BotApiEmulator,
                                                                          bot: Services) -> None:
    user = emulator.user(809, first_name="Kim", language_code=None, username=None)
    await user.send("/start")
    greeting, _profile = await user.next_messages(2)
    assert greeting["text"].startswith("Hi Kim!")
    await user.send(QUESTION)
    assert (await user.next_message())["text"].startswith(ANSWER_TITLE)


async def test_a_button_on_an_inline_message_is_only_acknowledged(emulator: BotApiEmulator, bot: Services) -> None:
    user = emulator.user(810, language_code="en")
    await user.send("/funding")
    page = await user.next_message()
    await user.press(page, label="Next ›", inline=True)
    await emulator.wait_for(lambda: emulator.answered_callbacks)
    assert "(1/" in page["text"] and len(user.messages) == 1


async def test_a_press_too_old_to_acknowledge_still_gets_its_reply(emulator: BotApiEmulator, bot: Services) -> None:
    user = emulator.user(811, language_code="en")
    await user.send("/funding")
    page = await user.next_message()
    emulator.tolerate("query is too old")
    await user.press(page, label="Next ›", age=emulator.answer_deadline + 5)  # e.g. handled after a restart
    await emulator.wait_for(lambda: "(2/" in page["text"])
    assert emulator.answered_callbacks == []


async def test_a_press_that_waited_here_past_telegrams_deadline_is_not_acknowledged_and_still_gets_its_reply(
        emulator: BotApiEmulator, bot: Services, monkeypatch: pytest.MonkeyPatch) -> None:
    user = emulator.user(813, language_code="en")
    await user.send("/funding")
    page = await user.next_message()
    monkeypatch.setattr("handlers.user.ACK_WINDOW", 0.0)  # every press has waited past it, as in a flood's queue
    await user.press(page, label="Next ›")
    await emulator.wait_for(lambda: "(2/" in page["text"])
    assert emulator.answered_callbacks == []  # nothing asked of Telegram that it would refuse


async def test_a_question_of_4096_characters_is_answered_and_reaches_staff_whole(emulator: BotApiEmulator,
                                                                               bot: Services) -> None:
    words = (WEATHER + " ") * 200
    question = words[:4096 - 6].rstrip() + " 🌧️"  # an emoji near the end: the limit is in UTF-16 units
    question = question + "x" * (4096 - len(question.encode("utf-16-le")) // 2)
    assert len(question.encode("utf-16-le")) // 2 == 4096
    user = emulator.user(812, language_code="sv")
    await user.send(question)
    offer = await emulator.wait_for(lambda: next((m for m in user.messages if "esc:" in str(m.get("reply_markup"))),
                                                 None))
    await user.press(offer, next(b["callback_data"] for row in offer["reply_markup"]["inline_keyboard"]
                                 for b in row if b["callback_data"].startswith("esc:")))
    receipt = await emulator.wait_for(lambda: next((m for m in user.messages if "#" in m["text"]), None))
    number = int(receipt["text"].split("#")[1].split(".")[0])
    pieces = await emulator.wait_for(lambda: len(in_group(emulator)) >= 2 and in_group(emulator))
    assert pieces[0]["text"].startswith(f"#{number} ·")
    shown = "".join(m["text"] for m in pieces)
    assert "".join(question.split()) in "".join(shown.split())
    with session_scope(bot.engine) as session:
        assert session.exec(select(Need)).one().text == question


# ---------------------------------------------------------------- groups and channels
async def test_the_bot_stays_silent_in_an_unrelated_group_it_was_added_to(emulator: BotApiEmulator,
                                                                          bot: Services) -> None:
    stranger = emulator.user(820, language_code="sv")
    other = emulator.group(-1009000000001, title="Teaterföreningen", is_forum=False)
    emulator.add_to_group(other, by=stranger)
    await stranger.send_in(other, QUESTION)
    await stranger.send_in(other, "/start")
    last = await stranger.send_in(other, "/help", mention=False)
    await processed(bot, last)
    assert emulator.messages_to(other.id) == [] and needs(bot) == []


async def test_a_channel_post_is_ignored(emulator: BotApiEmulator, bot: Services) -> None:
    await processed(bot, emulator.post(emulator.channel(), QUESTION))
    assert needs(bot) == [] and emulator.sent == []


async def test_staff_commands_work_with_and_without_the_bots_username(emulator: BotApiEmulator,
                                                                      bot: Services) -> None:
    staff, group = emulator.user(STAFF), emulator.chats[GROUP]
    await staff.send_in(group, "/tickets")  # as picked from the menu: /tickets@kulturlots_bot
    await staff.send_in(group, "/tickets", mention=False)
    await emulator.wait_for(lambda: len(in_group(emulator, "No open tickets")) == 2)


async def test_a_staff_command_for_another_bot_is_ignored(emulator: BotApiEmulator, bot: Services) -> None:
    staff = emulator.user(STAFF)
    await processed(bot, await staff.send_in(emulator.chats[GROUP], "/tickets@other_bot"))
    assert in_group(emulator) == []


async def test_staff_chat_in_the_general_topic_reaches_no_user(emulator: BotApiEmulator, bot: Services) -> None:
    _, thread = await open_ticket(emulator, 830)
    staff, user = emulator.user(STAFF), emulator.user(830)
    before = len(user.messages)
    await processed(bot, await staff.send_in(emulator.chats[GROUP], "Kaffe i köket, någon?"))
    await staff.send_in(emulator.chats[GROUP], "Vi svarar om vädret i nyköping.", thread_id=thread)
    relayed = await emulator.wait_for(lambda: [m for m in user.messages if "Svar från teamet" in m["text"]])
    assert len(relayed) == 1 and "Kaffe" not in relayed[0]["text"] and len(user.messages) == before + 1


async def test_a_staff_reply_in_a_topic_is_relayed_once_whatever_it_replies_to(emulator: BotApiEmulator,
                                                                              bot: Services) -> None:
    number, thread = await open_ticket(emulator, 831)
    staff, user, group = emulator.user(STAFF), emulator.user(831), emulator.chats[GROUP]
    card = in_group(emulator, f"#{number} ·", thread)[0]
    await staff.send_in(group, "Första svaret.", thread_id=thread)  # replies to the topic's creation
    await staff.send_in(group, "Andra svaret.", reply_to=card["message_id"])  # an explicit reply to the card
    relayed = await emulator.wait_for(lambda: len([m for m in user.messages if "Svar från teamet" in m["text"]]) == 2
                                      and [m for m in user.messages if "Svar från teamet" in m["text"]])
    assert ["Första" in relayed[0]["text"], "Andra" in relayed[1]["text"]] == [True, True]
    with session_scope(bot.engine) as session:
        ticket = session.get(Ticket, number)
        assert ticket is not None and ticket.topic_id == thread


async def test_an_anonymous_admins_answer_in_a_topic_is_relayed_and_their_commands_work(
        emulator: BotApiEmulator, bot: Services) -> None:
    _, thread = await open_ticket(emulator, 832)
    admin, user = emulator.anonymous_admin(emulator.chats[GROUP], signature="Sara"), emulator.user(832)
    await admin.send_in(emulator.chats[GROUP], "Prova SMHI.", thread_id=thread)
    await emulator.wait_for(lambda: any("SMHI" in m["text"] for m in user.messages))
    await admin.send_in(emulator.chats[GROUP], "/assign me", thread_id=thread)
    await emulator.wait_for(lambda: in_group(emulator, "Sara", thread))
    assert not in_group(emulator, "This command is for staff")


async def test_a_staff_edit_of_a_relayed_answer_is_not_relayed_again(emulator: BotApiEmulator, bot: Services) -> None:
    _, thread = await open_ticket(emulator, 833)
    staff, user = emulator.user(STAFF), emulator.user(833)
    answer = await staff.send_in(emulator.chats[GROUP], "Prova SMHI.", thread_id=thread)
    await emulator.wait_for(lambda: any("SMHI" in m["text"] for m in user.messages))
    await processed(bot, await staff.edit(answer, "Prova SMHI eller YR."))
    await staff.send_in(emulator.chats[GROUP], "/tickets", thread_id=thread)
    await emulator.wait_for(lambda: in_group(emulator, "Open tickets", thread))
    assert len([m for m in user.messages if "SMHI" in m["text"]]) == 1


async def test_feedback_on_a_card_too_old_for_telegram_to_include_is_still_stored(emulator: BotApiEmulator,
                                                                                  bot: Services) -> None:
    user = emulator.user(813, language_code="da")
    await user.send(QUESTION)
    card = await user.next_message()
    helpful = card["reply_markup"]["inline_keyboard"][1][0]["callback_data"]
    inaccessible = {"chat": card["chat"], "message_id": card["message_id"], "date": 0}  # older than 48 hours
    await processed(bot, await user.press(inaccessible, helpful))
    assert needs(bot)[0].feedback == "helpful"
    assert await emulator.wait_for(lambda: emulator.answered_callbacks)


async def test_a_staff_answer_of_4096_characters_reaches_the_user_whole(emulator: BotApiEmulator,
                                                                       bot: Services) -> None:
    number, thread = await open_ticket(emulator, 834)
    staff, user = emulator.user(STAFF), emulator.user(834)
    before = len(user.messages)
    answer = ("Prova SMHI eller YR för prognosen. " * 120)[:4096]
    await staff.send_in(emulator.chats[GROUP], answer, thread_id=thread)
    pieces = await emulator.wait_for(lambda: len(user.messages) == before + 2 and user.messages[before:])
    assert pieces[0]["text"].startswith(f"Svar från teamet (#{number}):")
    assert "".join(answer.split()) in "".join("".join(m["text"] for m in pieces).split())
    assert not in_group(emulator, "could not be delivered")


async def test_a_press_whose_reply_meets_a_passing_fault_is_acknowledged_once_and_handled_once(
        emulator: BotApiEmulator, bot: Services) -> None:
    user = emulator.user(814, language_code="en")
    await user.send("/funding")
    page = await user.next_message()
    emulator.fail("editMessageText", 500, times=2)  # the page turned in place: tried again from the outbox
    await user.press(page, label="Next ›")
    turned = await emulator.wait_for(lambda: "(2/" in emulator.chats[user.id].messages[page["message_id"]]["text"],
                                     timeout=10)
    assert turned and len(emulator.answered_callbacks) == 1  # the conftest check fails on a second answer

    def settled() -> InboxUpdate | None:
        with session_scope(bot.engine) as session:
            row = session.exec(select(InboxUpdate).order_by(col(InboxUpdate.update_id).desc())).first()
            return row if row is not None and row.attempts else None

    row = await emulator.wait_for(settled, timeout=10)
    assert (row.attempts, row.error) == (1, None) and row.processed_at is not None
