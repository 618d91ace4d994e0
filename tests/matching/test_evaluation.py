"""Scoring a labelled set, and the quality bar the matcher must hold on the dev set."""

from pathlib import Path

import pytest

from bot.knowledge.entries import Entry, Source, Text
from bot.matching.evaluation import Labelled, Report, evaluate, format_report, judge, load_labelled
from bot.matching.matcher import Decision, Match, Result
from bot.services import Knowledge

DATA = Path(__file__).parents[1] / "data"


def result(decision: Decision, *ids: str) -> Result:
    entries = [Entry(id=i, kind="faq", title=Text({"": i}), summary=None, source=Source("x", 1)) for i in ids]
    return Result("q", decision, tuple(Match(e, 0.5) for e in entries))


def test_a_right_answer_or_a_clarify_offering_it_is_handled() -> None:
    item = Labelled("q", "sv", frozenset({"a"}))
    assert judge(item, result(Decision.ANSWER, "a")) == "handled"
    assert judge(item, result(Decision.CLARIFY, "b", "a")) == "handled"


def test_a_wrong_answer_is_wrong_and_a_wrong_clarify_is_only_missed() -> None:
    item = Labelled("q", "sv", frozenset({"a"}))
    assert judge(item, result(Decision.ANSWER, "b")) == "wrong"
    assert judge(item, result(Decision.CLARIFY, "b", "c")) == "missed"
    assert judge(item, result(Decision.ESCALATE)) == "missed"


def test_an_out_of_scope_question_must_be_escalated() -> None:
    item = Labelled("q", "en", frozenset())
    assert judge(item, result(Decision.ESCALATE)) == "handled"
    assert judge(item, result(Decision.ANSWER, "a")) == "wrong"
    assert judge(item, result(Decision.CLARIFY, "a", "b")) == "missed"


def test_the_labelled_set_loads_escalations_as_empty_expectations() -> None:
    items = load_labelled(DATA / "eval" / "dev.yaml")
    assert len(items) == 200
    assert sum(not i.in_scope for i in items) == 40


# The README's quality table, row by row: (handled at least, wrong at most, clarify at most, the lowest
# language's handled at least). A change to the matcher that moves a figure changes the README and this table.
README_FIGURES = {
    "dev.yaml": (93.0, 1.0, 19.0, 87.5),
    "independent.yaml": (94.4, 1.2, 21.2, 91.4),
    "paraphrases.yaml": (92.1, 4.8, 20.6, 85.7),
    "blind.yaml": (92.0, 1.3, 16.0, 86.7),
    "detail_dev.yaml": (90.7, 4.3, 9.3, 85.7),
    "faq_real.yaml": (87.6, 5.4, 21.5, 80.0),
    "chat_fresh.yaml": (83.4, 3.1, 19.7, 80.8),
    "faq_real_2.yaml": (83.1, 3.4, 19.1, 78.7),
    "chat_fresh_2.yaml": (84.9, 1.1, 16.8, 76.9),
    "faq_fresh_3.yaml": (78.1, 7.5, 17.5, 75.0),
    "chat_fresh_3.yaml": (85.8, 3.3, 15.8, 80.0),
    "faq_fresh_4.yaml": (75.6, 10.0, 20.0, 70.0),
    "chat_fresh_4.yaml": (85.8, 6.7, 21.7, 80.0),
    "faq_fresh_5.yaml": (86.9, 5.0, 11.2, 82.5),
    "chat_fresh_5.yaml": (84.2, 5.8, 12.5, 73.3),
    "faq_fresh_6.yaml": (74.4, 8.8, 16.9, 67.5),
    "chat_fresh_6.yaml": (84.2, 6.7, 17.5, 80.0),
    "faq_fresh_7.yaml": (76.9, 7.5, 16.9, 67.5),
    "chat_fresh_7.yaml": (79.2, 2.5, 20.0, 73.3),
    "faq_fresh_8.yaml": (73.8, 10.6, 20.0, 67.5),
    "chat_fresh_8.yaml": (81.7, 5.8, 18.3, 73.3),
    "faq_fresh_9.yaml": (77.5, 5.6, 19.4, 72.5),
    "chat_fresh_9.yaml": (87.5, 2.5, 14.2, 80.0),
    "faq_fresh_10.yaml": (71.9, 10.6, 17.5, 60.0),
    "chat_fresh_10.yaml": (76.7, 4.2, 17.5, 76.7),
    "faq_fresh_11.yaml": (81.9, 6.2, 18.1, 77.5),
    "chat_fresh_11.yaml": (76.7, 7.5, 18.3, 70.0),
    "faq_fresh_12.yaml": (73.8, 8.8, 16.2, 62.5),
    "chat_fresh_12.yaml": (85.0, 2.5, 19.2, 73.3),
}


@pytest.fixture(scope="module")
def dev_report(reference_knowledge: Knowledge) -> Report:
    return evaluate(reference_knowledge.matcher, load_labelled(DATA / "eval" / "dev.yaml"))


def test_the_report_lists_figures_per_language_and_kind(dev_report: Report) -> None:
    text = format_report(dev_report, failures=3)
    for needle in ("handled", "wrong", "missed", "clarify", "by language", "by kind", "sv", "funding"):
        assert needle in text


@pytest.mark.parametrize("name", sorted(README_FIGURES))
def test_every_labelled_set_holds_the_figures_the_readme_claims(name: str, reference_knowledge: Knowledge) -> None:
    handled, wrong, clarify, language_floor = README_FIGURES[name]
    report = evaluate(reference_knowledge.matcher, load_labelled(DATA / "eval" / name))
    assert round(report.share("handled"), 1) >= handled
    assert round(report.share("wrong"), 1) <= wrong
    assert round(report.clarify_share(), 1) <= clarify
    for language, pool in report.by("language").items():
        assert round(report.share("handled", pool), 1) >= language_floor, language
