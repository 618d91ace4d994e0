"""The app-wide objects, built once and shared by the Telegram handlers and the console."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from sqlalchemy.engine import Engine

from bot.config import Settings
from bot.i18n.catalog import Catalog, load_catalog
from bot.i18n.letters import Letters, load_letters
from bot.i18n.phrases import Phrases, load_phrases
from bot.knowledge.entries import KnowledgeBase
from bot.knowledge.loader import load_knowledge
from bot.matching.index import build_index
from bot.matching.language_data import LanguageData, load_language_data
from bot.matching.matcher import Matcher
from bot.storage.database import open_database
from bot.storage.pseudonyms import load_secret, user_key
from bot.storage.tables import utcnow


@dataclass(frozen=True)
class Knowledge:
    """A loaded base with its matcher; replaced whole on /reload, never half-updated."""

    kb: KnowledgeBase
    matcher: Matcher


class Services:
    """Settings, knowledge, storage, secret, texts, small-talk phrases and clock: built once, shared by every front end."""

    def __init__(self, *, settings: Settings, language: LanguageData, knowledge: Knowledge, engine: Engine,
                 secret: bytes, catalog: Catalog, phrases: Phrases, letters: Letters,
                 clock: Callable[[], datetime] = utcnow) -> None:
        self.settings, self.language, self.knowledge, self.engine = settings, language, knowledge, engine
        self.secret, self.catalog, self.phrases, self.clock = secret, catalog, phrases, clock
        self.letters = letters  # greetings and sign-offs taken out of faq drafts

    def user_key(self, user_id: int) -> str:
        """The pseudonym stored instead of the Telegram id."""
        return user_key(user_id, self.secret)

    def today(self) -> date:
        """Today by the services' clock, so tests can pin deadlines."""
        return self.clock().date()

    def reload_knowledge(self, folder: Path | None = None) -> int:
        """Load and index the base again; raises KnowledgeErrors and keeps the old one if it is broken."""
        self.knowledge = load_knowledge_for(self.settings, self.language, folder)
        return len(self.knowledge.kb)


def load_knowledge_for(settings: Settings, language: LanguageData, folder: Path | None = None) -> Knowledge:
    """A base and its matcher, built together so they never disagree."""
    kb = load_knowledge(folder or settings.knowledge_dir)
    return Knowledge(kb, Matcher(build_index(kb, language=language), settings.matching))


def build_services(settings: Settings, *, engine: Engine | None = None, secret: bytes | None = None,
                   knowledge: Knowledge | None = None, language: LanguageData | None = None,
                   clock: Callable[[], datetime] = utcnow) -> Services:
    """Everything the bot needs, from the settings; tests pass their own pieces."""
    if secret is None:  # first: a missing shared key is said before any database is touched
        secret = load_secret(settings.resolve(Path("data/.pseudonym-key")),
                             shared=not settings.database_url.startswith("sqlite"))
    engine = engine or open_database(settings.database_url)
    if knowledge is not None:
        language = knowledge.matcher.index.language
    language = language or load_language_data()
    return Services(settings=settings, language=language,
                    knowledge=knowledge or load_knowledge_for(settings, language), engine=engine,
                    secret=secret, catalog=load_catalog(), phrases=load_phrases(), letters=load_letters(), clock=clock)
