"""A saved decision as the estimator's rule: ``threshold=Decision.from_file(...)``."""

import itertools
import json
import pickle

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.datasets import make_classification
from sklearn.frozen import FrozenEstimator
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import confusion_matrix
from sklearn.model_selection import GridSearchCV
from sklearn.multiclass import OneVsRestClassifier
from sklearn.svm import LinearSVC
from test_cli_decision_file import cli

from sklabels import Bands, CostMatrix, Decision, ProbabilisticLabelClassifier

pytestmark = pytest.mark.filterwarnings("ignore::sklabels.FewPositivesWarning")

X, _y = make_classification(
    300, 6, n_informative=4, n_classes=3, class_sep=0.8, random_state=0
)
NAMES = np.array(["ant", "bee", "cat"])[_y]
BINARY = np.where(_y == 1, "yes", "no")
Y = np.column_stack([_y == 0, X[:, 0] > 0, X[:, 1] > 0.3]).astype(int)
COSTS = [[0, 1, 4], [1, 0, 1], [2, 1, 0]]

# (name, parameters of the estimator that saves its decision, y)
SAVED = [
    ("binary-threshold", {"threshold": 0.3}, BINARY),
    ("binary-pos-label", {"threshold": 0.3, "pos_label": "no"}, BINARY),
    ("binary-tuned", {"threshold": "auto", "cv": 3}, BINARY),
    ("binary-costs", {"costs": [[0, 1], [4, 0]]}, BINARY),
    ("multiclass-ratios", {"threshold": [0.3, 0.5, 0.2]}, NAMES),
    ("multiclass-tuned", {"threshold": "auto", "cv": 3}, NAMES),
    (
        "costs-abstain",
        {"costs": COSTS, "reject_cost": 0.3, "reject_label": "unsure"},
        NAMES,
    ),
    (
        "cost-matrix-tuned",
        {
            "threshold": "auto",
            "scoring": CostMatrix(COSTS, reject_cost=0.4),
            "reject_label": "unsure",
            "cv": 3,
        },
        NAMES,
    ),
    ("priors", {"priors": [0.6, 0.2, 0.2], "threshold": [0.3, 0.5, 0.2]}, NAMES),
    ("reject", {"reject_threshold": 0.6, "reject_label": "unsure"}, NAMES),
    ("multilabel", {"threshold": [0.2, 0.6, 0.4], "classes": ["a", "b", "c"]}, Y),
    ("bands", {"threshold": Bands(["low", "mid", "high"], cuts=[0.3, 0.7])}, BINARY),
]


def _model(y):
    model = LogisticRegression(max_iter=500)
    return OneVsRestClassifier(model) if np.ndim(y) == 2 else model


def _saved(tmp_path, params, y):
    """The estimator that saves its decision, and the decision read from the file."""
    clf = ProbabilisticLabelClassifier(_model(y), **params).fit(X, y)
    path = tmp_path / "decision.json"
    path.write_text(json.dumps(clf.decision_.to_dict()))
    return clf, Decision.from_file(path)


def _frozen(clf, y, decision):
    """A new estimator around the first one's model, deciding by ``decision``
    (the model was fitted on codes: its classes are named by ``classes=``)."""
    model = FrozenEstimator(clf.estimator_)
    classes = clf.classes_.tolist()
    return ProbabilisticLabelClassifier(model, threshold=decision, classes=classes).fit(
        X, y
    )


@pytest.mark.parametrize(
    ("params", "y"), [s[1:] for s in SAVED], ids=[s[0] for s in SAVED]
)
def test_saved_decision_predicts_what_the_estimator_that_saved_it_predicts(
    tmp_path, params, y
):
    """Check that a decision written to a file and loaded into an estimator around
    the same model predicts the same labels, with the same thresholds."""
    clf, decision = _saved(tmp_path, params, y)
    loaded = _frozen(clf, y, decision)
    expected = clf.predict(X)
    np.testing.assert_array_equal(loaded.predict(X), expected)
    np.testing.assert_array_equal(loaded.predict_proba(X), clf.predict_proba(X))
    np.testing.assert_array_equal(loaded.thresholds_, clf.thresholds_)
    assert len(np.unique(expected)) > 1


