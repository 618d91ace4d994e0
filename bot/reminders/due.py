"""The reminder round: which deadlines and new events are due for whom now, queued in the outbox exactly once.

Each reminder's outbox key is its subscriber, entry, date and offset: written before anything is sent, and unique in
the table, so a second round, a restart or a second instance adds nothing that is already queued or sent."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select as sa_select
from sqlmodel import Session, col

from bot.config import ReminderSettings
from bot.desk.outbox import Method, enqueue_new
from bot.knowledge.entries import Entry, Kind
from bot.matching.places import Fit
from bot.reminders.ics import day_of, event_calendar, filename
from bot.reminders.subscriptions import key_prefix
from bot.services import Knowledge
from bot.storage.reminder_tables import Subscription, Topic
from bot.storage.tables import Actor

Texts = Callable[..., str]
CHUNK = 500  # rows per insert: within SQLite's limit on bound parameters
IN_REGION = (Fit.LOCAL, Fit.REGIONAL, Fit.COVERED)


@dataclass(frozen=True, slots=True)
class Deadline:
    """A funding round's deadline and the reminder due for it today: `offset` days before, `left` days to go."""

    entry: Entry
    deadline: date
    offset: int
    left: int


def deadline_due(entry: Entry, today: date, offsets: tuple[int, ...]) -> Deadline | None:
    """The reminder of the nearest offset the deadline is within: a round missed while the bot was down is sent
    late, once, with the days really left; a deadline passed or rolling has none."""
    deadline = entry.open_deadline(today)
    if not isinstance(deadline, date) or deadline < today:
        return None
    left = (deadline - today).days
    within = sorted(offset for offset in offsets if left <= offset)
    return Deadline(entry, deadline, within[0], left) if within else None


def local_today(settings: ReminderSettings, now: datetime) -> date | None:
    """Today where the readers live, or None before the hour reminders are sent from."""
    local = now.astimezone(ZoneInfo(settings.timezone))
    return local.date() if local.hour >= settings.hour else None


def queue_due(session: Session, *, knowledge: Knowledge, texts: Texts, settings: ReminderSettings,
              now: datetime) -> int:
    """Queue every reminder due now that is not queued yet; return how many were added."""
    today = local_today(settings, now)
    if today is None:
        return 0
    kb, index = knowledge.kb, knowledge.matcher.index
    deadlines = [d for e in kb.of_kind(Kind.FUNDING) if (d := deadline_due(e, today, settings.days_before))]
    events = [e for e in kb.of_kind(Kind.EVENT) if e.starts is not None and not e.event_passed(today)]

    @cache
    def fits(region: str | None, art_form: str | None, entry_id: str, wide: bool) -> bool:
        """Whether an entry suits a profile: funding anywhere but elsewhere, events in the region only."""
        entry = kb.by_id[entry_id]
        home = index.gazetteer.lookup(region) if region else None
        fit = index.gazetteer.fit(index.coverage_by_id[entry_id], (home,)) if home else Fit.NEUTRAL
        if not wide:
            return fit in IN_REGION
        return fit is not Fit.ELSEWHERE and not (art_form and entry.art_forms and art_form not in entry.art_forms)

    builder = Messages(texts, ZoneInfo(settings.timezone), now)
    rows: list[dict[str, Any]] = []
    added = 0
    for who in _subscribers(session):
        if who.topic == Topic.DEADLINES:
            rows += [builder.deadline(who, d) for d in deadlines if fits(who.region, who.art_form, d.entry.id, True)]
        elif who.region:
            known = set(who.known or ())
            rows += [builder.event(who, e) for e in events if e.id not in known and fits(who.region, None, e.id, False)]
        if len(rows) >= CHUNK:
            added += enqueue_new(session, rows)
            rows = []
    return added + enqueue_new(session, rows)


@dataclass(frozen=True, slots=True)
class Subscriber:
    """One subscription with the profile and language it is read with, as the round needs it."""

    user_key: str
    topic: str
    chat_id: int
    known: list[str] | None
    language: str
    region: str | None
    art_form: str | None


def _subscribers(session: Session) -> Iterator[Subscriber]:
    """Every subscription joined to its profile, read as plain rows: tens of thousands cost seconds, not minutes."""
    columns = (Subscription.user_key, Subscription.topic, Subscription.chat_id, Subscription.known, Actor.language,
               Actor.region, Actor.art_form)
    statement = sa_select(*(col(c) for c in columns)).join_from(Subscription, Actor,
                                                                col(Actor.key) == col(Subscription.user_key))
    for row in session.connection().execute(statement):
        values: tuple[Any, ...] = tuple(row)  # the columns above, in order
        yield Subscriber(*values)


class Messages:
    """A due reminder as an outbox row: its key, its text in the reader's language and its one-tap buttons."""

    def __init__(self, texts: Texts, zone: ZoneInfo, now: datetime) -> None:
        self.texts, self.zone, self.now = texts, zone, now

    def deadline(self, who: Subscriber, due: Deadline) -> dict[str, Any]:
        t, entry, language = self.texts, due.entry, who.language
        key = f"{key_prefix(Topic.DEADLINES, who.user_key)}{entry.id}:{due.deadline.isoformat()}:{due.offset}"
        text = t(language, "remind.deadline_today" if due.left == 0 else "remind.deadline",
                 title=entry.title.get(language), date=due.deadline.isoformat(), days=due.left)
        return {"key": key, "method": Method.MESSAGE, "chat_id": who.chat_id,
                "payload": {"text": text, "buttons": self._buttons(language, entry, Topic.DEADLINES)}}

    def event(self, who: Subscriber, entry: Entry) -> dict[str, Any]:
        assert entry.starts is not None
        t, starts, language = self.texts, entry.starts, who.language
        when = f"{starts:%Y-%m-%d %H:%M}" if isinstance(starts, datetime) else starts.isoformat()
        place = entry.place or entry.municipality or "-"
        key = f"{key_prefix(Topic.EVENTS, who.user_key)}{entry.id}:{day_of(starts).isoformat()}"
        text = t(language, "remind.event", title=entry.title.get(language), when=when, place=place)
        payload = {"text": text, "filename": filename(entry), "buttons": self._buttons(language, entry, Topic.EVENTS),
                   "content": event_calendar(entry, language=language, zone=self.zone, now=self.now)}
        return {"key": key, "method": Method.DOCUMENT, "chat_id": who.chat_id, "payload": payload}

    def _buttons(self, language: str, entry: Entry, topic: Topic) -> list[list[dict[str, str]]]:
        """Details of the entry, and the one tap that stops this kind of reminder."""
        return [[{"label": self.texts(language, "remind.details"), "data": f"e:{entry.id}"}],
                [{"label": self.texts(language, f"remind.stop_{topic}"), "data": f"rm:off:{topic}"}]]
