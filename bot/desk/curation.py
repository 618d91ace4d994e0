"""The base in staff hands: the weekly list of entries that need a look, posted once a week via the outbox."""

from __future__ import annotations

from datetime import date

from sqlmodel import Session, select

from bot.desk.outbox import Method, enqueue
from bot.desk.tickets import StaffGroup, Texts
from bot.knowledge.entries import KnowledgeBase
from bot.knowledge.review import Stale, stale_entries
from bot.storage.tables import OutboxMessage

LIST_MAX = 30  # lines in one weekly message; the rest is counted, `kb check` lists them all


def review_text(stale: list[Stale], *, texts: Texts, language: str) -> str:
    """'12 entries need a look', then each title and why, in the staff's language."""
    lines = [texts(language, "review.header", count=len(stale))]
    for item in stale[:LIST_MAX]:
        why = texts(language, f"review.{item.why.value}", since=item.since.isoformat() if item.since else "")
        lines.append(f"• {item.entry.title.get(language)} — {why}")
    if len(stale) > LIST_MAX:
        lines.append(texts(language, "review.more", count=len(stale) - LIST_MAX))
    return "\n".join(lines)


def weekly_review(session: Session, *, desk: StaffGroup, texts: Texts, kb: KnowledgeBase, today: date,
                  review_after_days: int) -> bool:
    """Post the list into the staff group once per ISO week (the outbox key makes it once, across restarts)."""
    stale = stale_entries(kb, today=today, review_after_days=review_after_days)
    if not stale:
        return False
    year, week, _ = today.isocalendar()
    key = f"kb-review:{year}-W{week:02d}"
    if session.exec(select(OutboxMessage).where(OutboxMessage.key == key)).first() is not None:
        return False
    enqueue(session, key=key, method=Method.MESSAGE, chat_id=desk.chat_id,
            payload={"text": review_text(stale, texts=texts, language=desk.language)})
    return True
