"""Per-chat locks across instances: one instance's hold keeps another waiting; SQLite needs none."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from bot.storage.chat_locks import ChatLocks, lane_key
from bot.storage.database import open_database
from tests.databases import server_url, url_for


def test_a_lane_key_hides_the_chat_and_depends_on_the_secret() -> None:
    key = lane_key("chat:123456789", b"one secret")
    assert key != 123456789 and -(2**63) <= key < 2**63
    assert key == lane_key("chat:123456789", b"one secret") != lane_key("chat:123456789", b"another secret")


async def test_on_sqlite_the_lock_is_no_lock(tmp_path: Path) -> None:
    if server_url() is not None:
        pytest.skip("this is about a SQLite file")
    engine = open_database(url_for(tmp_path / "bot.db"))
    locks = ChatLocks(engine, size=2)
    async with locks.held(1), locks.held(1):  # one process: the lanes alone keep a chat's order
        assert not locks.shared
    locks.close()


@pytest.mark.skipif(server_url() is None, reason="advisory locks need a database server (.ci/run runs this on "
                    "PostgreSQL)")
async def test_one_instance_holding_a_chat_keeps_the_other_waiting_until_it_lets_go(tmp_path: Path) -> None:
    url = url_for(tmp_path / "shared.db")
    engines = [open_database(url), open_database(url)]  # two instances' engines, disposed when the test ends
    first, second = ChatLocks(engines[0], size=2), ChatLocks(engines[1], size=2)
    order: list[str] = []

    async def other_instance() -> None:
        async with second.held(42):
            order.append("second has it")

    try:
        async with first.held(42):
            waiting = asyncio.create_task(other_instance())
            async with second.held(43):  # another chat is not held up
                order.append("other chat")
            await asyncio.sleep(0.3)
            order.append("first lets go")
        await asyncio.wait_for(waiting, timeout=10)
    finally:
        first.close()
        second.close()
    assert order == ["other chat", "first lets go", "second has it"]
