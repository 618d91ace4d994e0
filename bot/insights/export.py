"""Needs exported for analysis in Excel or code: one row per need, only the columns of bot/needs_rows.py.

Formats:
- csv: UTF-8 with a byte-order mark (Excel then reads å, æ, ø correctly), comma-separated, times as
  'YYYY-MM-DD HH:MM:SS' in UTC, several entry ids or titles joined by ' | ', empty cells for none.
- xlsx: sheets "needs", "tickets" (one row per ticket opened in the period) and "summary" (counts and
  shares); times are real Excel dates in UTC (yyyy-mm-dd hh:mm); header rows bold, frozen, with filters.
  Written by XlsxWriter in constant_memory mode: each row goes to disk as it comes, strings inline, so
  memory stays flat. Measured by benchmarks/bench_needs.py (100,000 needs, see the README): about twice
  the time of the own writer it replaced (14.8 s against 7.9 s on a shared 2-CPU machine), same memory.
- json: one JSON array holding one object per need, each object on its own line: valid JSON for any
  reader, and streamable line by line (strip the trailing comma) for large exports. Times are ISO 8601
  with 'Z', lists stay lists, missing values are null.
"""

from __future__ import annotations

import csv
import io
import json
import math
import os
from collections.abc import Iterable, Iterator, Sequence
from datetime import UTC, date, datetime
from pathlib import Path
from typing import IO, Any

import xlsxwriter
from sqlalchemy.engine import Engine

from bot.insights.areas import Area
from bot.insights.periods import Period
from bot.insights.progress import Progress, track
from bot.insights.redaction import redact
from bot.insights.rows import NEED_COLUMNS, TICKET_COLUMNS, NeedRow, count_needs, need_rows, ticket_rows
from bot.insights.stats import DECISIONS, Tally
from bot.knowledge.entries import KnowledgeBase

FORMATS = ("csv", "xlsx", "json")
QUESTION_COLUMNS = ("need", "kind", "scope", "question")  # the rest is on the needs sheet, by need
QUESTION_MAX = 1000  # characters of a question on the staff sheet
PORTRAIT_WIDTH = 90  # column widths (characters) that fit an A4 page upright
JOIN = " | "
DATE_FORMAT = "yyyy-mm-dd hh:mm"


