"""The staff side: messages and commands in the staff group, about the ticket they belong to."""

from __future__ import annotations

import re
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import yaml
from sqlmodel import Session, col, select

from bot.desk import tickets
from bot.desk.tickets import StaffGroup
from bot.i18n.visible import is_blank
from bot.insights.export import export_needs
from bot.insights.periods import Period, PeriodError, parse_period
from bot.insights.report import build_report
from bot.insights.stats import summary
from bot.knowledge.entries import KnowledgeErrors
from bot.knowledge.loader import load_knowledge
from bot.services import Services
from bot.storage import quarantine
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
    text: str
    document: Path | None = None


class StaffCommands:
    """Staff actions; replies go back into the same place in the staff group."""

    def __init__(self, services: Services) -> None:
        self.services = services
        self.desk = StaffGroup.of(services.settings.staff)

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
            if is_blank(message.text):  # zero-width spaces and the like: Telegram would refuse it as empty
                return StaffReply(self.t("staff.empty_relay"))
            if ticket.state == TicketState.CLOSED or not tickets.staff_reply(
                    session, texts=self.services.catalog, ticket=ticket, staff_id=message.user_id,
                    text=message.text, message_id=message.message_id):
                return StaffReply(self.t("staff.closed", number=ticket.id))
            return None

    def command(self, name: str, args: str, message: StaffMessage) -> StaffReply:
        handler = {"tickets": self._list, "assign": self._assign, "close": self._close, "reopen": self._reopen,
                   "label": self._label, "faq": self._faq, "reload": self._reload, "export": self._export,
                   "report": self._report, "stats": self._stats, "quarantine": self._quarantine}.get(name)
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
        """Draft a faq entry from the ticket's question and staff answers, as YAML the loader reads."""
        with session_scope(self.services.engine) as session:
            ticket = self._ticket(session, message)
            if ticket is None:
                return StaffReply(self.t("staff.not_in_ticket"))
            answers = session.exec(select(TicketMessage).where(TicketMessage.ticket_id == ticket.id,
                                                               TicketMessage.author == Author.STAFF)
                                   .order_by(col(TicketMessage.id))).all()
            if not answers:
                return StaffReply(self.t("staff.faq_needs_answer"))
            path = write_faq_draft(self.services.settings.knowledge_dir / "drafts", number=ticket.id or 0,
                                   language=ticket.language, question=ticket.question,
                                   answer="\n\n".join(a.text for a in answers), today=self.services.today())
        return StaffReply(self.t("staff.faq_written", path=path.name), document=path)

    def _reload(self, args: str, message: StaffMessage) -> StaffReply:
        try:
            count = self.services.reload_knowledge()
        except KnowledgeErrors as errors:
            return StaffReply(self.t("staff.reload_failed", errors="\n".join(str(e) for e in errors.errors[:10])))
        return StaffReply(self.t("staff.reload_ok", count=count))


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


def write_faq_draft(folder: Path, *, number: int, language: str, question: str, answer: str, today: date) -> Path:
    """knowledge/drafts/faq-ticket-N.yaml: a valid one-entry faq file for a curator to finish."""
    folder.mkdir(parents=True, exist_ok=True)
    words = re.findall(r"[a-z0-9]+", question.lower())[:5]
    entry = {"id": f"faq-ticket-{number}" + (f"-{'-'.join(words)}" if words else ""),
             "title": {language: question.strip()[:120]}, "answer": {language: answer.strip()},
             "keywords": [], "questions": [question.strip()]}
    path = folder / f"faq-ticket-{number}.yaml"
    header = f"# Drafted from ticket #{number} on {today.isoformat()}. Check it, add keywords, then move it up.\n"
    path.write_text(header + yaml.safe_dump({"kind": "faq", "entries": [entry]}, allow_unicode=True,
                                            sort_keys=False), encoding="utf-8")
    with tempfile.TemporaryDirectory() as check:  # the draft alone must load, whatever else is in drafts/
        shutil.copy(path, check)
        load_knowledge(check)
    return path
