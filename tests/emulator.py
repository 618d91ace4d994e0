"""A local Telegram Bot API emulator for end-to-end tests of the real python-telegram-bot Application.

It speaks HTTP on 127.0.0.1 like api.telegram.org does (https://core.telegram.org/bots/api):
`/bot<token>/<method>` with JSON, form or multipart bodies, `{"ok": true, "result": ...}` replies and
`{"ok": false, "error_code", "description", "parameters"}` errors with the matching status. It is as strict
as the documented API (tests/bot_api_rules.py), so a passing test also proves the bot sends nothing
Telegram would refuse. Tests act as users and staff (`user.send`, `user.press`, `staff.send_in`), who
produce updates shaped like real ones (topic messages reply to their topic's creation, group commands
carry @botname, ...), read what the bot sent, and inject faults (429 with retry_after, 5xx, 403 for a
user who blocked the bot; `fail(..., late=s)` performs a call but answers after `s` seconds, past the client's
timeout; `fail(..., drop=True)` drops the connection without performing it; `hold()` keeps calls unanswered
and unperformed until `release()`, as a process killed mid-call leaves them). By default no rate limit is
enforced; `enforce_limits()` answers calls beyond Telegram's limits with 429 (tests/telegram_limits.py), and
`limits` logs every message sent either way, to measure rates.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import random
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from aiohttp import web

from tests.bot_api_rules import (
    ANSWER_TEXT_MAX,
    CHAT_ACTIONS,
    NOT_MODIFIED,
    QUERY_TOO_OLD,
    TOPIC_NAME_MAX,
    ApiError,
    bad_request,
    check_caption,
    check_commands,
    check_reply_markup,
    check_text,
    require,
    utf16_len,
    visible_text,
)
from tests.emulator_webhook import Hook, Outgoing, chat_key, checked_hook, info, note_error, post_update, refuse_polling, target
from tests.telegram_limits import RateLimits

__all__ = ["ApiError", "BotApiEmulator", "Chat", "Fault", "UserHandle", "visible_text"]

JSON_FIELDS = {"reply_markup", "entities", "caption_entities", "reply_parameters", "commands", "scope",
               "link_preview_options", "allowed_updates", "media", "permissions"}
INT_FIELDS = {"chat_id", "message_id", "message_thread_id", "user_id", "offset", "limit", "timeout",
              "reply_to_message_id", "cache_time", "icon_color", "from_chat_id", "max_connections"}
BOOL_FIELDS = {"show_alert", "disable_notification", "protect_content", "allow_sending_without_reply",
               "drop_pending_updates"}
# Without allowed_updates, getUpdates leaves these out (https://core.telegram.org/bots/api#getupdates).
OPT_IN_UPDATES = {"chat_member", "message_reaction", "message_reaction_count"}
SENDING = ("sendMessage", "sendDocument", "copyMessage", "sendChatAction")
COPYABLE = ("text", "entities", "caption", "caption_entities", "photo", "voice", "document", "audio", "video",
            "video_note", "animation", "sticker", "location", "contact")  # what copyMessage carries over
DOWNLOAD_MAX = 20 * 2**20  # getFile: "bots can download files of up to 20MB in size"
GROUP_ANONYMOUS_BOT = 1087968824  # the `from` of messages anonymous group admins write
ANSWER_DEADLINE = 15.0  # seconds Telegram waits for answerCallbackQuery
# ChatMemberAdministrator's rights (https://core.telegram.org/bots/api#chatmemberadministrator) as a staff group's
# admin usually has them; can_pin_messages is for groups and supergroups only, can_manage_topics for supergroups.
ADMIN_RIGHTS = {"can_manage_chat": True, "can_delete_messages": True, "can_manage_video_chats": True,
                "can_restrict_members": True, "can_promote_members": False, "can_change_info": True,
                "can_invite_users": True, "can_post_stories": False, "can_edit_stories": False,
                "can_delete_stories": False}
WEBHOOK_ACTIVE = "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first"


@dataclass
class Fault:
    """Fail calls of `method` (or any, with '*'): `times` calls, or each call with probability `rate`."""

    method: str
    code: int
    description: str
    times: int | None = 1
    rate: float | None = None
    retry_after: int | None = None
    chat_id: int | None = None
    late: float | None = None  # perform the call, answer after this many seconds (the client has given up)
    drop: bool = False         # drop the connection; the call is not performed
    hold: bool = False         # no answer until release(); then refused with 500, never performed


@dataclass
class Chat:
    """A chat and everything said in it, by anyone: replies, edits and topics are checked against it."""

    id: int
    type: str  # private, group, supergroup or channel
    title: str | None = None
    is_forum: bool = False
    first_name: str | None = None
    username: str | None = None
    members: dict[int, str] = field(default_factory=dict)  # user id -> status
    rights: dict[int, dict[str, bool]] = field(default_factory=dict)  # admin id -> rights that differ from the usual
    messages: dict[int, dict[str, Any]] = field(default_factory=dict)
    topics: dict[int, str] = field(default_factory=dict)  # message_thread_id -> name
    closed_topics: set[int] = field(default_factory=set)
    topic_creators: dict[int, int] = field(default_factory=dict)  # message_thread_id -> user id
    next_message_id: int = 1

    def ref(self) -> dict[str, Any]:
        """The Chat object as it appears inside a message."""
        return {"id": self.id, "type": self.type, **({"title": self.title} if self.title else {}),
                **({"first_name": self.first_name} if self.first_name else {}),
                **({"username": self.username} if self.username else {}),
                **({"is_forum": True} if self.is_forum else {})}

    def new_message(self, sender: dict[str, Any] | None, **content: Any) -> dict[str, Any]:
        """A message with the chat's next id (ids are per chat, shared by every sender), stored."""
        message = {"message_id": self.next_message_id, "date": int(time.time()), "chat": self.ref(),
                   **({"from": sender} if sender else {}), **content}
        self.next_message_id += 1
        self.messages[message["message_id"]] = message
        return message

    def place(self, message: dict[str, Any], thread_id: int | None, replied: dict[str, Any] | None) -> None:
        """Thread and reply fields as Telegram sets them: a topic message replies to its topic's creation
        unless it replies to something else; a reply elsewhere in a supergroup names its reply thread."""
        if thread_id is not None and self.is_forum:
            message.update(message_thread_id=thread_id, is_topic_message=True)
            message["reply_to_message"] = _quoted(replied or self.messages[thread_id])
        elif replied is not None:
            if self.type == "supergroup":
                message["message_thread_id"] = replied.get("message_thread_id", replied["message_id"])
            message["reply_to_message"] = _quoted(replied)


