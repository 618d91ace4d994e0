"""The conversation with a culture actor: an event and the stored state in, a Turn of replies out."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import inspect
from sqlmodel import Session

from bot.contact.introductions import withdraw
from bot.conversation import browse, privacy, profile
from bot.conversation.asking import Asking
from bot.conversation.escalation import escalation_for
from bot.conversation.events import Button, Command, Event, Media, Press, Reply, Sender, Text, Turn
from bot.conversation.kontakt import Kontakt
from bot.conversation.presses import Presses
from bot.conversation.reminding import Reminding
from bot.desk import tickets
from bot.desk.forgetting import forget_tickets
from bot.desk.tickets import StaffGroup
from bot.i18n.catalog import language_of
from bot.services import Services
from bot.storage.database import session_scope
from bot.storage.tables import Actor, utcnow

Keep = Callable[[Session, Turn], None]  # records a turn's replies in the turn's own transaction
BROWSE_COMMANDS = {"funding": "funding", "contacts": "contact", "networks": "network", "events": "event",
                   "courses": "course"}


class Conversation:
    """The culture actor's side of Kulturlots; handlers and the console only render what it returns."""

    def __init__(self, services: Services) -> None:
        self.services = services
        self.desk = StaffGroup.of(services.settings.staff)
        self.escalation = escalation_for(self.desk, services)  # the one way to a person
        self.kontakt = Kontakt(services)
        self.asking = Asking(services, self.desk, self.escalation, self.kontakt)
        self.presses = Presses(services, self.desk, self.escalation)
        self.reminding = Reminding(services)

    def handle(self, event: Event, *, keep: Keep | None = None) -> Turn:
        """One event in, the replies out; the needs log and state are committed before the caller sends anything,
        with the replies themselves when `keep` records them (the outbox): decided and recorded are one commit."""
        with session_scope(self.services.engine) as session:
            turn = self._handle(session, event)
            if keep is not None:
                keep(session, turn)
            return turn

    def _handle(self, session: Session, event: Event) -> Turn:
        actor = self._actor(session, event.sender)
        turn = self._dispatch(session, actor, event)
        if actor in session and not inspect(actor).deleted:  # last, so SQLite's write lock is taken late; not
            actor.last_seen_at = utcnow()                     # after /forget removed the actor
        return turn

    def _dispatch(self, session: Session, actor: Actor, event: Event) -> Turn:
        if isinstance(event, Command):
            return self._command(session, actor, event)
        if isinstance(event, Press):
            return self._press(session, actor, event)
        if isinstance(event, Media):
            return self._media(session, actor, event)
        return self.asking.text(session, actor, event)

    # ------------------------------------------------------------------ plumbing
    def _actor(self, session: Session, sender: Sender) -> Actor:
        key = self.services.user_key(sender.user_id)
        actor = session.get(Actor, key)
        if actor is None:
            actor = Actor(key=key, language=language_of(sender.language_code, self.services.settings.default_language))
            session.add(actor)
        return actor

    def t(self, actor: Actor, key: str, **params: object) -> str:
        """A catalog text in the user's language."""
        return self.services.catalog(actor.language, key, **params)

    def _say(self, actor: Actor, key: str, *, buttons: tuple[tuple[Button, ...], ...] = (), **params: object) -> Turn:
        return Turn((Reply(self.t(actor, key, **params), buttons=buttons, language=actor.language),))

    # ------------------------------------------------------------------ commands
    def _command(self, session: Session, actor: Actor, event: Command) -> Turn:
        name = event.name
        if name == "start":
            if not actor.conversation.get("language_chosen"):  # a /language choice outlives /start
                actor.language = language_of(event.sender.language_code, actor.language)
            greeting = "\n\n".join((self.t(actor, "start.greeting", name=event.sender.first_name or "").replace(" !", "!"),
                                    self.t(actor, "start.privacy"), self.t(actor, "start.profile_offer")))
            return Turn((Reply(greeting, language=actor.language), self._ask_country(actor)),
                        menu_language=actor.language)
        if name == "profile":
            return Turn((self._ask_country(actor),))
        if name == "language":
            rows = (tuple(Button(label, f"lang:{code}") for code, label in
                          (("sv", "Svenska"), ("da", "Dansk"), ("nl", "Nederlands"), ("en", "English"))),)
            return self._say(actor, "language.ask", buttons=rows)
        if name == "help":
            return self._say(actor, "help.text")
        if name in BROWSE_COMMANDS:
            return Turn((browse.page(self.services, actor, BROWSE_COMMANDS[name], 1),))
        if name == "deadlines":
            return Turn((browse.deadlines(self.services, actor),))
        if name == "human":
            return self._human(session, actor, event)
        if name == "remind":
            return self.reminding.menu(session, actor)
        if name == "done":
            return self.presses.close_own(session, actor, None)
        if (turn := self.kontakt.command(session, actor, event)) is not None:
            return turn
        if name == "forget":
            return privacy.confirm(self.services.catalog, actor)
        if name == "mydata":
            return privacy.show(session, self.services.catalog, actor, event)
        return self._say(actor, "help.text")

    # ------------------------------------------------------------------ a person, media
    def _human(self, session: Session, actor: Actor, event: Command) -> Turn:
        """/human with a question hands it over at once; alone, the next message goes; never while a ticket is open."""
        ticket = tickets.open_ticket_of(session, actor.key) if self.desk else None
        if ticket is not None:
            return self._say(actor, "human.ticket_open", number=ticket.id)
        if event.args.strip():
            return self.asking.text(session, actor, Text(event.sender, event.args, update_id=event.update_id),
                                    force_person=True)
        actor.conversation = {**actor.conversation, "to_person": True}
        return self._say(actor, "human.ask")

    def _media(self, session: Session, actor: Actor, event: Media) -> Turn:
        """Media during a ticket is copied to staff as it is; otherwise a note that only text is read."""
        ticket = tickets.open_ticket_of(session, actor.key) if self.desk else None
        if ticket is None or not event.message_id:
            return self._say(actor, "media.text_only")
        return self.asking.to_ticket(session, actor, ticket, Text(event.sender, "", event.message_id, media=event.kind))

    # ------------------------------------------------------------------ buttons
    def _press(self, session: Session, actor: Actor, event: Press) -> Turn:
        kind, _, rest = event.data.partition(":")
        handler = {**self.presses.handlers(), "kp": self._people_to_person, "fg": self._forget,
                   "rm": self.reminding.press,
                   **self.kontakt.press_handlers()}.get(kind)
        turn = handler(session, actor, event, rest) if handler else None
        return turn if turn is not None else Turn()

    def _people_to_person(self, session: Session, actor: Actor, event: Press, rest: str) -> Turn | None:
        """Nobody fitted a search for people: the same words go to a person, not typed again."""
        state = dict(actor.conversation)
        text = state.pop("people_text", None)
        actor.conversation = state
        return None if text is None else self.asking.text(session, actor, Text(event.sender, text), force_person=True)

    def _forget(self, session: Session, actor: Actor, event: Press, rest: str) -> Turn | None:
        """After the yes: Kontakt and the staff group let go of the person first, then storage erases them."""
        if rest == "yes":
            withdraw(session, actor.key, texts=self.services.catalog, now=self.services.clock())
            if self.desk is not None:  # before the needs go: the staff group loses their words too
                forget_tickets(session, desk=self.desk, texts=self.services.catalog, user_key=actor.key)
        return privacy.answer(session, self.services.catalog, actor, event, rest)

    # ------------------------------------------------------------------ profile
    def _ask_country(self, actor: Actor) -> Reply:
        return profile.ask_country(self.services, actor)

