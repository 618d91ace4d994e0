"""The needs report: one self-contained HTML file, charts inline, that opens offline and on a phone.

Charts are PNGs embedded as data: URLs, so the file can be mailed, sent in Telegram as a document and opened
anywhere with nothing beside it (a chart is saved for slides from the browser). Texts come from
bot/i18n/locales/report.yaml in the staff's language (read once per report, or passed in by the caller);
every question shown is HTML-escaped and has contact details masked (bot/insights/redaction.py).
"""

from __future__ import annotations

import base64
import html
import os
import statistics
import tempfile
from collections import Counter
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy.engine import Engine

from bot.i18n.catalog import load_catalog
from bot.insights import charts
from bot.insights.areas import Area
from bot.insights.clustering import Clustering
from bot.insights.kontakt import kontakt_counts, kontakt_section
from bot.insights.periods import Period
from bot.insights.progress import Progress, stage
from bot.insights.redaction import excerpt
from bot.insights.rows import UNKNOWN, count_needs
from bot.insights.stats import DECISIONS, Tally, tally
from bot.knowledge.entries import KnowledgeBase
from bot.storage.tables import OPEN_STATES, Scope

TOP_ENTRIES, TOP_GROUPS, TOP_CLUSTERS = 15, 15, 25
FALLBACK = "en"


class ReportTexts:
    """The report's strings in one language, English where a key is missing."""

    def __init__(self, catalog: Mapping[str, Mapping[str, Any]], language: str) -> None:
        self.language = language if language in catalog else FALLBACK
        self.own, self.fallback = _flatten(catalog[self.language]), _flatten(catalog[FALLBACK])

    def __call__(self, key: str, /, **params: Any) -> str:
        return str(self.own.get(key, self.fallback[key])).format(**params)

    def keys(self) -> frozenset[str]:
        return frozenset(self.own)


def report_catalog() -> Mapping[str, Mapping[str, Any]]:
    """bot/i18n/locales/report.yaml, read now: language → nested keys → text."""
    text = resources.files("bot.i18n").joinpath("locales/report.yaml").read_text(encoding="utf-8")
    catalog: Mapping[str, Mapping[str, Any]] = yaml.safe_load(text)
    return catalog


def _flatten(tree: Mapping[str, Any], prefix: str = "") -> dict[str, str]:
    flat: dict[str, str] = {}
    for key, value in tree.items():
        flat.update(_flatten(value, f"{prefix}{key}.") if isinstance(value, Mapping) else {f"{prefix}{key}": value})
    return flat


def build_report(engine: Engine, kb: KnowledgeBase | None, *, since: datetime | None = None,
                 until: datetime | None = None, out: Path, language: str = "en",
                 progress: Progress | None = None, now: datetime | None = None,
                 catalog: Mapping[str, Mapping[str, Any]] | None = None, area: Area | None = None) -> Path:
    """Write the report of the needs of [since, until) (in `area` where given) as one HTML file `out`.

    `catalog` holds the texts by language (report_catalog()'s shape); None reads report.yaml for this report.
    """
    period, t = Period(since, until), ReportTexts(report_catalog() if catalog is None else catalog, language)
    out.parent.mkdir(parents=True, exist_ok=True)
    stage(progress, "reading needs and tickets")
    counts = tally(engine, period, kb=kb, language=t.language, progress=progress,
                   total=count_needs(engine, period), area=area)
    stage(progress, f"grouping {len(counts.unmet)} unmet questions")
    clustering = counts.unmet_clusters()
    stage(progress, "drawing charts")
    with tempfile.TemporaryDirectory() as folder:
        figures = [(title, _inline(Path(folder) / file) if file else None)
                   for title, file in _charts(counts, Path(folder), t)]
    stage(progress, f"writing {out.name}")
    arts = _art_names(t.language)
    kontakt = kontakt_section(kontakt_counts(engine, period), t, lambda a: arts.get(a, a))
    page = _page(counts, clustering, figures, period, t, now or datetime.now(UTC), area, kontakt)
    partial = out.with_name(f".{out.name}.partial")
    partial.write_text(page, encoding="utf-8")
    os.replace(partial, out)
    return out


def _inline(png: Path) -> str:
    """A chart as a data: URL, so the page needs no file beside it."""
    return "data:image/png;base64," + base64.b64encode(png.read_bytes()).decode("ascii")


