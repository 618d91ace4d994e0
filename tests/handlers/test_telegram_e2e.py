"""The real python-telegram-bot Application, over HTTP, against the local Bot API emulator."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import func, select

from bot.config import FloodSettings, Settings, StaffSettings, TelegramSettings
from bot.conversation.dialogue import Conversation
from bot.desk.limits import Limits
from bot.services import Knowledge, Services, build_services
from bot.storage.database import open_database, session_scope
from bot.storage.tables import InboxUpdate, Need
from handlers.application import build_application, running
from handlers.user import TYPING_AFTER
from tests.databases import url_for
from tests.emulator import BotApiEmulator
from tests.pacing import UNPACED

STAFF_GROUP = -1001000000001


@pytest.fixture
def knowledge(reference_knowledge: Knowledge) -> Knowledge:
    return reference_knowledge


@pytest.fixture
async def bot(emulator: BotApiEmulator, tmp_path: Path, knowledge: Knowledge) -> AsyncIterator[Services]:
    settings = Settings(telegram=TelegramSettings(base_url=emulator.base_url, base_file_url=emulator.base_file_url),
                        staff=StaffSettings(), flood=FloodSettings(messages_per_minute=100))  # a long session's 50
    services = build_services(settings, engine=open_database(url_for(tmp_path / 'bot.db')), secret=b"e2e",
                              knowledge=knowledge, clock=lambda: datetime(2027, 3, 10, tzinfo=UTC))
    application = build_application(settings, token=emulator.token, services=services)
    async with running(application, poll_timeout=1, outbox_idle=0.05, limits=UNPACED):
        yield services


@pytest.fixture
async def staffed_bot(emulator: BotApiEmulator, tmp_path: Path, knowledge: Knowledge) -> AsyncIterator[Services]:
    """The bot with a forum staff group: an escalated question becomes a ticket card there."""
    emulator.group(STAFF_GROUP)
    settings = Settings(telegram=TelegramSettings(base_url=emulator.base_url, base_file_url=emulator.base_file_url),
                        staff=StaffSettings(group_chat_id=STAFF_GROUP, user_ids=(900,)))
    services = build_services(settings, engine=open_database(url_for(tmp_path / 'bot.db')), secret=b"e2e",
                              knowledge=knowledge, clock=lambda: datetime(2027, 3, 10, tzinfo=UTC))
    application = build_application(settings, token=emulator.token, services=services)
    async with running(application, poll_timeout=1, outbox_idle=0.05, outbox_backoff=0.05, limits=UNPACED):
        yield services


def sent_requests(emulator: BotApiEmulator, chat_id: int) -> list[dict[str, Any]]:
    """The sendMessage requests to a chat, as the bot made them (text before parsing, parse_mode)."""
    return [params for method, params in emulator.calls if method == "sendMessage" and params.get("chat_id") == chat_id]


@pytest.mark.parametrize(("code", "hello"), [("sv", "Hej"), ("da", "Hej"), ("nl", "Hoi"), ("en", "Hi"), ("fr", "Hi")])
async def test_start_greets_in_the_users_language(emulator: BotApiEmulator, bot: Services, code: str, hello: str) -> None:
    user = emulator.user(500, first_name="Eva", language_code=code)
    await user.send("/start")
    greeting, profile = await user.next_messages(2)
    assert greeting["text"].startswith(f"{hello} Eva!")
    assert [b["callback_data"] for b in profile["reply_markup"]["inline_keyboard"][0]] == ["pf:c:se", "pf:c:dk", "pf:c:nl"]


@pytest.mark.parametrize(("code", "language"), [("sv", "sv"), ("nl", "nl"), ("fr", "en")])
async def test_start_sets_the_chats_command_menu_in_the_users_language(emulator: BotApiEmulator, bot: Services,
                                                                       code: str, language: str) -> None:
    user = emulator.user(500, first_name="Eva", language_code=code)
    await user.send("/start")
    menu = await emulator.wait_for(lambda: emulator.commands.get(("chat:500", "")))
    assert [(c["command"], c["description"]) for c in menu][:2] == [
        ("start", bot.catalog(language, "commands.start")), ("help", bot.catalog(language, "commands.help"))]


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


async def test_an_answer_has_a_link_and_feedback_buttons_and_feedback_is_stored(emulator: BotApiEmulator,
                                                                                bot: Services) -> None:
    user = emulator.user(502, language_code="da")
    await user.send("hvem er kulturkonsulent i næstved")
    card = await user.next_message()
    assert card["text"].startswith("Kulturkonsulent, Næstved Kommune")
    rows = card["reply_markup"]["inline_keyboard"]
    assert rows[0][0]["url"].startswith("https://") and rows[1][0]["callback_data"].startswith("fb:")
    await user.press(card, rows[1][1]["callback_data"])
    offer = await emulator.wait_for(lambda: len(user.messages) > 1 and user.messages[-1])
    assert offer["reply_markup"]["inline_keyboard"][-1][0]["callback_data"].startswith("esc:")
    with session_scope(bot.engine) as session:
        assert session.exec(select(Need)).one().feedback == "not_helpful"


async def test_a_clarify_choice_shows_the_chosen_entry(emulator: BotApiEmulator, bot: Services) -> None:
    user = emulator.user(503, language_code="nl")
    await user.send("subsidie voor een voorstelling in leiden?")
    options = await user.next_message()
    second = options["reply_markup"]["inline_keyboard"][1][0]  # not simply the best match
    await user.press(options, second["callback_data"])
    card = await emulator.wait_for(lambda: len(user.messages) > 1 and user.messages[-1])
    assert card["text"].startswith(second["text"] + "\n")
    with session_scope(bot.engine) as session:
        need = session.exec(select(Need)).one()
        assert need.chosen_id == need.matches[1]["id"]


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


async def test_html_in_a_question_reaches_the_staff_card_literally(emulator: BotApiEmulator,
                                                                    staffed_bot: Services) -> None:
    question = "<b>help</b> & <script>"
    user = emulator.user(507, language_code="en")
    await user.send(f"/human {question}")
    cards = await emulator.wait_for(lambda: [m for m in emulator.messages_to(STAFF_GROUP)
                                             if "Question:" in m.get("text", "")])
    assert f"Question:\n{question}\n" in cards[0]["text"]  # what staff see is exactly what the user wrote
    request = next(p for p in sent_requests(emulator, STAFF_GROUP) if "Question:" in p["text"])
    assert request.get("parse_mode") is None and question in request["text"]  # staff cards are plain text
    with session_scope(staffed_bot.engine) as session:
        assert session.exec(select(Need)).one().text == question


async def test_html_in_a_users_name_is_sent_escaped_in_an_html_message(emulator: BotApiEmulator, bot: Services) -> None:
    user = emulator.user(510, first_name="<b>Eva</b> & Co", language_code="en")
    await user.send("/start")
    greeting, _profile = await user.next_messages(2)
    request = next(p for p in sent_requests(emulator, user.id) if "Eva" in p["text"])
    assert request["parse_mode"] == "HTML" and request["text"].startswith("Hi &lt;b&gt;Eva&lt;/b&gt; &amp; Co!")
    assert greeting["text"].startswith("Hi <b>Eva</b> & Co!")  # Telegram shows the name as it was written


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


@pytest.fixture
async def hurried_bot(emulator: BotApiEmulator, tmp_path: Path, knowledge: Knowledge) -> AsyncIterator[Services]:
    """The bot with room for 500 answers in seconds: more than Telegram allows (tests/desk/test_limits
    and tests/handlers/test_delivery_e2e keep that limit); here only the logging is looked at."""
    settings = Settings(telegram=TelegramSettings(base_url=emulator.base_url, base_file_url=emulator.base_file_url),
                        staff=StaffSettings(), flood=FloodSettings(messages_per_minute=100))
    services = build_services(settings, engine=open_database(url_for(tmp_path / 'bot.db')), secret=b"e2e",
                              knowledge=knowledge, clock=lambda: datetime(2027, 3, 10, tzinfo=UTC))
    application = build_application(settings, token=emulator.token, services=services)
    async with running(application, poll_timeout=1, outbox_idle=0.05, limits=Limits(chat_burst=1000, per_second=1000)):
        yield services


async def test_every_question_of_a_long_session_is_logged_once(emulator: BotApiEmulator,
                                                               hurried_bot: Services) -> None:
    bot = hurried_bot
    users = [emulator.user(600 + n, language_code=("sv", "da", "nl", "en")[n % 4]) for n in range(10)]
    questions = ["hvem er kulturkonsulent i næstved", "finns det en kurs i projektledning", "hej",
                 "subsidie voor een voorstelling in leiden?", "when is the next culture breakfast"]
    for n in range(500):
        await users[n % 10].send(f"{questions[n % 5]} {n}")

    def logged() -> int:
        with session_scope(bot.engine) as session:
            return session.exec(select(func.count()).select_from(Need)).one()

    await emulator.wait_for(lambda: len(emulator.sent) >= 500 and logged() >= 500, timeout=60)
    with session_scope(bot.engine) as session:
        needs = session.exec(select(Need)).all()
        assert sorted(int(n.text.rsplit(" ", 1)[1]) for n in needs) == list(range(500))
        assert all(n.decision == bot.knowledge.matcher.match(n.text).decision.value for n in needs)
        assert {n.decision for n in needs} == {"answer", "clarify", "escalate"}
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


async def test_helpful_feedback_is_stored_and_the_link_button_stays(emulator: BotApiEmulator, bot: Services) -> None:
    user = emulator.user(520, language_code="da")
    await user.send("hvem er kulturkonsulent i næstved")
    card = await user.next_message()
    await user.press(card, label=bot.catalog("da", "button.helpful"))
    await emulator.wait_for(lambda: emulator.answered_callbacks)
    await emulator.wait_for(lambda: len(card["reply_markup"]["inline_keyboard"]) == 1)
    assert emulator.answered_callbacks[-1]["text"] == bot.catalog("da", "feedback.thanks")
    assert [[b.get("url", "")[:8] for b in row] for row in card["reply_markup"]["inline_keyboard"]] == [["https://"]]
    with session_scope(bot.engine) as session:
        assert session.exec(select(Need)).one().feedback == "helpful"


async def test_names_questions_and_base_texts_with_html_are_shown_literally(
        emulator: BotApiEmulator, bot: Services, tmp_path: Path) -> None:
    (tmp_path / "kb").mkdir()
    (tmp_path / "kb" / "funding.yaml").write_text(
        "kind: funding\nentries:\n  - id: tricky\n    title: \"Dans & <Rörelse> fund\"\n"
        "    summary: \"For <b>bold</b> ideas & more.\"\n    keywords: [zebradance]\n"
        "    amount: \"< 5 000 € & travel\"\n", encoding="utf-8")
    bot.reload_knowledge(tmp_path / "kb")
    user = emulator.user(521, first_name="<b>Eva</b> & Co", language_code="en")
    await user.send("/start")
    greeting, _profile = await user.next_messages(2)
    assert greeting["text"].startswith("Hi <b>Eva</b> & Co!")
    await user.send("<i>zebradance</i> & <b>")
    card = (await user.next_message())["text"]
    assert card.startswith("Dans & <Rörelse> fund\n") and "For <b>bold</b> ideas & more." in card
    assert "Amount: < 5 000 € & travel" in card
    with session_scope(bot.engine) as session:
        assert session.exec(select(Need)).one().text == "<i>zebradance</i> & <b>"


@pytest.mark.parametrize(("kind", "code", "words"), [("voice", "sv", "bara läsa text"), ("photo", "da", "kun læse tekst"),
                                                     ("document", "nl", "alleen tekst"), ("location", "en", "only read text")])
async def test_media_gets_a_short_localised_reply(emulator: BotApiEmulator, bot: Services, kind: str, code: str,
                                                  words: str) -> None:
    user = emulator.user(522, language_code=code)
    await user.send_media(kind)
    assert words in (await user.next_message())["text"]
    with session_scope(bot.engine) as session:
        assert session.exec(select(Need)).all() == []


async def test_language_switch_changes_the_replies_and_the_chat_menu(emulator: BotApiEmulator, bot: Services) -> None:
    user = emulator.user(523, language_code="en")
    await user.send("/language")
    ask = await user.next_message()
    await user.press(ask, label="Nederlands")
    await emulator.wait_for(lambda: ask["text"] == "Ik schrijf vanaf nu in het Nederlands.")
    await emulator.wait_for(lambda: ("chat:523", "") in emulator.commands)
    assert emulator.commands[("chat:523", "")][1]["description"] == "Zo gebruik je Kulturlots"
    await user.send("/help")
    assert "Stel je vraag" in (await emulator.wait_for(lambda: len(user.messages) > 1 and user.messages[-1]))["text"]


@pytest.mark.parametrize(("code", "example"), [("sv", "teatergrupp"), ("da", "teatergruppe"), ("nl", "toneelgroep"),
                                               ("en", "theatre group")])
async def test_help_explains_with_examples(emulator: BotApiEmulator, bot: Services, code: str, example: str) -> None:
    user = emulator.user(524, language_code=code)
    await user.send("/help")
    text = (await user.next_message())["text"]
    assert example in text and "/deadlines" in text and "•" in text


async def test_a_passed_deadline_is_never_shown_as_open(emulator: BotApiEmulator, bot: Services) -> None:
    user = emulator.user(525, language_code="sv")
    await user.send("internationellt utbyte konstnärsnämnden")
    lines = (await user.next_message())["text"].splitlines()
    assert lines[1].startswith("⚠️ Sista ansökningsdagen har passerat") and "Sista dag: 2027-02-15" in lines


async def test_none_of_these_hands_the_question_on_plainly(emulator: BotApiEmulator, bot: Services) -> None:
    user = emulator.user(526, language_code="nl")
    await user.send("subsidie voor een voorstelling in leiden?")
    options = await user.next_message()
    rows = options["reply_markup"]["inline_keyboard"]
    assert 2 <= len(rows) - 1 <= 5 and rows[-1][0]["text"].startswith("Geen van deze")
    await user.press(options, rows[-1][0]["callback_data"])
    noted = await user.next_message()
    assert "genoteerd" in noted["text"] and "#" not in noted["text"]
    with session_scope(bot.engine) as session:
        assert session.exec(select(Need)).one().decision == "escalate"


async def test_a_forged_button_cannot_touch_another_users_question(emulator: BotApiEmulator, bot: Services) -> None:
    owner, intruder = emulator.user(527, language_code="da"), emulator.user(528, language_code="da")
    await owner.send("hvem er kulturkonsulent i næstved")
    card = await owner.next_message()
    forged = dict(card, chat={"id": intruder.id, "type": "private"})
    await intruder.press(forged, card["reply_markup"]["inline_keyboard"][1][0]["callback_data"])
    await emulator.wait_for(lambda: emulator.answered_callbacks)
    with session_scope(bot.engine) as session:
        assert session.exec(select(Need)).one().feedback is None
    assert intruder.messages == []


def user_calls(emulator: BotApiEmulator, chat_id: int) -> list[tuple[str, Any]]:
    """The typing actions and messages sent to a chat, in order."""
    return [(method, params.get("action")) for method, params in emulator.calls
            if params.get("chat_id") == chat_id and method in ("sendChatAction", "sendMessage")]


@pytest.fixture
def slow_turns(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every turn of the conversation takes noticeably longer than the user's wait for a sign of life."""
    handle = Conversation.handle

    def slow(self: Conversation, *args: Any, **kwargs: Any) -> Any:
        time.sleep(TYPING_AFTER + 0.5)
        return handle(self, *args, **kwargs)

    monkeypatch.setattr(Conversation, "handle", slow)


