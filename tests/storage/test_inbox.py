"""The inbox: an update stored once, a redelivery (even after its payload was emptied) changing nothing."""

from __future__ import annotations

import threading
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlmodel import select

from bot.storage import inbox
from bot.storage.database import open_database, session_scope
from bot.storage.inbox import Incoming
from bot.storage.quarantine import MAX_TRIES
from bot.storage.tables import InboxUpdate, QuarantinedUpdate, utcnow
from tests.databases import url_for


def update(update_id: int, text: str = "hej") -> dict[str, Any]:
    return {"update_id": update_id, "message": {"message_id": 1, "date": 0, "chat": {"id": 5, "type": "private"},
                                                "text": text}}


def readable(_payload: dict[str, Any]) -> None:
    return None


def test_a_redelivery_after_the_payload_was_emptied_is_not_taken_for_a_new_update(tmp_path: Path) -> None:
    engine = open_database(url_for(tmp_path / "bot.db"))
    inbox.store(engine, [Incoming(1, update(1), 7)], readable)
    inbox.mark_processed(engine, 1, None, update(1))
    assert inbox.empty_handled(engine, since=utcnow() - timedelta(days=1), before=utcnow() + timedelta(seconds=1)) == 1
    inbox.store(engine, [Incoming(1, update(1), 7)], readable)  # Telegram never heard our 200: it posts it again
    assert inbox.pending(engine, exclude=frozenset()) == []
    with session_scope(engine) as session:
        row = session.get(InboxUpdate, 1)
        assert row is not None and row.payload == {} and row.lane is None


def test_an_id_reused_with_another_update_is_stored_anew(tmp_path: Path) -> None:
    engine = open_database(url_for(tmp_path / "bot.db"))
    inbox.store(engine, [Incoming(1, update(1), 7)], readable)
    inbox.mark_processed(engine, 1, None, update(1))
    inbox.store(engine, [Incoming(1, update(1, "another week, another update"), 7)], readable)
    assert [p.payload["message"]["text"] for p in inbox.pending(engine, exclude=frozenset())] == [
        "another week, another update"]


def test_a_failure_after_the_turn_committed_is_recorded_but_neither_retried_nor_set_aside(tmp_path: Path) -> None:
    engine = open_database(url_for(tmp_path / "bot.db"))
    inbox.store(engine, [Incoming(1, update(1), 7)], readable)
    for _ in range(MAX_TRIES - 1):
        inbox.mark_processed(engine, 1, "busy", update(1))  # tries that failed before their turn committed
    with session_scope(engine) as session:
        inbox.handled_in(session, 1)  # the last try's turn commits
    inbox.mark_processed(engine, 1, "the reply step failed", update(1), counted=True)
    assert inbox.pending(engine, exclude=frozenset()) == []
    with session_scope(engine) as session:
        row = session.get(InboxUpdate, 1)
        assert row is not None and row.attempts == MAX_TRIES and row.error == "the reply step failed"
        assert session.exec(select(QuarantinedUpdate)).all() == []


def test_pending_of_one_lane_leaves_the_other_chats_out(tmp_path: Path) -> None:
    engine = open_database(url_for(tmp_path / "bot.db"))
    inbox.store(engine, [Incoming(n, update(n), n % 2) for n in range(1, 7)], readable)
    assert [p.update_id for p in inbox.pending(engine, exclude=frozenset({3}), lane=1)] == [1, 5]


def test_two_instances_storing_the_same_update_at_once_store_it_once(tmp_path: Path) -> None:
    url = url_for(tmp_path / "bot.db")
    engines = [open_database(url) for _ in range(4)]
    errors: list[BaseException] = []
    start = threading.Barrier(4)

    def store(n: int) -> None:
        start.wait()
        try:
            for update_id in range(1, 41):
                inbox.store(engines[n], [Incoming(update_id, update(update_id), 1)], readable)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=store, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with session_scope(engines[0]) as session:
        assert sorted(session.exec(select(InboxUpdate.update_id)).all()) == list(range(1, 41))
