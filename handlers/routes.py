"""Every handler in one ordered list: staff group first, then users, the free-text fallback last."""

from __future__ import annotations

from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler, MessageHandler, filters

from handlers.staff import STAFF_COMMANDS, on_staff_command, on_staff_text
from handlers.user import USER_COMMANDS, on_command, on_media, on_press, on_text


def routes(staff_chat_id: int | None) -> list[BaseHandler]:  # type: ignore[type-arg]
    """The one ordered list of handlers; order matters, so it lives in one place."""
    staff_chat = filters.Chat(chat_id=staff_chat_id) if staff_chat_id is not None else filters.Chat(chat_id=[])
    private = filters.ChatType.PRIVATE
    return [
        CommandHandler(STAFF_COMMANDS, on_staff_command, filters=staff_chat),
        MessageHandler(staff_chat & ~filters.COMMAND, on_staff_text),
        CallbackQueryHandler(on_press),
        CommandHandler(USER_COMMANDS, on_command, filters=private),
        MessageHandler(private & filters.COMMAND, on_command),  # unknown commands: the help text
        MessageHandler(private & ~filters.TEXT, on_media),
        MessageHandler(private & filters.TEXT, on_text),  # free text: the matcher, last
    ]
