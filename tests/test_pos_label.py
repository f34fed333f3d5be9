"""One meaning of ``pos_label`` at every entry point.

A single score column that the user hands over is the score of ``pos_label`` (else of
the last class): ``decode``, ``tune_thresholds``, the displays and the command line
read it so, on the same ``classes``, ``pos_label`` and ``threshold``. The estimator
reads a model's single column as the score of ``classes_[1]``; where that model was
not trained here (a frozen or pre-trained network, a frozen one-column
``predict_proba``), ``pos_label=classes_[0]`` is ambiguous and refused.
"""

import contextlib
import io
import json
import tempfile
from pathlib import Path

import matplotlib
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_array_equal
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.frozen import FrozenEstimator
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer, StandardScaler

from sklabels import (
    CoverageAccuracyDisplay,
    ProbabilisticLabelClassifier,
    ThresholdCurveDisplay,
    decode,
    tune_thresholds,
)
from sklabels.__main__ import main
from sklabels.adapters import FunctionClassifier

matplotlib.use("Agg")
pytestmark = pytest.mark.filterwarnings("ignore::sklabels.FewPositivesWarning")

CLASSES = ["nothing-detected", "detection"]
POS_LABELS = [None, CLASSES[0], CLASSES[1]]
THRESHOLDS = [0.3, 0.5, 0.7]
REFUSED = r"single column is ambiguous: that column scores 'detection'"


def _data(n=120, seed=0):
    rng = np.random.default_rng(seed)
    p = np.round(rng.random(n), 3)  # a CSV of 3 decimals reads back the same
    y = np.where(rng.random(n) < p, "detection", "nothing-detected")
    return p, y


def _column(X):
    return np.asarray(X)[:, 0]


def _network(**params):
    """A frozen network with one sigmoid output, as a function of X."""
    return ProbabilisticLabelClassifier(
        FrozenEstimator(FunctionClassifier(_column, output="probabilities")),
        classes=CLASSES,
        **params,
    )


def _cli(tmp_path, command, p, *options, y=None, classes=CLASSES):
    """``sklabels COMMAND`` in this process on a CSV of one score column."""
    pd.DataFrame({"score": p}).to_csv(tmp_path / "s.csv", index=False)
    args = [command, tmp_path / "s.csv"]
    if y is not None:
        pd.DataFrame({"y": y}).to_csv(tmp_path / "y.csv", index=False)
        args.append(tmp_path / "y.csv")
    args += ["--classes", ",".join(classes), *options]
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main([str(a) for a in args])
    assert code == 0, err.getvalue()
    return out.getvalue()


def _pos_option(pos_label):
    return [] if pos_label is None else ["--pos-label", pos_label]


def _full_coverage_accuracy(display):
    return display.accuracy[np.argmax(display.coverage)]


@pytest.mark.parametrize("threshold", THRESHOLDS)
@pytest.mark.parametrize("pos_label", POS_LABELS)
def test_same_labels_at_every_entry_point(tmp_path, pos_label, threshold):
    """Check that decode, a display, the CLI and the estimator agree on one column."""
    p, y = _data()
    positive = CLASSES[1] if pos_label is None else pos_label
    other = CLASSES[0] if positive == CLASSES[1] else CLASSES[1]
    expected = np.where(p >= threshold, positive, other)
    args = dict(pos_label=pos_label, threshold=threshold)

    assert_array_equal(decode(p, CLASSES, **args), expected)
    display = CoverageAccuracyDisplay.from_predictions(y, p, classes=CLASSES, **args)
    assert _full_coverage_accuracy(display) == pytest.approx(np.mean(expected == y))
    (tmp_path / "t.json").write_text(json.dumps(threshold))
    out = _cli(tmp_path, "decode", p, "--thresholds", tmp_path / "t.json",
               *_pos_option(pos_label))  # fmt: skip
    assert out.split()[1:] == expected.tolist()

    X = p[:, None]
    if pos_label == CLASSES[0]:
        with pytest.raises(ValueError, match=REFUSED):
            _network(**args).fit(X, y)
    else:
        assert_array_equal(_network(**args).fit(X, y).predict(X), expected)


