"""A local Telegram Bot API emulator for end-to-end tests of the real python-telegram-bot Application.

It speaks HTTP on 127.0.0.1 like api.telegram.org does (https://core.telegram.org/bots/api):
`/bot<token>/<method>` with JSON, form or multipart bodies, `{"ok": true, "result": ...}` replies and
`{"ok": false, "error_code", "description", "parameters"}` errors with the matching status. Tests act
as users and staff (`user.send`, `user.press`, `staff.send_in`), read what the bot sent, and inject
faults (429 with retry_after, 5xx, 403 for a user who blocked the bot).
"""

from __future__ import annotations

import asyncio
import itertools
import json
import random
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any

from aiohttp import web

JSON_FIELDS = {"reply_markup", "entities", "caption_entities", "reply_parameters", "commands", "scope",
               "link_preview_options", "allowed_updates", "media", "permissions"}
HTML_TAGS = {"b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "a", "code", "pre", "span",
             "tg-spoiler", "blockquote", "tg-emoji"}
ENTITY = re.compile(r"&(?:lt|gt|amp|quot|#\d+|#x[0-9a-fA-F]+);")


class ApiError(Exception):
    def __init__(self, code: int, description: str, retry_after: int | None = None) -> None:
        super().__init__(description)
        self.code, self.description, self.retry_after = code, description, retry_after


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


