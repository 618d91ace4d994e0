"""Figures pooled over labelled sets with an interval over resampled sets, and the README's pooled unseen claim."""

import json
import re
from collections.abc import Callable
from pathlib import Path

import pytest

from bot.matching.evaluation import EvalSetError, Report
from bot.matching.pooling import by_language, earlier_verdicts, format_change, paired_change, pooled, run_of, verdicts_of
from bot.matching.training import FITTED

REPO = Path(__file__).parents[2]

# The sets the README's quality table marks unseen, by style, and what it claims pooled over each group:
# (handled at least, wrong at most, the bar's handled share inside the interval).
UNSEEN = {"faq": [f"faq_fresh_{n}.yaml" for n in (31, 32, 33, 34, 35, 37, 38, 39, 40, 41, 42, 43, 44)],
          "chat": [f"chat_fresh_{n}.yaml" for n in (31, 32, 33, 34, 35, 37, 38, 39, 40, 42, 43, 44)]}  # 41: read
README_POOLED = {"faq": (86.1, 2.5, True), "chat": (86.8, 3.6, True)}
BAR = 88.0


def sets(*shares: tuple[int, int]) -> dict[str, list[str]]:
    """Sets of `n` verdicts of which the first `k` are handled, the rest missed: one (k, n) per set."""
    return {f"set{i}": ["handled"] * k + ["missed"] * (n - k) for i, (k, n) in enumerate(shares)}


def test_the_pooled_share_counts_every_question_once_whatever_its_set() -> None:
    spread = pooled(sets((90, 100), (30, 50)))
    assert spread.value == pytest.approx(80.0)
    assert (spread.questions, spread.sets) == (150, 2)
    assert spread.holds(spread.value)


def test_sets_that_agree_leave_no_room_and_sets_that_scatter_widen_the_interval() -> None:
    alike = pooled(sets((80, 100), (80, 100), (80, 100)))
    assert (alike.low, alike.high) == pytest.approx((80.0, 80.0))
    scattered = pooled(sets((95, 100), (65, 100), (80, 100)))
    assert scattered.value == pytest.approx(80.0)
    assert scattered.low < 75.0 and scattered.high > 85.0


def test_a_change_is_paired_so_the_same_questions_answered_alike_move_nothing() -> None:
    before = sets((95, 100), (65, 100))
    nothing = paired_change(before, before)
    assert (nothing.value, nothing.low, nothing.high) == (0.0, 0.0, 0.0)
    better = paired_change(before, sets((97, 100), (67, 100)))
    assert (better.value, better.low, better.high) == pytest.approx((2.0, 2.0, 2.0))
    assert better.describe(change=True).startswith("+2.0 points (95 % interval +2.0 to +2.0;")


def test_each_language_is_pooled_over_the_sets_that_hold_it(report_of: Callable[[str], Report]) -> None:
    reports = {name: report_of(name) for name in ("dev.yaml", "train_a.yaml")}  # train_a: Swedish and Danish only
    languages = by_language(reports)
    assert sorted(languages) == ["da", "en", "nl", "sv"]
    assert sorted(languages["nl"]) == ["dev.yaml"] and sorted(languages["sv"]) == ["dev.yaml", "train_a.yaml"]
    swedish = [o for report in reports.values() for o in report.outcomes if o.item.language == "sv"]
    assert pooled(languages["sv"]).value == pytest.approx(100.0 * sum(o.verdict == "handled" for o in swedish)
                                                           / len(swedish))


def test_runs_of_different_sets_or_unknown_verdicts_are_refused() -> None:
    with pytest.raises(EvalSetError):
        paired_change(sets((1, 2)), sets((1, 3)))
    with pytest.raises(EvalSetError):
        pooled(sets((1, 2)), verdict="right")
    with pytest.raises(EvalSetError):
        pooled({})


def test_a_saved_run_is_read_back_only_for_the_same_questions(report_of: Callable[[str], Report]) -> None:
    run = run_of({"dev.yaml": report_of("dev.yaml")})
    questions = {"dev.yaml": run["dev.yaml"]["questions"]}
    assert earlier_verdicts(json.dumps(run), questions) == {"dev.yaml": run["dev.yaml"]["verdicts"]}
    other = {"dev.yaml": {**run["dev.yaml"], "questions": ["another", *run["dev.yaml"]["questions"][1:]]}}
    short = {"dev.yaml": {**run["dev.yaml"], "verdicts": run["dev.yaml"]["verdicts"][1:]}}
    for wrong in (json.dumps(other), json.dumps(short), json.dumps({"train_a.yaml": run["dev.yaml"]}), "not json",
                  "[1, 2]"):
        with pytest.raises(EvalSetError):
            earlier_verdicts(wrong, questions)


def test_the_change_since_a_saved_run_counts_each_moved_question_once() -> None:
    before, after = sets((2, 4), (1, 4)), sets((3, 4), (1, 4))
    lines = format_change(before, after).splitlines()
    assert lines[0].startswith("change in handled  +12.5 points") and lines[1].startswith("change in wrong    +0.0")


def test_the_confidence_model_is_never_fitted_on_a_set_called_unseen() -> None:
    assert not {f"{name}.yaml" for name in FITTED} & {name for names in UNSEEN.values() for name in names}


def test_the_readme_marks_unseen_exactly_the_sets_pooled_here() -> None:
    rows = re.findall(r"^\| `([\w.]+\.yaml)`[^|]*\|[^|]*\|[^|]*\| (seen|unseen)", (REPO / "README.md").read_text(),
                      re.MULTILINE)
    marked = {name for name, status in rows if status == "unseen" and re.match(r"(faq|chat)_fresh_\d+", name)}
    assert marked == {name for names in UNSEEN.values() for name in names}


@pytest.mark.parametrize("style", sorted(UNSEEN))
def test_the_unseen_sets_pooled_hold_the_figures_the_readme_claims(style: str,
                                                                   report_of: Callable[[str], Report]) -> None:
    handled, wrong, bar_inside = README_POOLED[style]
    verdicts = verdicts_of({name: report_of(name) for name in UNSEEN[style]})
    spread = pooled(verdicts)
    assert round(spread.value, 1) >= handled
    assert round(pooled(verdicts, verdict="wrong").value, 1) <= wrong
    assert spread.holds(BAR) is bar_inside
