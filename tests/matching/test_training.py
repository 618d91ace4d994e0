"""Fitting the confidence trees: they learn what a signal separates, and read out as scikit-learn scores."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.ensemble import GradientBoostingClassifier

from bot.matching import training
from bot.matching.confidence import Confidence
from bot.matching.evaluation import Labelled, Report
from bot.matching.matcher import Matcher
from bot.matching.training import Example, cross_fitted, fit
from bot.services import Knowledge


def test_fitting_learns_what_a_signal_separates() -> None:
    rng = np.random.default_rng(7)
    features = rng.random((400, 3))
    model = fit(features, (features[:, 0] > 0.5).astype(float))
    assert model.probability(np.array([0.95, 0.5, 0.5])) > 0.8
    assert model.probability(np.array([0.05, 0.5, 0.5])) < 0.2


def test_the_fitted_trees_give_the_boosters_own_probabilities() -> None:
    """Read out of scikit-learn into the model's own trees, a question gets the chance the booster gives it."""
    rng = np.random.default_rng(11)
    features = rng.random((300, 4))
    right = ((features[:, 0] + features[:, 2] * features[:, 3]) > 0.7).astype(float)
    model = fit(features, right)
    booster = GradientBoostingClassifier(n_estimators=training.TREES, learning_rate=training.RATE,
                                         max_leaf_nodes=training.LEAVES, min_samples_leaf=training.LEAF_MIN,
                                         init="zero", random_state=0).fit(features, right.astype(int))
    ours = np.array([model.probability(row) for row in features])
    assert np.allclose(ours, booster.predict_proba(features)[:, 1], atol=1e-9)


def test_cross_fitting_judges_every_set_by_a_model_fitted_without_its_fold(
        reference_knowledge: Knowledge, monkeypatch: pytest.MonkeyPatch) -> None:
    fitted_on: dict[int, set[str]] = {}  # each model fitted (by identity): the sets it was fitted on
    judged_by: dict[str, int] = {}       # each set scored: the model that judged it

    def recording_train(found: list[Example]) -> Confidence:
        model = Confidence({})
        fitted_on[id(model)] = {e.group for e in found}
        return model

    def recording_evaluate(matcher: Matcher, items: list[Labelled]) -> Report:
        judged_by[items[0].question] = id(matcher.confidence)
        return real_evaluate(matcher, items)
    real_evaluate = training.evaluate
    monkeypatch.setattr(training, "train", recording_train)
    monkeypatch.setattr(training, "evaluate", recording_evaluate)
    groups = [f"set{n}" for n in range(5)]
    sets = {name: [Labelled(name, "en", frozenset())] for name in groups}
    found = [Example(name, "answer", np.zeros(1), True) for name in groups]
    matcher = Matcher(reference_knowledge.matcher.index, confidence=Confidence({}))
    reports = cross_fitted(matcher, sets, found, groups=groups, folds=2)
    assert list(reports) == groups and all(reports[name].outcomes[0].item.question == name for name in groups)
    assert sorted(map(sorted, fitted_on.values())) == [["set0", "set2", "set4"], ["set1", "set3"]]
    for name in groups:  # judged by a model fitted on the other fold only
        assert fitted_on[judged_by[name]] == set(groups[(groups.index(name) + 1) % 2::2])