def _quoted(message: dict[str, Any]) -> dict[str, Any]:
    """A message as reply_to_message carries it: without its own reply."""
    return {k: v for k, v in message.items() if k != "reply_to_message"}


class BotApiEmulator:
    """One bot, its chats and its update queue; start() it, point PTB's base_url at `base_url`."""

    def __init__(self, token: str = "123456:TEST-TOKEN", *, bot_id: int = 123456, username: str = "kulturlots_bot",
                 seed: int = 1) -> None:
        self.token, self.bot_id, self.username = token, bot_id, username
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.refused: list[tuple[str, dict[str, Any], str]] = []  # every call answered with an error
        self.broken_rules: list[tuple[str, str]] = []  # 400s that were no injected fault: (method, description)
        self.tolerated: list[str] | None = []  # what a test expects the bot to run into; None checks nothing
        self.sent: list[dict[str, Any]] = []  # every message the bot sent, in order
        self.timeline: list[tuple[float, int]] = []  # (monotonic time, chat id) of each message the bot sent
        self.commands: dict[tuple[str, str], list[dict[str, Any]]] = {}
        self.documents: list[dict[str, Any]] = []
        self.files: dict[str, bytes] = {}  # file_id -> content: every file sent by anyone, for getFile
        self._file_paths: dict[str, str] = {}  # file_path handed out by getFile -> file_id
        self.answered_callbacks: list[dict[str, Any]] = []
        self.chats: dict[int, Chat] = {}
        self.blocked: set[int] = set()
        self.faults: list[Fault] = []
        self.limits = RateLimits()
        self.released = asyncio.Event()
        self.rng = random.Random(seed)
        self.answer_deadline = ANSWER_DEADLINE
        self._queries: dict[str, float] = {}  # callback query id -> when it was pressed (monotonic)
        self._answered: set[str] = set()
        self._sources: dict[tuple[int, int], str] = {}  # the text the bot sent, before parsing
        self._updates: list[dict[str, Any]] = []
        self._update_ids = itertools.count(1)
        self._query_ids = itertools.count(1)
        self._changed = asyncio.Condition()
        self._runner: web.AppRunner | None = None
        self._closing = False
        self.port = 0
        self.hook: Hook | None = None  # the webhook set with setWebhook (tests/emulator_webhook.py)
        self.outgoing = Outgoing()
        self.webhook_retry = 0.1  # seconds before a refused webhook request is repeated (doubling, at most 5)
        self.webhook_attempts = 20  # then the update is given up, as Telegram does "after a reasonable number"
        self._pusher: asyncio.Task[None] | None = None

    @property
    def me(self) -> dict[str, Any]:
        return {"id": self.bot_id, "is_bot": True, "first_name": "Kulturlots", "username": self.username}

    # ---------------------------------------------------------------- server
    async def start(self) -> BotApiEmulator:
        app = web.Application(client_max_size=50 * 2**20)
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        app.router.add_route("*", "/file/bot{token}/{path:.*}", self._file)
        self._runner = web.AppRunner(app, shutdown_timeout=0.5)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        return self

    async def stop(self) -> None:
        self._closing = True  # long polls return now instead of holding the shutdown
        await self._notify()
        if self._pusher is not None:
            await asyncio.gather(self._pusher, return_exceptions=True)
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/bot"

    @property
    def base_file_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/file/bot"

    async def _file(self, request: web.Request) -> web.Response:
        """https://api.telegram.org/file/bot<token>/<file_path>: the bytes of a file getFile prepared."""
        file_id = self._file_paths.get(request.match_info["path"])
        if request.match_info["token"] != self.token or file_id is None:
            return web.json_response({"ok": False, "error_code": 404, "description": "Not Found"}, status=404)
        return web.Response(body=self.files[file_id], content_type="application/octet-stream")

    def add_file(self, content: bytes, *, kind: str = "document") -> dict[str, Any]:
        """Store a file as Telegram does when someone sends it; returns the ids a message carries."""
        number = len(self.files) + 1
        file_id = f"{kind}-file-{number}"
        self.files[file_id] = content
        return {"file_id": file_id, "file_unique_id": f"u-{file_id}", "file_size": len(content)}

    async def _handle(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return web.json_response({"ok": False, "error_code": 401, "description": "Unauthorized"}, status=401)
        method = request.match_info["method"]
        try:
            params = await self._params(request)
        except ConnectionResetError:  # the bot was killed while sending: the request never arrived whole
            raise web.HTTPServiceUnavailable from None  # nobody reads the answer; Telegram would do nothing
        self.calls.append((method, params))
        handler = getattr(self, f"api_{method.lower()}", None)
        try:
            if handler is None:
                raise ApiError(404, "Not Found")
            fault = self._inject_fault(method, params)
            if fault is not None and fault.drop:
                if request.transport is not None:
                    request.transport.close()
                raise web.HTTPServiceUnavailable  # never reaches the client: its connection is gone
            if fault is not None and fault.hold:
                await self.released.wait()
                raise ApiError(500, "Internal Server Error", injected=True)
            if (wait := self.limits.retry_after(method, params.get("chat_id"))) is not None:
                raise ApiError(429, f"Too Many Requests: retry after {wait}", wait, injected=True)
            try:
                result = await handler(params)
            except (KeyError, TypeError, ValueError) as wrong:  # a parameter of the wrong type or shape
                raise ApiError(400, f"Bad Request: invalid parameters ({wrong!r})") from wrong
            self.limits.performed(method, params.get("chat_id"))
            if fault is not None and fault.late is not None:
                await self._notify()
                await asyncio.sleep(fault.late)
        except ApiError as error:
            self.refused.append((method, params, error.description))
            if error.code == 400 and not error.injected:
                self.broken_rules.append((method, error.description))
            body: dict[str, Any] = {"ok": False, "error_code": error.code, "description": error.description}
            if error.retry_after is not None:
                body["parameters"] = {"retry_after": error.retry_after}
            return web.json_response(body, status=error.code)
        async with self._changed:
            self._changed.notify_all()
        return web.json_response({"ok": True, "result": result})

    async def _params(self, request: web.Request) -> dict[str, Any]:
        if request.content_type == "application/json":
            return dict(await request.json())
        params: dict[str, Any] = {}
        if request.content_type.startswith("multipart/"):
            reader = await request.multipart()
            async for part in reader:
                if part.filename:  # type: ignore[union-attr]
                    params[part.name] = {"filename": part.filename, "content": await part.read()}  # type: ignore
                else:
                    params[part.name] = await part.text()  # type: ignore[union-attr]
        else:
            params.update(await request.post())
            params.update(request.query)
        return {k: self._decode(k, v) for k, v in params.items()}

    @staticmethod
    def _decode(key: str, value: Any) -> Any:
        """Form values are strings: JSON for objects, numbers and booleans by field; texts stay texts."""
        if not isinstance(value, str):
            return value
        if key in JSON_FIELDS:
            try:
                return json.loads(value)
            except ValueError as exc:
                raise ApiError(400, f"Bad Request: can't parse {key} JSON object") from exc
        if key in INT_FIELDS and re.fullmatch(r"-?\d+", value):
            return int(value)
        if key in BOOL_FIELDS:
            return value.lower() in ("true", "1")
        return value

    def _inject_fault(self, method: str, params: dict[str, Any]) -> Fault | None:
        """Raise the error a matching fault asks for; return a fault that changes the answer's delivery instead."""
        chat_id = params.get("chat_id")
        if method in SENDING and chat_id in self.blocked:
            raise ApiError(403, "Forbidden: bot was blocked by the user", injected=True)
        for fault in list(self.faults):
            if fault.method not in ("*", method) or (fault.chat_id is not None and fault.chat_id != chat_id):
                continue
            if fault.rate is not None and self.rng.random() >= fault.rate:
                continue
            if fault.times is not None:
                fault.times -= 1
                if fault.times <= 0:
                    self.faults.remove(fault)
            if fault.late is not None or fault.drop or fault.hold:
                return fault
            raise ApiError(fault.code, fault.description, fault.retry_after, injected=True)
        return None

    def fail(self, method: str, code: int = 500, *, times: int | None = 1, rate: float | None = None,
             retry_after: int | None = None, chat_id: int | None = None, description: str | None = None,
             late: float | None = None, drop: bool = False) -> Fault:
        """Make calls fail: 429 (give retry_after), 500, 403... `rate` fails that share of calls, for good;
        `late`: performed, answered after that many seconds; `drop`: the connection drops, nothing performed."""
        text = description or {429: f"Too Many Requests: retry after {retry_after}", 403: "Forbidden",
                               400: "Bad Request"}.get(code, "Internal Server Error")
        fault = Fault(method, code, text, None if rate is not None else times, rate, retry_after, chat_id, late, drop)
        self.faults.append(fault)
        return fault

    def hold(self, method: str, *, chat_id: int | None = None, times: int | None = None) -> Fault:
        """Calls that get no answer until release(), and are never performed: a process killed mid-call."""
        fault = Fault(method, 500, "Internal Server Error", times, chat_id=chat_id, hold=True)
        self.faults.append(fault)
        return fault

    def release(self) -> None:
        """End every hold: held calls are answered 500 (their client is gone by then), new ones go through."""
        self.faults = [fault for fault in self.faults if not fault.hold]
        self.released.set()

    def enforce_limits(self, **limits: Any) -> RateLimits:
        """Answer sends beyond Telegram's limits with 429 from now on (tests/telegram_limits.py; override any)."""
        self.limits = RateLimits(**{"sends": self.limits.sends, **limits, "enforced": True})
        return self.limits

    def tolerate(self, *fragments: str) -> None:
        """Refusals this test provokes on purpose (a double tap, a stale press): not counted as broken rules."""
        if self.tolerated is not None:
            self.tolerated.extend(fragments)

    def unexpected_refusals(self) -> list[tuple[str, str]]:
        """Calls Telegram would have refused that the test did not expect, even if the bot swallowed the error."""
        if self.tolerated is None:
            return []
        return [(m, d) for m, d in self.broken_rules if not any(f in d for f in self.tolerated)]

    # ---------------------------------------------------------------- actors
    def user(self, user_id: int = 1001, *, first_name: str = "Anna", language_code: str | None = "sv",
             username: str | None = None) -> UserHandle:
        """A person with a private chat with the bot (created on first use)."""
        self.chats.setdefault(user_id, Chat(id=user_id, type="private", first_name=first_name, username=username))
        return UserHandle(self, {"id": user_id, "is_bot": False, "first_name": first_name,
                                 **({"language_code": language_code} if language_code else {}),
                                 **({"username": username} if username else {})})

    def group(self, chat_id: int = -1001000000001, *, title: str = "Kulturlots staff", is_forum: bool = True) -> Chat:
        """A supergroup the bot is in as an admin (as the README asks for a staff group), with forum topics or without."""
        chat = self.chats.setdefault(chat_id, Chat(id=chat_id, type="supergroup", title=title, is_forum=is_forum,
                                                   next_message_id=2))  # 1 was the group's creation
        chat.is_forum = is_forum
        chat.members.setdefault(self.bot_id, "administrator")
        return chat

    def anonymous_admin(self, chat: Chat, *, signature: str | None = None) -> UserHandle:
        """A group admin who remains anonymous: messages come from GroupAnonymousBot on behalf of the group."""
        handle = UserHandle(self, {"id": GROUP_ANONYMOUS_BOT, "is_bot": True, "first_name": "Group",
                                   "username": "GroupAnonymousBot"})
        handle.on_behalf = {"sender_chat": chat.ref(), **({"author_signature": signature} if signature else {})}
        return handle

    def channel(self, chat_id: int = -1002000000001, *, title: str = "Kulturnytt") -> Chat:
        return self.chats.setdefault(chat_id, Chat(id=chat_id, type="channel", title=title))

    def post(self, channel: Chat, text: str) -> dict[str, Any]:
        """A channel post: no `from`, the channel is its sender_chat."""
        return self.deliver({"channel_post": channel.new_message(None, sender_chat=channel.ref(), text=text)})

    def add_to_group(self, chat: Chat, by: UserHandle) -> None:
        """Someone adds the bot to a group: my_chat_member, then the new_chat_members service message."""
        member = {"user": self.me}
        self.deliver({"my_chat_member": {"chat": chat.ref(), "from": by.user, "date": int(time.time()),
                                         "old_chat_member": {"status": "left", **member},
                                         "new_chat_member": {"status": "member", **member}}})
        self.deliver({"message": chat.new_message(by.user, new_chat_members=[self.me])})

    def deliver(self, update: dict[str, Any]) -> dict[str, Any]:
        """Queue an update (a redelivery keeps its update_id when it has one)."""
        update.setdefault("update_id", next(self._update_ids))
        self._updates.append(update)
        asyncio.get_event_loop().call_soon(lambda: asyncio.ensure_future(self._notify()))
        return update

    def new_query(self, age: float = 0.0) -> str:
        """A callback query id Telegram would accept an answer for, pressed `age` seconds ago."""
        query_id = f"{next(self._query_ids)}{self.rng.randrange(10**12):012d}"
        self._queries[query_id] = time.monotonic() - age
        return query_id

    async def _notify(self) -> None:
        async with self._changed:
            self._changed.notify_all()

    def messages_to(self, chat_id: int, *, thread_id: int | None = None) -> list[dict[str, Any]]:
        return [m for m in self.sent if m["chat"]["id"] == chat_id
                and (thread_id is None or m.get("message_thread_id") == thread_id)]

    async def wait_for(self, predicate: Callable[[], Any], timeout: float = 5.0) -> Any:
        """Wait until the predicate holds (re-checked after every API call), or fail the test."""
        deadline = time.monotonic() + timeout
        async with self._changed:
            while not (value := predicate()):
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise TimeoutError("the bot did not do what the test waited for")
                try:
                    async with asyncio.timeout(min(remaining, 0.2)):
                        await self._changed.wait()
                except TimeoutError:
                    pass
            return value

    async def idle(self, calls: int = 0, timeout: float = 5.0) -> None:
        """Wait until every queued update was fetched and confirmed, and `calls` more API calls were made."""
        before = len(self.calls)

        def confirmed() -> bool:
            return not self._updates and len(self.calls) >= before + calls

        await self.wait_for(confirmed, timeout)

    # ---------------------------------------------------------------- API methods: basics
    async def api_getme(self, params: dict[str, Any]) -> dict[str, Any]:
        return {**self.me, "can_join_groups": True, "can_read_all_group_messages": True,
                "supports_inline_queries": False}

    # ---------------------------------------------------------------- webhook
    def behind_proxy(self, *origins: str) -> None:
        """The proxy in front of the bot: a request for the webhook's URL lands on one of these http://host:port."""
        self.outgoing.origins = list(origins)

    async def api_setwebhook(self, params: dict[str, Any]) -> bool:
        self.hook = checked_hook(params)
        if params.get("drop_pending_updates"):
            self._updates = []
        if self.hook is not None and (self._pusher is None or self._pusher.done()):
            self._pusher = asyncio.create_task(self._push(), name="webhook pusher")
        return True

    async def api_deletewebhook(self, params: dict[str, Any]) -> bool:
        self.hook = None
        if params.get("drop_pending_updates"):
            self._updates = []
        return True

    async def api_getwebhookinfo(self, params: dict[str, Any]) -> dict[str, Any]:
        return info(self.hook, self.outgoing, len(self._updates))

    async def _push(self) -> None:
        """Post queued updates to the webhook while one is set: one per chat at a time, up to max_connections."""
        async with aiohttp.ClientSession() as session:
            posting: set[asyncio.Task[None]] = set()
            while not self._closing and (hook := self.hook) is not None:
                for update in sorted(self._updates, key=lambda u: u["update_id"]):
                    key = chat_key(update)
                    if len(self.outgoing.in_flight) >= hook.max_connections:
                        break
                    if key in self.outgoing.in_flight or update["update_id"] in self.outgoing.in_flight.values():
                        continue
                    if not self._allowed(update, hook.allowed_updates):
                        self._updates.remove(update)
                        continue
                    self.outgoing.in_flight[key] = update["update_id"]
                    task = asyncio.create_task(self._post_one(session, hook, update, key))
                    posting.add(task)
                    task.add_done_callback(posting.discard)
                async with self._changed:
                    with contextlib.suppress(TimeoutError):
                        async with asyncio.timeout(0.2):
                            await self._changed.wait()
            for task in posting:
                task.cancel()
            await asyncio.gather(*posting, return_exceptions=True)

    async def _post_one(self, session: aiohttp.ClientSession, hook: Hook, update: dict[str, Any], key: str) -> None:
        """One update until the webhook takes it (2XY), repeated with a growing pause, or given up."""
        delay = self.webhook_retry
        try:
            for _ in range(self.webhook_attempts):
                url = target(hook.url, self.outgoing.origins, self.rng)
                status = await post_update(session, url, update, hook.secret)
                self.outgoing.posted.append((update["update_id"], url, status))
                if 200 <= status < 300:
                    if self.rng.random() < self.outgoing.repeat:  # its answer lost on the way: Telegram sends it again
                        again = target(hook.url, self.outgoing.origins, self.rng)
                        self.outgoing.posted.append((update["update_id"], again,
                                                     await post_update(session, again, update, hook.secret)))
                    break
                note_error(self.outgoing, status)
                if self._closing or self.hook is not hook:
                    return  # stays queued for whoever takes updates next
                await asyncio.sleep(delay)
                delay = min(delay * 2, 5.0)
            self._updates = [u for u in self._updates if u["update_id"] != update["update_id"]]
        finally:
            self.outgoing.in_flight.pop(key, None)
            await self._notify()

    async def api_getupdates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        if self.hook is not None:
            raise refuse_polling()
        offset = int(params.get("offset") or 0)
        if offset:
            self._updates = [u for u in self._updates if u["update_id"] >= offset]
        limit = int(params.get("limit") or 100)
        if not 1 <= limit <= 100:
            limit = 100
        deadline = time.monotonic() + float(params.get("timeout") or 0)
        async with self._changed:
            while not self._updates and not self._closing and time.monotonic() < deadline:
                try:
                    async with asyncio.timeout(max(0.0, deadline - time.monotonic())):
                        await self._changed.wait()
                except TimeoutError:
                    break
        wanted = params.get("allowed_updates") or None
        self._updates = [u for u in self._updates if self._allowed(u, wanted)]
        return sorted(self._updates, key=lambda u: u["update_id"])[:limit]

    @staticmethod
    def _allowed(update: dict[str, Any], wanted: list[str] | None) -> bool:
        kind = next(k for k in update if k != "update_id")
        return kind in wanted if wanted else kind not in OPT_IN_UPDATES

    def _chat(self, params: dict[str, Any], key: str = "chat_id") -> Chat:
        require(params, key)
        value = params[key]
        chat = (self.chats.get(value) if isinstance(value, int)
                else next((c for c in self.chats.values() if f"@{c.username}" == value), None))
        if chat is None:
            raise bad_request("chat not found")
        return chat

    # ---------------------------------------------------------------- sending
    def _bot_message(self, chat: Chat, params: dict[str, Any], **content: Any) -> dict[str, Any]:
        """Store what the bot sent, placed in its topic or as its reply, after checking both exist."""
        markup = check_reply_markup(params.get("reply_markup"))
        thread, replied = self._placement(chat, params)
        message = chat.new_message(self.me, **content)
        chat.place(message, thread, replied)
        if markup:
            message["reply_markup"] = markup
        self.sent.append(message)
        self.timeline.append((time.monotonic(), chat.id))
        return message

    @staticmethod
    def _placement(chat: Chat, params: dict[str, Any]) -> tuple[int | None, dict[str, Any] | None]:
        """The topic and the replied message of an outgoing message, as Telegram resolves them."""
        reply = params.get("reply_parameters")
        if reply is None and params.get("reply_to_message_id"):
            reply = {"message_id": params["reply_to_message_id"],
                     "allow_sending_without_reply": params.get("allow_sending_without_reply")}
        replied = None
        if reply:
            if reply.get("chat_id") not in (None, chat.id):
                raise bad_request("replies to other chats are not supported by the emulator")
            replied = chat.messages.get(int(reply["message_id"]))
            if replied is None and not reply.get("allow_sending_without_reply"):
                raise bad_request("message to be replied not found")
        thread = params.get("message_thread_id")
        if chat.type == "private":  # documented "for forum supergroups only": a private chat ignores it
            return None, replied
        if thread is not None:
            known = chat.topics if chat.is_forum else chat.messages  # a non-forum thread is a reply thread
            if int(thread) not in known:
                raise bad_request("message thread not found")
            return int(thread), replied
        if replied is not None and replied.get("is_topic_message"):
            return replied["message_thread_id"], replied  # a reply stays in the replied message's topic
        return None, replied

    async def api_sendmessage(self, params: dict[str, Any]) -> dict[str, Any]:
        chat = self._chat(params)
        require(params, "text")
        shown = check_text(params["text"], params.get("parse_mode"))
        message = self._bot_message(chat, params, text=shown)
        self._sources[(chat.id, message["message_id"])] = str(params["text"])
        return message

    async def api_senddocument(self, params: dict[str, Any]) -> dict[str, Any]:
        """sendDocument: an upload (multipart) is stored so getFile serves it; a file_id or URL is sent as it is."""
        chat = self._chat(params)
        document = params.get("document")
        caption = check_caption(params.get("caption"), params.get("parse_mode"))
        if isinstance(document, dict):  # an upload: only a multipart/form-data request carries one
            self.documents.append({"chat_id": chat.id, **document})
            name, ids = document["filename"], self.add_file(document["content"])
        elif isinstance(document, str) and document:
            self.documents.append({"chat_id": chat.id, "file_id": document})
            name, ids = document.rsplit("/", 1)[-1], {"file_id": document, "file_unique_id": document}
        else:
            raise bad_request("there is no document in the request")
        return self._bot_message(chat, params, document={**ids, "file_name": name},
                                 **({"caption": caption} if caption else {}))

    async def api_getfile(self, params: dict[str, Any]) -> dict[str, Any]:
        """getFile: a File with a file_path valid for an hour, for files up to 20 MB; an unknown id is refused."""
        require(params, "file_id")
        file_id = str(params["file_id"])
        if file_id not in self.files:
            raise bad_request("invalid file_id")
        size = len(self.files[file_id])
        if size > DOWNLOAD_MAX:
            raise bad_request("file is too big")
        path = f"documents/file_{len(self._file_paths)}"
        self._file_paths[path] = file_id
        return {"file_id": file_id, "file_unique_id": f"u-{file_id}", "file_size": size, "file_path": path}

    async def api_copymessage(self, params: dict[str, Any]) -> dict[str, Any]:
        """copyMessage: the content of a message (text or media with its caption) sent anew by the bot, without a
        link to the original; service messages cannot be copied. Returns a MessageId."""
        chat = self._chat(params)
        source = self._chat(params, "from_chat_id")
        require(params, "message_id")
        original = source.messages.get(int(params["message_id"]))
        if original is None:
            raise bad_request("message to copy not found")
        content = {k: v for k, v in original.items() if k in COPYABLE}
        if not content:
            raise bad_request("message can't be copied")
        message = self._bot_message(chat, params, **content)
        return {"message_id": message["message_id"]}

    async def api_sendchataction(self, params: dict[str, Any]) -> bool:
        self._chat(params)
        require(params, "action")
        if params["action"] not in CHAT_ACTIONS:
            raise bad_request("wrong parameter action in request")
        return True

    # ---------------------------------------------------------------- editing
    def _own(self, params: dict[str, Any], verb: str) -> dict[str, Any]:
        """A message of the bot's to edit or delete, or Telegram's refusal."""
        if params.get("inline_message_id"):
            raise bad_request("MESSAGE_ID_INVALID")  # Kulturlots has no inline mode: no such messages exist
        chat = self._chat(params)
        require(params, "message_id")
        message = chat.messages.get(int(params["message_id"]))
        if message is None:
            raise bad_request(f"message to {verb} not found")
        if message.get("from", {}).get("id") != self.bot_id:
            raise bad_request(f"message can't be {verb}ed" if verb == "edit" else f"message can't be {verb}d")
        return message

    async def api_editmessagetext(self, params: dict[str, Any]) -> dict[str, Any]:
        message = self._own(params, "edit")
        require(params, "text")
        if "text" not in message:
            raise bad_request("there is no text in the message to edit")
        shown = check_text(params.get("text"), params.get("parse_mode"))
        markup = check_reply_markup(params.get("reply_markup"))
        key = (message["chat"]["id"], message["message_id"])
        if (shown, str(params["text"]), markup or None) == (message["text"], self._sources.get(key),
                                                            message.get("reply_markup")):
            raise ApiError(400, NOT_MODIFIED)
        message["text"], self._sources[key] = shown, str(params["text"])
        self._set_markup(message, markup)
        return message

    async def api_editmessagereplymarkup(self, params: dict[str, Any]) -> dict[str, Any]:
        message = self._own(params, "edit")
        markup = check_reply_markup(params.get("reply_markup"))
        if (markup or None) == message.get("reply_markup"):
            raise ApiError(400, NOT_MODIFIED)
        self._set_markup(message, markup)
        return message

    @staticmethod
    def _set_markup(message: dict[str, Any], markup: dict[str, Any] | None) -> None:
        message["edit_date"] = int(time.time())
        if markup and markup.get("inline_keyboard"):
            message["reply_markup"] = markup
        else:
            message.pop("reply_markup", None)

    async def api_deletemessage(self, params: dict[str, Any]) -> bool:
        message = self._own(params, "delete")
        del self.chats[message["chat"]["id"]].messages[message["message_id"]]
        if message in self.sent:
            self.sent.remove(message)
        return True

    async def api_answercallbackquery(self, params: dict[str, Any]) -> bool:
        """Once per press, within Telegram's deadline, with a short notification text."""
        require(params, "callback_query_id")
        query_id = str(params["callback_query_id"])
        pressed = self._queries.get(query_id)
        if pressed is None or query_id in self._answered or time.monotonic() - pressed > self.answer_deadline:
            raise ApiError(400, QUERY_TOO_OLD)
        if utf16_len(str(params.get("text") or "")) > ANSWER_TEXT_MAX:
            raise bad_request("MESSAGE_TOO_LONG")
        self._answered.add(query_id)
        self.answered_callbacks.append(params)
        return True

    # ---------------------------------------------------------------- commands and descriptions
    @staticmethod
    def _scope(params: dict[str, Any]) -> tuple[str, str]:
        scope = params.get("scope") or {"type": "default"}
        kinds = {"default", "all_private_chats", "all_group_chats", "all_chat_administrators", "chat",
                 "chat_administrators", "chat_member"}
        if scope.get("type") not in kinds or (scope["type"].startswith("chat") and "chat_id" not in scope):
            raise bad_request("can't parse BotCommandScope")
        if scope["type"] == "chat_member" and "user_id" not in scope:
            raise bad_request("can't parse BotCommandScope")
        where = "".join(f":{scope[k]}" for k in ("chat_id", "user_id") if k in scope)  # ("chat:-100…", "sv")
        return scope["type"] + where, str(params.get("language_code") or "")

    async def api_setmycommands(self, params: dict[str, Any]) -> bool:
        require(params, "commands")
        self.commands[self._scope(params)] = check_commands(params["commands"], params.get("language_code"))
        return True

    async def api_getmycommands(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        return self.commands.get(self._scope(params), [])

    async def api_deletemycommands(self, params: dict[str, Any]) -> bool:
        self.commands.pop(self._scope(params), None)
        return True

    async def api_setmydescription(self, params: dict[str, Any]) -> bool:
        if len(str(params.get("description") or "")) > 512:
            raise bad_request("description is too long")
        return True

    async def api_setmyshortdescription(self, params: dict[str, Any]) -> bool:
        if len(str(params.get("short_description") or "")) > 120:
            raise bad_request("short description is too long")
        return True

    # ---------------------------------------------------------------- chats and topics
    async def api_getchat(self, params: dict[str, Any]) -> dict[str, Any]:
        chat = self._chat(params)
        return {**chat.ref(), "accent_color_id": 0, "max_reaction_count": 11,
                "accepted_gift_types": {"unlimited_gifts": False, "limited_gifts": False, "unique_gifts": False,
                                        "premium_subscription": False, "gifts_from_channels": False}}

    async def api_getchatmember(self, params: dict[str, Any]) -> dict[str, Any]:
        chat = self._chat(params)
        require(params, "user_id")
        user_id = int(params["user_id"])
        status = chat.members.get(user_id, "left")
        member: dict[str, Any] = {"status": status, "user": {"id": user_id, "is_bot": False, "first_name": "User"}}
        if status == "administrator":
            member.update(can_be_edited=False, is_anonymous=False, **self._admin_rights(chat, user_id))
        if status == "creator":
            member["is_anonymous"] = False
        if status == "kicked":
            member["until_date"] = 0
        return member

    @staticmethod
    def _admin_rights(chat: Chat, user_id: int) -> dict[str, bool]:
        """An admin's rights in this chat: the usual ones, those only its kind of chat has, and any changed."""
        rights = dict(ADMIN_RIGHTS)
        if chat.type in ("group", "supergroup"):
            rights["can_pin_messages"] = True
        if chat.type == "supergroup":
            rights["can_manage_topics"] = True
        rights.update({k: v for k, v in chat.rights.get(user_id, {}).items() if k in rights})
        return rights

    def _manages_topics(self, chat: Chat) -> bool:
        """The bot may create, rename, close and reopen any topic: creator, or admin with can_manage_topics."""
        status = chat.members.get(self.bot_id)
        return status == "creator" or (status == "administrator"
                                       and self._admin_rights(chat, self.bot_id).get("can_manage_topics", False))

    async def api_createforumtopic(self, params: dict[str, Any]) -> dict[str, Any]:
        """A topic is its forum_topic_created service message: the topic's thread id is that message's id.
        The bot must be an admin with can_manage_topics."""
        chat = self._chat(params)
        if not chat.is_forum:
            raise bad_request("the chat is not a forum")
        if not self._manages_topics(chat):
            raise bad_request("not enough rights to create a topic")
        name = str(params.get("name") or "")
        if not name:
            raise bad_request('parameter "name" is required')
        if len(name) > TOPIC_NAME_MAX:
            raise bad_request("TOPIC_TITLE_TOO_LONG")
        topic = {"name": name, "icon_color": int(params.get("icon_color") or 7322096)}
        created = chat.new_message(self.me, forum_topic_created=topic)
        thread = created["message_id"]
        created.update(message_thread_id=thread, is_topic_message=True)
        chat.topics[thread] = name
        chat.topic_creators[thread] = self.bot_id
        self.deliver({"message": dict(created)})  # the bot, as an admin, sees the service message too
        return {"message_thread_id": thread, **topic}

    def _managed_topic(self, params: dict[str, Any]) -> tuple[Chat, int]:
        """A topic the bot may manage: its own, or any where it is an admin (can_manage_topics)."""
        chat = self._chat(params)
        if not chat.is_forum:
            raise bad_request("the chat is not a forum")
        require(params, "message_thread_id")
        thread = int(params["message_thread_id"])
        if thread not in chat.topics:
            raise bad_request("message thread not found")
        if chat.topic_creators.get(thread) != self.bot_id and not self._manages_topics(chat):
            raise bad_request("not enough rights to manage topics")
        return chat, thread

    def _topic_event(self, chat: Chat, thread: int, **event: Any) -> None:
        """The service message a topic change leaves in the topic, delivered to the bot as an update."""
        message = chat.new_message(self.me, message_thread_id=thread, is_topic_message=True, **event)
        message["reply_to_message"] = _quoted(chat.messages[thread])
        self.deliver({"message": dict(message)})

    async def api_editforumtopic(self, params: dict[str, Any]) -> bool:
        """A new name (0-128 characters; empty keeps the name) and/or icon; the same name again is no change."""
        chat, thread = self._managed_topic(params)
        name = str(params.get("name") or "")
        if len(name) > TOPIC_NAME_MAX:
            raise bad_request("TOPIC_TITLE_TOO_LONG")
        if (not name or name == chat.topics[thread]) and "icon_custom_emoji_id" not in params:
            raise bad_request("TOPIC_NOT_MODIFIED")
        if name and name != chat.topics[thread]:
            chat.topics[thread] = name
            self._topic_event(chat, thread, forum_topic_edited={"name": name})
        return True

    async def api_closeforumtopic(self, params: dict[str, Any]) -> bool:
        chat, thread = self._managed_topic(params)
        if thread in chat.closed_topics:
            raise bad_request("TOPIC_NOT_MODIFIED")
        chat.closed_topics.add(thread)
        self._topic_event(chat, thread, forum_topic_closed={})
        return True

    async def api_reopenforumtopic(self, params: dict[str, Any]) -> bool:
        chat, thread = self._managed_topic(params)
        if thread not in chat.closed_topics:
            raise bad_request("TOPIC_NOT_MODIFIED")
        chat.closed_topics.discard(thread)
        self._topic_event(chat, thread, forum_topic_reopened={})
        return True


class UserHandle:
    """A person in Telegram: writes, edits, presses buttons, sends media; reads what the bot sent them."""

    def __init__(self, emulator: BotApiEmulator, user: dict[str, Any]) -> None:
        self.emulator, self.user = emulator, user
        self.id: int = user["id"]
        self.on_behalf: dict[str, Any] = {}  # sender_chat (and author_signature) of an anonymous admin
        self._read = 0

    @property
    def chat(self) -> Chat:
        return self.emulator.chats[self.id]

    def _write(self, chat: Chat, thread_id: int | None = None, reply_to: int | None = None,
               **content: Any) -> dict[str, Any]:
        """A new message from this person, placed as Telegram places it, and its update queued."""
        replied = chat.messages[reply_to] if reply_to is not None else None
        if thread_id is None and replied is not None and replied.get("is_topic_message"):
            thread_id = replied["message_thread_id"]
        if thread_id in chat.closed_topics and chat.members.get(self.id) not in ("administrator", "creator") \
                and not self.on_behalf:
            raise PermissionError("only admins can write in a closed topic (Telegram's app offers no text field)")
        message = chat.new_message(self.user, **self.on_behalf, **content)
        chat.place(message, thread_id, replied)
        return self.emulator.deliver({"message": message})

    def _text(self, text: str, *, mention: bool) -> dict[str, Any]:
        """Text with a bot_command entity at offset 0 for a /command (with @botname when `mention`)."""
        content: dict[str, Any] = {"text": text}
        if command := re.match(r"/[A-Za-z0-9_]{1,32}(@[A-Za-z0-9_]+)?", text):
            if mention and not command.group(1):
                text = f"{command.group()}@{self.emulator.username}{text[command.end():]}"
                content["text"] = text
                command = re.match(r"/\S+", text)
                assert command is not None
            content["entities"] = [{"type": "bot_command", "offset": 0, "length": utf16_len(command.group())}]
        return content

    async def send(self, text: str) -> dict[str, Any]:
        """Write to the bot in private; returns the update."""
        return self._write(self.chat, **self._text(text, mention=False))

    async def reply(self, message: dict[str, Any], text: str) -> dict[str, Any]:
        """Reply in private to a message the bot sent (swipe, Reply): the update carries reply_to_message."""
        return self._write(self.chat, reply_to=message["message_id"], **self._text(text, mention=False))

    async def send_in(self, chat: Chat, text: str, *, thread_id: int | None = None, reply_to: int | None = None,
                      mention: bool = True) -> dict[str, Any]:
        """Write in a group: in a forum topic, as a reply, or in General. A group command carries @botname,
        as Telegram clients send it when it is picked from the menu (`mention=False` types it bare)."""
        return self._write(chat, thread_id, reply_to, **self._text(text, mention=mention))

    async def edit(self, update: dict[str, Any], text: str) -> dict[str, Any]:
        """Edit a message sent earlier: an edited_message update with the same message id."""
        message = update["message"]
        edited = {**message, **self._text(text, mention=False), "edit_date": int(time.time())}
        if not text.startswith("/"):
            edited.pop("entities", None)
        self.emulator.chats[message["chat"]["id"]].messages[message["message_id"]] = edited
        return self.emulator.deliver({"edited_message": edited})

    async def forward(self, text: str, *, author: dict[str, Any] | None = None) -> dict[str, Any]:
        """Forward someone else's message into the private chat with the bot."""
        author = author or {"id": 4242, "is_bot": False, "first_name": "Olle"}
        return self._write(self.chat, text=text, forward_origin={"type": "user", "sender_user": author,
                                                                  "date": int(time.time()) - 3600})

    async def send_media(self, kind: str, *, caption: str | None = None) -> dict[str, Any]:
        """A sticker, voice, photo, document or location, with the fields the API requires."""
        file = {"file_id": f"{kind}-1", "file_unique_id": f"{kind}-u1"}
        content = {
            "sticker": {"sticker": {**file, "type": "regular", "width": 512, "height": 512, "is_animated": False,
                                    "is_video": False}},
            "voice": {"voice": {**file, "duration": 3}},
            "photo": {"photo": [{**file, "width": 90, "height": 90}]},
            "document": {"document": {**file, "file_name": "cv.pdf"}},
            "location": {"location": {"latitude": 59.1, "longitude": 16.2}},
        }[kind]
        if caption is not None:
            content["caption"] = caption
        return self._write(self.chat, **content)

    async def send_document_in(self, chat: Chat, name: str, content: bytes, *, thread_id: int | None = None,
                               caption: str | None = None) -> dict[str, Any]:
        """Send a file (an edited spreadsheet) in a chat, as a document message; its bytes are kept for getFile."""
        document = {**self.emulator.add_file(content), "file_name": name, "mime_type": _mime(name)}
        return self._write(chat, thread_id, **({"caption": caption} if caption else {}), document=document)

    async def press(self, message: dict[str, Any], data: str | None = None, *, label: str | None = None,
                    inline: bool = False, age: float = 0.0) -> dict[str, Any]:
        """Press an inline button of a bot message, by its callback data or its label. `inline` presses it on a
        message sent via inline mode (the query has inline_message_id, no message); `age` makes it that old."""
        buttons = [b for row in (message.get("reply_markup") or {}).get("inline_keyboard", []) for b in row]
        if label is not None:
            data = next(b["callback_data"] for b in buttons if b["text"] == label)
        query: dict[str, Any] = {"id": self.emulator.new_query(age), "from": self.user,
                                 "chat_instance": f"{self.emulator.bot_id}{abs(message['chat']['id'])}",
                                 "data": data}
        if inline:
            query["inline_message_id"] = "BAAAAGk7AAB4wp8O"
        else:
            query["message"] = message
        return self.emulator.deliver({"callback_query": query})

    async def block(self) -> dict[str, Any]:
        """Block the bot: sending to this person fails from now on, and the bot hears of it."""
        self.emulator.blocked.add(self.id)
        me = self.emulator.me
        return self.emulator.deliver({"my_chat_member": {
            "chat": self.chat.ref(), "from": self.user, "date": int(time.time()),
            "old_chat_member": {"status": "member", "user": me},
            "new_chat_member": {"status": "kicked", "user": me, "until_date": 0}}})

    @property
    def messages(self) -> list[dict[str, Any]]:
        return self.emulator.messages_to(self.id)

    async def next_message(self, timeout: float = 5.0) -> dict[str, Any]:
        """The next message the bot sends to this user (after those already read)."""
        await self.emulator.wait_for(lambda: len(self.messages) > self._read, timeout)
        self._read += 1
        return self.messages[self._read - 1]

    async def next_messages(self, count: int, timeout: float = 5.0) -> list[dict[str, Any]]:
        return [await self.next_message(timeout) for _ in range(count)]

    def skip_read(self) -> None:
        """Mark everything sent so far as read."""
        self._read = len(self.messages)


def _mime(name: str) -> str:
    """The mime_type Telegram reports for a document, by its extension."""
    return {"xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "yaml": "application/x-yaml",
            "yml": "application/x-yaml"}.get(name.rsplit(".", 1)[-1].lower(), "application/octet-stream")
