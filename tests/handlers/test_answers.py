"""Recording a turn's replies in the outbox, in the turn's own transaction."""

from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from bot.conversation.events import Reply, Turn
from bot.desk.outbox import Method, enqueue
from bot.i18n.catalog import load_catalog
from bot.storage.database import open_database, session_scope
from handlers.answers import Recorder
from tests.databases import url_for


@pytest.fixture
def engine(tmp_path: Path) -> Engine:
    return open_database(url_for(tmp_path / "answers.db"))


def test_the_recorder_hands_the_sender_the_chats_pending_rows_oldest_first(engine: Engine) -> None:
    with session_scope(engine) as session:  # an earlier answer to this chat still waits; another chat's too
        enqueue(session, key="earlier", method=Method.REPLY, chat_id=7, payload={"html": "earlier"})
        enqueue(session, key="elsewhere", method=Method.REPLY, chat_id=8, payload={"html": "elsewhere"})
    record = Recorder(chat_id=7, update_id=41, catalog=load_catalog())
    with session_scope(engine) as session:
        record(session, Turn((Reply("first"), Reply("second"))))
        earlier = session.connection().exec_driver_sql(
            "SELECT id FROM outboxmessage WHERE chat_id = 7 ORDER BY id").scalars().all()
    assert len(record.pending) == 3
    assert record.pending == list(earlier)  # the waiting row first, then this turn's two, in order


def test_a_turn_that_queued_a_row_for_another_chat_asks_for_the_senders_round(engine: Engine) -> None:
    escalating = Recorder(chat_id=7, update_id=42, catalog=load_catalog())
    with session_scope(engine) as session:  # the turn's ticket card goes to the staff group
        enqueue(session, key="ticket:1:card", method=Method.MESSAGE, chat_id=-100, payload={"text": "a card"})
        escalating(session, Turn((Reply("a person answers"),)))
    answering = Recorder(chat_id=7, update_id=43, catalog=load_catalog())
    with session_scope(engine) as session:  # a rating asked of the person themselves is sent with the answer
        enqueue(session, key="ticket:1:rate:1", method=Method.MESSAGE, chat_id=7, payload={"text": "rate us"})
        answering(session, Turn((Reply("the answer"),)))
    assert escalating.others and not answering.others