async def test_the_user_sees_typing_before_an_answer_that_takes_noticeable_time(
        emulator: BotApiEmulator, bot: Services, slow_turns: None) -> None:
    user = emulator.user(529, language_code="en")
    await user.send("finns det en kurs i projektledning")
    await user.next_message()
    assert user_calls(emulator, user.id)[:2] == [("sendChatAction", "typing"), ("sendMessage", None)]


async def test_a_quick_answer_comes_without_typing(emulator: BotApiEmulator, bot: Services) -> None:
    user = emulator.user(529, language_code="en")
    await user.send("finns det en kurs i projektledning")
    await user.next_message()
    assert user_calls(emulator, user.id) == [("sendMessage", None)]


async def test_a_failing_typing_action_does_not_cost_the_answer(emulator: BotApiEmulator, bot: Services,
                                                                slow_turns: None) -> None:
    emulator.fail("sendChatAction", 500)
    user = emulator.user(532, language_code="da")
    await user.send("/help")
    await user.next_message()
    assert not emulator.faults  # the typing action was tried, and failed
    assert not any("gik galt" in m["text"] for m in user.messages)


async def test_a_profile_puts_local_entries_first_when_browsing(emulator: BotApiEmulator, bot: Services) -> None:
    user = emulator.user(530, language_code="sv")
    await user.send("/profile")
    ask = await user.next_message()
    for data in ("pf:c:se", "pf:r:Eskilstuna", "pf:a:-"):
        await user.press(ask, data)
    await emulator.wait_for(lambda: "Eskilstuna" in ask["text"] and not ask.get("reply_markup"))
    await user.send("/funding")
    first = await user.next_message()
    labels = [row[0]["text"] for row in first["reply_markup"]["inline_keyboard"]]
    assert labels[0] == "Eskilstuna kommuns kulturstipendium · 25 000 SEK (ungdomsstipendium 10 000 SEK) · 2027-04-15"
    buttons = [b for m in emulator.sent for row in (m.get("reply_markup") or {}).get("inline_keyboard", []) for b in row]
    assert all(len(b["callback_data"].encode()) <= 64 for b in buttons if "callback_data" in b)


async def test_a_double_tap_on_next_changes_nothing_and_costs_no_apology(emulator: BotApiEmulator, bot: Services) -> None:
    user = emulator.user(531, language_code="en")
    await user.send("/funding")
    first = await user.next_message()
    next_page = first["reply_markup"]["inline_keyboard"][-1][-1]["callback_data"]
    emulator.tolerate("message is not modified")  # the second tap asks for the page already shown
    await user.press(first, next_page)
    await user.press(first, next_page)
    await emulator.wait_for(lambda: len(emulator.answered_callbacks) == 2)
    await user.send("/help")
    await user.next_message()
    assert "(2/" in first["text"] and len(user.messages) == 2  # the page, edited in place, and the help


async def test_a_failing_menu_update_does_not_cost_the_greeting(emulator: BotApiEmulator, bot: Services) -> None:
    await emulator.wait_for(lambda: ("default", "") in emulator.commands)
    emulator.fail("setMyCommands", 500)
    user = emulator.user(532, language_code="da")
    await user.send("/start")
    greeting, _profile = await user.next_messages(2)
    assert greeting["text"].startswith("Hej")
    await emulator.wait_for(lambda: not emulator.faults)
    assert not any("gik galt" in m["text"] for m in user.messages)
