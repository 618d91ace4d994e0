"""Logs an operator's tools can read: plain lines or one JSON object per line, never a token or secret."""

from __future__ import annotations

import json
import logging
import os
import sys
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, TextIO

TOKEN_ENV = "TELEGRAM_BOT_TOKEN"
SECRET_PREFIX = "KULTURLOTS_"
NOT_SECRET = frozenset({"KULTURLOTS_CONFIG"})  # a path, and paths are what an operator needs to read
SHORTEST_SECRET = 6  # a shorter value ("1", "yes") would garble every line it happens to occur in
REDACTED = "[redacted]"
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
# The attributes every LogRecord has; anything else on a record came as `extra=` and is logged as a field.
STANDARD = frozenset(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime", "taskName"}


class LogFormat(StrEnum):
    """How log lines are written: for people (text) or for a log collector (json)."""

    TEXT = "text"
    JSON = "json"


def secrets_in(environ: Mapping[str, str], *, urls: Iterable[str] = ()) -> tuple[str, ...]:
    """The values no log may show: the bot token, every KULTURLOTS_* secret, and passwords inside database URLs."""
    values = [environ.get(TOKEN_ENV, "")]
    values += [value for name, value in environ.items() if name.startswith(SECRET_PREFIX) and name not in NOT_SECRET]
    values += [password for url in (*urls, *values) if (password := _password(url))]
    found = {value.strip() for value in values if len(value.strip()) >= SHORTEST_SECRET}
    return tuple(sorted(found, key=len, reverse=True))  # the longest first, so a URL goes before its password


def _password(url: str) -> str | None:
    """The password of a database URL, if the text is one."""
    if "://" not in url:
        return None
    from sqlalchemy.engine import make_url  # here, so commands that never log start without SQLAlchemy

    try:
        return make_url(url).password
    except Exception:  # not a URL SQLAlchemy reads: nothing to take from it
        return None


class Redactor(logging.Filter):
    """Replaces every secret in a record's message, arguments, extras and traceback before any handler writes it."""

    def __init__(self, secrets: Iterable[str]) -> None:
        super().__init__()
        self.secrets = tuple(secrets)

    def redact(self, text: str) -> str:
        """The text with each secret replaced."""
        for secret in self.secrets:
            text = text.replace(secret, REDACTED)
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        """Rewrite the record in place; it is always kept."""
        if not self.secrets:
            return True
        record.msg, record.args = self.redact(record.getMessage()), None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.redact(record.exc_text)
        if record.stack_info:
            record.stack_info = self.redact(record.stack_info)
        for key in set(vars(record)) - STANDARD:
            value = getattr(record, key)
            if isinstance(value, str):
                setattr(record, key, self.redact(value))
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time (UTC, ISO 8601), level, logger, message, the record's extras, and a traceback."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {"time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
                                 "level": record.levelname, "logger": record.name, "message": record.getMessage()}
        entry.update({key: value for key, value in vars(record).items() if key not in STANDARD and key not in entry})
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            entry["exception"] = record.exc_text
        if record.stack_info:
            entry["stack"] = record.stack_info
        return json.dumps(entry, ensure_ascii=False, default=str)


def configure_logging(*, log_format: LogFormat, level: int = logging.INFO, stream: TextIO | None = None,
                      environ: Mapping[str, str] | None = None, urls: Iterable[str] = ()) -> logging.Handler:
    """The process's one log handler on the root logger: the format asked for, secrets redacted from every record."""
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(JsonFormatter() if log_format is LogFormat.JSON else logging.Formatter(TEXT_FORMAT))
    handler.addFilter(Redactor(secrets_in(os.environ if environ is None else environ, urls=urls)))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    logging.getLogger("httpx").setLevel(logging.WARNING)  # its request lines carry the token in the URL
    return handler
