"""Kontakt's doors into the conversation: /listme, /find, the text a flow waits for, a search in free text."""

from __future__ import annotations

from collections.abc import Callable

from sqlmodel import Session

from bot.contact.recognise import Recogniser
from bot.contact.search import DirectoryIndex
from bot.contact.vocabulary import Vocabulary, load_vocabulary
from bot.conversation.events import Command, Press, Reply, Text, Turn
from bot.conversation.listing import STATE, Listing
from bot.conversation.people import People
from bot.services import Services
from bot.storage.tables import Actor

PressHandler = Callable[[Session, Actor, Press, str], Turn | None]


class Kontakt:
    """The card builder and the people search, behind the three ways the conversation reaches them."""

    def __init__(self, services: Services, vocabulary: Vocabulary | None = None) -> None:
        language = services.language
        self.services = services
        self.recogniser = Recogniser(vocabulary or load_vocabulary(), language.lexicon, language.gazetteer)
        self.index = DirectoryIndex()  # the listed cards in memory, reread when the directory changes
        self.listing, self.people = Listing(services), People(services, self.recogniser, self.index)

    def command(self, session: Session, actor: Actor, event: Command) -> Turn | None:
        """/listme and /find; None for any other command."""
        if event.name == "listme":
            return self.listing.start(session, actor)
        if event.name != "find":
            return None
        search = self.recogniser.command(event.args)
        if search is None:
            text = self.services.catalog(actor.language, "contact.find_usage")
            return Turn((Reply(text, language=actor.language),))
        return self.people.find(session, actor, search, text=event.args)

    def waiting(self, session: Session, actor: Actor, event: Text) -> Turn | None:
        """Text a Kontakt flow asked for: a card's field, an introduction's line, a relayed message."""
        state = actor.conversation
        if STATE in state:
            return self.listing.text(session, actor, event.sender, event.text)
        if "intro" in state:
            return self.people.line(session, actor, event.sender, event.text)
        if "relay" in state:
            return self.people.relay(session, actor, event.text, event.message_id or event.update_id or 0)
        return None

    def search(self, session: Session, actor: Actor, event: Text) -> Turn | None:
        """A free text that searches for people, answered with cards; None for a question for the base."""
        search = self.recogniser.search_in(event.text)
        return None if search is None else self.people.find(session, actor, search, text=event.text)

    def press_handlers(self) -> dict[str, PressHandler]:
        people, listing = self.people, self.listing
        return {"kl": lambda s, a, e, r: listing.press(s, a, e.sender, r),
                "kr": lambda s, a, e, r: people.ask(s, a, e.sender, r),
                "kf": lambda s, a, e, r: people.more(s, a, r),
                **{kind: _answer(people, kind) for kind in ("ka", "kd", "kb")}}


def _answer(people: People, kind: str) -> PressHandler:
    return lambda s, a, e, r: people.answer(s, a, e.sender, kind, r)
