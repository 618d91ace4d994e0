"""Issue 11's bar: in a 200-message mixed session, tickets come only from /human, "ask a person" and consent.

Eight people, two per language, write at once: questions (the base's own titles, as people would type them),
small talk (built from the word lists of bot/i18n/phrases/smalltalk.yaml: greetings, thanks right after an
answer, goodbyes, "ok", an emoji alone, "are you a bot?"), off-topic questions, photos, voice messages,
documents and stickers. Each person asks for a person once: by /human, by pressing "ask a person" under an
answer or a list, or by agreeing when the bot offers one. A seeded generator writes the session.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import partial
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy.engine import Engine
from sqlmodel import select

from bot.config import FloodSettings, Settings, StaffSettings, TelegramSettings
from bot.knowledge.entries import KnowledgeBase
from bot.languages import LANGUAGES
from bot.services import Knowledge, Services, build_services
from bot.storage.database import open_database, session_scope
from bot.storage.tables import Delivery, InboxUpdate, Need, OutboxMessage, SmallTalkCount, Ticket
from handlers.application import build_application, running
from tests.databases import url_for
from tests.emulator import BotApiEmulator, UserHandle
from tests.handlers.test_telegram_e2e import knowledge  # noqa: F401  (fixture)
from tests.pacing import UNPACED

GROUP, MESSAGES, SEED = -1001000000001, 200, 11
QUIET = 0.3  # seconds without a new message to a person: the bot's turn is over
SMALL_TALK_KINDS = ("greeting", "thanks", "goodbye", "ack", "about")
OFF_TOPIC = {  # subjects no entry answers, as each language asks them; places vary
    "sv": ("vad blir det för väder i {place} i helgen", "hur deklarerar jag min bil", "när går tåget till {place}"),
    "da": ("hvordan bliver vejret i {place} i weekenden", "hvordan laver jeg min selvangivelse",
           "hvornår kører toget til {place}"),
    "nl": ("wat voor weer wordt het in {place} dit weekend", "hoe doe ik mijn belastingaangifte",
           "hoe laat gaat de trein naar {place}"),
    "en": ("what will the weather be like in {place} this weekend", "how do I file my tax return",
           "when does the train to {place} leave"),
}
PLACES = {"sv": ("Flen", "Nyköping"), "da": ("Næstved", "Odense"), "nl": ("Leiden", "Gouda"), "en": ("Leiden", "Flen")}
EMOJI = ("👍", "🙏", "😊", "👋")
MEDIA = ("photo", "voice", "document", "sticker")
TICKET_WAYS = ("human", "offer", "press")  # /human, consent to the bot's offer, "ask a person" under an answer


@dataclass
class Step:
    kind: str  # question | small_talk | off_topic | media | human | offer | press
    text: str = ""


@dataclass
class Person:
    user: UserHandle
    language: str
    steps: list[Step] = field(default_factory=list)


def phrases() -> dict[str, dict[str, list[str]]]:
    text = resources.files("bot.i18n").joinpath("phrases/smalltalk.yaml").read_text(encoding="utf-8")
    return {lang: entries for lang, entries in yaml.safe_load(text).items() if lang in LANGUAGES}


def small_talk(rng: random.Random, words: dict[str, list[str]], kind: str) -> str:
    """A phrase as people type it: any case, maybe a filler word or a name, maybe a mark or an emoji."""
    text = rng.choice(words[kind])
    if kind in ("thanks", "greeting") and rng.random() < 0.3:
        text += " " + rng.choice(words["filler"])
    if kind != "about" and rng.random() < 0.3:
        text += " " + rng.choice(("Eva", "Lars", "Sanne"))
    text = text[:1].upper() + text[1:] if rng.random() < 0.5 else text
    return text + rng.choice(("", "!", ".", " 🙂")) if kind != "about" else text + rng.choice(("?", ""))


def session(rng: random.Random, kb: KnowledgeBase, emulator: BotApiEmulator) -> list[Person]:
    """Eight people, two per language, 25 messages each; each asks for a person once, in one of the three ways."""
    words = phrases()
    people = [Person(emulator.user(800 + n, first_name=f"P{n}", language_code=lang), lang)
              for n, lang in enumerate(lang for lang in LANGUAGES for _ in range(2))]
    for n, person in enumerate(people):
        lang = person.language
        titles = [e.title.by_language[lang] for e in kb.entries if e.title.by_language.get(lang)]
        way, at = TICKET_WAYS[n % len(TICKET_WAYS)], rng.randrange(3, 20)
        while len(person.steps) < MESSAGES // len(people):
            if len(person.steps) == at:
                question = rng.choice(OFF_TOPIC[lang]).format(place=rng.choice(PLACES[lang]))
                if way == "human":
                    person.steps.append(Step("human", f"/human {question}"))
                else:
                    person.steps.append(Step(way, question if way == "offer" else rng.choice(titles).lower()))
                continue
            roll = rng.random()
            if roll < 0.3:
                person.steps.append(Step("question", rng.choice(titles) if rng.random() < 0.5
                                         else rng.choice(titles).lower() + "?"))
                if rng.random() < 0.5:  # thanks after an answer
                    person.steps.append(Step("small_talk", small_talk(rng, words[lang], "thanks")))
            elif roll < 0.7:
                kind = rng.choice(SMALL_TALK_KINDS)
                person.steps.append(Step("small_talk", rng.choice(EMOJI) if rng.random() < 0.15
                                         else small_talk(rng, words[lang], kind)))
            elif roll < 0.85:
                template = rng.choice(OFF_TOPIC[lang])
                person.steps.append(Step("off_topic", template.format(place=rng.choice(PLACES[lang]))))
            else:
                person.steps.append(Step("media", rng.choice(MEDIA)))
        del person.steps[MESSAGES // len(people):]
    return people


@pytest.fixture
async def desk_bot(emulator: BotApiEmulator, tmp_path: Path, knowledge: Knowledge) -> AsyncIterator[Services]:
    emulator.group(GROUP)
    settings = Settings(telegram=TelegramSettings(base_url=emulator.base_url, base_file_url=emulator.base_file_url),
                        staff=StaffSettings(group_chat_id=GROUP, user_ids=(900,)),
                        flood=FloodSettings(messages_per_minute=100))
    services = build_services(settings, engine=open_database(url_for(tmp_path / "bot.db")), secret=b"e2e",
                              knowledge=knowledge, clock=lambda: datetime(2027, 3, 10, tzinfo=UTC))
    async with running(build_application(settings, token=emulator.token, services=services), poll_timeout=1,
                       outbox_idle=0.05, outbox_backoff=0.05, limits=UNPACED):
        yield services


def delivered(engine: Engine, update: dict[str, Any], chat_id: int) -> bool:
    """The update is handled and every answer to the chat has left: its turn cannot grow any more."""
    with session_scope(engine) as db:
        inbox = db.get(InboxUpdate, update["update_id"])
        pending = db.exec(select(OutboxMessage.id).where(OutboxMessage.chat_id == chat_id,
                                                         OutboxMessage.state == Delivery.PENDING)).first()
        return inbox is not None and inbox.processed_at is not None and pending is None


async def turn(emulator: BotApiEmulator, user: UserHandle, before: int) -> list[dict[str, Any]]:
    """The messages of the bot's turn: at least one, then none more for QUIET seconds."""
    await emulator.wait_for(lambda: len(user.messages) > before, timeout=15)
    count = len(user.messages)
    while True:
        await asyncio.sleep(QUIET)
        if len(user.messages) == count:
            return user.messages[before:]
        count = len(user.messages)


