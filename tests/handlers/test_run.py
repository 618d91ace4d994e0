"""`python -m bot run` as a process: token from the environment, base URL from a minimal config."""

import asyncio
import os
import signal
import sys
from pathlib import Path

import pytest
from sqlmodel import select

from bot.config import Settings, StorageSettings, TelegramSettings
from bot.storage.database import open_database, session_scope
from bot.storage.tables import Need
from handlers.application import serve
from tests.databases import url_for
from tests.emulator import BotApiEmulator


async def test_the_bot_process_answers_over_the_bot_api_and_stops_on_sigterm(emulator: BotApiEmulator,
                                                                              tmp_path: Path) -> None:
    config = tmp_path / "config.yaml"
    config.write_text(f"telegram:\n  base_url: {emulator.base_url}\n  base_file_url: {emulator.base_file_url}\n"
                      "  poll_timeout: 1\n", encoding="utf-8")
    env = {**os.environ, "TELEGRAM_BOT_TOKEN": emulator.token, "KULTURLOTS_SECRET": "process-test"}
    process = await asyncio.create_subprocess_exec(sys.executable, "-m", "bot", "--config", str(config), "run",
                                                   env=env, stderr=asyncio.subprocess.PIPE)
    try:
        user = emulator.user(42, language_code="da")
        await user.send("hvem er kulturkonsulent i næstved")
        answer = await user.next_message(timeout=30)
        assert answer["text"].startswith("Kulturkonsulent, Næstved Kommune")
    finally:
        process.send_signal(signal.SIGTERM)
        _, stderr = await asyncio.wait_for(process.communicate(), timeout=30)
    assert process.returncode == 0, stderr.decode()
    assert emulator.token not in stderr.decode()
    assert (tmp_path / "data" / "kulturlots.db").exists()


async def test_without_a_token_the_process_says_how_to_get_one(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "TELEGRAM_BOT_TOKEN"}
    process = await asyncio.create_subprocess_exec(sys.executable, "-m", "bot", "run", env=env, cwd=tmp_path,
                                                   stderr=asyncio.subprocess.PIPE)
    _, stderr = await process.communicate()
    assert process.returncode == 2
    assert "@BotFather" in stderr.decode() and "console" in stderr.decode()


async def test_a_refused_token_ends_the_process_with_a_clear_message(emulator: BotApiEmulator, tmp_path: Path) -> None:
    config = tmp_path / "config.yaml"
    config.write_text(f"telegram:\n  base_url: {emulator.base_url}\n", encoding="utf-8")
    env = {**os.environ, "TELEGRAM_BOT_TOKEN": "999:WRONG", "KULTURLOTS_SECRET": "process-test"}
    process = await asyncio.create_subprocess_exec(sys.executable, "-m", "bot", "--config", str(config), "run",
                                                   env=env, stderr=asyncio.subprocess.PIPE)
    _, stderr = await asyncio.wait_for(process.communicate(), timeout=30)
    emulator.tolerate("Unauthorized")
    assert process.returncode == 1
    assert "refused the token" in stderr.decode() and "Traceback" not in stderr.decode()


