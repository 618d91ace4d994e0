"""Every handler in one ordered list: staff group first, then users, the free-text fallback last."""

from __future__ import annotations

from telegram import Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler, MessageHandler, filters

from bot.desk.publishing import KB_PRESS
from handlers.context import BotContext
from handlers.staff import KB_FILES, STAFF_COMMANDS, on_staff_command, on_staff_file, on_staff_press, on_staff_text
from handlers.user import USER_COMMANDS, on_command, on_media, on_press, on_text


def routes(staff_chat_id: int | None) -> list[BaseHandler[Update, BotContext, None]]:
    """The one ordered list of handlers; order matters, so it lives in one place.

    Only new messages count: an edit would answer, log or relay a message a second time, and channel posts
    are nobody's question. Outside the staff group only private chats are served: the bot added to some
    other group stays silent there rather than answering strangers."""
    new = filters.UpdateType.MESSAGE
    staff_chat = new & (filters.Chat(chat_id=staff_chat_id) if staff_chat_id is not None else filters.Chat(chat_id=[]))
    private = new & filters.ChatType.PRIVATE
    kb_file: filters.BaseFilter = filters.Document.FileExtension(KB_FILES[0][1:])
    for suffix in KB_FILES[1:]:
        kb_file = kb_file | filters.Document.FileExtension(suffix[1:])
    return [
        CommandHandler(STAFF_COMMANDS, on_staff_command, filters=staff_chat),
        MessageHandler(staff_chat & kb_file, on_staff_file),  # an edited base to check and publish
        MessageHandler(staff_chat & ~filters.COMMAND, on_staff_text),
        CallbackQueryHandler(on_staff_press, pattern=f"^{KB_PRESS}"),  # Publish / Cancel, checked to be staff
        CallbackQueryHandler(on_press),
        CommandHandler(USER_COMMANDS, on_command, filters=private),
        MessageHandler(private & filters.COMMAND, on_command),  # unknown commands: the help text
        MessageHandler(private & (filters.TEXT | filters.CAPTION), on_text),  # free text, or a caption: the matcher
        MessageHandler(private, on_media),  # media without a caption: a note that only text is read
    ]
