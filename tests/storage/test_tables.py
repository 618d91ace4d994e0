"""The tables: timestamps go in as UTC and come back aware, whatever the database keeps."""

from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

from sqlalchemy import text
from sqlmodel import select

from bot.storage.database import add_missing_columns, open_database, session_scope
from bot.storage.tables import Need, Ticket


def test_timestamps_come_back_aware_in_utc_and_compare_in_sql(tmp_path: Path) -> None:
    engine = open_database(f"sqlite:///{tmp_path / 'm.db'}")
    stockholm = timezone(timedelta(hours=1))
    with session_scope(engine) as session:
        session.add(Ticket(user_key="k", language="sv", question="q",
                           created_at=datetime(2027, 3, 10, 9, 0, tzinfo=stockholm)))
    with session_scope(engine) as session:
        ticket = session.exec(select(Ticket)).one()
        assert ticket.created_at == datetime(2027, 3, 10, 8, 0, tzinfo=UTC) and ticket.created_at.tzinfo is UTC
        assert ticket.closed_at is None
        before = session.exec(select(Ticket).where(Ticket.created_at < datetime(2027, 3, 10, 8, 30, tzinfo=UTC))).all()
        assert [t.id for t in before] == [ticket.id]


def test_a_database_from_before_gains_the_new_columns_with_their_defaults(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'old.db'}"
    engine = open_database(url)
    with session_scope(engine) as session:
        session.add(Ticket(user_key="k", chat_id=1, language="sv", question="q"))
        session.add(Need(user_key="k", language="sv", text="q", decision="answer"))
    with engine.begin() as connection:  # the shape of the tables before this release
        for table, column in (("ticket", "subject"), ("ticket", "forgotten"), ("need", "scope")):
            connection.execute(text(f"ALTER TABLE {table} DROP COLUMN {column}"))
    engine.dispose()
    engine = open_database(url)
    with session_scope(engine) as session:
        ticket, need = session.exec(select(Ticket)).one(), session.exec(select(Need)).one()
        assert (ticket.subject, ticket.forgotten, need.scope) == ("", False, "domain")
    assert add_missing_columns(engine) == []
