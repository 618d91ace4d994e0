"""The soak harness's Bot API: the project's strict emulator behind injected faults and Telegram's rate limits.

Faults hit the sending calls at a configurable rate: 429 with retry_after, 500, 502, a call performed but answered
after the client's timeout (or slowly, within it), and a connection dropped before the call is read. Limits follow
Telegram's FAQ
(https://core.telegram.org/bots/faq#my-bot-is-hitting-limits-how-do-i-avoid-this): about 30 messages a second in
all, about one a second per chat (short bursts allowed), 20 a minute per group; beyond them, 429 with retry_after.
Every message the bot sends is timed, so the rates it reached are measured whether limits are enforced or not.
"""

from __future__ import annotations

import asyncio
import contextvars
import time
from collections import Counter, defaultdict, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from bot.config import TelegramSettings
from tests.emulator import ApiError, BotApiEmulator, Chat, Fault

# Calls that send or change something people see: the ones faults are injected into.
SENDING = frozenset({"sendMessage", "sendDocument", "copyMessage", "createForumTopic", "editForumTopic",
                     "closeForumTopic", "reopenForumTopic", "editMessageText", "editMessageReplyMarkup",
                     "deleteMessage"})
MESSAGES = frozenset({"sendMessage", "sendDocument", "copyMessage"})  # what Telegram's message limits count
FAULT_KINDS = ("429", "500", "502", "slow", "late", "drop")
_params: contextvars.ContextVar[dict[str, Any]] = contextvars.ContextVar("params")


@dataclass(frozen=True)
class Faults:
    """Which share of sending calls fails, and how long a late answer is held: `late` beyond the bot's send timeout
    (`telegram.send_timeout`, 20 s: ambiguous, performed or not), `slow` beyond python-telegram-bot's default 5 s
    but within the bot's (the issue's first runs timed out there)."""

    rate: float = 0.0
    retry_after: int = 1
    late_seconds: float = TelegramSettings().send_timeout + 1.0
    slow_seconds: float = 6.0
    kinds: tuple[str, ...] = FAULT_KINDS
    methods: frozenset[str] = SENDING
    most: int | None = None  # at most this many faults in all (None: no end)


@dataclass(frozen=True)
class Limits:
    """Telegram's limits: messages per second in all, per chat (a bucket: sustained rate, burst), per group a minute."""

    per_second: int = 30
    chat_rate: float = 1.0
    chat_burst: int = 3
    group_per_minute: int = 20


@dataclass
class Sends:
    """When each message went out, per chat: the rates are read from these."""

    times: list[float] = field(default_factory=list)
    chats: dict[int, list[float]] = field(default_factory=lambda: defaultdict(list))


