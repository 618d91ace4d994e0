"""The staff group's figures: /export, /report and /stats for a period and, where named, one area."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Literal

from bot.insights.areas import Area, UnknownArea, area_of
from bot.insights.export import export_needs
from bot.insights.kontakt import kontakt_counts
from bot.insights.periods import Period, PeriodError, parse_period
from bot.insights.report import build_report
from bot.insights.stats import Stats, summary
from bot.knowledge.loader import load_knowledge
from bot.matching.language_data import load_language_data
from bot.services import Services
from bot.storage.contact_tables import RequestState
from bot.storage.database import make_engine

DEFAULT_PERIOD = "90d"


@dataclass(frozen=True, slots=True)
class StaffReply:
    """What the bot answers in the staff group: text, a file to send with it, and buttons as (label, callback data)."""

    text: str
    document: Path | None = None
    buttons: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class FileJob:
    """A report or xlsx export as plain values, so another process can build it: a user's answer never competes
    with it for this process's interpreter lock."""

    kind: Literal["report", "export"]
    url: str
    kb_root: Path
    out: Path
    language: str
    since: datetime | None
    until: datetime | None
    area: str | None  # the region or municipality as asked for; the other process reads it with its own gazetteer
    now: datetime | None = None
    questions: bool = True


def build_file(job: FileJob) -> Path:
    """Build one report or export from its job, on an engine and a base of its own (in whatever process runs it)."""
    engine = make_engine(job.url)
    try:
        kb = load_knowledge(job.kb_root)
        area = area_of(job.area, load_language_data().gazetteer) if job.area else None
        if job.kind == "report":
            return build_report(engine, kb, since=job.since, until=job.until, out=job.out, language=job.language,
                                now=job.now, area=area)
        export_needs(engine, kb, fmt="xlsx", since=job.since, until=job.until, out=job.out, language=job.language,
                     area=area, questions=job.questions)
        return job.out
    finally:
        engine.dispose()


class Reports:
    """The period commands; `/report 2026-Q3 Sörmland` reports on Sörmland and its municipalities."""

    def __init__(self, services: Services, *, build: Callable[[FileJob], Path] = build_file) -> None:
        self.services = services
        self.build = build  # the composition root hands these to a process of their own

    def t(self, key: str, **params: object) -> str:
        return self.services.catalog(self.services.settings.staff.language, key, **params)

    def _periodic(self, args: str, make: Callable[[Period, str, Area | None], StaffReply]) -> StaffReply:
        """Run `make` for the period and area in args ('2026-Q3 Sörmland', '30d', 'Leiden'; 90 days without one)."""
        spec, _, place = (args or DEFAULT_PERIOD).partition(" ")
        try:
            period = parse_period(spec, now=self.services.clock())
        except PeriodError:
            if self._area(args) is None:
                return StaffReply(self.t("staff.bad_period", period=spec))
            spec, place = DEFAULT_PERIOD, args  # '/report Sörmland': the last 90 days there
            period = parse_period(spec, now=self.services.clock())
        area = self._area(place) if place.strip() else None
        if place.strip() and area is None:
            return StaffReply(self.t("staff.unknown_region", name=place.strip()))
        label = spec.replace("..", "_").replace("/", "-") + (f"-{area.place.replace(' ', '-')}" if area else "")
        return make(period, label, area)

    def _area(self, name: str) -> Area | None:
        try:
            return area_of(name, self.services.language.gazetteer)
        except UnknownArea:
            return None

    def _export(self, args: str, message: object) -> StaffReply:
        services = self.services

        def make(period: Period, label: str, area: Area | None) -> StaffReply:
            out = services.settings.resolve(Path("data/exports")) / f"needs-{label}.xlsx"
            self.build(self._job("export", out, period, area))
            return StaffReply(self.t("staff.export_ready", period=label), document=out)

        return self._periodic(args, make)

    def _report(self, args: str, message: object) -> StaffReply:
        """The report as one HTML file, sent as a document: it opens on a phone, charts included."""
        services = self.services

        def make(period: Period, label: str, area: Area | None) -> StaffReply:
            out = services.settings.resolve(Path("data/reports")) / f"report-{label}.html"
            self.build(self._job("report", out, period, area))
            return StaffReply(self.t("staff.report_ready", period=label), document=out)

        return self._periodic(args, make)

    def _job(self, kind: Literal["report", "export"], out: Path, period: Period, area: Area | None) -> FileJob:
        services = self.services
        return FileJob(kind=kind, url=services.engine.url.render_as_string(hide_password=False),
                       kb_root=services.knowledge.kb.root, out=out, language=services.settings.staff.language,
                       since=period.since, until=period.until, area=area.name if area else None, now=services.clock(),
                       questions=services.settings.staff.export_questions)

    def _stats(self, args: str, message: object) -> StaffReply:
        def make(period: Period, label: str, area: Area | None) -> StaffReply:
            stats = summary(self.services.engine, since=period.since, until=period.until, area=area)
            lines = [self.t("staff.stats", period=label, questions=stats.questions, needs=stats.needs,
                            small_talk=stats.small_talk, outside=stats.off_topic, open=stats.open_tickets,
                            answered=_share(stats.answered_share), direct=_of(stats.answered_directly, stats),
                            picked=_of(stats.after_choice, stats), person=_of(stats.to_person, stats),
                            helpful=_share(stats.helpful_share))]
            lines += [f"• {c.size}× {c.examples[0]}" if c.examples else f"• {c.size}×" for c in stats.top_unmet]
            kontakt = kontakt_counts(self.services.engine, period)  # counts only, never whom or what
            lines.append(self.t("staff.stats_kontakt", listed=kontakt.listed, nobody=sum(kontakt.gaps.values()),
                                asked=sum(kontakt.introductions.values()),
                                accepted=kontakt.introductions[RequestState.ACCEPTED]))
            return StaffReply("\n".join(lines))

        return self._periodic(args, make)


def _share(share: float | None) -> str:
    return "–" if share is None else f"{100 * share:.0f} %"


def _of(count: int, stats: Stats) -> str:
    return _share(count / stats.needs if stats.needs else None)
