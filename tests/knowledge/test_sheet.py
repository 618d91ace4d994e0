"""The base as a spreadsheet and back: nothing lost, nothing changed unasked, and every error located by cell."""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from bot.i18n.catalog import load_catalog
from bot.knowledge.changes import changes_between
from bot.knowledge.entries import KINDS, KnowledgeErrors, Text
from bot.knowledge.fields import FIELD_ORDER
from bot.knowledge.loader import load_knowledge
from bot.knowledge.sheet import ABOUT_GROUPS, ABOUT_SHEET, write_workbook
from bot.knowledge.sheet_read import SheetRow, read_workbook

WriteKb = Callable[[Path, Mapping[str, str]], Path]

EVERY_FIELD = {
    "funding.yaml": """
        kind: funding
        entries:
          - id: full-grant
            title: "Full grant"
            summary: {sv: "Pengar; mycket.", da: "Penge.", nl: "Geld.", en: "Money."}
            keywords: [grant, "two words", "semi colon free"]
            questions: ["Is there money?", "Finns det pengar?"]
            regions: [se, Sörmland]
            art_forms: [music]
            audience: [associations]
            url: "https://example.org"
            organisation: "Org"
            amount: "up to 5 000 SEK"
            deadline: 2027-03-15
            next_deadline: 2027-09-15
            role: "grants officer"
            municipality: "Flen"
            email: "a@example.org"
            phone: "0157 000 00"
            place: "Town hall"
            how_to_join: "Write to us"
            reviewed: 2026-05-01
            review_after_days: 90
          - id: rolling-grant
            title: "Rolling grant"
            summary: "Any time."
            deadline: rolling
    """,
    "event.yaml": """
        kind: event
        entries:
          - id: timed-event
            title: {sv: "Träff", en: "Meeting"}
            summary: "At nine."
            starts: 2027-02-04T09:00
          - id: day-event
            title: "Day"
            summary: "All day."
            starts: 2027-02-05
    """,
    "faq.yaml": """
        kind: faq
        entries:
          - id: a-question
            title: "A question"
            answer: {en: "The answer.", nl: "Het antwoord."}
    """,
}


def export(kb_dir: Path, out: Path) -> Path:
    catalog = load_catalog()
    write_workbook(load_knowledge(kb_dir), out, about={g: catalog("en", f"kb_sheet.{g}") for g in ABOUT_GROUPS},
                   about_heads=("column", "meaning"))
    return out


def edit(path: Path, sheet: str, cells: Mapping[tuple[int, str], Any]) -> Path:
    """Set cells by (row, column heading) in one sheet, as a curator would in a spreadsheet program."""
    workbook = openpyxl.load_workbook(path)
    ws = workbook[sheet] if sheet in workbook.sheetnames else workbook.create_sheet(sheet)
    header = [c.value for c in ws[1]]
    for (row, heading), value in cells.items():
        ws.cell(row=row, column=header.index(heading) + 1).value = value
    workbook.save(path)
    return path


def errors_of(path: Path) -> list[str]:
    with pytest.raises(KnowledgeErrors) as caught:
        read_workbook(path)
    return [str(e) for e in caught.value.errors]


def test_the_reference_base_comes_back_from_its_spreadsheet_unchanged(kb_dir: Path, tmp_path: Path) -> None:
    kb = load_knowledge(kb_dir)
    rows = read_workbook(export(kb_dir, tmp_path / "base.xlsx"))
    assert len(rows) == len(kb) == 126
    assert not changes_between(kb, [r.entry for r in rows if r.entry])


def test_every_field_of_every_kind_survives_the_round_trip(tmp_path: Path, write_kb: WriteKb) -> None:
    kb = load_knowledge(write_kb(tmp_path / "kb", EVERY_FIELD))
    rows = {r.entry_id: r.entry for r in read_workbook(export(kb.root, tmp_path / "base.xlsx"))}
    used = {name for e in kb for name in FIELD_ORDER if getattr(e, name) not in (None, ())}
    assert used == set(FIELD_ORDER)
    for entry in kb:
        assert rows[entry.id] is not None and rows[entry.id].same_as(entry), entry.id  # type: ignore[union-attr]


def test_the_first_sheet_explains_the_columns_and_each_kind_has_its_sheet(kb_dir: Path, tmp_path: Path) -> None:
    workbook = openpyxl.load_workbook(export(kb_dir, tmp_path / "base.xlsx"))
    assert workbook.sheetnames == [ABOUT_SHEET, *KINDS]
    about = {row[0]: row[1] for row in workbook[ABOUT_SHEET].iter_rows(min_row=2, values_only=True)}
    assert about["remove"] == load_catalog()("en", "kb_sheet.remove")
    funding = workbook["funding"]
    header = [c.value for c in funding[1]]
    assert header[:3] == ["id", "remove", "title"] and {"summary.sv", "deadline", "reviewed"} <= set(header)
    keywords = funding.cell(row=2, column=header.index("keywords") + 1).value
    assert "; " in keywords


