"""`doctor`: is this set-up ready to serve? One line per check, what is wrong and how to fix it."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Mapping
from typing import Any

from bot.cli.common import EXIT_FAILED, EXIT_OK, settings_for
from bot.config import ConfigError, config_path
from bot.operations.checks import Check, healthy, ok, problem, skipped

LATER = ("token set", "database", "schema", "quarantine", "knowledge", "token", "staff group", "webhook")


def add_commands(commands: Any) -> None:
    """The operator's commands."""
    doctor = commands.add_parser(
        "doctor", help="check config, token, database, schema, knowledge base, staff group, webhook and quarantine",
        description="Prints one line per check (ok, problem and how to fix it, or skipped after a problem); "
                    "exit 1 on any problem.")
    doctor.set_defaults(handler=_doctor)


def _doctor(args: argparse.Namespace) -> int:
    checks = diagnose(args, os.environ)
    for check in checks:
        print("\n".join(check.lines()))
    if healthy(checks):
        print("all checks passed")
        return EXIT_OK
    print(f"{sum(c.status.value == 'problem' for c in checks)} problem(s) found", file=sys.stderr)
    return EXIT_FAILED


def diagnose(args: argparse.Namespace, environ: Mapping[str, str]) -> list[Check]:
    """Every check in order; those that need an earlier one to pass are skipped when it did not."""
    from bot.operations.health import database_checks, environment_checks, knowledge_check
    from bot.operations.logs import TOKEN_ENV
    from bot.operations.telegram import telegram_checks
    from bot.storage.tables import utcnow

    try:
        settings = settings_for(args)
    except ConfigError as exc:
        return [problem("config", str(exc), fix="correct the file (deploy/config.example.yaml shows every key)"),
                *(skipped(name, "needs a valid config") for name in LATER)]
    now = utcnow()
    checks = [ok("config", str(config_path(args.config).resolve()))]
    checks += environment_checks(settings, environ)
    checks += database_checks(settings, now=now)
    checks.append(knowledge_check(settings, today=now))
    token = environ.get(TOKEN_ENV, "").strip()
    if not token:
        return [*checks, *(skipped(name, f"needs {TOKEN_ENV}") for name in ("token", "staff group", "webhook"))]
    import asyncio

    from handlers.doctor import ask_telegram  # the edge: only here does doctor speak to Telegram

    return [*checks, *telegram_checks(asyncio.run(ask_telegram(settings, token=token)), settings, now=now)]
