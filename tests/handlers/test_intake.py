"""Owned intake through the emulator: stored and committed before confirmed, processed once, failures recorded."""

from __future__ import annotations

import itertools
import sqlite3
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError
from sqlmodel import col, func, select

from bot.config import Settings, TelegramSettings
from bot.matching.decisions import Result
from bot.matching.matcher import Matcher
from bot.services import Knowledge, Services, build_services
from bot.storage import inbox
from bot.storage.database import open_database, session_scope
from bot.storage.tables import InboxUpdate, Need, QuarantinedUpdate
from handlers import answers
from handlers.application import build_application, running
from tests.databases import url_for
from tests.emulator import BotApiEmulator

QUESTION = "hvem er kulturkonsulent i næstved"


@asynccontextmanager
async def bot_on(emulator: BotApiEmulator, engine: Engine, knowledge: Knowledge) -> AsyncIterator[Services]:
    """The real Application against the emulator, on the given database."""
    settings = Settings(telegram=TelegramSettings(base_url=emulator.base_url, base_file_url=emulator.base_file_url))
    services = build_services(settings, engine=engine, secret=b"intake", knowledge=knowledge,
                              clock=lambda: datetime(2027, 3, 10, tzinfo=UTC))
    async with running(build_application(settings, token=emulator.token, services=services), poll_timeout=1,
                       outbox_idle=0.05):
        yield services


def offsets(emulator: BotApiEmulator) -> list[int]:
    """The offsets the bot asked getUpdates for: each confirms every update below it."""
    return [int(params.get("offset") or 0) for method, params in emulator.calls if method == "getUpdates"]


def needs(engine: Engine) -> list[Need]:
    with session_scope(engine) as session:
        return list(session.exec(select(Need).order_by(col(Need.id))).all())


async def test_every_update_is_committed_before_its_offset_confirms_it(
        emulator: BotApiEmulator, tmp_path: Path, reference_knowledge: Knowledge) -> None:
    database = tmp_path / "bot.db"
    engine = open_database(url_for(database))
    observer = open_database(url_for(database))  # a second connection sees only committed rows
    delivered: list[int] = []
    unconfirmed_but_missing: list[int] = []
    serve = emulator.api_getupdates

    async def checked(params: dict[str, Any]) -> list[dict[str, Any]]:
        offset = int(params.get("offset") or 0)
        with session_scope(observer) as session:
            stored = set(session.exec(select(InboxUpdate.update_id)).all())
        unconfirmed_but_missing.extend(u for u in delivered if u < offset and u not in stored)
        return await serve(params)

    emulator.api_getupdates = checked  # type: ignore[method-assign]
    users = [emulator.user(700 + n, language_code="da") for n in range(3)]
    async with bot_on(emulator, engine, reference_knowledge):
        for burst in range(4):
            for user in users:
                delivered.append((await user.send(f"{QUESTION} {burst}"))["update_id"])
            await emulator.wait_for(lambda: max(offsets(emulator), default=0) > delivered[-1])  # each burst confirmed
        await emulator.wait_for(lambda: len(needs(engine)) == len(delivered))  # handled beside the polling
    assert len(set(offsets(emulator))) >= 5 and not unconfirmed_but_missing
    assert sorted(n.update_id for n in needs(engine) if n.update_id) == sorted(delivered)


async def test_updates_stored_before_a_crash_are_handled_on_restart_and_not_fetched_again(
        emulator: BotApiEmulator, tmp_path: Path, reference_knowledge: Knowledge) -> None:
    engine = open_database(url_for(tmp_path / 'bot.db'))
    user = emulator.user(710, language_code="da")
    stored = [await user.send(f"{QUESTION} {n}") for n in range(3)]  # Telegram still holds them, unconfirmed
    with session_scope(engine) as session:  # ...and the crashed run had committed them to the inbox
        for update in stored:
            session.add(InboxUpdate(update_id=update["update_id"], payload=dict(update)))
    async with bot_on(emulator, engine, reference_knowledge):
        await emulator.wait_for(lambda: len(user.messages) >= 3)
        await user.send(f"{QUESTION} 3")
        await emulator.wait_for(lambda: len(needs(engine)) == 4)
    assert offsets(emulator)[0] == stored[-1]["update_id"] + 1
    assert [n.text for n in needs(engine)] == [f"{QUESTION} {n}" for n in range(4)]
    assert len(user.messages) == 4


