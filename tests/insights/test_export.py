"""Needs exports: what goes in equals the database, in every format, and nothing personal ever leaves."""

from __future__ import annotations

import codecs
import csv
import io
import json
import zipfile
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import openpyxl
import pytest
import xlsxwriter
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from bot.cli import EXIT_FAILED, EXIT_OK, EXIT_USAGE, main
from bot.insights.areas import area_of
from bot.insights.export import export_needs, write_sheet
from bot.insights.progress import Progress, progress_for
from bot.insights.rows import NEED_COLUMNS, TICKET_COLUMNS
from bot.knowledge.entries import KnowledgeBase
from bot.matching.language_data import LanguageData
from bot.storage.tables import Need, Ticket
from tests.needs_fixtures import CHAT_IDS, STAFF_ID, STAFF_NAME, START, USERNAME, seed_needs

PERSONAL = (*map(str, CHAT_IDS), str(STAFF_ID), STAFF_NAME, USERNAME, "anna_k", "070-123")


@pytest.fixture
def engine(tmp_path: Path) -> Engine:
    return seed_needs(tmp_path / "needs.db")


def expected(engine: Engine, kb: KnowledgeBase | None) -> list[dict[str, Any]]:
    """The rows an export must hold, worked out straight from the tables."""
    with Session(engine) as session:
        tickets = {t.id: t for t in session.exec(select(Ticket))}
        rows = []
        for need in session.exec(select(Need).order_by(Need.created_at)):
            ticket = tickets.get(need.ticket_id)
            ids = [m["id"] for m in need.matches]
            hours = lambda end, ticket=ticket: None if ticket is None or end is None else round(  # noqa: E731
                (end - ticket.created_at).total_seconds() / 3600, 2)
            entries = kb.by_id if kb is not None else {}
            rows.append({
                "need": need.id, "time_utc": need.created_at.replace(tzinfo=UTC), "language": need.language,
                "kind": (ticket.label if ticket and ticket.label else None) or (need.matches[0]["kind"]
                                                                               if need.matches else "unknown"),
                "entry_ids": ids, "entry_titles": [entries[i].title.get("en") if i in entries else "" for i in ids],
                "decision": need.decision, "feedback": need.feedback, "ticket": need.ticket_id,
                "ticket_state": ticket.state if ticket else None,
                "hours_to_answer": hours(ticket.first_answer_at) if ticket else None,
                "hours_to_close": hours(ticket.closed_at) if ticket else None,
                "rating": ticket.rating if ticket else None, "region": need.region, "art_form": need.art_form,
                "user_key": need.user_key})
    return rows


def as_text(row: dict[str, Any]) -> list[str]:
    """A row as the CSV spells it."""
    cells = {**row, "time_utc": row["time_utc"].strftime("%Y-%m-%d %H:%M:%S"),
             "entry_ids": " | ".join(row["entry_ids"]), "entry_titles": " | ".join(row["entry_titles"])}
    return ["" if cells[c] is None else str(cells[c]) for c in NEED_COLUMNS]


def test_csv_starts_with_a_bom_and_holds_exactly_the_databases_needs(engine: Engine, reference_kb: KnowledgeBase,
                                                                     tmp_path: Path) -> None:
    out = export_needs(engine, reference_kb, fmt="csv", out=tmp_path / "needs.csv")
    raw = Path(out).read_bytes()
    assert raw.startswith(codecs.BOM_UTF8)
    header, *rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline="")))
    assert tuple(header) == NEED_COLUMNS
    assert rows == [as_text(row) for row in expected(engine, reference_kb)]
    assert "Kulturrådet: bidrag till musikarrangörer" in rows[0]


def test_json_is_one_array_of_objects_with_lists_and_nulls_equal_to_the_database(
        engine: Engine, reference_kb: KnowledgeBase) -> None:
    data = export_needs(engine, reference_kb, fmt="json")
    assert isinstance(data, bytes)
    items = json.loads(data)
    assert [list(item) for item in items] == [list(NEED_COLUMNS)] * len(items)
    want = [{**row, "time_utc": row["time_utc"].isoformat().replace("+00:00", "Z")}
            for row in expected(engine, reference_kb)]
    assert items == want
    assert all(line.startswith(b"{") for line in data.splitlines()[1:-1])  # one object per line


