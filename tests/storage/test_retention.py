"""The retention job: what people wrote goes after the retention time; counts and recent texts stay."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlmodel import select

from bot.storage.database import open_database, session_scope
from bot.storage.retention import Retained, apply_retention
from bot.storage.tables import InboxUpdate, Need, Ticket, TicketMessage
from tests.databases import url_for

NOW = datetime(2027, 6, 1, tzinfo=UTC)
OLD, RECENT = NOW - timedelta(days=400), NOW - timedelta(days=10)


def test_old_texts_inbox_rows_and_closed_tickets_chat_ids_go_recent_ones_and_counts_stay(tmp_path: Path) -> None:
    engine = open_database(url_for(tmp_path / "r.db"))
    with session_scope(engine) as session:
        for when, text in ((OLD, "gammal fråga"), (RECENT, "ny fråga")):
            session.add(Need(created_at=when, user_key="k", language="sv", text=text, decision="answer"))
        session.add_all([InboxUpdate(update_id=1, payload={}, received_at=OLD),
                         InboxUpdate(update_id=2, payload={}, received_at=RECENT)])
        closed = Ticket(user_key="k", chat_id=11, language="sv", question="gammalt ärende", state="closed",
                        created_at=OLD, closed_at=OLD)
        still_open = Ticket(user_key="k", chat_id=12, language="sv", question="öppet ärende", created_at=OLD)
        session.add_all([closed, still_open])
        session.flush()
        session.add(TicketMessage(ticket_id=closed.id, author="user", text="gammalt ärende"))
    with session_scope(engine) as session:
        done = apply_retention(session, before=NOW - timedelta(days=365))
    assert done == Retained(question_texts=1, inbox_rows=1, closed_tickets=1)
    with session_scope(engine) as session:
        assert sorted(n.text for n in session.exec(select(Need)).all()) == ["", "ny fråga"]
        assert [row.update_id for row in session.exec(select(InboxUpdate)).all()] == [2]
        assert sorted((t.question, t.chat_id) for t in session.exec(select(Ticket)).all()) == [
            ("", None), ("öppet ärende", 12)]
        assert session.exec(select(TicketMessage)).all() == []
    with session_scope(engine) as session:
        assert apply_retention(session, before=NOW - timedelta(days=365)) == Retained(0, 0, 0)
