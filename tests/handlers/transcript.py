"""Readable transcripts of end-to-end journeys: what people sent, what the bot sent and edited, with its buttons.

A journey drives the real Application against the emulator through a `Transcript`; after each step it waits for
the bot's output to settle, then keeps what the user's chat and the staff group saw, in a fixed order (edits of
earlier messages first, then new messages by id; the user's chat before the staff group), so the same journey
always writes the same Markdown. `docs/transcripts/` holds the committed files; `--update-transcripts` rewrites
them, a normal run compares and fails with a unified diff.
"""

from __future__ import annotations

import asyncio
import difflib
import re
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Engine
from sqlmodel import func, select

from bot.storage.database import session_scope
from bot.storage.tables import Delivery, InboxUpdate, OutboxMessage
from tests.emulator import BotApiEmulator, Chat, UserHandle

DOCS = Path(__file__).parents[2] / "docs" / "transcripts"
REGENERATE = "python -m pytest tests/handlers/test_transcripts.py --update-transcripts"
OUTPUT = ("sendMessage", "copyMessage", "sendDocument", "editMessageText", "editMessageReplyMarkup",
          "createForumTopic", "editForumTopic", "closeForumTopic", "reopenForumTopic", "deleteMessage",
          "answerCallbackQuery")
EDITS = ("editMessageText", "editMessageReplyMarkup")
SETTLE_MAX = 20.0  # seconds a step may take before the journey fails
QUIET = 0.4  # seconds without output after which a step's output has settled (the outbox polls every 0.05 s)
BOT = "🤖 Kulturlots"
MEDIA = ("photo", "voice", "document", "sticker", "video", "audio", "location")
# What changes between runs is normalised: the bot's clock is fixed, but links to topics carry the run's ids.
VOLATILE = ((re.compile(r"https://t\.me/c/\d+/\d+(/\d+)?"), "https://t.me/c/…"),)


def normalise(text: str) -> str:
    for pattern, fixed in VOLATILE:
        text = pattern.sub(fixed, text)
    return text


