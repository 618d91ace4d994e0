"""Issue 11, points 4 and 5 end to end: lists that stay, deciding facts, events by date, next deadlines, moving on."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest

from bot.config import Settings, StaffSettings, TelegramSettings
from bot.services import Knowledge, Services, build_services
from bot.storage.database import open_database
from handlers.application import build_application, running
from tests.emulator import BotApiEmulator
from tests.handlers.test_telegram_e2e import bot, knowledge  # noqa: F401  (fixtures)

DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def lines(message: dict[str, Any]) -> list[str]:
    """The entry lines of a list message: every callback button but navigation and a person."""
    return [b["text"] for row in message["reply_markup"]["inline_keyboard"] for b in row
            if b.get("callback_data", "").split(":")[0] in ("bp", "ch", "nx")]


@pytest.fixture
async def summer_bot(emulator: BotApiEmulator, tmp_path: Path, knowledge: Knowledge) -> AsyncIterator[Services]:
    """The bot on 15 June 2027: no funding deadline of the reference base falls in the next 60 days."""
    settings = Settings(telegram=TelegramSettings(base_url=emulator.base_url, base_file_url=emulator.base_file_url),
                        staff=StaffSettings())
    services = build_services(settings, engine=open_database(f"sqlite:///{tmp_path / 'bot.db'}"), secret=b"e2e",
                              knowledge=knowledge, clock=lambda: datetime(2027, 6, 15, tzinfo=UTC))
    async with running(build_application(settings, token=emulator.token, services=services), poll_timeout=1,
                       outbox_idle=0.05):
        yield services


@pytest.mark.parametrize(("code", "command"), [("sv", "/funding"), ("da", "/events")])
async def test_a_browsed_entry_keeps_the_list_with_its_line_marked_and_the_next_page_one_tap_away(
        emulator: BotApiEmulator, bot: Services, code: str, command: str) -> None:
    user = emulator.user(610, language_code=code)
    await user.send(command)
    listing = await user.next_message()
    second = lines(listing)[1]
    await user.press(listing, label=second)
    card = await user.next_message()
    assert card["text"].startswith(second.split(" · ")[0])
    kept = user.messages[0]
    assert lines(kept)[1] == "✓ " + second and not lines(kept)[0].startswith("✓")
    await user.press(kept, label=bot.catalog(code, "button.next"))
    await emulator.wait_for(lambda: user.messages[0]["text"].endswith("(2/" + kept["text"].split("/")[-1]))


@pytest.mark.parametrize(("code", "command", "kind"), [
    ("sv", "/funding", "funding"), ("en", "/contacts", "contact"), ("nl", "/events", "event")])
async def test_each_line_shows_the_fact_that_decides(emulator: BotApiEmulator, bot: Services,
                                                     code: str, command: str, kind: str) -> None:
    user = emulator.user(611, language_code=code)
    await user.send(command)
    listing = await user.next_message()
    kb = bot.knowledge.kb
    for line in lines(listing):
        entry = next(e for e in kb.of_kind(kind) if f"{line} · ".startswith(e.title.get(code) + " · "))
        facts = line.removeprefix(entry.title.get(code)).split(" · ")[1:]
        if kind == "funding":
            deadline = bot.catalog(code, "card.rolling") if entry.deadline == "rolling" else str(entry.deadline)
            assert deadline in facts and any(f for f in facts if f != deadline)  # the amount beside the deadline
        elif kind == "contact":
            for fact in (entry.role, entry.organisation):  # shown, unless the title already says it
                assert fact in facts or str(fact).lower() in entry.title.get(code).lower()
        else:
            assert facts[0].startswith(str(entry.starts)[:10]) and facts[1] == (entry.place or entry.municipality)


@pytest.mark.parametrize("code", ["da", "en"])
async def test_events_come_in_date_order_without_past_ones(emulator: BotApiEmulator, bot: Services,
                                                          code: str) -> None:
    user = emulator.user(612, language_code=code)
    await user.send("/events")
    listing = await user.next_message()
    shown = list(lines(listing))
    while any(b.get("callback_data", "").startswith("pg:event:") and b["text"] == bot.catalog(code, "button.next")
              for row in listing["reply_markup"]["inline_keyboard"] for b in row):
        await user.press(listing, label=bot.catalog(code, "button.next"))
        before = listing["text"]
        listing = await emulator.wait_for(lambda before=before: user.messages[0]["text"] != before and user.messages[0])
        shown += lines(listing)
    days = [date.fromisoformat(DATE.findall(line)[0]) for line in shown]
    assert days == sorted(days) and min(days) >= bot.today()
    past = [e for e in bot.knowledge.kb.of_kind("event") if e.event_passed(bot.today())]
    assert past and not any(line.startswith(e.title.get(code) + " · ") for e in past for line in shown)
    assert len(shown) == len(bot.knowledge.kb.of_kind("event")) - len(past)


@pytest.mark.parametrize("code", ["sv", "nl"])
async def test_deadlines_with_none_in_60_days_names_the_next_three(emulator: BotApiEmulator, summer_bot: Services,
                                                                   code: str) -> None:
    user = emulator.user(613, language_code=code)
    await user.send("/deadlines")
    message = await user.next_message()
    text_lines = message["text"].splitlines()
    assert text_lines[0] == summer_bot.catalog(code, "deadlines.none_soon", days=60)
    named = text_lines[1:]
    assert [line[:10] for line in named] == ["2027-09-01", "2027-09-15", "2027-10-01"]
    buttons = [b["text"] for row in message["reply_markup"]["inline_keyboard"] for b in row]
    assert buttons == [line.split(" — ", 1)[1] for line in named]


@pytest.mark.parametrize(("code", "question", "rephrased"), [
    ("da", "hvem er kulturkonsulent i næstved", "kulturkonsulent næstved"),
    ("en", "who is the culture consultant in næstved", "culture consultant næstved contact")])
async def test_not_what_i_needed_gives_the_next_best_and_a_person_and_a_rephrasing_does_not_repeat_it(
        emulator: BotApiEmulator, bot: Services, code: str, question: str, rephrased: str) -> None:
    user = emulator.user(614, language_code=code)
    await user.send(question)
    answer = await user.next_message()
    rejected = answer["text"].split("\n")[0]
    await user.press(answer, label=bot.catalog(code, "button.not_helpful"))
    offer = await user.next_message()
    others = lines(offer)
    assert others and rejected not in others
    buttons = [b for row in offer["reply_markup"]["inline_keyboard"] for b in row]
    assert buttons[-1]["text"] == bot.catalog(code, "button.none_of_these")
    await user.press(offer, label=others[0])
    chosen = await user.next_message()
    assert chosen["text"].startswith(others[0]) and lines(user.messages[1])[0] == "✓ " + others[0]
    await user.send(rephrased)
    again = await user.next_message()
    assert not again["text"].startswith(rejected)
    assert lines(again) and lines(again)[0] != rejected and rejected in lines(again)
