"""The typed context every handler gets: app-wide objects through bot_data, never module globals."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from typing import Any, ParamSpec, TypeVar

from telegram.ext import Application, CallbackContext, ExtBot, JobQueue

from bot.conversation.dialogue import Conversation
from bot.desk.commands import StaffCommands
from bot.desk.directory import StaffDirectory
from bot.desk.sender import OutboxSender
from bot.services import Services

P = ParamSpec("P")
R = TypeVar("R")


@dataclass
class AppData:
    """What every handler may use; stored once in bot_data under APP."""

    services: Services
    conversation: Conversation
    desk: StaffCommands
    staff: StaffDirectory
    outbox_wakeup: asyncio.Event = field(default_factory=asyncio.Event)
    sender: OutboxSender | None = None  # set while the bot runs: a user's answer is sent at once through it
    failures: dict[int, str] = field(default_factory=dict)  # update_id -> error, for the inbox row
    tries: dict[int, int] = field(default_factory=dict)  # update_id -> the try under way (the intake retries)
    kept: set[int] = field(default_factory=set)  # update ids whose turn's commit marked them handled (handled_in)
    pressed: dict[str, datetime] = field(default_factory=dict)  # callback query id -> when its update came in
    acknowledged: set[str] = field(default_factory=set)  # presses answered while their handler runs: answer once
    work: ThreadPoolExecutor = field(default_factory=lambda: ThreadPoolExecutor(16, thread_name_prefix="work"))
    heavy: ThreadPoolExecutor = field(default_factory=lambda: ThreadPoolExecutor(1, thread_name_prefix="heavy"))
    processes: ProcessPoolExecutor | None = None  # reports and exports, apart from the interpreter users need

    async def off_loop(self, function: Callable[P, R], *args: P.args, **kwargs: P.kwargs) -> R:
        """A core call (database, matcher) in a worker thread, so other chats go on meanwhile."""
        return await asyncio.get_running_loop().run_in_executor(self.work, partial(function, *args, **kwargs))

    async def apart(self, function: Callable[P, R], *args: P.args, **kwargs: P.kwargs) -> R:
        """Heavy work (export, report, reload, clustering) on its own thread: it never takes a user's worker."""
        return await asyncio.get_running_loop().run_in_executor(self.heavy, partial(function, *args, **kwargs))

    def close(self) -> None:
        """Let the worker threads go once the bot stops."""
        self.work.shutdown(wait=False, cancel_futures=True)
        self.heavy.shutdown(wait=False, cancel_futures=True)
        if self.processes is not None:
            self.processes.shutdown(wait=False, cancel_futures=True)

    def wake(self) -> None:
        """New outbox rows may be waiting: let the sender look now instead of at its next tick."""
        self.outbox_wakeup.set()


APP = "kulturlots"


class BotContext(CallbackContext[ExtBot[None], dict[Any, Any], dict[Any, Any], dict[Any, Any]]):
    """python-telegram-bot's CallbackContext with Kulturlots' objects typed (see contexttypesbot.py)."""

    @property
    def app(self) -> AppData:
        """Kulturlots' objects, typed."""
        return app_data_of(self.bot_data)


KulturlotsApp = Application[ExtBot[None], BotContext, dict[Any, Any], dict[Any, Any], dict[Any, Any],
                            JobQueue[Any]]


def app_data_of(bot_data: dict[Any, Any]) -> AppData:
    """The app-wide objects stored in bot_data by the composition root."""
    data = bot_data[APP]
    if not isinstance(data, AppData):
        raise TypeError("bot_data holds no Kulturlots objects: build the bot with build_application")
    return data