async def test_a_bot_api_down_at_start_is_waited_for(emulator: BotApiEmulator, tmp_path: Path,
                                                     caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KULTURLOTS_SECRET", "down-test")  # required where the suite runs on a database server
    settings = Settings(telegram=TelegramSettings(base_url=emulator.base_url, base_file_url=emulator.base_file_url,
                                                  poll_timeout=1),
                        storage=StorageSettings(url=url_for(tmp_path / 'bot.db')))
    emulator.fail("getMe", 502, times=2, description="Bad Gateway")
    stop = asyncio.Event()
    serving = asyncio.create_task(serve(settings, token=emulator.token, stop=stop, retry=0.05))
    try:
        user = emulator.user(7, language_code="sv")
        await user.send("hej")
        assert (await user.next_message(timeout=30))["text"]
    finally:
        stop.set()
        await asyncio.wait_for(serving, timeout=30)
    assert sum("cannot reach the Bot API" in r.message for r in caplog.records) == 2


async def test_kill_9_mid_session_loses_no_question_and_logs_none_twice(emulator: BotApiEmulator,
                                                                         tmp_path: Path) -> None:
    """The inbox holds what Telegram was told is read: a killed process's successor handles the rest, once."""
    config = tmp_path / "config.yaml"
    database = url_for(tmp_path / "data" / "kulturlots.db")
    config.write_text(f"telegram:\n  base_url: {emulator.base_url}\n  poll_timeout: 1\nstorage:\n  url: {database}\n",
                      encoding="utf-8")
    env = {**os.environ, "TELEGRAM_BOT_TOKEN": emulator.token, "KULTURLOTS_SECRET": "process-test"}

    async def start() -> asyncio.subprocess.Process:
        return await asyncio.create_subprocess_exec(sys.executable, "-m", "bot", "--config", str(config), "run",
                                                    env=env, stderr=asyncio.subprocess.DEVNULL)

    users = [emulator.user(800 + n, language_code="sv") for n in range(3)]
    sent = []
    process = await start()
    try:
        for n in range(30):
            sent.append((await users[n % 3].send(f"vem är kulturutvecklare i flen {n}"))["update_id"])
        await emulator.wait_for(lambda: sum(len(u.messages) for u in users) >= 5, timeout=30)
        process.kill()  # SIGKILL: no cleanup, whatever was in flight
        await process.wait()
        process = await start()
        engine = open_database(database)

        def logged() -> list[int]:
            with session_scope(engine) as session:
                return sorted(n.update_id for n in session.exec(select(Need)).all() if n.update_id)

        await emulator.wait_for(lambda: logged() == sorted(sent), timeout=60)
        await emulator.wait_for(lambda: all(len(u.messages) >= 10 for u in users), timeout=60)  # one a second a chat
    finally:
        process.send_signal(signal.SIGTERM)
        await asyncio.wait_for(process.wait(), timeout=30)


async def test_the_webhook_process_takes_updates_by_webhook_and_never_logs_its_secret(
        emulator: BotApiEmulator, tmp_path: Path) -> None:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    config = tmp_path / "config.yaml"
    config.write_text(f"telegram:\n  base_url: {emulator.base_url}\n  base_file_url: {emulator.base_file_url}\n"
                      f"  webhook:\n    port: {port}\n", encoding="utf-8")
    secret = "process-webhook-secret"
    env = {**os.environ, "TELEGRAM_BOT_TOKEN": emulator.token, "KULTURLOTS_SECRET": "process-test",
           "KULTURLOTS_WEBHOOK_SECRET": secret}
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "--config", str(config), "run", "--webhook", "https://bot.example.org/tg",
        env=env, stderr=asyncio.subprocess.PIPE)
    try:
        await emulator.wait_for(lambda: any(m == "setWebhook" for m, _ in emulator.calls), timeout=60)
        emulator.behind_proxy(f"http://127.0.0.1:{port}")
        user = emulator.user(44, language_code="da")
        await user.send("hvem er kulturkonsulent i næstved")
        assert (await user.next_message(timeout=30))["text"].startswith("Kulturkonsulent, Næstved Kommune")
    finally:
        process.send_signal(signal.SIGTERM)
        _, stderr = await asyncio.wait_for(process.communicate(), timeout=30)
    assert process.returncode == 0, stderr.decode()
    assert emulator.hook is not None and emulator.hook.secret == secret
    assert secret not in stderr.decode() and emulator.token not in stderr.decode()
    assert not [m for m, _ in emulator.calls if m == "getUpdates"]


async def test_a_webhook_url_telegram_would_refuse_ends_the_process_with_one_line(tmp_path: Path) -> None:
    (tmp_path / "config.yaml").write_text("default_language: en\n", encoding="utf-8")
    env = {**os.environ, "TELEGRAM_BOT_TOKEN": "1:x", "KULTURLOTS_SECRET": "process-test"}
    process = await asyncio.create_subprocess_exec(sys.executable, "-m", "bot", "run", "--webhook",
                                                   "http://bot.example.org/tg", env=env, cwd=tmp_path,
                                                   stderr=asyncio.subprocess.PIPE)
    _, stderr = await asyncio.wait_for(process.communicate(), timeout=60)
    assert process.returncode == 1
    assert "https://" in stderr.decode() and "Traceback" not in stderr.decode()
