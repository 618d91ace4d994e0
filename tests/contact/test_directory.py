"""The opt-in directory: what a card may show, and the order and reach of a search."""

from __future__ import annotations

import pytest
from sqlalchemy.engine import Engine

from bot.contact import directory
from bot.contact.directory import CardError
from bot.contact.recognise import PeopleSearch
from bot.contact.search import DirectoryIndex
from bot.matching.language_data import LanguageData
from bot.storage.database import session_scope
from tests.contact.conftest import AddCard


def dance_in(language_data: LanguageData, place: str | None, terms: tuple[str, ...] = ()) -> PeopleSearch:
    where = language_data.gazetteer.lookup(place) if place else None
    return PeopleSearch(sought="dance", art_forms=("dance",), place=where, terms=terms)


def test_the_same_municipality_comes_first_then_the_region_then_the_country(
        engine: Engine, add_card: AddCard, language_data: LanguageData) -> None:
    with session_scope(engine) as session:
        for key, place in (("lund", "Lund"), ("flen", "Flen"), ("katrineholm", "Katrineholm"), ("leiden", "Leiden")):
            add_card(session, key, place=place)
        found = DirectoryIndex().search(session, dance_in(language_data, "Katrineholm"), exclude=None, offset=0, size=10)
        assert [c.user_key for c in found.cards] == ["katrineholm", "flen", "lund"]  # Leiden is another country


def test_within_a_place_cards_that_name_the_role_come_first(
        engine: Engine, add_card: AddCard, language_data: LanguageData) -> None:
    with session_scope(engine) as session:
        add_card(session, "dancer", place="Flen", line="Dansare och pedagog")
        add_card(session, "choreographer", place="Flen", line="Koreograf för scen")
        found = DirectoryIndex().search(session, dance_in(language_data, "Flen", ("koreograf",)), exclude=None, offset=0,
                                 size=10)
        assert [c.user_key for c in found.cards] == ["choreographer", "dancer"]


def test_a_hidden_card_another_art_form_and_the_searcher_are_never_found(
        engine: Engine, add_card: AddCard, language_data: LanguageData) -> None:
    with session_scope(engine) as session:
        add_card(session, "hidden", place="Flen", listed=False)
        add_card(session, "musician", place="Flen", arts=("music",))
        add_card(session, "me", place="Flen")
        found = DirectoryIndex().search(session, dance_in(language_data, "Flen"), exclude="me", offset=0, size=10)
        assert found.cards == () and found.total == 0


def test_a_search_pages_a_few_at_a_time(engine: Engine, add_card: AddCard, language_data: LanguageData) -> None:
    with session_scope(engine) as session:
        for n in range(5):
            add_card(session, f"d{n}", place="Flen")
        first = DirectoryIndex().search(session, dance_in(language_data, None), exclude=None, offset=0, size=3)
        rest = DirectoryIndex().search(session, dance_in(language_data, None), exclude=None, offset=3, size=3)
        assert (len(first.cards), len(rest.cards), first.total) == (3, 2, 5)
        assert {c.id for c in first.cards}.isdisjoint(c.id for c in rest.cards)


def test_a_card_never_carries_a_username_an_email_or_a_phone_number() -> None:
    assert directory.clean_name("Anna @anna_dans") == "Anna [@user]"
    assert directory.clean_line("Ring 070-123 45 67 eller anna@example.se") == "Ring [phone] eller [e-mail]"


@pytest.mark.parametrize(("draft", "key"), [
    ({"name": "A", "arts": ["dance"], "place": "Atlantis", "line": "x"}, "contact.bad_place"),
    ({"name": "A", "arts": ["dance"], "place": "Paris", "line": "x"}, "contact.bad_place"),  # not served
    ({"name": "A", "arts": [], "place": "Flen", "line": "x"}, "contact.bad_arts"),
    ({"name": "A" * 81, "arts": ["dance"], "place": "Flen", "line": "x"}, "contact.bad_name"),
    ({"name": "A", "arts": ["dance"], "place": "Flen", "line": "x" * 201}, "contact.bad_line"),
])
def test_a_draft_that_cannot_be_listed_says_why(engine: Engine, language_data: LanguageData, draft: dict[str, object],
                                                key: str) -> None:
    with session_scope(engine) as session, pytest.raises(CardError) as error:
        directory.save_card(session, user_key="k", chat_id=1, draft=draft, gazetteer=language_data.gazetteer)
    assert error.value.key == key
