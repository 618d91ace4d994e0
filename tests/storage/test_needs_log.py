"""The needs log: one pseudonymous row per question, feedback only from its owner."""

from pathlib import Path

from sqlalchemy import text
from sqlmodel import Session, select

from bot.matching.decisions import Decision, Match, Result
from bot.services import Knowledge
from bot.storage.database import open_database, session_scope
from bot.storage.needs_log import log_question, mark_escalated, need_of, record_feedback
from bot.storage.pseudonyms import user_key
from bot.storage.tables import Actor, Need
from tests.databases import url_for

TELEGRAM_ID = 987654321


def _result(knowledge: Knowledge, question: str) -> Result:
    return knowledge.matcher.match(question)


def _actor(session: Session, user_id: int = TELEGRAM_ID) -> Actor:
    actor = Actor(key=user_key(user_id, b"secret"), language="da", region="Næstved", art_form="music")
    session.add(actor)
    return actor


def test_a_question_is_stored_with_profile_decision_and_scores_under_a_pseudonym(
        tmp_path: Path, reference_knowledge: Knowledge) -> None:
    engine = open_database(url_for(tmp_path / 'n.db'))
    result = _result(reference_knowledge, "hvem er kulturkonsulent i næstved")
    with session_scope(engine) as session:
        log_question(session, actor=_actor(session), text="hvem er kulturkonsulent i næstved", result=result,
                     update_id=41)
    with session_scope(engine) as session:
        need = session.exec(select(Need)).one()
        assert (need.language, need.region, need.art_form, need.decision) == ("da", "Næstved", "music", "answer")
        assert need.matches[0] == {"id": result.matches[0].entry.id, "kind": "contact",
                                   "score": round(result.matches[0].score, 4)}
        dump = " ".join(str(value) for row in session.execute(text("SELECT * FROM need")) for value in row)
        assert str(TELEGRAM_ID) not in dump and need.user_key == user_key(TELEGRAM_ID, b"secret")


def test_a_redelivered_update_is_logged_once(tmp_path: Path, reference_knowledge: Knowledge) -> None:
    engine = open_database(url_for(tmp_path / 'n.db'))
    result = _result(reference_knowledge, "finns det en kurs i projektledning")
    with session_scope(engine) as session:
        actor = _actor(session)
        first = log_question(session, actor=actor, text="finns det en kurs i projektledning", result=result,
                             update_id=7)
        again = log_question(session, actor=actor, text="finns det en kurs i projektledning", result=result,
                             update_id=7)
        assert again.id == first.id
        log_question(session, actor=actor, text="and from the console", result=result, update_id=None)
        log_question(session, actor=actor, text="and from the console", result=result, update_id=None)
    with session_scope(engine) as session:
        assert len(session.exec(select(Need)).all()) == 3  # only updates carry an id to deduplicate on


def test_feedback_can_only_reach_the_askers_own_need(tmp_path: Path, reference_knowledge: Knowledge) -> None:
    engine = open_database(url_for(tmp_path / 'n.db'))
    with session_scope(engine) as session:
        owner, stranger = _actor(session), _actor(session, user_id=1)
        need = log_question(session, actor=owner, text="hej", result=Result("hej", Decision.ESCALATE, ()),
                            update_id=None)
        assert need.id is not None
        assert need_of(session, need.id, stranger) is None
        mine = need_of(session, need.id, owner)
        assert mine is not None
        record_feedback(mine, helpful=True)
    with session_scope(engine) as session:
        stored = session.exec(select(Need)).one()
        assert stored.feedback == "helpful" and stored.feedback_at is not None


def test_an_escalated_need_counts_as_escalated_and_keeps_its_matches(tmp_path: Path,
                                                                      reference_knowledge: Knowledge) -> None:
    engine = open_database(url_for(tmp_path / 'n.db'))
    entry = reference_knowledge.kb.entries[0]
    with session_scope(engine) as session:
        need = log_question(session, actor=_actor(session), text="x",
                            result=Result("x", Decision.ANSWER, (Match(entry, 0.9),)), update_id=None)
        mark_escalated(need)
    with session_scope(engine) as session:
        stored = session.exec(select(Need)).one()
        assert (stored.decision, stored.matches[0]["id"]) == ("escalate", entry.id)


def test_an_update_id_telegram_draws_anew_logs_the_new_question_and_keeps_the_old(
        tmp_path: Path, reference_knowledge: Knowledge) -> None:
    """After a week without updates Telegram numbers them anew at random: an old id may come back."""
    engine = open_database(url_for(tmp_path / 'n.db'))
    result = _result(reference_knowledge, "finns det en kurs i projektledning")
    with session_scope(engine) as session:
        actor = _actor(session)
        old = log_question(session, actor=actor, text="finns det en kurs i projektledning", result=result, update_id=7)
        new = log_question(session, actor=actor, text="och en kurs i marknadsföring?", result=result, update_id=7)
        assert new.id != old.id and (old.update_id, new.update_id) == (None, 7)
    with session_scope(engine) as session:
        assert len(session.exec(select(Need)).all()) == 2
