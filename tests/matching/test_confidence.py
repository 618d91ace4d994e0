"""The confidence model: read from its file, fitted reproducibly, and second-guessing the rules as configured."""

from __future__ import annotations

import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from bot.config import MatchingSettings
from bot.matching.confidence import Confidence, ConfidenceError, Model, Tree, confidence_from_mapping, load_confidence
from bot.matching.decisions import Decision, Profile
from bot.matching.matcher import Matcher
from bot.services import Knowledge

ROOT = Path(__file__).resolve().parents[2]
ANSWERED = "what is a kulturfrukost?"                      # the rules answer it with the FAQ that explains it
OFFERED = "can I get money for a concert tour?"            # the rules offer three funds
ESCALATED = "how do I renew my passport at the embassy in Oslo?"  # the rules hand it to a person


def flat(**chances: float) -> Confidence:
    """A model that gives each named stage one chance whatever the signals: it isolates the decision policy."""
    return Confidence({stage: Model(math.log(p / (1 - p)), ()) for stage, p in chances.items()})


def matcher(knowledge: Knowledge, confidence: Confidence) -> Matcher:
    return Matcher(knowledge.matcher.index, MatchingSettings(), confidence=confidence)


def test_the_questions_used_here_are_decided_by_the_rules_as_named(reference_knowledge: Knowledge) -> None:
    rules = matcher(reference_knowledge, Confidence({}))
    assert [rules.match(q).decision for q in (ANSWERED, OFFERED, ESCALATED)] == [
        Decision.ANSWER, Decision.CLARIFY, Decision.ESCALATE]


def test_a_trusted_answer_stays_an_answer(reference_knowledge: Knowledge) -> None:
    result = matcher(reference_knowledge, flat(answer=0.9)).match(ANSWERED)
    assert result.decision is Decision.ANSWER
    assert [m.entry.id for m in result.matches] == ["faq-kulturfrukost-vad-ar"]


def test_a_doubted_answer_is_offered_as_the_one_option(reference_knowledge: Knowledge) -> None:
    result = matcher(reference_knowledge, flat(answer=0.55)).match(ANSWERED)
    assert result.decision is Decision.CLARIFY
    assert [m.entry.id for m in result.matches] == ["faq-kulturfrukost-vad-ar"]


def test_a_much_doubted_answer_goes_to_a_person_keeping_the_entry_as_the_closest(reference_knowledge: Knowledge,
                                                                                  ) -> None:
    result = matcher(reference_knowledge, flat(answer=0.1)).match(ANSWERED)
    assert result.decision is Decision.ESCALATE
    assert result.matches[0].entry.id == "faq-kulturfrukost-vad-ar"
    assert result.related is None  # not "the detail is missing": the model cannot say what is


def test_doubted_options_go_to_a_person_keeping_them_as_the_closest(reference_knowledge: Knowledge) -> None:
    offered = matcher(reference_knowledge, Confidence({})).match(OFFERED)
    result = matcher(reference_knowledge, flat(clarify=0.2)).match(OFFERED)
    assert result.decision is Decision.ESCALATE
    assert result.matches == offered.matches and result.related is None


def test_a_bare_topic_keeps_its_options_however_they_are_doubted(reference_knowledge: Knowledge) -> None:
    """Of the seen questions under six words that the rules offered, 13 in 14 had a right option among them."""
    offered = matcher(reference_knowledge, Confidence({})).match("theatre grant")
    result = matcher(reference_knowledge, flat(clarify=0.2)).match("theatre grant")
    assert offered.decision is Decision.CLARIFY
    assert result.decision is Decision.CLARIFY and result.matches == offered.matches


def test_an_escalation_whose_best_entries_it_trusts_is_offered(reference_knowledge: Knowledge) -> None:
    result = matcher(reference_knowledge, flat(escalate=0.9)).match(ESCALATED)
    assert result.decision is Decision.CLARIFY
    assert 1 <= len(result.matches) <= 3


def test_an_escalation_it_doubts_stays_with_a_person(reference_knowledge: Knowledge) -> None:
    assert matcher(reference_knowledge, flat(escalate=0.5)).match(ESCALATED).decision is Decision.ESCALATE


def test_the_shipped_model_sends_options_that_miss_the_question_to_a_person(reference_knowledge: Knowledge) -> None:
    """A circus school in Ghent: the base has no Flemish fund; the rules offer Dutch and Danish ones anyway."""
    question = "subsidie voor onze circusschool in gent?"
    assert matcher(reference_knowledge, Confidence({})).match(question).decision is Decision.CLARIFY
    assert reference_knowledge.matcher.match(question).decision is Decision.ESCALATE