def test_xlsx_has_needs_tickets_and_summary_sheets_matching_the_database(engine: Engine, reference_kb: KnowledgeBase,
                                                                       tmp_path: Path) -> None:
    out = export_needs(engine, reference_kb, fmt="xlsx", out=tmp_path / "needs.xlsx", questions=False)
    book = openpyxl.load_workbook(out, read_only=True)
    assert book.sheetnames == ["needs", "tickets", "summary"]
    header, *rows = book["needs"].iter_rows(values_only=True)
    assert header == NEED_COLUMNS
    for got, want in zip(rows, expected(engine, reference_kb), strict=True):
        cells = {**want, "time_utc": want["time_utc"].replace(tzinfo=None),
                 "entry_ids": " | ".join(want["entry_ids"]) or None,
                 "entry_titles": " | ".join(want["entry_titles"]) or None}
        assert got == tuple(cells[c] for c in NEED_COLUMNS)
    header, *tickets = book["tickets"].iter_rows(values_only=True)
    assert header == TICKET_COLUMNS and "chat_id" not in header
    assert [(t[0], t[3], t[6], t[10]) for t in tickets] == [(1, "closed", "funding", 4), (2, "answered", None, None),
                                                           (3, "open", None, None)]
    summary = {(section, key): value for section, key, value in list(book["summary"].iter_rows(values_only=True))[1:]}
    assert summary["totals", "needs"] == 12 and summary["totals", "tickets"] == 3
    assert summary["decision", "escalate"] == 6 and summary["kind", "funding"] == 4
    assert summary["totals", "median hours to first staff answer"] == 4
    book.close()


def test_kind_is_the_staff_label_first_then_the_best_match_then_unknown(engine: Engine) -> None:
    kinds = {item["need"]: item["kind"] for item in json.loads(export_needs(engine, None, fmt="json"))}
    assert (kinds[2], kinds[3], kinds[6]) == ("funding", "contact", "unknown")  # need 2 matched a contact


def test_without_a_knowledge_base_titles_are_empty_but_ids_remain(engine: Engine) -> None:
    first = json.loads(export_needs(engine, None, fmt="json"))[0]
    assert (first["entry_ids"], first["entry_titles"]) == (["kulturradet-musikarrangorer"], [""])


def test_a_period_exports_only_its_needs(engine: Engine) -> None:
    since, until = datetime(2026, 3, 9, tzinfo=UTC), datetime(2026, 3, 16, tzinfo=UTC)
    items = json.loads(export_needs(engine, None, fmt="json", since=since, until=until))
    assert [item["need"] for item in items] == [6, 7, 8, 9]
    assert json.loads(export_needs(engine, None, fmt="json", since=datetime(2030, 1, 1, tzinfo=UTC))) == []


@pytest.mark.parametrize("fmt", ["csv", "json", "xlsx"])
def test_no_export_holds_a_chat_id_staff_id_name_username_or_question_text(
        engine: Engine, reference_kb: KnowledgeBase, tmp_path: Path, fmt: str) -> None:
    out = Path(export_needs(engine, reference_kb, fmt=fmt, out=tmp_path / f"needs.{fmt}", questions=False))
    if fmt == "xlsx":
        with zipfile.ZipFile(out) as archive:
            text = "".join(archive.read(name).decode("utf-8") for name in archive.namelist())
    else:
        text = out.read_text(encoding="utf-8-sig")
    for secret in (*PERSONAL, "<script", "alert(", "replokal", "advocaat"):
        assert secret not in text, secret
    assert not list(tmp_path.glob(".*partial"))


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_is_drawn_on_the_stream_when_asked_or_on_a_terminal_and_silent_otherwise(engine: Engine) -> None:
    shown = io.StringIO()
    export_needs(engine, None, fmt="csv", progress=Progress(shown))
    assert "exported" in shown.getvalue() and "12/12" in shown.getvalue()
    assert progress_for(None, io.StringIO()) is None  # a pipe or a file: silent
    assert progress_for(False, Terminal()) is None
    assert isinstance(progress_for(None, Terminal()), Progress)
    assert isinstance(progress_for(True, io.StringIO()), Progress)


def write_config(tmp_path: Path, database: str, kb_dir: Path) -> Path:
    config = tmp_path / "config.yaml"
    config.write_text(f"storage:\n  url: {database}\nknowledge:\n  path: {kb_dir}\n", encoding="utf-8")
    return config