def test_five_mistakes_give_five_errors_each_naming_sheet_row_and_column(kb_dir: Path, tmp_path: Path) -> None:
    path = export(kb_dir, tmp_path / "base.xlsx")
    edit(path, "funding", {(2, "deadline"): "next spring", (3, "id"): "kulturradet-fri-scenkonst-projekt",
                           (4, "review_after_days"): "soon"})
    edit(path, "event", {(2, "title"): None, (2, "title.sv"): None, (2, "title.en"): None})
    errors = errors_of(add_unknown_kind(path))
    assert len(errors) == 5, errors
    assert sorted(errors) == sorted([
        "base.xlsx, sheet 'funding', row 2, column X, entry 'kulturradet-fri-scenkonst-projekt', field 'deadline': "
        "'next spring' is not a date (YYYY-MM-DD) or the word 'rolling'",
        "base.xlsx, sheet 'funding', row 3, column A, entry 'kulturradet-fri-scenkonst-projekt', field 'id': "
        "id used twice: also on sheet 'funding', row 2",
        "base.xlsx, sheet 'funding', row 4, column AB, entry 'kulturradet-musikarrangorer', field 'review_after_days': "
        "'soon' is not a number of days (a whole number above 0)",
        "base.xlsx, sheet 'event', row 2, column C, entry 'kulturfrukost-eskilstuna-2027-02', field 'title': "
        "required field missing",
        "base.xlsx, sheet 'workshops', row 1, column A: unknown kind 'workshops': a sheet is named for the kind of "
        "its entries, one of funding, contact, network, event, course, faq",
    ])


def add_unknown_kind(path: Path) -> Path:
    workbook = openpyxl.load_workbook(path)
    ws = workbook.create_sheet("workshops")
    ws.append(["id", "title", "summary"])
    ws.append(["clay-workshop", "Clay", "Hands on."])
    workbook.save(path)
    return path


def test_a_row_marked_remove_removes_its_entry_and_a_missing_row_removes_nothing(
        kb_dir: Path, tmp_path: Path) -> None:
    kb = load_knowledge(kb_dir)
    path = export(kb_dir, tmp_path / "base.xlsx")
    workbook = openpyxl.load_workbook(path)
    workbook["contact"].delete_rows(2)  # a row lost by accident
    workbook.save(path)
    edit(path, "funding", {(3, "remove"): "x"})
    rows = read_workbook(path)
    changes = changes_between(kb, [r.entry for r in rows if r.entry], removed_ids=[r.entry_id for r in rows
                                                                                 if r.entry is None])
    assert [c.entry.id for c in changes.removed] == [kb.of_kind("funding")[1].id]
    assert not changes.added and not changes.changed and changes.kept_unlisted == 1


def test_an_edited_cell_is_one_changed_entry_naming_its_field(kb_dir: Path, tmp_path: Path) -> None:
    kb = load_knowledge(kb_dir)
    path = edit(export(kb_dir, tmp_path / "base.xlsx"), "funding", {(2, "amount"): "up to 700 000 SEK"})
    changes = changes_between(kb, [r.entry for r in read_workbook(path) if r.entry])
    assert [(c.entry.id, c.fields) for c in changes.changed] == [("kulturradet-fri-scenkonst-projekt", ("amount",))]
    assert changes.changed[0].after.amount == Text({"": "up to 700 000 SEK"})


def test_a_date_typed_into_a_spreadsheet_as_a_date_reads_as_that_date(tmp_path: Path, write_kb: WriteKb) -> None:
    kb = load_knowledge(write_kb(tmp_path / "kb", EVERY_FIELD))
    path = export(kb.root, tmp_path / "base.xlsx")
    edit(path, "funding", {(2, "deadline"): dt.datetime(2027, 4, 1)})
    row: SheetRow = next(r for r in read_workbook(path) if r.entry_id == "full-grant")
    assert row.entry is not None and row.entry.deadline == dt.date(2027, 4, 1)


def test_a_file_that_is_not_a_spreadsheet_is_one_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "base.xlsx"
    path.write_text("kind: funding\n", encoding="utf-8")
    [error] = errors_of(path)
    assert error.startswith("base.xlsx: not a readable .xlsx file (")


def test_the_kb_folder_is_never_written_by_reading(kb_dir: Path, tmp_path: Path) -> None:
    copy = tmp_path / "kb"
    shutil.copytree(kb_dir, copy)
    before = {p.name: p.read_bytes() for p in copy.iterdir()}
    read_workbook(edit(export(copy, tmp_path / "b.xlsx"), "funding", {(2, "amount"): "1 SEK"}))
    assert {p.name: p.read_bytes() for p in copy.iterdir()} == before