async def test_a_failing_handler_is_tried_three_times_costs_one_apology_and_is_set_aside_while_the_next_is_answered(
        emulator: BotApiEmulator, tmp_path: Path, reference_knowledge: Knowledge) -> None:
    engine = open_database(url_for(tmp_path / 'bot.db'))
    user = emulator.user(720, language_code="da")
    async with bot_on(emulator, engine, reference_knowledge) as services:
        exploding = Exploding(reference_knowledge.matcher)
        services.knowledge = Knowledge(reference_knowledge.kb, exploding)  # type: ignore[arg-type]
        await user.send("boom")
        await user.send(QUESTION)
        answer, apology = await user.next_messages(2, timeout=10)
    assert apology["text"] == "Undskyld, noget gik galt hos mig. Prøv igen om lidt."
    assert "Kulturkonsulent" in answer["text"] and exploding.booms == 3 and len(user.messages) == 2
    assert not any("Traceback" in m["text"] or "RuntimeError" in m["text"] for m in user.messages)
    with session_scope(engine) as session:
        rows = session.exec(select(InboxUpdate).order_by(col(InboxUpdate.update_id))).all()
        assert [(r.processed_at is not None, bool(r.error), r.attempts) for r in rows] == [(True, True, 3),
                                                                                           (True, False, 1)]
        assert "kaboom" in (rows[0].error or "")
        aside = session.exec(select(QuarantinedUpdate)).one()
        assert (aside.update_id, aside.reason, aside.attempts, aside.shape) == (rows[0].update_id, "failed", 3,
                                                                                 "message")
        assert session.exec(select(func.count()).select_from(Need)).one() == 1


async def test_an_unreadable_update_is_confirmed_set_aside_and_never_blocks_the_others(
        emulator: BotApiEmulator, tmp_path: Path, reference_knowledge: Knowledge) -> None:
    engine = open_database(f"sqlite:///{tmp_path / 'bot.db'}")
    user = emulator.user(721, language_code="da")
    no_date = emulator.deliver({"message": {"message_id": 1, "chat": {"id": 721, "type": "private"}, "text": "x"}})
    no_type = emulator.deliver({"message": {"message_id": 2, "date": 1, "chat": {"id": 721}, "text": "x"}})
    async with bot_on(emulator, engine, reference_knowledge):
        await user.send(QUESTION)
        await user.next_message()
        await emulator.wait_for(lambda: max(offsets(emulator), default=0) > no_type["update_id"])
    with session_scope(engine) as session:
        aside = session.exec(select(QuarantinedUpdate).order_by(col(QuarantinedUpdate.update_id))).all()
        assert [(a.update_id, a.reason) for a in aside] == [(no_date["update_id"], "unreadable"),
                                                            (no_type["update_id"], "unreadable")]
        assert "date" in aside[0].error and "type" in aside[1].error
    assert len(needs(engine)) == 1


async def test_a_message_without_a_chat_is_set_aside_at_once_not_tried_and_failed(
        emulator: BotApiEmulator, tmp_path: Path, reference_knowledge: Knowledge) -> None:
    """python-telegram-bot reads it (chat None), but its filters fail on it: three tracebacks, then set aside."""
    engine = open_database(url_for(tmp_path / 'bot.db'))
    user = emulator.user(722, language_code="da")
    no_chat = emulator.deliver({"message": {"message_id": 1, "date": 1, "from": user.user, "text": "x"}})
    async with bot_on(emulator, engine, reference_knowledge):
        await user.send(QUESTION)
        await user.next_message()
        await emulator.wait_for(lambda: max(offsets(emulator), default=0) > no_chat["update_id"])
    with session_scope(engine) as session:
        aside = session.exec(select(QuarantinedUpdate)).all()
        assert [(a.update_id, a.reason, a.error) for a in aside] == [(no_chat["update_id"], "unreadable",
                                                                      "a message without chat")]


async def test_a_failing_get_updates_is_waited_out(emulator: BotApiEmulator, tmp_path: Path,
                                                   reference_knowledge: Knowledge) -> None:
    engine = open_database(url_for(tmp_path / 'bot.db'))
    user = emulator.user(730, language_code="en")
    emulator.fail("getUpdates", 502, times=1)
    async with bot_on(emulator, engine, reference_knowledge):
        await user.send(QUESTION)
        await user.next_message(timeout=10)
    assert len(needs(engine)) == 1


