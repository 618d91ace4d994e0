"""On a seeded log of 10,000 questions (10 % small talk, 10 % off-topic) the report's figures equal the database's
own counts, and no small-talk or off-topic question appears among the unmet needs."""

from __future__ import annotations

import html
import random
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from bot.conversation.scope import scope_of
from bot.insights.report import build_report
from bot.services import Knowledge
from bot.storage.database import open_database, session_scope
from bot.storage.tables import Need, Scope

SMALL_TALK = ("hej!", "tack så mycket", "hi", "hoi", "ok", "tak", "dank je wel", "hello there", "👍")
OFF_TOPIC = ("vad blir det för väder i nyköping på lördag", "hvornår går toget til næstved",
             "wat is het weer in leiden", "what is the weather like in flen tomorrow")
DOMAIN = ("var kan vi söka pengar för en teaterturné", "hvem er kulturkonsulent i næstved",
          "hoe word ik lid van de leidse aanpak", "is there a course in writing applications",
          "vi behöver en replokal för vårt band i flen", "hvor kan vores musikskole låne et flygel",
          "finns det stöd för översättning av en pjäs", "where can a choir apply for festival money")
START = datetime(2026, 1, 5, 8, tzinfo=UTC)


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory, reference_knowledge: Knowledge) -> Engine:
    """10,000 questions over 13 weeks, each pool classified by the conversation's own scope_of."""
    matcher = reference_knowledge.matcher
    for pool, scope in ((SMALL_TALK, Scope.SMALL_TALK), (OFF_TOPIC, Scope.OFF_TOPIC), (DOMAIN, Scope.DOMAIN)):
        assert {scope_of(text, matcher.index.lexicon, off_topic=matcher.match(text).off_topic)
                for text in pool} == {scope}, pool
    rng = random.Random(12)
    engine = open_database(f"sqlite:///{tmp_path_factory.mktemp('figures') / 'needs.db'}")
    with session_scope(engine) as session:
        for n in range(10_000):
            scope, pool = ((Scope.SMALL_TALK, SMALL_TALK) if n % 10 == 0 else (Scope.OFF_TOPIC, OFF_TOPIC)
                           if n % 10 == 1 else (Scope.DOMAIN, DOMAIN))
            decision = rng.choice(("answer", "answer", "clarify", "escalate"))
            session.add(Need(created_at=START + timedelta(minutes=13 * n), user_key=f"u{n % 700}", language="sv",
                             text=rng.choice(pool), decision=decision, scope=scope,
                             chosen_id="x" if decision == "clarify" and rng.random() < 0.5 else None,
                             feedback=rng.choice((None, None, "helpful", "not_helpful")) if decision == "answer"
                             else None, matches=[{"id": "x", "kind": "funding", "score": 0.5}]))
    return engine


def count(engine: Engine, *where: object) -> int:
    with engine.connect() as connection:
        return int(connection.execute(select(func.count()).select_from(Need).where(*where)).scalar_one())


def test_the_pages_figures_equal_the_database_and_unmet_needs_hold_only_needs(seeded: Engine, tmp_path: Path) -> None:
    page = build_report(seeded, None, out=tmp_path / "r.html", language="en").read_text(encoding="utf-8")
    figures = dict(re.findall(r"<tr><th>([^<]+)</th><td>([^<]+)</td></tr>", html.unescape(page)))
    domain = Need.scope == Scope.DOMAIN
    needs = count(seeded, domain)
    answered = count(seeded, domain, Need.decision == "answer")
    picked = count(seeded, domain, Need.decision == "clarify", Need.chosen_id.is_not(None))  # type: ignore[union-attr]
    escalated = count(seeded, domain, Need.decision == "escalate")
    helpful, rated = count(seeded, domain, Need.feedback == "helpful"), count(seeded, domain, Need.feedback.is_not(None))  # type: ignore[union-attr]
    assert figures["Questions asked"] == "10000" == str(count(seeded))
    assert figures["Of which small talk (no need)"] == str(count(seeded, Need.scope == Scope.SMALL_TALK)) == "1000"
    assert figures["Of which outside our scope"] == str(count(seeded, Need.scope == Scope.OFF_TOPIC)) == "1000"
    assert figures["Needs (questions in our domain)"] == str(needs)
    assert figures["Answered by the bot"] == f"{(answered + picked) / needs:.0%}"
    assert figures["… directly"] == f"{answered / needs:.0%}"
    assert figures["… after a choice among options"] == f"{picked / needs:.0%}"
    assert figures["Handed to a person"] == f"{escalated / needs:.0%}"
    assert figures["Answers marked helpful"] == f"{helpful / rated:.0%}"
    last = START + timedelta(minutes=13 * 9_999)
    assert f"Period: 2026-01-05 – {last:%Y-%m-%d} (UTC)" in page  # real dates, not '… – …'

    section = html.unescape(page[page.index('<section id="unmet">'):page.index("</section>")])
    examples = re.findall(r"<li>([^<]+)</li>", section)
    assert examples and set(examples) <= set(DOMAIN)
    assert not any(text in section for text in (*OFF_TOPIC, "väder", "toget", "weer", "weather"))
    sizes = [int(s) for s in re.findall(r'<span class="size">(\d+) questions</span>', section)]
    assert sizes == sorted(sizes, reverse=True) and sum(sizes) <= escalated + count(
        seeded, domain, Need.feedback == "not_helpful")