@pytest.mark.parametrize("order", list(itertools.permutations(range(3))))
def test_saved_decision_maps_columns_by_name_in_any_class_order(tmp_path, order):
    """Check that a model whose classes come in another order than the decision's
    gets each threshold, cost, prior and the reject rule by class name."""
    params = {
        "costs": COSTS,
        "reject_cost": 0.35,
        "reject_label": "unsure",
        "priors": [0.5, 0.3, 0.2],
    }
    clf, decision = _saved(tmp_path, params, NAMES)
    classes = ["ant", "bee", "cat"]
    reordered = [classes[i] for i in order]
    loaded = ProbabilisticLabelClassifier(
        LogisticRegression(max_iter=500), classes=reordered, threshold=decision
    ).fit(X, NAMES)
    assert loaded.classes_.tolist() == reordered
    np.testing.assert_array_equal(loaded.predict(X), clf.predict(X))
    assert {"unsure", *classes} == set(loaded.predict(X))


def test_saved_ratios_follow_their_class_names():
    """Check that reordered ratios are read by name: the class with the small ratio
    is predicted more often, wherever it sits."""
    saved = ProbabilisticLabelClassifier(
        LogisticRegression(), threshold=[0.9, 0.9, 0.1]
    ).fit(X, NAMES)
    loaded = ProbabilisticLabelClassifier(
        LogisticRegression(), classes=["cat", "ant", "bee"], threshold=saved.decision_
    ).fit(X, NAMES)
    np.testing.assert_allclose(loaded.thresholds_, [0.1, 0.9, 0.9])
    assert (loaded.predict(X) == "cat").mean() > 0.5


@pytest.mark.parametrize(
    ("y", "classes", "message"),
    [
        (np.array(["ant", "bee", "dog"])[_y], None, "'cat'.*'dog'"),
        (np.array([0, 1, 2])[_y], None, "\\['ant', 'bee', 'cat'\\].*\\[0, 1, 2\\]"),
        (BINARY, None, "'multiclass' problem.*'binary'"),
    ],
    ids=["other-name", "integers-for-strings", "other-problem"],
)
def test_saved_decision_for_other_classes_is_refused_naming_both(y, classes, message):
    """Check that a decision whose classes differ from the model's by name (or
    whose problem differs) is a ValueError naming both."""
    decision = (
        ProbabilisticLabelClassifier(LogisticRegression()).fit(X, NAMES).decision_
    )
    clf = ProbabilisticLabelClassifier(LogisticRegression(), threshold=decision)
    with pytest.raises(ValueError, match=message):
        clf.fit(X, y)


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"pos_label": "bee"}, "pos_label='bee' also sets part of it"),
        ({"reject_threshold": 0.5}, "reject_threshold=0.5"),
        ({"reject_label": "?"}, "reject_label='\\?'"),
        ({"costs": COSTS, "reject_cost": 1.0}, "costs=.*, reject_cost=1.0 also set"),
        ({"priors": [0.2, 0.3, 0.5]}, "priors="),
        (
            {"reject_threshold": "auto", "reject_coverage": 0.9},
            "reject_threshold='auto', reject_coverage=0.9",
        ),
    ],
)
def test_saved_decision_with_other_decision_parameters_is_refused(params, message):
    """Check that a decision and another decision parameter together are one clear
    ValueError, in fit and at predict time after set_params."""
    decision = (
        ProbabilisticLabelClassifier(LogisticRegression()).fit(X, NAMES).decision_
    )
    clf = ProbabilisticLabelClassifier(
        LogisticRegression(), threshold=decision, **params
    )
    with pytest.raises(ValueError, match=f"fixes the whole decision.*{message}"):
        clf.fit(X, NAMES)
    clf = ProbabilisticLabelClassifier(LogisticRegression(), threshold=decision)
    clf.fit(X, NAMES).set_params(**params)
    with pytest.raises(ValueError, match="fixes the whole decision"):
        clf.predict(X)


def test_saved_decision_on_margins_is_refused():
    """Check that a model deciding on decision_function margins refuses a decision,
    whose thresholds are probabilities, and names the fix."""
    decision = (
        ProbabilisticLabelClassifier(LogisticRegression()).fit(X, BINARY).decision_
    )
    clf = ProbabilisticLabelClassifier(LinearSVC(), threshold=decision)
    with pytest.raises(ValueError, match="response_method='predict_proba'"):
        clf.fit(X, BINARY)


