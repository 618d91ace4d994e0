"""The weekly list of entries that need a look: in the staff's language, once a week across restarts."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date
from pathlib import Path

from sqlmodel import select

from bot.desk.curation import weekly_review
from bot.desk.tickets import StaffGroup
from bot.i18n.catalog import load_catalog
from bot.knowledge.loader import load_knowledge
from bot.storage.database import open_database, session_scope
from bot.storage.tables import OutboxMessage
from tests.knowledge.test_review import BASE

WriteKb = Callable[[Path, Mapping[str, str]], Path]
DESK = StaffGroup(chat_id=-1001, topics=True, language="da", promise={})


def test_the_list_names_each_entry_and_why_in_the_staff_language(tmp_path: Path, write_kb: WriteKb) -> None:
    kb = load_knowledge(write_kb(tmp_path / "kb", BASE))
    engine = open_database(f"sqlite:///{tmp_path / 'r.db'}")
    with session_scope(engine) as session:
        assert weekly_review(session, desk=DESK, texts=load_catalog(), kb=kb, today=date(2027, 6, 1),
                             review_after_days=180)
        [row] = session.exec(select(OutboxMessage)).all()
        assert row.chat_id == -1001
        assert row.payload["text"].splitlines() == [
            "5 opslag skal ses efter:",
            "• Closed grant — alle runder er lukket (2027-03-01)",
            "• Past breakfast — arrangementet er overstået (2027-05-04)",
            "• Unchecked grant — aldrig gennemgået",
            "• Old grant — sidst gennemgået 2026-01-01",
            "• Quick grant — sidst gennemgået 2027-04-20",
        ]


def test_it_is_posted_once_a_week_however_often_the_round_runs(tmp_path: Path, write_kb: WriteKb) -> None:
    kb = load_knowledge(write_kb(tmp_path / "kb", BASE))
    engine = open_database(f"sqlite:///{tmp_path / 'r.db'}")
    days = [date(2027, 5, 31), date(2027, 6, 1), date(2027, 6, 6), date(2027, 6, 7)]  # Mon, Tue, Sun, next Mon
    posted = []
    for day in days:
        with session_scope(engine) as session:  # each round its own transaction, as after a restart
            posted.append(weekly_review(session, desk=DESK, texts=load_catalog(), kb=kb, today=day,
                                        review_after_days=180))
    assert posted == [True, False, False, True]
    with session_scope(engine) as session:
        assert len(session.exec(select(OutboxMessage)).all()) == 2
