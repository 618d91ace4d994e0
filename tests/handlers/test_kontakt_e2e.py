"""Kontakt end to end: the real Application over HTTP against the emulator, in Swedish, Dutch and English."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import select

from bot.config import Settings, TelegramSettings
from bot.services import Knowledge, Services, build_services
from bot.storage.contact_tables import ContactCard, ContactRequest
from bot.storage.database import open_database, session_scope
from bot.storage.tables import OutboxMessage
from handlers.application import build_application, expire_introductions, running
from tests.emulator import BotApiEmulator, UserHandle
from tests.pacing import UNPACED

START = datetime(2027, 3, 10, tzinfo=UTC)


class Clock:
    """The services' clock, moved on by the test to let a week pass."""

    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
async def app(emulator: BotApiEmulator, tmp_path: Path, reference_knowledge: Knowledge,
              clock: Clock) -> AsyncIterator[Any]:
    settings = Settings(telegram=TelegramSettings(base_url=emulator.base_url, base_file_url=emulator.base_file_url))
    services = build_services(settings, engine=open_database(f"sqlite:///{tmp_path / 'bot.db'}"), secret=b"e2e",
                              knowledge=reference_knowledge, clock=clock)
    application = build_application(settings, token=emulator.token, services=services)
    async with running(application, poll_timeout=1, outbox_idle=0.05, limits=UNPACED):
        yield application


def services_of(app: Any) -> Services:
    services: Services = app.bot_data["kulturlots"].services
    return services


def texts(user: UserHandle) -> list[str]:
    return [m["text"] for m in user.messages]


async def list_card(emulator: BotApiEmulator, user: UserHandle, *, name: str, art: str, place: str, line: str,
                    listed: bool = True) -> None:
    """/listme through every step: name, an art form, the municipality, languages, the line, then List me."""
    await user.send("/listme")
    await user.next_message()
    await user.send(name)
    arts = await user.next_message()
    await user.press(arts, f"kl:art:{art}")
    await emulator.wait_for(lambda: "✓" in str(user.messages[-1].get("reply_markup")))
    await user.press(arts, "kl:arts")
    await user.next_message()
    await user.send(place)
    langs = await user.next_message()
    await user.press(langs, "kl:langs")
    await user.next_message()
    await user.send(line)
    preview = await user.next_message()
    assert name in preview["text"] and line in preview["text"]
    await user.press(preview, "kl:list" if listed else "kl:keep")
    await emulator.wait_for(lambda: not user.messages[-1].get("reply_markup"))
    user.skip_read()


PAGE = 3  # contact.page_size: cards shown at once


async def search(emulator: BotApiEmulator, user: UserHandle, text: str) -> list[dict[str, Any]]:
    """Send a search; the cards that come back (messages with 'Ask for an introduction')."""
    user.skip_read()
    await user.send(text)
    header = await user.next_message()
    first = user._read - 1
    fit = int(header["text"].split()[0]) if header["text"].split()[0].isdigit() else 0  # "2 people fit…"

    def cards() -> list[dict[str, Any]]:
        return [m for m in user.messages[first:] if "kr:" in str(m.get("reply_markup"))]

    if fit:  # updates are handled in lanes after they are confirmed: wait for the cards, not for the intake
        await emulator.wait_for(lambda: len(cards()) >= min(fit, PAGE))
    return cards()


async def ask(emulator: BotApiEmulator, asker: UserHandle, card: dict[str, Any], line: str) -> None:
    await asker.press(card, card["reply_markup"]["inline_keyboard"][0][0]["callback_data"])
    await emulator.wait_for(lambda: len(asker.messages) > asker._read)
    asker.skip_read()
    await asker.send(line)
    await asker.next_message()


async def request_to(emulator: BotApiEmulator, user: UserHandle, line: str) -> dict[str, Any]:
    """The introduction request the listed person receives, with its three buttons."""
    message: dict[str, Any] = await emulator.wait_for(
        lambda: next((m for m in user.messages if line in m["text"]), None))
    return message


