"""`run` and `console`: the bot itself, in Telegram or in this terminal."""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any

from bot.cli.common import EXIT_FAILED, EXIT_OK, EXIT_USAGE, settings_for
from bot.operations.memory import limit_arenas


def add_commands(commands: Any) -> None:
    """The commands that run the bot."""
    run = commands.add_parser("run", help="run the Telegram bot (long polling; token in $TELEGRAM_BOT_TOKEN)")
    run.add_argument("--webhook", metavar="URL", help="take updates by webhook at this public HTTPS URL instead of "
                     "polling (the server listens where telegram.webhook in the config says)")
    run.set_defaults(handler=_run)
    console = commands.add_parser("console", help="talk to the bot in this terminal, on the same database")
    console.set_defaults(handler=_console)


TOKEN_ENV = "TELEGRAM_BOT_TOKEN"
NO_TOKEN = (f"{TOKEN_ENV} is not set. Get a token from @BotFather in Telegram (/newbot), then "
            f"`export {TOKEN_ENV}=...` and run again; or try the bot here with `python -m bot console`.")


def _run(args: argparse.Namespace) -> int:
    token = os.environ.get(TOKEN_ENV, "").strip()
    if not token:
        print(NO_TOKEN, file=sys.stderr)
        return EXIT_USAGE
    import asyncio
    import signal

    from handlers.application import StartError, serve  # the edge: only here does Telegram come in

    settings = settings_for(args)
    limit_arenas()  # before any thread starts
    # python-telegram-bot reads this at every call: opt in to its timedelta periods for the whole process.
    os.environ.setdefault("PTB_TIMEDELTA", "true")

    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        await serve(settings, token=token, stop=stop, webhook_url=args.webhook)

    try:
        asyncio.run(main())
    except StartError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_FAILED
    return EXIT_OK


def _console(args: argparse.Namespace) -> int:
    from bot.conversation.console import console_sender, run
    from bot.conversation.dialogue import Conversation
    from bot.services import build_services

    run(Conversation(build_services(settings_for(args))), sender=console_sender(os.environ))
    return EXIT_OK
