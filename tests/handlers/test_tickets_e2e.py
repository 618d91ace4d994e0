"""Staff tickets end to end: the real Application, a staff group in the emulator, nothing lost."""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import select

from bot.config import KnowledgeSettings, Settings, StaffSettings, TelegramSettings
from bot.desk import tickets
from bot.knowledge.loader import load_knowledge
from bot.matching.language_data import LanguageData
from bot.services import Services, build_services, load_knowledge_for
from bot.storage.database import open_database, session_scope
from bot.storage.tables import Ticket
from handlers.application import build_application, running
from tests.databases import url_for
from tests.emulator import BotApiEmulator
from tests.pacing import UNPACED

KB = Path(__file__).parents[1] / "data" / "kb"
GROUP = -1001000000001
STAFF, OUTSIDER = 900, 901
WEATHER = "vad blir det för väder i nyköping på lördag"

Start = Callable[..., AbstractAsyncContextManager[Services]]


@pytest.fixture
def start(emulator: BotApiEmulator, tmp_path: Path, language_data: LanguageData) -> Start:
    """Start the bot (again, after a restart) on one database, with a staff group with or without topics."""
    shutil.copytree(KB, tmp_path / "kb")
    engine = open_database(url_for(tmp_path / 'bot.db'))
    knowledge = load_knowledge_for(Settings(), language_data, tmp_path / "kb")

    def settings(topics: bool) -> Settings:
        return Settings(knowledge=KnowledgeSettings(path=tmp_path / "kb"),
                        telegram=TelegramSettings(base_url=emulator.base_url, base_file_url=emulator.base_file_url),
                        staff=StaffSettings(group_chat_id=GROUP, topics=topics, user_ids=(STAFF,)))

    @asynccontextmanager
    async def run(*, topics: bool = True) -> AsyncIterator[Services]:
        emulator.group(GROUP, is_forum=topics).members[STAFF] = "administrator"  # admins write in closed topics
        services = build_services(settings(topics), engine=engine, secret=b"t", knowledge=knowledge,
                                  clock=lambda: datetime(2027, 3, 10, tzinfo=UTC))
        application = build_application(services.settings, token=emulator.token, services=services)
        async with running(application, poll_timeout=1, outbox_idle=0.05, outbox_backoff=0.05,
                           limits=UNPACED):  # the limits have their own tests
            yield services

    return run


def in_group(emulator: BotApiEmulator, needle: str, thread: int | None = None) -> list[dict[str, Any]]:
    return [m for m in emulator.messages_to(GROUP, thread_id=thread) if needle in m.get("text", "")]


