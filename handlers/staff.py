"""The staff group: replies in ticket topics are relayed, staff commands answered, outsiders refused."""

from __future__ import annotations

import asyncio
import logging
import tempfile
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Engine
from telegram import (
    Bot,
    BotCommand,
    BotCommandScopeChat,
    Message,
    Update,
)
from telegram.error import BadRequest, NetworkError, RetryAfter, TelegramError

from bot.desk.commands import HEAVY, STAFF_COMMANDS, StaffMessage
from bot.desk.outbox import Method, enqueue
from bot.desk.reports import StaffReply
from bot.i18n.catalog import Catalog
from bot.storage.database import session_scope
from handlers.context import BotContext
from handlers.delivery import retry_seconds
from handlers.render import fit, split_plain
from handlers.user import acknowledge, spend_keyboard

log = logging.getLogger(__name__)
CAPTION_LIMIT = 1024  # Telegram's limit on a document's caption
FILE_TRIES = 4  # a staff file through passing faults: tries before the failure is logged


__all__ = ["STAFF_COMMANDS", "on_staff_command", "on_staff_text", "set_staff_menu"]


async def set_staff_menu(bot: Bot, catalog: Catalog, *, chat_id: int, language: str) -> None:
    """The staff commands as the menu of the staff group only (in staff.language); users' menus stay theirs."""
    commands = [BotCommand(name, catalog(language, f"staff_commands.{name}")) for name in STAFF_COMMANDS]
    try:
        await bot.set_my_commands(commands, scope=BotCommandScopeChat(chat_id))
    except TelegramError as exc:  # a menu is a convenience: the commands work without it
        log.warning("could not set the staff group's command menu: %s", exc)


DOWNLOAD_LIMIT = 20 * 2**20  # getFile serves files of up to 20 MB (https://core.telegram.org/bots/api#getfile)
KB_FILES = (".xlsx", ".yaml", ".yml")


def staff_message(message: Message) -> StaffMessage:
    """What the desk needs of a staff message; an anonymous admin is named by their signature or the group."""
    user = message.from_user
    assert user is not None
    name = (message.author_signature or (message.sender_chat.title if message.sender_chat else None) or user.full_name
            if anonymous_admin(message) else user.full_name)
    reply_to = message.reply_to_message
    return StaffMessage(user_id=user.id, name=name or user.full_name, text=message.text or message.caption or "",
                        message_id=message.message_id,
                        thread_id=message.message_thread_id if message.is_topic_message else None,
                        reply_to=reply_to.message_id if reply_to and reply_to.from_user and reply_to.from_user.is_bot
                        else None, quoted=(reply_to.text or reply_to.caption) if reply_to else None)


def anonymous_admin(message: Message) -> bool:
    """An admin who remains anonymous writes as the group itself (from GroupAnonymousBot); only admins can."""
    return message.sender_chat is not None and message.sender_chat.id == message.chat_id


async def from_staff(message: Message, context: BotContext) -> bool:
    """Staff are listed or group members, or an anonymous admin; never a bot (the bot's own topic messages)."""
    if anonymous_admin(message):
        return True
    user = message.from_user
    return user is not None and not user.is_bot and await context.app.staff.is_staff(user.id)


async def on_staff_command(update: Update, context: BotContext) -> None:
    """A staff command in the staff group; anyone else there is told it is for staff."""
    message = update.effective_message
    assert message is not None and message.text is not None and message.from_user is not None
    name, _, args = message.text[1:].partition(" ")
    name = name.split("@")[0].lower()
    if not await from_staff(message, context):
        log.warning("refused /%s from a non-staff user in the staff group", name)
        await answer(message, StaffReply(context.app.desk.t("staff.not_staff")), context, key=f"staff:{update.update_id}")
        return
    run = context.app.apart if name in HEAVY else context.app.off_loop
    await answer(message, await run(context.app.desk.command, name, args, staff_message(message)), context,
                 key=f"staff:{update.update_id}")