@pytest.mark.parametrize("pos_label", POS_LABELS)
def test_tuned_threshold_rates_the_same_class_everywhere(tmp_path, pos_label):
    """Check that tune_thresholds, a display, the CLI and the estimator agree."""
    p, y = _data()
    positive = CLASSES[1] if pos_label is None else pos_label
    result = tune_thresholds(y, p, classes=CLASSES, pos_label=pos_label)
    assert result.pos_label == positive
    labels = decode(p, CLASSES, pos_label=pos_label, threshold=result.thresholds)
    assert result.best_score == pytest.approx(f1_score(y, labels, pos_label=positive))

    display = ThresholdCurveDisplay.from_predictions(
        y, p, classes=CLASSES, pos_label=pos_label
    )
    assert list(display.curves) == [positive]
    assert display.thresholds == {positive: pytest.approx(result.thresholds)}
    matplotlib.pyplot.close(display.figure_)

    _cli(tmp_path, "tune", p, *_pos_option(pos_label), "-o", tmp_path / "t.json", y=y)
    saved = json.loads((tmp_path / "t.json").read_text())
    assert saved["pos_label"] == positive
    assert saved["thresholds"] == pytest.approx(result.thresholds)

    model = _network(pos_label=pos_label, threshold="auto", tuning="exact")
    if pos_label == CLASSES[0]:
        with pytest.raises(ValueError, match=REFUSED):
            model.fit(p[:, None], y)
    else:
        model.fit(p[:, None], y)
        assert model.pos_label_ == positive
        assert model.thresholds_ == pytest.approx(result.thresholds)


@pytest.mark.parametrize("threshold", THRESHOLDS)
def test_refusal_names_fixes_that_give_each_reading(threshold):
    """Check that both fixes the message names give the labels of their reading."""
    p, y = _data()
    X = p[:, None]
    with pytest.raises(ValueError, match=REFUSED) as error:
        _network(pos_label=CLASSES[0], threshold=threshold).fit(X, y)
    message = str(error.value)
    flipped = round(1 - threshold, 12)
    assert f"pass pos_label='detection' with threshold={flipped!r}" in message
    assert "pass classes=['detection', 'nothing-detected']" in message
    # the column is the score of 'detection': nothing-detected iff p < 1 - t
    model = _network(pos_label=CLASSES[1], threshold=flipped).fit(X, y)
    ties = np.isclose(p, flipped)
    assert_array_equal(
        model.predict(X)[~ties],
        np.where(1 - p >= threshold, *CLASSES)[~ties],
    )
    # the column is the score of 'nothing-detected': as decode reads it
    y_read_so = np.where(y == CLASSES[0], *CLASSES[::-1])
    model = ProbabilisticLabelClassifier(
        FrozenEstimator(FunctionClassifier(_column, output="probabilities")),
        classes=CLASSES[::-1],
        pos_label=CLASSES[0],
        threshold=threshold,
    ).fit(X, y_read_so)
    assert_array_equal(
        model.predict(X), decode(p, CLASSES, pos_label=CLASSES[0], threshold=threshold)
    )


def test_pos_label_set_after_fit_is_refused_at_predict():
    """Check that set_params(pos_label=classes_[0]) after fit raises at predict."""
    p, y = _data()
    X = p[:, None]
    model = _network(threshold=0.3).fit(X, y)
    model.set_params(pos_label=CLASSES[0])
    with pytest.raises(ValueError, match=REFUSED + r".*threshold=0\.7"):
        model.predict(X)
    with pytest.raises(ValueError, match=REFUSED):
        model.pos_label_
    model.set_params(pos_label=CLASSES[1])
    assert_array_equal(model.predict(X), np.where(p >= 0.3, *CLASSES[::-1]))


