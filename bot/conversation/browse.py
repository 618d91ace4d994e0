"""Browsing the base by kind, filtered by the user's profile, a page at a time; upcoming deadlines."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta
from functools import partial

from bot.conversation.cards import figures, unstated_language
from bot.conversation.events import Button, Reply
from bot.knowledge.entries import Entry, KnowledgeBase
from bot.matching.places import Fit, Gazetteer
from bot.services import Services
from bot.storage.tables import Actor

PAGE_SIZE = 5
KINDS = ("funding", "contact", "network", "event", "course")
NEXT_DEADLINES = 3
DEADLINE_DAYS = 60
COUNTRIES = ("se", "dk", "nl")
WIDE = frozenset({*COUNTRIES, "eu", "nordic"})
FIT_ORDER = {Fit.LOCAL: 0, Fit.REGIONAL: 1, Fit.NEUTRAL: 2, Fit.COVERED: 2}


def regions_of(kb: KnowledgeBase, country: str, gazetteer: Gazetteer | None = None) -> list[str]:
    """The regions, then municipalities, the base has entries for in a country: the profile keyboard."""
    names = {r for e in kb if country in e.regions for r in e.regions
             if r.lower() not in WIDE and len(f"pf:r:{r}".encode()) <= 64}  # a button's data holds the name

    def municipality(name: str) -> bool:
        """Unknown names count as municipalities, so they sort after known regions."""
        place = gazetteer.lookup(name) if gazetteer else None
        return place is None or place.leaf

    return sorted(names, key=lambda name: (municipality(name), name))


def for_profile(services: Services, actor: Actor, entries: list[Entry]) -> list[Entry]:
    """Entries that suit the user's region and art form, local ones first."""
    index = services.knowledge.matcher.index
    gazetteer = index.gazetteer
    home = gazetteer.lookup(actor.region) if actor.region else None
    ranked = []
    for entry in entries:
        fit = gazetteer.fit(index.coverage_by_id[entry.id], (home,)) if home else Fit.NEUTRAL
        if fit is Fit.ELSEWHERE:
            continue
        if actor.art_form and entry.art_forms and actor.art_form not in entry.art_forms:
            continue
        ranked.append((FIT_ORDER.get(fit, 2), entry.title.get(actor.language).lower(), entry))
    return [entry for *_, entry in sorted(ranked, key=lambda r: r[:2])]


def _texts(services: Services, actor: Actor) -> Callable[..., str]:
    """Catalog texts in the user's language."""
    return partial(services.catalog, actor.language)


def listed(services: Services, actor: Actor, kind: str) -> list[Entry]:
    """A kind's entries for the user; events by date, past ones left out."""
    entries = for_profile(services, actor, list(services.knowledge.kb.of_kind(kind)))
    if kind != "event":
        return entries
    today = services.today()
    dated = [e for e in entries if not e.event_passed(today)]
    return sorted(dated, key=lambda e: (e.starts is None, _day(e.starts) if e.starts else today, e.id))


def _day(moment: date | datetime) -> date:
    return moment.date() if isinstance(moment, datetime) else moment


def entry_at(services: Services, actor: Actor, kind: str, number: int, line: int) -> Entry | None:
    """The entry on a line of a page, as that page lists it now."""
    entries = listed(services, actor, kind)
    at = (number - 1) * PAGE_SIZE + line
    return entries[at] if 0 <= line < PAGE_SIZE and 0 <= at < len(entries) else None


