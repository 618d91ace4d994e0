"""Telegram's sending limits as the emulator enforces them when a test opts in, and the sending log to measure rates.

Telegram documents them loosely (https://core.telegram.org/bots/faq#my-bot-is-hitting-limits-how-do-i-avoid-this):
"no more than 30 messages per second or so" in all, "avoid sending more than one message per second" in one
chat ("we may allow short bursts ... but eventually you'll begin receiving 429 errors"), "no more than 20 messages
per minute in the same group". Enforced here as sliding windows counted when a call arrives: at most `per_second`
in any second, `chat_burst` in any `chat_window` seconds per private chat (4 in 3: one a second with the short
burst Telegram tolerates; the bot itself keeps to 3), `per_group_minute` in any minute per group; beyond them a
message-sending call gets 429 with `retry_after` (whole seconds until the window frees) and is not performed.
Only calls that post a message count (sendMessage, sendDocument, copyMessage).
"""

from __future__ import annotations

import math
import time
from bisect import bisect_left
from dataclasses import dataclass, field

COUNTED = ("sendMessage", "sendDocument", "copyMessage")


@dataclass
class RateLimits:
    """Telegram's limits (None: not enforced, the default), and every performed send, as (monotonic time, chat)."""

    per_second: int = 30
    per_group_minute: int = 20
    chat_burst: int = 4
    chat_window: float = 3.0
    enforced: bool = False
    sends: list[tuple[float, int]] = field(default_factory=list)
    refused: list[tuple[float, int]] = field(default_factory=list)  # the 429s given for a limit

    def retry_after(self, method: str, chat_id: object) -> int | None:
        """Seconds to wait when this call would exceed a limit now; None when it may go (or nothing is enforced)."""
        if not self.enforced or method not in COUNTED or not isinstance(chat_id, int):
            return None
        now = time.monotonic()
        count, span = ((self.per_group_minute, 60.0) if chat_id < 0 else (self.chat_burst, self.chat_window))
        waits = [self._wait(now, 1.0, self.per_second, None), self._wait(now, span, count, chat_id)]
        wait = max(w for w in waits)
        if wait <= 0:
            return None
        self.refused.append((now, chat_id))
        return max(1, math.ceil(wait))

    def _wait(self, now: float, span: float, count: int, chat_id: int | None) -> float:
        recent = [t for t, chat in self.sends if t > now - span and chat_id in (None, chat)]
        return recent[-count] + span - now if len(recent) >= count else 0.0

    def performed(self, method: str, chat_id: object) -> None:
        if method in COUNTED and isinstance(chat_id, int):
            self.sends.append((time.monotonic(), chat_id))

    def most_within(self, span: float, *, chat_id: int | None = None, groups: bool | None = None) -> int:
        """The most messages sent within any `span` seconds: to one chat, to groups or private chats, or in all."""
        times = [t for t, chat in self.sends if (chat_id is None or chat == chat_id)
                 and (groups is None or (chat < 0) == groups)]
        return max((bisect_left(times, t + span) - i for i, t in enumerate(times)), default=0)
