"""The staff side: messages and commands in the staff group, about the ticket they belong to."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path

from sqlmodel import Session, col, select

from bot.desk import saved_replies, tickets
from bot.desk.faq_draft import readable_id, write_faq_draft
from bot.desk.publishing import Outcome, Publisher
from bot.desk.reports import FileJob, Reports, StaffReply, build_file
from bot.desk.tickets import StaffGroup
from bot.i18n.visible import is_blank
from bot.knowledge.entries import KnowledgeErrors
from bot.services import Services
from bot.storage import quarantine
from bot.storage.database import session_scope
from bot.storage.tables import Author, Ticket, TicketMessage, TicketState, utcnow

SUBJECT_CHARS = 60
STAFF_COMMANDS = ("tickets", "assign", "close", "reopen", "reply", "label", "faq", "introduce", "kb", "quarantine",
                  "reload", "export", "report", "stats", "help")
HEAVY = frozenset({"export", "report", "reload", "stats"})  # seconds of work: run apart, never in a user's way
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
    quoted: str | None = None  # the text of the message this one replies to (for /reply save)


class StaffCommands(Reports):
    """Staff actions; replies go back into the same place in the staff group."""

    def __init__(self, services: Services, *, build: Callable[[FileJob], Path] = build_file,
                 extra: Mapping[str, Callable[[str, StaffMessage], StaffReply]] | None = None) -> None:
        super().__init__(services, build=build)
        self.desk = StaffGroup.of(services.settings.staff)
        self.extra = dict(extra or {})  # commands of the layers above (Kontakt's /introduce), given by the root
        self.publisher = Publisher(services)

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
            if ticket.forgotten:
                return StaffReply(self.t("staff.not_delivered_forgotten", number=ticket.id))
            if is_blank(message.text):  # zero-width spaces and the like: Telegram would refuse it as empty
                return StaffReply(self.t("staff.empty_relay"))
            if ticket.state == TicketState.CLOSED or not tickets.staff_reply(
                    session, texts=self.services.catalog, ticket=ticket, staff_id=message.user_id,
                    text=message.text, message_id=message.message_id):
                return StaffReply(self.t("staff.not_delivered_closed", number=ticket.id))
            return None

    def command(self, name: str, args: str, message: StaffMessage) -> StaffReply:
        handler = {"tickets": self._list, "assign": self._assign, "close": self._close, "reopen": self._reopen,
                   "label": self._label, "faq": self._faq, "reload": self._reload, "export": self._export,
                   "report": self._report, "stats": self._stats, "reply": self._reply, "kb": self._kb,
                   "quarantine": self._quarantine, "help": self._help, **self.extra}.get(name)
        if handler is None:
            return StaffReply(self.t("staff.not_in_ticket"))
        return handler(args.strip(), message)

    def _reply(self, args: str, message: StaffMessage) -> StaffReply:
        """/reply save NAME [LANG], /reply list, /reply NAME: saved answers, per language."""
        staff_language, desk = self.services.settings.staff.language, self.desk
        with session_scope(self.services.engine) as session:
            ticket = self._ticket(session, message)
            if args.strip().lower() == "list":
                names = saved_replies.listing(session)
                return StaffReply("\n".join([self.t("staff.reply_list")] + [f"• {n} ({', '.join(ls)})" for n, ls in names])
                                  if names else self.t("staff.reply_none"))
            if args.split()[:1] == ["save"]:
                parsed = saved_replies.parse_save(args)
                if parsed is None or not (message.quoted or "").strip():
                    return StaffReply(self.t("staff.reply_usage"))
                name, language = parsed
                language = language or saved_replies.language_for(ticket, staff_language)
                saved_replies.save(session, name=name, language=language, text=(message.quoted or "").strip())
                return StaffReply(self.t("staff.reply_saved", name=name, language=language))
            if ticket is None or desk is None or not args.strip():
                return StaffReply(self.t("staff.reply_usage"))
            kept = saved_replies.find(session, name=args.strip(), languages=(ticket.language, staff_language))
            if kept is None:
                return StaffReply(self.t("staff.reply_unknown", name=args.strip()))
        return self.relay(replace(message, text=kept.text)) or StaffReply(
            self.t("staff.reply_sent", name=kept.name, number=ticket.id))

    def _help(self, args: str, message: StaffMessage) -> StaffReply:
        """Every staff command, one line each, in the order of the group's command menu."""
        lines = [self.t("staff.help_header")] + [f"/{name} — {self.t(f'staff_commands.{name}')}"
                                                 for name in STAFF_COMMANDS]
        return StaffReply("\n".join(lines))

    def _list(self, args: str, message: StaffMessage) -> StaffReply:
        """Open work, oldest first: number, age, assignee, what is asked, and a link to its topic."""
        now = utcnow()  # tickets are stamped by the wall clock
        with session_scope(self.services.engine) as session:
            open_work = tickets.open_tickets(session)
            if not open_work:
                return StaffReply(self.t("staff.no_tickets"))
            lines = [self.t("staff.tickets_header")]
            for t in open_work:
                hours = int(tickets.age(t, now).total_seconds() // 3600)
                age = self.t("staff.hours", hours=hours) if hours < 48 else self.t("staff.days", days=hours // 24)
                lines.append(self.t("staff.ticket_line", number=t.id, age=age, subject=whole_words(t.subject
                                    or t.question, SUBJECT_CHARS), assignee=t.assignee_name or self.t("staff.nobody"),
                                    link=self._link(t)).rstrip())
        return StaffReply("\n".join(lines))

    def _link(self, ticket: Ticket) -> str:
        """https://t.me/c/<group>/<topic>: a tap opens the topic (or the card), for members of the group."""
        desk, where = self.desk, ticket.topic_id or ticket.staff_message_id
        if desk is None or where is None or not str(desk.chat_id).startswith("-100"):
            return ""
        return f"https://t.me/c/{str(desk.chat_id)[4:]}/{where}"

    def _quarantine(self, args: str, message: StaffMessage) -> StaffReply:
        """The updates the intake set aside, newest first, so a bad one is seen rather than silently skipped."""
        with session_scope(self.services.engine) as session:
            rows = quarantine.recent(session)
            if not rows:
                return StaffReply(self.t("staff.quarantine_none"))
            lines = [self.t("staff.quarantine_header")]
            lines += [self.t("staff.quarantine_line", update=r.update_id, when=f"{r.set_aside_at:%Y-%m-%d %H:%M}",
                             attempts=r.attempts, error=f"{r.shape}: {r.error[:120]}") for r in rows]
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
            if tickets.reopen(session, desk=desk, ticket=ticket):
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


def whole_words(text: str, limit: int) -> str:
    """At most `limit` characters of `text`, cut between words, with … where something was left out."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[:limit].rsplit(" ", 1)[0] if " " in text[:limit] else text[:limit]
    return cut + "…"
