"""The tables: timestamps go in as UTC and come back aware, whatever the database keeps."""

from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

from sqlmodel import select

from bot.storage.database import open_database, session_scope
from bot.storage.tables import Ticket
from tests.databases import url_for


def test_timestamps_come_back_aware_in_utc_and_compare_in_sql(tmp_path: Path) -> None:
    engine = open_database(url_for(tmp_path / 'm.db'))
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
