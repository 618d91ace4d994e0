"""The one door from the conversation to a person: `Escalation.open`, whatever staff tooling sits behind it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from sqlmodel import Session

from bot.conversation.events import Button, Reply, Sender
from bot.desk import tickets
from bot.i18n.catalog import Catalog
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
    catalog: Catalog

    def open(self, session: Session, *, actor: Actor, sender: Sender, need: Need) -> tuple[Reply, ...]:
        ticket = session.get(Ticket, need.ticket_id) if need.ticket_id is not None else None
        if ticket is None:
            ticket = tickets.open_ticket(session, desk=self.desk, texts=self.catalog, user_key=actor.key,
                                         chat_id=sender.chat_id, language=actor.language, question=need.text,
                                         tried=need.matches, region=actor.region, art_form=actor.art_form,
                                         need_id=need.id)
        mark_escalated(need, ticket_id=ticket.id)
        close = Button(self.catalog(actor.language, "ticket.close_button"), f"tk:close:{ticket.id}")
        return (Reply(tickets.receipt(self.desk, self.catalog, ticket), buttons=((close,),), language=actor.language),)


def escalation_for(desk: tickets.StaffGroup | None, catalog: Catalog) -> Escalation:
    """Tickets where a staff group is configured, else a noted need."""
    return TicketEscalation(desk, catalog) if desk is not None else NotedEscalation(catalog)
