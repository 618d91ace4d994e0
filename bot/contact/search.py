"""Searching the listed cards fast: each instance keeps the listed cards by art form in memory and rereads them
whenever the directory's version in the database moved (any card listed, edited, hidden, removed or forgotten).

The database stays the truth (several instances share it); one primary-key read per search tells whether the
copy is current. Ranking: the same municipality first, then the region, then the country; within each, cards
whose own words name the role first.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from bot.contact.directory import Found, country_of, region_of
from bot.contact.recognise import PeopleSearch
from bot.matching.places import Place
from bot.storage.contact_tables import ContactBlock, ContactCard, DirectoryVersion


@dataclass(frozen=True, slots=True)
class Listed:
    """What a search needs of one listed card."""

    id: int
    user_key: str
    place_key: str
    region_key: str
    country: str
    folded: str


@dataclass
class DirectoryIndex:
    """Listed cards by art form, with the directory version they were read at."""

    version: int = -1
    by_art: dict[tuple[str, str | None], list[Listed]] = field(default_factory=dict)  # (art or "", country or None)

    def search(self, session: Session, query: PeopleSearch, *, exclude: str | None, offset: int,
               size: int) -> Found:
        """A page of listed cards for the query, nearest first; never the searcher's own, nor a blocker's."""
        self._refresh(session)
        place = query.place
        pool = self._pool(query.art_forms, country_of(place) if place is not None else None)
        hidden = _blockers(session, exclude) if exclude is not None else set()
        if exclude is not None:
            hidden.add(exclude)
        tiers = _tiers(place, [c for c in pool if c.user_key not in hidden] if hidden else pool)
        page: list[int] = []
        seen = 0
        for tier in tiers:  # within a tier (in id order), cards naming the role first; only where the page lies
            if seen + len(tier) > offset and len(page) < size:
                ranked = _role_first(tier, query.terms)
                page += [c.id for c in ranked[max(0, offset - seen):]][:size - len(page)]
            seen += len(tier)
        cards = {c.id: c for c in session.exec(select(ContactCard).where(col(ContactCard.id).in_(page))).all()}
        return Found(tuple(cards[i] for i in page if i in cards and cards[i].listed), seen)

    def _pool(self, art_forms: Sequence[str], country: str | None) -> list[Listed]:
        """The listed cards of these art forms (all, without one) in this country (any, without one), by id."""
        lists = [self.by_art.get((art, country), []) for art in art_forms] if art_forms else [
            self.by_art.get(("", country), [])]
        if len(lists) == 1:
            return lists[0]
        return sorted({c.id: c for cards in lists for c in cards}.values(), key=lambda c: c.id)

    def _refresh(self, session: Session) -> None:
        version = session.connection().execute(_VERSION).scalar() or 0  # one indexed read, no ORM
        if version == self.version:
            return
        by_art: dict[tuple[str, str | None], list[Listed]] = {}
        cards = session.exec(select(ContactCard).where(col(ContactCard.listed).is_(True))
                             .order_by(col(ContactCard.id))).all()
        for card in cards:
            listed = Listed(card.id or 0, card.user_key, card.place_key, card.region_key, card.country,
                            f" {card.folded} ")
            for art in ("", *card.art_forms.strip("|").split("|")):
                for country in (None, card.country):
                    by_art.setdefault((art, country), []).append(listed)
            session.expunge(card)  # read once for the index, not kept in the session
        self.version, self.by_art = version, by_art


_VERSION = sa_select(DirectoryVersion.__table__.c.version).where(DirectoryVersion.__table__.c.id == 1)  # type: ignore[attr-defined]  # SQLModel types __table__ loosely
_BLOCKS = ContactBlock.__table__  # type: ignore[attr-defined]  # the same


def _blockers(session: Session, asker_key: str) -> set[str]:
    rows = session.connection().execute(sa_select(_BLOCKS.c.target_key).where(_BLOCKS.c.asker_key == asker_key))
    return {row[0] for row in rows}


def _tiers(place: Place | None, cards: list[Listed]) -> tuple[list[Listed], list[Listed], list[Listed]]:
    """The same place (a region's every town, when a region is named), the region around it, the rest."""
    if place is None:
        return cards, [], []
    same: list[Listed] = []
    near: list[Listed] = []
    far: list[Listed] = []
    name, region = place.name, region_of(place)
    for card in cards:
        if card.place_key == name or card.region_key == name:
            same.append(card)
        elif card.region_key == region:
            near.append(card)
        else:
            far.append(card)
    return same, near, far


def _role_first(cards: list[Listed], terms: Sequence[str]) -> list[Listed]:
    """Cards whose own words name the role, then the rest, each in id order."""
    if not terms:
        return cards
    named: list[Listed] = []
    rest: list[Listed] = []
    for card in cards:
        (named if _names(card.folded, terms) else rest).append(card)
    return named + rest


def _names(padded: str, terms: Sequence[str]) -> bool:
    return any(f" {t}" in padded for t in terms)