def test_saved_decision_is_read_at_predict_time():
    """Check that set_params(threshold=decision) after fit applies without refitting,
    and that a fixed threshold set back applies again."""
    saved = ProbabilisticLabelClassifier(LogisticRegression(), threshold=0.9)
    saved.fit(X, BINARY)
    clf = ProbabilisticLabelClassifier(LogisticRegression()).fit(X, BINARY)
    default = clf.predict(X)
    clf.set_params(threshold=saved.decision_)
    np.testing.assert_array_equal(clf.predict(X), saved.predict(X))
    assert (clf.predict(X) != default).any()
    np.testing.assert_array_equal(clf.set_params(threshold=None).predict(X), default)


def test_saved_decision_survives_clone_grid_search_and_pickle():
    """Check that clone keeps the decision, GridSearchCV chooses among decisions,
    and a pickled estimator predicts the same."""
    decisions = [
        ProbabilisticLabelClassifier(LogisticRegression(), threshold=t)
        .fit(X, BINARY)
        .decision_
        for t in (0.05, 0.5)
    ]
    clf = ProbabilisticLabelClassifier(LogisticRegression(), threshold=decisions[0])
    assert clone(clf).get_params()["threshold"] is decisions[0]
    search = GridSearchCV(clf, {"threshold": decisions}, cv=3, scoring="accuracy")
    search.fit(X, BINARY)
    assert search.best_params_["threshold"] is decisions[1]  # 0.05: mostly "yes"
    best = search.best_estimator_
    np.testing.assert_array_equal(
        pickle.loads(pickle.dumps(best)).predict(X), best.predict(X)
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("0.3", "holds no versioned decision"),
        ('{"thresholds": 0.3}', "holds no versioned decision"),
        ('{"version": 2, "thresholds": 0.3}', "version 1"),
        ("thresholds: 0.3", "is not a thresholds file \\(not JSON"),
    ],
)
def test_decision_from_file_refuses_what_it_cannot_read(tmp_path, text, message):
    """Check that a file with no decision, or of an unknown version, is a clear
    ValueError."""
    path = tmp_path / "t.json"
    path.write_text(text)
    with pytest.raises(ValueError, match=message):
        Decision.from_file(path)


def test_decision_from_file_refuses_unknown_fields_and_a_wrong_pos_label(tmp_path):
    """Check that a field the version does not know, and a pos_label beside the
    decision that is not its positive class, are named."""
    clf = ProbabilisticLabelClassifier(LogisticRegression()).fit(X, BINARY)
    path = tmp_path / "t.json"
    path.write_text(json.dumps({**clf.decision_.to_dict(), "colour": "red"}))
    with pytest.raises(ValueError, match="unknown: \\['colour'\\]"):
        Decision.from_file(path)
    path.write_text(json.dumps({**clf.decision_.to_dict(), "pos_label": "no"}))
    with pytest.raises(ValueError, match="pos_label='no' but pos_index 1 \\('yes'\\)"):
        Decision.from_file(path)


# ------------------------------------------------------------- the command line
def _cli(*args):
    code, out, err = cli(*args)
    assert code == 0, err
    return out


# (name, y, the class order of the score columns on disk, tune's options)
CLI_CASES = [
    ("binary", BINARY, ["yes", "no"], ["--pos-label", "no"]),
    ("multiclass", NAMES, ["cat", "ant", "bee"], []),
    ("multilabel", Y, ["c", "a", "b"], []),
]


