"""`python -m bot run --log-format json`: the running bot logs one JSON object per line, and never its token."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
from pathlib import Path

from tests.emulator import BotApiEmulator


async def test_the_running_bot_logs_json_lines_without_its_token(emulator: BotApiEmulator, tmp_path: Path) -> None:
    config = tmp_path / "config.yaml"
    config.write_text(f"telegram:\n  base_url: {emulator.base_url}\n  base_file_url: {emulator.base_file_url}\n"
                      "  poll_timeout: 1\n", encoding="utf-8")
    env = {**os.environ, "TELEGRAM_BOT_TOKEN": emulator.token, "KULTURLOTS_SECRET": "json-log-test-secret"}
    env.pop("KULTURLOTS_CONFIG", None)
    process = await asyncio.create_subprocess_exec(sys.executable, "-m", "bot", "run", "--config", str(config),
                                                   "--log-format", "json", env=env, stderr=asyncio.subprocess.PIPE)
    emulator.fail("sendMessage", 500, times=1)  # a passing fault the bot logs (a warning) and gets past
    try:
        user = emulator.user(42, language_code="sv")
        await user.send("hej")
        await user.next_message(timeout=30)
    finally:
        process.send_signal(signal.SIGTERM)
        _, stderr = await asyncio.wait_for(process.communicate(), timeout=30)
    assert process.returncode == 0, stderr.decode()
    lines = stderr.decode().splitlines()
    records = [json.loads(text) for text in lines]  # every line is one JSON object
    assert records and all({"time", "level", "logger", "message"} <= record.keys() for record in records)
    assert emulator.token not in stderr.decode() and "json-log-test-secret" not in stderr.decode()
