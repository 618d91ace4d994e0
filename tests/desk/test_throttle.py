"""Telegram's limits as the sender keeps them: 30 a second in all, one a second per private chat, 20 a minute per group."""

import pytest

from bot.desk.throttle import Throttle


def test_a_group_gets_at_most_twenty_messages_a_minute() -> None:
    now = [0.0]
    throttle = Throttle(clock=lambda: now[0])
    for _ in range(20):
        assert throttle.wait_for(-100) == 0
        throttle.record(-100)
    assert throttle.wait_for(-100) == pytest.approx(60.0)
    assert throttle.wait_for(42) == 0  # a private chat is not held back by the group's limit
    now[0] = 60.5
    assert throttle.wait_for(-100) == 0


def test_a_private_chat_gets_at_most_one_message_a_second() -> None:
    now = [0.0]
    throttle = Throttle(clock=lambda: now[0])
    throttle.record(42)
    assert throttle.wait_for(42) == pytest.approx(1.0)
    assert throttle.wait_for(43) == 0  # another person is not held back
    now[0] = 0.4
    assert throttle.wait_for(42) == pytest.approx(0.6)
    now[0] = 1.01
    assert throttle.wait_for(42) == 0


def test_all_chats_together_get_at_most_thirty_messages_a_second() -> None:
    now = [0.0]
    throttle = Throttle(clock=lambda: now[0])
    for chat in range(1, 31):
        assert throttle.wait_for(chat) == 0
        throttle.record(chat)
        now[0] += 0.01
    assert throttle.wait_for(31) == pytest.approx(1.0 - 0.30)
    now[0] = 1.0
    assert throttle.wait_for(31) == 0  # the first of the thirty has left the window


def test_many_chats_do_not_grow_its_memory() -> None:
    now = [0.0]
    throttle = Throttle(clock=lambda: now[0])
    for chat in range(1, 10_001):
        throttle.record(chat)
        now[0] += 0.034
    assert len(throttle._chat) <= 4 * throttle.per_second + 1
