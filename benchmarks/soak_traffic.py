"""What the soak harness feeds: culture actors asking in turn (each asks again once answered), staff answering in
their topics, and the record of every question asked, so each can be matched to its answer afterwards."""

from __future__ import annotations

import asyncio
import re
import time
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from benchmarks.soak_api import SoakApi
from benchmarks.soak_bot import GROUP, STAFF
from bot.config import SHIPPED_KNOWLEDGE
from bot.contact.recognise import Recogniser
from bot.contact.vocabulary import load_vocabulary
from bot.i18n.phrases import load_phrases
from bot.knowledge.loader import load_knowledge
from bot.matching.language_data import load_language_data

LANGUAGES = ("sv", "da", "nl", "en")
STAFF_MARK = "soak-answer"
CARD = re.compile(r"^#(\d+) ·")


def question_pool() -> dict[str, list[str]]:
    """The shipped base's example questions by the language they are clearly written in: real questions, each a
    need logged once. The few Kontakt reads as a search for people (a search, not a need) are left out."""
    language = load_language_data()
    people, phrases = Recogniser(load_vocabulary(), language.lexicon, language.gazetteer), load_phrases()
    pool: dict[str, list[str]] = defaultdict(list)
    for entry in load_knowledge(SHIPPED_KNOWLEDGE).entries:
        for question in entry.questions:
            if people.search_in(question) is None:
                pool[phrases.guess_language(question) or "?"].append(question)
    return dict(pool)


def questions_in(pool: dict[str, list[str]], language: str) -> list[str]:
    """The questions a person writing `language` asks: theirs, and those in no clear language (names, short ones),
    so the bot never offers to switch language mid-turn."""
    return pool.get(language, []) + pool.get("?", [])


@dataclass(frozen=True)
class Asked:
    """One question fed: by whom, as which update, when; `human` when it was handed to a person (/human)."""

    user_id: int
    update_id: int
    fed: float
    human: bool = False


@dataclass
class Record:
    """Everything fed that expects something back."""

    asked: list[Asked] = field(default_factory=list)
    staff_answers: dict[int, str] = field(default_factory=dict)  # ticket number -> the unique text staff wrote


class Waiters:
    """Futures woken when the bot sends to a chat: hundreds of users wait without polling the emulator."""

    def __init__(self, api: SoakApi) -> None:
        self.api = api
        self.by_chat: dict[int, list[asyncio.Future[None]]] = defaultdict(list)
        self.counts: dict[int, int] = defaultdict(int)
        original = api._bot_message

        def noticed(chat: Any, params: dict[str, Any], **content: Any) -> dict[str, Any]:
            message = original(chat, params, **content)
            if STAFF_MARK in str(content.get("text", "")):
                return message  # a staff answer relayed: no reply to the question the person waits on
            self.counts[chat.id] += 1
            for future in self.by_chat.pop(chat.id, []):
                if not future.done():
                    future.set_result(None)
            return message

        api._bot_message = noticed  # type: ignore[method-assign]

    async def more_than(self, chat_id: int, seen: int, timeout: float) -> bool:
        """Wait until the bot has sent more than `seen` messages to the chat; False after `timeout`."""
        deadline = time.monotonic() + timeout
        while self.counts[chat_id] <= seen:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return False
            future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
            self.by_chat[chat_id].append(future)
            try:
                await asyncio.wait_for(future, timeout=remaining)
            except TimeoutError:
                return self.counts[chat_id] > seen
        return True


async def ask_in_turn(api: SoakApi, waiters: Waiters, record: Record, *, user_id: int, questions: list[str],
                      language: str, wait: float, settle: float = 0.0, human_at: int | None = None) -> None:
    """A person asking one question after another, the next once the previous is answered (or `wait` passed);
    the question at `human_at` goes to a person with /human."""
    user = api.user(user_id, first_name=f"U{user_id}", language_code=language)
    for number, question in enumerate(questions):
        human = number == human_at
        seen = waiters.counts[user_id]
        update = await user.send(f"/human {question}" if human else question)
        record.asked.append(Asked(user_id, update["update_id"], time.monotonic(), human))
        await waiters.more_than(user_id, seen, wait)
        if settle:
            await asyncio.sleep(settle)


async def answer_as_staff(api: SoakApi, waiters: Waiters, record: Record, *, stop: asyncio.Event) -> None:
    """Staff answer each ticket once, in its topic, as soon as its card arrives."""
    staff = api.user(STAFF, first_name="Sara", language_code="en")
    group = api.group(GROUP)
    group.members[STAFF] = "administrator"
    seen = 0
    while not stop.is_set():
        sent = api.messages_to(GROUP)
        for message in sent[seen:]:
            card = CARD.match(message.get("text", ""))
            thread = message.get("message_thread_id")
            if card is None or thread is None or int(card.group(1)) in record.staff_answers:
                continue
            number = int(card.group(1))
            record.staff_answers[number] = f"{STAFF_MARK}-{number} ok"
            await staff.send_in(group, record.staff_answers[number], thread_id=thread)
        seen = len(sent)
        await waiters.more_than(GROUP, waiters.counts[GROUP], 0.5)
