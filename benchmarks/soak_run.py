"""One soak run: a Bot API of its own, the bot as a real process, people and staff feeding it, the figures read."""

from __future__ import annotations

import asyncio
import sqlite3
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from benchmarks.soak_api import Faults, Limits, SoakApi
from benchmarks.soak_bot import GROUP, STAFF, BotProcess, BotSetup
from benchmarks.soak_measure import summary
from benchmarks.soak_traffic import Record, Waiters, answer_as_staff, ask_in_turn


@dataclass
class Run:
    """The parts of one run, started together and stopped together."""

    api: SoakApi
    bot: BotProcess
    record: Record = field(default_factory=Record)
    waiters: Waiters | None = None
    started: float = field(default_factory=time.monotonic)
    _staff: asyncio.Task[None] | None = None
    _stop: asyncio.Event = field(default_factory=asyncio.Event)

    @classmethod
    async def start(cls, folder: Path, *, faults: Faults | None = None, limits: Limits | None = None,
                    command: tuple[str, ...] = (), entry: tuple[str, ...] = ("-m", "bot"), seed: int = 7,
                    per_second: int | None = None) -> Run:
        """The API up, then the bot (or, given a command, another bot: it gets the base URL as its argument)."""
        api = SoakApi(faults=faults or Faults(), limits=limits, seed=seed)
        await api.start()
        group = api.group(GROUP)
        group.members[STAFF] = "administrator"
        api.user(STAFF, first_name="Sara", language_code="en")
        bot = BotProcess(BotSetup(folder, api.base_url, api.base_file_url, api.token, per_second=per_second),
                         command=(*command, api.base_url) if command else (), entry=entry)
        run = cls(api, bot)
        run.waiters = Waiters(api)
        await bot.start()
        await api.wait_for(lambda: any(method == "getUpdates" for method, _ in api.calls), timeout=60)
        run.started = time.monotonic()  # speeds count from the first poll, not from the process's start
        return run

    def staff_answer(self) -> None:
        """Staff answer every ticket in its topic, for the rest of the run."""
        assert self.waiters is not None
        self._staff = asyncio.create_task(answer_as_staff(self.api, self.waiters, self.record, stop=self._stop))

    async def people(self, questions: dict[int, tuple[str, list[str]]], *, wait: float = 300.0, settle: float = 0.2,
                     human: dict[int, int] | None = None) -> None:
        """Each person (by id: their language and questions) asks in turn, all at once."""
        assert self.waiters is not None
        await asyncio.gather(*(ask_in_turn(self.api, self.waiters, self.record, user_id=user, questions=asked,
                                           language=language, wait=wait, settle=settle,
                                           human_at=(human or {}).get(user))
                               for user, (language, asked) in questions.items()))

    async def restart(self) -> None:
        """SIGKILL, start again, and wait until the new process reaches the Bot API (getMe: it has started; it
        handles what the inbox holds before it polls again)."""
        await self.bot.kill()
        calls = sum(method == "getMe" for method, _ in self.api.calls)
        await self.bot.start()
        await self.api.wait_for(lambda: sum(method == "getMe" for method, _ in self.api.calls) > calls, timeout=120)
        self.bot.starts[-1] = time.monotonic()  # rates "after a restart" count from here, not from the fork

    def settled(self) -> bool:
        """Every update confirmed and handled, every question has a reply, every ticket asked for is open with its
        card and its staff answer relayed. (A reply alone can mislead: a late repeat of the previous answer.)"""
        api, record = self.api, self.record
        replied = self.replied()
        humans = sum(a.human for a in record.asked)
        if not replied or not self.bot.setup.database.exists():
            return replied
        with sqlite3.connect(self.bot.setup.database) as db:
            tickets = dict(db.execute("SELECT id, chat_id FROM ticket").fetchall())
            waiting = db.execute("SELECT count(*) FROM inboxupdate WHERE processed_at IS NULL").fetchone()[0]
        if waiting or api.confirmed < max(api.fed_at, default=0):
            return False
        answered = all(any(text in m.get("text", "") for m in api.messages_to(tickets.get(n, 0)))
                       for n, text in record.staff_answers.items())
        return len(tickets) >= humans and len(record.staff_answers) >= len(tickets) and answered

    def replied(self) -> bool:
        """Every question asked has a reply after it."""
        return all(any(self.api.sent_at[(a.user_id, m["message_id"])] >= a.fed
                       for m in self.api.messages_to(a.user_id)) for a in self.record.asked)

    async def drain(self, timeout: float, done: Callable[[], bool] | None = None) -> float:
        """Wait until the run has settled (or `timeout`); returns the seconds from start to settled."""
        deadline = time.monotonic() + timeout
        check = done or self.settled
        while time.monotonic() < deadline and not check():
            await asyncio.sleep(0.5)
        return time.monotonic() - self.started

    async def finish(self, seconds: float, **extra: Any) -> dict[str, Any]:
        """Stop everything and read the figures."""
        self._stop.set()
        if self._staff is not None:
            await asyncio.gather(self._staff, return_exceptions=True)
        await self.bot.stop()
        return {**summary(self.api, self.bot, self.record, seconds=seconds), **extra}


async def with_run(folder: Path, body: Callable[[Run], Awaitable[dict[str, Any]]], **options: Any) -> dict[str, Any]:
    """Start a run, let `body` drive it; the bot process never outlives the run."""
    run = await Run.start(folder, **options)
    try:
        return await body(run)
    finally:
        if run.bot.process is not None:
            await run.bot.kill()
        await run.api.stop()
