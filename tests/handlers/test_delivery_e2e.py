"""Answers that survive Telegram's faults and keep its limits, over the real Application and the emulator."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy.engine import Engine
from sqlmodel import col, func, select

from bot.config import FloodSettings, Settings, StaffSettings, TelegramSettings
from bot.desk.outbox import Method, Purpose, enqueue
from bot.services import Knowledge, Services, build_services
from bot.storage.database import open_database, session_scope
from bot.storage.tables import Need, OutboxMessage
from handlers.application import app_data, build_application, running
from tests.databases import url_for
from tests.emulator import BotApiEmulator

GROUP, STAFF = -1001000000001, 900
QUESTION = "hvem er kulturkonsulent i næstved"
SEND_TIMEOUT = 2.0  # seconds the bot waits for Telegram's answer in these tests (20 by default): a late answer is quick


def queue_notices(engine: Engine, count: int) -> None:
    """Notices queued for the staff group before the bot starts, as a backlog of the group's traffic."""
    with session_scope(engine) as session:
        for n in range(count):
            enqueue(session, key=f"notice:{n}", method=Method.MESSAGE, chat_id=GROUP, payload={"text": f"notice {n}"})


@asynccontextmanager
async def bot_on(emulator: BotApiEmulator, engine: Engine, knowledge: Knowledge, *,
                 send_timeout: float = SEND_TIMEOUT) -> AsyncIterator[Services]:
    """The real Application with Telegram's default limits, a staff group, and quick retries."""
    emulator.chats.get(GROUP) or emulator.group(GROUP)
    settings = Settings(telegram=TelegramSettings(base_url=emulator.base_url, base_file_url=emulator.base_file_url,
                                                  send_timeout=send_timeout),
                        staff=StaffSettings(group_chat_id=GROUP, user_ids=(STAFF,)),
                        flood=FloodSettings(messages_per_minute=100))
    services = build_services(settings, engine=engine, secret=b"delivery", knowledge=knowledge,
                              clock=lambda: datetime(2027, 3, 10, tzinfo=UTC))
    async with running(build_application(settings, token=emulator.token, services=services), poll_timeout=1,
                       outbox_idle=0.05, outbox_backoff=0.05):
        yield services


def answers(engine: Engine) -> dict[str, int]:
    """The outbox's answer rows by state."""
    with session_scope(engine) as session:
        rows = session.exec(select(OutboxMessage.state, func.count()).where(
            OutboxMessage.purpose == Purpose.ANSWER).group_by(col(OutboxMessage.state))).all()
        return {state: count for state, count in rows}


def apologies(emulator: BotApiEmulator, services: Services) -> list[str]:
    texts = {services.catalog(lang, "error.generic") for lang in ("sv", "da", "nl", "en")}
    return [m["text"] for m in emulator.sent if m.get("text") in texts]


async def test_answers_through_thirty_percent_of_faulted_sends_all_arrive_and_no_apology(
        emulator: BotApiEmulator, tmp_path: Path, reference_knowledge: Knowledge) -> None:
    engine = open_database(url_for(tmp_path / "bot.db"))
    users = [emulator.user(700 + n, language_code="da") for n in range(12)]
    emulator.fail("sendMessage", 429, rate=0.1, retry_after=1)
    emulator.fail("sendMessage", 502, rate=0.1)
    emulator.fail("sendMessage", rate=0.12, drop=True)  # 30 % of sends in all
    async with bot_on(emulator, engine, reference_knowledge) as services:
        for round_ in range(3):
            for user in users:
                await user.send(f"{QUESTION} {round_}")
        await emulator.wait_for(lambda: answers(engine).get("sent", 0) >= 36 and not answers(engine).get("pending"),
                                timeout=60)
        assert answers(engine) == {"sent": 36}  # every answer sent, none given up on
        assert apologies(emulator, services) == []
        assert all(len(user.messages) == 3 and all("Kulturkonsulent" in m["text"] for m in user.messages)
                   for user in users)
        tried = sum(1 for method, _ in emulator.calls if method == "sendMessage")
        refused = sum(1 for method, _, _ in emulator.refused if method == "sendMessage")
        assert refused and tried > len(emulator.sent) + refused  # the faults happened: refusals, and dropped calls


async def test_an_answer_telegram_took_but_answered_too_late_is_counted_as_ambiguous_and_not_sent_again(
        emulator: BotApiEmulator, tmp_path: Path, reference_knowledge: Knowledge) -> None:
    engine = open_database(url_for(tmp_path / "bot.db"))
    user = emulator.user(710, language_code="da")
    emulator.fail("sendMessage", chat_id=user.id, late=SEND_TIMEOUT + 1)  # past the bot's send timeout
    async with bot_on(emulator, engine, reference_knowledge):
        await user.send(QUESTION)
        await emulator.wait_for(lambda: answers(engine) == {"sent": 1}, timeout=20)
    with session_scope(engine) as session:
        row = session.exec(select(OutboxMessage).where(OutboxMessage.purpose == Purpose.ANSWER)).one()
        assert row.result is not None and row.result["ambiguous"] == 1
        await asyncio.sleep(1.0)  # a resend would come within the outbox's quick retries
    assert len(user.messages) == 1  # the one Telegram took late, counted; not posted again