def test_pre_trained_function_without_frozen_estimator_is_refused():
    """Check that a FunctionClassifier not frozen (it learns nothing) is refused too."""
    p, y = _data()
    model = ProbabilisticLabelClassifier(
        FunctionClassifier(_column, output="probabilities"),
        classes=CLASSES,
        pos_label=CLASSES[0],
        cv=2,
    )
    with pytest.raises(ValueError, match=REFUSED):
        model.fit(p[:, None], y)


class _OneColumnProba(ClassifierMixin, BaseEstimator):
    """A fitted model whose predict_proba is one column (its classes_[1]'s)."""

    def fit(self, X, y):
        self.classes_ = np.unique(y)
        return self

    def predict_proba(self, X):
        return np.asarray(X)[:, :1]


def test_frozen_one_column_predict_proba_is_refused():
    """Check that a frozen model's one-column predict_proba is refused too."""
    p, y = _data()
    X = p[:, None]
    inner = _OneColumnProba().fit(X, (y == CLASSES[1]).astype(int))
    make = dict(estimator=FrozenEstimator(inner), classes=CLASSES)
    with pytest.raises(ValueError, match=REFUSED):
        ProbabilisticLabelClassifier(**make, pos_label=CLASSES[0]).fit(X, y)
    model = ProbabilisticLabelClassifier(**make, pos_label=CLASSES[1], threshold=0.3)
    assert_array_equal(model.fit(X, y).predict(X), np.where(p >= 0.3, *CLASSES[::-1]))


@pytest.mark.parametrize("threshold", [-1.0, 0.0, 2.0])
def test_sklearn_decision_function_keeps_scikit_learns_pos_label(threshold):
    """Check a 1-D decision_function with pos_label=classes_[0]: negated margin."""
    p, y = _data()
    X = StandardScaler().fit_transform(np.column_stack([p, p**2]))
    for estimator in (LogisticRegression(), FrozenEstimator(LogisticRegression())):
        if isinstance(estimator, FrozenEstimator):
            estimator.estimator.fit(X, y)
        model = ProbabilisticLabelClassifier(
            estimator,
            pos_label="detection",  # classes_[0]: the labels are sorted
            threshold=threshold,
            response_method="decision_function",
        ).fit(X, y)
        assert model.classes_.tolist() == ["detection", "nothing-detected"]
        margin = model.estimator_.decision_function(X)  # the margin of classes_[1]
        assert_array_equal(
            model.predict(X), np.where(-margin >= threshold, *model.classes_)
        )


@pytest.fixture(scope="module")
def ax():
    figure, ax = matplotlib.pyplot.subplots()
    yield ax
    matplotlib.pyplot.close(figure)


