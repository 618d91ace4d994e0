"""Who is staff: an allowlist, and/or members of the staff group, asked and cached briefly."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable

from bot.config import StaffSettings

MEMBER_STATUSES = frozenset({"creator", "administrator", "member", "restricted"})
MembershipCheck = Callable[[int], Awaitable[str | None]]  # user id -> chat member status, None if unknown


class StaffDirectory:
    """Answers "is this person staff?" without asking Telegram on every message."""

    def __init__(self, settings: StaffSettings, check: MembershipCheck, *,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.settings, self.check, self.clock = settings, check, clock
        self._cache: dict[int, tuple[float, bool]] = {}

    async def is_staff(self, user_id: int) -> bool:
        if user_id in self.settings.user_ids:
            return True
        if not self.settings.group_members_are_staff or self.settings.group_chat_id is None:
            return False
        now = self.clock()
        cached = self._cache.get(user_id)
        if cached and now - cached[0] < self.settings.member_cache_seconds:
            return cached[1]
        status = await self.check(user_id)
        member = status in MEMBER_STATUSES
        self._cache[user_id] = (now, member)
        return member

    def forget(self, user_id: int) -> None:
        """Drop a cached answer, e.g. when someone leaves the staff group."""
        self._cache.pop(user_id, None)
