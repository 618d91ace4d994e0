"""Outbox rows into Bot API calls, and Telegram's errors into retry, wait or give up."""

from __future__ import annotations

import base64
import contextlib
from collections.abc import Awaitable
from datetime import timedelta
from typing import Any, TypeVar

import httpx
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, InputFile, ReplyParameters
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, InvalidToken, RetryAfter, TelegramError, TimedOut

from bot.desk.outbox import Deliver, Method, Outcome, Partial, RetryLater, Sent, Unconfirmed, Undeliverable
from bot.storage.tables import OutboxMessage
from handlers.render import fit, split_plain
from handlers.transport import AnsweredLate

CAPTION_LIMIT = 1024  # characters of a document's caption
Posted = TypeVar("Posted")
ANSWERED_LATE = "Telegram received the call in full but answered after the send timeout: taken as sent"
# A new topic cannot be taken as made without its thread id, and one made twice cannot be undone: its creation
# waits this long for Telegram's answer (staff can wait a moment for a topic), where a message waits send_timeout.
TOPIC_WAIT = 120.0


def _markup(rows: list[list[dict[str, str]]] | None) -> InlineKeyboardMarkup | None:
    if not rows:
        return None
    return InlineKeyboardMarkup([[InlineKeyboardButton(b["label"], callback_data=b["data"]) for b in row]
                                 for row in rows])


def retry_seconds(flood: RetryAfter) -> float:
    """How long Telegram asks us to wait, in seconds, whichever way python-telegram-bot reports it."""
    wait = flood.retry_after  # a timedelta where the process opts in to PTB_TIMEDELTA
    return wait.total_seconds() if isinstance(wait, timedelta) else float(wait)


def reached_telegram(late: TimedOut) -> bool:
    """Whether a timeout came after the whole request went out (a read timeout: the transport's own, or httpx's
    for an upload, which python-telegram-bot wraps): Telegram most likely performed it. A connect, write or pool
    timeout: it never left in full."""
    return isinstance(late, AnsweredLate) or isinstance(late.__cause__, httpx.ReadTimeout)


async def _posted(call: Awaitable[Posted]) -> Posted | None:
    """A call that posts a message; None when Telegram received it in full but answered too late, so that it is
    not posted again (a second copy is the likelier harm; there is no id to check it by)."""
    try:
        return await call
    except TimedOut as late:
        if not reached_telegram(late):
            raise
        return None


async def _unless_done(call: Awaitable[object]) -> None:
    """A topic change Telegram calls TOPIC_NOT_MODIFIED was done before (a retry after a restart): no failure."""
    try:
        await call
    except BadRequest as refused:
        if "not_modified" not in refused.message.lower().replace(" ", "_"):
            raise


