"""The emulator speaks the Bot API closely enough for the real python-telegram-bot."""

import asyncio
from datetime import timedelta

import aiohttp
import pytest
from aiohttp import web
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import BadRequest, Conflict, Forbidden, NetworkError, RetryAfter
from telegram.ext import ApplicationBuilder, CallbackQueryHandler, ContextTypes, MessageHandler, filters

from tests.bot_api_rules import QUERY_TOO_OLD, ApiError, visible_text
from tests.emulator import BotApiEmulator


@pytest.fixture(autouse=True)
def refusals_are_the_point(emulator: BotApiEmulator) -> None:
    """These tests provoke refusals on purpose."""
    emulator.tolerated = None


def bot_for(emu: BotApiEmulator) -> Bot:
    return Bot(emu.token, base_url=emu.base_url, base_file_url=emu.base_file_url)


async def test_a_bot_sends_html_with_a_keyboard_and_a_document(emulator: BotApiEmulator) -> None:
    user = emulator.user(42)
    async with bot_for(emulator) as bot:
        assert (await bot.get_me()).username == "kulturlots_bot"
        markup = InlineKeyboardMarkup([[InlineKeyboardButton("Helpful", callback_data="fb:1:y")]])
        sent = await bot.send_message(42, "<b>Title</b> &amp; more", parse_mode="HTML", reply_markup=markup)
        await bot.send_document(42, document=b"a,b\n1,2\n", filename="needs.csv")
    assert sent.text == "Title & more"
    assert user.messages[0]["reply_markup"]["inline_keyboard"][0][0]["callback_data"] == "fb:1:y"
    assert emulator.documents[0]["filename"] == "needs.csv" and emulator.documents[0]["content"] == b"a,b\n1,2\n"


async def test_errors_reach_ptb_as_the_right_exceptions(emulator: BotApiEmulator) -> None:
    emulator.user(42)
    async with bot_for(emulator) as bot:
        with pytest.raises(BadRequest, match="parse entities"):
            await bot.send_message(42, "a <script> b", parse_mode="HTML")
        with pytest.raises(BadRequest, match=r"(?i)button_data_invalid"):
            await bot.send_message(42, "x", reply_markup=InlineKeyboardMarkup(
                [[InlineKeyboardButton("x", callback_data="x" * 65)]]))
        emulator.fail("sendMessage", 429, retry_after=3)
        with pytest.raises(RetryAfter) as flood:
            await bot.send_message(42, "x")
        assert flood.value.retry_after == timedelta(seconds=3)
        emulator.fail("sendMessage", 500)
        with pytest.raises(NetworkError):
            await bot.send_message(42, "x")
        emulator.blocked.add(42)
        with pytest.raises(Forbidden, match="blocked"):
            await bot.send_message(42, "x")


async def test_an_application_polls_answers_text_and_button_presses(emulator: BotApiEmulator) -> None:
    async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_chat is not None and update.effective_message is not None
        await update.effective_message.reply_text(f"echo: {update.effective_message.text}",
                                                  reply_markup=InlineKeyboardMarkup(
                                                      [[InlineKeyboardButton("ok", callback_data="ok")]]))

    async def pressed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.callback_query is not None
        await update.callback_query.answer("thanks")
        await update.callback_query.edit_message_text("pressed")

    app = (ApplicationBuilder().token(emulator.token).base_url(emulator.base_url)
           .base_file_url(emulator.base_file_url).build())
    app.add_handler(MessageHandler(filters.TEXT, echo))
    app.add_handler(CallbackQueryHandler(pressed))
    user = emulator.user(7)
    async with app:
        await app.start()
        assert app.updater is not None
        await app.updater.start_polling(poll_interval=0, timeout=1)
        await user.send("hej")
        reply = await user.next_message()
        assert reply["text"] == "echo: hej"
        await user.press(reply, "ok")
        await emulator.wait_for(lambda: user.messages[0]["text"] == "pressed")
        assert emulator.answered_callbacks[0]["text"] == "thanks"
        await app.updater.stop()
        await app.stop()
    await asyncio.sleep(0)


