"""The opt-in directory: a card is saved from the actor's draft, listed only on their yes, and found by search."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import Session, select

from bot.contact.recognise import PeopleSearch
from bot.insights.redaction import redact
from bot.matching.places import Gazetteer, Place
from bot.matching.text import fold_text, words
from bot.storage.contact_tables import ContactCard, ContactSearch, touch_directory
from bot.storage.tables import utcnow

NAME_MAX, LINE_MAX = 80, 200


class CardError(ValueError):
    """A draft that cannot be listed; `key` names the catalog text that says why."""

    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


@dataclass(frozen=True, slots=True)
class Found:
    """One page of a search: the cards on it and whether more follow."""

    cards: tuple[ContactCard, ...]
    total: int


def clean_name(text: str) -> str:
    """A name to show: one line, no @username, e-mail or phone number, at most 80 characters."""
    name = " ".join(redact(text).split())
    if not name or len(name) > NAME_MAX:
        raise CardError("contact.bad_name")
    return name


def clean_line(text: str) -> str:
    """What they do and look for: one line, contact details masked, at most 200 characters."""
    line = " ".join(redact(text).split())
    if not line or len(line) > LINE_MAX:
        raise CardError("contact.bad_line")
    return line


def home_place(gazetteer: Gazetteer, text: str) -> Place:
    """The municipality (or region) a card is for; a place Kulturlots does not know is refused, not guessed."""
    place = next((p for p in (gazetteer.lookup(text.strip()), *gazetteer.find(text)) if p and p.home and p.local),
                 None)
    if place is None:
        raise CardError("contact.bad_place")
    return place


def region_of(place: Place) -> str:
    """A municipality's region, a region itself."""
    return place.chain[1] if place.leaf and len(place.chain) > 1 else place.name


def country_of(place: Place) -> str:
    return next((p for p in place.chain if len(p) == 2), "")


def save_card(session: Session, *, user_key: str, chat_id: int, draft: Mapping[str, Any],
              gazetteer: Gazetteer) -> ContactCard:
    """The actor's card from their draft (not listed until they say so); an existing card is updated."""
    place = home_place(gazetteer, str(draft.get("place", "")))
    arts = [a for a in draft.get("arts", []) if isinstance(a, str)]
    if not arts:
        raise CardError("contact.bad_arts")
    name, line = clean_name(str(draft.get("name", ""))), clean_line(str(draft.get("line", "")))
    card = card_of(session, user_key) or ContactCard(user_key=user_key, chat_id=chat_id, name=name, place="",
                                                     place_key="", region_key="", country="")
    card.chat_id, card.name, card.line, card.updated_at = chat_id, name, line, utcnow()
    card.art_forms = "|" + "|".join(arts) + "|"
    card.place, card.place_key = str(draft["place"]).strip()[:NAME_MAX], place.name
    card.region_key, card.country = region_of(place), country_of(place)
    card.languages = ",".join(str(x) for x in draft.get("langs", []))
    card.folded = " ".join(words(fold_text(f"{name} {line}")))
    session.add(card)
    touch_directory(session)
    session.flush()
    return card


def card_of(session: Session, user_key: str) -> ContactCard | None:
    return session.exec(select(ContactCard).where(ContactCard.user_key == user_key)).first()


def set_listed(session: Session, user_key: str, listed: bool) -> ContactCard | None:
    card = card_of(session, user_key)
    if card is not None:
        card.listed, card.updated_at = listed, utcnow()
        touch_directory(session)
    return card


def remove_card(session: Session, user_key: str) -> bool:
    card = card_of(session, user_key)
    if card is not None:
        session.delete(card)
        touch_directory(session)
    return card is not None


def log_search(session: Session, query: PeopleSearch, *, language: str, found: int, text: str,
               now: datetime) -> ContactSearch:
    """An anonymous count of what was sought where; a search that found nobody is a gap the report shows."""
    label = query.place_label(text)
    row = ContactSearch(created_at=now, language=language, sought=query.sought[:80],
                        art_forms="|" + "|".join(query.art_forms) + "|",
                        place_key=query.place.name if query.place else None, place=label[:80] if label else None,
                        found=found)
    session.add(row)
    session.flush()
    return row
