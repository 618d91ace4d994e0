"""`export` and `report`: the needs log for spreadsheets and for funders, from the command line."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from bot.cli.common import EXIT_OK, EXIT_USAGE, settings_for
from bot.config import Settings
from bot.insights.areas import Area
from bot.insights.periods import Period
from bot.knowledge.entries import KnowledgeBase, KnowledgeErrors
from bot.knowledge.loader import load_knowledge
from bot.languages import LANGUAGES


def add_commands(commands: Any) -> None:
    """The needs commands, with the period options they share."""
    export = commands.add_parser(
        "export", help="export the logged needs of a period as csv, xlsx or json",
        description="One row per logged need: time (UTC), language, kind, matched entries, decision, feedback, "
                    "ticket state and times, rating, region, art form and the pseudonymous user key; never a "
                    "Telegram id, chat id, name or question text. csv is UTF-8 with BOM for Excel; xlsx adds "
                    "'tickets' and 'summary' sheets; json is one array with one object per line.")
    export.add_argument("--format", choices=("csv", "xlsx", "json"), help="default: from --out's suffix, else csv")
    export.add_argument("--out", type=Path, help="file to write (default: stdout; xlsx needs a file)")
    export.set_defaults(handler=_export)
    report = commands.add_parser(
        "report", help="write an HTML report with charts and the unmet needs of a period",
        description="Writes one self-contained HTML file (charts inline: it opens offline, on a phone too, "
                    "with nothing beside it), in --lang (default: the config's staff.language).")
    report.add_argument("--out", type=Path, required=True, metavar="FILE.html", help="the report file to write")
    report.set_defaults(handler=_report)
    for sub in (export, report):
        sub.add_argument("--period", help="2026-Q3, 2026-09, 2026, 30d, 12w or 2026-01-01..2026-03-31 (UTC)")
        sub.add_argument("--since", metavar="DATE", help="first day, YYYY-MM-DD (overrides --period's start)")
        sub.add_argument("--until", metavar="DATE", help="last day, inclusive (overrides --period's end)")
        sub.add_argument("--region", metavar="NAME",
                         help="only needs from this region or municipality (its municipalities included)")
        sub.add_argument("--lang", choices=LANGUAGES,
                         help="language of entry titles and report texts (default: config staff.language)")
        sub.add_argument("--progress", action=argparse.BooleanOptionalAction,
                         help="a progress bar on stderr (default: only when stderr is a terminal)")

def _export(args: argparse.Namespace) -> int:
    """Needs of a period to a file or stdout; only columns free of personal data (see bot/needs_rows.py)."""
    from bot.insights.export import FORMATS, export_needs
    from bot.insights.progress import progress_for
    from bot.insights.rows import open_existing

    period = _period(args)
    if period is None:
        return EXIT_USAGE
    suffix = args.out.suffix.lstrip(".").lower() if args.out else ""
    fmt = args.format or (suffix if suffix in FORMATS else "csv")
    if fmt == "xlsx" and args.out is None:
        print("error: xlsx is a binary file: give --out FILE.xlsx", file=sys.stderr)
        return EXIT_USAGE
    settings = settings_for(args)
    kb = _titles_base(settings)
    area = _area(args)
    if args.region and area is None:
        return EXIT_USAGE
    with open_existing(settings.database_url) as engine:
        result = export_needs(engine, kb, fmt=fmt, since=period.since, until=period.until, out=args.out,
                              language=args.lang or settings.staff.language, progress=progress_for(args.progress),
                              area=area, questions=settings.staff.export_questions)
    if isinstance(result, bytes):
        sys.stdout.buffer.write(result)
        sys.stdout.flush()
    else:
        print(result)
    return EXIT_OK


def _report(args: argparse.Namespace) -> int:
    """The HTML report of a period (and area); prints the path of the file."""
    from bot.insights.progress import progress_for
    from bot.insights.report import build_report, report_catalog
    from bot.insights.rows import open_existing

    period = _period(args)
    if period is None:
        return EXIT_USAGE
    settings = settings_for(args)
    kb = _titles_base(settings)
    area = _area(args)
    if args.region and area is None:
        return EXIT_USAGE
    with open_existing(settings.database_url) as engine:
        index = build_report(engine, kb, since=period.since, until=period.until, out=args.out,
                             language=args.lang or settings.staff.language, progress=progress_for(args.progress),
                             catalog=report_catalog(), area=area)
    print(index)
    return EXIT_OK


def _area(args: argparse.Namespace) -> Area | None:
    """The area of --region, or None: without the option, or after saying the name is unknown."""
    from bot.insights.areas import UnknownArea, area_of
    from bot.matching.language_data import load_language_data

    if not args.region:
        return None
    try:
        return area_of(args.region, load_language_data().gazetteer)
    except UnknownArea as exc:
        print(f"error: {exc}", file=sys.stderr)
        return None


def _period(args: argparse.Namespace) -> Period | None:
    """The period of --period/--since/--until, or None after saying what is wrong with it."""
    from bot.insights.periods import PeriodError, resolve_period

    try:
        return resolve_period(args.period, args.since, args.until)
    except PeriodError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return None


def _titles_base(settings: Settings) -> KnowledgeBase | None:
    """The base that names matched entries in exports; a broken base leaves titles empty, not the export."""
    try:
        return load_knowledge(settings.knowledge_dir)
    except KnowledgeErrors as exc:
        print(f"warning: entry titles left empty, the knowledge base has {len(exc.errors)} error(s)", file=sys.stderr)
        return None