async def test_an_answer_telegram_confirms_after_six_seconds_is_waited_for_and_sent_once(
        emulator: BotApiEmulator, tmp_path: Path, reference_knowledge: Knowledge) -> None:
    engine = open_database(url_for(tmp_path / "bot.db"))
    user = emulator.user(711, language_code="da")
    emulator.fail("sendMessage", chat_id=user.id, late=6.0)  # past python-telegram-bot's 5 s, within the bot's 20 s
    async with bot_on(emulator, engine, reference_knowledge, send_timeout=TelegramSettings().send_timeout):
        await user.send(QUESTION)
        await emulator.wait_for(lambda: answers(engine) == {"sent": 1}, timeout=20)
        await asyncio.sleep(1.0)
    with session_scope(engine) as session:
        row = session.exec(select(OutboxMessage).where(OutboxMessage.purpose == Purpose.ANSWER)).one()
        assert not (row.result or {}).get("ambiguous")
    assert len(user.messages) == 1


async def test_under_telegrams_enforced_limits_every_question_is_answered_in_order_and_none_refused(
        emulator: BotApiEmulator, tmp_path: Path, reference_knowledge: Knowledge) -> None:
    engine = open_database(url_for(tmp_path / "bot.db"))
    limits = emulator.enforce_limits()
    crowd = [emulator.user(1000 + n, language_code="da") for n in range(45)]
    eager = emulator.user(999, language_code="da")
    async with bot_on(emulator, engine, reference_knowledge):
        for n in range(6):
            await eager.send(f"{QUESTION} {n}")
        for user in crowd:
            await user.send(QUESTION)
        await emulator.wait_for(lambda: len(eager.messages) >= 6 and all(u.messages for u in crowd), timeout=60)
    with session_scope(engine) as session:
        asked = [n.text for n in session.exec(select(Need).order_by(col(Need.id))).all() if n.text.startswith(QUESTION)]
    assert len(asked) == 51
    assert [m["text"].count("Kulturkonsulent") > 0 for m in eager.messages] == [True] * 6
    assert limits.refused == []  # the bot kept the limits itself
    assert limits.most_within(1.0) <= 30 and limits.most_within(3.0, chat_id=eager.id) <= 4


async def test_a_restart_remembers_what_went_to_the_group_and_keeps_twenty_a_minute(
        emulator: BotApiEmulator, tmp_path: Path, reference_knowledge: Knowledge) -> None:
    engine = open_database(url_for(tmp_path / "bot.db"))
    limits = emulator.enforce_limits()
    queue_notices(engine, 25)
    async with bot_on(emulator, engine, reference_knowledge):
        await emulator.wait_for(lambda: len(emulator.messages_to(GROUP)) >= 20, timeout=10)
    async with bot_on(emulator, engine, reference_knowledge):  # restarted at once
        await asyncio.sleep(2.0)
        assert len(emulator.messages_to(GROUP)) == 20  # the rest waits for the minute to pass, not sent in a burst
    assert limits.refused == [] and limits.most_within(60.0, chat_id=GROUP) == 20


async def test_a_thousand_staff_rows_queued_do_not_slow_a_users_answer(
        emulator: BotApiEmulator, tmp_path: Path, reference_knowledge: Knowledge) -> None:
    engine = open_database(url_for(tmp_path / "bot.db"))
    with session_scope(engine) as session:
        session.add_all(OutboxMessage(key=f"backlog:{n}", method=Method.MESSAGE, chat_id=GROUP,
                                      payload={"text": f"card {n}"}) for n in range(1000))
    user = emulator.user(720, language_code="da")
    async with bot_on(emulator, engine, reference_knowledge):
        waits = []
        for n in range(5):
            began = time.monotonic()
            await user.send(f"{QUESTION} {n}")
            await user.next_message(timeout=10)
            waits.append(time.monotonic() - began)
            await asyncio.sleep(1.2)  # a person's pace: within one chat's own limit
    assert max(waits) < 2.0, waits  # the backlog waits at twenty a minute; the user does not wait for it
    assert len(emulator.messages_to(GROUP)) <= 20


async def test_a_staff_card_telegram_took_but_answered_too_late_is_counted_as_ambiguous_and_posted_once(
        emulator: BotApiEmulator, tmp_path: Path, reference_knowledge: Knowledge) -> None:
    engine = open_database(url_for(tmp_path / "bot.db"))
    user = emulator.user(730, language_code="sv")
    emulator.fail("sendMessage", chat_id=GROUP, late=SEND_TIMEOUT + 1)  # the card: performed, answered too late
    async with bot_on(emulator, engine, reference_knowledge):
        await user.send("/human hur söker man pengar till en vinylskiva")

        def card() -> OutboxMessage | None:
            with session_scope(engine) as session:
                return session.exec(select(OutboxMessage).where(OutboxMessage.purpose == Purpose.CARD,
                                                                OutboxMessage.state == "sent")).first()

        row = await emulator.wait_for(card, timeout=30)
        await asyncio.sleep(1.0)  # a resend would come within the outbox's quick retries
    assert row.result is not None and row.result["ambiguous"] == 1  # what remains is counted, for the figures
    assert len([m for m in emulator.messages_to(GROUP) if "vinylskiva" in m.get("text", "")]) == 1


async def test_the_sender_keeps_the_configured_messages_a_second_in_all(
        emulator: BotApiEmulator, tmp_path: Path, reference_knowledge: Knowledge) -> None:
    settings = Settings(telegram=TelegramSettings(base_url=emulator.base_url, base_file_url=emulator.base_file_url,
                                                  messages_per_second=1000))  # a bot with paid broadcasts
    services = build_services(settings, engine=open_database(url_for(tmp_path / "bot.db")), secret=b"delivery",
                              knowledge=reference_knowledge)
    application = build_application(settings, token=emulator.token, services=services)
    async with running(application, poll_timeout=1, outbox_idle=0.05):
        sender = app_data(application).sender
        assert sender is not None and sender.limiter.limits.per_second == 1000