@dataclass
class Transcript:
    """One journey as Markdown: a title, a line of context, then each step's input and the output it caused.
    Without `staff_group` only the users' chats are kept (the staff journey shows the group)."""

    emulator: BotApiEmulator
    engine: Engine  # the bot's database: a step is over when its updates are processed and its outbox is sent
    title: str
    about: str
    staff_group: Chat | None = None
    names: dict[int, str] = field(default_factory=dict)  # user id -> how the transcript names them
    lines: list[str] = field(default_factory=list)
    bot_texts: list[str] = field(default_factory=list)  # every bot message as shown, buttons included
    _calls: int = 0
    _seen: set[tuple[int, int]] = field(default_factory=set)

    def __post_init__(self) -> None:
        self._calls = len(self.emulator.calls)
        self._seen = {(m["chat"]["id"], m["message_id"]) for m in self.emulator.sent}

    # ------------------------------------------------------------------ steps
    async def send(self, user: UserHandle, text: str) -> None:
        self._said(user, text)
        await user.send(text)
        await self.settle()

    async def reply(self, user: UserHandle, message: dict[str, Any], text: str) -> None:
        self._said(user, text, note=f"replying to “{_first_line(message)}”")
        await user.reply(message, text)
        await self.settle()

    async def media(self, user: UserHandle, kind: str, caption: str | None = None) -> None:
        self._said(user, caption or "", note=f"sends a {kind}")
        await user.send_media(kind, caption=caption)
        await self.settle()

    async def press(self, user: UserHandle, message: dict[str, Any], label: str) -> None:
        self.lines += [f"**👤 {self.names.get(user.id, user.user['first_name'])}** taps `[{label}]` "
                       f"under “{_first_line(message)}”", ""]
        await user.press(message, label=label)
        await self.settle()

    async def staff(self, person: UserHandle, text: str, *, thread: int | None) -> None:
        assert self.staff_group is not None
        where = f"in topic “{self.staff_group.topics[thread]}”" if thread is not None else "in the group"
        self.lines += [f"**🧑‍💼 {person.user['first_name']} (staff)** writes {where}:", "", *_block(text), ""]
        await person.send_in(self.staff_group, text, thread_id=thread)
        await self.settle()

    def _said(self, user: UserHandle, text: str, *, note: str = "writes") -> None:
        name = self.names.get(user.id, user.user["first_name"])
        self.lines += [f"**👤 {name}** {note}:" if text else f"**👤 {name}** {note}.", ""]
        if text:
            self.lines += [*_block(text), ""]

    # ------------------------------------------------------------------ output
    async def settle(self) -> None:
        """Wait for the step's first output, then until every update is processed, the outbox is sent and no
        output came for QUIET seconds; record it."""
        start = self._calls
        await self.emulator.wait_for(lambda: self._output(start), timeout=10)
        count, deadline = len(self._output(start)), time.monotonic() + SETTLE_MAX
        while True:
            await asyncio.sleep(QUIET)
            now = len(self._output(start))
            if now == count and not self.emulator._updates and not self._busy():
                break
            if time.monotonic() > deadline:
                raise TimeoutError("the bot's output did not settle: an update unprocessed or a message unsent")
            count = now
        self._record(self._output(start))
        self._calls = len(self.emulator.calls)

    def _busy(self) -> bool:
        """Updates not yet processed, or messages the outbox has still to send."""
        with session_scope(self.engine) as session:
            waiting = session.exec(select(func.count()).select_from(InboxUpdate)
                                   .where(InboxUpdate.processed_at.is_(None))).one()  # type: ignore[union-attr]
            unsent = session.exec(select(func.count()).select_from(OutboxMessage)
                                  .where(OutboxMessage.state == Delivery.PENDING)).one()
        return bool(waiting or unsent)

    def _output(self, start: int) -> list[tuple[str, dict[str, Any]]]:
        return [(m, p) for m, p in self.emulator.calls[start:] if m in OUTPUT
                and (m != "answerCallbackQuery" or p.get("text"))]

    def _record(self, calls: list[tuple[str, dict[str, Any]]]) -> None:
        edited = sorted({(p["chat_id"], p["message_id"]) for m, p in calls if m in EDITS} - self._seen_now(),
                        key=lambda key: (key[0] < 0, key))  # the user's chat before the staff group
        new = sorted((m for m in self.emulator.sent if (m["chat"]["id"], m["message_id"]) not in self._seen),
                     key=lambda m: (m["chat"]["id"] != self._private_first(), m["chat"]["id"], m["message_id"]))
        for _, params in (c for c in calls if c[0] == "answerCallbackQuery"):
            self.lines += [f"**{BOT}** shows a notice: “{params['text']}”", ""]
        for chat_id, message_id in edited:
            if chat_id < 0 and self.staff_group is None:
                continue
            message = self.emulator.chats[chat_id].messages.get(message_id)
            if message is not None:
                self._message(message, verb="edits its message to")
        for method, params in calls if self.staff_group is not None else ():
            if method == "createForumTopic":
                self.lines += [f"**{BOT}** opens topic “{normalise(params['name'])}” in the staff group", ""]
            elif method == "editForumTopic" and params.get("name"):
                self.lines += [f"**{BOT}** renames the topic to “{normalise(params['name'])}”", ""]
            elif method in ("closeForumTopic", "reopenForumTopic"):
                verb = "closes" if method == "closeForumTopic" else "reopens"
                self.lines += [f"**{BOT}** {verb} the topic", ""]
        for message in new:
            self._seen.add((message["chat"]["id"], message["message_id"]))
            if message["chat"]["type"] == "private" or self.staff_group is not None:  # else not part of the journey
                self._message(message, verb="sends")

    def _seen_now(self) -> set[tuple[int, int]]:
        """Messages first sent in this step: their edits are shown as the message itself."""
        return {(m["chat"]["id"], m["message_id"]) for m in self.emulator.sent
                if (m["chat"]["id"], m["message_id"]) not in self._seen}

    def _private_first(self) -> int:
        return next((m["chat"]["id"] for m in self.emulator.sent if m["chat"]["type"] == "private"), 0)

    def _message(self, message: dict[str, Any], *, verb: str) -> None:
        where = ""
        if message["chat"]["type"] != "private":
            thread = message.get("message_thread_id")
            topic = self.staff_group.topics.get(thread) if self.staff_group and thread else None
            where = f" in topic “{normalise(topic)}”" if topic else " in the staff group"
        text = normalise(message.get("text") or message.get("caption") or "")
        kind = next((k for k in MEDIA if k in message), None)
        head = f"**{BOT}** {verb}{where}" + (f" (a copied {kind})" if kind else "") + ":"
        self.lines += [head, ""]
        if text:
            self.lines += [*_block(text), ""]
        buttons = [[b["text"] + (" ↗" if "url" in b else "") for b in row]
                   for row in (message.get("reply_markup") or {}).get("inline_keyboard", [])]
        self.lines += ["- " + " ".join(f"`[{label}]`" for label in row) for row in buttons]
        if buttons:
            self.lines.append("")
        self.bot_texts.append("\n".join([text, *(label for row in buttons for label in row)]))

    # ------------------------------------------------------------------ file
    def markdown(self) -> str:
        head = [f"# {self.title}", "", self.about, "",
                f"_Written by the end-to-end tests; `{REGENERATE}` regenerates it._", ""]
        return "\n".join(head + self.lines).rstrip() + "\n"

    def compare(self, name: str, *, update: bool) -> None:
        """Write the transcript (update) or fail with a diff when it differs from the committed one."""
        path = DOCS / f"{name}.md"
        produced = self.markdown()
        if update:
            DOCS.mkdir(parents=True, exist_ok=True)
            path.write_text(produced, encoding="utf-8")
            return
        committed = path.read_text(encoding="utf-8") if path.exists() else ""
        if produced != committed:
            diff = "".join(difflib.unified_diff(committed.splitlines(True), produced.splitlines(True),
                                                f"committed {path.name}", f"produced {path.name}"))
            raise AssertionError(f"what users see changed; review and run `{REGENERATE}`:\n{diff}")