def button(messages: list[dict[str, Any]], prefix: str) -> tuple[dict[str, Any], str] | None:
    """The last of these messages with a button whose data starts with `prefix`, and that data."""
    for message in reversed(messages):
        for row in (message.get("reply_markup") or {}).get("inline_keyboard", []):
            for b in row:
                if b.get("callback_data", "").startswith(prefix):
                    return message, b["callback_data"]
    return None


async def ask_a_person(emulator: BotApiEmulator, user: UserHandle, before: int) -> None:
    """Press "ask a person" under what the bot showed; under an answer card, "not what I needed" first."""
    found = await emulator.wait_for(lambda: button(user.messages[before:], "esc:") or button(user.messages[before:],
                                                                                              "fb:"), timeout=15)
    if found[1].startswith("fb:"):
        card, data = found
        before = len(user.messages)
        await user.press(card, data.rsplit(":", 1)[0] + ":n")
        found = await emulator.wait_for(lambda: button(user.messages[before:], "esc:"), timeout=15)
    before = len(user.messages)
    await user.press(*found)
    await emulator.wait_for(lambda: any("#" in m.get("text", "") for m in user.messages[before:]), timeout=15)
    await turn(emulator, user, before)


async def play(emulator: BotApiEmulator, engine: Engine, person: Person) -> None:
    """One person's session, each message after the bot's whole turn on the one before (on a slow machine a
    late reply must not be taken for the next step's)."""
    user = person.user
    for step in person.steps:
        before = len(user.messages)
        update = await (user.send_media(step.text) if step.kind == "media" else user.send(step.text))
        await emulator.wait_for(partial(delivered, engine, update, user.id), timeout=30)
        await turn(emulator, user, before)
        if step.kind in ("offer", "press"):
            await ask_a_person(emulator, user, before)


@pytest.mark.slow
async def test_a_mixed_session_gives_tickets_only_for_human_a_person_pressed_and_consent(
        emulator: BotApiEmulator, desk_bot: Services) -> None:
    people = session(random.Random(SEED), desk_bot.knowledge.kb, emulator)
    steps = [s for p in people for s in p.steps]
    assert len(steps) == MESSAGES and {s.kind for s in steps} == {"question", "small_talk", "off_topic", "media",
                                                                   "human", "offer", "press"}
    await asyncio.gather(*(play(emulator, desk_bot.engine, p) for p in people))
    asked = sorted(s.text.removeprefix("/human ") for s in steps if s.kind in TICKET_WAYS)
    cards = await emulator.wait_for(lambda: (found := [m for m in emulator.messages_to(GROUP)
                                                       if m.get("text", "").startswith("#")]) and
                                    len(found) >= len(asked) and found)
    chatted = [s.text for s in steps if s.kind == "small_talk"]
    with session_scope(desk_bot.engine) as db:
        assert sorted(t.question for t in db.exec(select(Ticket))) == asked
        needs = [n.text for n in db.exec(select(Need))]
        assert not set(needs) & set(chatted)  # small talk is never a need...
        assert sum(row.count for row in db.exec(select(SmallTalkCount))) == len(chatted)  # ...but counted as such
    assert len(cards) == len(asked) == sum(1 for m, _ in emulator.calls if m == "createForumTopic")
