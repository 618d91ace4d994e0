"""/remind in Telegram: one tap to subscribe, the reminder on its day, one tap to stop, an event's calendar file, and
nothing sent twice when the bot restarts, in Swedish and Danish."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import icalendar
import pytest
from sqlmodel import select

from bot.config import Settings, TelegramSettings
from bot.matching.language_data import LanguageData
from bot.services import Services, build_services, load_knowledge_for
from bot.storage.database import open_database, session_scope
from bot.storage.reminder_tables import Subscription
from handlers.application import build_application, queue_reminders, remind_subscribers, running
from tests.conftest import write_files
from tests.databases import url_for
from tests.emulator import BotApiEmulator, UserHandle
from tests.reminders.conftest import REMINDER_BASE, grown_base  # noqa: F401  (a fixture, by name)

Run = Callable[[], AbstractAsyncContextManager[Any]]
SWEDE, DANE = 5101, 5202


@pytest.fixture
def clock() -> list[datetime]:
    return [datetime(2027, 2, 20, 9, 0, tzinfo=UTC)]


@pytest.fixture
def services(emulator: BotApiEmulator, tmp_path: Path, language_data: LanguageData, clock: list[datetime]) -> Services:
    settings = Settings(telegram=TelegramSettings(base_url=emulator.base_url, base_file_url=emulator.base_file_url))
    knowledge = load_knowledge_for(settings, language_data, write_files(tmp_path / "kb", REMINDER_BASE))
    return build_services(settings, engine=open_database(url_for(tmp_path / "bot.db")), secret=b"reminders",
                          knowledge=knowledge, clock=lambda: clock[0])


@pytest.fixture
def bot(emulator: BotApiEmulator, services: Services) -> Run:
    """Starts the bot on the test's database; run it again for a restart (a new Application, the same file)."""
    @asynccontextmanager
    async def run() -> AsyncIterator[Any]:
        application = build_application(services.settings, token=emulator.token, services=services)
        async with running(application, poll_timeout=1, outbox_idle=0.05, outbox_backoff=0.05):
            yield application
    return run


async def pressed(user: UserHandle, message: dict[str, Any], data: str) -> None:
    """Press a button and wait until the bot has answered the press."""
    before = len(user.emulator.answered_callbacks)
    await user.press(message, data)
    await user.emulator.wait_for(lambda: len(user.emulator.answered_callbacks) > before, timeout=15)


def labels(message: dict[str, Any]) -> list[str]:
    return [b["text"] for row in message.get("reply_markup", {}).get("inline_keyboard", []) for b in row]


async def profile_and_subscribe(user: UserHandle, place: tuple[str, str, str], topic: str) -> dict[str, Any]:
    """/remind asks for the profile first; then /remind again and one tap on the topic; returns the menu."""
    await user.send("/remind")
    _, country = await user.next_messages(2, timeout=15)
    for data in (f"pf:c:{place[0]}", f"pf:r:{place[1]}", f"pf:a:{place[2]}"):
        await pressed(user, country, data)
    user.skip_read()
    await user.send("/remind")
    menu = await user.next_message(timeout=15)
    await pressed(user, menu, f"rm:t:{topic}")
    return menu


async def test_a_swede_subscribes_gets_the_deadline_on_its_day_and_stops_it_with_one_tap(
        emulator: BotApiEmulator, bot: Run, services: Services, clock: list[datetime]) -> None:
    user = emulator.user(SWEDE, language_code="sv")
    async with bot() as application:
        menu = await profile_and_subscribe(user, ("se", "Flen", "theatre"), "deadlines")
        assert user.messages[0]["text"].startswith("Påminnelserna följer din profil, så berätta först var du jobbar.")
        assert "Påminnelser här i chatten, för Flen · Teater" in menu["text"]
        await emulator.wait_for(lambda: labels(menu) == ["🔔 Deadlines för stöd: på", "🔕 Nya evenemang: av"],
                                timeout=15)  # the menu is redrawn in place
        assert emulator.answered_callbacks[-1].get("text") == "Påminnelser om deadlines är på."
        clock[0] = datetime(2027, 3, 1, 7, 59, tzinfo=UTC)  # 14 days before, but 08:59 in Sweden
        assert await remind_subscribers(application) == 0
        clock[0] = datetime(2027, 3, 1, 8, 0, tzinfo=UTC)
        assert await remind_subscribers(application) == 1
        reminder = await user.next_message(timeout=15)
        assert reminder["text"] == "⏰ Turnéstöd för teater i Sörmland: sista ansökningsdag är 2027-03-15, om 14 dagar."
        await pressed(user, reminder, "rm:off:deadlines")
        stopped = await user.next_message(timeout=15)
        assert stopped["text"] == "Inga fler påminnelser om deadlines. /remind slår på dem igen."
        with session_scope(services.engine) as session:
            assert session.exec(select(Subscription)).all() == []
        clock[0] = datetime(2027, 3, 12, 8, 0, tzinfo=UTC)  # the 3-day reminder would be due: not for them now
        assert await remind_subscribers(application) == 0


async def test_a_dane_hears_of_a_new_event_with_a_calendar_file_and_a_restart_sends_nothing_twice(
        emulator: BotApiEmulator, bot: Run, services: Services, clock: list[datetime], tmp_path: Path,
        grown_base: Mapping[str, str], language_data: LanguageData) -> None:
    user = emulator.user(DANE, language_code="da")
    async with bot() as application:
        menu = await profile_and_subscribe(user, ("dk", "Næstved", "-"), "events")
        assert "for Næstved · alle kunstarter" in menu["text"]
        assert await remind_subscribers(application) == 0  # nothing new in the base yet
    services.knowledge = load_knowledge_for(services.settings, language_data, write_files(tmp_path / "kb2", grown_base))
    assert queue_reminders(services) == 1  # queued, then the process stops before sending: the row waits
    async with bot() as application:
        document = await emulator.wait_for(lambda: [m for m in user.messages if "document" in m], timeout=15)
        assert await remind_subscribers(application) == 0  # the restarted round adds nothing
        [message] = document
        assert message["caption"].startswith("📅 Nyt i din region: Netværksmøde i Næstved, 2027-05-06 10:00,")
        [sent] = [d for d in emulator.documents if d["chat_id"] == DANE]
        assert sent["filename"] == "naestved-netvaerk-2027.ics"
        [event] = icalendar.Calendar.from_ical(sent["content"].decode()).walk("VEVENT")
        assert str(event["SUMMARY"]) == "Netværksmøde i Næstved"
        assert str(event["LOCATION"]) == "Næstved Musikskole, Farimagsvej 10"
        assert event.decoded("DTSTART") == datetime(2027, 5, 6, 8, 0, tzinfo=UTC)  # 10:00 in Denmark in summer
        await pressed(user, message, "rm:off:events")
        assert (await emulator.wait_for(lambda: [m for m in user.messages if m.get("text", "").startswith(
            "Ikke flere nyheder om arrangementer")], timeout=15))
    async with bot() as application:  # a second restart, later: still one announcement
        clock[0] = datetime(2027, 3, 12, 8, 0, tzinfo=UTC)
        await remind_subscribers(application)
    assert len([m for m in user.messages if "document" in m]) == 1
