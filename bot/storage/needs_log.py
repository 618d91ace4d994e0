"""The needs log: every question with what the bot did about it, before the user sees the reply."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, select

from bot.matching.decisions import Decision, Result
from bot.storage.tables import Actor, Need, Scope, SmallTalkCount, utcnow


def log_question(session: Session, *, actor: Actor, text: str, result: Result, update_id: int | None,
                 channel: str = "telegram", now: datetime | None = None, scope: Scope = Scope.DOMAIN) -> Need:
    """Store the question once per update; a redelivered update returns the need logged before."""
    if update_id is not None:
        existing = session.exec(select(Need).where(Need.update_id == update_id)).first()
        if existing is not None and (existing.user_key, existing.text) == (actor.key, text):
            return existing
        if existing is not None:  # Telegram draws ids anew after a week of silence: an old need gives up its key
            existing.update_id = None
            session.flush()
    need = Need(created_at=now or utcnow(), user_key=actor.key, language=actor.language, region=actor.region,
                art_form=actor.art_form, text=text, decision=result.decision.value, update_id=update_id, scope=scope,
                matches=[{"id": m.entry.id, "kind": m.entry.kind, "score": round(m.score, 4)} for m in result.matches],
                channel=channel)
    session.add(need)
    session.flush()
    return need


def need_of(session: Session, need_id: int, actor: Actor) -> Need | None:
    """A need by id, only if it is this user's own (callback data can be forged)."""
    need = session.get(Need, need_id)
    return need if need is not None and need.user_key == actor.key else None


def record_feedback(need: Need, helpful: bool, *, now: datetime | None = None) -> None:
    """The user's verdict on an answer, kept on the need for the report."""
    need.feedback = "helpful" if helpful else "not_helpful"
    need.feedback_at = now or utcnow()


def mark_escalated(need: Need, *, ticket_id: int | None = None) -> None:
    """The need went to a person: analysis counts it as one the bot could not meet."""
    need.decision = Decision.ESCALATE
    if ticket_id is not None:
        need.ticket_id = ticket_id


def count_small_talk(session: Session, *, language: str, kind: str, day: date) -> None:
    """A greeting or thanks is counted, not logged as a need: analysis sees how much, never what."""
    insert = postgresql_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    table = SmallTalkCount.__table__  # type: ignore[attr-defined]
    statement = insert(table).values(day=day, language=language, kind=kind, count=1)
    session.execute(statement.on_conflict_do_update(  # one statement: two chats at once never collide on the row
        index_elements=[table.c.day, table.c.language, table.c.kind], set_={"count": table.c.count + 1}))
