"""The outbox: rows written with their cause, delivered once, in order, throttled, retried."""

import asyncio
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import select

from bot.desk.limits import Limiter, Limits
from bot.desk.outbox import (
    MAX_ATTEMPTS,
    Outcome,
    Partial,
    RetryLater,
    Sent,
    Unconfirmed,
    Undeliverable,
    due,
    enqueue,
    enqueue_new,
    settle,
)
from bot.desk.sender import OutboxSender
from bot.storage.database import open_database, session_scope
from bot.storage.tables import OutboxMessage, utcnow
from tests.databases import url_for


@pytest.fixture
def engine(tmp_path: Path) -> Engine:
    return open_database(url_for(tmp_path / 'outbox.db'))


def add(engine: Engine, key: str, chat_id: int = 1) -> None:
    with session_scope(engine) as session:
        enqueue(session, key=key, method="sendMessage", chat_id=chat_id, payload={"text": key})


def unlimited() -> Limiter:
    """Limits no test of ordering and retries should meet."""
    return Limiter(Limits(per_second=10_000, chat_burst=10_000, chat_gap=0), clock=lambda: 0.0)


def rows(engine: Engine) -> list[OutboxMessage]:
    with session_scope(engine) as session:
        return list(session.exec(select(OutboxMessage).order_by(OutboxMessage.id)).all())


def test_the_same_idempotency_key_is_queued_once(engine: Engine) -> None:
    add(engine, "relay:1:10")
    add(engine, "relay:1:10")
    assert len(rows(engine)) == 1


def test_rows_for_one_chat_go_in_order_and_other_chats_do_not_wait(engine: Engine) -> None:
    for key, chat in (("a", 1), ("b", 1), ("c", 2)):
        add(engine, key, chat)
    with session_scope(engine) as session:
        assert [session.get(OutboxMessage, i).key for i in due(session, now=utcnow())] == ["a", "c"]  # type: ignore[union-attr]


def test_a_flood_wait_delays_without_counting_an_attempt() -> None:
    row = OutboxMessage(key="k", method="sendMessage", chat_id=1)
    now = utcnow()
    settle(row, RetryLater("429", wait=30, counts=False), now=now)
    assert (row.state, row.attempts) == ("pending", 0)
    assert row.not_before == now + timedelta(seconds=30)


def test_network_errors_back_off_and_give_up_after_the_last_attempt() -> None:
    row = OutboxMessage(key="k", method="sendMessage", chat_id=1)
    now = utcnow()
    settle(row, RetryLater("500"), now=now)
    assert row.attempts == 1 and row.not_before > now
    for _ in range(MAX_ATTEMPTS):
        settle(row, RetryLater("500"), now=now)
    assert row.state == "failed" and row.last_error == "500"


def test_a_permanent_failure_is_recorded_at_once() -> None:
    row = OutboxMessage(key="k", method="sendMessage", chat_id=1)
    settle(row, Undeliverable("Forbidden: bot was blocked by the user"), now=utcnow())
    assert row.state == "failed" and "blocked" in (row.last_error or "")


def test_a_send_telegram_received_but_answered_too_late_is_settled_as_sent_and_counted_ambiguous() -> None:
    row = OutboxMessage(key="k", method="sendMessage", chat_id=1)
    settle(row, Unconfirmed("answered after the timeout", {"message_id": None}), now=utcnow())
    assert (row.state, row.attempts, row.result) == ("sent", 0, {"message_id": None, "ambiguous": 1})
    assert row.last_error == "answered after the timeout"


def test_a_piece_telegram_answered_too_late_keeps_the_row_open_for_the_rest_and_counts_it() -> None:
    row = OutboxMessage(key="k", method="sendMessage", chat_id=1)
    settle(row, Unconfirmed("late", {"pieces": [None]}, more=True), now=utcnow())
    assert (row.state, row.result) == ("pending", {"pieces": [None], "ambiguous": 1})
    settle(row, Partial({"pieces": [None, 5]}), now=utcnow())
    settle(row, Sent({"message_id": None, "pieces": [None, 5, 6]}), now=utcnow())
    assert (row.state, row.result) == ("sent", {"message_id": None, "pieces": [None, 5, 6], "ambiguous": 1})


