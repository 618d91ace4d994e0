"""`db upgrade` and `db status`: the schema's version, changed only on purpose."""

from __future__ import annotations

import argparse
from typing import Any

from bot.cli.common import EXIT_FAILED, EXIT_OK, settings_for


def add_commands(commands: Any) -> None:
    """The database commands on the command line's subparsers."""
    db = commands.add_parser("db", help="the database schema: status and upgrade").add_subparsers(title="db commands")
    upgrade = db.add_parser("upgrade", help="apply the migrations this version needs (storage.url in the config)")
    upgrade.set_defaults(handler=_upgrade)
    status = db.add_parser("status", help="the database's schema version against this version's; exit 1 if behind")
    status.set_defaults(handler=_status)


def _upgrade(args: argparse.Namespace) -> int:
    from bot.storage import schema
    from bot.storage.database import make_engine

    engine = make_engine(settings_for(args).database_url)
    try:
        done = schema.upgrade(engine)
    finally:
        engine.dispose()
    if done.before == done.after:
        print(f"the schema is up to date ({done.after})")
    else:
        print(f"schema upgraded from {done.before or 'nothing'} to {done.after}")
    return EXIT_OK


def _status(args: argparse.Namespace) -> int:
    from bot.storage import schema
    from bot.storage.database import make_engine

    engine = make_engine(settings_for(args).database_url)
    try:
        current = schema.revision(engine)
    finally:
        engine.dispose()
    print(f"database: {current or 'no schema'}; this version: {schema.HEAD}")
    return EXIT_OK if current == schema.HEAD else EXIT_FAILED
