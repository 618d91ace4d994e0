"""The report in a real browser: Debian's headless chromium, with a phone's 390 px wide screen, opens the one
HTML file, decodes every chart image and measures whether the page scrolls sideways. No chromium is a
failure, never a skip: .ci/run installs it where it can."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import Engine

from bot.insights.report import build_report
from bot.knowledge.entries import KnowledgeBase
from tests.insights.browser import PHONE, phone_browser
from tests.needs_fixtures import seed_needs

MEASURE = """const done = arguments[arguments.length - 1];
const images = [...document.images];
Promise.all(images.map(i => i.decode().then(() => i.naturalWidth > 0).catch(() => false))).then(ok => done({
  images: images.length, decoded: ok.filter(Boolean).length, width: window.innerWidth,
  scrollWidth: Math.max(document.documentElement.scrollWidth, document.body.scrollWidth)}));"""


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with phone_browser() as run:
        yield run


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Engine:
    return seed_needs(tmp_path_factory.mktemp("db") / "needs.db")


@pytest.mark.parametrize("language", ["sv"])
def test_every_chart_decodes_and_nothing_scrolls_sideways_on_a_phone(browser: Any, seeded: Engine, tmp_path: Path,
                                                                      reference_kb: KnowledgeBase,
                                                                      language: str) -> None:
    report = build_report(seeded, reference_kb, out=tmp_path / "report.html", language=language,
                          now=datetime(2026, 4, 1, 8, tzinfo=UTC))
    measured = browser(report, MEASURE)
    assert measured["width"] == PHONE["width"]
    assert measured["images"] == 8 and measured["decoded"] == 8
    assert measured["scrollWidth"] <= PHONE["width"], measured


def test_the_measurement_sees_a_page_wider_than_a_phone_and_a_broken_image(browser: Any, tmp_path: Path) -> None:
    page = tmp_path / "wide.html"
    page.write_text('<!doctype html><html><head><meta name="viewport" content="width=device-width"></head><body>'
                    '<table style="width:600px"><tr><td>x</td></tr></table>'
                    '<img src="data:image/png;base64,iVBORw0KGgoAAAA="></body></html>', encoding="utf-8")
    measured = browser(page, MEASURE)
    assert measured["scrollWidth"] > PHONE["width"] and measured["images"] == 1 and measured["decoded"] == 0
