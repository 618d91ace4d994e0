"""The staff group: replies in ticket topics are relayed, staff commands answered, outsiders refused."""

from __future__ import annotations

import logging

from telegram import Message, ReplyParameters, Update

from bot.desk.commands import StaffMessage, StaffReply
from handlers.context import BotContext
from handlers.render import fit, split_plain

log = logging.getLogger(__name__)
CAPTION_LIMIT = 1024  # Telegram's limit on a document's caption
STAFF_COMMANDS = ("tickets", "assign", "close", "reopen", "label", "faq", "reload", "export", "report", "stats",
                  "quarantine")


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
                        else None)


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
        await answer(message, StaffReply(context.app.desk.t("staff.not_staff")))
        return
    await answer(message, context.app.desk.command(name, args, staff_message(message)))


async def on_staff_text(update: Update, context: BotContext) -> None:
    """Staff writing in a ticket's topic (or replying to its card) reach the user; other group chat is left alone."""
    message = update.effective_message
    assert message is not None and message.from_user is not None
    if not await from_staff(message, context):
        return
    reply = context.app.desk.relay(staff_message(message))
    if reply is not None:
        await answer(message, reply)
    context.app.wake()


async def answer(message: Message, reply: StaffReply) -> None:
    """In the topic it was asked in, else as a reply (posted anyway if the asking message is gone meanwhile)."""
    thread = message.message_thread_id if message.is_topic_message else None
    if reply.document is not None:
        with reply.document.open("rb") as file:
            await message.get_bot().send_document(message.chat_id, file, filename=reply.document.name,
                                                  caption=fit(reply.text, CAPTION_LIMIT), message_thread_id=thread)
        return
    asked = None if thread else ReplyParameters(message.message_id, allow_sending_without_reply=True)
    for piece in split_plain(reply.text):
        await message.get_bot().send_message(message.chat_id, piece, message_thread_id=thread,
                                             reply_parameters=asked)