# ---------------------------------------------------------------- as strict as the documented Bot API
async def call(emu: BotApiEmulator, method: str, **params: object) -> tuple[int, dict[str, object]]:
    """A raw Bot API call, to see Telegram's exact status and wording."""
    async with aiohttp.ClientSession() as session, session.post(f"{emu.base_url}{emu.token}/{method}",
                                                                 json=params) as response:
        return response.status, await response.json()


async def test_an_unknown_method_is_not_found(emulator: BotApiEmulator) -> None:
    assert await call(emulator, "sendMesage", chat_id=42, text="x") == (
        404, {"ok": False, "error_code": 404, "description": "Not Found"})


@pytest.mark.parametrize(("method", "params", "description"), [
    ("sendMessage", {"text": "x"}, "Bad Request: chat_id is empty"),
    ("sendMessage", {"chat_id": 42}, "Bad Request: message text is empty"),
    ("sendMessage", {"chat_id": 42, "text": " \n "}, "Bad Request: message text is empty"),
    ("sendMessage", {"chat_id": 42, "text": "<b></b>", "parse_mode": "HTML"}, "Bad Request: message text is empty"),
    ("sendMessage", {"chat_id": 999, "text": "x"}, "Bad Request: chat not found"),
    ("sendMessage", {"chat_id": 42, "text": "🎭" * 2049}, "Bad Request: message is too long"),
    ("answerCallbackQuery", {}, 'Bad Request: parameter "callback_query_id" is required'),
    ("answerCallbackQuery", {"callback_query_id": "777"}, QUERY_TOO_OLD),
    ("sendChatAction", {"chat_id": 42, "action": "thinking"}, "Bad Request: wrong parameter action in request"),
    ("sendDocument", {"chat_id": 42}, "Bad Request: there is no document in the request"),
    ("editMessageText", {"chat_id": 42, "message_id": 99, "text": "x"}, "Bad Request: message to edit not found"),
    ("sendMessage", {"chat_id": 42, "text": "x", "reply_parameters": {"message_id": 99}},
     "Bad Request: message to be replied not found"),
    ("createForumTopic", {"chat_id": 42, "name": "x"}, "Bad Request: the chat is not a forum"),
])
async def test_refusals_use_telegrams_status_and_wording(emulator: BotApiEmulator, method: str,
                                                         params: dict[str, object], description: str) -> None:
    emulator.user(42)
    assert await call(emulator, method, **params) == (400, {"ok": False, "error_code": 400,
                                                            "description": description})


async def test_text_is_measured_in_utf16_units_after_entity_parsing(emulator: BotApiEmulator) -> None:
    emulator.user(42)
    assert (await call(emulator, "sendMessage", chat_id=42, text="🎭" * 2048))[0] == 200
    assert (await call(emulator, "sendMessage", chat_id=42, text=f"<b>{'a' * 4096}</b>", parse_mode="HTML"))[0] == 200
    assert (await call(emulator, "sendMessage", chat_id=42, text="&amp;" * 4097, parse_mode="HTML"))[0] == 400


@pytest.mark.parametrize("html", [
    "<b>bold</b> <strong>b</strong> <i>i</i> <em>e</em> <u>u</u> <ins>i</ins> <s>s</s> <strike>s</strike> <del>d</del>",
    '<span class="tg-spoiler">s</span> <tg-spoiler>s</tg-spoiler> <a href="https://example.org/?a=1&amp;b=2">l</a>',
    '<b>bold <i>italic <u>under</u></i></b> <code>x &lt; y</code> <pre><code class="language-python">x</code></pre>',
    "<blockquote>q</blockquote><blockquote expandable>long</blockquote> &quot;&#65;&#x42;&gt;",
    '<tg-emoji emoji-id="5368324170671202286">👍</tg-emoji> <B>upper case tags</B>',
])
def test_documented_html_is_accepted(html: str) -> None:
    assert visible_text(html, "HTML")


