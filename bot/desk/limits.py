"""Telegram's sending limits kept before Telegram enforces them, in order, and across restarts.

About 30 messages a second in all, 20 a minute into one group, about one a second into one private chat
(short bursts allowed for a user's answer: `chat_burst` within `chat_window` seconds; anything else, reminders
among them, at most one each `chat_gap` seconds). Each window is kept `slack` longer than
Telegram's, as Telegram counts a message when it arrives, a moment after it left. Users' answers may use the
whole second; other traffic leaves `reserve` of it free, so a staff backlog never slows a user. Messages leave
`spread` over the second, not in one clump. A 429 pauses
its chat; 429s for two chats within a second pause everything (Telegram's global limit).
"""

from __future__ import annotations

import asyncio
from collections import defaultdict, deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session, col, select

from bot.storage.tables import OutboxMessage

REMEMBER = 70.0  # seconds of sending history a restart needs (the group window, with its slack)


@dataclass(frozen=True, slots=True)
class Limits:
    """Telegram's documented limits (core.telegram.org/bots/faq#my-bot-is-hitting-limits-how-do-i-avoid-this)."""

    per_second: int = 30
    per_group_minute: int = 20
    chat_burst: int = 3
    chat_window: float = 3.0
    chat_gap: float = 1.0  # seconds between two messages other than answers into one private chat (reminders)
    slack: float = 0.1   # each window this share longer than Telegram's
    reserve: int = 10    # of the per-second budget, kept free for users' answers
    spread: float = 1.0  # this share of a second's per-message gap is kept between any two messages: a burst
                         # leaves evenly, not as a clump whose tail arrives in the next second


class Limiter:
    """Sliding windows per chat, per group and in all; `wait_for` says how long a message must wait."""

    def __init__(self, limits: Limits = Limits(), *, clock: Callable[[], float] | None = None) -> None:
        self.limits = limits
        self.clock = clock or (lambda: asyncio.get_running_loop().time())
        self._all: deque[float] = deque()
        self._chats: dict[int, deque[float]] = defaultdict(deque)
        self._paused: dict[int, float] = {}
        self._paused_all = 0.0
        self._floods: deque[tuple[float, int]] = deque()

    def _window(self, chat_id: int) -> tuple[int, float]:
        """How many messages the chat may get within how many seconds."""
        if chat_id < 0:  # groups, supergroups and channels have negative ids
            return self.limits.per_group_minute, 60.0 * (1 + self.limits.slack)
        return self.limits.chat_burst, self.limits.chat_window * (1 + self.limits.slack)

    def wait_for(self, chat_id: int, *, urgent: bool = False) -> float:
        """Seconds until a message to this chat may go; 0 when it may go now. Urgent: a user's answer."""
        now = self.clock()
        second = 1.0 * (1 + self.limits.slack)
        _trim(self._all, now - second)
        budget = self.limits.per_second - (0 if urgent else self.limits.reserve)
        waits = [0.0, self._paused_all - now, self._paused.get(chat_id, 0.0) - now]
        if len(self._all) >= budget:
            waits.append(self._all[len(self._all) - budget] + second - now)
        if self._all:
            waits.append(self._all[-1] + self.limits.spread * second / self.limits.per_second - now)
        count, span = self._window(chat_id)
        window = self._chats[chat_id]
        _trim(window, now - span)
        if not window:
            del self._chats[chat_id]
        else:
            if len(window) >= count:
                waits.append(window[len(window) - count] + span - now)
            if not urgent and chat_id >= 0:
                waits.append(window[-1] + self.limits.chat_gap * (1 + self.limits.slack) - now)
        return max(waits)

    def record(self, chat_id: int, *, at: float | None = None) -> None:
        """A message is leaving now (or left at `at`, for the history a restart reads back)."""
        when = self.clock() if at is None else at
        self._all.append(when)
        self._chats[chat_id].append(when)
        if len(self._chats) > 4 * self.limits.per_second:  # chats quiet for their window need none: memory stays small
            self._chats = defaultdict(deque, {chat: window for chat, window in self._chats.items()
                                              if window and window[-1] > when - self._window(chat)[1]})

    def pause(self, chat_id: int, seconds: float) -> None:
        """Telegram said 429 for this chat: it waits; when a second chat hears it too, everything waits."""
        now = self.clock()
        self._paused[chat_id] = max(self._paused.get(chat_id, 0.0), now + seconds)
        self._floods.append((now, chat_id))
        while self._floods and self._floods[0][0] < now - 1.0:
            self._floods.popleft()
        if len({chat for _, chat in self._floods}) > 1:
            self._paused_all = max(self._paused_all, now + seconds)

    def remember(self, sent: Iterable[tuple[int, float]]) -> None:
        """The sends of the last minute, as (chat, seconds ago), so a restart does not begin with a burst."""
        now = self.clock()
        for chat_id, ago in sorted(sent, key=lambda item: -item[1]):
            self.record(chat_id, at=now - ago)


def _trim(window: deque[float], before: float) -> None:
    while window and window[0] <= before:
        window.popleft()


def recent_sends(session: Session, *, now: datetime) -> list[tuple[int, float]]:
    """Every message the outbox sent in the last minute, as (chat, seconds ago); a row sent in pieces counts each."""
    rows = session.exec(select(OutboxMessage).where(
        col(OutboxMessage.sent_at) >= now - timedelta(seconds=REMEMBER))).all()
    sends: list[tuple[int, float]] = []
    for row in rows:
        assert row.sent_at is not None
        ago = max(0.0, (now - row.sent_at).total_seconds())
        sends += [(row.chat_id, ago)] * max(1, len((row.result or {}).get("pieces", ())))
    return sends
