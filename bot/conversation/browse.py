"""Browsing the base by kind, filtered by the user's profile, a page at a time; upcoming deadlines."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from functools import partial

from bot.conversation.events import Button, Reply
from bot.knowledge.entries import Entry, KnowledgeBase
from bot.matching.places import Fit, Gazetteer
from bot.services import Services
from bot.storage.tables import Actor

PAGE_SIZE = 5
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


def page(services: Services, actor: Actor, kind: str, number: int, *, replace: bool = False) -> Reply:
    """One page of a kind's entries as buttons, with back/next when there is more."""
    t = _texts(services, actor)
    today = services.today()
    entries = for_profile(services, actor, [e for e in services.knowledge.kb.of_kind(kind) if not e.event_passed(today)])
    if not entries:
        return Reply(t("browse.empty"), language=actor.language, replace=replace)
    pages = (len(entries) + PAGE_SIZE - 1) // PAGE_SIZE
    number = min(max(1, number), pages)
    shown = entries[(number - 1) * PAGE_SIZE:number * PAGE_SIZE]
    rows: list[tuple[Button, ...]] = [(Button(_label(t, actor, e, today), f"e:{e.id}"),) for e in shown]
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
    """An entry's title; a passed deadline says so even in a list, so nothing looks open that is not."""
    title = entry.title.get(actor.language)
    if entry.kind in ("funding", "course") and entry.deadline_passed(today):
        return t("browse.passed", title=title)
    return title


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
        return Reply(t("deadlines.none", days=DEADLINE_DAYS), language=actor.language)
    entries.sort(key=lambda e: str(e.deadline))  # ISO dates: soonest first, as upcoming() gave them
    lines = [t("deadlines.header", days=DEADLINE_DAYS)]
    lines += [f"{e.deadline:%Y-%m-%d} — {e.title.get(actor.language)}" for e in entries]
    rows = tuple((Button(e.title.get(actor.language), f"e:{e.id}"),) for e in entries[:10])
    return Reply("\n".join(lines), buttons=rows, language=actor.language)