@pytest.mark.parametrize(
    ("y", "columns", "options"),
    [c[1:] for c in CLI_CASES],
    ids=[c[0] for c in CLI_CASES],
)
def test_cli_decode_report_and_the_estimator_agree_on_the_tuned_file(
    tmp_path, y, columns, options
):
    """Check that the file `sklabels tune` writes gives the same labels through
    `sklabels decode`, `sklabels report` and the estimator around the model whose
    scores were tuned, the score columns on disk in another class order."""
    multilabel = np.ndim(y) == 2
    classes = ["a", "b", "c"] if multilabel else sorted(set(y))
    model = _model(y).fit(X[:200], y[:200])
    proba = pd.DataFrame(model.predict_proba(X), columns=classes)[columns]
    proba.to_csv(tmp_path / "s.csv", index=False)
    truth = (
        ["|".join(c for c, on in zip(classes, row, strict=True) if on) for row in y]
        if multilabel
        else y
    )
    pd.DataFrame({"label": truth}).to_csv(tmp_path / "y.csv", index=False)
    files = tmp_path / "s.csv", tmp_path / "y.csv"
    _cli("tune", *files, *options, "-o", tmp_path / "t.json")
    decoded = _cli("decode", tmp_path / "s.csv", "--thresholds", tmp_path / "t.json")
    report = _cli(
        "report",
        tmp_path / "s.csv",
        tmp_path / "y.csv",
        "--thresholds",
        tmp_path / "t.json",
    )

    clf = ProbabilisticLabelClassifier(
        FrozenEstimator(model),
        threshold=Decision.from_file(tmp_path / "t.json"),
        classes=classes if multilabel else None,
    ).fit(X, y)
    labels = [set(row) if multilabel else {row} for row in clf.predict_labels(X)]
    lines = [line.strip('"') for line in decoded.splitlines()[1:]]  # "": no label
    shown = [set(line.split("|")) - {""} for line in lines]
    assert shown == labels  # a label set in any order
    if not multilabel:
        matrix = confusion_matrix(y, clf.predict(X), labels=columns)
        lines = report.split("predicted")[1].splitlines()[2:]
        rows = [[int(v) for v in line.split()[1:]] for line in lines if line.strip()]
        assert rows == matrix.tolist()


def test_deploy_doc_example_of_the_thresholds_file_runs(tmp_path, monkeypatch, capsys):
    """Check that the docs' example (tune with the command line, load the file into
    the estimator, predict) runs and prints what the page says."""
    from pathlib import Path

    text = (Path(__file__).parents[1] / "docs" / "deploy.md").read_text()
    blocks = [b.split("```")[0] for b in text.split("```python\n")[1:]]
    (code,) = [b for b in blocks if "Decision.from_file" in b]
    monkeypatch.chdir(tmp_path)
    exec(compile(code, "deploy.md", "exec"), {})
    printed = capsys.readouterr().out.splitlines()
    assert printed[-1] == "True"
    assert printed[-2] == "['class_0' 'class_2' 'class_1']"


def _one_logit_column(X):
    """A network's single output column: the logit of the second class."""
    return (np.asarray(X)[:, :3] @ np.array([1.0, -1.0, 0.5]))[:, None]


@pytest.mark.parametrize("output", ["logits", "proba"])
def test_saved_decision_for_the_first_class_on_a_single_column_network(output):
    """Check that a decision whose positive class is classes_[0] (named in the
    decision, so not ambiguous) cuts 1 - p of a one-column network at its threshold,
    on logits and on probabilities."""
    from scipy.special import expit

    from sklabels.adapters import FunctionClassifier

    decision = (
        ProbabilisticLabelClassifier(
            LogisticRegression(), threshold=0.3, pos_label="no"
        )
        .fit(X, BINARY)
        .decision_
    )
    assert decision.pos_index == 0

    def network(X):
        z = _one_logit_column(X)
        return z if output == "logits" else expit(z)

    adapter = FunctionClassifier(network, output=output)
    clf = ProbabilisticLabelClassifier(
        FrozenEstimator(adapter), classes=["no", "yes"], threshold=decision
    ).fit(X, BINARY)
    p_no = 1 - expit(_one_logit_column(X)[:, 0])
    np.testing.assert_array_equal(clf.predict(X), np.where(p_no >= 0.3, "no", "yes"))


@pytest.mark.parametrize(
    ("params", "y"), [s[1:] for s in SAVED], ids=[s[0] for s in SAVED]
)
def test_saved_decision_predicts_the_same_on_dask_inputs(tmp_path, params, y):
    """Check that an estimator deciding by a saved decision predicts on Dask
    blocks exactly what it predicts in memory, for every saved rule kind."""
    da = pytest.importorskip("dask.array")
    import dask

    clf, decision = _saved(tmp_path, params, y)
    loaded = _frozen(clf, y, decision)
    with dask.config.set(scheduler="synchronous"):
        got = loaded.predict(da.from_array(X, chunks=(70, X.shape[1]))).compute()
    np.testing.assert_array_equal(np.asarray(got), loaded.predict(X))