def page(services: Services, actor: Actor, kind: str, number: int, *, replace: bool = False,
         chosen: int | None = None) -> Reply:
    """One page of a kind's entries as buttons (the chosen line marked), with back/next when there is more."""
    t = _texts(services, actor)
    entries = listed(services, actor, kind)
    if not entries:
        return Reply(t("browse.empty"), language=actor.language, replace=replace)
    pages = (len(entries) + PAGE_SIZE - 1) // PAGE_SIZE
    number = min(max(1, number), pages)
    shown = entries[(number - 1) * PAGE_SIZE:number * PAGE_SIZE]
    today = services.today()
    rows: list[tuple[Button, ...]] = [(Button(("✓ " if n == chosen else "") + _label(t, actor, e, today),
                                              f"bp:{kind}:{number}:{n}"),) for n, e in enumerate(shown)]
    nav = []
    if number > 1:
        nav.append(Button(t("button.previous"), f"pg:{kind}:{number - 1}"))
    if number < pages:
        nav.append(Button(t("button.next"), f"pg:{kind}:{number + 1}"))
    if nav:
        rows.append(tuple(nav))
    header = t("browse.header", title=t(f"browse.{kind}"), page=number, pages=pages)
    return Reply(header, buttons=tuple(rows), language=actor.language, replace=replace)


def _label(t: Callable[..., str], actor: Actor, entry: Entry, today: date) -> str:
    """An entry's title and the fact that decides (amount and deadline, date and place, role and organisation);
    a passed deadline says so even in a list, so nothing looks open that is not."""
    title = entry.title.get(actor.language)
    if entry.kind in ("funding", "course") and entry.deadline_passed(today):
        return t("browse.passed", title=title)
    facts = [f for f in _deciding(t, entry, actor.language) if f and f.lower() not in title.lower()]
    return " · ".join([title, *facts])


def _deciding(t: Callable[..., str], entry: Entry, language: str) -> list[str]:
    if entry.kind == "funding":
        deadline = t("card.rolling") if entry.deadline == "rolling" else _short(entry.deadline)
        amount = entry.amount.get(language) if entry.amount else ""
        if entry.amount and unstated_language(entry, entry.amount, language):
            amount = figures(amount)  # one language per line: the words stay on the card, marked
        return [amount, deadline]
    if entry.kind in ("event", "course"):
        return [_short(entry.starts), entry.place or entry.municipality or ""]
    if entry.kind == "contact":
        return [entry.role or "", entry.organisation or ""]
    return [entry.organisation or ""]


def _short(value: object) -> str:
    if isinstance(value, datetime):
        return f"{value:%Y-%m-%d %H:%M}"
    return value.isoformat() if isinstance(value, date) else str(value or "")


def upcoming(kb: KnowledgeBase, today: date, days: int = DEADLINE_DAYS) -> list[Entry]:
    """Funding whose deadline falls within `days` from today, soonest first."""
    last = today + timedelta(days=days)
    due = [e for e in kb.of_kind("funding") if isinstance(e.deadline, date) and today <= e.deadline <= last]
    return sorted(due, key=lambda e: (e.deadline, e.id))


def deadlines(services: Services, actor: Actor) -> Reply:
    """Funding deadlines of the next 60 days for the user's profile, soonest first."""
    t = _texts(services, actor)
    entries = for_profile(services, actor, upcoming(services.knowledge.kb, services.today()))
    if not entries:
        later = for_profile(services, actor, upcoming(services.knowledge.kb, services.today(), days=3660))
        later.sort(key=lambda e: str(e.deadline))
        if not later:
            return Reply(t("deadlines.none", days=DEADLINE_DAYS), language=actor.language)
        lines = [t("deadlines.none_soon", days=DEADLINE_DAYS)]
        lines += [f"{e.deadline:%Y-%m-%d} — {e.title.get(actor.language)}" for e in later[:NEXT_DEADLINES]]
        rows = tuple((Button(e.title.get(actor.language), f"e:{e.id}"),) for e in later[:NEXT_DEADLINES])
        return Reply("\n".join(lines), buttons=rows, language=actor.language)
    entries.sort(key=lambda e: str(e.deadline))  # ISO dates: soonest first, as upcoming() gave them
    lines = [t("deadlines.header", days=DEADLINE_DAYS)]
    lines += [f"{e.deadline:%Y-%m-%d} — {e.title.get(actor.language)}" for e in entries]
    rows = tuple((Button(e.title.get(actor.language), f"e:{e.id}"),) for e in entries[:10])
    return Reply("\n".join(lines), buttons=rows, language=actor.language)