def export_needs(engine: Engine, kb: KnowledgeBase | None, *, fmt: str, since: datetime | None = None,
                 until: datetime | None = None, out: Path | None = None, language: str = "en",
                 progress: Progress | None = None, area: Area | None = None,
                 questions: bool = True) -> Path | bytes:
    """Write the needs of [since, until) (of `area`'s places where given) as `fmt` to `out` (atomically) and
    return it, or return the bytes."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown export format {fmt!r}; expected one of {', '.join(FORMATS)}")
    period = Period(since, until)
    total = count_needs(engine, period)
    rows = track(need_rows(engine, kb, period, language=language), total, progress, verb="exported")
    if area is not None:
        rows = (row for row in rows if area.holds(row.region))
    if out is None:
        buffer = io.BytesIO()
        _WRITERS[fmt](engine, period, rows, buffer, area, questions)
        return buffer.getvalue()
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(f".{out.name}.partial")
    try:
        with partial.open("wb") as stream:
            _WRITERS[fmt](engine, period, rows, stream, area, questions)
        os.replace(partial, out)
    finally:
        partial.unlink(missing_ok=True)
    return out


def _write_csv(_engine: Engine, _period: Period, rows: Iterable[NeedRow], stream: IO[bytes],
               _area: Area | None, _questions: bool) -> None:
    text = io.TextIOWrapper(stream, encoding="utf-8-sig", newline="")
    writer = csv.writer(text)
    writer.writerow(NEED_COLUMNS)
    writer.writerows([_text_cell(v) for v in row.values()] for row in rows)
    text.flush()
    text.detach()


def _text_cell(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, tuple):
        return JOIN.join(value)
    return "" if value is None else value


def _write_json(_engine: Engine, _period: Period, rows: Iterable[NeedRow], stream: IO[bytes],
                _area: Area | None, _questions: bool) -> None:
    stream.write(b"[")
    separator = b"\n"
    for row in rows:
        item = {name: _json_value(value) for name, value in zip(NEED_COLUMNS, row.values(), strict=True)}
        stream.write(separator + json.dumps(item, ensure_ascii=False).encode())
        separator = b",\n"
    stream.write(b"\n]\n")


def _json_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat().replace("+00:00", "Z")
    return list(value) if isinstance(value, tuple) else value


def _write_xlsx(engine: Engine, period: Period, rows: Iterable[NeedRow], stream: IO[bytes],
                area: Area | None, with_questions: bool) -> None:
    counts = Tally()

    questions: list[tuple[Any, ...]] | None = [] if with_questions else None

    def needs() -> Iterator[tuple[Any, ...]]:
        for row in rows:
            counts.add_need(row)
            if questions is not None:
                questions.append((row.need, row.kind, row.scope, redact(row.text)[:QUESTION_MAX]))
            yield row.values()

    def tickets() -> Iterator[tuple[Any, ...]]:
        for ticket in ticket_rows(engine, period):
            if area is not None and not area.holds(ticket.region):
                continue
            counts.add_ticket(ticket)
            yield ticket.values()

    with xlsxwriter.Workbook(stream, {"constant_memory": True}) as book:
        write_sheet(book, "needs", NEED_COLUMNS, needs(), widths=_widths(NEED_COLUMNS))
        write_sheet(book, "tickets", TICKET_COLUMNS, tickets(), widths=_widths(TICKET_COLUMNS))
        write_sheet(book, "summary", ("section", "key", "value"), summary_lines(counts, period), widths=(14, 40, 24))
        if questions is not None:  # staff only: the words people wrote, contact details masked
            write_sheet(book, "questions", QUESTION_COLUMNS, questions, widths=(9, 14, 11, 90))


def write_sheet(book: Any, name: str, header: Sequence[str], rows: Iterable[Sequence[Any]], *,
                widths: Sequence[float] = ()) -> None:
    """A worksheet of `book` (an xlsxwriter.Workbook) with a bold, frozen, filterable header, then `rows` in order.

    Cells by type: text as inline strings (never read as formulas or links), shares (Share) as percentages,
    numbers (NaN and infinities left empty), booleans, dates and datetimes as Excel dates shown yyyy-mm-dd hh:mm
    (aware ones in UTC), tuples joined by ' | '; None and '' leave the cell empty. A sheet wider than a page prints
    landscape, fitted to the page's width, with the header on every page.
    """
    sheet = book.add_worksheet(name)
    bold, when = book.add_format({"bold": True}), book.add_format({"num_format": DATE_FORMAT})
    percent = book.add_format({"num_format": "0.0%"})
    for column, width in enumerate(widths):
        sheet.set_column(column, column, width)
    if sum(widths) > PORTRAIT_WIDTH:
        sheet.set_landscape()
    sheet.fit_to_pages(1, 0)  # as wide as one page, as many pages down as it takes
    sheet.repeat_rows(0)
    sheet.freeze_panes(1, 0)
    sheet.write_row(0, 0, header, bold)
    last = 0
    for last, values in enumerate(rows, start=1):
        for column, value in enumerate(values):
            if isinstance(value, tuple):
                value = JOIN.join(value)
            if value is None or value == "":
                continue
            if isinstance(value, str):
                sheet.write_string(last, column, value)
            elif isinstance(value, bool):
                sheet.write_boolean(last, column, value)
            elif isinstance(value, Share):
                sheet.write_number(last, column, float(value), percent)
            elif isinstance(value, (int, float)):
                if math.isfinite(value):
                    sheet.write_number(last, column, value)
            elif isinstance(value, (datetime, date)):
                sheet.write_datetime(last, column, _excel_time(value), when)
            else:
                sheet.write_string(last, column, str(value))
    sheet.autofilter(0, 0, last, max(len(header), 1) - 1)


def _widths(columns: tuple[str, ...]) -> list[float]:
    wide = {"time_utc": 19, "created_utc": 19, "entry_ids": 40, "entry_titles": 60, "tried_ids": 40, "user_key": 34}
    return [wide.get(name, max(10, len(name) + 3)) for name in columns]


def _excel_time(value: date) -> date:
    if isinstance(value, datetime) and value.tzinfo is not None:
        return value.astimezone(UTC).replace(tzinfo=None)  # Excel has no time zones; the column says UTC
    return value


def summary_lines(counts: Tally, period: Period) -> Iterator[tuple[str, str, Any]]:
    """The summary sheet: totals and shares, then counts by decision, kind, language, region, art form."""
    yield "period", "from – to (UTC)", period.label()
    yield "totals", "questions", counts.questions
    yield "totals", "small talk", counts.scopes["small_talk"]
    yield "totals", "outside our scope", counts.scopes["off_topic"]
    yield "totals", "needs", counts.needs
    yield "totals", "tickets", counts.tickets
    yield "totals", "share answered by the bot (directly or after a choice)", _rounded(counts.answered_share)
    yield "totals", "share answered after a choice", _rounded(counts.picked / counts.needs if counts.needs else None)
    for decision in DECISIONS:
        yield "totals", f"share {decision}", _rounded(counts.share(decision))
    yield "totals", "share helpful (of feedback given)", _rounded(counts.helpful_share)
    yield "totals", "share of tickets answered by staff", _rounded(counts.tickets_answered_share)
    yield "totals", "median hours to first staff answer", counts.median_answer_hours
    yield "totals", "median hours to close", counts.median_close_hours
    for section, counter in (("decision", counts.decisions), ("kind", counts.kinds),
                             ("language", counts.languages), ("region", counts.regions),
                             ("art_form", counts.art_forms), ("feedback", counts.feedback),
                             ("ticket_state", counts.states)):
        for key, n in counter.most_common():
            yield section, str(key), n
    for stars in range(1, 6):
        yield "rating", str(stars), counts.ratings[stars]


class Share(float):
    """A share (0.25), shown as a percentage (25.0 %) in a spreadsheet."""


def _rounded(share: float | None) -> Share | None:
    return None if share is None else Share(round(share, 4))


_WRITERS = {"csv": _write_csv, "json": _write_json, "xlsx": _write_xlsx}
