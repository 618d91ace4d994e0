"""Never blocking a user: chats side by side, each chat in order, a bound on how many at once, reports apart."""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path

from bot.config import Settings, StaffSettings, TelegramSettings
from bot.conversation.dialogue import Keep
from bot.conversation.events import Event, Text, Turn
from bot.services import Knowledge, build_services
from bot.storage.database import open_database
from handlers.application import app_data, build_application, running
from handlers.context import KulturlotsApp
from tests.databases import url_for
from tests.emulator import BotApiEmulator

GROUP, STAFF = -1001000000001, 900
SLOW, OTHER = 601, 602
QUESTION = "vem är kulturutvecklare i flen"


@asynccontextmanager
async def bot(emulator: BotApiEmulator, tmp_path: Path, knowledge: Knowledge, *,
              concurrent: int = 16) -> AsyncIterator[KulturlotsApp]:
    emulator.group(GROUP)
    settings = Settings(telegram=TelegramSettings(base_url=emulator.base_url, base_file_url=emulator.base_file_url,
                                                  concurrent_updates=concurrent),
                        staff=StaffSettings(group_chat_id=GROUP, user_ids=(STAFF,)))
    services = build_services(settings, engine=open_database(url_for(tmp_path / "bot.db")), secret=b"lanes",
                              knowledge=knowledge, clock=lambda: datetime(2027, 3, 10, tzinfo=UTC))
    application = build_application(settings, token=emulator.token, services=services)
    async with running(application, poll_timeout=1, outbox_idle=0.05):
        yield application


def held_back(application: KulturlotsApp, gate: threading.Event, log: list[str]) -> None:
    """The SLOW user's questions wait at `gate` inside the conversation; every handled text is logged in order."""
    conversation = app_data(application).conversation
    handle: Callable[..., Turn] = conversation.handle

    def slow_handle(event: Event, *, keep: Keep | None = None) -> Turn:
        if isinstance(event, Text):
            log.append(f"{event.sender.user_id} begins {event.text}")
            if event.sender.user_id == SLOW:
                assert gate.wait(30)
        turn = handle(event, keep=keep)
        if isinstance(event, Text):
            log.append(f"{event.sender.user_id} ends {event.text}")
        return turn

    conversation.handle = slow_handle  # type: ignore[method-assign]


async def test_one_slow_chat_does_not_hold_up_another_and_keeps_its_own_order(
        emulator: BotApiEmulator, tmp_path: Path, reference_knowledge: Knowledge) -> None:
    gate, log = threading.Event(), []
    async with bot(emulator, tmp_path, reference_knowledge) as application:
        held_back(application, gate, log)
        slow, other = emulator.user(SLOW, language_code="sv"), emulator.user(OTHER, language_code="sv")
        await slow.send(f"{QUESTION} 1")
        await slow.send(f"{QUESTION} 2")
        await other.send(QUESTION)
        await other.next_message(timeout=15)  # answered while the slow chat's first question is still at work
        assert slow.messages == [] and f"{SLOW} begins {QUESTION} 2" not in log
        gate.set()
        await emulator.wait_for(lambda: len(slow.messages) >= 2, timeout=15)
    mine = [line for line in log if line.startswith(str(SLOW))]
    assert mine == [f"{SLOW} begins {QUESTION} 1", f"{SLOW} ends {QUESTION} 1",
                    f"{SLOW} begins {QUESTION} 2", f"{SLOW} ends {QUESTION} 2"]


async def test_the_bound_caps_how_many_chats_are_handled_at_once(
        emulator: BotApiEmulator, tmp_path: Path, reference_knowledge: Knowledge) -> None:
    gate, log = threading.Event(), []
    async with bot(emulator, tmp_path, reference_knowledge, concurrent=1) as application:
        held_back(application, gate, log)
        slow, other = emulator.user(SLOW, language_code="sv"), emulator.user(OTHER, language_code="sv")
        await slow.send(QUESTION)
        await emulator.wait_for(lambda: log, timeout=15)
        await other.send(QUESTION)
        await emulator.idle(timeout=2)
        assert other.messages == [] and log == [f"{SLOW} begins {QUESTION}"]  # one at a time: the other waits
        gate.set()
        await other.next_message(timeout=15)


async def test_a_users_answer_does_not_wait_for_a_staff_report(
        emulator: BotApiEmulator, tmp_path: Path, reference_knowledge: Knowledge) -> None:
    gate = threading.Event()
    async with bot(emulator, tmp_path, reference_knowledge) as application:
        app_data(application).heavy.submit(gate.wait, 30)  # heavy work already under way: the report queues behind it
        staff = emulator.user(STAFF)
        await staff.send_in(emulator.chats[GROUP], "/report 2027-Q1")
        user = emulator.user(OTHER, language_code="sv")
        await user.send(QUESTION)
        assert (await user.next_message(timeout=15))["text"]
        assert emulator.documents == []  # the report is not done, and the user did not wait for it
        gate.set()
        await emulator.wait_for(lambda: len(emulator.documents) == 1, timeout=60)
