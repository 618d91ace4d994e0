"""Updates by webhook: the real Application behind the emulator's proxy, each update committed before its 200."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from sqlalchemy.engine import Engine
from sqlmodel import col, func, select

from bot.config import Settings, TelegramSettings
from bot.services import Knowledge, build_services
from bot.storage import inbox
from bot.storage.database import open_database, session_scope
from bot.storage.tables import InboxUpdate, Need, QuarantinedUpdate
from handlers.application import build_application, running
from handlers.intake import Intake
from handlers.webhook import Webhook
from tests.databases import url_for
from tests.emulator import BotApiEmulator
from tests.emulator_webhook import SECRET_HEADER, post_update

PUBLIC = "https://bot.example.org/telegram/hook"
SECRET = "s3cret_Token-for-tests"
QUESTION = "hvem er kulturkonsulent i næstved"
ANSWER = "Kulturkonsulent, Næstved Kommune"


@asynccontextmanager
async def bot_on(emulator: BotApiEmulator, engine: Engine, knowledge: Knowledge) -> AsyncIterator[str]:
    """The bot taking updates by webhook on a free port, the emulator's proxy in front; yields the instance's URL."""
    settings = Settings(telegram=TelegramSettings(base_url=emulator.base_url, base_file_url=emulator.base_file_url))
    services = build_services(settings, engine=engine, secret=b"webhook", knowledge=knowledge,
                              clock=lambda: datetime(2027, 3, 10, tzinfo=UTC))
    application = build_application(settings, token=emulator.token, services=services)
    async with running(application, poll_timeout=1, outbox_idle=0.05,
                       webhook=Webhook(url=PUBLIC, secret=SECRET, port=0)) as intake:
        origin = f"http://127.0.0.1:{port_of(intake)}"
        emulator.behind_proxy(origin)
        yield origin + "/telegram/hook"


def port_of(intake: Intake) -> int:
    assert intake.server is not None
    return intake.server.port


def count(engine: Engine, table: Any) -> int:
    with session_scope(engine) as session:
        return int(session.exec(select(func.count()).select_from(table)).one())


def an_update(emulator: BotApiEmulator, update_id: int, user_id: int, text: str) -> dict[str, Any]:
    """A message update as Telegram would post it, not yet queued anywhere."""
    user = emulator.user(user_id, language_code="da")
    message = user.chat.new_message(user.user, text=text)
    return {"update_id": update_id, "message": message}


async def post(url: str, update: dict[str, Any] | bytes, secret: str | None = SECRET) -> int:
    async with aiohttp.ClientSession() as session:
        if isinstance(update, bytes):
            headers = {"Content-Type": "application/json", **({SECRET_HEADER: secret} if secret else {})}
            async with session.post(url, data=update, headers=headers) as response:
                return response.status
        return await post_update(session, url, update, secret)


async def test_updates_come_by_webhook_with_the_secret_and_polling_stays_off(
        emulator: BotApiEmulator, tmp_path: Path, reference_knowledge: Knowledge) -> None:
    engine = open_database(url_for(tmp_path / "bot.db"))
    async with bot_on(emulator, engine, reference_knowledge):
        user = emulator.user(42, language_code="da")
        await user.send(QUESTION)
        assert (await user.next_message(timeout=15))["text"].startswith(ANSWER)
        hook = await emulator.api_getwebhookinfo({})
    assert hook["url"] == PUBLIC and hook["pending_update_count"] == 0 and "last_error_date" not in hook
    assert emulator.hook is not None and emulator.hook.secret == SECRET
    assert not [method for method, _ in emulator.calls if method == "getUpdates"]
    assert [status for _, _, status in emulator.outgoing.posted] == [200]


async def test_each_update_is_committed_before_the_200_answers_it(
        emulator: BotApiEmulator, tmp_path: Path, reference_knowledge: Knowledge,
        monkeypatch: pytest.MonkeyPatch) -> None:
    database = tmp_path / "bot.db"
    engine, observer = open_database(url_for(database)), open_database(url_for(database))
    storing = inbox.store

    def slow_store(*args: Any) -> None:  # a slow disk: answering before the commit would show now
        import time

        time.sleep(0.3)
        storing(*args)

    monkeypatch.setattr(inbox, "store", slow_store)
    async with bot_on(emulator, engine, reference_knowledge) as url:
        for update_id in (501, 502, 503):
            assert await post(url, an_update(emulator, update_id, 42, QUESTION)) == 200
            with session_scope(observer) as session:  # another connection: it sees committed rows only
                assert session.get(InboxUpdate, update_id) is not None
        await emulator.wait_for(lambda: len(emulator.messages_to(42)) >= 3, timeout=15)


async def test_an_update_that_cannot_be_stored_is_not_confirmed(
        emulator: BotApiEmulator, tmp_path: Path, reference_knowledge: Knowledge,
        monkeypatch: pytest.MonkeyPatch) -> None:
    engine = open_database(url_for(tmp_path / "bot.db"))

    def broken_store(*_args: Any) -> None:
        raise OSError("disk full")

    async with bot_on(emulator, engine, reference_knowledge) as url:
        with monkeypatch.context() as patch:
            patch.setattr(inbox, "store", broken_store)
            assert await post(url, an_update(emulator, 601, 42, QUESTION)) == 500  # Telegram sends it again
        assert await post(url, an_update(emulator, 601, 42, QUESTION)) == 200
        await emulator.wait_for(lambda: emulator.messages_to(42), timeout=15)


async def test_a_wrong_or_missing_secret_gets_403_and_changes_nothing(
        emulator: BotApiEmulator, tmp_path: Path, reference_knowledge: Knowledge) -> None:
    engine = open_database(url_for(tmp_path / "bot.db"))
    async with bot_on(emulator, engine, reference_knowledge) as url:
        assert await post(url, an_update(emulator, 701, 42, QUESTION), secret="wrong") == 403
        assert await post(url, an_update(emulator, 702, 42, QUESTION), secret=None) == 403
        assert await post(url, an_update(emulator, 703, 42, QUESTION), secret=SECRET + "x") == 403
        await asyncio.sleep(0.5)
    assert count(engine, InboxUpdate) == 0 and count(engine, Need) == 0 and emulator.messages_to(42) == []


async def test_a_repeated_update_changes_nothing(
        emulator: BotApiEmulator, tmp_path: Path, reference_knowledge: Knowledge) -> None:
    engine = open_database(url_for(tmp_path / "bot.db"))
    async with bot_on(emulator, engine, reference_knowledge) as url:
        update = an_update(emulator, 801, 42, QUESTION)
        assert [await post(url, update) for _ in range(3)] == [200, 200, 200]
        await emulator.wait_for(lambda: emulator.messages_to(42), timeout=15)
        await asyncio.sleep(0.5)
        assert await post(url, update) == 200  # after it was handled, too
        await asyncio.sleep(0.5)
    assert len(emulator.messages_to(42)) == 1 and count(engine, Need) == 1 and count(engine, InboxUpdate) == 1


async def test_a_malformed_body_is_refused_or_set_aside_and_the_next_update_is_answered(
        emulator: BotApiEmulator, tmp_path: Path, reference_knowledge: Knowledge) -> None:
    engine = open_database(url_for(tmp_path / "bot.db"))
    async with bot_on(emulator, engine, reference_knowledge) as url:
        assert await post(url, b"{not json") == 400
        assert await post(url, json.dumps({"message": {"text": "no id"}}).encode()) == 400
        assert await post(url, json.dumps({"update_id": True}).encode()) == 400
        unreadable = an_update(emulator, 901, 42, QUESTION)
        del unreadable["message"]["date"]  # python-telegram-bot cannot read it: stored and set aside, answered 200
        assert await post(url, unreadable) == 200
        assert await post(url, an_update(emulator, 902, 42, QUESTION)) == 200
        answer = await emulator.wait_for(lambda: emulator.messages_to(42), timeout=15)
    assert answer[0]["text"].startswith(ANSWER) and len(answer) == 1
    with session_scope(engine) as session:
        assert [row.update_id for row in session.exec(select(QuarantinedUpdate)).all()] == [901]
        assert session.exec(select(Need.update_id).where(col(Need.update_id).is_not(None))).all() == [902]


async def test_a_webhook_that_refuses_is_retried_by_telegram_until_it_takes_the_update(
        emulator: BotApiEmulator, tmp_path: Path, reference_knowledge: Knowledge) -> None:
    engine = open_database(url_for(tmp_path / "bot.db"))
    emulator.webhook_retry = 0.05
    async with bot_on(emulator, engine, reference_knowledge):
        emulator.behind_proxy("http://127.0.0.1:9")  # the proxy points nowhere for a while
        user = emulator.user(43, language_code="da")
        await user.send(QUESTION)
        await emulator.wait_for(lambda: emulator.outgoing.last_error_message, timeout=10)
        hook = await emulator.api_getwebhookinfo({})
        assert hook["pending_update_count"] == 1 and hook["last_error_message"] == "Connection refused"
        assert user.messages == []
    async with bot_on(emulator, engine, reference_knowledge):  # started again: the proxy finds it
        assert (await user.next_message(timeout=15))["text"].startswith(ANSWER)
    assert count(engine, Need) == 1