async def test_the_sender_sends_the_next_piece_at_once_after_one_answered_too_late(engine: Engine) -> None:
    add(engine, "long", 1)

    async def deliver(row: OutboxMessage, payload: dict[str, object]) -> Outcome:
        done = [*(row.result or {}).get("pieces", []), None]
        return Unconfirmed("late", {"pieces": done}, more=True) if len(done) < 2 else Sent({"pieces": done})

    assert await OutboxSender(engine, deliver, limiter=unlimited()).run_once() == 1
    assert [(r.state, r.result) for r in rows(engine)] == [("sent", {"pieces": [None, None], "ambiguous": 1})]


async def test_the_sender_delivers_each_row_once_and_retries_failures(engine: Engine) -> None:
    add(engine, "one", 1)
    add(engine, "two", 2)
    calls: list[str] = []
    outcomes: dict[str, list[Outcome]] = {"one": [RetryLater("500", wait=0), Sent({"message_id": 7})],
                                          "two": [Sent({"message_id": 8})]}

    async def deliver(row: OutboxMessage, payload: dict[str, object]) -> Outcome:
        assert payload == {"text": row.key}
        calls.append(row.key)
        return outcomes[row.key].pop(0)

    sender = OutboxSender(engine, deliver, limiter=unlimited())
    await sender.run_once()
    await sender.run_once()
    await sender.run_once()
    assert calls == ["one", "two", "one"]
    assert [(r.key, r.state, r.result) for r in rows(engine)] == [
        ("one", "sent", {"message_id": 7}), ("two", "sent", {"message_id": 8})]


async def test_a_message_sent_in_pieces_goes_on_after_a_crash_without_sending_a_piece_twice(engine: Engine) -> None:
    add(engine, "long", 1)
    sent: list[int] = []

    class Crash(BaseException):
        """The process dies between two pieces (a kill, not an error the sender could handle)."""

    async def deliver(row: OutboxMessage, payload: dict[str, object]) -> Outcome:
        done = list((row.result or {}).get("pieces", []))
        if len(done) == 1 and not crashed:
            crashed.append(True)
            raise Crash
        sent.append(len(done) + 1)
        done.append(len(done) + 1)
        return Partial({"pieces": done}) if len(done) < 3 else Sent({"message_id": done[0], "pieces": done})

    crashed: list[bool] = []
    with pytest.raises(Crash):
        await OutboxSender(engine, deliver, limiter=unlimited()).run_once()
    assert [(r.state, r.result) for r in rows(engine)] == [("pending", {"pieces": [1]})]
    await OutboxSender(engine, deliver, limiter=unlimited()).run_once()
    assert sent == [1, 2, 3]
    assert [(r.state, r.result) for r in rows(engine)] == [("sent", {"message_id": 1, "pieces": [1, 2, 3]})]


def test_many_rows_are_queued_at_once_and_a_key_already_there_is_skipped(engine: Engine) -> None:
    add(engine, "remind:a", 1)
    with session_scope(engine) as session:
        added = enqueue_new(session, [{"key": f"remind:{k}", "method": "message", "chat_id": n,
                                       "payload": {"text": k}} for n, k in enumerate("abc")])
    assert added == 2
    assert [(r.key, r.payload["text"]) for r in rows(engine)] == [("remind:a", "remind:a"), ("remind:b", "b"),
                                                                  ("remind:c", "c")]


async def test_a_queue_longer_than_a_batch_is_sent_without_idling_between_batches(engine: Engine) -> None:
    with session_scope(engine) as session:
        enqueue_new(session, [{"key": f"k{n}", "method": "message", "chat_id": n + 1, "payload": {"text": "x"}}
                              for n in range(130)])
    sent: list[int] = []

    async def deliver(row: OutboxMessage, payload: dict[str, object]) -> Outcome:
        sent.append(row.chat_id)
        return Sent({})

    sender = OutboxSender(engine, deliver, limiter=Limiter(Limits(per_second=10_000)))
    running = asyncio.create_task(sender.run(idle=30.0))  # an idle wait between batches would take minutes
    try:
        async with asyncio.timeout(20):
            while len(sent) < 130:
                await asyncio.sleep(0.05)
    finally:
        sender.stop()
        await running
    assert sorted(sent) == list(range(1, 131))
