"""The app-wide objects, built once and shared by the Telegram handlers and the console."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from sqlalchemy.engine import Engine

from bot.config import Settings
from bot.storage.database import open_database
from bot.i18n.catalog import Catalog, default_catalog
from bot.matching.index import build_index
from bot.knowledge.entries import KnowledgeBase
from bot.knowledge.loader import load_knowledge
from bot.matching.matcher import Matcher
from bot.storage.tables import utcnow
from bot.storage.pseudonyms import load_secret, user_key


@dataclass(frozen=True)
class Knowledge:
    """A loaded base with its matcher; replaced whole on /reload, never half-updated."""

    kb: KnowledgeBase
    matcher: Matcher


class Services:
    """Settings, knowledge, storage, secret, texts and clock: built once, shared by every front end."""

    def __init__(self, *, settings: Settings, knowledge: Knowledge, engine: Engine, secret: bytes,
                 catalog: Catalog, clock: Callable[[], datetime] = utcnow) -> None:
        self.settings, self.knowledge, self.engine = settings, knowledge, engine
        self.secret, self.catalog, self.clock = secret, catalog, clock

    def user_key(self, user_id: int) -> str:
        """The pseudonym stored instead of the Telegram id."""
        return user_key(user_id, self.secret)

    def today(self) -> date:
        """Today by the services' clock, so tests can pin deadlines."""
        return self.clock().date()

    def reload_knowledge(self, folder: Path | None = None) -> int:
        """Load and index the base again; raises KnowledgeErrors and keeps the old one if it is broken."""
        kb = load_knowledge(folder or self.settings.knowledge_dir)
        self.knowledge = Knowledge(kb, Matcher(build_index(kb), self.settings.matching))
        return len(kb)


def load_knowledge_for(settings: Settings, folder: Path | None = None) -> Knowledge:
    """A base and its matcher, built together so they never disagree."""
    kb = load_knowledge(folder or settings.knowledge_dir)
    return Knowledge(kb, Matcher(build_index(kb), settings.matching))


def build_services(settings: Settings, *, engine: Engine | None = None, secret: bytes | None = None,
                   knowledge: Knowledge | None = None, clock: Callable[[], datetime] = utcnow) -> Services:
    """Everything the bot needs, from the settings; tests pass their own pieces."""
    engine = engine or open_database(settings.database_url)
    if secret is None:
        secret = load_secret(settings.resolve(Path("data/.pseudonym-key")))
    return Services(settings=settings, knowledge=knowledge or load_knowledge_for(settings), engine=engine,
                    secret=secret, catalog=default_catalog(), clock=clock)