async def test_a_database_too_busy_to_store_or_mark_updates_is_waited_out_and_nothing_is_lost(
        emulator: BotApiEmulator, tmp_path: Path, reference_knowledge: Knowledge, monkeypatch: pytest.MonkeyPatch) -> None:
    """A user's turn marks its update handled in its own commit (handled_in): busy there, the turn is tried again."""
    engine = open_database(url_for(tmp_path / "bot.db"))
    store, mark = inbox.store, answers.handled_in
    busy = {"store": 1, "mark": 1}

    def flaky(name: str, real: Callable[..., None]) -> Callable[..., None]:
        def call(*args: Any, **kwargs: Any) -> None:
            if busy[name]:
                busy[name] -= 1
                raise OperationalError("INSERT", {}, sqlite3.OperationalError("database is locked"))
            real(*args, **kwargs)
        return call

    monkeypatch.setattr(inbox, "store", flaky("store", store))
    monkeypatch.setattr(answers, "handled_in", flaky("mark", mark))
    user = emulator.user(640, language_code="da")
    async with bot_on(emulator, engine, reference_knowledge):
        await user.send(f"{QUESTION} 1")
        await user.next_message(timeout=15)
        await user.send(f"{QUESTION} 2")  # the intake still polls after both failures
        await user.next_message(timeout=15)
    assert busy == {"store": 0, "mark": 0}
    assert [n.text for n in needs(engine)] == [f"{QUESTION} 1", f"{QUESTION} 2"]
    assert len(user.messages) == 2


async def test_after_a_quiet_week_updates_are_taken_whatever_their_ids(
        emulator: BotApiEmulator, tmp_path: Path, reference_knowledge: Knowledge) -> None:
    """After a week without updates Telegram numbers them anew at random, maybe lower: the bot then polls without
    an offset (which would confirm them unseen), and an old id that comes back with another message is new."""
    engine = open_database(url_for(tmp_path / 'bot.db'))
    user = emulator.user(740, language_code="da")
    now = datetime.now(UTC)
    with session_scope(engine) as session:
        for update_id, received in ((5, now - timedelta(days=400)), (900, now - timedelta(days=8)),
                                    (901, now - timedelta(days=8))):
            session.add(InboxUpdate(update_id=update_id, payload={"update_id": update_id}, processed_at=received,
                                    received_at=received))
    emulator._update_ids = itertools.count(5)  # the ids Telegram drew after the quiet week
    async with bot_on(emulator, engine, reference_knowledge):
        await user.send(QUESTION)  # update 5 again, another message
        await user.send(f"{QUESTION} 2")
        await emulator.wait_for(lambda: len(needs(engine)) == 2 and 7 in offsets(emulator))
    assert offsets(emulator)[0] == 0  # no offset
    assert [(n.update_id, n.text) for n in needs(engine)] == [(5, QUESTION), (6, f"{QUESTION} 2")]


async def test_a_restart_within_the_week_goes_on_after_the_update_received_last(
        emulator: BotApiEmulator, tmp_path: Path, reference_knowledge: Knowledge) -> None:
    engine = open_database(url_for(tmp_path / 'bot.db'))
    now = datetime.now(UTC)
    with session_scope(engine) as session:  # ids were drawn anew two days ago: the last received is the lowest
        for update_id, received in ((900, now - timedelta(days=9)), (3, now - timedelta(days=2))):
            session.add(InboxUpdate(update_id=update_id, payload={"update_id": update_id}, processed_at=received,
                                    received_at=received))
    async with bot_on(emulator, engine, reference_knowledge):
        await emulator.wait_for(lambda: offsets(emulator))
    assert offsets(emulator)[0] == 4


async def test_a_handled_update_keeps_its_raw_payload_only_minutes(
        emulator: BotApiEmulator, tmp_path: Path, reference_knowledge: Knowledge) -> None:
    """The inbox row stays as the intake's record; the ids, names and words in its payload go."""
    engine = open_database(url_for(tmp_path / 'bot.db'))
    now = datetime.now(UTC)
    raw = {"message": {"from": {"id": 4711, "first_name": "Anna"}, "text": "hej"}}
    with session_scope(engine) as session:
        for update_id, handled in ((1, now - timedelta(minutes=20)), (2, now - timedelta(minutes=1))):
            session.add(InboxUpdate(update_id=update_id, payload={"update_id": update_id, **raw},
                                    processed_at=handled, received_at=handled))
    async with bot_on(emulator, engine, reference_knowledge):
        await emulator.wait_for(lambda: len(offsets(emulator)) >= 2)
    with session_scope(engine) as session:
        rows = session.exec(select(InboxUpdate).order_by(col(InboxUpdate.update_id))).all()
        assert [(r.update_id, r.payload) for r in rows] == [(1, {}), (2, {"update_id": 2, **raw})]


class Exploding:
    """A matcher that fails on 'boom', as a bug would."""

    def __init__(self, matcher: Matcher) -> None:
        self._matcher = matcher
        self.booms = 0

    def __getattr__(self, name: str) -> Any:  # everything else as the real matcher has it
        return getattr(self._matcher, name)

    def match(self, question: str, **kwargs: Any) -> Result:
        if question == "boom":
            self.booms += 1
            raise RuntimeError("kaboom")
        return self._matcher.match(question, **kwargs)