@pytest.mark.filterwarnings("ignore::sklabels.ClassOrderWarning")  # refused order
@settings(max_examples=10, deadline=None, derandomize=True)
@given(st.integers(0, 2**32 - 1), st.booleans())
def test_single_column_rule_is_the_same_at_every_entry_point(ax, seed, named):
    """Check that every entry point reads one column as pos_label's score.

    (n,), (n, 1), a named Series and two columns in decode and tune_thresholds; a
    display, the CLI, and the estimator with the column's class last, agree; the
    estimator with pos_label first raises.
    """
    rng = np.random.default_rng(seed)
    n = int(rng.integers(20, 80))
    y = rng.choice(["fraud", "legit"], n)
    y[:2] = ["fraud", "legit"]
    p_fraud = np.round(np.clip((y == "fraud") * 0.3 + rng.random(n) * 0.7, 0, 1), 4)
    two = np.column_stack([p_fraud, 1 - p_fraud])  # columns in sorted class order
    classes, args = ["fraud", "legit"], dict(pos_label="fraud", threshold=0.4)
    expected = tune_thresholds(y, two, pos_label="fraud", return_curves=False)
    labels = decode(two, classes, **args)
    forms = [p_fraud, p_fraud[:, None]]
    if named:
        forms.append(pd.Series(p_fraud, name="fraud"))
    for form in forms:
        got = tune_thresholds(y, form, pos_label="fraud", return_curves=False)
        assert got.thresholds == pytest.approx(expected.thresholds)
        assert_array_equal(decode(form, classes, **args), labels)

    ax.cla()
    display = CoverageAccuracyDisplay.from_predictions(
        y, p_fraud, classes=classes, ax=ax, **args
    )
    assert _full_coverage_accuracy(display) == pytest.approx(np.mean(labels == y))

    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        (folder / "t.json").write_text("0.4")
        out = _cli(folder, "decode", p_fraud, "--thresholds", folder / "t.json",
                   "--pos-label", "fraud", classes=classes)  # fmt: skip
        assert out.split()[1:] == labels.tolist()
        _cli(folder, "tune", p_fraud, "--pos-label", "fraud", "-o",
             folder / "tuned.json", y=y, classes=classes)  # fmt: skip
        saved = json.loads((folder / "tuned.json").read_text())
        assert saved["thresholds"] == pytest.approx(expected.thresholds)

    X = p_fraud[:, None]
    model = FrozenEstimator(FunctionClassifier(_column, output="probabilities"))
    last = ProbabilisticLabelClassifier(model, classes=classes[::-1], **args)
    assert_array_equal(last.fit(X, y).predict(X), labels)
    first = ProbabilisticLabelClassifier(model, classes=classes, **args)
    with pytest.raises(ValueError, match="single column is ambiguous"):
        first.fit(X, y)


def test_dask_fit_is_refused_as_in_memory():
    """Check that a fit on Dask inputs refuses pos_label=classes_[0] the same way."""
    dask = pytest.importorskip("dask")
    da = pytest.importorskip("dask.array")
    p, y = _data()
    X = p[:, None]
    with pytest.raises(ValueError, match=REFUSED) as ref:
        _network(pos_label=CLASSES[0], threshold=0.3).fit(X, y)
    with dask.config.set(scheduler="synchronous"):
        Xd, yd = da.from_array(X, chunks=(40, 1)), da.from_array(y, chunks=40)
        with pytest.raises(ValueError, match=REFUSED) as got:
            _network(pos_label=CLASSES[0], threshold=0.3).fit(Xd, yd)
        model = _network(threshold=0.3).fit(Xd, yd)
    assert str(got.value) == str(ref.value)
    assert_array_equal(model.predict(X), np.where(p >= 0.3, *CLASSES[::-1]))


@pytest.mark.parametrize("frozen", [True, False])
def test_pre_trained_network_inside_a_pipeline_is_refused(frozen):
    """Check that a one-output pre-trained network as a pipeline's last step is
    refused for pos_label=classes_[0], frozen or not, as it is on its own, and
    that pos_label=classes_[1] reads its column as that class's score."""
    p, y = _data()
    X = p[:, None]

    def pipeline():
        network = FunctionClassifier(_column, output="probabilities")
        return make_pipeline(FunctionTransformer(), network)

    inner = pipeline()
    if frozen:
        inner = FrozenEstimator(inner.fit(X, (y == CLASSES[1]).astype(int)))
    make = dict(estimator=inner, classes=CLASSES, cv=2)
    with pytest.raises(ValueError, match=REFUSED):
        ProbabilisticLabelClassifier(**make, pos_label=CLASSES[0]).fit(X, y)
    make["estimator"] = clone(inner) if not frozen else inner
    model = ProbabilisticLabelClassifier(**make, pos_label=CLASSES[1], threshold=0.3)
    assert_array_equal(model.fit(X, y).predict(X), np.where(p >= 0.3, *CLASSES[::-1]))
