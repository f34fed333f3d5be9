"""The decision value: one apply for the estimator and decode, and its JSON form."""

import json

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression

from sklabels import ProbabilisticLabelClassifier, decode
from sklabels._decision import Decision


def _fitted(X, y, **params):
    return ProbabilisticLabelClassifier(LogisticRegression(), **params).fit(X, y)


@pytest.mark.parametrize(
    "params",
    [
        {"threshold": 0.3},
        {"threshold": "auto"},
        {"costs": [[0, 1], [5, 0]], "reject_cost": 0.2, "reject_label": "?"},
        {"priors": [0.2, 0.8]},
        {"reject_threshold": 0.8, "reject_label": "?"},
    ],
)
def test_decision_round_trips_through_json_and_decides_the_same(params):
    """Check that a decision written to JSON and read back gives the same codes."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(120, 3))
    y = np.where(X[:, 0] + rng.normal(size=120) > 0, "yes", "no")
    clf = _fitted(X, y, **params)
    view = clf.evaluation_view(X, y)
    back = Decision.from_dict(json.loads(json.dumps(view.decision.to_dict())))
    codes, rejected = view.decision.decide(view.scores)
    codes_back, rejected_back = back.decide(view.scores)
    assert np.array_equal(codes, codes_back)
    assert (rejected is None) == (rejected_back is None)
    if rejected is not None:
        assert np.array_equal(rejected, rejected_back)
    assert back.classes.tolist() == clf.classes_.tolist()


def test_decode_and_the_estimator_share_one_apply():
    """Check that decode of the model's probabilities predicts what predict does."""
    rng = np.random.default_rng(1)
    X = rng.normal(size=(80, 2))
    y = np.where(X[:, 1] > 0, "b", "a")
    clf = _fitted(X, y, threshold=0.7)
    labels = decode(clf.predict_proba(X), clf.classes_, threshold=0.7)
    assert labels.tolist() == clf.predict(X).tolist()


@pytest.mark.parametrize(
    ("data", "match"),
    [
        ({"version": 2}, "version 1"),
        ([1, 2], "mapping"),
        ({"version": 1, "problem": "binary"}, "missing"),
    ],
)
def test_decision_from_dict_refuses_what_it_cannot_read(data, match):
    """Check that an unknown version or field is a clear ValueError."""
    with pytest.raises(ValueError, match=match):
        Decision.from_dict(data)


def test_decision_from_dict_refuses_unknown_fields():
    """Check that a field this version does not know is named."""
    rng = np.random.default_rng(2)
    X = rng.normal(size=(60, 2))
    y = (X[:, 0] > 0).astype(int)
    data = _fitted(X, y).evaluation_view().decision.to_dict()
    data["colour"] = "red"  # bands are known since they are a rule
    with pytest.raises(ValueError, match="unknown: \\['colour'\\]"):
        Decision.from_dict(data)