@pytest.mark.parametrize(("html", "error"), [
    ("a <script> b", 'Unsupported start tag "script" at byte offset 2'),
    ("<br>", 'Unsupported start tag "br"'),
    ("a < b", 'Unsupported start tag ""'),
    ("a > b", "unescaped '>'"),
    ("Tom & Jerry", "'&'"),
    ("&nbsp;", "'&'"),
    ("<b>x", 'Can\'t find end tag corresponding to start tag "b"'),
    ("x</b>", "Unexpected end tag at byte offset 1"),
    ("<b><i>x</b></i>", 'Unmatched end tag at byte offset 7, expected "</i>", found "</b>"'),
    ("<b", "Unclosed start tag at byte offset 0"),
    ('<span class="x">s</span>', 'Tag "span" must have class "tg-spoiler"'),
    ("<code><b>x</b></code>", 'Tag "b" can\'t be nested inside "code"'),
    ("<blockquote><blockquote>x</blockquote></blockquote>", "can't be nested"),
])
def test_html_outside_the_documented_style_is_refused(html: str, error: str) -> None:
    with pytest.raises(ApiError) as refused:
        visible_text(html, "HTML")
    assert refused.value.description.startswith("Bad Request: can't parse entities: ") and error in refused.value.description


@pytest.mark.parametrize(("button", "error"), [
    ({"text": "x"}, "Text buttons are unallowed in the inline keyboard"),
    ({"text": "x", "callback_data": "a", "url": "https://example.org"}, "exactly one"),
    ({"text": "x", "callback_data": ""}, "BUTTON_DATA_INVALID"),
    ({"text": "x", "callback_data": "å" * 33}, "BUTTON_DATA_INVALID"),  # 66 bytes
    ({"text": "x", "url": "mailto:kultur@flen.se"}, "Unsupported URL protocol"),
    ({"text": "x", "url": "www.flen.se"}, "Unsupported URL protocol"),
    ({"callback_data": "a"}, 'Can\'t find field "text"'),
])
async def test_inline_buttons_need_text_and_one_valid_action(emulator: BotApiEmulator, button: dict[str, str],
                                                            error: str) -> None:
    emulator.user(42)
    status, body = await call(emulator, "sendMessage", chat_id=42, text="x", reply_markup={"inline_keyboard": [[button]]})
    assert status == 400 and error in str(body["description"])


async def test_a_callback_query_is_answered_once_in_time_with_a_short_text(emulator: BotApiEmulator) -> None:
    fresh, stale = emulator.new_query(), emulator.new_query(age=emulator.answer_deadline + 1)
    assert (await call(emulator, "answerCallbackQuery", callback_query_id=fresh, text="x" * 201))[1]["description"] \
        == "Bad Request: MESSAGE_TOO_LONG"
    assert (await call(emulator, "answerCallbackQuery", callback_query_id=fresh, text="Tack!"))[0] == 200
    for query in (fresh, stale):  # answered already, or too late
        assert (await call(emulator, "answerCallbackQuery", callback_query_id=query))[1]["description"] == QUERY_TOO_OLD


@pytest.mark.parametrize(("commands", "language", "error"), [
    ([{"command": "Start", "description": "x"}], None, "BOT_COMMAND_INVALID"),
    ([{"command": "a" * 33, "description": "x"}], None, "command length must not exceed 32"),
    ([{"command": "start", "description": " "}], None, "command description must be non-empty"),
    ([{"command": "start", "description": "x" * 257}], None, "command description length must not exceed 256"),
    ([{"command": f"c{n}", "description": "x"} for n in range(101)], None, "BOT_COMMANDS_TOO_MUCH"),
    ([{"command": "start", "description": "x"}], "swe", "invalid language code specified"),
])
async def test_command_menus_follow_the_documented_limits(emulator: BotApiEmulator, commands: list[dict[str, str]],
                                                          language: str | None, error: str) -> None:
    params: dict[str, object] = {"commands": commands, **({"language_code": language} if language else {})}
    status, body = await call(emulator, "setMyCommands", **params)
    assert status == 400 and error in str(body["description"])


