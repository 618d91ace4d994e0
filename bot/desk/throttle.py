"""Telegram's sending limits as sliding windows: about 30 messages a second in all, one a second into one private
chat, 20 a minute into one group (https://core.telegram.org/bots/faq#my-bot-is-hitting-limits-how-do-i-avoid-this)."""

from __future__ import annotations

import asyncio
from collections import defaultdict, deque
from collections.abc import Callable


class Throttle:
    """How long the next message to a chat must wait so that no limit is passed; never drops one."""

    def __init__(self, *, per_group_minute: int = 20, per_second: int = 30, per_chat_second: int = 1,
                 clock: Callable[[], float] | None = None) -> None:
        self.per_group_minute, self.per_second, self.per_chat_second = per_group_minute, per_second, per_chat_second
        self.clock = clock or (lambda: asyncio.get_running_loop().time())
        self._group: dict[int, deque[float]] = defaultdict(deque)
        self._chat: dict[int, deque[float]] = {}
        self._all: deque[float] = deque()

    def wait_for(self, chat_id: int) -> float:
        """Seconds until a message to this chat may go; 0 when it may go now."""
        now = self.clock()
        _trim(self._all, now - 1.0)
        waits = [0.0]
        if len(self._all) >= self.per_second:
            waits.append(self._all[0] + 1.0 - now)
        if chat_id < 0:  # groups and supergroups have negative ids
            window = self._group[chat_id]
            _trim(window, now - 60.0)
            if len(window) >= self.per_group_minute:
                waits.append(window[0] + 60.0 - now)
        elif (chat := self._chat.get(chat_id)) is not None:
            _trim(chat, now - 1.0)
            if len(chat) >= self.per_chat_second:
                waits.append(chat[0] + 1.0 - now)
        return max(waits)

    def record(self, chat_id: int) -> None:
        """A message to this chat is going now."""
        now = self.clock()
        self._all.append(now)
        if chat_id < 0:
            self._group[chat_id].append(now)
            return
        self._chat.setdefault(chat_id, deque()).append(now)
        if len(self._chat) > 4 * self.per_second:  # chats idle for a second need no window: keep the map small
            self._chat = {c: w for c, w in self._chat.items() if w and w[-1] > now - 1.0}


def _trim(window: deque[float], before: float) -> None:
    while window and window[0] <= before:
        window.popleft()
