"""Kontakt in the report: the counts it prints are the database's, and never a name or a line."""

from __future__ import annotations

import random
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy.engine import Engine
from sqlmodel import func, select

from bot.insights.kontakt import kontakt_counts
from bot.insights.periods import Period
from bot.insights.report import build_report
from bot.knowledge.entries import KnowledgeBase
from bot.storage.contact_tables import ContactCard, ContactRequest, ContactSearch, RequestState
from bot.storage.database import open_database, session_scope

SINCE, UNTIL = datetime(2027, 1, 1, tzinfo=UTC), datetime(2027, 4, 1, tzinfo=UTC)
PLACES = {"Flen": ("flen", "sormland"), "Leiden": ("leiden", "zuid-holland"), "Odense": ("odense", "fyn")}


def seed(path: Path) -> Engine:
    """Cards listed and hidden, searches with and without a match, introductions in every state, some outside
    the period, drawn from a fixed seed."""
    engine = open_database(f"sqlite:///{path}")
    draw = random.Random(16)
    with session_scope(engine) as session:
        for n in range(40):
            place = draw.choice(sorted(PLACES))
            arts = draw.sample(["dance", "music", "theatre", "visual-arts"], draw.randint(1, 2))
            session.add(ContactCard(user_key=f"u{n}", chat_id=n + 1, name=f"Secret name {n}", line="secret line",
                                    art_forms="|" + "|".join(arts) + "|", place=place, place_key=PLACES[place][0],
                                    region_key=PLACES[place][1], country="se", listed=draw.random() < 0.7))
        for _ in range(60):
            when = SINCE + timedelta(days=draw.randint(-20, 110))
            session.add(ContactSearch(created_at=when, language="sv", sought=draw.choice(["koreograf", "sound designer"]),
                                      place=draw.choice(["Flen", "Leiden", None]), found=draw.choice([0, 0, 2])))
            session.add(ContactRequest(created_at=when, state=draw.choice(list(RequestState)), line="secret line"))
    return engine


def test_the_counts_are_the_databases_within_the_period(tmp_path: Path) -> None:
    engine = seed(tmp_path / "k.db")
    counts = kontakt_counts(engine, Period(SINCE, UNTIL))
    with session_scope(engine) as session:
        listed = session.exec(select(ContactCard).where(ContactCard.listed)).all()
        inside = lambda column: (column >= SINCE) & (column < UNTIL)  # noqa: E731
        searches = session.exec(select(ContactSearch).where(inside(ContactSearch.created_at))).all()
        states = session.exec(select(ContactRequest.state, func.count()).where(inside(ContactRequest.created_at))
                              .group_by(ContactRequest.state)).all()
    assert counts.listed == len(listed)
    assert sum(counts.by_place.values()) == len(listed)
    assert counts.by_art["dance"] == sum("|dance|" in c.art_forms for c in listed)
    assert counts.searches == len(searches)
    assert sum(counts.gaps.values()) == sum(s.found == 0 for s in searches)
    assert counts.gaps["koreograf", "Flen"] == sum(s.found == 0 and (s.sought, s.place) == ("koreograf", "Flen")
                                                   for s in searches)
    assert dict(counts.introductions) == {str(state): n for state, n in states}


def test_the_report_prints_the_kontakt_counts_and_no_name_or_line(tmp_path: Path, reference_kb: KnowledgeBase) -> None:
    engine = seed(tmp_path / "k.db")
    page = build_report(engine, reference_kb, since=SINCE, until=UNTIL, out=tmp_path / "r" / "report.html",
                        language="en").read_text(encoding="utf-8")
    counts = kontakt_counts(engine, Period(SINCE, UNTIL))
    section = page[page.index('<section id="kontakt">'):]
    figure = dict(re.findall(r"<tr><th>([^<]+)</th><td>(\d+)</td></tr>", section))
    intro = counts.introductions
    assert figure["Culture actors listed now"] == str(counts.listed)
    assert figure["Of which found nobody"] == str(sum(counts.gaps.values()))
    assert figure["Introductions asked"] == str(sum(intro.values()))
    assert figure["Accepted"] == str(intro[RequestState.ACCEPTED])
    assert figure["Declined or blocked"] == str(intro[RequestState.DECLINED] + intro[RequestState.BLOCKED])
    (sought, place), top = counts.gaps.most_common(1)[0]
    assert f"{sought} in {place or 'Not given'}: {top} searches" in section
    assert "Secret name" not in page and "secret line" not in page