async def on_staff_file(update: Update, context: BotContext) -> None:
    """A spreadsheet or YAML file from staff: downloaded, checked, and answered with its errors or its summary."""
    message = update.effective_message
    assert message is not None and message.document is not None
    if not await from_staff(message, context):
        return
    document, desk = message.document, context.app.desk
    name = Path(document.file_name or "upload.xlsx").name
    if document.file_size is not None and document.file_size > DOWNLOAD_LIMIT:
        await answer(message, StaffReply(desk.t("kb.too_big", name=name)), context, key=f"staff:{update.update_id}")
        return
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / name
        await (await context.bot.get_file(document.file_id)).download_to_drive(path)
        reply = await asyncio.to_thread(desk.stage, path, name=name, message=staff_message(message))
    await answer(message, reply, context, key=f"staff:{update.update_id}")


async def on_staff_press(update: Update, context: BotContext) -> None:
    """Publish or Cancel under a staged file's summary: staff only, acknowledged at once, the buttons spent."""
    query = update.callback_query
    assert query is not None
    message = query.message if isinstance(query.message, Message) else None
    staff = context.app.staff
    allowed = message is not None and message.chat_id == context.app.services.settings.staff.group_chat_id and (
        not query.from_user.is_bot and await staff.is_staff(query.from_user.id))
    await acknowledge(query, None if allowed else context.app.desk.t("staff.not_staff"), context)
    if allowed and message is not None:
        await spend_keyboard(message)
        reply = await asyncio.to_thread(context.app.desk.press, query.data or "", name=query.from_user.full_name)
        await answer(message, reply, context, key=f"staff:{update.update_id}", quote=False)
    context.app.acknowledged.discard(query.id)


async def on_staff_text(update: Update, context: BotContext) -> None:
    """Staff writing in a ticket's topic (or replying to its card) reach the user; other group chat is left alone."""
    message = update.effective_message
    assert message is not None and message.from_user is not None
    if not await from_staff(message, context):
        return
    reply = await context.app.off_loop(context.app.desk.relay, staff_message(message))
    if reply is not None:
        await answer(message, reply, context, key=f"staff:{update.update_id}")
    context.app.wake()


async def answer(message: Message, reply: StaffReply, context: BotContext, *, key: str, quote: bool = True) -> None:
    """In the topic it was asked in, else as a reply (posted anyway if the asking message is gone meanwhile); through
    the outbox, so the group's 20 a minute hold, a passing fault is retried and a retried update answers once."""
    thread = message.message_thread_id if message.is_topic_message else None
    if reply.document is not None:
        await send_file(message, reply, context, thread=thread)
        return
    if not split_plain(reply.text):
        return
    payload = {"text": reply.text, "thread_id": thread,
               "reply_to": None if thread or not quote else message.message_id,
               "buttons": [[{"label": label, "data": data} for label, data in reply.buttons]] if reply.buttons else None}
    await context.app.off_loop(queue_reply, context.app.services.engine, key=key, chat_id=message.chat_id,
                               payload=payload)
    context.app.wake()


def queue_reply(engine: Engine, *, key: str, chat_id: int, payload: dict[str, Any]) -> None:
    """One outbox row for a reply in the staff group (the sender cuts a long text into pieces)."""
    with session_scope(engine) as session:
        enqueue(session, key=key, method=Method.MESSAGE, chat_id=chat_id, payload=payload)


async def send_file(message: Message, reply: StaffReply, context: BotContext, *, thread: int | None) -> None:
    """A report or export, too big for an outbox row: sent at once when the group's limits let it, a passing fault
    (429, 5xx, timeout, dropped connection) tried again."""
    assert reply.document is not None
    sender = context.app.sender
    for attempt in range(1, FILE_TRIES + 1):
        if sender is not None:
            await sender.take_turn(message.chat_id)
        try:
            with reply.document.open("rb") as file:
                await message.get_bot().send_document(message.chat_id, file, filename=reply.document.name,
                                                      caption=fit(reply.text, CAPTION_LIMIT), message_thread_id=thread)
            return
        except RetryAfter as flood:
            if sender is not None:
                sender.limiter.pause(message.chat_id, retry_seconds(flood))
            else:
                await asyncio.sleep(retry_seconds(flood))
        except BadRequest:  # refused for good (a NetworkError in python-telegram-bot: caught first)
            raise
        except NetworkError:
            if attempt == FILE_TRIES:
                raise
            await asyncio.sleep(2.0 ** (attempt - 1))
