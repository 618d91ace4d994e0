"""Finding people: a search (free text or /find) answered with listed cards, and introductions asked and answered."""

from __future__ import annotations

from functools import partial
from typing import Any

from sqlmodel import Session

from bot.contact import directory, introductions
from bot.contact.introductions import Asker
from bot.contact.recognise import PeopleSearch, Recogniser
from bot.contact.render import card_text
from bot.contact.search import DirectoryIndex
from bot.conversation.events import Button, Reply, Sender, Turn
from bot.insights.redaction import redact
from bot.matching.text import fold_text, words
from bot.services import Services
from bot.storage.contact_tables import ContactCard, ContactRequest, ContactSearch, RequestState
from bot.storage.tables import Actor

LINE_MAX = 200
NO = {"kd": RequestState.DECLINED, "kb": RequestState.BLOCKED}


class People:
    """Search results a few at a time, and the consent flow; every message to another person goes via the outbox."""

    def __init__(self, services: Services, recogniser: Recogniser, index: DirectoryIndex) -> None:
        self.services, self.recogniser, self.index = services, recogniser, index

    def _say(self, actor: Actor, key: str, *, buttons: tuple[tuple[Button, ...], ...] = (), replace: bool = False,
             **params: Any) -> Turn:
        text = self.services.catalog(actor.language, key, **params)
        return Turn((Reply(text, buttons=buttons, language=actor.language, replace=replace),))

    def find(self, session: Session, actor: Actor, search: PeopleSearch, *, text: str) -> Turn:
        """Listed cards that fit, the nearest first; nobody fits: said plainly, a person offered, a gap counted."""
        size = self.services.settings.contact.page_size
        found = self.index.search(session, search, exclude=actor.key, offset=0, size=size)
        logged = directory.log_search(session, search, language=actor.language, found=found.total,
                                      text=text, now=self.services.clock())
        if not found.cards:
            actor.conversation = {**actor.conversation, "people_text": text}
            t = partial(self.services.catalog, actor.language)
            return self._say(actor, "contact.nobody", buttons=((Button(t("button.ask_person"), "kp:"),),))
        return self._page(actor, found, logged.id or 0, 0, header=True)

    def more(self, session: Session, actor: Actor, rest: str) -> Turn | None:
        """The next few cards of an earlier search."""
        search_id, _, offset = rest.partition(":")
        row = session.get(ContactSearch, int(search_id)) if search_id.isdigit() else None
        if row is None or not offset.isdigit():
            return None
        gazetteer = self.services.language.gazetteer
        search = PeopleSearch(sought=row.sought, art_forms=tuple(a for a in row.art_forms.split("|") if a),
                              place=gazetteer.lookup(row.place_key) if row.place_key else None,
                              terms=(" ".join(words(fold_text(row.sought))),))
        size = self.services.settings.contact.page_size
        found = self.index.search(session, search, exclude=actor.key, offset=int(offset), size=size)
        return self._page(actor, found, row.id or 0, int(offset), header=False)

    def _page(self, actor: Actor, found: directory.Found, search_id: int, offset: int, *, header: bool) -> Turn:
        t = partial(self.services.catalog, actor.language)
        replies = [Reply(t("contact.found", count=found.total), language=actor.language)] if header else []
        replies += [Reply(card_text(card, t), buttons=((Button(t("contact.ask_intro"), f"kr:{card.id}"),),),
                          language=actor.language) for card in found.cards]
        after = offset + len(found.cards)
        if after < found.total:
            more = Button(t("contact.more"), f"kf:{search_id}:{after}")
            replies.append(Reply(t("contact.more_left", count=found.total - after), buttons=((more,),),
                                 language=actor.language))
        return Turn(tuple(replies))

    def ask(self, session: Session, actor: Actor, sender: Sender, rest: str) -> Turn | None:
        """'Ask for an introduction': checked against limits and blocks, then the one line is asked for."""
        if not rest.isdigit():
            return None
        asker = Asker(actor.key, sender.chat_id, sender.username)
        refused = introductions.refusal(session, asker=asker, card_id=int(rest), limits=self.services.settings.contact,
                                        now=self.services.clock())
        if refused is not None:
            return self._say(actor, f"contact.{refused.value}")
        actor.conversation = {**actor.conversation, "intro": int(rest)}
        return self._say(actor, "contact.ask_intro_line")

    def line(self, session: Session, actor: Actor, sender: Sender, text: str) -> Turn:
        """The asker's one line: the request goes to the listed person, with the asker's card."""
        state = dict(actor.conversation)
        card_id = int(state.pop("intro"))
        line = redact(" ".join(text.split()))
        if not line or len(line) > LINE_MAX:
            return self._say(actor, "contact.bad_line")
        actor.conversation = state
        asker = Asker(actor.key, sender.chat_id, sender.username)
        now = self.services.clock()
        if (refused := introductions.refusal(session, asker=asker, card_id=card_id,
                                             limits=self.services.settings.contact, now=now)) is not None:
            return self._say(actor, f"contact.{refused.value}")
        target = session.get(ContactCard, card_id)
        other = session.get(Actor, target.user_key) if target else None
        introductions.ask(session, asker=asker, card_id=card_id, line=line, texts=self.services.catalog,
                          target_language=other.language if other else "en", now=now)
        return self._say(actor, "contact.asked", days=f"{self.services.settings.contact.expire_days:g}")

    def answer(self, session: Session, actor: Actor, sender: Sender, kind: str, rest: str) -> Turn | None:
        """The listed person's Accept, Decline or Block."""
        request = introductions.pending_for(session, int(rest), actor.key) if rest.isdigit() else None
        if request is None:
            return self._say(actor, "contact.request_gone", replace=True)
        now = self.services.clock()
        if kind == "ka":
            return self._accept(session, actor, sender, request)
        asker = session.get(Actor, request.asker_key) if request.asker_key else None
        introductions.say_no(session, request, state=NO[kind], texts=self.services.catalog,
                             language=asker.language if asker else "en", now=now)
        return self._say(actor, "contact.you_blocked" if kind == "kb" else "contact.you_declined", replace=True)

    def _accept(self, session: Session, actor: Actor, sender: Sender, request: ContactRequest) -> Turn:
        asker = session.get(Actor, request.asker_key) if request.asker_key else None
        languages = {actor.key: actor.language, **({asker.key: asker.language} if asker else {})}
        relays = introductions.accept(session, request, target=Asker(actor.key, sender.chat_id, sender.username),
                                      texts=self.services.catalog, languages=languages, now=self.services.clock())
        for side in (actor, asker):
            if side is not None and side.key in relays:
                side.conversation = {**side.conversation, "relay": relays[side.key]}
        return self._say(actor, "contact.you_accepted", replace=True)

    def relay(self, session: Session, actor: Actor, text: str, message_id: int) -> Turn:
        """The one message an accepted introduction lets each side send through the bot."""
        state = dict(actor.conversation)
        request = session.get(ContactRequest, int(state.pop("relay")))
        actor.conversation = state
        sent = request is not None and introductions.relay(session, request, from_key=actor.key, text=text,
                                                            texts=self.services.catalog, language=self._other_language(
                                                                session, request, actor.key), message_id=message_id)
        return self._say(actor, "contact.relay_sent" if sent else "contact.request_gone")

    @staticmethod
    def _other_language(session: Session, request: ContactRequest, key: str) -> str:
        other_key = request.target_key if key == request.asker_key else request.asker_key
        other = session.get(Actor, other_key) if other_key else None
        return other.language if other else "en"