async def test_threads_and_edits_are_checked_against_the_chat(emulator: BotApiEmulator) -> None:
    emulator.user(42)
    forum, plain = emulator.group(-1001, is_forum=True), emulator.group(-1002, is_forum=False)
    async with bot_for(emulator) as bot:
        topic = await bot.create_forum_topic(forum.id, "#1 — fråga")
        with pytest.raises(BadRequest, match=r"(?i)topic_title_too_long"):
            await bot.create_forum_topic(forum.id, "x" * 129)
        in_topic = await bot.send_message(forum.id, "i ämnet", message_thread_id=topic.message_thread_id)
        for chat in (forum.id, plain.id):  # General is no thread; a non-forum has only reply threads
            with pytest.raises(BadRequest, match=r"(?i)message thread not found"):
                await bot.send_message(chat, "x", message_thread_id=1)
        private = await bot.send_message(42, "x", message_thread_id=5)  # documented for forums only: ignored
        with pytest.raises(BadRequest, match=r"(?i)message is not modified: specified new message content"):
            await bot.edit_message_text("i ämnet", forum.id, in_topic.message_id)
        await bot.edit_message_text("<b>i ämnet</b>", forum.id, in_topic.message_id, parse_mode="HTML")  # formatting
        await bot.send_message(42, "x", reply_to_message_id=99, allow_sending_without_reply=True)
    assert in_topic.is_topic_message and in_topic.message_thread_id == topic.message_thread_id
    assert in_topic.reply_to_message is not None and in_topic.reply_to_message.forum_topic_created is not None
    assert private.message_thread_id is None


async def test_a_topic_message_replies_to_the_topics_creation_and_group_commands_name_the_bot(
        emulator: BotApiEmulator) -> None:
    forum, staff = emulator.group(-1001, is_forum=True), emulator.user(900)
    async with bot_for(emulator) as bot:
        thread = (await bot.create_forum_topic(forum.id, "#1")).message_thread_id
    card = emulator.sent[-1] if emulator.sent else None
    assert card is None  # the topic's creation is a service message, not something the bot "sent"
    message = (await staff.send_in(forum, "/close klart", thread_id=thread))["message"]
    assert message["chat"]["type"] == "supergroup" and message["from"]["id"] == 900
    assert (message["message_thread_id"], message["is_topic_message"]) == (thread, True)
    assert message["reply_to_message"]["forum_topic_created"]["name"] == "#1"
    assert message["text"] == "/close@kulturlots_bot klart"
    assert message["entities"] == [{"type": "bot_command", "offset": 0, "length": len("/close@kulturlots_bot")}]
    general = (await staff.send_in(forum, "hej"))["message"]
    assert "message_thread_id" not in general and "reply_to_message" not in general
    private = (await emulator.user(42).send("/start abc"))["message"]
    assert private["chat"] == {"id": 42, "type": "private", "first_name": "Anna"} and isinstance(private["date"], int)


async def test_get_file_and_download_serve_what_was_sent_and_refuse_the_rest(emulator: BotApiEmulator) -> None:
    staff = emulator.user(42)
    sent = await staff.send_document_in(staff.chat, "base.xlsx", b"PK\x03\x04sheet")
    document = sent["message"]["document"]
    big = emulator.add_file(b"x" * (20 * 2**20 + 1))
    async with bot_for(emulator) as bot:
        file = await bot.get_file(document["file_id"])
        assert file.file_size == 9 and file.file_unique_id == document["file_unique_id"]
        assert bytes(await file.download_as_bytearray()) == b"PK\x03\x04sheet"
        with pytest.raises(BadRequest, match=r"(?i)invalid file_id"):
            await bot.get_file("no-such-file")
        with pytest.raises(BadRequest, match=r"(?i)file is too big"):
            await bot.get_file(big["file_id"])
        uploaded = await bot.send_document(42, document=b"a;b", filename="kb.xlsx")
        assert bytes(await (await bot.get_file(uploaded.document.file_id)).download_as_bytearray()) == b"a;b"
    async with aiohttp.ClientSession() as session, session.get(
            f"{emulator.base_file_url}{emulator.token}/documents/unknown") as response:
        assert response.status == 404