def _charts(counts: Tally, out_dir: Path, t: ReportTexts) -> list[tuple[str, str | None]]:
    """Each chart's title and file name (None where the period has no data for it)."""
    weeks, figures = counts.weeks, []
    kinds = [k for k, _ in counts.kinds.most_common()]
    figures.append(_draw(t("chart.needs_per_week"), bool(weeks), lambda title: charts.stacked_weeks(
        out_dir / "needs_per_week.png", title=title, weeks=weeks, xlabel=t("axis.week"), ylabel=t("axis.questions"),
        series={_kind(t, k): [counts.weekly_kinds[w, k] for w in weeks] for k in kinds})))
    top = counts.entries.most_common(TOP_ENTRIES)
    figures.append(_draw(t("chart.top_entries"), bool(top), lambda title: charts.horizontal_bars(
        out_dir / "top_entries.png", title=title, labels=[counts.titles.get(i) or i for i, _ in top],
        values=[n for _, n in top], xlabel=t("axis.questions"))))
    figures.append(_draw(t("chart.decisions"), bool(weeks), lambda title: charts.stacked_weeks(
        out_dir / "decisions_per_week.png", title=title, weeks=weeks, xlabel=t("axis.week"),
        ylabel=t("axis.share"), percent=True, colours=(charts.GOOD, charts.COLOURS[1], charts.BAD),
        series={t(f"decision.{d}"): [counts.weekly_decisions[w, d] for w in weeks] for d in DECISIONS})))
    timed = sorted(set(counts.weekly_answer_hours) | set(counts.weekly_close_hours))
    timed = [w for w in weeks if timed[0] <= w <= timed[-1]] if timed else []
    figures.append(_draw(t("chart.ticket_times"), bool(timed), lambda title: charts.weekly_lines(
        out_dir / "ticket_times.png", title=title, weeks=timed, xlabel=t("axis.week"), ylabel=t("axis.hours"),
        series={t("series.first_answer"): [_median(counts.weekly_answer_hours.get(w)) for w in timed],
                t("series.closed"): [_median(counts.weekly_close_hours.get(w)) for w in timed]})))
    art_names = _art_names(t.language)
    for name, counter, names in (("regions", counts.regions, {}), ("art_forms", counts.art_forms, art_names),
                                 ("languages", counts.languages, {})):
        labels, values = _ranked(counter, names, t)
        figures.append(_draw(t(f"chart.{name}"), bool(values), lambda title, n=name, ls=labels, vs=values:
                             charts.horizontal_bars(out_dir / f"{n}.png", title=title, labels=ls, values=vs,
                                                    xlabel=t("axis.questions"))))
    panels = [(t("chart.feedback"), {t(f"feedback.{f}"): counts.feedback[f] for f in ("helpful", "not_helpful")},
               t("axis.questions"), (charts.GOOD, charts.BAD)),
              (t("chart.ratings"), {str(stars): counts.ratings[stars] for stars in range(1, 6)}, t("axis.tickets"),
               charts.COLOURS[:1])]
    figures.append(_draw(f'{t("chart.feedback")} · {t("chart.ratings")}', bool(counts.feedback or counts.ratings),
                         lambda _title: charts.side_by_side(out_dir / "feedback.png", panels=panels)))
    return figures


def _draw(title: str, has_data: bool, draw: Any) -> tuple[str, str | None]:
    return title, draw(title).name if has_data else None


def _kind(t: ReportTexts, kind: str) -> str:
    return t(f"kind.{kind}") if f"kind.{kind}" in t.fallback else kind


def _art_names(language: str) -> dict[str, str]:
    catalog = load_catalog()
    return {key[4:]: catalog(language, key) for key in catalog.keys(language) if key.startswith("art.")}


def _ranked(counter: Counter[str], names: Mapping[str, str], t: ReportTexts) -> tuple[list[str], list[int]]:
    """The TOP_GROUPS largest groups by name, the rest summed as 'other'; 'unknown' shown as not given."""
    top = counter.most_common(TOP_GROUPS)
    rest = sum(counter.values()) - sum(n for _, n in top)
    labels = [t("unknown") if key == UNKNOWN else names.get(key, key) for key, _ in top]
    return labels + ([t("other")] if rest else []), [n for _, n in top] + ([rest] if rest else [])


def _median(values: list[float] | None) -> float | None:
    return statistics.median(values) if values else None


