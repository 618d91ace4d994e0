"""Saved replies: staff keep a good answer under a short name and send it again with /reply NAME.

`/reply save NAME [LANG]` (as a reply to a staff message) keeps that message's text, in the ticket's language
(or LANG); `/reply NAME` in a ticket's topic sends the version in the person's language, else the staff's,
else any; `/reply list` shows what is kept. Saving a name again in one language replaces its text."""

from __future__ import annotations

import re

from sqlmodel import Session, col, select

from bot.languages import LANGUAGES
from bot.storage.tables import SavedReply, Ticket, utcnow

NAME = re.compile(r"[\w-]{1,40}")


def parse_save(args: str) -> tuple[str, str | None] | None:
    """'save NAME [LANG]' into (name, language or None); None when the name is missing or not a word."""
    parts = args.split()
    if not 2 <= len(parts) <= 3 or parts[0].lower() != "save" or not NAME.fullmatch(parts[1]):
        return None
    language = parts[2].lower() if len(parts) == 3 else None
    if language is not None and language not in LANGUAGES:
        return None
    return parts[1].lower(), language


def save(session: Session, *, name: str, language: str, text: str) -> SavedReply:
    """Keep `text` as NAME in `language`, replacing what that name held in that language."""
    kept = session.exec(select(SavedReply).where(SavedReply.name == name, SavedReply.language == language)).first()
    if kept is None:
        kept = SavedReply(name=name, language=language, text=text)
    kept.text, kept.saved_at = text, utcnow()
    session.add(kept)
    return kept


def find(session: Session, *, name: str, languages: tuple[str, ...]) -> SavedReply | None:
    """NAME in the first of `languages` it is kept in, else in any language."""
    kept = {r.language: r for r in session.exec(select(SavedReply).where(SavedReply.name == name.lower()))}
    return next((kept[lang] for lang in languages if lang in kept), next(iter(kept.values()), None))


def listing(session: Session) -> list[tuple[str, list[str]]]:
    """Every saved name with its languages, alphabetically."""
    names: dict[str, list[str]] = {}
    for reply in session.exec(select(SavedReply).order_by(col(SavedReply.name), col(SavedReply.language))):
        names.setdefault(reply.name, []).append(reply.language)
    return list(names.items())


def language_for(ticket: Ticket | None, staff_language: str) -> str:
    """Where a reply is saved or looked for: the ticket's person's language, else the staff's."""
    return ticket.language if ticket is not None else staff_language