async def test_no_rate_limit_is_enforced_unless_asked_and_then_sends_beyond_it_get_429(emulator: BotApiEmulator) -> None:
    emulator.user(42)
    async with bot_for(emulator) as bot:
        for n in range(6):
            await bot.send_message(42, f"free {n}")  # the default: nothing enforced, only logged
        assert emulator.limits.most_within(3.0, chat_id=42) == 6
        emulator.limits.sends.clear()
        emulator.enforce_limits()
        for n in range(4):
            await bot.send_message(42, f"burst {n}")
        with pytest.raises(RetryAfter) as flood:
            await bot.send_message(42, "one too many")
    assert flood.value.retry_after == timedelta(seconds=3)
    assert len(emulator.limits.refused) == 1 and emulator.sent[-1]["text"] == "burst 3"


async def test_a_late_answer_is_performed_and_a_dropped_or_held_call_is_not(emulator: BotApiEmulator) -> None:
    emulator.user(42)
    emulator.fail("sendMessage", late=0.5)
    async with bot_for(emulator) as bot:
        with pytest.raises(NetworkError):
            await bot.send_message(42, "late", read_timeout=0.1)
        assert [m["text"] for m in emulator.sent] == ["late"]  # Telegram took it; the client never heard
        emulator.fail("sendMessage", drop=True)
        with pytest.raises(NetworkError):
            await bot.send_message(42, "dropped")
        emulator.hold("sendMessage", times=1)
        held = asyncio.create_task(bot.send_message(42, "held"))
        await emulator.wait_for(lambda: len(emulator.calls) >= 3 and emulator.calls[-1][1].get("text") == "held")
        emulator.release()
        with pytest.raises(NetworkError):
            await held
    assert [m["text"] for m in emulator.sent] == ["late"]


async def test_set_webhook_follows_the_documented_rules_and_turns_polling_off(emulator: BotApiEmulator) -> None:
    async with bot_for(emulator) as bot:
        with pytest.raises(BadRequest, match=r"(?i)https url must be provided"):
            await bot.set_webhook("http://bot.example.org/hook")
        with pytest.raises(BadRequest, match=r"(?i)ports 80, 88, 443 or 8443"):
            await bot.set_webhook("https://bot.example.org:8080/hook")
        with pytest.raises(BadRequest, match=r"(?i)unallowed characters"):
            await bot.set_webhook("https://bot.example.org/hook", secret_token="not/allowed")
        with pytest.raises(BadRequest, match=r"(?i)too long"):
            await bot.set_webhook("https://bot.example.org/hook", secret_token="x" * 257)
        assert (await bot.get_webhook_info()).url == ""
        assert await bot.set_webhook("https://bot.example.org:8443/hook", secret_token="ok_-9", max_connections=5)
        info = await bot.get_webhook_info()
        assert (info.url, info.max_connections, info.pending_update_count) == ("https://bot.example.org:8443/hook", 5, 0)
        with pytest.raises(Conflict, match=r"(?i)webhook is active"):
            await bot.get_updates()
        assert await bot.delete_webhook()
        assert (await bot.get_webhook_info()).url == "" and await bot.get_updates() == ()


async def test_the_webhook_gets_each_update_with_the_secret_and_failures_are_retried(emulator: BotApiEmulator) -> None:
    received: list[tuple[str | None, dict[str, object]]] = []
    status = [500]

    async def hook(request: web.Request) -> web.Response:
        received.append((request.headers.get("X-Telegram-Bot-Api-Secret-Token"), await request.json()))
        return web.Response(status=status[0])

    app = web.Application()
    app.router.add_post("/in/hook", hook)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    emulator.webhook_retry = 0.05
    emulator.behind_proxy(f"http://127.0.0.1:{site._server.sockets[0].getsockname()[1]}")  # type: ignore[union-attr]
    try:
        async with bot_for(emulator) as bot:
            await bot.set_webhook("https://bot.example.org/in/hook", secret_token="abc")
            update = await emulator.user(42).send("hello")
            await emulator.wait_for(lambda: len(received) >= 2, timeout=10)
            info = await bot.get_webhook_info()
            assert info.pending_update_count == 1
            assert info.last_error_message == "Wrong response from the webhook: 500 Internal Server Error"
            status[0] = 200
            await emulator.idle(timeout=10)
            assert (await bot.get_webhook_info()).pending_update_count == 0
    finally:
        await runner.cleanup()
    assert {secret for secret, _ in received} == {"abc"} and all(body == update for _, body in received)
