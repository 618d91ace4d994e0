"""Button presses: feedback, options, a person, the ticket, language, browsing. Data is checked against the sender."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlmodel import Session

from bot.conversation import browse, profile
from bot.conversation.callbacks import number
from bot.conversation.cards import card
from bot.conversation.escalation import Escalation
from bot.conversation.events import Button, Press, Reply, Turn
from bot.conversation.replies import RELATED_SHARE, Replies
from bot.desk import tickets
from bot.desk.tickets import StaffGroup
from bot.languages import LANGUAGES
from bot.matching.decisions import Profile
from bot.services import Services
from bot.storage.needs_log import need_of, record_feedback
from bot.storage.tables import Actor, Need, Ticket, TicketState

Handler = Callable[[Session, Actor, Press, str], Turn | None]
NEXT_BEST = 3


def _plain(text: str) -> bool:
    """Button data is untrusted: a number in it is plain ASCII digits within a stored id's range, or nothing."""
    return number(text) is not None


@dataclass(frozen=True, slots=True)
class Presses:
    """What each button does; a press that is not the sender's own, or stale, does nothing."""

    services: Services
    desk: StaffGroup | None
    escalation: Escalation

    def handlers(self) -> dict[str, Handler]:
        return {"fb": self.feedback, "ch": self.choose, "esc": self.ask_person, "pf": self.profile,
                "lang": self.language, "pg": self.page, "e": self.show, "tk": self.ticket_button,
                "add": self.add_to_ticket, "rp": self.rephrase, "bp": self.browsed, "nx": self.next_chosen}

    def replies(self, session: Session, actor: Actor) -> Replies:
        ticket = tickets.open_ticket_of(session, actor.key) if self.desk else None
        return Replies(self.services, actor.language, ticket.id if ticket is not None else None)

    @staticmethod
    def need(session: Session, actor: Actor, text: str) -> Need | None:
        return need_of(session, int(text), actor) if _plain(text) else None

    def feedback(self, session: Session, actor: Actor, event: Press, rest: str) -> Turn | None:
        """Helpful is thanked; 'not what I needed' moves on: the next best entries and the offer of a person."""
        need_id, _, verdict = rest.partition(":")
        need = self.need(session, actor, need_id)
        if need is None:
            return None
        record_feedback(need, verdict == "y")
        replies = self.replies(session, actor)
        if verdict == "y":
            return Turn(toast=replies.t("feedback.thanks"))
        shown = need.chosen_id or (need.matches[0]["id"] if need.matches else "")
        others = self.next_best(actor, need, shown)
        actor.conversation = {**actor.conversation, "rejected": shown, "next": [need.id, *others]}
        if not others:
            person = (Button(replies.t("button.ask_person"), f"esc:{need.id}"),)
            return Turn((replies.say("feedback.sorry", buttons=(person,)),))
        return Turn((replies.next_best(need, others),))

    def next_best(self, actor: Actor, need: Need, shown: str) -> list[str]:
        """The entries ranked after the rejected one that are still on the topic: those logged, then the matcher's."""
        floor = self.services.settings.matching.clarify_min * RELATED_SHARE
        ranked = self.services.knowledge.matcher.rank(need.text, profile=Profile(actor.region, actor.art_form))
        ids = [m["id"] for m in need.matches] + [m.entry.id for m in ranked if m.score >= floor]
        return [i for n, i in enumerate(ids) if i != shown and i not in ids[:n]
                and i in self.services.knowledge.kb.by_id][:NEXT_BEST]

    def next_chosen(self, session: Session, actor: Actor, event: Press, rest: str) -> Turn | None:
        """A next-best entry's card; the list stays, the chosen line marked."""
        need_id, _, index = rest.partition(":")
        need = self.need(session, actor, need_id)
        listed = actor.conversation.get("next")
        if need is None or not _plain(index) or not isinstance(listed, list) or listed[:1] != [need.id]:
            return None
        ids = [str(i) for i in listed[1:]]
        if int(index) >= len(ids) or ids[int(index)] not in self.services.knowledge.kb.by_id:
            return None
        need.chosen_id = ids[int(index)]
        replies = self.replies(session, actor)
        return Turn((replies.next_best(need, ids, chosen=int(index), replace=True),
                     replies.answer(need, self.services.knowledge.kb.by_id[ids[int(index)]])))

    def choose(self, session: Session, actor: Actor, event: Press, rest: str) -> Turn | None:
        """An option's card; the options stay, the chosen one marked, so another is one tap away."""
        need_id, _, index = rest.partition(":")
        need = self.need(session, actor, need_id)
        if need is None or not _plain(index) or int(index) >= len(need.matches):
            return None
        entry = self.services.knowledge.kb.by_id.get(need.matches[int(index)]["id"])
        if entry is None:
            return None
        need.chosen_id = entry.id
        replies = self.replies(session, actor)
        return Turn((replies.options(need, chosen=int(index), replace=True),
                     replies.answer(need, entry)))

    def ask_person(self, session: Session, actor: Actor, event: Press, rest: str) -> Turn | None:
        need = self.need(session, actor, rest)
        return None if need is None else Turn(self.escalation.open(session, actor=actor, sender=event.sender,
                                                                   need=need))

    def rephrase(self, session: Session, actor: Actor, event: Press, rest: str) -> Turn | None:
        need = self.need(session, actor, rest)
        return None if need is None else Turn((self.replies(session, actor).say("escalate.rephrase"),))

    def add_to_ticket(self, session: Session, actor: Actor, event: Press, rest: str) -> Turn | None:
        """The question under which 'add to my question #N' was pressed joins the open ticket."""
        need = self.need(session, actor, rest)
        ticket = tickets.open_ticket_of(session, actor.key) if self.desk else None
        if need is None or ticket is None or self.desk is None:
            return None
        tickets.user_follow_up(session, desk=self.desk, texts=self.services.catalog, ticket=ticket, text=need.text,
                               message_id=-(need.id or 0))
        need.ticket_id = ticket.id
        return Turn(toast=self.services.catalog(actor.language, "ticket.added", number=ticket.id))

    def ticket_button(self, session: Session, actor: Actor, event: Press, rest: str) -> Turn | None:
        action, _, args = rest.partition(":")
        number, _, stars = args.partition(":")
        ticket = session.get(Ticket, int(number)) if _plain(number) else None
        if ticket is None or ticket.user_key != actor.key:
            return None
        if action == "close":
            return self.close_own(session, actor, ticket)
        if action == "rate" and _plain(stars) and tickets.rate(ticket, user_key=actor.key, stars=int(stars)):
            return Turn((Reply(self.services.catalog(actor.language, "ticket.rated"), language=actor.language,
                               replace=True),))
        return None

    def close_own(self, session: Session, actor: Actor, ticket: Ticket | None) -> Turn:
        desk = self.desk
        ticket = ticket or (tickets.open_ticket_of(session, actor.key) if desk else None)
        if ticket is None or desk is None or ticket.state == TicketState.CLOSED:
            return Turn((Reply(self.services.catalog(actor.language, "ticket.none_open"), language=actor.language),))
        tickets.close(session, desk=desk, texts=self.services.catalog, ticket=ticket, by_user=True)
        return Turn()

    def profile(self, session: Session, actor: Actor, event: Press, rest: str) -> Turn | None:
        return profile.step(self.services, actor, rest)

    def language(self, session: Session, actor: Actor, event: Press, rest: str) -> Turn | None:
        """A chosen language holds until the user chooses again: /start no longer follows the app's."""
        if rest not in LANGUAGES:
            return None
        actor.language = rest
        actor.conversation = {**actor.conversation, "language_chosen": True}
        return Turn((Reply(self.services.catalog(rest, "language.set"), language=rest, replace=True),),
                    menu_language=rest)

    def page(self, session: Session, actor: Actor, event: Press, rest: str) -> Turn | None:
        kind, _, number = rest.partition(":")
        if kind not in browse.KINDS or not _plain(number):
            return None
        return Turn((browse.page(self.services, actor, kind, int(number), replace=True),))

    def browsed(self, session: Session, actor: Actor, event: Press, rest: str) -> Turn | None:
        """An entry chosen from a list: its card, and the list kept with the line marked."""
        kind, number, line = [*rest.split(":"), "", "", ""][:3]
        if kind not in browse.KINDS or not _plain(number) or not _plain(line):
            return None
        entry = browse.entry_at(self.services, actor, kind, int(number), int(line))
        if entry is None:
            return None
        listed = browse.page(self.services, actor, kind, int(number), replace=True, chosen=int(line))
        return Turn((listed, self.entry_card(actor, entry.id)))

    def show(self, session: Session, actor: Actor, event: Press, rest: str) -> Turn | None:
        return Turn((self.entry_card(actor, rest),)) if rest in self.services.knowledge.kb.by_id else None

    def entry_card(self, actor: Actor, entry_id: str) -> Reply:
        entry = self.services.knowledge.kb.by_id[entry_id]
        link = ((Button(self.services.catalog(actor.language, "button.open_link"), url=entry.url),),) if entry.url else ()
        return Reply(card=card(entry, language=actor.language, today=self.services.today()), buttons=link,
                     language=actor.language)
