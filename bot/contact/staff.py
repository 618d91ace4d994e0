"""Staff introductions: /introduce in a ticket's topic offers the person listed actors who fit their question."""

from __future__ import annotations

from functools import partial

from sqlmodel import Session

from bot.contact import directory
from bot.contact.recognise import PeopleSearch, Recogniser
from bot.contact.render import card_text
from bot.contact.search import DirectoryIndex
from bot.desk import tickets
from bot.desk.commands import StaffMessage
from bot.desk.outbox import Method, enqueue
from bot.desk.reports import StaffReply
from bot.services import Services
from bot.storage.database import session_scope
from bot.storage.tables import Ticket

OFFER = 5  # cards offered to the person at most


class ContactDesk:
    """The staff side of Kontakt; the person still decides whom to ask, so consent stays on both sides."""

    def __init__(self, services: Services, recogniser: Recogniser, index: DirectoryIndex) -> None:
        self.services, self.recogniser, self.index = services, recogniser, index

    def t(self, key: str, **params: object) -> str:
        return self.services.catalog(self.services.settings.staff.language, key, **params)

    def introduce(self, args: str, message: StaffMessage) -> StaffReply:
        """Search for the ticket's question (or for what staff write after the command) and send the person
        the cards that fit, each with 'Ask for an introduction'. Staff see how many, not whom the person asks."""
        with session_scope(self.services.engine) as session:
            ticket = self._ticket(session, message)
            if ticket is None:
                return StaffReply(self.t("staff.not_in_ticket"))
            search = self._search_for(ticket, args)
            if search is None:
                return StaffReply(self.t("staff.introduce_not_people", number=ticket.id))
            found = self.index.search(session, search, exclude=ticket.user_key, offset=0, size=OFFER)
            if not found.cards or ticket.chat_id is None:
                return StaffReply(self.t("staff.introduce_none", number=ticket.id))
            self._offer(session, ticket, found)
            return StaffReply(self.t("staff.introduce_sent", number=ticket.id, count=len(found.cards)))

    @staticmethod
    def _ticket(session: Session, message: StaffMessage) -> Ticket | None:
        if message.thread_id is not None and (ticket := tickets.ticket_in_thread(session, message.thread_id)):
            return ticket
        return tickets.ticket_of_card(session, message.reply_to) if message.reply_to else None

    def _search_for(self, ticket: Ticket, args: str) -> PeopleSearch | None:
        if args:
            return self.recogniser.command(args)
        return self.recogniser.search_in(ticket.question) or self.recogniser.command(ticket.question)

    def _offer(self, session: Session, ticket: Ticket, found: directory.Found) -> None:
        """The header and one message per card to the person, in their language, via the outbox."""
        assert ticket.chat_id is not None
        t = partial(self.services.catalog, ticket.language)
        stamp = int(self.services.clock().timestamp())
        enqueue(session, key=f"ticket:{ticket.id}:kontakt:{stamp}", method=Method.MESSAGE, chat_id=ticket.chat_id,
                payload={"text": t("contact.staff_found", count=len(found.cards))}, ticket_id=ticket.id)
        for card in found.cards:
            button = [[{"label": t("contact.ask_intro"), "data": f"kr:{card.id}"}]]
            enqueue(session, key=f"ticket:{ticket.id}:kontakt:{stamp}:{card.id}", method=Method.MESSAGE,
                    chat_id=ticket.chat_id, payload={"text": card_text(card, t), "buttons": button},
                    ticket_id=ticket.id)