def test_the_shipped_model_offers_an_escalation_whose_best_entries_cover_the_question(
        reference_knowledge: Knowledge) -> None:
    """A poet with a publisher's contract asks for time to write: the rules find no clear lead and give up."""
    question = ("ik schrijf gedichten en heb net een contract getekend bij een uitgeverij. kan ik ergens een beurs "
                "krijgen zodat ik tijd heb om te schrijven")
    assert matcher(reference_knowledge, Confidence({})).match(question).decision is Decision.ESCALATE
    offered = reference_knowledge.matcher.match(question)
    assert offered.decision is Decision.CLARIFY
    assert "letterenfonds-werkbeurs" in [m.entry.id for m in offered.matches]


def test_a_question_walks_each_tree_to_one_leaf_and_adds_their_values() -> None:
    """Two trees on signal 1: at most 0.5 goes left. Log-odds 0.2 + 1.0 + 0.5 for a low signal."""
    tree = Tree(feature=(1, -1, -1), threshold=(0.5, 0.0, 0.0), left=(1, 0, 0), right=(2, 0, 0), value=(0.0, 1.0, -1.0))
    half = Tree(feature=(1, -1, -1), threshold=(0.5, 0.0, 0.0), left=(1, 0, 0), right=(2, 0, 0), value=(0.0, 0.5, -0.5))
    model = Model(0.2, (tree, half))
    assert model.probability(np.array([9.0, 0.5])) == pytest.approx(1 / (1 + math.exp(-1.7)))
    assert model.probability(np.array([9.0, 0.51])) == pytest.approx(1 / (1 + math.exp(1.3)))


def test_a_model_file_for_other_signals_is_refused() -> None:
    raw = load_confidence().to_mapping()
    raw["signals"] = raw["signals"][:-1]
    with pytest.raises(ConfidenceError, match="refit"):
        confidence_from_mapping(raw)


def test_a_model_file_with_a_tree_of_unequal_node_lists_is_refused() -> None:
    raw = load_confidence().to_mapping()
    raw["models"]["answer"]["trees"][0]["value"] = raw["models"]["answer"]["trees"][0]["value"][:3]
    with pytest.raises(ConfidenceError, match="answer"):
        confidence_from_mapping(raw)


def test_a_model_file_whose_node_points_outside_its_tree_is_refused() -> None:
    raw = load_confidence().to_mapping()
    tree = raw["models"]["escalate"]["trees"][0]
    tree["left"][0] = len(tree["left"])
    with pytest.raises(ConfidenceError, match="escalate"):
        confidence_from_mapping(raw)


def test_the_shipped_model_reads_back_as_written() -> None:
    shipped = load_confidence()
    assert confidence_from_mapping(shipped.to_mapping()).close_to(shipped)
    assert set(shipped.models) == {"answer", "clarify", "escalate"}


def test_the_shipped_model_is_the_refit_of_the_seen_sets() -> None:
    done = subprocess.run([sys.executable, str(ROOT / "tools" / "train_confidence.py"), "--check"],
                          capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr


@pytest.mark.parametrize(("arguments", "said"), [
    (["--save", "run.json"], "go with --cross-fit"),
    (["--cross-fit", "1"], "needs 2 to"),
    (["--cross-fit", "4", "--against", "no-such-run.json"], "--against"),
    (["--cross-fit", "4", "--against", "pyproject.toml"], "not a run of the same sets"),  # refused before fitting
])
def test_the_refit_tool_refuses_wrong_arguments_before_fitting(arguments: list[str], said: str) -> None:
    done = subprocess.run([sys.executable, str(ROOT / "tools" / "train_confidence.py"), *arguments],
                          capture_output=True, text=True, timeout=60, check=False, cwd=ROOT)
    assert done.returncode == 2 and said in done.stderr and "Traceback" not in done.stderr


def test_a_model_file_without_a_bias_is_refused_by_name() -> None:
    raw = load_confidence().to_mapping()
    del raw["models"]["clarify"]["baseline"]
    with pytest.raises(ConfidenceError, match="clarify"):
        confidence_from_mapping(raw)


def test_a_profile_reorders_the_options_without_changing_how_sure_the_model_is(reference_knowledge: Knowledge) -> None:
    """The model was fitted on questions alone: it reads the ranking without the profile's boosts."""
    question = "var kan vi söka pengar för teaterturne i flen"
    profiled = reference_knowledge.matcher.match(question, profile=Profile(region="flen", art_form="theatre"))
    plain = reference_knowledge.matcher.match(question)
    assert profiled.decision is plain.decision is Decision.CLARIFY
    assert "region-sormland-projektbidrag" in [m.entry.id for m in profiled.matches]
