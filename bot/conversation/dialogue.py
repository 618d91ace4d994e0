"""The conversation with a culture actor: an event and the stored state in, a Turn of replies out."""

from __future__ import annotations

from collections.abc import Callable

from sqlmodel import Session

from bot.conversation import browse, flood, profile
from bot.conversation.callbacks import number
from bot.conversation.cards import card
from bot.conversation.escalation import escalation_for
from bot.conversation.events import Button, Command, Event, Media, Press, Reply, Sender, Text, Turn
from bot.desk import tickets
from bot.desk.tickets import StaffGroup
from bot.i18n.catalog import language_of
from bot.i18n.visible import is_blank
from bot.knowledge.entries import Entry
from bot.languages import LANGUAGES
from bot.matching.matcher import Decision, Profile, Result
from bot.services import Services
from bot.storage.database import session_scope
from bot.storage.needs_log import log_question, need_of, record_feedback
from bot.storage.privacy import forget
from bot.storage.tables import Actor, Need, Ticket, TicketState, utcnow

BROWSE_COMMANDS = {"funding": "funding", "contacts": "contact", "networks": "network", "events": "event",
                   "courses": "course"}


class Conversation:
    """The culture actor's side of Kulturlots; handlers and the console only render what it returns."""

    def __init__(self, services: Services) -> None:
        self.services = services
        self.desk = StaffGroup.of(services.settings.staff)
        self.escalation = escalation_for(self.desk, services.catalog)  # the one way to a person
        self.limits = services.settings.flood

    def handle(self, event: Event) -> Turn:
        """One event in, the replies out; the needs log and state are committed before the caller sends anything."""
        with session_scope(self.services.engine) as session:
            actor = self._actor(session, event.sender)
            if isinstance(event, Command):
                return self._command(session, actor, event)
            if isinstance(event, Press):
                return self._press(session, actor, event)
            if isinstance(event, Media):
                return self._say(actor, "media.text_only")
            return self._text(session, actor, event)

    # ------------------------------------------------------------------ plumbing
    def _actor(self, session: Session, sender: Sender) -> Actor:
        key = self.services.user_key(sender.user_id)
        actor = session.get(Actor, key)
        if actor is None:
            actor = Actor(key=key, language=language_of(sender.language_code, self.services.settings.default_language))
            session.add(actor)
        actor.last_seen_at = utcnow()
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
            if event.args.strip():
                return self._text(session, actor, Text(event.sender, event.args, update_id=event.update_id),
                                  force_person=True)
            actor.conversation = {**actor.conversation, "to_person": True}
            return self._say(actor, "human.ask")
        if name == "done":
            return self._close_own(session, actor, None)
        if name == "forget":
            language = actor.language
            count = forget(session, actor.key)
            return Turn((Reply(self.services.catalog(language, "privacy.forgotten", count=count), language=language),))
        return self._say(actor, "help.text")

    # ------------------------------------------------------------------ questions
    def _text(self, session: Session, actor: Actor, event: Text, *, force_person: bool = False) -> Turn:
        if is_blank(event.text):  # only spaces, zero-width or direction marks: nothing to match, log or relay
            return self._say(actor, "text.empty")
        if flood.over_messages(session, actor=actor, limits=self.limits, now=self.services.clock()):
            return self._limited(session, actor, flood.Limit.MESSAGES)
        desk = self.desk
        open_ticket = tickets.open_ticket_of(session, actor.key) if desk else None
        if open_ticket is not None and desk is not None:
            tickets.user_follow_up(session, desk=desk, texts=self.services.catalog, ticket=open_ticket,
                                   text=event.text, message_id=event.message_id or event.update_id or 0)
            return self._say(actor, "ticket.forwarded", number=open_ticket.id)
        state = dict(actor.conversation)
        force_person = bool(state.pop("to_person", False)) or force_person
        actor.conversation = state
        matcher = self.services.knowledge.matcher
        result = matcher.match(event.text, profile=Profile(actor.region, actor.art_form))
        need = log_question(session, actor=actor, text=event.text, result=result, update_id=event.update_id,
                            channel=event.sender.channel, now=self.services.clock())
        if (force_person or result.decision is Decision.ESCALATE) and flood.over_tickets(
                session, actor=actor, limits=self.limits, now=utcnow()):
            return self._limited(session, actor, flood.Limit.TICKETS)  # the need is logged; no further ticket
        if force_person or result.decision is Decision.ESCALATE:
            intro = () if force_person else self._cannot_answer(actor, result)
            return Turn(intro + self._escalate(session, actor, event.sender, need))
        if result.decision is Decision.CLARIFY:
            return Turn((self._clarify(actor, need, result),))
        return Turn((self._answer(actor, need, result.matches[0].entry),))

    def _limited(self, session: Session, actor: Actor, limit: flood.Limit) -> Turn:
        flood.tell_staff(session, desk=self.desk, texts=self.services.catalog, actor=actor, limit=limit,
                         limits=self.limits, now=self.services.clock())
        return self._say(actor, f"flood.{limit}", count=self.limits.tickets_per_day)

    def _cannot_answer(self, actor: Actor, result: Result) -> tuple[Reply, ...]:
        """Why a person takes over; where the base knows the topic, its entry to read meanwhile."""
        if result.related is None:
            return (Reply(self.t(actor, "escalate.no_match"), language=actor.language),)
        entry = result.related.entry
        title = entry.title.get(actor.language)
        show = ((Button(title, f"e:{entry.id}"),),)
        return (Reply(self.t(actor, "escalate.no_detail", title=title), language=actor.language),
                Reply(self.t(actor, "escalate.meanwhile"), buttons=show, language=actor.language))

    def _answer(self, actor: Actor, need: Need, entry: Entry) -> Reply:
        rows: list[tuple[Button, ...]] = []
        if entry.url:
            rows.append((Button(self.t(actor, "button.open_link"), url=entry.url),))
        rows.append((Button(self.t(actor, "button.helpful"), f"fb:{need.id}:y"),
                     Button(self.t(actor, "button.not_helpful"), f"fb:{need.id}:n")))
        return Reply(card=card(entry, language=actor.language, today=self.services.today()),
                     buttons=tuple(rows), language=actor.language)

    def _clarify(self, actor: Actor, need: Need, result: Result) -> Reply:
        rows = [(Button(m.entry.title.get(actor.language), f"ch:{need.id}:{n}"),) for n, m in enumerate(result.matches)]
        rows.append((Button(self.t(actor, "button.none_of_these"), f"esc:{need.id}"),))
        return Reply(self.t(actor, "clarify.ask"), buttons=tuple(rows), language=actor.language)

    def _escalate(self, session: Session, actor: Actor, sender: Sender, need: Need) -> tuple[Reply, ...]:
        """Every way to a person (no match, "ask a person", /human) goes through the services' Escalation."""
        return self.escalation.open(session, actor=actor, sender=sender, need=need)

    # ------------------------------------------------------------------ buttons
    def _press(self, session: Session, actor: Actor, event: Press) -> Turn:
        kind, _, rest = event.data.partition(":")
        handler = self._press_handlers().get(kind)
        turn = handler(session, actor, event, rest) if handler else None
        return turn if turn is not None else Turn()

    def _press_handlers(self) -> dict[str, Callable[[Session, Actor, Press, str], Turn | None]]:
        return {"fb": self._feedback, "ch": self._choose, "esc": self._ask_person, "pf": self._profile,
                "lang": self._language, "pg": self._page, "e": self._show, "tk": self._ticket_button}

    def _need(self, session: Session, actor: Actor, text: str) -> Need | None:
        need_id = number(text, low=1)
        return None if need_id is None else need_of(session, need_id, actor)

    def _feedback(self, session: Session, actor: Actor, event: Press, rest: str) -> Turn | None:
        need_id, _, verdict = rest.partition(":")
        need = self._need(session, actor, need_id)
        if need is None or verdict not in ("y", "n"):
            return None
        record_feedback(need, verdict == "y")
        if verdict == "y":
            return Turn(toast=self.t(actor, "feedback.thanks"))
        return self._say(actor, "feedback.sorry",
                         buttons=((Button(self.t(actor, "button.ask_person"), f"esc:{need.id}"),),))

    def _choose(self, session: Session, actor: Actor, event: Press, rest: str) -> Turn | None:
        need_id, _, index = rest.partition(":")
        need = self._need(session, actor, need_id)
        chosen = None if need is None else number(index, high=len(need.matches) - 1)
        if need is None or chosen is None:
            return None
        entry = self.services.knowledge.kb.by_id.get(need.matches[chosen]["id"])
        if entry is None:
            return None
        need.chosen_id = entry.id
        return Turn((self._answer(actor, need, entry),))

    def _ask_person(self, session: Session, actor: Actor, event: Press, rest: str) -> Turn | None:
        need = self._need(session, actor, rest)
        return None if need is None else Turn(self._escalate(session, actor, event.sender, need))

    def _ticket_button(self, session: Session, actor: Actor, event: Press, rest: str) -> Turn | None:
        action, _, args = rest.partition(":")
        ticket_id, _, stars = args.partition(":")
        found = number(ticket_id, low=1)
        ticket = None if found is None else session.get(Ticket, found)
        if ticket is None or ticket.user_key != actor.key:
            return None
        if action == "close":
            return self._close_own(session, actor, ticket)
        rating = number(stars, low=1, high=5)
        if action == "rate" and rating is not None and tickets.rate(ticket, user_key=actor.key, stars=rating):
            return Turn((Reply(self.t(actor, "ticket.rated"), language=actor.language, replace=True),))
        return None

    def _close_own(self, session: Session, actor: Actor, ticket: Ticket | None) -> Turn:
        desk = self.desk
        ticket = ticket or (tickets.open_ticket_of(session, actor.key) if desk else None)
        if ticket is None or desk is None or ticket.state == TicketState.CLOSED:
            return self._say(actor, "ticket.none_open")
        tickets.close(session, desk=desk, texts=self.services.catalog, ticket=ticket, by_user=True)
        return Turn()

    # ------------------------------------------------------------------ profile, language, browsing
    def _ask_country(self, actor: Actor) -> Reply:
        return profile.ask_country(self.services, actor)

    def _profile(self, session: Session, actor: Actor, event: Press, rest: str) -> Turn | None:
        return profile.step(self.services, actor, rest)

    def _language(self, session: Session, actor: Actor, event: Press, rest: str) -> Turn | None:
        if rest not in LANGUAGES:
            return None
        actor.language = rest
        return Turn((Reply(self.t(actor, "language.set"), language=rest, replace=True),), menu_language=rest)

    def _page(self, session: Session, actor: Actor, event: Press, rest: str) -> Turn | None:
        kind, _, page = rest.partition(":")
        wanted = number(page, low=1, high=10_000)
        if kind not in BROWSE_COMMANDS.values() or wanted is None:
            return None
        return Turn((browse.page(self.services, actor, kind, wanted, replace=True),))

    def _show(self, session: Session, actor: Actor, event: Press, rest: str) -> Turn | None:
        entry = self.services.knowledge.kb.by_id.get(rest)
        if entry is None:
            return None
        link = ((Button(self.t(actor, "button.open_link"), url=entry.url),),) if entry.url else ()
        return Turn((Reply(card=card(entry, language=actor.language, today=self.services.today()), buttons=link,
                           language=actor.language),))
