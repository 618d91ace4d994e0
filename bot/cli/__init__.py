"""The command line: `python -m bot COMMAND`; errors become one-line messages and exit codes here."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from bot.cli import answering, curating, database, needs, operations, service
from bot.cli.common import EXIT_FAILED, EXIT_OK, EXIT_USAGE
from bot.config import ConfigError
from bot.knowledge.entries import KnowledgeErrors
from bot.matching.evaluation import EvalSetError
from bot.operations.logs import LogFormat, configure_logging

__all__ = ["EXIT_FAILED", "EXIT_OK", "EXIT_USAGE", "build_parser", "main"]


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "handler", None):
        parser.print_help()
        return EXIT_USAGE
    if getattr(args, "log_format", None):
        configure_logging(log_format=LogFormat(args.log_format))
    try:
        return int(args.handler(args))
    except ConfigError as exc:
        print(f"config error: {exc}", file=sys.stderr)
    except KnowledgeErrors as exc:
        print(f"knowledge base has {len(exc.errors)} error(s):", file=sys.stderr)
        for error in exc.errors:
            print(f"  {error}", file=sys.stderr)
    except BrokenPipeError:  # the reader went away (| head): not an error worth a traceback
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    except (EvalSetError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
    except KeyboardInterrupt:
        return 130
    except Exception as exc:
        message = _storage_failure(exc)
        if message is None:
            raise
        print(message, file=sys.stderr)
    return EXIT_FAILED


CONFIG_HELP = "config file (default: $KULTURLOTS_CONFIG or ./config.yaml)"


def build_parser() -> argparse.ArgumentParser:
    """Every command and option, as `main` reads them (deploy/'s systemd unit is checked against it)."""
    parser = argparse.ArgumentParser(prog="kulturlots", description=__doc__)
    parser.add_argument("--config", help=CONFIG_HELP)
    commands = parser.add_subparsers(title="commands")
    answering.add_commands(commands)
    curating.add_commands(commands)
    service.add_commands(commands)
    needs.add_commands(commands)
    database.add_commands(commands)
    operations.add_commands(commands)
    _config_anywhere(parser)
    _log_format(parser)
    return parser


LOGGED = {"run": LogFormat.TEXT, "console": None, "doctor": None, "export": None, "report": None,
          "db upgrade": None}  # the commands whose logs matter; run always logs, the others when asked


def _log_format(parser: argparse.ArgumentParser, path: str = "") -> None:
    """--log-format text|json on the commands whose logs an operator reads (one JSON object per line)."""
    for action in parser._actions:  # argparse offers no public walk over its subcommands
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                command = f"{path} {name}".strip()
                if command in LOGGED:
                    sub.add_argument("--log-format", choices=[f.value for f in LogFormat], default=LOGGED[command],
                                     help="log lines as text or as one JSON object per line (secrets redacted)")
                _log_format(sub, command)


def _config_anywhere(parser: argparse.ArgumentParser) -> None:
    """Every command also takes --config after its name (`run --config prod.yaml`), as people type it.

    SUPPRESS as the default keeps a --config given before the command when none follows it."""
    for action in parser._actions:  # argparse offers no public walk over its subcommands
        if isinstance(action, argparse._SubParsersAction):
            for sub in action.choices.values():
                if not any("--config" in a.option_strings for a in sub._actions):
                    sub.add_argument("--config", default=argparse.SUPPRESS, help=CONFIG_HELP)
                _config_anywhere(sub)


def _storage_failure(exc: Exception) -> str | None:
    """A database that cannot be used, as one line; imported only on failure, so `ask` starts without SQLAlchemy."""
    from sqlalchemy.exc import DBAPIError

    from bot.storage.pseudonyms import SecretMissing
    from bot.storage.schema import SchemaBehind

    if isinstance(exc, SchemaBehind | SecretMissing):
        return f"error: {exc}"
    if isinstance(exc, DBAPIError):  # the driver's own words; never the URL, which may hold a password
        return f"error: the database cannot be used: {str(exc.orig).strip().splitlines()[0]}"
    return None