class _HtmlCheck(HTMLParser):
    """Telegram's HTML subset: known tags only, balanced; returns the visible text."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in HTML_TAGS:
            raise ApiError(400, f"Bad Request: can't parse entities: unsupported start tag \"{tag}\"")
        self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack.pop() != tag:
            raise ApiError(400, f"Bad Request: can't parse entities: unexpected end tag \"{tag}\"")

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def visible_text(text: str, parse_mode: str | None) -> str:
    """The text a user sees, validating HTML as the real server does."""
    if (parse_mode or "").upper() != "HTML":
        return text
    stripped = re.sub(r"</?([a-zA-Z-]+)(\s[^<>]*)?>", "", text)
    if "<" in stripped or ">" in stripped:
        raise ApiError(400, "Bad Request: can't parse entities: unsupported start tag or unescaped '<'")
    if "&" in ENTITY.sub("", stripped):
        raise ApiError(400, "Bad Request: can't parse entities: unescaped '&'")
    checker = _HtmlCheck()
    checker.feed(text)
    checker.close()
    if checker.stack:
        raise ApiError(400, f"Bad Request: can't parse entities: can't find end tag corresponding to \"{checker.stack[-1]}\"")
    return "".join(checker.text)


@dataclass
class Chat:
    id: int
    type: str
    title: str | None = None
    is_forum: bool = False
    members: dict[int, str] = field(default_factory=dict)  # user id -> status
    next_message_id: int = 1
    next_thread_id: int = 1000


class BotApiEmulator:
    """One bot, its chats and its update queue; start() it, point PTB's base_url at `base_url`."""

    def __init__(self, token: str = "123456:TEST-TOKEN", *, bot_id: int = 123456, username: str = "kulturlots_bot",
                 seed: int = 1) -> None:
        self.token, self.bot_id, self.username = token, bot_id, username
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.sent: list[dict[str, Any]] = []  # every message the bot sent, in order
        self.commands: dict[tuple[str, str], list[dict[str, Any]]] = {}
        self.documents: list[dict[str, Any]] = []
        self.answered_callbacks: list[dict[str, Any]] = []
        self.chats: dict[int, Chat] = {}
        self.blocked: set[int] = set()
        self.faults: list[Fault] = []
        self.rng = random.Random(seed)
        self._updates: list[dict[str, Any]] = []
        self._update_ids = itertools.count(1)
        self._changed = asyncio.Condition()
        self._runner: web.AppRunner | None = None
        self._closing = False
        self.port = 0

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
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/bot"

    @property
    def base_file_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/file/bot"

    async def _file(self, request: web.Request) -> web.Response:
        return web.json_response({"ok": False, "error_code": 404, "description": "Not Found"}, status=404)

    async def _handle(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return web.json_response({"ok": False, "error_code": 401, "description": "Unauthorized"}, status=401)
        method = request.match_info["method"]
        params = await self._params(request)
        self.calls.append((method, params))
        handler = getattr(self, f"api_{method.lower()}", None)
        try:
            if handler is None:
                raise ApiError(404, "Not Found")
            self._inject_fault(method, params)
            result = await handler(params)
        except ApiError as error:
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
        if not isinstance(value, str):
            return value
        if key in JSON_FIELDS or value[:1] in "[{":
            try:
                return json.loads(value)
            except ValueError:
                return value
        if re.fullmatch(r"-?\d+", value):
            return int(value)
        if value in ("true", "false"):
            return value == "true"
        return value

    def _inject_fault(self, method: str, params: dict[str, Any]) -> None:
        chat_id = params.get("chat_id")
        if method in ("sendMessage", "sendDocument", "copyMessage") and chat_id in self.blocked:
            raise ApiError(403, "Forbidden: bot was blocked by the user")
        for fault in list(self.faults):
            if fault.method not in ("*", method) or (fault.chat_id is not None and fault.chat_id != chat_id):
                continue
            if fault.rate is not None and self.rng.random() >= fault.rate:
                continue
            if fault.times is not None:
                fault.times -= 1
                if fault.times <= 0:
                    self.faults.remove(fault)
            raise ApiError(fault.code, fault.description, fault.retry_after)

    def fail(self, method: str, code: int = 500, *, times: int | None = 1, rate: float | None = None,
             retry_after: int | None = None, chat_id: int | None = None, description: str | None = None) -> Fault:
        """Make calls fail: 429 (give retry_after), 500, 403... `rate` fails that share of calls, for good."""
        text = description or {429: f"Too Many Requests: retry after {retry_after}", 403: "Forbidden",
                               400: "Bad Request"}.get(code, "Internal Server Error")
        fault = Fault(method, code, text, None if rate is not None else times, rate, retry_after, chat_id)
        self.faults.append(fault)
        return fault

    # ---------------------------------------------------------------- actors
    def user(self, user_id: int = 1001, *, first_name: str = "Anna", language_code: str | None = "sv",
             username: str | None = None) -> UserHandle:
        self.chats.setdefault(user_id, Chat(id=user_id, type="private"))
        return UserHandle(self, {"id": user_id, "is_bot": False, "first_name": first_name,
                                 **({"language_code": language_code} if language_code else {}),
                                 **({"username": username} if username else {})})

    def group(self, chat_id: int = -1001000000001, *, title: str = "Kulturlots staff", is_forum: bool = True) -> Chat:
        chat = self.chats.setdefault(chat_id, Chat(id=chat_id, type="supergroup", title=title, is_forum=is_forum))
        return chat

    def deliver(self, update: dict[str, Any]) -> dict[str, Any]:
        """Queue an update (a redelivery keeps its update_id when it has one)."""
        update.setdefault("update_id", next(self._update_ids))
        self._updates.append(update)
        asyncio.get_event_loop().call_soon(lambda: asyncio.ensure_future(self._notify()))
        return update

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

    # ---------------------------------------------------------------- API methods
    async def api_getme(self, params: dict[str, Any]) -> dict[str, Any]:
        return {"id": self.bot_id, "is_bot": True, "first_name": "Kulturlots", "username": self.username,
                "can_join_groups": True, "can_read_all_group_messages": True, "supports_inline_queries": False}

    async def api_deletewebhook(self, params: dict[str, Any]) -> bool:
        return True

    async def api_getupdates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        offset = int(params.get("offset") or 0)
        if offset:
            self._updates = [u for u in self._updates if u["update_id"] >= offset]
        limit = int(params.get("limit") or 100)
        deadline = time.monotonic() + float(params.get("timeout") or 0)
        async with self._changed:
            while not self._updates and not self._closing and time.monotonic() < deadline:
                try:
                    async with asyncio.timeout(max(0.0, deadline - time.monotonic())):
                        await self._changed.wait()
                except TimeoutError:
                    break
        return sorted(self._updates, key=lambda u: u["update_id"])[:limit]

    def _chat(self, chat_id: Any) -> Chat:
        chat = self.chats.get(int(chat_id))
        if chat is None:
            raise ApiError(400, "Bad Request: chat not found")
        return chat

    def _markup(self, params: dict[str, Any]) -> dict[str, Any] | None:
        markup = params.get("reply_markup")
        for row in (markup or {}).get("inline_keyboard", []):
            for button in row:
                data = button.get("callback_data")
                if data is not None and not 1 <= len(str(data).encode()) <= 64:
                    raise ApiError(400, "Bad Request: BUTTON_DATA_INVALID")
        return markup

    def _message(self, chat: Chat, params: dict[str, Any], **content: Any) -> dict[str, Any]:
        thread = params.get("message_thread_id")
        if thread is not None and not chat.is_forum:
            raise ApiError(400, "Bad Request: message thread not found")
        message: dict[str, Any] = {"message_id": chat.next_message_id, "date": int(time.time()),
                                   "chat": {"id": chat.id, "type": chat.type, **({"title": chat.title} if chat.title else {}),
                                            **({"is_forum": True} if chat.is_forum else {})},
                                   "from": {"id": self.bot_id, "is_bot": True, "first_name": "Kulturlots",
                                            "username": self.username}, **content}
        chat.next_message_id += 1
        if thread is not None:
            message["message_thread_id"] = int(thread)
            message["is_topic_message"] = True
        reply = params.get("reply_parameters") or ({"message_id": params["reply_to_message_id"]}
                                                   if params.get("reply_to_message_id") else None)
        if reply:
            message["reply_to_message"] = {"message_id": reply["message_id"], "chat": message["chat"], "date": 0}
        if (markup := self._markup(params)) is not None:
            message["reply_markup"] = markup
        self.sent.append(message)
        return message

    async def api_sendmessage(self, params: dict[str, Any]) -> dict[str, Any]:
        chat = self._chat(params["chat_id"])
        text = str(params.get("text", ""))
        shown = visible_text(text, params.get("parse_mode"))
        if not shown.strip():
            raise ApiError(400, "Bad Request: message text is empty")
        if len(shown) > 4096:
            raise ApiError(400, "Bad Request: message is too long")
        return self._message(chat, params, text=shown, raw_text=text)

    async def api_senddocument(self, params: dict[str, Any]) -> dict[str, Any]:
        chat = self._chat(params["chat_id"])
        document = params.get("document")
        if not isinstance(document, dict):
            raise ApiError(400, "Bad Request: there is no document in the request")
        self.documents.append({"chat_id": chat.id, **document})
        file_id = f"doc-{len(self.documents)}"
        return self._message(chat, params, document={"file_id": file_id, "file_unique_id": file_id,
                                                      "file_name": document["filename"]},
                             **({"caption": params["caption"]} if params.get("caption") else {}))

    def _stored(self, params: dict[str, Any]) -> dict[str, Any]:
        chat_id, message_id = int(params["chat_id"]), int(params["message_id"])
        for message in self.sent:
            if message["chat"]["id"] == chat_id and message["message_id"] == message_id:
                return message
        raise ApiError(400, "Bad Request: message to edit not found")

    async def api_editmessagetext(self, params: dict[str, Any]) -> dict[str, Any]:
        message = self._stored(params)
        shown = visible_text(str(params.get("text", "")), params.get("parse_mode"))
        if shown == message.get("text") and params.get("reply_markup") == message.get("reply_markup"):
            raise ApiError(400, "Bad Request: message is not modified")
        message["text"], message["raw_text"] = shown, params.get("text")
        message["reply_markup"] = self._markup(params)
        message["edit_date"] = int(time.time())
        return message

    async def api_editmessagereplymarkup(self, params: dict[str, Any]) -> dict[str, Any]:
        message = self._stored(params)
        message["reply_markup"] = self._markup(params)
        return message

    async def api_deletemessage(self, params: dict[str, Any]) -> bool:
        self.sent.remove(self._stored(params))
        return True

    async def api_answercallbackquery(self, params: dict[str, Any]) -> bool:
        self.answered_callbacks.append(params)
        return True

    async def api_sendchataction(self, params: dict[str, Any]) -> bool:
        self._chat(params["chat_id"])
        return True

    async def api_setmycommands(self, params: dict[str, Any]) -> bool:
        scope = (params.get("scope") or {}).get("type", "default")
        self.commands[(scope, params.get("language_code") or "")] = list(params["commands"])
        return True

    async def api_getmycommands(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        scope = (params.get("scope") or {}).get("type", "default")
        return self.commands.get((scope, params.get("language_code") or ""), [])

    async def api_deletemycommands(self, params: dict[str, Any]) -> bool:
        scope = (params.get("scope") or {}).get("type", "default")
        self.commands.pop((scope, params.get("language_code") or ""), None)
        return True

    async def api_setmydescription(self, params: dict[str, Any]) -> bool:
        return True

    async def api_setmyshortdescription(self, params: dict[str, Any]) -> bool:
        return True

    async def api_getchat(self, params: dict[str, Any]) -> dict[str, Any]:
        chat = self._chat(params["chat_id"])
        return {"id": chat.id, "type": chat.type, **({"title": chat.title} if chat.title else {}),
                **({"is_forum": True} if chat.is_forum else {}), "accent_color_id": 0, "max_reaction_count": 11,
                "accepted_gift_types": {"unlimited_gifts": False, "limited_gifts": False, "unique_gifts": False,
                                        "premium_subscription": False}}

    async def api_getchatmember(self, params: dict[str, Any]) -> dict[str, Any]:
        chat = self._chat(params["chat_id"])
        user_id = int(params["user_id"])
        status = chat.members.get(user_id, "left")
        member: dict[str, Any] = {"status": status, "user": {"id": user_id, "is_bot": False, "first_name": "User"}}
        if status == "administrator":
            member.update(can_be_edited=False, is_anonymous=False, can_manage_chat=True, can_delete_messages=True,
                          can_manage_video_chats=True, can_restrict_members=True, can_promote_members=False,
                          can_change_info=True, can_invite_users=True, can_post_stories=False,
                          can_edit_stories=False, can_delete_stories=False)
        if status == "creator":
            member["is_anonymous"] = False
        return member

    async def api_createforumtopic(self, params: dict[str, Any]) -> dict[str, Any]:
        chat = self._chat(params["chat_id"])
        if not chat.is_forum:
            raise ApiError(400, "Bad Request: the chat is not a forum")
        name = str(params.get("name", ""))
        if not 1 <= len(name) <= 128:
            raise ApiError(400, "Bad Request: TOPIC_TITLE_EMPTY" if not name else "Bad Request: TOPIC_TITLE_TOO_LONG")
        chat.next_thread_id += 1
        return {"message_thread_id": chat.next_thread_id, "name": name, "icon_color": 7322096}

    async def api_editforumtopic(self, params: dict[str, Any]) -> bool:
        self._chat(params["chat_id"])
        return True

    api_closeforumtopic = api_reopenforumtopic = api_editforumtopic


class UserHandle:
    """A person in Telegram: writes, presses buttons, sends media; reads what the bot sent them."""

    def __init__(self, emulator: BotApiEmulator, user: dict[str, Any]) -> None:
        self.emulator, self.user = emulator, user
        self.id: int = user["id"]
        self._read = 0
        self._message_ids = itertools.count(1)

    def _base(self, chat: Chat, thread_id: int | None = None, reply_to: int | None = None) -> dict[str, Any]:
        message: dict[str, Any] = {"message_id": 10_000 + next(self._message_ids), "date": int(time.time()),
                                   "from": self.user,
                                   "chat": {"id": chat.id, "type": chat.type,
                                            **({"title": chat.title} if chat.title else {}),
                                            **({"is_forum": True} if chat.is_forum else {}),
                                            **({"first_name": self.user["first_name"]} if chat.type == "private" else {})}}
        if thread_id is not None:
            message.update(message_thread_id=thread_id, is_topic_message=True)
        if reply_to is not None:
            original = next(m for m in self.emulator.sent if m["chat"]["id"] == chat.id and m["message_id"] == reply_to)
            message["reply_to_message"] = original
        return message

    def _text(self, message: dict[str, Any], text: str) -> dict[str, Any]:
        message["text"] = text
        if text.startswith("/"):
            command = text.split()[0]
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(command)}]
        return message

    async def send(self, text: str) -> dict[str, Any]:
        chat = self.emulator.chats[self.id]
        return self.emulator.deliver({"message": self._text(self._base(chat), text)})

    async def send_in(self, chat: Chat, text: str, *, thread_id: int | None = None,
                      reply_to: int | None = None) -> dict[str, Any]:
        """Write in a group (in a forum topic, or as a reply to one of the bot's messages)."""
        return self.emulator.deliver({"message": self._text(self._base(chat, thread_id, reply_to), text)})

    async def send_media(self, kind: str) -> dict[str, Any]:
        """A sticker, voice, photo, document or location, with the fields the API requires."""
        chat = self.emulator.chats[self.id]
        file = {"file_id": f"{kind}-1", "file_unique_id": f"{kind}-u1"}
        content = {
            "sticker": {"sticker": {**file, "type": "regular", "width": 512, "height": 512, "is_animated": False,
                                    "is_video": False}},
            "voice": {"voice": {**file, "duration": 3}},
            "photo": {"photo": [{**file, "width": 90, "height": 90}]},
            "document": {"document": {**file, "file_name": "cv.pdf"}},
            "location": {"location": {"latitude": 59.1, "longitude": 16.2}},
        }[kind]
        return self.emulator.deliver({"message": {**self._base(chat), **content}})

    async def press(self, message: dict[str, Any], data: str | None = None, *, label: str | None = None) -> dict[str, Any]:
        """Press an inline button of a bot message, by its callback data or its label."""
        buttons = [b for row in (message.get("reply_markup") or {}).get("inline_keyboard", []) for b in row]
        if label is not None:
            data = next(b["callback_data"] for b in buttons if b["text"] == label)
        query = {"id": str(next(self._message_ids)), "from": self.user, "chat_instance": str(message["chat"]["id"]),
                 "message": message, "data": data}
        return self.emulator.deliver({"callback_query": query})

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
