"""Telegram's sending limits kept before Telegram enforces them: per group, per private chat, in all, after 429s."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from bot.desk.limits import Limiter, Limits, recent_sends
from bot.desk.outbox import Method, Sent, enqueue, settle
from bot.storage.database import open_database, session_scope
from bot.storage.tables import utcnow
from tests.databases import url_for

EXACT = Limits(slack=0.0, spread=0.0)  # Telegram's own windows, to read the arithmetic plainly


def limiter(now: list[float], limits: Limits = EXACT) -> Limiter:
    return Limiter(limits, clock=lambda: now[0])


def send(limits: Limiter, chat_id: int, count: int) -> None:
    for _ in range(count):
        assert limits.wait_for(chat_id, urgent=True) == 0
        limits.record(chat_id)


def test_a_group_gets_at_most_twenty_messages_a_minute() -> None:
    now = [0.0]
    limits = limiter(now)
    send(limits, -100, 20)
    assert limits.wait_for(-100) == pytest.approx(60.0)
    assert limits.wait_for(42, urgent=True) == 0  # a private chat is not held back by the group's limit
    now[0] = 60.5
    assert limits.wait_for(-100) == 0


def test_a_private_chat_gets_a_short_burst_then_about_one_a_second() -> None:
    now = [0.0]
    limits = limiter(now)
    send(limits, 7, 3)
    assert limits.wait_for(7, urgent=True) == pytest.approx(3.0)
    now[0] = 3.0
    send(limits, 7, 3)
    assert limits.wait_for(7, urgent=True) == pytest.approx(3.0)  # six in six seconds: one a second sustained


def test_thirty_a_second_in_all_with_room_kept_for_users_answers() -> None:
    now = [0.0]
    limits = limiter(now)
    for chat in range(20):
        send(limits, 1000 + chat, 1)
    assert limits.wait_for(-100) == pytest.approx(1.0)  # staff traffic leaves the last ten of the second to users
    for chat in range(10):
        send(limits, 2000 + chat, 1)
    assert limits.wait_for(3000, urgent=True) == pytest.approx(1.0)  # thirty: everything waits for the window
    now[0] = 1.0
    assert limits.wait_for(3000, urgent=True) == 0


def test_anything_but_an_answer_gets_at_most_one_message_a_second_into_a_private_chat() -> None:
    now = [0.0]
    limits = limiter(now)
    limits.record(42)  # a reminder
    assert limits.wait_for(42) == pytest.approx(1.0)
    assert limits.wait_for(43) == 0  # another person is not held back
    now[0] = 0.4
    assert limits.wait_for(42) == pytest.approx(0.6)
    assert limits.wait_for(42, urgent=True) == 0  # an answer may use the chat's short burst
    now[0] = 1.01
    assert limits.wait_for(42) == 0


def test_all_chats_together_get_at_most_thirty_messages_a_second() -> None:
    now = [0.0]
    limits = limiter(now)
    for chat in range(1, 31):
        assert limits.wait_for(chat, urgent=True) == 0
        limits.record(chat)
        now[0] += 0.01
    assert limits.wait_for(31, urgent=True) == pytest.approx(1.0 - 0.30)
    now[0] = 1.0
    assert limits.wait_for(31, urgent=True) == 0  # the first of the thirty has left the window


def test_a_burst_for_many_chats_leaves_evenly_over_the_second() -> None:
    now = [0.0]
    limits = limiter(now, Limits(slack=0.0))
    limits.record(1)
    assert limits.wait_for(2, urgent=True) == pytest.approx(1 / 30)  # not all thirty in the same instant
    now[0] = 1 / 30
    assert limits.wait_for(2, urgent=True) == 0


def test_many_chats_do_not_grow_its_memory() -> None:
    now = [0.0]
    limits = limiter(now)
    for chat in range(1, 10_001):
        limits.record(chat)
        now[0] += 0.034
    assert len(limits._chats) <= 4 * limits.limits.per_second + 1


def test_windows_are_kept_longer_than_telegrams_by_the_slack() -> None:
    now = [0.0]
    limits = limiter(now, Limits(slack=0.1, spread=0.0))
    send(limits, 7, 3)
    assert limits.wait_for(7, urgent=True) == pytest.approx(3.3)


def test_a_429_pauses_its_chat_and_a_second_chats_429_pauses_everything() -> None:
    now = [0.0]
    limits = limiter(now)
    limits.pause(7, 5.0)
    assert limits.wait_for(7, urgent=True) == pytest.approx(5.0)
    assert limits.wait_for(8, urgent=True) == 0
    limits.pause(8, 4.0)
    assert limits.wait_for(9, urgent=True) == pytest.approx(4.0)


@pytest.fixture
def engine(tmp_path: Path) -> Engine:
    return open_database(url_for(tmp_path / "limits.db"))


def test_the_last_minutes_sends_are_read_back_so_a_restart_opens_with_no_burst(engine: Engine) -> None:
    sent_at = utcnow()
    with session_scope(engine) as session:
        for n in range(20):
            row = enqueue(session, key=f"staff{n}", method=Method.MESSAGE, chat_id=-100, payload={"text": "x"})
            settle(row, Sent({"message_id": n}), now=sent_at - timedelta(seconds=30))
        old = enqueue(session, key="old", method=Method.MESSAGE, chat_id=-100, payload={"text": "x"})
        settle(old, Sent({}), now=sent_at - timedelta(minutes=5))
    with session_scope(engine) as session:
        history = recent_sends(session, now=sent_at)
    assert len(history) == 20
    now = [1000.0]
    restarted = limiter(now)
    restarted.remember(history)
    assert restarted.wait_for(-100) == pytest.approx(30.0, abs=0.5)  # 20 went 30 s ago: the group waits 30 s more
