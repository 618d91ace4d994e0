"""A real SQLite file and a helper that lists cards, for Kontakt's unit tests."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session

from bot.contact import directory
from bot.matching.language_data import LanguageData
from bot.storage.contact_tables import ContactCard
from bot.storage.database import open_database

AddCard = Callable[..., ContactCard]


@pytest.fixture
def engine(tmp_path: Path) -> Engine:
    return open_database(f"sqlite:///{tmp_path / 'kontakt.db'}")


@pytest.fixture
def add_card(language_data: LanguageData) -> AddCard:
    """Save a card for `key` in `session`, listed unless told otherwise."""

    def add(session: Session, key: str, *, place: str, arts: tuple[str, ...] = ("dance",), line: str = "Dansare",
            listed: bool = True, name: str | None = None) -> ContactCard:
        card = directory.save_card(session, user_key=key, chat_id=abs(hash(key)) % 10**9,
                                   draft={"name": name or key, "arts": list(arts), "place": place, "line": line,
                                          "langs": ["sv"]}, gazetteer=language_data.gazetteer)
        directory.set_listed(session, key, listed)
        return card

    return add
