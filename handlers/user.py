"""Culture actors' updates into conversation events, and its Turn back into messages."""

from __future__ import annotations

import asyncio
import contextlib
import logging

from telegram import Bot, BotCommand, BotCommandScopeChat, CallbackQuery, InlineKeyboardMarkup, Message, Update
from telegram.constants import ChatAction, ChatType
from telegram.error import BadRequest, TelegramError

from bot.conversation.events import Command, Event, Media, Press, Sender, Text, Turn
from bot.i18n.catalog import Catalog
from bot.languages import LANGUAGES
from bot.storage.tables import utcnow
from handlers.answers import Recorder
from handlers.context import BotContext
from handlers.render import fit

log = logging.getLogger(__name__)

USER_COMMANDS = ("start", "help", "funding", "contacts", "networks", "events", "courses", "deadlines", "remind", "profile",
                 "language", "listme", "find", "human", "done", "forget", "mydata")
TOAST_LIMIT = 200  # characters Telegram shows in a button's notification
TYPING_AFTER = 1.0  # seconds a turn may take before the user sees "typing"
ACK_WINDOW = 10.0  # seconds after a press came in that it is acknowledged (Telegram keeps a query open about 15)
MEDIA = ("sticker", "voice", "photo", "document", "location", "video", "audio", "video_note", "animation", "contact")


def sender_of(update: Update) -> Sender:
    """Who wrote, where to answer and their app's language, from any update."""
    user, chat = update.effective_user, update.effective_chat
    assert user is not None and chat is not None
    return Sender(user_id=user.id, chat_id=chat.id, language_code=user.language_code, first_name=user.first_name,
                  username=user.username)


async def on_command(update: Update, context: BotContext) -> None:
    """A /command from a user in a private chat."""
    message = update.effective_message
    assert message is not None and message.text is not None
    name, _, args = message.text[1:].partition(" ")
    await respond(update, context, Command(sender_of(update), name.split("@")[0].lower(), args,
                                           update_id=update.update_id))


async def on_text(update: Update, context: BotContext) -> None:
    """Free text, or the caption of a photo or file (a poster with its question): the conversation logs it first."""
    message = update.effective_message
    assert message is not None
    text = message.text or message.caption
    assert text is not None
    replied = message.reply_to_message
    media = next((k for k in MEDIA if getattr(message, k, None)), None) if message.caption else None
    await respond(update, context, Text(sender_of(update), text, message.message_id, update.update_id,
                                        reply_to=replied.message_id if replied is not None else None, media=media))


async def on_media(update: Update, context: BotContext) -> None:
    """Stickers, voice, photos and the like get a short note in the user's language."""
    message = update.effective_message
    assert message is not None
    kind = next((k for k in MEDIA if getattr(message, k, None)), "other")
    await respond(update, context, Media(sender_of(update), kind, message.message_id))


async def on_press(update: Update, context: BotContext) -> None:
    """A button press: acknowledged at once, its keyboard spent, the reply sent or edited in."""
    query = update.callback_query
    assert query is not None
    chat = update.effective_chat
    if chat is None or chat.type != ChatType.PRIVATE or chat.id != query.from_user.id:
        # inline mode, or a message in a group: Kulturlots answers buttons only in the user's own chat with it
        await acknowledge(query, None, context)
        context.app.acknowledged.discard(query.id)
        return
    message = query.message if isinstance(query.message, Message) else None
    turn, record = await decide(update, context, Press(sender_of(update), query.data or "",
                                                       message.message_id if message else 0),
                                replace=message.message_id if message else None)
    await acknowledge(query, turn.toast, context)
    replaced = any(reply.replace for reply in turn.replies)
    if message is not None and (turn.replies or turn.toast) and not replaced:
        await spend_keyboard(message)
    await send_turn(update, context, turn, record)
    context.app.acknowledged.discard(query.id)


