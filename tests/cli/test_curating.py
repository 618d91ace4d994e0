"""`kb export` and `kb import` as a curator runs them: a summary first, the YAML written only with --apply."""

from __future__ import annotations

import shutil
from pathlib import Path

import openpyxl
import pytest

from bot.cli import main


@pytest.fixture
def site(kb_dir: Path, tmp_path: Path) -> Path:
    shutil.copytree(kb_dir, tmp_path / "kb")
    return tmp_path


def files(root: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(root.iterdir())}


def test_export_then_import_without_edits_changes_no_byte(site: Path, capsys: pytest.CaptureFixture[str]) -> None:
    before = files(site / "kb")
    assert main(["kb", "export", "--format", "xlsx", "--out", str(site / "base.xlsx"), "--kb", str(site / "kb")]) == 0
    assert main(["kb", "import", str(site / "base.xlsx"), "--kb", str(site / "kb"), "--apply"]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == "no changes"
    assert files(site / "kb") == before


def test_import_shows_the_change_and_writes_it_only_with_apply(site: Path, capsys: pytest.CaptureFixture[str]) -> None:
    main(["kb", "export", "--out", str(site / "base.xlsx"), "--kb", str(site / "kb")])
    workbook = openpyxl.load_workbook(site / "base.xlsx")
    header = [c.value for c in workbook["funding"][1]]
    workbook["funding"].cell(row=2, column=header.index("amount") + 1).value = "up to 700 000 SEK"
    workbook.save(site / "base.xlsx")
    before = files(site / "kb")
    capsys.readouterr()
    assert main(["kb", "import", str(site / "base.xlsx"), "--kb", str(site / "kb")]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[:2] == ["0 added, 1 changed, 0 removed",
                       "  ~ Kulturrådet: projektbidrag till fri scenkonst (kulturradet-fri-scenkonst-projekt): amount"]
    assert files(site / "kb") == before
    assert main(["kb", "import", str(site / "base.xlsx"), "--kb", str(site / "kb"), "--apply"]) == 0
    assert b'amount: "up to 700 000 SEK"' in (site / "kb" / "funding.yaml").read_bytes()


def test_an_import_with_errors_lists_them_exits_1_and_writes_nothing(
        site: Path, capsys: pytest.CaptureFixture[str]) -> None:
    main(["kb", "export", "--out", str(site / "base.xlsx"), "--kb", str(site / "kb")])
    workbook = openpyxl.load_workbook(site / "base.xlsx")
    header = [c.value for c in workbook["funding"][1]]
    workbook["funding"].cell(row=2, column=header.index("deadline") + 1).value = "soon"
    workbook.save(site / "base.xlsx")
    before = files(site / "kb")
    assert main(["kb", "import", str(site / "base.xlsx"), "--kb", str(site / "kb"), "--apply"]) == 1
    err = capsys.readouterr().err.splitlines()
    assert err[0] == "knowledge base has 1 error(s):"
    assert err[1].startswith("  base.xlsx, sheet 'funding', row 2, column X,")
    assert files(site / "kb") == before


SHIPPED = Path(__file__).parents[2] / "knowledge"


def test_kb_check_flags_the_18_fields_of_the_reference_base_that_join_two_languages(
        kb_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["kb", "check", str(kb_dir)]) == 0
    out = capsys.readouterr().out
    assert "fields that join two languages (write one text per language instead): 18" in out
    assert "  talentnettet: how_to_join (" in out


def test_the_shipped_base_joins_no_two_languages_and_kb_check_warns_on_its_placeholder_contacts(
        capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["kb", "check", str(SHIPPED)]) == 0
    out = capsys.readouterr().out
    assert "fields that join two languages (write one text per language instead): 0" in out
    assert "warning: placeholder contacts" in out and "  naestved-kulturkonsulent: phone +45 0000 0001" in out
