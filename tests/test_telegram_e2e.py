"""The real python-telegram-bot Application, over HTTP, against the local Bot API emulator."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlmodel import func, select

from bot.config import Settings, StaffSettings, TelegramSettings
from bot.db import open_database, session_scope
from bot.models import InboxUpdate, Need
from bot.services import Knowledge, Services, build_services
from handlers.application import build_application, running
from tests.emulator import BotApiEmulator



@pytest.fixture
def knowledge(reference_knowledge: Knowledge) -> Knowledge:
    return reference_knowledge


@pytest.fixture
async def bot(emulator: BotApiEmulator, tmp_path: Path, knowledge: Knowledge) -> AsyncIterator[Services]:
    settings = Settings(telegram=TelegramSettings(base_url=emulator.base_url, base_file_url=emulator.base_file_url),
                        staff=StaffSettings())
    services = build_services(settings, engine=open_database(f"sqlite:///{tmp_path / 'bot.db'}"), secret=b"e2e",
                              knowledge=knowledge, clock=lambda: datetime(2027, 3, 10, tzinfo=UTC))
    application = build_application(settings, token=emulator.token, services=services)
    async with running(application, poll_timeout=1, outbox_idle=0.05):
        yield services


@pytest.mark.parametrize(("code", "hello"), [("sv", "Hej"), ("da", "Hej"), ("nl", "Hoi"), ("en", "Hi"), ("fr", "Hi")])
async def test_start_greets_in_the_users_language(emulator: BotApiEmulator, bot: Services, code: str, hello: str) -> None:
    user = emulator.user(500, first_name="Eva", language_code=code)
    await user.send("/start")
    greeting, profile = await user.next_messages(2)
    assert greeting["text"].startswith(f"{hello} Eva!")
    assert [b["callback_data"] for b in profile["reply_markup"]["inline_keyboard"][0]] == ["pf:c:se", "pf:c:dk", "pf:c:nl"]
    assert ("chat", "") in {(scope, lang) for scope, lang in emulator.commands} or emulator.commands


async def test_the_command_menu_is_set_per_language(emulator: BotApiEmulator, bot: Services) -> None:
    await emulator.wait_for(lambda: ("default", "nl") in emulator.commands)
    assert emulator.commands[("default", "nl")][1]["description"] == "Zo gebruik je Kulturlots"
    assert emulator.commands[("default", "")][0]["command"] == "start"


async def test_a_profile_is_set_with_buttons_and_can_be_skipped(emulator: BotApiEmulator, bot: Services) -> None:
    user = emulator.user(501, language_code="sv")
    await user.send("/profile")
    ask = await user.next_message()
    await user.press(ask, "pf:c:se")
    regions = await emulator.wait_for(lambda: "region" in user.messages[-1]["text"] and user.messages[-1])
    await user.press(regions, "pf:r:Flen")
    arts = await emulator.wait_for(lambda: "konstform" in user.messages[-1]["text"] and user.messages[-1])
    await user.press(arts, "pf:a:theatre")
    await emulator.wait_for(lambda: "Flen, Teater" in user.messages[-1]["text"])
    await user.send("/profile")
    skip_from = await emulator.wait_for(lambda: user.messages[-1]["text"].startswith("I vilket land") and user.messages[-1])
    await user.press(skip_from, "pf:skip")
    await emulator.wait_for(lambda: "Inga problem" in user.messages[-1]["text"])


async def test_an_answer_has_a_link_and_feedback_buttons_and_feedback_is_stored(emulator: BotApiEmulator, bot: Services) -> None:
    user = emulator.user(502, language_code="da")
    await user.send("hvem er kulturkonsulent i næstved")
    card = await user.next_message()
    assert card["text"].startswith("Kulturkonsulent, Næstved Kommune")
    rows = card["reply_markup"]["inline_keyboard"]
    assert rows[0][0]["url"].startswith("https://") and rows[1][0]["callback_data"].startswith("fb:")
    await user.press(card, rows[1][1]["callback_data"])
    offer = await emulator.wait_for(lambda: len(user.messages) > 1 and user.messages[-1])
    assert offer["reply_markup"]["inline_keyboard"][0][0]["callback_data"].startswith("esc:")
    with session_scope(bot.engine) as session:
        assert session.exec(select(Need)).one().feedback == "not_helpful"


async def test_a_clarify_choice_shows_the_chosen_entry(emulator: BotApiEmulator, bot: Services) -> None:
    user = emulator.user(503, language_code="nl")
    await user.send("subsidie voor jeugdtheater leiden?")
    options = await user.next_message()
    first = options["reply_markup"]["inline_keyboard"][0][0]
    await user.press(options, first["callback_data"])
    card = await emulator.wait_for(lambda: len(user.messages) > 1 and user.messages[-1])
    assert card["text"].startswith(first["text"])
    with session_scope(bot.engine) as session:
        assert session.exec(select(Need)).one().chosen_id is not None


async def test_browsing_pages_forward(emulator: BotApiEmulator, bot: Services) -> None:
    user = emulator.user(504, language_code="en")
    await user.send("/funding")
    first = await user.next_message()
    assert "(1/" in first["text"]
    await user.press(first, label="Next ›")
    await emulator.wait_for(lambda: "(2/" in user.messages[0]["text"])


async def test_deadlines_lists_funding_soonest_first(emulator: BotApiEmulator, bot: Services) -> None:
    user = emulator.user(505, language_code="en")
    await user.send("/deadlines")
    text = (await user.next_message())["text"]
    dates = [line.split(" — ")[0] for line in text.splitlines()[1:]]
    assert dates == sorted(dates) and dates[0] >= "2027-03-10"


async def test_a_sticker_gets_a_short_reply(emulator: BotApiEmulator, bot: Services) -> None:
    user = emulator.user(506, language_code="nl")
    await user.send_media("sticker")
    assert "alleen tekst" in (await user.next_message())["text"]


async def test_html_in_a_question_is_escaped(emulator: BotApiEmulator, bot: Services) -> None:
    user = emulator.user(507, language_code="en")
    await user.send("/human <b>help</b> & <script>")
    reply = await user.next_message()
    assert reply["text"]  # the emulator rejects unescaped HTML, so any reply proves escaping
    with session_scope(bot.engine) as session:
        assert session.exec(select(Need)).one().text == "<b>help</b> & <script>"


async def test_an_over_long_answer_is_split_under_the_limit(emulator: BotApiEmulator, bot: Services, tmp_path: Path) -> None:
    long_entry = ("kind: faq\nentries:\n  - id: long-answer\n    title: Long answer test\n"
                  "    keywords: [zebracrossing]\n    answer: \"" + "Lorem ipsum dolor sit amet. " * 400 + "\"\n")
    (tmp_path / "kb").mkdir()
    (tmp_path / "kb" / "faq.yaml").write_text(long_entry, encoding="utf-8")
    bot.reload_knowledge(tmp_path / "kb")
    user = emulator.user(508, language_code="en")
    await user.send("zebracrossing")
    await emulator.wait_for(lambda: len(user.messages) >= 2 and user.messages[-1].get("reply_markup"))
    assert all(len(m["text"]) <= 4096 for m in user.messages)
    assert user.messages[0]["text"].startswith("Long answer test") and len(user.messages) == 3
    assert sum(m["text"].count("Lorem") for m in user.messages) == 400


async def test_every_question_of_a_long_session_is_logged_once(emulator: BotApiEmulator, bot: Services) -> None:
    users = [emulator.user(600 + n, language_code=("sv", "da", "nl", "en")[n % 4]) for n in range(10)]
    questions = ["hvem er kulturkonsulent i næstved", "finns det en kurs i projektledning", "hej",
                 "subsidie voor jeugdtheater leiden?", "when is the next culture breakfast"]
    for n in range(500):
        await users[n % 10].send(f"{questions[n % 5]} {n}")

    def logged() -> int:
        with session_scope(bot.engine) as session:
            return session.exec(select(func.count()).select_from(Need)).one()

    await emulator.wait_for(lambda: logged() >= 500, timeout=60)
    with session_scope(bot.engine) as session:
        needs = session.exec(select(Need)).all()
        assert sorted(int(n.text.rsplit(" ", 1)[1]) for n in needs) == list(range(500))
        assert {n.decision for n in needs} <= {"answer", "clarify", "escalate"}
        assert len(session.exec(select(InboxUpdate)).all()) == 500


async def test_a_redelivered_update_changes_nothing(emulator: BotApiEmulator, bot: Services) -> None:
    user = emulator.user(509, language_code="en")
    update = await user.send("finns det en kurs i projektledning")
    await user.next_message()
    emulator.deliver(dict(update))  # Telegram sends the same update_id again
    await user.send("/help")
    await emulator.wait_for(lambda: len(user.messages) >= 2)
    with session_scope(bot.engine) as session:
        assert len(session.exec(select(Need)).all()) == 1
