"""The staff side: messages and commands in the staff group, about the ticket they belong to."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sqlmodel import Session, col, select

from bot.desk import tickets
from bot.desk.faq_draft import readable_id, write_faq_draft
from bot.desk.publishing import Outcome, Publisher
from bot.desk.tickets import StaffGroup
from bot.insights.export import export_needs
from bot.insights.periods import Period, PeriodError, parse_period
from bot.insights.report import build_report
from bot.insights.stats import summary
from bot.knowledge.entries import KnowledgeErrors
from bot.services import Services
from bot.storage.database import session_scope
from bot.storage.tables import Author, Ticket, TicketMessage, TicketState, utcnow

DEFAULT_PERIOD = "90d"
LABEL_MAX = 40  # a label is a kind of need, a column in exports: short


@dataclass(frozen=True, slots=True)
class StaffMessage:
    """Something a staff member wrote in the staff group: in a topic, or as a reply to a ticket card."""

    user_id: int
    name: str
    text: str
    message_id: int
    thread_id: int | None = None
    reply_to: int | None = None


@dataclass(frozen=True, slots=True)
class StaffReply:
    """What the staff group is told: text, a file, and buttons as (label, callback data)."""

    text: str
    document: Path | None = None
    buttons: tuple[tuple[str, str], ...] = ()


class StaffCommands:
    """Staff actions; replies go back into the same place in the staff group."""

    def __init__(self, services: Services) -> None:
        self.services = services
        self.desk = StaffGroup.of(services.settings.staff)
        self.publisher = Publisher(services)

    def t(self, key: str, **params: object) -> str:
        return self.services.catalog(self.services.settings.staff.language, key, **params)

    def _ticket(self, session: Session, message: StaffMessage) -> Ticket | None:
        if message.thread_id is not None and (ticket := tickets.ticket_in_thread(session, message.thread_id)):
            return ticket
        return tickets.ticket_of_card(session, message.reply_to) if message.reply_to else None

    def relay(self, message: StaffMessage) -> StaffReply | None:
        """A staff message in a ticket's place goes to the user; anything else is ordinary group chat."""
        desk = self.desk
        with session_scope(self.services.engine) as session:
            ticket = self._ticket(session, message)
            if ticket is None or desk is None:
                return None
            if ticket.state == TicketState.CLOSED or not tickets.staff_reply(
                    session, texts=self.services.catalog, ticket=ticket, staff_id=message.user_id,
                    text=message.text, message_id=message.message_id):
                return StaffReply(self.t("staff.closed", number=ticket.id))
            return None

    def command(self, name: str, args: str, message: StaffMessage) -> StaffReply:
        handler = {"tickets": self._list, "assign": self._assign, "close": self._close, "reopen": self._reopen,
                   "label": self._label, "faq": self._faq, "reload": self._reload, "export": self._export,
                   "report": self._report, "stats": self._stats, "kb": self._kb}.get(name)
        if handler is None:
            return StaffReply(self.t("staff.not_in_ticket"))
        return handler(args.strip(), message)

    def _list(self, args: str, message: StaffMessage) -> StaffReply:
        now = utcnow()
        with session_scope(self.services.engine) as session:
            open_work = tickets.open_tickets(session)
            if not open_work:
                return StaffReply(self.t("staff.no_tickets"))
            lines = [self.t("staff.tickets_header")]
            lines += [self.t("staff.ticket_line", number=t.id, age=int(tickets.age(t, now).total_seconds() // 3600),
                             state=t.state, assignee=t.assignee_name or self.t("staff.nobody"),
                             question=t.question[:60]) for t in open_work]
        return StaffReply("\n".join(lines))

    def _with_ticket(self, message: StaffMessage, action: str, args: str) -> StaffReply:
        desk = self.desk
        with session_scope(self.services.engine) as session:
            ticket = self._ticket(session, message)
            if ticket is None or desk is None:
                return StaffReply(self.t("staff.not_in_ticket"))
            if action == "assign":
                name = args.lstrip("@") or message.name
                tickets.assign(ticket, staff_id=message.user_id if not args or args == "me" else 0,
                               name=message.name if not args or args == "me" else name)
                return StaffReply(self.t("staff.assigned", number=ticket.id, name=ticket.assignee_name))
            if action == "label":
                if not args:
                    return StaffReply(self.t("staff.label_usage"))
                ticket.label = " ".join(args.lower().split())[:LABEL_MAX]
                return StaffReply(self.t("staff.labelled", number=ticket.id, label=ticket.label))
            if action == "close":
                tickets.close(session, desk=desk, texts=self.services.catalog, ticket=ticket, by_user=False,
                              note=args or None)
                return StaffReply(self.t("staff.closed", number=ticket.id))
            if tickets.reopen(ticket):
                return StaffReply(self.t("staff.reopened", number=ticket.id))
            if ticket.state != TicketState.CLOSED:
                return StaffReply(self.t("staff.already_open", number=ticket.id))
            return StaffReply(self.t("staff.cannot_reopen", number=ticket.id,
                                     days=f"{self.services.settings.staff.keep_chat_days:g}"))

    def _assign(self, args: str, message: StaffMessage) -> StaffReply:
        return self._with_ticket(message, "assign", args)

    def _close(self, args: str, message: StaffMessage) -> StaffReply:
        return self._with_ticket(message, "close", args)

    def _reopen(self, args: str, message: StaffMessage) -> StaffReply:
        return self._with_ticket(message, "reopen", args)

    def _label(self, args: str, message: StaffMessage) -> StaffReply:
        """Name the kind of need a ticket shows ('funding', 'rehearsal space'): exports and reports count by it."""
        return self._with_ticket(message, "label", args)

    def _faq(self, args: str, message: StaffMessage) -> StaffReply:
        """Draft a faq entry from the ticket: /faq writes it and asks for the question as users would ask it;
        /faq QUESTION rewrites it with that question and offers it for publishing."""
        services, letters = self.services, self.services.letters
        with session_scope(services.engine) as session:
            ticket = self._ticket(session, message)
            if ticket is None:
                return StaffReply(self.t("staff.not_in_ticket"))
            answers = session.exec(select(TicketMessage).where(TicketMessage.ticket_id == ticket.id,
                                                               TicketMessage.author == Author.STAFF)
                                   .order_by(col(TicketMessage.id))).all()
            names = [n for n in (message.name, ticket.assignee_name) if n]
            answer = letters.strip("\n\n".join(a.text for a in answers), names=[*names, *(n.split()[0] for n in names)])
            if not answer:
                return StaffReply(self.t("staff.faq_needs_answer"))
            asked = letters.strip(ticket.question)
            question = letters.strip(args) or asked
            number = ticket.id or 0
            entry_id = readable_id(ticket.label or question, taken=services.knowledge.kb.by_id,
                                   lexicon=services.language.lexicon, fallback=f"faq-ticket-{number}")
            path = write_faq_draft(services.settings.knowledge_dir / "drafts", number=number, entry_id=entry_id,
                                   language=ticket.language, question=question, answer=answer, examples=(asked,),
                                   today=services.today())
        if args:
            return self.stage(path, name=path.name, message=message)
        return StaffReply(self.t("staff.faq_written", id=entry_id, path=path.name, question=question), document=path)

    def _reload(self, args: str, message: StaffMessage) -> StaffReply:
        try:
            count = self.services.reload_knowledge()
        except KnowledgeErrors as errors:
            return StaffReply(self.t("staff.reload_failed", errors="\n".join(str(e) for e in errors.errors[:10])))
        return StaffReply(self.t("staff.reload_ok", count=count))


    def _kb(self, args: str, message: StaffMessage) -> StaffReply:
        """/kb: the base as the spreadsheet to edit and send back; /kb undo: the previous version back."""
        if args.lower() == "undo":
            return self._outcome(self.publisher.undo(by=message.name))
        if args:
            return StaffReply(self.t("kb.usage"))
        return StaffReply(self.t("kb.exported", count=len(self.services.knowledge.kb)), document=self.publisher.export())

    def stage(self, file: Path, *, name: str, message: StaffMessage) -> StaffReply:
        """A spreadsheet or YAML file sent to the group: its errors, or what it changes with [Publish] [Cancel]."""
        return self._outcome(self.publisher.stage(file, name=name, by=message.name))

    def press(self, data: str, *, name: str) -> StaffReply:
        """Publish or Cancel pressed under a staged file's summary."""
        return self._outcome(self.publisher.press(data, by=name))

    @staticmethod
    def _outcome(outcome: Outcome) -> StaffReply:
        return StaffReply(outcome.text, buttons=outcome.buttons)
    def _periodic(self, args: str, make: Callable[[Period, str], StaffReply]) -> StaffReply:
        """Run `make` for the period named in args ('2026-Q3', '30d'...; the last 90 days without one)."""
        spec = args or DEFAULT_PERIOD
        try:
            period = parse_period(spec, now=self.services.clock())
        except PeriodError:
            return StaffReply(self.t("staff.bad_period", period=spec))
        return make(period, spec.replace("..", "_").replace("/", "-"))

    def _export(self, args: str, message: StaffMessage) -> StaffReply:
        services = self.services

        def make(period: Period, label: str) -> StaffReply:
            out = services.settings.resolve(Path("data/exports")) / f"needs-{label}.xlsx"
            export_needs(services.engine, services.knowledge.kb, fmt="xlsx", since=period.since,
                         until=period.until, out=out, language=services.settings.staff.language)
            return StaffReply(self.t("staff.export_ready", period=label), document=out)

        return self._periodic(args, make)

    def _report(self, args: str, message: StaffMessage) -> StaffReply:
        services = self.services

        def make(period: Period, label: str) -> StaffReply:
            folder = services.settings.resolve(Path("data/reports")) / f"report-{label}"
            build_report(services.engine, services.knowledge.kb, since=period.since, until=period.until,
                         out_dir=folder, language=services.settings.staff.language, now=services.clock())
            archive = Path(shutil.make_archive(str(folder), "zip", folder))
            return StaffReply(self.t("staff.report_ready", period=label), document=archive)

        return self._periodic(args, make)

    def _stats(self, args: str, message: StaffMessage) -> StaffReply:
        def make(period: Period, label: str) -> StaffReply:
            stats = summary(self.services.engine, since=period.since, until=period.until)
            share = "-" if stats.answered_share is None else f"{100 * stats.answered_share:.0f} %"
            lines = [self.t("staff.stats", period=label, needs=stats.needs, answered=share, open=stats.open_tickets)]
            lines += [f"• {c.size}× {c.examples[0]}" if c.examples else f"• {c.size}×" for c in stats.top_unmet]
            return StaffReply("\n".join(lines))

        return self._periodic(args, make)