def offer_of(messages: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The bot's message offering 'ask a person' (when it cannot answer, it asks before handing over)."""
    return next((m for m in messages for row in m.get("reply_markup", {}).get("inline_keyboard", [])
                 for b in row if b.get("callback_data", "").startswith("esc:")), None)


async def escalate(emulator: BotApiEmulator, user_id: int, question: str = WEATHER) -> int:
    user = emulator.user(user_id, language_code="sv")
    await user.send(question)
    if not question.startswith("/human"):
        offer = await emulator.wait_for(lambda: offer_of(user.messages))
        await user.press(offer, next(b["callback_data"] for row in offer["reply_markup"]["inline_keyboard"]
                                     for b in row if b["callback_data"].startswith("esc:")))
    receipt = await emulator.wait_for(lambda: next((m for m in user.messages if "#" in m["text"]), None))
    return int(receipt["text"].split("#")[1].split(".")[0])


async def test_the_whole_lifecycle_in_a_forum_topic(emulator: BotApiEmulator, start: Start) -> None:
    async with start() as services:
        staff, user = emulator.user(STAFF, first_name="Sara"), emulator.user(501, language_code="sv")
        number = await escalate(emulator, 501)
        card = (await emulator.wait_for(lambda: in_group(emulator, f"#{number} ·")))[0]
        assert "Fråga:" not in card["text"] and "Question:" in card["text"] and WEATHER in card["text"]
        thread = card["message_thread_id"]
        assert tuple(c[0] for c in emulator.calls if c[0] == "createForumTopic")[:1] == ("createForumTopic", )
        await staff.send_in(emulator.chats[GROUP], "Vi har tyvärr ingen väderprognos, men prova SMHI.", thread_id=thread)
        relayed = await emulator.wait_for(lambda: next((m for m in user.messages if "Svar från teamet" in m["text"]), None))
        assert "SMHI" in relayed["text"]
        await user.reply(relayed, "tack, och på söndag?")  # a reply to the team's answer joins the ticket
        await emulator.wait_for(lambda: in_group(emulator, "på söndag", thread))
        await staff.send_in(emulator.chats[GROUP], "/label  Weather  forecast", thread_id=thread)
        await emulator.wait_for(lambda: in_group(emulator, "labelled “weather forecast”", thread))
        await staff.send_in(emulator.chats[GROUP], "/close svarat", thread_id=thread)
        rating = await emulator.wait_for(lambda: next((m for m in user.messages if "(1 =" in m["text"]), None))
        await user.press(rating, f"tk:rate:{number}:4")
        await emulator.wait_for(lambda: any("betyg" in m["text"] for m in user.messages))
        with session_scope(services.engine) as session:
            ticket = session.get(Ticket, number)
            assert ticket is not None and (ticket.state, ticket.rating, ticket.label) == ("closed", 4, "weather forecast")
            assert ticket.first_answer_at is not None and ticket.topic_id == thread


async def test_without_topics_staff_answer_by_replying_to_the_ticket(emulator: BotApiEmulator, start: Start) -> None:
    async with start(topics=False):
        staff, user = emulator.user(STAFF), emulator.user(502, language_code="en")
        number = await escalate(emulator, 502)
        card = (await emulator.wait_for(lambda: in_group(emulator, f"#{number} ·")))[0]
        assert "message_thread_id" not in card
        await staff.send_in(emulator.chats[GROUP], "Here is a person's answer.", reply_to=card["message_id"])
        await emulator.wait_for(lambda: any("person's answer" in m["text"] for m in user.messages))


async def test_a_user_who_blocked_the_bot_is_reported_in_the_topic(emulator: BotApiEmulator, start: Start) -> None:
    async with start():
        staff = emulator.user(STAFF)
        number = await escalate(emulator, 503)
        thread = (await emulator.wait_for(lambda: in_group(emulator, f"#{number} ·")))[0]["message_thread_id"]
        emulator.blocked.add(503)
        await staff.send_in(emulator.chats[GROUP], "An answer nobody will read.", thread_id=thread)
        notice = await emulator.wait_for(lambda: in_group(emulator, "could not be delivered", thread))
        assert "blocked" in notice[0]["text"] and len(notice) == 1


async def test_outsiders_cannot_use_staff_commands_or_other_users_tickets(emulator: BotApiEmulator, start: Start) -> None:
    async with start() as services:
        outsider, other = emulator.user(OUTSIDER), emulator.user(777, language_code="en")
        number = await escalate(emulator, 504)
        thread = (await emulator.wait_for(lambda: in_group(emulator, f"#{number} ·")))[0]["message_thread_id"]
        for command in ("/tickets", "/assign me", "/close", "/reopen", "/label funding", "/faq", "/reload",
                        "/export", "/report", "/stats"):
            await outsider.send_in(emulator.chats[GROUP], command, thread_id=thread)
        await emulator.wait_for(lambda: len(in_group(emulator, "This command is for staff", thread)) == 10)
        await other.send("/start")
        await other.next_messages(2)
        forged = {"message_id": 1, "chat": {"id": 777, "type": "private"}, "date": 0, "text": "x",
                  "from": {"id": 1, "is_bot": True, "first_name": "K"}}
        await other.press(forged, f"tk:close:{number}")
        await other.press(forged, f"tk:rate:{number}:1")
        await emulator.wait_for(lambda: len(emulator.answered_callbacks) == 2)
        with session_scope(services.engine) as session:
            ticket = session.get(Ticket, number)
            assert ticket is not None
            assert (ticket.state, ticket.rating, ticket.assignee_name, ticket.label) == ("open", None, None, None)
        assert emulator.documents == []


async def test_faq_drafts_load_and_a_broken_reload_keeps_the_running_base(emulator: BotApiEmulator, start: Start,
                                                                          tmp_path: Path) -> None:
    async with start() as services:
        staff = emulator.user(STAFF)
        number = await escalate(emulator, 505, "/human finns det bidrag för att översätta en diktsamling till tyska")
        thread = (await emulator.wait_for(lambda: in_group(emulator, f"#{number} ·")))[0]["message_thread_id"]
        await staff.send_in(emulator.chats[GROUP], "Ja: Kulturrådets översättningsstöd.", thread_id=thread)
        await staff.send_in(emulator.chats[GROUP], "/faq", thread_id=thread)
        await emulator.wait_for(lambda: emulator.documents)
        draft = tmp_path / "draft"
        draft.mkdir()
        (draft / "faq.yaml").write_bytes(emulator.documents[0]["content"])
        assert load_knowledge(draft).entries[0].kind == "faq"
        (tmp_path / "kb" / "broken.yaml").write_text("kind: funding\nentries:\n  - id: x\n    title: [\n", encoding="utf-8")
        await staff.send_in(emulator.chats[GROUP], "/reload", thread_id=thread)
        error = await emulator.wait_for(lambda: in_group(emulator, "knowledge base has errors", thread))
        assert "broken.yaml" in error[0]["text"]
        assert len(services.knowledge.kb) == 126


async def test_with_flaky_telegram_and_a_restart_everything_is_delivered_once(emulator: BotApiEmulator,
                                                                             start: Start) -> None:
    staff = emulator.user(STAFF)
    users = list(range(600, 606))

    async def escalate_despite_faults(services: Services, user_id: int) -> int:
        """Direct replies may fail here (only the outbox retries); the ticket in the database counts."""
        await emulator.user(user_id, language_code="sv").send(f"/human {WEATHER}")  # /human hands over at once

        def ticket() -> int | None:
            with session_scope(services.engine) as session:
                return session.exec(select(Ticket.id).where(Ticket.chat_id == user_id)).first()

        return int(await emulator.wait_for(ticket, timeout=10))

    async with start() as services:
        emulator.fail("createForumTopic", 429, rate=1 / 3, retry_after=1)
        emulator.fail("sendMessage", 500, rate=1 / 3)
        numbers = [await escalate_despite_faults(services, u) for u in users[:3]]
    async with start() as services:  # restarted midway: pending deliveries resume
        numbers += [await escalate_despite_faults(services, u) for u in users[3:]]
        cards = await emulator.wait_for(lambda: all(in_group(emulator, f"#{n} ·") for n in numbers) and
                                        [in_group(emulator, f"#{n} ·")[0] for n in numbers], timeout=30)
        for card in cards:
            await staff.send_in(emulator.chats[GROUP], f"Svar till {card['text'].split(' ')[0]}",
                                thread_id=card["message_thread_id"])

        def relayed(user_id: int) -> list[dict[str, Any]]:
            return [m for m in emulator.messages_to(user_id) if "Svar från teamet" in m["text"]]

        await emulator.wait_for(lambda: all(relayed(u) for u in users), timeout=30)
        emulator.faults.clear()
    for number, _card in zip(numbers, cards, strict=True):
        assert len(in_group(emulator, f"#{number} ·")) == 1
        assert len({c["message_thread_id"] for c in cards}) == len(cards)
    assert all(len([m for m in emulator.messages_to(u) if "Svar från teamet" in m["text"]]) == 1 for u in users)


async def test_a_user_closes_their_own_ticket_and_staff_see_open_work_and_reopen_it(emulator: BotApiEmulator,
                                                                                    start: Start) -> None:
    async with start() as services:
        staff, user = emulator.user(STAFF), emulator.user(507, language_code="en")
        first = await escalate(emulator, 507)
        second = await escalate(emulator, 508)
        await staff.send_in(emulator.chats[GROUP], "/tickets")
        listing = (await emulator.wait_for(lambda: in_group(emulator, "Open tickets")))[0]["text"]
        assert listing.index(f"#{first} ·") < listing.index(f"#{second} ·")
        receipt = next(m for m in user.messages if f"#{first}" in m["text"])
        await user.press(receipt, f"tk:close:{first}")
        thread = in_group(emulator, f"#{first} ·")[0]["message_thread_id"]
        await emulator.wait_for(lambda: in_group(emulator, "closed", thread))
        await emulator.wait_for(lambda: any("(1 =" in m["text"] for m in user.messages))
        group = emulator.chats[GROUP]
        await staff.send_in(group, "/reopen", thread_id=thread)
        await emulator.wait_for(lambda: in_group(emulator, f"#{first} is open again", thread))
        await staff.send_in(group, "/reopen", thread_id=thread)
        await emulator.wait_for(lambda: in_group(emulator, f"#{first} is already open", thread))
        await staff.send_in(group, "/close", thread_id=thread)
        await emulator.wait_for(lambda: in_group(emulator, f"#{first} is closed.", thread))
        with session_scope(services.engine) as session:  # the keeping time has passed
            tickets.release_chats(session, closed_before=datetime.now(UTC) + timedelta(days=1))
        await staff.send_in(group, "/reopen", thread_id=thread)
        await emulator.wait_for(lambda: in_group(emulator, f"#{first} stays closed", thread))


async def test_staff_get_the_export_the_report_and_stats_in_the_group(emulator: BotApiEmulator, start: Start) -> None:
    async with start():
        staff = emulator.user(STAFF)
        await escalate(emulator, 510)
        await escalate(emulator, 511, "/human vi behöver en replokal i flen")
        group = emulator.chats[GROUP]
        await staff.send_in(group, "/stats 2027-03")
        stats = (await emulator.wait_for(lambda: in_group(emulator, "2027-03:")))[0]["text"]
        assert "2 questions" in stats and "2 tickets open now" in stats
        assert stats.endswith("Kontakt: 0 culture actors listed, 0 searches found nobody, 0 introductions asked, 0 accepted.")
        await staff.send_in(group, "/export 2027-Q1")
        await staff.send_in(group, "/report 2027-Q1")
        await emulator.wait_for(lambda: len(emulator.documents) == 2, timeout=30)
        xlsx, report = emulator.documents
        assert xlsx["filename"] == "needs-2027-Q1.xlsx" and xlsx["content"][:2] == b"PK"
        assert report["filename"] == "report-2027-Q1.html"
        assert report["content"].startswith(b"<!doctype html>") and b'<img src="data:image/png;base64,' in report["content"]
        await staff.send_in(group, "/report 2027-Q1 Sörmland")
        await emulator.wait_for(lambda: len(emulator.documents) == 3, timeout=30)
        regional = emulator.documents[2]
        assert regional["filename"] == "report-2027-Q1-sormland.html"
        assert "Period: 2027-01-01 – 2027-03-31 (UTC) · Sörmland" in regional["content"].decode()
        await staff.send_in(group, "/stats 2027-03 Atlantis")
        await emulator.wait_for(lambda: in_group(emulator, "I know no region or municipality called “Atlantis”"))
        await staff.send_in(group, "/export sometime")
        await emulator.wait_for(lambda: in_group(emulator, "cannot read “sometime” as a period"))
