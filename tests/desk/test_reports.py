"""Reports and exports as jobs another process can build: plain values in, the file out."""

from __future__ import annotations

import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

from bot.desk.reports import FileJob, build_file
from tests.conftest import KB_DIR
from tests.databases import url_for


def built_by(job: FileJob) -> tuple[int, Path]:
    """The process that built the file, and the file."""
    return os.getpid(), build_file(job)


def test_a_regional_report_job_crosses_to_another_process_and_is_built_there(tmp_path: Path) -> None:
    job = FileJob(kind="report", url=url_for(tmp_path / "bot.db"), kb_root=KB_DIR, out=tmp_path / "report.html",
                  language="sv", since=datetime(2027, 1, 1, tzinfo=UTC), until=datetime(2027, 4, 1, tzinfo=UTC),
                  area="Sörmland", now=datetime(2027, 4, 2, tzinfo=UTC))
    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as pool:
        pid, out = pool.submit(built_by, job).result(timeout=300)
    assert pid != os.getpid()
    html = out.read_text(encoding="utf-8")
    assert html.startswith("<!doctype html>") and "Sörmland" in html


def test_an_export_job_writes_the_xlsx_it_names(tmp_path: Path) -> None:
    job = FileJob(kind="export", url=url_for(tmp_path / "bot.db"), kb_root=KB_DIR, out=tmp_path / "needs.xlsx",
                  language="en", since=None, until=None, area=None)
    assert build_file(job) == tmp_path / "needs.xlsx"
    assert (tmp_path / "needs.xlsx").read_bytes()[:2] == b"PK"
