"""Telegram's passing faults (429, 5xx, timeouts, dropped connections) waited out, never turned into an apology."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import TypeVar

from telegram.error import BadRequest, Forbidden, InvalidToken, RetryAfter, TelegramError, TimedOut

from handlers.delivery import retry_seconds

log = logging.getLogger(__name__)
T = TypeVar("T")
TRIES = 6
FIRST_PAUSE = 0.5  # seconds; doubles per try
MAX_FLOOD_WAIT = 60.0  # a longer 429 is left to the caller (the update is tried again later)


async def patiently(call: Callable[[], Awaitable[T]], *, what: str, tries: int = TRIES,
                    pause: float = FIRST_PAUSE) -> T:
    """Make a Bot API call, again after a 429 (as long as Telegram asks) or a passing fault (with backoff).

    A refusal (400, 403, a bad token) is final and raised at once. A timeout is ambiguous (Telegram may have
    performed the call); it is retried, as an answer lost is worse than one sent twice, and logged so it is counted.
    """
    for attempt in range(1, tries + 1):
        try:
            return await call()
        except RetryAfter as flood:
            wait = retry_seconds(flood)
            if wait > MAX_FLOOD_WAIT or attempt == tries:
                raise
            log.info("%s: Telegram asks to wait %.0f s", what, wait)
            await asyncio.sleep(wait)
        except (BadRequest, Forbidden, InvalidToken):  # BadRequest is a NetworkError: caught before it
            raise
        except TelegramError as passing:
            if attempt == tries:
                raise
            log.warning("%s failed (%s%s); trying again", what, passing,
                        ", maybe performed: counted as ambiguous" if isinstance(passing, TimedOut) else "")
            await asyncio.sleep(pause * 2 ** (attempt - 1))
    raise AssertionError("unreachable: the last try returns or raises")
