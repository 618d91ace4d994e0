"""The yardstick for the `load` scenario: a bare python-telegram-bot echo bot, polling the same kind of emulator.

    TELEGRAM_BOT_TOKEN=... python benchmarks/soak_echo.py BASE_URL
"""

from __future__ import annotations

import os
import sys

from telegram import Update
from telegram.ext import Application, ContextTypes, MessageHandler, filters


async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Send the text back: the least a bot can do per update."""
    if update.effective_message is not None and update.effective_message.text:
        await update.effective_message.reply_text(update.effective_message.text)


def main() -> None:
    application = (Application.builder().token(os.environ["TELEGRAM_BOT_TOKEN"]).base_url(sys.argv[1])
                   .concurrent_updates(16).build())
    application.add_handler(MessageHandler(filters.TEXT, echo))
    application.run_polling(poll_interval=0.0, timeout=1)


if __name__ == "__main__":
    main()