async def acknowledge(query: CallbackQuery, toast: str | None, context: BotContext) -> None:
    """Stop the button's spinner, once (the error handler then leaves it alone); a press handled too late to
    acknowledge (after a restart) still gets its reply; a press tried again after a failure is not answered twice."""
    if query.id in context.app.acknowledged:
        return
    context.app.acknowledged.add(query.id)
    if too_late(query.id, context):
        log.info("press %s not acknowledged: it waited past Telegram's deadline", query.id)
        return
    try:
        await query.answer(fit(toast, TOAST_LIMIT) if toast else None)
    except TelegramError as exc:  # "query is too old", a 429 or 5xx: the spinner stops by itself, the reply goes on
        log.info("press %s not acknowledged: %s", query.id, exc.message)


def too_late(query_id: str, context: BotContext) -> bool:
    """A press whose update waited here (behind its chat's earlier updates) longer than Telegram keeps the query
    open: Telegram would refuse the answer, and the spinner stopped by itself."""
    received = context.app.pressed.get(query_id)
    return received is not None and (utcnow() - received).total_seconds() > ACK_WINDOW


async def spend_keyboard(message: Message) -> None:
    """A pressed keyboard is spent: its buttons go, its links stay."""
    rows = [[b for b in row if b.url] for row in (message.reply_markup.inline_keyboard if message.reply_markup else ())]
    links = [row for row in rows if row]
    with contextlib.suppress(BadRequest):  # already edited, or too old to edit: nothing to spend
        await message.edit_reply_markup(InlineKeyboardMarkup(links) if links else None)


async def respond(update: Update, context: BotContext, event: Event) -> None:
    """The conversation's replies; "typing" first when they take noticeable time (as the Bot API recommends: a
    quick answer needs no sign of life, and an extra call per message is a fifth of the bot's work under load)."""
    chat = update.effective_chat
    assert chat is not None
    deciding = asyncio.ensure_future(decide(update, context, event))
    done, _ = await asyncio.wait({deciding}, timeout=TYPING_AFTER)
    if not done:
        try:
            await context.bot.send_chat_action(chat.id, ChatAction.TYPING)
        except TelegramError as exc:  # a courtesy: its failure must not cost the answer
            log.info("no typing action: %s", exc)
    await send_turn(update, context, *await deciding)


async def decide(update: Update, context: BotContext, event: Event, *,
                 replace: int | None = None) -> tuple[Turn, Recorder]:
    """The conversation's turn, its replies recorded in the outbox in the same commit (handlers/answers.py), and
    that record: the chat's outbox rows the commit left pending, in order, and whether it queued rows elsewhere."""
    chat = update.effective_chat
    assert chat is not None
    record = Recorder(chat_id=chat.id, update_id=update.update_id, catalog=context.app.services.catalog,
                      replace=replace)
    turn = await context.app.off_loop(context.app.conversation.handle, event, keep=record)
    context.app.kept.add(update.update_id)  # committed with the turn: the intake need not mark it again
    return turn, record


async def send_turn(update: Update, context: BotContext, turn: Turn, record: Recorder) -> None:
    """The recorded replies (the chat's pending rows) go now, in order, Telegram's limits and passing faults
    waited out (the outbox row is retried until it is sent); then the chat's menu, when the turn asks."""
    chat = update.effective_chat
    assert chat is not None
    if record.others or context.app.sender is None:  # a ticket's card and the like go with the sender's next round
        context.app.wake()
    if context.app.sender is not None:
        await context.app.sender.send_chat(chat.id, record.pending)
    if turn.menu_language:  # after the replies: a menu that fails to update must not cost the answer
        try:
            await context.bot.set_my_commands(menu(context.app.services.catalog, turn.menu_language),
                                              scope=BotCommandScopeChat(chat.id))
        except TelegramError as exc:
            log.warning("could not set the chat's command menu: %s", exc)


def menu(catalog: Catalog, language: str) -> list[BotCommand]:
    """The command menu in one language."""
    return [BotCommand(name, catalog(language, f"commands.{name}")) for name in USER_COMMANDS]


async def set_menus(bot: Bot, catalog: Catalog) -> None:
    """The command menu in each language, and English for everyone else; a failure is logged, not fatal."""
    try:
        for language in LANGUAGES:
            await bot.set_my_commands(menu(catalog, language), language_code=language)
        await bot.set_my_commands(menu(catalog, "en"))
    except TelegramError as exc:
        log.warning("could not set the command menus: %s", exc)
