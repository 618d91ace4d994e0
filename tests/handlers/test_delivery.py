"""Which timeouts a send is tried again after: one Telegram received in full is not posted a second time."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import aiohttp
import httpx
import pytest
from telegram import Bot
from telegram.error import NetworkError, TimedOut

from bot.desk.outbox import Method, RetryLater, Sent, Unconfirmed
from bot.storage.tables import OutboxMessage
from handlers.delivery import deliverer, reached_telegram
from handlers.transport import AiohttpRequest, AnsweredLate
from tests.emulator import BotApiEmulator

GROUP, USER = -1001000000001, 700
LATE = 1.0  # seconds the emulator holds its answer: past these tests' read timeout


@asynccontextmanager
async def bot_on(emulator: BotApiEmulator, *, read_timeout: float = 0.3, pool: int = 4) -> AsyncIterator[Bot]:
    """The real python-telegram-bot Bot over the emulator, through the bot's own transport, with a short read timeout
    and a small connection pool."""
    request = AiohttpRequest(read_timeout=read_timeout, pool_timeout=0.3, pool_size=pool, upload_timeout=read_timeout)
    async with Bot(emulator.token, base_url=emulator.base_url, request=request) as bot:
        yield bot


def timed_out(cause: Exception, *, kind: type[TimedOut] = TimedOut) -> TimedOut:
    """A TimedOut as the transport raises it: from aiohttp's exception, or from httpx's for an upload."""
    try:
        raise kind from cause
    except TimedOut as late:
        return late


@pytest.mark.parametrize(("late", "reached"), [
    (timed_out(aiohttp.SocketTimeoutError("no answer"), kind=AnsweredLate), True),
    (timed_out(aiohttp.ConnectionTimeoutError("no connection")), False),
    (TimedOut("Pool timeout: all connections are busy"), False),
    (timed_out(httpx.ReadTimeout("no answer to an upload")), True),
    (timed_out(httpx.ConnectTimeout("no connection")), False),
    (timed_out(httpx.WriteTimeout("upload not sent in full")), False),
    (timed_out(httpx.PoolTimeout("no free connection")), False),
])
def test_only_a_read_timeout_counts_as_a_request_telegram_received(late: TimedOut, reached: bool) -> None:
    assert reached_telegram(late) is reached


def rows(emulator: BotApiEmulator) -> dict[Method, tuple[OutboxMessage, dict[str, Any]]]:
    """One row of each method that posts a message, with the payload the sender would pass."""
    source = emulator.user(USER).chat.new_message(None, text="a photo, say")
    return {
        Method.REPLY: (OutboxMessage(key="r", method=Method.REPLY, chat_id=USER), {"html": "the answer"}),
        Method.MESSAGE: (OutboxMessage(key="m", method=Method.MESSAGE, chat_id=GROUP), {"text": "a card"}),
        Method.COPY: (OutboxMessage(key="c", method=Method.COPY, chat_id=GROUP),
                      {"from_chat_id": USER, "message_id": source["message_id"]}),
        Method.DOCUMENT: (OutboxMessage(key="d", method=Method.DOCUMENT, chat_id=USER),
                          {"filename": "event.ics", "content": "BEGIN:VCALENDAR", "text": "a reminder"}),
    }


@pytest.mark.parametrize("method", [Method.REPLY, Method.MESSAGE, Method.COPY, Method.DOCUMENT])
async def test_a_message_telegram_posted_but_answered_after_the_timeout_is_taken_as_sent_not_posted_again(
        emulator: BotApiEmulator, method: Method) -> None:
    emulator.group(GROUP)
    row, payload = rows(emulator)[method]
    api = {Method.REPLY: "sendMessage", Method.MESSAGE: "sendMessage", Method.COPY: "copyMessage",
           Method.DOCUMENT: "sendDocument"}[method]
    emulator.fail(api, chat_id=row.chat_id, late=LATE)
    async with bot_on(emulator) as bot:
        outcome = await deliverer(bot)(row, payload)
    assert isinstance(outcome, Unconfirmed)
    assert len(emulator.messages_to(row.chat_id)) == 1  # performed once; the sender settles it, never sends again


async def test_a_long_text_goes_on_with_its_next_piece_after_one_answered_too_late(emulator: BotApiEmulator) -> None:
    emulator.group(GROUP)
    row = OutboxMessage(key="long", method=Method.MESSAGE, chat_id=GROUP)
    emulator.fail("sendMessage", chat_id=GROUP, late=LATE)
    async with bot_on(emulator) as bot:
        first = await deliverer(bot)(row, {"text": "word " * 1500})
        assert isinstance(first, Unconfirmed) and first.more and first.result == {"pieces": [None]}
        row.result = first.result
        second = await deliverer(bot)(row, {"text": "word " * 1500})
    assert isinstance(second, Sent) and second.result["pieces"][0] is None
    assert len(emulator.messages_to(GROUP)) == 2  # each piece once


async def test_a_topic_telegram_answers_after_a_messages_timeout_is_waited_for_and_made_once(
        emulator: BotApiEmulator) -> None:
    emulator.group(GROUP)
    row = OutboxMessage(key="t", method=Method.TOPIC, chat_id=GROUP)
    emulator.fail("createForumTopic", chat_id=GROUP, late=LATE)
    async with bot_on(emulator) as bot:
        outcome = await deliverer(bot, topic_wait=LATE * 5)(row, {"name": "#1 — a question"})
    assert isinstance(outcome, Sent) and outcome.result["thread_id"]
    assert [method for method, _ in emulator.calls].count("createForumTopic") == 1


async def test_a_topic_answered_after_even_its_own_wait_is_tried_again_and_counted(emulator: BotApiEmulator) -> None:
    emulator.group(GROUP)
    row = OutboxMessage(key="t", method=Method.TOPIC, chat_id=GROUP)
    emulator.fail("createForumTopic", chat_id=GROUP, late=LATE)
    async with bot_on(emulator) as bot:
        outcome = await deliverer(bot, topic_wait=0.3)(row, {"name": "#1 — a question"})
    assert isinstance(outcome, RetryLater) and outcome.ambiguous  # its thread id is needed: created again


async def test_an_edit_answered_too_late_is_tried_again_uncounted_as_repeating_it_changes_nothing(
        emulator: BotApiEmulator) -> None:
    user = emulator.user(USER)
    async with bot_on(emulator) as bot:
        shown = await bot.send_message(USER, "which region?")
        emulator.fail("editMessageText", chat_id=USER, late=LATE)
        row = OutboxMessage(key="e", method=Method.REPLY, chat_id=USER)
        outcome = await deliverer(bot)(row, {"html": "the answer", "edit": shown.message_id})
    assert isinstance(outcome, RetryLater) and not outcome.ambiguous
    assert len(user.messages) == 1


async def test_a_message_that_never_left_for_want_of_a_connection_is_tried_again(emulator: BotApiEmulator) -> None:
    emulator.group(GROUP)
    emulator.user(USER)
    emulator.hold("sendMessage", chat_id=USER, times=1)  # holds the only connection
    async with bot_on(emulator, read_timeout=5.0, pool=1) as bot:
        holding = asyncio.create_task(bot.send_message(USER, "first"))
        await emulator.wait_for(lambda: any(m == "sendMessage" for m, _ in emulator.calls))
        row = OutboxMessage(key="m", method=Method.MESSAGE, chat_id=GROUP)
        outcome = await deliverer(bot)(row, {"text": "a card"})
        emulator.release()
        with pytest.raises(NetworkError):
            await holding
    assert isinstance(outcome, RetryLater) and not outcome.ambiguous  # a pool timeout: nothing reached Telegram
    assert emulator.messages_to(GROUP) == []