def deliverer(bot: Bot, *, topic_wait: float = TOPIC_WAIT) -> Deliver:
    """A Deliver for the outbox sender, bound to one bot; a new topic waits `topic_wait` seconds for its answer."""
    async def send_piece(row: OutboxMessage, payload: dict[str, Any]) -> Outcome:
        """The next piece of a text: a long one (a 4096-character question in its card) goes as several messages,
        buttons on the last, each recorded on the row as it goes; a reply to a card deleted meanwhile is posted."""
        pieces = split_plain(payload["text"])
        if not pieces:
            return Undeliverable("the text has nothing visible")
        done: list[int | None] = list((row.result or {}).get("pieces", []))
        number, reply_to = len(done), payload.get("reply_to")
        message = await _posted(bot.send_message(
            row.chat_id, pieces[number], message_thread_id=payload.get("thread_id"),
            reply_parameters=ReplyParameters(reply_to, allow_sending_without_reply=True) if reply_to else None,
            reply_markup=_markup(payload.get("buttons")) if number == len(pieces) - 1 else None))
        done.append(message.message_id if message else None)
        if message is None:
            return Unconfirmed(ANSWERED_LATE, {"pieces": done}, more=len(done) < len(pieces))
        if len(done) < len(pieces):
            return Partial({"pieces": done})
        return Sent({"message_id": done[0], "pieces": done})

    async def topic_state(row: OutboxMessage, payload: dict[str, Any]) -> Outcome:
        """Name the topic for its ticket's state, then close or reopen it; a step already done is no failure."""
        thread = payload.get("thread_id")
        if thread is None:
            return Undeliverable("the ticket has no topic")
        await _unless_done(bot.edit_forum_topic(row.chat_id, thread, name=payload["name"]))
        if row.method == Method.TOPIC_CLOSE:
            await _unless_done(bot.close_forum_topic(row.chat_id, thread))
        else:
            await _unless_done(bot.reopen_forum_topic(row.chat_id, thread))
        return Sent({})

    async def erase(row: OutboxMessage, payload: dict[str, Any]) -> Outcome:
        """Delete the bot's own messages; one Telegram no longer lets a bot delete (older than 48 h) is blanked."""
        for message_id in payload["message_ids"]:
            try:
                await bot.delete_message(row.chat_id, message_id)
            except BadRequest:
                with contextlib.suppress(BadRequest):  # gone already: nothing left to blank
                    await bot.edit_message_text(payload["text"], chat_id=row.chat_id, message_id=message_id)
        return Sent({})

    async def answer(row: OutboxMessage, payload: dict[str, Any]) -> Outcome:
        """One rendered piece of a user's answer; a reply to a press edits the pressed message where it still can."""
        markup = InlineKeyboardMarkup.de_json(payload["markup"], bot) if payload.get("markup") else None
        if (edit := payload.get("edit")) is not None:
            try:
                await bot.edit_message_text(payload["html"], chat_id=row.chat_id, message_id=edit,
                                            parse_mode=ParseMode.HTML, reply_markup=markup)
                return Sent({"message_id": edit})
            except BadRequest as refused:  # a double tap changes nothing; too old or gone: sent anew
                if "not modified" in refused.message.lower():
                    return Sent({"message_id": edit})
        message = await _posted(bot.send_message(row.chat_id, payload["html"], parse_mode=ParseMode.HTML,
                                                 reply_markup=markup))
        return Sent({"message_id": message.message_id}) if message else Unconfirmed(ANSWERED_LATE)

    async def document(row: OutboxMessage, payload: dict[str, Any]) -> Outcome:
        """An answer's file (bytes as base64), or an event's calendar file (text) with the reminder as its caption."""
        content = base64.b64decode(payload["base64"]) if "base64" in payload else payload["content"].encode()
        caption = fit(payload["text"], CAPTION_LIMIT) if payload.get("text") else None
        message = await _posted(bot.send_document(row.chat_id, InputFile(content, filename=payload["filename"]),
                                                  caption=caption, reply_markup=_markup(payload.get("buttons"))))
        return Sent({"message_id": message.message_id}) if message else Unconfirmed(ANSWERED_LATE)

    async def deliver(row: OutboxMessage, payload: dict[str, Any]) -> Outcome:
        try:
            if row.method == Method.REPLY:
                return await answer(row, payload)
            if row.method == Method.DOCUMENT:
                return await document(row, payload)
            if row.method == Method.TOPIC:
                topic = await bot.create_forum_topic(row.chat_id, payload["name"], read_timeout=topic_wait)
                return Sent({"thread_id": topic.message_thread_id})
            if row.method == Method.MESSAGE:
                return await send_piece(row, payload)
            if row.method == Method.COPY:
                reply_to = payload.get("reply_to")
                copied = await _posted(bot.copy_message(
                    row.chat_id, payload["from_chat_id"], payload["message_id"], message_thread_id=payload.get("thread_id"),
                    reply_parameters=ReplyParameters(reply_to, allow_sending_without_reply=True) if reply_to else None))
                return Sent({"message_id": copied.message_id}) if copied else Unconfirmed(ANSWERED_LATE)
            if row.method in (Method.TOPIC_CLOSE, Method.TOPIC_REOPEN):
                return await topic_state(row, payload)
            if row.method == Method.DELETE:
                return await erase(row, payload)
            return Undeliverable(f"unknown outbox method {row.method!r}")
        except RetryAfter as flood:  # Telegram says when: wait, and it is no failed attempt
            return RetryLater(str(flood), wait=retry_seconds(flood), counts=False)
        except (BadRequest, Forbidden, InvalidToken) as refused:  # BadRequest is a NetworkError: before it
            return Undeliverable(refused.message)
        except TimedOut as late:  # never sent in full: again; an edit, a deletion or a topic's state: again, harmless;
            # a new topic Telegram may have made even after TOPIC_WAIT: again too (its thread id is needed), counted
            return RetryLater(str(late), ambiguous=row.method == Method.TOPIC and reached_telegram(late))
        except TelegramError as passing:  # 5xx, a dropped connection: back off and try again
            return RetryLater(str(passing))

    return deliver