@pytest.fixture
async def listed(emulator: BotApiEmulator, app: Any) -> dict[str, UserHandle]:
    """A Katrineholm choreographer (Swedish, with a username), a Leiden illustrator (Dutch, none), and an English
    sound designer who keeps her card hidden."""
    anna = emulator.user(701, first_name="Anna", language_code="sv", username="anna_dans")
    lies = emulator.user(702, first_name="Lies", language_code="nl")
    carl = emulator.user(703, first_name="Carl", language_code="en", username="carl_ljud")
    await list_card(emulator, anna, name="Kompani Puls", art="dance", place="Katrineholm",
                    line="Koreograf, gör dans för barn och söker ljuddesign till våren")
    await list_card(emulator, lies, name="Lies Tekent", art="visual-arts", place="Leiden",
                    line="Illustrator, ik werk graag met basisscholen")
    await list_card(emulator, carl, name="Carl Sound", art="music", place="Flen", line="Sound designer for stage",
                    listed=False)
    return {"anna": anna, "lies": lies, "carl": carl}


async def test_a_third_finds_a_listed_actor_asks_and_on_accept_both_have_the_others_username(
        emulator: BotApiEmulator, app: Any, listed: dict[str, UserHandle]) -> None:
    anna, carl = listed["anna"], listed["carl"]
    cards = await search(emulator, carl, "looking for a choreographer in Katrineholm")
    assert [c["text"].splitlines()[0] for c in cards] == ["Kompani Puls"]
    assert "anna_dans" not in cards[0]["text"] and "701" not in cards[0]["text"]
    await ask(emulator, carl, cards[0], "Hi! I make sound for dance, shall we talk?")
    request = await request_to(emulator, anna, "I make sound for dance")
    assert "Carl Sound" in request["text"]  # the asker's card comes with the line
    assert "carl_ljud" not in request["text"]  # no username before a yes
    await anna.press(request, request["reply_markup"]["inline_keyboard"][0][0]["callback_data"])  # Accept
    await emulator.wait_for(lambda: any("@anna_dans" in t for t in texts(carl)))
    await emulator.wait_for(lambda: any("@carl_ljud" in t for t in texts(anna)))


async def test_without_a_username_the_bot_relays_one_message_each_way(
        emulator: BotApiEmulator, app: Any, listed: dict[str, UserHandle]) -> None:
    lies, carl = listed["lies"], listed["carl"]
    cards = await search(emulator, carl, "does anyone know an illustrator in leiden")
    await ask(emulator, carl, cards[0], "Would you draw a poster for our festival?")
    request = await request_to(emulator, lies, "draw a poster")
    await lies.press(request, request["reply_markup"]["inline_keyboard"][0][0]["callback_data"])
    await emulator.wait_for(lambda: any("@carl_ljud" in t for t in texts(lies)))  # Lies gets Carl's username
    await emulator.wait_for(lambda: any("Write one message here" in t for t in texts(carl)))
    carl.skip_read()
    await carl.send("Great! Mail me at carl@example.org")
    await emulator.wait_for(lambda: any("carl@example.org" in t and "Carl Sound" in t for t in texts(lies)))
    await carl.send("looking for a choreographer in Katrineholm")  # the relay was one message: this is a search
    await emulator.wait_for(lambda: any("Kompani Puls" in t for t in texts(carl)[-3:]))


async def test_a_decline_tells_the_asker_kindly_and_nothing_more(
        emulator: BotApiEmulator, app: Any, listed: dict[str, UserHandle]) -> None:
    anna, lies = listed["anna"], listed["lies"]
    cards = await search(emulator, lies, "wij zoeken een choreograaf in katrineholm")
    await ask(emulator, lies, cards[0], "Zullen we samen iets maken?")
    request = await request_to(emulator, anna, "samen iets maken")
    await anna.press(request, request["reply_markup"]["inline_keyboard"][0][1]["callback_data"])  # Decline
    told = services_of(app).catalog("nl", "contact.not_this_time")
    await emulator.wait_for(lambda: told in texts(lies))
    assert not any("anna_dans" in t for t in texts(lies))


