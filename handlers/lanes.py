"""Updates side by side: chats concurrently, each chat strictly in order, at most `bound` at once."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

Work = Callable[[], Awaitable[None]]


def lane_of(payload: dict[str, Any]) -> str:
    """The chat an update belongs to (a press: the chat of its message, else its user); one lane per chat."""
    for value in payload.values():
        if not isinstance(value, dict):
            continue
        chat = value.get("chat") or (value.get("message") or {}).get("chat")
        if isinstance(chat, dict) and "id" in chat:
            return f"chat:{chat['id']}"
        sender = value.get("from")
        if isinstance(sender, dict) and "id" in sender:
            return f"chat:{sender['id']}"
    return f"update:{payload.get('update_id')}"


class Lanes:
    """One queue per lane, run as tasks: a lane's work starts only after its previous work ended."""

    def __init__(self, *, bound: int) -> None:
        self.slots = asyncio.Semaphore(bound)
        self.tails: dict[str, asyncio.Task[None]] = {}
        self.running: set[asyncio.Task[None]] = set()

    def submit(self, lane: str, work: Work) -> asyncio.Task[None]:
        """Queue `work` behind the lane's last; returns its task (its failure is its own, never its lane's)."""
        task = asyncio.create_task(self._after(self.tails.get(lane), work), name=f"lane {lane}")
        self.tails[lane] = task
        self.running.add(task)
        task.add_done_callback(lambda done: self._finished(lane, done))
        return task

    async def _after(self, previous: asyncio.Task[None] | None, work: Work) -> None:
        if previous is not None:
            await asyncio.wait([previous])
        async with self.slots:
            await work()

    def _finished(self, lane: str, task: asyncio.Task[None]) -> None:
        self.running.discard(task)
        if self.tails.get(lane) is task:
            del self.tails[lane]

    async def drain(self) -> None:
        """Wait until every queued work has ended."""
        while self.running:
            await asyncio.wait(set(self.running))
