"""The reminder round: which deadlines and new events are due for whom, queued once whatever runs again."""

from collections.abc import Mapping
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import select

from bot.config import ReminderSettings, Settings
from bot.i18n.catalog import load_catalog
from bot.knowledge.entries import Entry, Kind, Source, Text
from bot.matching.language_data import LanguageData
from bot.reminders.due import deadline_due, queue_due
from bot.reminders.subscriptions import subscribe, unsubscribe
from bot.services import Knowledge, load_knowledge_for
from bot.storage.database import open_database, session_scope
from bot.storage.reminder_tables import Topic
from bot.storage.tables import Actor, OutboxMessage
from tests.conftest import write_files
from tests.databases import url_for

SETTINGS = ReminderSettings()  # 14 and 3 days before, from 09:00 in Stockholm
MORNING = datetime(2027, 3, 1, 8, 0, tzinfo=UTC)  # 09:00 in Sweden: 14 days before 15 March


def fund(deadline: object, next_deadline: date | None = None) -> Entry:
    return Entry(id="f", kind=Kind.FUNDING, title=Text({"en": "F"}), summary=None, source=Source("f.yaml", 1),
                 deadline=deadline, next_deadline=next_deadline)  # type: ignore[arg-type]


@pytest.mark.parametrize(("today", "expected"), [
    (date(2027, 2, 28), None),            # 15 days before: nothing yet
    (date(2027, 3, 1), (14, 14)),         # 14 days before
    (date(2027, 3, 5), (14, 10)),         # missed while down: the 14-day reminder, late, with the days left
    (date(2027, 3, 12), (3, 3)),
    (date(2027, 3, 15), (3, 0)),          # the day itself
    (date(2027, 3, 16), None),            # passed
])
def test_the_reminder_due_is_the_nearest_offset_the_deadline_is_within(today: date,
                                                                      expected: tuple[int, int] | None) -> None:
    due = deadline_due(fund(date(2027, 3, 15)), today, (14, 3))
    assert (None if due is None else (due.offset, due.left)) == expected


def test_a_closed_round_reminds_of_the_next_and_rolling_funding_of_nothing() -> None:
    due = deadline_due(fund(date(2027, 1, 15), next_deadline=date(2027, 3, 15)), date(2027, 3, 12), (14, 3))
    assert due is not None and due.deadline == date(2027, 3, 15)
    assert deadline_due(fund("rolling"), date(2027, 3, 12), (14, 3)) is None


@pytest.fixture
def knowledge(tmp_path: Path, reminder_base: Mapping[str, str], language_data: LanguageData) -> Knowledge:
    return load_knowledge_for(Settings(), language_data, write_files(tmp_path / "kb", reminder_base))


@pytest.fixture
def engine(tmp_path: Path) -> Engine:
    return open_database(url_for(tmp_path / "reminders.db"))


def person(engine: Engine, knowledge: Knowledge, key: str, *, chat: int, region: str | None, art: str | None,
           topics: tuple[Topic, ...], language: str = "sv") -> None:
    with session_scope(engine) as session:
        session.add(Actor(key=key, language=language, region=region, art_form=art))
        for topic in topics:
            subscribe(session, user_key=key, chat_id=chat, topic=topic, kb=knowledge.kb)


def queued(engine: Engine) -> dict[int, list[str]]:
    with session_scope(engine) as session:
        rows = session.exec(select(OutboxMessage).order_by(OutboxMessage.id)).all()  # type: ignore[arg-type]
        by_chat: dict[int, list[str]] = {}
        for row in rows:
            by_chat.setdefault(row.chat_id, []).append(row.payload["text"])
        return by_chat


def run(engine: Engine, knowledge: Knowledge, now: datetime) -> int:
    with session_scope(engine) as session:
        return queue_due(session, knowledge=knowledge, texts=load_catalog(), settings=SETTINGS, now=now)


def test_deadlines_go_to_those_whose_profile_they_fit_once_however_often_the_round_runs(
        engine: Engine, knowledge: Knowledge) -> None:
    person(engine, knowledge, "flen-theatre", chat=1, region="Flen", art="theatre", topics=(Topic.DEADLINES,))
    person(engine, knowledge, "sormland-any", chat=2, region="Sörmland", art=None, topics=(Topic.DEADLINES,))
    person(engine, knowledge, "naestved", chat=3, region="Næstved", art=None, topics=(Topic.DEADLINES,), language="da")
    person(engine, knowledge, "not-subscribed", chat=4, region="Flen", art="theatre", topics=())
    assert run(engine, knowledge, MORNING) == 3
    assert run(engine, knowledge, MORNING.replace(hour=14)) == 0  # later the same day, or after a restart
    texts = queued(engine)
    assert texts[1] == ["⏰ Turnéstöd för teater i Sörmland: sista ansökningsdag är 2027-03-15, om 14 dagar."]
    assert len(texts[2]) == 2  # no art form: both Sörmland funds
    assert 3 not in texts or all("Næstved" not in t for t in texts[3])  # 20 March is 19 days away
    assert run(engine, knowledge, datetime(2027, 3, 6, 8, 0, tzinfo=UTC)) == 1  # Næstved's 14 days
    assert run(engine, knowledge, datetime(2027, 3, 12, 8, 0, tzinfo=UTC)) == 3  # the 3-day reminders
    assert queued(engine)[3] == ["⏰ Talentpuljen i Næstved: fristen er 2027-03-20, om 14 dage."]


def test_nothing_goes_before_the_morning_hour(engine: Engine, knowledge: Knowledge) -> None:
    person(engine, knowledge, "flen-theatre", chat=1, region="Flen", art="theatre", topics=(Topic.DEADLINES,))
    assert run(engine, knowledge, MORNING.replace(hour=7, minute=59)) == 0  # 08:59 in Sweden
    assert run(engine, knowledge, MORNING) == 1


def test_only_events_new_since_the_subscription_and_in_the_region_are_announced(
        engine: Engine, knowledge: Knowledge, tmp_path: Path, grown_base: Mapping[str, str],
        language_data: LanguageData) -> None:
    person(engine, knowledge, "naestved", chat=3, region="Næstved", art=None, topics=(Topic.EVENTS,), language="da")
    person(engine, knowledge, "flen", chat=1, region="Flen", art=None, topics=(Topic.EVENTS,))
    assert run(engine, knowledge, MORNING) == 0  # the Flen breakfast was in the base at the yes
    knowledge = load_knowledge_for(Settings(), language_data, write_files(tmp_path / "kb2", grown_base))
    assert run(engine, knowledge, MORNING) == 1
    assert run(engine, knowledge, MORNING) == 0
    with session_scope(engine) as session:
        [row] = session.exec(select(OutboxMessage)).all()
    assert row.chat_id == 3 and row.method == "document" and row.payload["filename"] == "naestved-netvaerk-2027.ics"
    assert "Netværksmøde i Næstved, 2027-05-06 10:00" in row.payload["text"]
    assert row.payload["buttons"][-1] == [{"label": "Stop nyheder om arrangementer", "data": "rm:off:events"}]


def test_an_unsubscribed_person_gets_nothing(engine: Engine, knowledge: Knowledge) -> None:
    person(engine, knowledge, "flen-theatre", chat=1, region="Flen", art="theatre", topics=(Topic.DEADLINES,))
    with session_scope(engine) as session:
        assert unsubscribe(session, user_key="flen-theatre", topic=Topic.DEADLINES)
    assert run(engine, knowledge, MORNING) == 0
