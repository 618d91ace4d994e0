"""Logs: one JSON object per line on request, and never a token or secret, whatever the format."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import pytest

from bot.operations.logs import REDACTED, LogFormat, configure_logging, secrets_in

TOKEN = "123456:AAH-secret-token-part"
ENVIRON = {"TELEGRAM_BOT_TOKEN": TOKEN, "KULTURLOTS_SECRET": "pseudonym-key-value",
           "KULTURLOTS_DATABASE_URL": "postgresql+psycopg://kl:db-password-9@db.internal/kulturlots",
           "KULTURLOTS_CONFIG": "/etc/kulturlots/config.yaml", "HOME": "/root"}


@pytest.fixture
def restore_root() -> Iterator[None]:
    """configure_logging replaces the root logger's handlers: give pytest's back afterwards."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    for handler in list(root.handlers):
        root.removeHandler(handler)
    for handler in handlers:
        root.addHandler(handler)
    root.setLevel(level)


def logged(log_format: LogFormat, emit: object) -> str:
    stream = io.StringIO()
    configure_logging(log_format=log_format, stream=stream, environ=ENVIRON)
    assert callable(emit)
    emit(logging.getLogger("kulturlots.test"))
    return stream.getvalue()


def test_json_logs_are_one_object_per_line_with_time_level_logger_message_and_extras(restore_root: None) -> None:
    def emit(log: logging.Logger) -> None:
        log.info("answered %d question(s)", 2, extra={"chat_lane": 7, "decision": "answer"})
        log.warning("slow reply")

    lines = logged(LogFormat.JSON, emit).splitlines()
    first, second = (json.loads(text) for text in lines)
    assert len(lines) == 2
    assert first["message"] == "answered 2 question(s)" and first["level"] == "INFO"
    assert first["logger"] == "kulturlots.test" and first["time"].endswith("+00:00")
    assert first["chat_lane"] == 7 and first["decision"] == "answer"
    assert second["level"] == "WARNING" and "chat_lane" not in second


def test_a_traceback_stays_inside_its_json_object(restore_root: None) -> None:
    def emit(log: logging.Logger) -> None:
        try:
            raise ValueError("bad update")
        except ValueError:
            log.exception("handler failed")

    lines = logged(LogFormat.JSON, emit).splitlines()
    assert len(lines) == 1
    assert "ValueError: bad update" in json.loads(lines[0])["exception"]


@pytest.mark.parametrize("log_format", list(LogFormat))
def test_the_token_and_kulturlots_secrets_are_redacted_from_every_part_of_a_record(restore_root: None,
                                                                                  log_format: LogFormat) -> None:
    def emit(log: logging.Logger) -> None:
        log.info("POST https://api.telegram.org/bot%s/getMe", TOKEN)
        log.info("key %s", "pseudonym-key-value", extra={"url": ENVIRON["KULTURLOTS_DATABASE_URL"]})
        log.warning("connecting as kl:db-password-9@db.internal")
        try:
            raise RuntimeError(f"refused {TOKEN}")
        except RuntimeError:
            log.exception("failed")

    text = logged(log_format, emit)
    for secret in (TOKEN, "pseudonym-key-value", "db-password-9", "AAH-secret-token-part"):
        assert secret not in text
    assert text.count(REDACTED) >= 4  # the extra is shown (and checked above) in JSON only
    assert "/etc/kulturlots/config.yaml" not in secrets_in(ENVIRON)  # a path is no secret


def test_short_values_are_not_taken_for_secrets() -> None:
    assert secrets_in({"KULTURLOTS_DEBUG": "1", "TELEGRAM_BOT_TOKEN": TOKEN}) == (TOKEN,)