async def test_after_seven_days_without_an_answer_the_asker_is_told_the_same(
        emulator: BotApiEmulator, app: Any, listed: dict[str, UserHandle], clock: Clock) -> None:
    anna, carl = listed["anna"], listed["carl"]
    cards = await search(emulator, carl, "looking for a choreographer in Katrineholm")
    await ask(emulator, carl, cards[0], "Coffee next week?")
    await request_to(emulator, anna, "Coffee next week?")
    assert await expire_introductions(app) == 0
    clock.now = START + timedelta(days=7, hours=1)
    assert await expire_introductions(app) == 1
    await emulator.wait_for(lambda: services_of(app).catalog("en", "contact.not_this_time") in texts(carl))


async def test_a_blocked_asker_cannot_ask_that_person_again(
        emulator: BotApiEmulator, app: Any, listed: dict[str, UserHandle]) -> None:
    anna, carl = listed["anna"], listed["carl"]
    cards = await search(emulator, carl, "looking for a choreographer in Katrineholm")
    ask_data = cards[0]["reply_markup"]["inline_keyboard"][0][0]["callback_data"]
    await ask(emulator, carl, cards[0], "Buy my course!")
    request = await request_to(emulator, anna, "Buy my course!")
    await anna.press(request, request["reply_markup"]["inline_keyboard"][1][0]["callback_data"])  # Block
    catalog = services_of(app).catalog
    await emulator.wait_for(lambda: catalog("en", "contact.not_this_time") in texts(carl))
    assert await search(emulator, carl, "looking for a choreographer in Katrineholm") == []
    carl.skip_read()
    await carl.press(carl.messages[-1], ask_data)  # a forged press of the old button
    assert (await carl.next_message())["text"] == catalog("en", "contact.ask_gone")


async def test_someone_who_never_listed_or_keeps_the_card_hidden_is_never_shown(
        emulator: BotApiEmulator, app: Any, listed: dict[str, UserHandle]) -> None:
    never = emulator.user(704, first_name="Nils", language_code="sv")
    await never.send("/profile")  # known to the bot, with a profile, but never listed
    anna = listed["anna"]
    cards = await search(emulator, anna, "vi söker en ljuddesigner i Sörmland")
    assert cards == []  # Carl's card is hidden
    assert services_of(app).catalog("sv", "contact.nobody") in texts(anna)


async def test_forget_removes_the_card_and_every_pending_request(
        emulator: BotApiEmulator, app: Any, listed: dict[str, UserHandle]) -> None:
    anna, carl = listed["anna"], listed["carl"]
    cards = await search(emulator, carl, "looking for a choreographer in Katrineholm")
    await ask(emulator, carl, cards[0], "Let's meet!")
    await request_to(emulator, anna, "Let's meet!")
    await anna.send("/forget")
    asked = await emulator.wait_for(lambda: next((m for m in anna.messages if "fg:yes" in str(m.get("reply_markup"))),
                                                 None))
    await anna.press(asked, "fg:yes")  # /forget asks first
    await emulator.wait_for(lambda: services_of(app).catalog("sv", "privacy.forgotten", count=0) in texts(anna))
    await emulator.wait_for(lambda: services_of(app).catalog("en", "contact.not_this_time") in texts(carl))
    engine = services_of(app).engine
    with session_scope(engine) as session:
        assert session.exec(select(ContactCard.name)).all() == ["Lies Tekent", "Carl Sound"]
        (kept,) = session.exec(select(ContactRequest)).all()  # only its state and date, for the counts
        assert (kept.asker_key, kept.target_key, kept.line, kept.asker_chat_id) == (None, None, None, None)
        assert [r.key for r in session.exec(select(OutboxMessage)).all() if r.key.startswith("contact:")] == []
    assert await search(emulator, carl, "looking for a choreographer in Katrineholm") == []