def key_figures(counts: Tally, t: ReportTexts) -> list[tuple[str, str]]:
    """The key figures table: (catalog key, value as shown), every share over in-domain needs."""
    percent: Callable[[float | None], str] = lambda share: t("none") if share is None else f"{share:.0%}"  # noqa: E731
    hours: Callable[[float | None], str] = (  # noqa: E731
        lambda value: t("none") if value is None else t("hours", hours=f"{value:.1f}"))
    of_needs: Callable[[int], str] = lambda n: percent(n / counts.needs if counts.needs else None)  # noqa: E731
    return [("questions", str(counts.questions)), ("small_talk", str(counts.scopes[Scope.SMALL_TALK])),
            ("off_topic", str(counts.scopes[Scope.OFF_TOPIC])), ("needs", str(counts.needs)),
            ("answered", percent(counts.answered_share)), ("answered_directly", of_needs(counts.decisions["answer"])),
            ("after_choice", of_needs(counts.picked)), ("escalated", percent(counts.share("escalate"))),
            ("helpful", percent(counts.helpful_share)), ("tickets", str(counts.tickets)),
            ("open_tickets", str(sum(counts.states[s] for s in OPEN_STATES))),
            ("median_answer", hours(counts.median_answer_hours)), ("median_close", hours(counts.median_close_hours))]


def _page(counts: Tally, clustering: Clustering, figures: list[tuple[str, str | None]], period: Period,
          t: ReportTexts, now: datetime, area: Area | None, kontakt: list[str]) -> str:
    e = html.escape
    rows = key_figures(counts, t)
    where = f" · {area.name}" if area is not None else ""
    parts = [f'<!doctype html>\n<html lang="{e(t.language)}">\n<head>\n<meta charset="utf-8">',
             '<meta name="viewport" content="width=device-width, initial-scale=1">',
             f"<title>{e(t('title'))}</title>\n<style>{STYLE}</style>\n</head>\n<body>",
             f"<h1>{e(t('title'))}</h1>", f"<p>{e(t('period', period=counts.span(period)) + where)}<br>",
             e(t("generated", when=now.astimezone(UTC).strftime("%Y-%m-%d %H:%M"), needs=counts.questions,
                 tickets=counts.tickets)) + "</p>",
             f"<h2>{e(t('key_figures'))}</h2>\n<table class=\"figures\">",
             *(f"<tr><th>{e(t(f'figure.{key}'))}</th><td>{e(value)}</td></tr>" for key, value in rows), "</table>",
             *_unmet(clustering, t), *kontakt]
    for title, file in figures:
        parts.append(f"<h2>{e(title)}</h2>")
        parts.append(f'<img src="{file}" alt="{e(title)}">' if file else f"<p class=\"none\">{e(t('no_data'))}</p>")
    parts += [f"<p class=\"note\">{e(t('privacy'))}</p>", "</body>\n</html>\n"]
    return "\n".join(parts)


def _unmet(clustering: Clustering, t: ReportTexts) -> list[str]:
    """The unmet-needs section: groups largest first, each with its size, shared words and examples."""
    e = html.escape
    parts = [f'<section id="unmet">\n<h2>{e(t("unmet.title"))}</h2>', f"<p>{e(t('unmet.intro'))}</p>"]
    if not clustering.questions:
        return [*parts, f"<p class=\"none\">{e(t('unmet.none'))}</p>", "</section>"]
    parts.append('<ol class="clusters">')
    for cluster in clustering.clusters[:TOP_CLUSTERS]:
        words = f" · {e(t('unmet.words', words=', '.join(cluster.keywords)))}" if cluster.keywords else ""
        examples = "".join(f"<li>{e(excerpt(text))}</li>" for text in cluster.examples)
        parts.append(f'<li><span class="size">{e(t("unmet.size", size=cluster.size))}</span>{words}'
                     f"<ul>{examples}</ul></li>")
    parts.append("</ol>")
    if clustering.singles:
        parts.append(f"<p>{e(t('unmet.singles', count=clustering.singles))}</p>")
    if clustering.compared < clustering.forms:
        parts.append(f"<p class=\"note\">{e(t('unmet.sampled', forms=clustering.forms, compared=clustering.compared))}</p>")
    return [*parts, "</section>"]


STYLE = """
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; max-width: 60rem; margin: 1.5rem auto;
       padding: 0 1rem; color: #222; line-height: 1.45; overflow-wrap: anywhere; }
h1 { font-size: 1.6rem; } h2 { font-size: 1.2rem; margin-top: 2.2rem; border-bottom: 1px solid #ddd; }
table.figures th { text-align: left; font-weight: normal; padding: .15rem 1.5rem .15rem 0; }
table.figures td { font-weight: 600; text-align: right; }
img { max-width: 100%; height: auto; }
ol.clusters > li { margin-bottom: .9rem; } .size { font-weight: 600; }
ol.clusters ul { margin: .2rem 0; color: #444; } .note, .none { color: #666; font-size: .9rem; }
"""
