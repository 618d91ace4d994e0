"""The base as a spreadsheet for curators: one sheet per kind, one row per entry, a column per field and language."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any

import xlsxwriter

from bot.knowledge.entries import KINDS, Entry, Kind, KnowledgeBase, Text
from bot.knowledge.fields import FIELD_ORDER, LIST_FIELDS, TEXT_FIELDS
from bot.languages import LANGUAGES

ABOUT_SHEET = "about"
REMOVE = "remove"  # a column where 'x' marks an entry to remove; a missing row never removes anything
SEPARATOR = "; "
COMMON = ("id", "title", "keywords", "questions", "regions", "art_forms", "url", "reviewed", "review_after_days")
USUAL: Mapping[Kind, tuple[str, ...]] = {
    Kind.FUNDING: ("summary", "organisation", "amount", "deadline", "next_deadline", "audience"),
    Kind.CONTACT: ("summary", "organisation", "role", "municipality", "email", "phone"),
    Kind.NETWORK: ("summary", "organisation", "municipality", "email", "how_to_join"),
    Kind.EVENT: ("summary", "organisation", "municipality", "email", "starts", "place"),
    Kind.COURSE: ("summary", "organisation", "deadline", "audience", "email", "starts", "place"),
    Kind.FAQ: ("answer",),
}
# Column groups explained on the first sheet; the texts come from the catalog under these keys.
ABOUT_GROUPS = ("id", "remove", "text", "list", "deadline", "starts", "reviewed", "review_after_days", "other")


def field_columns(name: str) -> tuple[str, ...]:
    """A text field has one column for a text of unstated language and one per language ('title.sv')."""
    return (name, *(f"{name}.{lang}" for lang in LANGUAGES)) if name in TEXT_FIELDS else (name,)


def kind_columns(kind: Kind, entries: Sequence[Entry] = ()) -> tuple[str, ...]:
    """The kind's usual fields plus any its entries use, in the curators' guide's order."""
    used = {name for e in entries for name in FIELD_ORDER if name != "id" and getattr(e, name) not in (None, ())}
    wanted = set(COMMON) | set(USUAL[kind]) | used
    fields = [name for name in FIELD_ORDER if name in wanted]
    return ("id", REMOVE, *(column for name in fields[1:] for column in field_columns(name)))


def cell_value(entry: Entry, column: str) -> str | int | None:
    """What one cell of an entry's row holds: texts per language, lists joined with '; ', dates in ISO."""
    name, _, lang = column.partition(".")
    if name == REMOVE:
        return None
    value = getattr(entry, name)
    if isinstance(value, Text):
        return value.by_language.get(lang) or None
    if name in LIST_FIELDS:
        return SEPARATOR.join(value) or None
    if isinstance(value, datetime):
        return value.isoformat(timespec="minutes" if not value.second else "seconds")
    if isinstance(value, date):
        return value.isoformat()
    return value if isinstance(value, (str, int)) else None


def write_workbook(kb: KnowledgeBase, path: Path, *, about: Mapping[str, str], about_heads: tuple[str, str]) -> None:
    """The first sheet explains the columns (texts passed in, in the staff's language); then a sheet per kind."""
    workbook = xlsxwriter.Workbook(str(path))
    try:
        bold = workbook.add_format({"bold": True})
        text = workbook.add_format({"num_format": "@", "text_wrap": False})
        wrap = workbook.add_format({"text_wrap": True, "valign": "top"})
        sheet = workbook.add_worksheet(ABOUT_SHEET)
        sheet.write_row(0, 0, about_heads, bold)
        sheet.set_column(0, 0, 28)
        sheet.set_column(1, 1, 100, wrap)
        for row, group in enumerate(ABOUT_GROUPS, start=1):
            sheet.write_string(row, 0, group)
            sheet.write_string(row, 1, about[group])
        for kind in KINDS:
            _write_kind(workbook, kind, kb.of_kind(kind), bold=bold, text=text)
    finally:
        workbook.close()


def _write_kind(workbook: Any, kind: Kind, entries: Sequence[Entry], *, bold: Any, text: Any) -> None:
    columns = kind_columns(kind, entries)
    sheet = workbook.add_worksheet(kind.value)
    sheet.write_row(0, 0, columns, bold)
    sheet.freeze_panes(1, 1)
    for index, column in enumerate(columns):
        width = 12 if column in (REMOVE, "review_after_days", "reviewed", "deadline") else 30
        sheet.set_column(index, index, width, None if column == "review_after_days" else text)
    for row, entry in enumerate(entries, start=1):
        for index, column in enumerate(columns):
            value = cell_value(entry, column)
            if isinstance(value, int):
                sheet.write_number(row, index, value)
            elif value is not None:
                sheet.write_string(row, index, value)
