"""Kontakt's tables: opt-in cards, introductions asked with consent, blocks, and anonymous search counts."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import BigInteger, UniqueConstraint
from sqlmodel import Field, Session, SQLModel

from bot.storage.tables import UtcDateTime, utcnow


class ContactCard(SQLModel, table=True):
    """A culture actor's card: shown to others only while `listed`; never an id, a username or a phone."""

    id: int | None = Field(default=None, primary_key=True)
    user_key: str = Field(unique=True, max_length=64)
    chat_id: int = Field(sa_type=BigInteger)  # how the bot reaches them for an introduction; never shown
    name: str = Field(max_length=80)
    art_forms: str = Field(default="|", max_length=200)  # "|dance|music|": one LIKE finds an art form
    place: str = Field(max_length=80)  # as the actor wrote it
    place_key: str = Field(max_length=80, index=True)  # the gazetteer's folded name
    region_key: str = Field(max_length=80, index=True)
    country: str = Field(max_length=8, index=True)
    languages: str = Field(default="", max_length=20)  # "sv,en"
    line: str = Field(default="", max_length=300)
    folded: str = Field(default="", max_length=400)  # name and line folded, for role words
    listed: bool = Field(default=False, index=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)


class RequestState(StrEnum):
    """Where an introduction stands; the asker is told the same kind words for every 'no'."""

    PENDING = "pending"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    BLOCKED = "blocked"
    EXPIRED = "expired"


class ContactRequest(SQLModel, table=True):
    """One introduction asked: the asker's line goes to the listed person, who accepts, declines or blocks."""

    id: int | None = Field(default=None, primary_key=True)
    asker_key: str | None = Field(default=None, index=True, max_length=64)  # None once /forget scrubbed it
    asker_chat_id: int | None = Field(default=None, sa_type=BigInteger)
    asker_username: str | None = Field(default=None, max_length=64)
    target_key: str | None = Field(default=None, index=True, max_length=64)
    target_card_id: int | None = Field(default=None, index=True)
    line: str | None = Field(default=None, max_length=300)
    by_staff: bool = False  # offered by staff from a ticket
    state: str = Field(default=RequestState.PENDING, max_length=16, index=True)
    created_at: datetime = Field(default_factory=utcnow, index=True, sa_type=UtcDateTime)
    settled_at: datetime | None = Field(default=None, sa_type=UtcDateTime)


class ContactBlock(SQLModel, table=True):
    """A listed person blocked an asker: that asker cannot ask them again."""

    __table_args__ = (UniqueConstraint("target_key", "asker_key"),)
    id: int | None = Field(default=None, primary_key=True)
    target_key: str = Field(max_length=64, index=True)
    asker_key: str = Field(max_length=64, index=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)


class ContactSearch(SQLModel, table=True):
    """A search for people, anonymous: what was sought, where, how many fit (none: a gap in the region)."""

    id: int | None = Field(default=None, primary_key=True)
    created_at: datetime = Field(default_factory=utcnow, index=True, sa_type=UtcDateTime)
    language: str = Field(max_length=5)
    sought: str = Field(max_length=80)  # the role or craft word, else the art form
    art_forms: str = Field(default="|", max_length=200)
    place_key: str | None = Field(default=None, max_length=80)
    place: str | None = Field(default=None, max_length=80)  # the place as the question named it
    found: int = 0


class DirectoryVersion(SQLModel, table=True):
    """One row whose number changes with every card change, so each instance knows when to reread the cards."""

    id: int = Field(default=1, primary_key=True)
    version: int = 0


def touch_directory(session: Session) -> None:
    """Called in the transaction that changes a card: search caches built on an older version are rebuilt."""
    row = session.get(DirectoryVersion, 1)
    if row is None:
        session.add(DirectoryVersion(id=1, version=1))
    else:
        row.version += 1