class SoakApi(BotApiEmulator):
    """The emulator with faults and limits in front of its strict checks; counts what it injected and refused."""

    def __init__(self, *, faults: Faults | None = None, limits: Limits | None = None, seed: int = 7,
                 token: str = "123456:SOAK-TOKEN") -> None:
        super().__init__(token, seed=seed)
        self.fault_plan, self.soak_limits = faults or Faults(), limits  # not `limits`: the emulator's own (opt-in)
        self.injected: Counter[tuple[str, str]] = Counter()  # (kind, method) -> times
        self.limited: Counter[str] = Counter()  # method -> 429s for a broken limit
        self.sends = Sends()
        self.confirmed = 0  # the highest update id Telegram was told is read
        self.fed_at: dict[int, float] = {}  # update id -> when it was queued (monotonic)
        self.sent_at: dict[tuple[int, int], float] = {}  # (chat, message id) -> when the bot sent it
        self._window: deque[float] = deque()
        self._groups: dict[int, deque[float]] = defaultdict(deque)
        self._buckets: dict[int, tuple[float, float]] = {}  # chat -> (tokens, when)
        self.tolerated = None  # the harness reads broken_rules itself
        self.on_call: Callable[[str, dict[str, Any]], None] | None = None  # after each call the API performed

    async def _handle(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        kind = self._fault_kind(method) if request.match_info["token"] == self.token else None
        if kind == "drop":
            self.injected[(kind, method)] += 1
            if request.transport is not None:
                request.transport.abort()  # the connection goes before anything is read: nothing was done
            return web.Response(status=500)
        if kind in ("429", "500", "502"):
            self.injected[(kind, method)] += 1
            code = int(kind)
            retry = self.fault_plan.retry_after if code == 429 else None
            description = {429: f"Too Many Requests: retry after {retry}", 500: "Internal Server Error",
                           502: "Bad Gateway"}[code]
            body: dict[str, Any] = {"ok": False, "error_code": code, "description": description}
            if retry is not None:
                body["parameters"] = {"retry_after": retry}
            return web.json_response(body, status=code)
        _params.set({})
        response = await super()._handle(request)
        if self.on_call is not None and response.status == 200:
            self.on_call(method, _params.get())
        if kind in ("late", "slow"):  # performed, answered after the client gave up (late: ambiguous) or nearly
            self.injected[(kind, method)] += 1
            await asyncio.sleep(self.fault_plan.late_seconds if kind == "late" else self.fault_plan.slow_seconds)
        return response

    def _fault_kind(self, method: str) -> str | None:
        plan = self.fault_plan
        if method not in plan.methods or plan.rate <= 0 or self.rng.random() >= plan.rate:
            return None
        if plan.most is not None and sum(self.injected.values()) >= plan.most:
            return None
        return self.rng.choice(plan.kinds)

    def _inject_fault(self, method: str, params: dict[str, Any]) -> Fault | None:
        _params.set(params)
        fault = super()._inject_fault(method, params)  # a test's own fault (late, dropped, held) stays the emulator's
        if self.soak_limits is not None and method in MESSAGES and isinstance(params.get("chat_id"), int):
            wait = self._limit_wait(params["chat_id"], time.monotonic())
            if wait > 0:
                self.limited[method] += 1
                raise ApiError(429, f"Too Many Requests: retry after {wait}", wait, injected=True)
        return fault

    def _limit_wait(self, chat_id: int, now: float) -> int:
        """Seconds Telegram would ask to wait before this message, or 0 when it may go (and it is counted)."""
        assert self.soak_limits is not None
        limits = self.soak_limits
        while self._window and self._window[0] <= now - 1.0:
            self._window.popleft()
        if len(self._window) >= limits.per_second:
            return 1
        if chat_id < 0:
            group = self._groups[chat_id]
            while group and group[0] <= now - 60.0:
                group.popleft()
            if len(group) >= limits.group_per_minute:
                return max(1, int(group[0] + 60.0 - now + 0.999))
            group.append(now)
        else:
            tokens, then = self._buckets.get(chat_id, (float(limits.chat_burst), now))
            tokens = min(float(limits.chat_burst), tokens + (now - then) * limits.chat_rate)
            if tokens < 1.0:
                return max(1, int((1.0 - tokens) / limits.chat_rate + 0.999))
            self._buckets[chat_id] = (tokens - 1.0, now)
        self._window.append(now)
        return 0

    def _bot_message(self, chat: Chat, params: dict[str, Any], **content: Any) -> dict[str, Any]:
        message = super()._bot_message(chat, params, **content)
        now = time.monotonic()
        self.sent_at[(chat.id, message["message_id"])] = now
        self.sends.times.append(now)
        self.sends.chats[chat.id].append(now)
        return message

    def deliver(self, update: dict[str, Any]) -> dict[str, Any]:
        delivered = super().deliver(update)
        self.fed_at.setdefault(delivered["update_id"], time.monotonic())
        return delivered

    async def api_getupdates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        offset = int(params.get("offset") or 0)
        self.confirmed = max(self.confirmed, offset - 1)
        batch = await super().api_getupdates(params)
        params["_batch"] = len(batch)  # for on_call: a batch arrived
        return batch

    def refused_by_method(self) -> Counter[str]:
        """Calls the strict checks refused (a rule of the Bot API broken), by method."""
        return Counter(method for method, _ in self.broken_rules)
