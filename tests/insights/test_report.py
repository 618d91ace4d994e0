"""The needs report: one HTML file that opens offline with its charts inline, unmet needs grouped, nothing personal."""

from __future__ import annotations

import base64
import io
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from bot.cli import EXIT_OK, main
from bot.i18n.catalog import placeholders
from bot.insights.progress import Progress
from bot.insights.redaction import excerpt, redact
from bot.insights.report import ReportTexts, build_report, report_catalog
from bot.insights.stats import summary
from bot.knowledge.entries import KnowledgeBase
from tests.needs_fixtures import CHAT_IDS, STAFF_ID, STAFF_NAME, USERNAME, seed_needs

PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Engine:
    return seed_needs(tmp_path_factory.mktemp("db") / "needs.db")


@pytest.fixture(scope="module")
def report(seeded: Engine, reference_kb: KnowledgeBase, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The English report of the seeded log, built once for the tests that only read it."""
    return build_report(seeded, reference_kb, out=tmp_path_factory.mktemp("report") / "report.html", language="en",
                        now=datetime(2026, 4, 1, 8, tzinfo=UTC))


def test_the_report_is_one_file_with_every_chart_inline_as_a_png(report: Path) -> None:
    page = report.read_text(encoding="utf-8")
    images = re.findall(r'<img src="([^"]+)"', page)
    assert len(images) == 8
    for source in images:
        assert source.startswith("data:image/png;base64,")
        assert base64.b64decode(source.split(",", 1)[1], validate=True).startswith(PNG)
    assert not re.search(r'(src|href)="(https?:)?//', page)  # nothing fetched from a network
    assert [p.name for p in report.parent.iterdir()] == ["report.html"]  # nothing beside it


def test_the_period_header_shows_the_real_dates_of_an_open_period(report: Path) -> None:
    page = report.read_text(encoding="utf-8")
    assert "Period: 2026-03-02 – 2026-03-" in page and "…" not in page.split("<h2>")[0]


def test_the_unmet_needs_section_lists_groups_with_their_sizes_largest_first(report: Path) -> None:
    page = report.read_text(encoding="utf-8")
    section = page[page.index('<section id="unmet">'):page.index("</section>")]
    assert "Unmet needs" in section
    assert re.findall(r'<span class="size">(\d+) questions</span>', section) == ["4"]
    assert "Shared words: replokal, band" in section
    assert "further unmet questions resemble no other" in section


def test_question_texts_are_html_escaped(report: Path) -> None:
    page = report.read_text(encoding="utf-8")
    assert "<script>" not in page and "<b>replokal" not in page
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; &amp; &lt;b&gt;replokal&lt;/b&gt;" in page


def test_the_report_holds_no_chat_id_staff_name_username_or_phone_number(report: Path) -> None:
    text = report.read_text(encoding="utf-8")
    for secret in (*map(str, CHAT_IDS), str(STAFF_ID), STAFF_NAME, USERNAME, "070-123"):
        assert secret not in text, secret


def test_key_figures_match_the_seeded_log(report: Path) -> None:
    page = report.read_text(encoding="utf-8")
    figures = dict(re.findall(r"<tr><th>([^<]+)</th><td>([^<]+)</td></tr>", page))
    assert figures["Questions asked"] == "12" and figures["Needs (questions in our domain)"] == "12"
    assert figures["Handed to a person"] == "50%"
    assert figures["Tickets opened"] == "3" and figures["Of which still open"] == "2"
    assert figures["Median time to first staff answer"] == "4.0 h"


def test_the_report_speaks_the_staff_language(seeded: Engine, tmp_path: Path) -> None:
    page = build_report(seeded, None, out=tmp_path / "r.html", language="sv").read_text(encoding="utf-8")
    assert '<html lang="sv">' in page and "Ouppfyllda behov" in page and "4 frågor" in page


def test_an_empty_period_gives_a_report_without_charts_saying_so(seeded: Engine, tmp_path: Path) -> None:
    shown = io.StringIO()
    index = build_report(seeded, None, since=datetime(2030, 1, 1, tzinfo=UTC), out=tmp_path / "tom.html",
                         language="da", progress=Progress(shown))
    page = index.read_text(encoding="utf-8")
    assert "<img" not in page and "Ingen data til denne graf" in page and "Ingen uopfyldte behov" in page
    assert "reading needs and tickets…" in shown.getvalue() and "writing tom.html…" in shown.getvalue()


def test_the_caller_may_pass_the_report_texts_in(seeded: Engine, tmp_path: Path) -> None:
    catalog = report_catalog()
    texts = {**catalog, "en": {**catalog["en"], "title": "Behov i Flen"}}
    page = build_report(seeded, None, since=datetime(2030, 1, 1, tzinfo=UTC), out=tmp_path / "r.html", language="en",
                        catalog=texts).read_text(encoding="utf-8")
    assert "<h1>Behov i Flen</h1>" in page


def test_every_report_language_has_every_english_key_with_the_same_placeholders() -> None:
    catalog = report_catalog()
    english = ReportTexts(catalog, "en")
    for language in ("sv", "da", "nl"):
        texts = ReportTexts(catalog, language)
        assert texts.keys() == english.keys(), texts.keys() ^ english.keys()
        for key in english.keys():  # noqa: SIM118 - ReportTexts is no mapping: keys() lists its own
            assert placeholders(texts.own[key]) == placeholders(english.own[key]), (language, key)
    assert ReportTexts(catalog, "fr")("unmet.size", size=3) == "3 questions"


def test_stats_give_volume_answered_share_open_tickets_and_top_unmet_needs_masked(seeded: Engine) -> None:
    stats = summary(seeded)
    assert (stats.needs, stats.open_tickets) == (12, 2)
    assert stats.answered_share == pytest.approx(6 / 12)  # five answers, and a clarify the person picked from
    assert (stats.answered_directly, stats.after_choice) == (5, 1)
    (top,) = stats.top_unmet
    assert top.size == 4 and "replokal" in top.keywords
    assert not any(USERNAME in example or "070-123" in example for example in top.examples)
    assert summary(seeded, since=datetime(2026, 3, 16, tzinfo=UTC)).needs == 3


def test_contact_details_are_masked_but_amounts_and_years_stay() -> None:
    text = "mejla anna.k@example.se eller @anna_k, ring +46 70-123 45 67 — vi söker 50 000 kr för 2026"
    assert redact(text) == "mejla [e-mail] eller [@user], ring [phone] — vi söker 50 000 kr för 2026"


def test_the_cli_writes_the_report_in_the_staff_language_and_prints_its_index(seeded: Engine, tmp_path: Path, kb_dir: Path,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    database = seeded.url.render_as_string(hide_password=False)
    config = tmp_path / "config.yaml"
    config.write_text(f"default_language: sv\nstaff:\n  language: nl\nstorage:\n  url: {database}\n"
                      f"knowledge:\n  path: {kb_dir}\n", encoding="utf-8")
    out = tmp_path / "rapport.html"
    assert main(["--config", str(config), "report", "--out", str(out), "--period", "2026-Q1"]) == EXIT_OK
    assert capsys.readouterr().out.strip() == str(out)
    assert "Onvervulde behoeften" in out.read_text(encoding="utf-8")


def test_an_example_question_is_cut_at_a_word_near_two_hundred_characters_with_contacts_masked() -> None:
    long = "vi söker en replokal för vår kör i flen " * 10 + "ring 070-123 45 67"
    shown = excerpt(long)
    assert len(shown) <= 201 and shown.endswith("…") and long.startswith(shown[:-1])
    assert excerpt("mejla anna.k@example.se") == "mejla [e-mail]"
