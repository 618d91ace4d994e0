"""Counts over the needs log, gathered in one pass, for the summary sheet, the report and staff's /stats."""

from __future__ import annotations

import statistics
from collections import Counter
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from bot.insights.areas import Area
from bot.insights.clustering import MAX_FORMS, Cluster, Clustering, cluster_questions
from bot.insights.periods import Period
from bot.insights.progress import Progress, track
from bot.insights.redaction import excerpt
from bot.insights.rows import UNKNOWN, NeedRow, TicketRow, need_rows, ticket_rows
from bot.knowledge.entries import KnowledgeBase
from bot.matching.decisions import Decision
from bot.storage.tables import OPEN_STATES, Scope, SmallTalkCount, Ticket

DECISIONS = tuple(d.value for d in Decision)


def week_of(moment: datetime) -> date:
    """The Monday (UTC) of the week `moment` falls in."""
    day = moment.date()
    return day - timedelta(days=day.weekday())


@dataclass
class Tally:
    """Running counts over needs and tickets; add rows, then read shares and medians."""

    questions: int = 0  # everything asked, small talk and off-topic included
    first: datetime | None = None  # the first and last question's time: the period's real dates
    last: datetime | None = None
    scopes: Counter[str] = field(default_factory=Counter)
    needs: int = 0      # in-domain questions: every other count is over these
    picked: int = 0     # clarified, then an option chosen: answered after a choice
    decisions: Counter[str] = field(default_factory=Counter)
    kinds: Counter[str] = field(default_factory=Counter)
    languages: Counter[str] = field(default_factory=Counter)
    regions: Counter[str] = field(default_factory=Counter)
    art_forms: Counter[str] = field(default_factory=Counter)
    feedback: Counter[str] = field(default_factory=Counter)
    entries: Counter[str] = field(default_factory=Counter)
    titles: dict[str, str] = field(default_factory=dict)
    weekly_kinds: Counter[tuple[date, str]] = field(default_factory=Counter)
    weekly_decisions: Counter[tuple[date, str]] = field(default_factory=Counter)
    unmet: list[str] = field(default_factory=list)
    tickets: int = 0
    states: Counter[str] = field(default_factory=Counter)
    ratings: Counter[int] = field(default_factory=Counter)
    answer_hours: list[float] = field(default_factory=list)
    close_hours: list[float] = field(default_factory=list)
    weekly_answer_hours: dict[date, list[float]] = field(default_factory=dict)
    weekly_close_hours: dict[date, list[float]] = field(default_factory=dict)

    def add_need(self, row: NeedRow) -> None:
        self.questions += 1
        self.scopes[row.scope] += 1
        self.first, self.last = self.first or row.time, row.time  # rows come oldest first
        if row.scope != Scope.DOMAIN:  # small talk is no need; off-topic is counted apart, as outside our scope
            return
        week = week_of(row.time)
        self.needs += 1
        self.decisions[row.decision] += 1
        if row.decision == "clarify" and row.chosen_id:
            self.picked += 1
        self.kinds[row.kind] += 1
        self.languages[row.language] += 1
        self.regions[row.region or UNKNOWN] += 1
        self.art_forms[row.art_form or UNKNOWN] += 1
        self.weekly_kinds[week, row.kind] += 1
        self.weekly_decisions[week, row.decision] += 1
        if row.feedback:
            self.feedback[row.feedback] += 1
        if served := self.served_entry(row):
            self.entries[served] += 1
            if served not in self.titles and served in row.entry_ids:
                self.titles[served] = row.entry_titles[row.entry_ids.index(served)]
        if row.unmet and row.text.strip():
            self.unmet.append(row.text)

    @staticmethod
    def served_entry(row: NeedRow) -> str | None:
        """The entry a question was answered with: the one picked from a clarify, or the answer's best match."""
        if row.chosen_id:
            return row.chosen_id
        return row.entry_ids[0] if row.decision == "answer" and row.entry_ids else None

    def add_ticket(self, row: TicketRow) -> None:
        week = week_of(row.created)
        self.tickets += 1
        self.states[row.state] += 1
        if row.rating is not None:
            self.ratings[row.rating] += 1
        if row.hours_to_answer is not None:
            self.answer_hours.append(row.hours_to_answer)
            self.weekly_answer_hours.setdefault(week, []).append(row.hours_to_answer)
        if row.hours_to_close is not None:
            self.close_hours.append(row.hours_to_close)
            self.weekly_close_hours.setdefault(week, []).append(row.hours_to_close)

    def share(self, decision: str) -> float | None:
        """The share of needs with this decision (answer, clarify, escalate); None without needs."""
        return self.decisions[decision] / self.needs if self.needs else None

    @property
    def answered_share(self) -> float | None:
        """Answered by the bot: outright, or after the person chose among its options."""
        return (self.decisions["answer"] + self.picked) / self.needs if self.needs else None

    @property
    def helpful_share(self) -> float | None:
        rated = self.feedback["helpful"] + self.feedback["not_helpful"]
        return self.feedback["helpful"] / rated if rated else None

    @property
    def tickets_answered_share(self) -> float | None:
        return len(self.answer_hours) / self.tickets if self.tickets else None

    @property
    def median_answer_hours(self) -> float | None:
        return round(statistics.median(self.answer_hours), 2) if self.answer_hours else None

    @property
    def median_close_hours(self) -> float | None:
        return round(statistics.median(self.close_hours), 2) if self.close_hours else None

    @property
    def weeks(self) -> list[date]:
        """Every week from the first to the last need or ticket, gaps included, so charts keep time's shape."""
        seen = {w for w, _ in self.weekly_kinds} | set(self.weekly_answer_hours) | set(self.weekly_close_hours)
        if not seen:
            return []
        first, last = min(seen), max(seen)
        return [first + timedelta(weeks=n) for n in range((last - first).days // 7 + 1)]

    def span(self, period: Period) -> str:
        """'2026-07-01 – 2026-09-30': the period's own bounds, or for an open side the first or last question."""
        since = period.since or self.first
        until = period.until or (self.last + timedelta(seconds=1) if self.last else None)
        return Period(since, until).label()

    def unmet_clusters(self, *, max_forms: int = MAX_FORMS) -> Clustering:
        """The unmet questions grouped by what they ask, newest questions weighing first."""
        return cluster_questions(self.unmet[::-1], max_forms=max_forms)


def tally(engine: Engine, period: Period, *, kb: KnowledgeBase | None = None, language: str = "en",
          progress: Progress | None = None, total: int | None = None, area: Area | None = None) -> Tally:
    """Read the period's needs and tickets once into a Tally; with an area, only those of its places."""
    counts = Tally()
    for row in track(need_rows(engine, kb, period, language=language), total, progress, verb="read"):
        if area is None or area.holds(row.region):
            counts.add_need(row)
    for ticket in ticket_rows(engine, period):
        if area is None or area.holds(ticket.region):
            counts.add_ticket(ticket)
    if area is None:  # small talk keeps no place: it is counted for the whole network only
        small_talk = _small_talk(engine, period)
        counts.questions += small_talk
        counts.scopes[Scope.SMALL_TALK] += small_talk
    return counts


def _small_talk(engine: Engine, period: Period) -> int:
    """Greetings and thanks of the period: counted per day by the conversation, never logged as needs."""
    query = select(func.coalesce(func.sum(SmallTalkCount.count), 0))
    if period.since is not None:
        query = query.where(SmallTalkCount.day >= period.since.date())  # type: ignore[arg-type]
    if period.until is not None:
        query = query.where(SmallTalkCount.day < period.until.date())  # type: ignore[arg-type]
    with engine.connect() as connection:
        return int(connection.execute(query).scalar_one())


@dataclass(frozen=True, slots=True)
class Stats:
    """What staff see at a glance (/stats): volume, the share answered, open work, and the top unmet needs."""

    period: Period
    questions: int                # everything asked
    needs: int                    # in-domain questions
    small_talk: int
    off_topic: int                # outside our scope
    answered_directly: int
    after_choice: int             # clarified, then an option picked
    to_person: int                # handed to a person
    helpful_share: float | None   # of answers rated, the share rated helpful
    answered_share: float | None  # answered directly or after a choice, of needs
    open_tickets: int             # open or answered-but-not-closed right now, whenever opened
    top_unmet: tuple[Cluster, ...]  # examples with contact details masked, without the full question list


def summary(engine: Engine, *, since: datetime | None = None, until: datetime | None = None,
            area: Area | None = None) -> Stats:
    """The period's needs count, answered share and top three unmet needs, with the tickets open now."""
    period = Period(since, until)
    counts = tally(engine, period, area=area)
    with engine.connect() as connection:
        open_now = connection.execute(select(func.count()).select_from(Ticket).where(
            Ticket.state.in_(OPEN_STATES))).scalar_one()  # type: ignore[attr-defined]
    top = tuple(replace(c, examples=tuple(excerpt(e) for e in c.examples), questions=())
                for c in counts.unmet_clusters().clusters[:3])
    return Stats(period=period, questions=counts.questions, needs=counts.needs,
                 small_talk=counts.scopes[Scope.SMALL_TALK], off_topic=counts.scopes[Scope.OFF_TOPIC],
                 answered_directly=counts.decisions["answer"], after_choice=counts.picked,
                 to_person=counts.decisions["escalate"], helpful_share=counts.helpful_share,
                 answered_share=counts.answered_share, open_tickets=int(open_now), top_unmet=top)
