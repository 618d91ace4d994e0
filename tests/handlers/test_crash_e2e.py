"""`python -m bot run` killed (SIGKILL) between deciding an answer and sending it: after a restart the answer goes
once, the question is logged once, and an escalation is neither repeated nor relayed to its own ticket."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

from sqlmodel import col, select

from bot.storage.database import open_database, session_scope
from bot.storage.tables import Need, Ticket
from tests.emulator import BotApiEmulator

GROUP, STAFF, USER = -1001000000001, 900, 42
QUESTION = "hvem er kulturkonsulent i næstved"


def config_for(emulator: BotApiEmulator, tmp_path: Path) -> Path:
    config = tmp_path / "config.yaml"
    config.write_text(f"telegram:\n  base_url: {emulator.base_url}\n  base_file_url: {emulator.base_file_url}\n"
                      f"  poll_timeout: 1\nstaff:\n  group_chat_id: {GROUP}\n  user_ids: [{STAFF}]\n",
                      encoding="utf-8")
    return config


async def start(emulator: BotApiEmulator, config: Path) -> asyncio.subprocess.Process:
    env = {**os.environ, "TELEGRAM_BOT_TOKEN": emulator.token, "KULTURLOTS_SECRET": "crash-test"}
    return await asyncio.create_subprocess_exec(sys.executable, "-m", "bot", "--config", str(config), "run", env=env,
                                                stderr=asyncio.subprocess.DEVNULL)


async def stop(process: asyncio.subprocess.Process) -> None:
    process.send_signal(signal.SIGTERM)
    await asyncio.wait_for(process.wait(), timeout=90)


def held_send_to(emulator: BotApiEmulator, chat_id: int) -> bool:
    return any(method == "sendMessage" and params.get("chat_id") == chat_id for method, params in emulator.calls)


async def test_killed_after_deciding_before_sending_the_answer_goes_once_after_restart(
        emulator: BotApiEmulator, tmp_path: Path) -> None:
    emulator.group(GROUP)
    config = config_for(emulator, tmp_path)
    user = emulator.user(USER, language_code="da")
    emulator.hold("sendMessage", chat_id=USER)  # the answer is on its way when the process dies
    first = await start(emulator, config)
    await user.send(QUESTION)
    await emulator.wait_for(lambda: held_send_to(emulator, USER), timeout=90)
    first.kill()
    await first.wait()
    emulator.release()
    second = await start(emulator, config)
    try:
        answer = await user.next_message(timeout=90)
        await user.send("/help")
        after = await user.next_message(timeout=90)
    finally:
        await stop(second)
    assert answer["text"].startswith("Kulturkonsulent, Næstved Kommune") and "/" in after["text"]
    assert len(user.messages) == 2  # the answer once, then the help: nothing sent twice
    with session_scope(open_database(f"sqlite:///{tmp_path / 'data' / 'kulturlots.db'}")) as session:
        assert [n.text for n in session.exec(select(Need)).all()] == [QUESTION]


async def test_killed_after_an_escalation_before_the_user_is_told_nothing_is_relayed_again(
        emulator: BotApiEmulator, tmp_path: Path) -> None:
    group = emulator.group(GROUP)
    config = config_for(emulator, tmp_path)
    user = emulator.user(USER, language_code="sv")
    emulator.hold("sendMessage", chat_id=USER)
    first = await start(emulator, config)
    await user.send("/human hur söker man pengar till en vinylskiva")
    await emulator.wait_for(lambda: held_send_to(emulator, USER) and emulator.messages_to(GROUP), timeout=90)
    first.kill()
    await first.wait()
    emulator.release()
    second = await start(emulator, config)
    try:
        told = await user.next_message(timeout=90)
        await user.send("/help")
        await user.next_message(timeout=90)
    finally:
        await stop(second)
    assert "#1" in told["text"] and len(user.messages) == 2
    assert len(group.topics) == 1
    assert not any("(#1):" in m.get("text", "") for m in emulator.messages_to(GROUP))  # no follow-up to itself
    with session_scope(open_database(f"sqlite:///{tmp_path / 'data' / 'kulturlots.db'}")) as session:
        assert len(session.exec(select(Ticket).order_by(col(Ticket.id))).all()) == 1
        assert len(session.exec(select(Need)).all()) == 1
