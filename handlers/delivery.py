"""Outbox rows into Bot API calls, and Telegram's errors into retry, wait or give up."""

from __future__ import annotations

from typing import Any

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import BadRequest, Forbidden, InvalidToken, RetryAfter, TelegramError

from bot.models import OutboxMessage
from bot.outbox import Outcome, RetryLater, Sent, Undeliverable


def _markup(rows: list[list[dict[str, str]]] | None) -> InlineKeyboardMarkup | None:
    if not rows:
        return None
    return InlineKeyboardMarkup([[InlineKeyboardButton(b["label"], callback_data=b["data"]) for b in row]
                                 for row in rows])


def deliverer(bot: Bot):  # type: ignore[no-untyped-def]
    """A Deliver for the outbox sender, bound to one bot."""

    async def deliver(row: OutboxMessage, payload: dict[str, Any]) -> Outcome:
        try:
            if row.method == "topic":
                topic = await bot.create_forum_topic(row.chat_id, payload["name"])
                return Sent({"thread_id": topic.message_thread_id})
            if row.method == "message":
                message = await bot.send_message(row.chat_id, payload["text"],
                                                 message_thread_id=payload.get("thread_id"),
                                                 reply_to_message_id=payload.get("reply_to"),
                                                 reply_markup=_markup(payload.get("buttons")))
                return Sent({"message_id": message.message_id})
            return Undeliverable(f"unknown outbox method {row.method!r}")
        except RetryAfter as flood:  # Telegram says when: wait, and it is no failed attempt
            wait = flood.retry_after
            return RetryLater(str(flood), wait=float(getattr(wait, "total_seconds", lambda: wait)()), counts=False)
        except (BadRequest, Forbidden, InvalidToken) as refused:  # BadRequest is a NetworkError: before it
            return Undeliverable(refused.message)
        except TelegramError as passing:  # 5xx, timeouts, network: back off and try again
            return RetryLater(str(passing))

    return deliver
