"""The one door from the conversation to a person: `Escalation.open`, whatever staff tooling sits behind it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from sqlmodel import Session

from bot.conversation.events import Button, Reply, Sender
from bot.desk import tickets
from bot.desk.cards import Tried, closeness
from bot.desk.topics import subject_of
from bot.i18n.catalog import Catalog
from bot.services import Services
from bot.storage.needs_log import mark_escalated
from bot.storage.tables import Actor, Need, Ticket


class Escalation(Protocol):
    """Hands a logged need to staff and says what the user is told; called inside the conversation's transaction."""

    def open(self, session: Session, *, actor: Actor, sender: Sender, need: Need) -> tuple[Reply, ...]: ...


@dataclass(frozen=True, slots=True)
class NotedEscalation:
    """Without a staff group: the need is marked escalated and the user is told plainly nobody replies here yet."""

    catalog: Catalog

    def open(self, session: Session, *, actor: Actor, sender: Sender, need: Need) -> tuple[Reply, ...]:
        mark_escalated(need)
        return (Reply(self.catalog(actor.language, "escalate.noted"), language=actor.language),)


@dataclass(frozen=True, slots=True)
class TicketEscalation:
    """With a staff group: one ticket per need (pressing twice reuses it), and a receipt with its number."""

    desk: tickets.StaffGroup
    services: Services

    def open(self, session: Session, *, actor: Actor, sender: Sender, need: Need) -> tuple[Reply, ...]:
        catalog = self.services.catalog
        ticket = session.get(Ticket, need.ticket_id) if need.ticket_id is not None else None
        if ticket is None:
            ticket = tickets.open_ticket(session, desk=self.desk, texts=catalog, user_key=actor.key,
                                         chat_id=sender.chat_id, language=actor.language, question=need.text,
                                         matches=need.matches, tried=self.tried(need.matches),
                                         subject=subject_of(need.text, self.services.language.lexicon),
                                         region=actor.region, art_form=actor.art_form, need_id=need.id)
        mark_escalated(need, ticket_id=ticket.id)
        close = Button(catalog(actor.language, "ticket.close_button"), f"tk:close:{ticket.id}")
        return (Reply(tickets.receipt(self.desk, catalog, ticket), buttons=((close,),), language=actor.language),)

    def tried(self, matches: Sequence[dict[str, Any]]) -> tuple[Tried, ...]:
        """The entries the bot tried, by title in the staff's language and how close each came."""
        kb, matching = self.services.knowledge.kb, self.services.settings.matching
        entries = [(kb.by_id.get(str(m.get("id"))), float(m.get("score") or 0.0)) for m in matches]
        return tuple(Tried(entry.title.get(self.desk.language),
                           closeness(score, answer_min=matching.answer_min, clarify_min=matching.clarify_min))
                     for entry, score in entries if entry is not None)


def escalation_for(desk: tickets.StaffGroup | None, services: Services) -> Escalation:
    """Tickets where a staff group is configured, else a noted need."""
    return TicketEscalation(desk, services) if desk is not None else NotedEscalation(services.catalog)
