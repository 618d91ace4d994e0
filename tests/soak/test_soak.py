"""The soak harness's short forms (benchmarks/soak.py): the real `python -m bot run` process against the emulator
behind faults and Telegram's limits, held to the issue's bars that the bot meets today. What it cannot meet (a send
repeated where the Bot API leaves it ambiguous whether it arrived) is held to what the bot counted as in doubt."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from benchmarks import soak
from benchmarks.soak_api import Faults, Limits


def figures(row: str) -> list[int]:
    """'12 / 0 / 3 (never: updates 4)' -> [12, 0, 3]."""
    return [int(part) for part in row.split("(")[0].split(" / ")]


def lost_nothing(result: dict[str, Any]) -> None:
    """No question without its need or its answer, no ticket without its card or its staff answer, no refused call."""
    asked = int(result["questions asked"])
    assert figures(result["needs logged once / twice / never"]) == [asked, 0, 0]
    assert figures(result["answers delivered / apology only / none"]) == [asked, 0, 0]
    opened, wanted = figures(result["tickets opened / asked for"])
    assert opened == wanted
    for row in ("staff cards once / twice / never", "topics once / twice / never",
                "staff answers relayed once / twice / never"):
        assert figures(result[row])[2] == 0, row
    assert result["refused calls by method"] == "0"
    assert figures(result["updates fed / confirmed"])[0] == figures(result["updates fed / confirmed"])[1]


def sent_nothing_twice(result: dict[str, Any], *, in_doubt: int = 0) -> None:
    """No card or topic twice; answers and relays twice only as often as the bot counted sends `in_doubt` (under way
    at a kill: the Bot API cannot tell whether they arrived)."""
    relayed_twice = figures(result["staff answers relayed once / twice / never"])[1]
    assert result["answers sent twice"] + relayed_twice <= in_doubt
    for row in ("staff cards once / twice / never", "topics once / twice / never"):
        assert figures(result[row])[1] == 0, row


@pytest.fixture(scope="module")
def crash(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    return asyncio.run(soak.crash(tmp_path_factory.mktemp("crash"), soak.SHORT))


@pytest.fixture(scope="module")
def aimed(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    return asyncio.run(soak.crash_aimed(tmp_path_factory.mktemp("aimed"), soak.SHORT))


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    return asyncio.run(soak.hostile(tmp_path_factory.mktemp("hostile"), soak.SHORT))


def test_random_kills_lose_no_question_answer_ticket_or_staff_answer(crash: dict[str, Any]) -> None:
    assert figures(crash["kills / exits nobody asked for / tracebacks"]) == [1, 0, 0]
    lost_nothing(crash)


def test_kills_aimed_right_after_a_reply_and_a_relay_lose_nothing(aimed: dict[str, Any]) -> None:
    assert figures(aimed["kills / exits nobody asked for / tracebacks"]) == [2, 0, 0]
    lost_nothing(aimed)


def test_kills_aimed_right_after_a_send_repeat_only_sends_the_bot_counted_in_doubt(aimed: dict[str, Any]) -> None:
    """The Bot API has no idempotency key and no way to ask whether a message arrived: a kill after Telegram performed
    a reply or a relay, before its outcome was noted, may send it again (issue 14 accepts these, counted). Whether it
    does depends on where the kill falls; that every repeat is one the bot counted at its restart does not."""
    sent_nothing_twice(aimed, in_doubt=aimed["sends under way at a kill (counted by the bot at its restart)"])


def test_thirty_percent_of_sends_faulted_lose_nothing_and_turn_nothing_into_an_apology(tmp_path: Path) -> None:
    result = asyncio.run(soak.faults(tmp_path, soak.SHORT))
    assert sum(figures(part.split(" ")[-1])[0] for part in result["faults injected"].split(", ")) > 5
    lost_nothing(result)


@pytest.mark.parametrize(("kind", "drain"), [
    ("slow", 20.0),  # answered after 6 s, within the bot's 20 s: waited for
    ("late", 40.0),  # performed, but answered after the bot's 20 s: taken as sent, not sent again
])
def test_a_reply_telegram_answers_late_arrives_once(tmp_path: Path, kind: str, drain: float) -> None:
    late = Faults(rate=1.0, kinds=(kind,), methods=frozenset({"sendMessage"}), most=1)
    result = asyncio.run(soak.faults(tmp_path, soak.Size(users=1, questions=2, humans=0, drain=drain), faults=late))
    assert result["faults injected"] == f"{kind} 1"
    lost_nothing(result)
    sent_nothing_twice(result)


def test_hostile_updates_cause_no_exit_traceback_refusal_or_message_into_foreign_chats(hostile: dict[str, Any]) -> None:
    assert figures(hostile["updates fed / confirmed"])[0] >= soak.SHORT.hostile
    assert figures(hostile["kills / exits nobody asked for / tracebacks"]) == [0, 0, 0]
    assert hostile["messages into chats the bot does not serve"] == 0
    assert hostile["refused calls by method"] == "0"


def test_a_normal_question_right_after_each_malformed_update_is_answered(hostile: dict[str, Any]) -> None:
    asked = int(hostile["questions asked"])
    assert asked > 0 and "malformed + question" in hostile["kinds fed"]
    assert figures(hostile["answers delivered / apology only / none"]) == [asked, 0, 0]
    assert figures(hostile["needs logged once / twice / never"]) == [asked, 0, 0]


def test_under_load_with_telegrams_limits_enforced_every_question_is_answered(tmp_path: Path) -> None:
    result = asyncio.run(soak.load_once(tmp_path, 6, limits=Limits(), questions=4))
    lost_nothing(result)
    per_second, per_chat, _ = figures(result["max messages: per s overall / per s one chat / per min one group"])
    assert per_second <= Limits().per_second and per_chat <= Limits().chat_burst


def test_a_bare_echo_bot_answers_the_same_load_for_comparison(tmp_path: Path) -> None:
    result = asyncio.run(soak.load_once(tmp_path, 4, echo=True, questions=3))
    assert figures(result["answers delivered / apology only / none"]) == [12, 0, 0]


@pytest.mark.parametrize("variant", ["constant", "direct"])
def test_the_floor_bots_answer_every_question_once_and_log_no_need(tmp_path: Path, variant: str) -> None:
    result = asyncio.run(soak.load_once(tmp_path, 4, questions=3, per_second=soak.PAID,
                                        entry=(str(soak.FLOOR), variant)))
    assert figures(result["answers delivered / apology only / none"]) == [12, 0, 0]
    assert result["answers sent twice"] == 0
    assert figures(result["needs logged once / twice / never"])[:3] == [0, 0, 12]
