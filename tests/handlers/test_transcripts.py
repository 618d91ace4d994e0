"""Issue 11, point 9: the four journeys and a staff journey, as readable transcripts compared with docs/transcripts/.

`python -m pytest tests/handlers/test_transcripts.py --update-transcripts` rewrites them after a change users
should see; otherwise a changed reply fails here with a diff. The bot runs over the base Kulturlots ships, on a
fixed day, with a forum staff group.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from bot.config import FloodSettings, Settings, StaffSettings, TelegramSettings
from bot.matching.language_data import LanguageData
from bot.services import Services, build_services, load_knowledge_for
from bot.storage.database import open_database
from handlers.application import build_application, running
from tests.databases import url_for
from tests.emulator import BotApiEmulator, UserHandle
from tests.handlers.transcript import Transcript
from tests.pacing import UNPACED

SHIPPED = Path(__file__).parents[2] / "knowledge"
GROUP, STAFF = -1001000000001, 900


@pytest.fixture
async def demo_bot(emulator: BotApiEmulator, tmp_path: Path, language_data: LanguageData) -> AsyncIterator[Services]:
    """The bot as a new installation runs it: the shipped base, a forum staff group, 10 March 2027."""
    emulator.group(GROUP).members[STAFF] = "administrator"
    settings = Settings(telegram=TelegramSettings(base_url=emulator.base_url, base_file_url=emulator.base_file_url),
                        staff=StaffSettings(group_chat_id=GROUP, user_ids=(STAFF,)),
                        flood=FloodSettings(messages_per_minute=100))
    services = build_services(settings, engine=open_database(url_for(tmp_path / "bot.db")), secret=b"transcripts",
                              knowledge=load_knowledge_for(settings, language_data, SHIPPED),
                              clock=lambda: datetime(2027, 3, 10, tzinfo=UTC))
    async with running(build_application(settings, token=emulator.token, services=services), poll_timeout=1,
                       outbox_idle=0.05, outbox_backoff=0.05, limits=UNPACED):
        yield services


def label(message: dict[str, Any], prefix: str, nth: int = 0) -> str:
    """The label of a message's nth callback button whose data starts with `prefix`."""
    return [b["text"] for row in message["reply_markup"]["inline_keyboard"] for b in row
            if b.get("callback_data", "").startswith(prefix)][nth]


def with_button(user: UserHandle, prefix: str) -> dict[str, Any]:
    """The user's latest message with a button whose data starts with `prefix`."""
    return next(m for m in reversed(user.messages) for row in (m.get("reply_markup") or {}).get("inline_keyboard", [])
                for b in row if b.get("callback_data", "").startswith(prefix))


async def test_a_swedish_theatre_group_in_flen(emulator: BotApiEmulator, demo_bot: Services,
                                               update_transcripts: bool) -> None:
    user = emulator.user(701, first_name="Anna", language_code="sv")
    t = Transcript(emulator, demo_bot.engine, "A Swedish theatre group in Flen",
                   "Anna leads a two-person free theatre group; she writes in Swedish, on her phone, between "
                   "rehearsals.", names={701: "Anna"})
    await t.send(user, "/start")
    await t.press(user, with_button(user, "pf:c:"), label(with_button(user, "pf:c:"), "pf:c:se"))
    await t.press(user, with_button(user, "pf:r:"), "Flen")
    await t.press(user, with_button(user, "pf:a:"), label(with_button(user, "pf:a:"), "pf:a:theatre"))
    await t.send(user, "var kan vi söka pengar för teaterturne i flen")
    await t.press(user, with_button(user, "ch:"), label(with_button(user, "ch:"), "ch:", 1))
    await t.press(user, with_button(user, "fb:"), demo_bot.catalog("sv", "button.helpful"))
    await t.send(user, "tack!")
    await t.send(user, "/deadlines")
    await t.send(user, "hur blir vår kulturskola medlem i talentnettet")
    await t.press(user, with_button(user, "ch:"), "Talentnettet")
    await t.send(user, "vad blir det för väder i flen på lördag")
    await t.press(user, with_button(user, "rp:"), demo_bot.catalog("sv", "button.rephrase"))
    await t.send(user, "hej då")
    t.compare("sv-theatre-group-flen", update=update_transcripts)


