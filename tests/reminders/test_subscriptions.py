"""Subscriptions: one row per person and topic, shown by /mydata, gone with /forget together with queued reminders."""

from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path

from sqlmodel import select

from bot.config import ReminderSettings, Settings
from bot.i18n.catalog import load_catalog
from bot.matching.language_data import LanguageData
from bot.reminders.due import queue_due
from bot.reminders.subscriptions import subscribe, topics_of, unsubscribe
from bot.services import load_knowledge_for
from bot.storage.database import open_database, session_scope
from bot.storage.privacy import forget, my_data
from bot.storage.reminder_tables import Subscription, Topic
from bot.storage.tables import Actor, OutboxMessage
from tests.conftest import write_files
from tests.databases import url_for


def test_a_second_yes_changes_nothing_and_a_no_removes_the_row(tmp_path: Path, reminder_base: Mapping[str, str],
                                                                language_data: LanguageData) -> None:
    kb = load_knowledge_for(Settings(), language_data, write_files(tmp_path / "kb", reminder_base)).kb
    engine = open_database(url_for(tmp_path / "db"))
    with session_scope(engine) as session:
        assert subscribe(session, user_key="k", chat_id=1, topic=Topic.EVENTS, kb=kb)
        session.flush()
        assert not subscribe(session, user_key="k", chat_id=1, topic=Topic.EVENTS, kb=kb)
        assert topics_of(session, "k") == {Topic.EVENTS}
        assert session.get(Subscription, ("k", Topic.EVENTS)).known == ["kulturfrukost-flen-2027"]  # type: ignore[union-attr]
        assert unsubscribe(session, user_key="k", topic=Topic.EVENTS)
        assert not unsubscribe(session, user_key="k", topic=Topic.EVENTS)
        assert topics_of(session, "k") == frozenset()


def test_mydata_lists_the_subscriptions_and_forget_leaves_no_row_nor_queued_reminder(
        tmp_path: Path, reminder_base: Mapping[str, str], language_data: LanguageData) -> None:
    knowledge = load_knowledge_for(Settings(), language_data, write_files(tmp_path / "kb", reminder_base))
    engine = open_database(url_for(tmp_path / "db"))
    with session_scope(engine) as session:
        session.add(Actor(key="k", language="sv", region="Flen", art_form="theatre"))
        for topic in Topic:
            subscribe(session, user_key="k", chat_id=77, topic=topic, kb=knowledge.kb)
        session.add(Actor(key="other", language="sv", region="Flen"))
        subscribe(session, user_key="other", chat_id=78, topic=Topic.DEADLINES, kb=knowledge.kb)
    with session_scope(engine) as session:
        assert queue_due(session, knowledge=knowledge, texts=load_catalog(), settings=ReminderSettings(),
                         now=datetime(2027, 3, 1, 8, tzinfo=UTC)) == 3
        assert [r["topic"] for r in my_data(session, "k")["reminders"]] == ["deadlines", "events"]
    with session_scope(engine) as session:
        forget(session, "k", user_id=77, chat_id=77)
    with session_scope(engine) as session:
        assert [s.user_key for s in session.exec(select(Subscription)).all()] == ["other"]
        assert {r.chat_id for r in session.exec(select(OutboxMessage)).all()} == {78}
        assert my_data(session, "k")["reminders"] == []


def test_stopping_takes_back_the_reminders_of_that_topic_still_waiting(
        tmp_path: Path, reminder_base: Mapping[str, str], language_data: LanguageData) -> None:
    knowledge = load_knowledge_for(Settings(), language_data, write_files(tmp_path / "kb", reminder_base))
    engine = open_database(url_for(tmp_path / "db"))
    with session_scope(engine) as session:
        session.add(Actor(key="k", language="sv", region="Sörmland"))
        subscribe(session, user_key="k", chat_id=77, topic=Topic.DEADLINES, kb=knowledge.kb)
    with session_scope(engine) as session:
        assert queue_due(session, knowledge=knowledge, texts=load_catalog(), settings=ReminderSettings(),
                         now=datetime(2027, 3, 1, 8, tzinfo=UTC)) == 2
        sent = session.exec(select(OutboxMessage)).first()
        assert sent is not None
        sent.state = "sent"  # one went already; the other waits
    with session_scope(engine) as session:
        unsubscribe(session, user_key="k", topic=Topic.DEADLINES)
    with session_scope(engine) as session:
        assert [r.state for r in session.exec(select(OutboxMessage)).all()] == ["sent"]
