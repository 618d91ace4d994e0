"""Reading an edited spreadsheet back into entries; every error names its sheet, row and column."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, time
from pathlib import Path
from typing import Any

from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from bot.knowledge.entries import ID_MAX, ID_PATTERN, KINDS, Entry, Kind, KnowledgeError, KnowledgeErrors, Source
from bot.knowledge.fields import KNOWN_FIELDS, LIST_FIELDS, STRING_FIELDS, TEXT_FIELDS, blank, parse_field, required_fields
from bot.knowledge.sheet import ABOUT_SHEET, REMOVE, field_columns
from bot.languages import LANGUAGES

MARKS = frozenset(("x", "yes", "ja", "remove", "delete", "fjern", "slet", "verwijder", "ta bort", "1", "true"))


@dataclass(frozen=True, slots=True)
class SheetRow:
    """One entry as a curator left it: the entry, or only its id when marked for removal."""

    entry_id: str
    kind: Kind
    sheet: str
    row: int
    entry: Entry | None  # None when the row is marked for removal


def read_workbook(path: Path, *, name: str | None = None) -> tuple[SheetRow, ...]:
    """Every row of every kind's sheet; raises KnowledgeErrors with all problems found in one pass."""
    label = name or path.name
    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds (zip, XML, key errors) for a file that is not xlsx
        raise KnowledgeErrors([KnowledgeError(f"not a readable .xlsx file ({type(exc).__name__})", file=label)]) \
            from None
    errors: list[KnowledgeError] = []
    rows: list[SheetRow] = []
    ids: list[tuple[str, str, int]] = []  # (id, sheet, row) of every row, valid or not
    try:
        for sheet in workbook.worksheets:
            if sheet.title != ABOUT_SHEET:
                rows += _read_sheet(label, sheet.title, sheet.iter_rows(values_only=True), errors, ids)
    finally:
        workbook.close()
    _duplicates(label, ids, errors)
    if errors:
        raise KnowledgeErrors(errors)
    return tuple(rows)


def _read_sheet(label: str, title: str, cells: Iterator[tuple[Any, ...]], errors: list[KnowledgeError],
                ids: list[tuple[str, str, int]]) -> list[SheetRow]:
    if title not in KINDS:
        errors.append(KnowledgeError(f"unknown kind {title!r}: a sheet is named for the kind of its entries, one of "
                                     f"{', '.join(KINDS)}", file=label, sheet=title, line=1, column="A"))
        return []
    header = [str(v).strip() if v is not None else "" for v in next(cells, ())]
    known = {column for name in KNOWN_FIELDS for column in field_columns(name)} | {REMOVE}
    bad = [(i, h) for i, h in enumerate(header) if h and h not in known]
    errors += [KnowledgeError(f"unknown column {h!r}", file=label, sheet=title, line=1, column=get_column_letter(i + 1))
               for i, h in bad]
    if bad or "id" not in header:
        if "id" not in header:
            errors.append(KnowledgeError("no 'id' column", file=label, sheet=title, line=1, column="A"))
        return []
    rows = []
    for number, values in enumerate(cells, start=2):
        cells_by_column = {h: v for h, v in zip(header, values, strict=False) if h and not blank(v)}
        if cells_by_column.get("id") is not None:
            ids.append((str(cells_by_column["id"]).strip(), title, number))
        if cells_by_column:
            row = _row(label, Kind(title), number, header, cells_by_column, errors)
            if row is not None:
                rows.append(row)
    return rows


def _row(label: str, kind: Kind, number: int, header: list[str], cells: dict[str, Any],
         errors: list[KnowledgeError]) -> SheetRow | None:
    """Check every cell of one row, so all its problems are reported together."""
    entry_id = cells.get("id")
    entry_id = str(entry_id).strip() if entry_id is not None else None

    def fail(column: str, message: str) -> KnowledgeError:
        letter = get_column_letter(header.index(column) + 1) if column in header else None
        return KnowledgeError(message, file=label, sheet=kind.value, line=number, column=letter, entry=entry_id,
                              field=column)

    problems: list[KnowledgeError] = []
    if entry_id is None:
        problems.append(fail("id", "required field missing"))
    elif not ID_PATTERN.match(entry_id):
        problems.append(fail("id", f"{entry_id!r} is not an id: use lowercase letters, digits and '-'"))
    elif len(entry_id) > ID_MAX:
        problems.append(fail("id", f"longer than {ID_MAX} characters (it travels in Telegram buttons)"))
    if not problems and str(cells.get(REMOVE, "")).strip().lower() in MARKS:
        return SheetRow(str(entry_id), kind, kind.value, number, None)
    raw = _raw(cells)
    missing = [name for name in required_fields(kind.value) if blank(raw.get(name))]
    problems += [fail(next((c for c in field_columns(name) if c in header), name), "required field missing")
                 for name in missing]
    values: dict[str, Any] = {}
    for name, value in raw.items():
        if isinstance(value, dict) and "" in value:
            problems.append(fail(name, "write the text once in this column, or once per language, not both"))
        if name in missing or (isinstance(value, dict) and "" in value):
            continue
        column = _column_of(name, cells)
        try:
            values[name] = parse_field(name, value, lambda msg, sub=None, c=column: fail(
                f"{c.partition('.')[0]}.{sub}" if sub else c, msg))
        except KnowledgeError as exc:
            problems.append(exc)
    if problems:
        errors.extend(problems)
        return None
    entry = Entry(id=str(entry_id), kind=kind, source=Source(f"{label}#{kind.value}", number),
                  summary=values.pop("summary", None), **values)
    return SheetRow(entry.id, kind, kind.value, number, entry)


def _column_of(name: str, cells: dict[str, Any]) -> str:
    return next((c for c in field_columns(name) if c in cells), name)


def _raw(cells: dict[str, Any]) -> dict[str, Any]:
    """The row's cells as the YAML loader would see the entry: texts per language, lists split at ';'."""
    raw: dict[str, Any] = {}
    for column, value in cells.items():
        name, _, lang = column.partition(".")
        if name in ("id", REMOVE):
            continue
        if name in TEXT_FIELDS:
            raw.setdefault(name, {})[lang if lang in LANGUAGES else ""] = _string(value)
        elif name in LIST_FIELDS:
            raw[name] = [item.strip() for item in _string(value).split(";") if item.strip()]
        elif name in STRING_FIELDS and not (name == "phone" and isinstance(value, (int, float))):
            raw[name] = _string(value)
        else:
            raw[name] = _cell_date(name, value)
    for name in TEXT_FIELDS:  # one text of unstated language is written as a plain string
        if isinstance(texts := raw.get(name), dict) and list(texts) == [""]:
            raw[name] = texts[""]
    return raw


def _string(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _cell_date(name: str, value: Any) -> Any:
    """A cell a spreadsheet turned into a date-time: a date unless a start time is given."""
    if isinstance(value, datetime) and (name != "starts" or value.time() == time(0)):
        return value.date()
    return value.strip() if isinstance(value, str) else value


def _duplicates(label: str, ids: list[tuple[str, str, int]], errors: list[KnowledgeError]) -> None:
    first: dict[str, tuple[str, int]] = {}
    for entry_id, sheet, row in ids:
        if seen := first.get(entry_id):
            errors.append(KnowledgeError(f"id used twice: also on sheet '{seen[0]}', row {seen[1]}", file=label,
                                         sheet=sheet, line=row, column="A", entry=entry_id, field="id"))
        else:
            first[entry_id] = (sheet, row)