async def test_a_danish_music_school_near_naestved(emulator: BotApiEmulator, demo_bot: Services,
                                                   update_transcripts: bool) -> None:
    user = emulator.user(702, first_name="Mette", language_code="da")
    t = Transcript(emulator, demo_bot.engine, "A Danish music school near Næstved",
                   "Mette heads a music school in Talentnettet; she asks in Danish about membership, people and "
                   "the next meetings.", names={702: "Mette"})
    await t.send(user, "Hej")
    await t.send(user, "hvordan bliver vi medlem af talentnettet")
    await t.press(user, user.messages[-1], "Talentnettet")
    await t.send(user, "hvem er kulturkonsulent i næstved")
    await t.press(user, with_button(user, "fb:"), demo_bot.catalog("da", "button.not_helpful"))
    await t.send(user, "/events")
    await t.press(user, with_button(user, "bp:"), label(with_button(user, "bp:"), "bp:", 1))
    await t.send(user, "Tusind tak for hjælpen!")
    t.compare("da-music-school-naestved", update=update_transcripts)


async def test_a_dutch_artist_in_leiden(emulator: BotApiEmulator, demo_bot: Services,
                                        update_transcripts: bool) -> None:
    user = emulator.user(703, first_name="Sanne", language_code="nl")
    t = Transcript(emulator, demo_bot.engine, "A Dutch artist in Leiden",
                   "Sanne is an illustrator in Leiden who works with schools; she writes in Dutch, and once in "
                   "English.", names={703: "Sanne"})
    await t.send(user, "hoi! wat kun je?")
    await t.send(user, "subsidie voor een voorstelling in leiden?")
    options = user.messages[-1]
    await t.press(user, options, label(options, "ch:", 1))
    await t.press(user, user.messages[0 - 2], label(user.messages[-2], "ch:", 0))
    await t.media(user, "sticker")
    await t.send(user, "Is there any funding for a school project with an illustrator in Leiden?")
    await t.send(user, "dankjewel, doei")
    t.compare("nl-artist-leiden", update=update_transcripts)


async def test_an_english_speaking_expat(emulator: BotApiEmulator, demo_bot: Services,
                                         update_transcripts: bool) -> None:
    user = emulator.user(704, first_name="Sam", language_code="en")
    t = Transcript(emulator, demo_bot.engine, "An English-speaking expat",
                   "Sam, a musician from abroad, lives in Katrineholm and writes in English.", names={704: "Sam"})
    await t.send(user, "hello")
    await t.send(user, "are you a bot?")
    await t.send(user, "where can I apply for money for a concert tour in Sörmland?")
    await t.press(user, with_button(user, "ch:"), label(with_button(user, "ch:"), "ch:", 4))
    await t.send(user, "ok")
    await t.send(user, "/funding")
    await t.send(user, "/language")
    await t.press(user, with_button(user, "lang:"), label(with_button(user, "lang:"), "lang:sv"))
    await t.send(user, "/language")
    await t.press(user, with_button(user, "lang:"), label(with_button(user, "lang:"), "lang:en"))
    await t.media(user, "voice")
    await t.send(user, "/human can I get help with my residence permit as an artist?")
    t.compare("en-expat", update=update_transcripts)


async def test_a_staff_member_answers_a_ticket(emulator: BotApiEmulator, demo_bot: Services,
                                               update_transcripts: bool) -> None:
    user, staff = emulator.user(705, first_name="Jonas", language_code="sv"), emulator.user(STAFF, first_name="Eva")
    group = emulator.chats[GROUP]
    await emulator.wait_for(lambda: emulator.messages_to(GROUP), timeout=10)  # the weekly review, posted at start
    t = Transcript(emulator, demo_bot.engine, "A staff member answers a ticket",
                   "Jonas asks something the base cannot answer and asks for a person; Eva answers from the staff "
                   "group's topic. Both sides are shown.", staff_group=group, names={705: "Jonas"})
    await t.send(user, "kan vi låna en flygel till en konsert i katrineholm i maj")
    await t.press(user, with_button(user, "esc:"), demo_bot.catalog("sv", "button.ask_person"))
    thread = next(m["message_thread_id"] for m in emulator.messages_to(GROUP) if m.get("message_thread_id"))
    await t.staff(staff, "Hej Jonas! Kulturskolan i Katrineholm lånar ut sin flygel; fråga rektorn.", thread=thread)
    relayed = user.messages[-1]
    await t.reply(user, relayed, "tack! vet du vad det kostar?")
    await t.media(user, "photo", caption="affischen för konserten")
    await t.staff(staff, "/tickets", thread=None)
    await t.staff(staff, "Det är gratis för föreningar.", thread=thread)
    await t.staff(staff, "/close", thread=thread)
    await t.press(user, with_button(user, "tk:rate:"), label(with_button(user, "tk:rate:"), "tk:rate:", 4))
    await t.send(user, "Tack så mycket!")
    t.compare("staff-ticket", update=update_transcripts)