def test_the_cli_writes_json_to_stdout_and_files_by_suffix(engine: Engine, tmp_path: Path, kb_dir: Path,
                                                           capsysbinary: pytest.CaptureFixture[bytes]) -> None:
    config = str(write_config(tmp_path, engine.url.render_as_string(hide_password=False), kb_dir))
    assert main(["--config", config, "export", "--format", "json", "--period", "2026-03"]) == EXIT_OK
    out, err = capsysbinary.readouterr()
    assert len(json.loads(out)) == 12 and err == b""  # stderr is no terminal here: no progress
    assert main(["--config", config, "export", "--format", "json", "--period", "2026-03", "--progress"]) == EXIT_OK
    out, err = capsysbinary.readouterr()
    assert len(json.loads(out)) == 12 and b"exported" in err and b"12/12" in err
    assert main(["--config", config, "export", "--out", str(tmp_path / "q.xlsx"), "--since",
                 START.date().isoformat(), "--until", "2026-03-08", "--no-progress"]) == EXIT_OK
    assert capsysbinary.readouterr().out.decode().strip() == str(tmp_path / "q.xlsx")
    assert len(list(openpyxl.load_workbook(tmp_path / "q.xlsx")["needs"].iter_rows())) == 1 + 5


def test_the_cli_refuses_xlsx_on_stdout_an_unknown_period_and_a_missing_database(
        engine: Engine, tmp_path: Path, kb_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = str(write_config(tmp_path, engine.url.render_as_string(hide_password=False), kb_dir))
    assert main(["--config", config, "export", "--format", "xlsx"]) == EXIT_USAGE
    assert "--out" in capsys.readouterr().err
    assert main(["--config", config, "export", "--period", "last summer"]) == EXIT_USAGE
    assert "not a period" in capsys.readouterr().err
    missing = str(write_config(tmp_path, f"sqlite:///{tmp_path / 'nowhere.db'}", kb_dir))
    assert main(["--config", missing, "export"]) == EXIT_FAILED
    assert "no database" in capsys.readouterr().err
    assert not (tmp_path / "nowhere.db").exists()


def test_xlsx_cells_keep_their_types_escapes_and_a_frozen_filterable_bold_header(tmp_path: Path) -> None:
    path = tmp_path / "cells.xlsx"
    with path.open("wb") as stream, xlsxwriter.Workbook(stream, {"constant_memory": True}) as book:
        write_sheet(book, "a & b", [f"c{i}" for i in range(28)], [
            [1, 2.5, True, datetime(2026, 3, 1, 10, 30, tzinfo=timezone(timedelta(hours=1))), " padded ",
             "<x> & =1+1", None, "", float("nan"), ("a", "b"), "https://example.org", *range(17)],
            [None, 3]], widths=[12] * 28)
    sheet = openpyxl.load_workbook(path)["a & b"]
    assert [c.value for c in sheet[2][:11]] == [1, 2.5, True, datetime(2026, 3, 1, 9, 30), " padded ", "<x> & =1+1",
                                                 None, None, None, "a | b", "https://example.org"]
    assert sheet["AB2"].value == 16 and sheet["B3"].value == 3 and not sheet["B2"].hyperlink
    assert sheet["A1"].font.b and sheet["D2"].is_date and sheet["D2"].number_format == "yyyy-mm-dd hh:mm"
    assert (sheet.freeze_panes, sheet.auto_filter.ref) == ("A2", "A1:AB3")
    assert sheet.column_dimensions["AB"].width > 12


def test_an_xlsx_export_with_no_needs_still_has_its_three_sheets_and_headers(engine: Engine, tmp_path: Path) -> None:
    out = export_needs(engine, None, fmt="xlsx", out=tmp_path / "empty.xlsx", since=datetime(2030, 1, 1, tzinfo=UTC),
                       questions=False)
    book = openpyxl.load_workbook(out)
    assert book.sheetnames == ["needs", "tickets", "summary"]
    assert [c.value for c in book["needs"][1]] == list(NEED_COLUMNS) and book["needs"].max_row == 1
    assert book["needs"].freeze_panes == "A2"
    summary = {(row[0], row[1]): row[2] for row in book["summary"].iter_rows(min_row=2, values_only=True)}
    assert summary["totals", "needs"] == 0 and summary["totals", "share answer"] is None


def test_a_region_keeps_the_needs_of_its_municipalities_only(engine: Engine, tmp_path: Path,
                                                             language_data: LanguageData) -> None:
    with Session(engine) as session:
        need = session.exec(select(Need).where(Need.region == "Sjælland")).first()
        assert need is not None
        need.region = "Flen"  # a municipality in Sörmland
        session.add(need)
        session.commit()
        regions = {n.id: n.region for n in session.exec(select(Need))}
    data = export_needs(engine, None, fmt="json", area=area_of("sörmlands", language_data.gazetteer))
    assert isinstance(data, bytes)
    exported = json.loads(data)
    assert {regions[row["need"]] for row in exported} == {"Sörmland", "Flen"}
    assert len(exported) == sum(1 for r in regions.values() if r in ("Sörmland", "Flen"))
    out = tmp_path / "sormland.xlsx"
    export_needs(engine, None, fmt="xlsx", out=out, area=area_of("Sörmland", language_data.gazetteer))
    book = openpyxl.load_workbook(out, read_only=True)
    tickets = list(book["tickets"].iter_rows(min_row=2, values_only=True))
    book.close()
    assert [row[TICKET_COLUMNS.index("region")] for row in tickets] == ["Sörmland"]


def test_the_cli_refuses_a_region_nobody_knows(engine: Engine, tmp_path: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    config = tmp_path / "config.yaml"
    config.write_text(f"storage:\n  url: {engine.url.render_as_string(hide_password=False)}\n", encoding="utf-8")
    assert main(["export", "--config", str(config), "--region", "Atlantis"]) == EXIT_USAGE
    assert "no known region or municipality is called 'Atlantis'" in capsys.readouterr().err


def test_staff_get_a_questions_sheet_with_contacts_masked_and_the_other_sheets_hold_no_free_text(
        engine: Engine, tmp_path: Path) -> None:
    out = export_needs(engine, None, fmt="xlsx", out=tmp_path / "staff.xlsx")
    book = openpyxl.load_workbook(out)
    assert book.sheetnames == ["needs", "tickets", "summary", "questions"]
    header, *rows = book["questions"].iter_rows(values_only=True)
    assert header == ("need", "kind", "scope", "question")
    texts = [row[3] for row in rows]
    assert len(texts) == 12 and any("replokal" in t for t in texts)
    assert not any(secret in t for t in texts for secret in (USERNAME, "070-123"))
    with zipfile.ZipFile(out) as archive:
        names = {n: archive.read(n).decode("utf-8") for n in archive.namelist() if n.startswith("xl/worksheets/sheet")}
    for sheet in ("sheet1.xml", "sheet3.xml"):  # needs and summary: forwarded as they are
        for secret in (*PERSONAL, "<script", "alert(", "replokal", "advocaat"):
            assert secret not in names[f"xl/worksheets/{sheet}"], (sheet, secret)


def test_shares_read_as_percentages_and_wide_sheets_print_landscape_one_page_wide(engine: Engine,
                                                                                  tmp_path: Path) -> None:
    book = openpyxl.load_workbook(export_needs(engine, None, fmt="xlsx", out=tmp_path / "print.xlsx"))
    shares = [row for row in book["summary"].iter_rows(min_row=2) if str(row[1].value).startswith("share ")]
    assert shares and all(row[2].number_format == "0.0%" for row in shares if row[2].value is not None)
    counts = [row for row in book["summary"].iter_rows(min_row=2) if row[1].value == "needs"]
    assert counts[0][2].number_format == "General"
    for name in ("needs", "tickets", "questions"):
        sheet = book[name]
        assert sheet.page_setup.orientation == "landscape", name
        # fitToWidth 1 is the default, which XlsxWriter leaves out
        assert sheet.sheet_properties.pageSetUpPr.fitToPage and sheet.page_setup.fitToWidth in (None, 1), name
        assert sheet.page_setup.fitToHeight == 0 and sheet.print_title_rows == "$1:$1", name
    assert book["summary"].page_setup.orientation != "landscape"


def test_the_config_switch_leaves_the_questions_sheet_out(engine: Engine, tmp_path: Path) -> None:
    config = tmp_path / "config.yaml"
    url = engine.url.render_as_string(hide_password=False)
    config.write_text(f"storage:\n  url: {url}\nstaff:\n  export_questions: false\n",
                      encoding="utf-8")
    assert main(["export", "--config", str(config), "--out", str(tmp_path / "n.xlsx")]) == EXIT_OK
    assert openpyxl.load_workbook(tmp_path / "n.xlsx").sheetnames == ["needs", "tickets", "summary"]