def _block(text: str) -> list[str]:
    """A message body as a fenced block: kept exactly, never read as Markdown."""
    return ["```text", *text.splitlines(), "```"]


def _first_line(message: dict[str, Any]) -> str:
    line = normalise((message.get("text") or message.get("caption") or "").split("\n")[0])
    return line if len(line) <= 60 else line[:59] + "…"


def bot_messages(markdown: str) -> list[str]:
    """The bot's messages of a committed transcript: each fenced block under a bot line, with its buttons."""
    return _blocks(markdown, f"**{BOT}**", buttons=True)


def people_texts(markdown: str) -> list[str]:
    """What people wrote in a transcript (users and staff): relayed or quoted by the bot, it is their words."""
    return [line for text in _blocks(markdown, "**👤", buttons=False) + _blocks(markdown, "**🧑", buttons=False)
            for line in text.splitlines() if line.strip()]


def topic_names(markdown: str) -> list[str]:
    """The names of the staff topics a transcript opened, without their number: a ticket's name, in any language."""
    return [name.split(" — ", 1)[-1] for name in re.findall(r"(?:opens topic|renames the topic to) “(.*?)”", markdown)]


def _blocks(markdown: str, starts: str, *, buttons: bool) -> list[str]:
    found: list[str] = []
    lines = markdown.splitlines()
    for n, line in enumerate(lines):
        if not line.startswith(starts) or not line.endswith(":"):
            continue
        body: list[str] = []
        at = n + 2
        if at < len(lines) and lines[at] == "```text":
            end = lines.index("```", at + 1)
            body, at = lines[at + 1:end], end + 2
        while buttons and at < len(lines) and lines[at].startswith("- `["):
            body += re.findall(r"`\[(.*?)\]`", lines[at])
            at += 1
        found.append("\n".join(body))
    return found
