"""Kontakt in the reports: who is listed by art form and place, the searches that found nobody (the gaps in the
region's cultural life), and introductions asked, accepted, declined. Counts only: never a name or a line."""

from __future__ import annotations

import html
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import col, select

from bot.insights.periods import Period
from bot.storage.contact_tables import ContactCard, ContactRequest, ContactSearch, RequestState
from bot.storage.database import session_scope

TOP_GAPS = 20


@dataclass(frozen=True, slots=True)
class KontaktCounts:
    """Listed cards now; searches and introductions in the period."""

    listed: int
    by_art: Counter[str]
    by_place: Counter[str]
    searches: int
    gaps: Counter[tuple[str, str]]  # (what was sought, where) -> searches that found nobody
    introductions: Counter[str]  # RequestState -> count


def kontakt_counts(engine: Engine, period: Period) -> KontaktCounts:
    """Read the Kontakt tables: cards as they stand, searches and requests made within the period."""
    with session_scope(engine) as session:
        cards = session.exec(select(ContactCard.art_forms, ContactCard.place).where(
            col(ContactCard.listed).is_(True))).all()
        searches = session.exec(_within(select(ContactSearch.sought, ContactSearch.place, ContactSearch.found),
                                        col(ContactSearch.created_at), period)).all()
        states = session.exec(_within(select(ContactRequest.state), col(ContactRequest.created_at), period)).all()
    by_art = Counter(a for arts, _ in cards for a in arts.strip("|").split("|") if a)
    by_place = Counter(place.strip().capitalize() for _, place in cards)
    gaps = Counter((sought, place or "") for sought, place, found in searches if found == 0)
    return KontaktCounts(listed=len(cards), by_art=by_art, by_place=by_place, searches=len(searches), gaps=gaps,
                         introductions=Counter(str(s) for s in states))


def _within(statement: Any, column: Any, period: Period) -> Any:
    if period.since is not None:
        statement = statement.where(column >= period.since)
    if period.until is not None:
        statement = statement.where(column < period.until)
    return statement


def kontakt_section(counts: KontaktCounts, t: Callable[..., str], art_name: Callable[[str], str]) -> list[str]:
    """The report's Kontakt section as HTML, every string escaped."""
    e = html.escape
    intro = counts.introductions
    rows = [("listed", counts.listed), ("searches", counts.searches), ("nobody", sum(counts.gaps.values())),
            ("asked", sum(intro.values())), ("accepted", intro[RequestState.ACCEPTED]),
            ("declined", intro[RequestState.DECLINED] + intro[RequestState.BLOCKED]),
            ("expired", intro[RequestState.EXPIRED]), ("pending", intro[RequestState.PENDING])]
    parts = [f'<section id="kontakt">\n<h2>{e(t("kontakt.title"))}</h2>', '<table class="figures">',
             *(f"<tr><th>{e(t(f'kontakt.{key}'))}</th><td>{value}</td></tr>" for key, value in rows), "</table>"]
    for title, counter, name in (("by_art", counts.by_art, art_name), ("by_place", counts.by_place, str)):
        listed = ", ".join(f"{e(name(k))} {n}" for k, n in counter.most_common()) or e(t("none"))
        parts.append(f"<p><b>{e(t(f'kontakt.{title}'))}:</b> {listed}</p>")
    parts.append(f"<h3>{e(t('kontakt.gaps'))}</h3>")
    if not counts.gaps:
        return [*parts, f"<p class=\"none\">{e(t('kontakt.no_gaps'))}</p>", "</section>"]
    items = (f"<li>{e(t('kontakt.gap', sought=sought, place=place or t('unknown'), count=n))}</li>"
             for (sought, place), n in counts.gaps.most_common(TOP_GAPS))
    return [*parts, '<ol class="gaps">', *items, "</ol>", "</section>"]
