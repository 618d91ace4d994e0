"""Writers on one SQLite file queue in this process: the record of a send first, a turn freed by any ending."""

from __future__ import annotations

import gc
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine

from bot.storage.database import make_engine
from bot.storage.sqlite_writes import FIRST, WriteTurns, take_turns


def write(engine: Engine, who: str) -> None:
    with engine.begin() as connection:
        connection.execute(text("INSERT INTO written VALUES (:who)"), {"who": who})


def until(condition: Callable[[], bool], *, seconds: float = 5.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.005)
    assert condition(), "timed out"


def test_a_write_marked_first_goes_before_writers_that_waited_longer() -> None:
    turns = WriteTurns()
    order: list[str] = []
    assert turns.take(first=False)

    def writer(name: str, *, first: bool) -> threading.Thread:
        def run() -> None:
            assert turns.take(first=first)
            order.append(name)
            turns.give_back()
        thread = threading.Thread(target=run)
        thread.start()
        return thread

    plain = writer("plain", first=False)
    until(lambda: turns.waiting == 1)
    urgent = writer("first", first=True)
    until(lambda: turns.waiting == 2)
    turns.give_back()
    plain.join(5)
    urgent.join(5)
    assert order == ["first", "plain"]


def test_the_engine_lets_writes_marked_first_overtake_on_a_real_file(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'bot.db'}", connect_args={"check_same_thread": False})
    turns = take_turns(engine)
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE written (who TEXT)"))
    holder = engine.connect()
    holder.execute(text("INSERT INTO written VALUES ('holder')"))  # holds the turn until it commits
    threads = [threading.Thread(target=write, args=(engine, "turn"))]
    threads[0].start()
    until(lambda: turns.waiting == 1)  # the plain writer queues first
    threads.append(threading.Thread(target=write, args=(engine.execution_options(**{FIRST: True}), "sent")))
    threads[1].start()
    until(lambda: turns.waiting == 2)
    holder.commit()
    holder.close()
    for thread in threads:
        thread.join(10)
    with engine.connect() as connection:
        assert [row[0] for row in connection.execute(text("SELECT who FROM written ORDER BY rowid"))] == [
            "holder", "sent", "turn"]


def test_a_transaction_whose_turn_never_came_waits_once_not_at_every_write(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'bot.db'}", connect_args={"check_same_thread": False})
    turns = take_turns(engine)
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE written (who TEXT)"))
    waits: list[bool] = []

    def in_vain(*, first: bool) -> bool:  # the whole patience spent, the turn held elsewhere
        waits.append(first)
        return False

    monkeypatch.setattr(turns, "take", in_vain)
    with engine.begin() as connection:
        for who in ("a", "b", "c"):
            connection.execute(text("INSERT INTO written VALUES (:who)"), {"who": who})
    assert waits == [False]


def test_a_rolled_back_writer_lets_the_next_one_in_at_once(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'bot.db'}")
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE written (who TEXT)"))
    with engine.connect() as connection:
        connection.execute(text("INSERT INTO written VALUES ('undone')"))
        connection.rollback()
    started = time.monotonic()
    write(engine, "next")
    assert time.monotonic() - started < 5  # not the 30 s a turn never given back costs


def test_a_connection_dropped_unclosed_gives_its_turn_back(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'bot.db'}")
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE written (who TEXT)"))

    def write_and_drop() -> None:
        connection = engine.connect()
        connection.execute(text("INSERT INTO written VALUES ('dropped')"))

    write_and_drop()
    gc.collect()
    started = time.monotonic()
    write(engine, "next")
    assert time.monotonic() - started < 5
