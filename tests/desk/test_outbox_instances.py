"""Several instances on one PostgreSQL share the outbox: each row is claimed by one of them and delivered once."""

from __future__ import annotations

import asyncio
import threading
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func
from sqlmodel import select

from bot.desk.limits import Limiter, Limits
from bot.desk.outbox import Outcome, Sent, enqueue
from bot.desk.sender import OutboxSender
from bot.storage.database import open_database, session_scope
from bot.storage.tables import Delivery, OutboxMessage, Ticket
from tests.databases import server_url, url_for

pytestmark = pytest.mark.skipif(server_url() is None, reason="row locks need a database server: "
                                "SQLite is one process on one file (.ci/run runs this on PostgreSQL)")
ROWS, CHATS = 300, 30


async def test_two_senders_on_one_database_deliver_every_row_once_in_each_chats_order(tmp_path: Path) -> None:
    url = url_for(tmp_path / "shared.db")
    setup = open_database(url)
    with session_scope(setup) as session:
        for n in range(ROWS):
            enqueue(session, key=f"m{n}", method="message", chat_id=n % CHATS, payload={"text": str(n)})
    delivered: list[tuple[str, int, int]] = []

    def deliverer(name: str) -> Any:
        async def deliver(row: OutboxMessage, payload: dict[str, Any]) -> Outcome:
            await asyncio.sleep(0.002)  # a network call: the other instance goes on meanwhile
            delivered.append((name, row.chat_id, int(payload["text"])))
            return Sent({})
        return deliver

    unlimited = Limits(per_second=10_000, chat_burst=10_000, chat_gap=0)
    senders = [OutboxSender(open_database(url), deliverer(name), limiter=Limiter(unlimited))
               for name in ("a", "b")]
    while True:
        settled = await asyncio.gather(*(sender.run_once() for sender in senders))
        if sum(settled) == 0:
            break
    assert sorted(n for _, _, n in delivered) == list(range(ROWS))  # each row once
    assert set(Counter(name for name, _, _ in delivered)) == {"a", "b"}  # both took part
    for chat in range(CHATS):
        assert [n for _, c, n in delivered if c == chat] == sorted(n for _, c, n in delivered if c == chat)
    with session_scope(setup) as session:
        assert session.exec(select(func.count()).select_from(OutboxMessage)
                            .where(OutboxMessage.state != Delivery.SENT)).one() == 0


def test_ticket_numbers_stay_unique_when_instances_open_tickets_at_once(tmp_path: Path) -> None:
    url = url_for(tmp_path / "tickets.db")
    numbers: list[int] = []

    def open_many() -> None:
        engine = open_database(url)
        for _ in range(50):
            with session_scope(engine) as session:
                ticket = Ticket(user_key="k", language="sv", question="q")
                session.add(ticket)
                session.flush()
                assert ticket.id is not None
                numbers.append(ticket.id)
        engine.dispose()

    threads = [threading.Thread(target=open_many) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(numbers) == 200 and len(set(numbers)) == 200
