"""Hostile updates for the soak harness: huge, invisible and right-to-left text, forged buttons (numbers beyond 64
bits among them), edits, channel posts, foreign groups, strangers in the staff group, and malformed updates, each
of the last followed at once by a normal question from the same chat that must be answered."""

from __future__ import annotations

import random
import time
from collections.abc import Awaitable, Callable
from typing import Any

from benchmarks.soak_api import SoakApi
from benchmarks.soak_bot import GROUP, STAFF
from benchmarks.soak_traffic import Asked, Record
from tests.emulator import UserHandle

FOREIGN = -1009000000009
CHANNEL = -1002000000001
STRANGER = 950
INVISIBLE = "\u200b\u200c\u200d\u2060\ufeff\u200e\u200f\u2066\u2067\u2069"
RTL = "\u202eمرحبا كيف يمكنني الحصول على منحة للمسرح \u05e9\u05dc\u05d5\u05dd\u202c"
FORGED = ("fb:9223372036854775808:y", "fb:18446744073709551616:n", "fb:-1:y", "fb:١٢٣:y", "tk:rate:1:99",
          "tk:rate:99999999999999999999999:5", "tk:close:1", "pf:c:se", "pf:c:xx", "pf:a:" + "9" * 59,
          "esc:abc", "esc:9223372036854775807", "opt:0:0", "kb:x", "fg:yes", "x", "\u200b", "::::", "%s%n")
STAFF_LINES = ("/stats 9999", "/export 9999", "/report 0", "/close", "/assign", "/tickets", "/label", "hej",
               "/quarantine", "/faq 99999999999999999999")


def malformed(chat_id: int, rng: random.Random) -> dict[str, Any]:
    """An update python-telegram-bot cannot read (Telegram never sends these shapes; a bug on the way might)."""
    chat = {"id": chat_id, "type": "private", "first_name": "M"}
    sender = {"id": chat_id, "is_bot": False, "first_name": "M"}
    shapes: list[dict[str, Any]] = [
        {"message": {"message_id": 1, "chat": chat, "from": sender, "text": "no date"}},
        {"message": {"message_id": 1, "date": int(time.time()), "chat": {"id": chat_id}, "from": sender, "text": "x"}},
        {"message": {"message_id": 1, "date": int(time.time()), "from": sender, "text": "no chat"}},
        {"callback_query": {"id": "1", "from": sender, "data": "fb:1:y"}},  # no chat_instance
        {"edited_message": {"chat": chat, "from": sender}},
        {"message": {"message_id": "NaN", "date": "yesterday", "chat": chat, "from": sender, "text": ["a", "b"]}},
    ]
    return rng.choice(shapes)


class Hostile:
    """Generates the hostile run: `count` updates from `users` people, with questions asked after malformed ones."""

    def __init__(self, api: SoakApi, record: Record, *, seed: int = 3, questions: list[str]) -> None:
        self.api, self.record, self.rng, self.questions = api, record, random.Random(seed), questions
        self.foreign = api.group(FOREIGN, title="Someone else's group", is_forum=False)
        self.channel = api.channel(CHANNEL)
        self.staff_group = api.group(GROUP)
        self.staff_group.members[STAFF] = "administrator"
        self.fed = 0
        self.fresh = 0
        self.kinds: dict[str, int] = {}

    def kinds_of_update(self) -> list[tuple[str, Callable[[int], Awaitable[None]]]]:
        return [("huge text", self.huge), ("invisible text", self.invisible), ("right-to-left text", self.rtl),
                ("forged press", self.forged_press), ("edit", self.edit), ("channel post", self.post),
                ("foreign group", self.in_foreign_group), ("stranger in the staff group", self.stranger),
                ("staff arguments out of range", self.staff_arguments), ("malformed + question", self.malformed)]

    async def feed(self, user_id: int) -> None:
        """One hostile update from this person (or into a chat near them)."""
        name, make = self.rng.choice(self.kinds_of_update())
        self.kinds[name] = self.kinds.get(name, 0) + 1
        await make(user_id)
        self.fed += 2 if make == self.malformed else 1

    def _user(self, user_id: int) -> UserHandle:
        return self.api.user(user_id, first_name=f"H{user_id}",
                             language_code=self.rng.choice(("sv", "da", "nl", "en", "ar", None)))

    async def huge(self, user_id: int) -> None:
        words = [self.rng.choice(("teater", "bidrag", "musik", "kultur", "flen", "pengar", "🎭", "ẞ")) for _ in range(900)]
        await self._user(user_id).send(" ".join(words)[:4096])

    async def invisible(self, user_id: int) -> None:
        await self._user(user_id).send("".join(self.rng.choice(INVISIBLE) for _ in range(self.rng.randrange(1, 4096))))

    async def rtl(self, user_id: int) -> None:
        await self._user(user_id).send(RTL * self.rng.randrange(1, 20))

    async def forged_press(self, user_id: int) -> None:
        """A forged button on a message the bot really sent this person (or, if none yet, one of its own)."""
        user = self._user(user_id)
        sent = self.api.messages_to(user_id)
        message = sent[-1] if sent else user.chat.new_message(self.api.me, text="…")
        await user.press(message, self.rng.choice(FORGED))

    async def edit(self, user_id: int) -> None:
        user = self._user(user_id)
        original = await user.send("vem är kultursamordnare i flen")
        self.fed += 1
        await user.edit(original, self.rng.choice(("\u200b", RTL, "/forget", "/human x")))

    async def post(self, user_id: int) -> None:
        self.api.post(self.channel, self.rng.choice(("/start", "hej", "/human hjälp", RTL)))

    async def in_foreign_group(self, user_id: int) -> None:
        user = self._user(user_id)
        if self.rng.random() < 0.5:
            message = self.foreign.new_message(self.api.me, text="look", reply_markup={"inline_keyboard": [
                [{"text": "x", "callback_data": "pf:c:se"}]]})
            await user.press(message, "pf:c:se")
            return
        text = self.rng.choice(("/start", "/human hjälp", "hej bot", "/stats", "vem är kultursamordnare i flen"))
        await user.send_in(self.foreign, text)

    async def stranger(self, user_id: int) -> None:
        stranger = self.api.user(STRANGER + user_id % 7, first_name="Outsider", language_code="en")
        await stranger.send_in(self.staff_group, self.rng.choice(STAFF_LINES))

    async def staff_arguments(self, user_id: int) -> None:
        staff = self.api.user(STAFF, first_name="Sara", language_code="en")
        await staff.send_in(self.staff_group, self.rng.choice((*STAFF_LINES[:3], "/tickets", "/quarantine")))

    async def malformed(self, user_id: int) -> None:
        """A malformed update, then at once a normal question in the same chat (a person new to the bot, so the
        first message it gets is that question's answer)."""
        self.fresh += 1
        chat_id = user_id * 1000 + self.fresh
        self.api.deliver(malformed(chat_id, self.rng))
        update = await self._user(chat_id).send(self.rng.choice(self.questions))
        self.record.asked.append(Asked(chat_id, update["update_id"], time.monotonic()))
