"""A culture actor's free text: small talk, a follow-up to their ticket, or a question for the matcher."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session

from bot.conversation import flood
from bot.conversation.escalation import Escalation
from bot.conversation.events import Button, Reply, Text, Turn
from bot.conversation.kontakt import Kontakt
from bot.conversation.replies import Replies
from bot.conversation.scope import scope_of
from bot.desk import tickets
from bot.desk.tickets import StaffGroup
from bot.i18n.visible import is_blank
from bot.matching.decisions import Decision, Match, Profile, Result
from bot.services import Services
from bot.storage.needs_log import count_small_talk, log_question
from bot.storage.tables import Actor, Need, Ticket, utcnow

NEXT_OPTIONS = 3
LANGUAGE_NAMES = {"sv": "Svenska", "da": "Dansk", "nl": "Nederlands", "en": "English"}


@dataclass(frozen=True, slots=True)
class Asking:
    """Free text in, a Turn out; a person is reached only with the user's consent or by /human."""

    services: Services
    desk: StaffGroup | None
    escalation: Escalation
    kontakt: Kontakt

    def text(self, session: Session, actor: Actor, event: Text, *, force_person: bool = False) -> Turn:
        if not event.media and is_blank(event.text):  # only zero-width or direction marks: nothing to read
            return Turn((Reply(self.services.catalog(actor.language, "text.empty"), language=actor.language),))
        limits = self.services.settings.flood
        if flood.over_messages(session, actor=actor, limits=limits, now=self.services.clock()):
            return self.limited(session, actor, flood.Limit.MESSAGES)
        ticket = tickets.open_ticket_of(session, actor.key) if self.desk else None
        if ticket is not None and (event.media or (event.reply_to is not None and event.reply_to in ticket.relayed)):
            return self.to_ticket(session, actor, ticket, event)
        if not force_person and (turn := self.kontakt.waiting(session, actor, event)) is not None:
            return turn  # the next line of a /listme card or an introduction
        kind = None if force_person else self.services.phrases.small_talk(event.text)
        if kind is not None:
            count_small_talk(session, language=actor.language, kind=kind, day=self.services.today())
            return Turn((Reply(self.services.catalog(actor.language, f"smalltalk.{kind}"), language=actor.language),))
        state = dict(actor.conversation)
        force_person = bool(state.pop("to_person", False)) or force_person
        rejected = state.pop("rejected", None)
        actor.conversation = state
        if not force_person and (turn := self.kontakt.search(session, actor, event)) is not None:
            return turn  # a search for people: listed cards, not the knowledge base
        guessed = self.services.phrases.guess_language(event.text)
        language = guessed or actor.language
        replies = Replies(self.services, language, ticket.id if ticket is not None else None)
        profile = Profile(actor.region, actor.art_form)
        result = self._without(self.services.knowledge.matcher.match(event.text, profile=profile), rejected, profile)
        need = log_question(session, actor=actor, text=event.text, result=result, update_id=event.update_id,
                            channel=event.sender.channel, now=self.services.clock(),
                            scope=scope_of(event.text, self.services.knowledge.matcher.index.lexicon,
                                          off_topic=result.off_topic))
        if force_person and flood.over_tickets(session, actor=actor, limits=limits, now=utcnow()):  # wall clock, as tickets
            return self.limited(session, actor, flood.Limit.TICKETS)  # the need is logged; no further ticket
        if force_person:
            return Turn(self.escalation.open(session, actor=actor, sender=event.sender, need=need))
        turn = self._decided(replies, need, result)
        if guessed is not None and guessed != actor.language:
            switch = Button(replies.t("language.switch_button", name=LANGUAGE_NAMES[guessed]), f"lang:{guessed}")
            turn = Turn((*turn.replies, replies.say("language.offer", buttons=((switch,),))))
        return turn

    def limited(self, session: Session, actor: Actor, limit: flood.Limit) -> Turn:
        """Past a flood limit: a polite note to the person, one line a day to staff."""
        limits = self.services.settings.flood
        flood.tell_staff(session, desk=self.desk, texts=self.services.catalog, actor=actor, limit=limit,
                         limits=limits, now=self.services.clock())
        text = self.services.catalog(actor.language, f"flood.{limit}", count=limits.tickets_per_day)
        return Turn((Reply(text, language=actor.language),))

    def _decided(self, replies: Replies, need: Need, result: Result) -> Turn:
        if result.decision is Decision.ESCALATE:
            return Turn(replies.offer_person(need, result, off_topic=result.off_topic))
        if result.decision is Decision.CLARIFY:
            return Turn((replies.options(need),))
        return Turn((replies.answer(need, result.matches[0].entry),))

    def _without(self, result: Result, rejected: object, profile: Profile) -> Result:
        """A question rephrased after 'not what I needed' does not get the rejected entry first: the others that fit
        come first (from the matcher's ranking when the result held only that one), the rejected one last."""
        best = result.best
        if not isinstance(rejected, str) or best is None or best.entry.id != rejected:
            return result
        rest: tuple[Match, ...] = tuple(m for m in result.matches if m.entry.id != rejected)
        if not rest:
            floor = self.services.settings.matching.clarify_min
            ranked = self.services.knowledge.matcher.rank(result.question, profile=profile)
            rest = tuple(m for m in ranked if m.entry.id != rejected and m.score >= floor)[:NEXT_OPTIONS]
        if not rest:
            return result
        decision = Decision.CLARIFY if result.decision is Decision.ANSWER else result.decision
        return Result(question=result.question, decision=decision, matches=(*rest, best), places=result.places,
                      related=result.related, off_topic=result.off_topic)

    def to_ticket(self, session: Session, actor: Actor, ticket: Ticket, event: Text) -> Turn:
        """A reply to a staff answer, or media, joins the ticket as it is."""
        assert self.desk is not None
        key = event.message_id or event.update_id or 0
        if event.media:
            tickets.user_media(session, desk=self.desk, texts=self.services.catalog, ticket=ticket,
                               from_chat=event.sender.chat_id, message_id=event.message_id, kind=event.media)
        else:
            tickets.user_follow_up(session, desk=self.desk, texts=self.services.catalog, ticket=ticket,
                                   text=event.text, message_id=key)
        return Turn((Reply(self.services.catalog(actor.language, "ticket.forwarded", number=ticket.id),
                           language=actor.language),))
