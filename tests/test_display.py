"""Displays render to PNG (Agg) with the right artists, for every problem kind."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.multiclass import OneVsRestClassifier

from sklabels import (
    CoverageAccuracyDisplay,
    FewPositivesWarning,
    MultilabelConfusionDisplay,
    ProbabilisticLabelClassifier,
    RecallAtPrecision,
    ThresholdCurveDisplay,
)

CLASSES = ["zebra", "ant", "moose"]  # sorted order differs from column order
pytestmark = pytest.mark.filterwarnings("ignore::sklabels.FewPositivesWarning")


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def _data(problem, seed=0, n=300):
    rng = np.random.default_rng(seed)
    if problem == "multilabel":
        Y = (rng.random((n, 3)) < [0.5, 0.3, 0.2]).astype(int)
        X = rng.normal(size=(n, 4)) + np.hstack([Y * 1.5, np.zeros((n, 1))])
        return X, [tuple(np.array(CLASSES)[r.astype(bool)]) for r in Y]
    k = 2 if problem == "binary" else 3
    codes = rng.integers(0, k, n)
    X = rng.normal(size=(n, 4)) + np.eye(k, 4)[codes] * 1.5
    return X, np.array(CLASSES[:k])[codes]


def _model(problem, **params):
    inner = LogisticRegression()
    if problem == "multilabel":
        inner = OneVsRestClassifier(inner)
    k = 2 if problem == "binary" else 3
    return ProbabilisticLabelClassifier(inner, classes=CLASSES[:k], **params)


def _png(fig, tmp_path):
    path = tmp_path / "figure.png"
    fig.savefig(path)
    assert path.stat().st_size > 1000
    return path


@pytest.mark.parametrize("problem", ["binary", "multiclass", "multilabel"])
def test_threshold_curves_from_stored_tuning(problem, tmp_path):
    """Check the curves stored by tuning are drawn, one titled panel per class."""
    X, y = _data(problem)
    clf = _model(problem, threshold="auto", store_cv_results=True).fit(X, y)
    display = ThresholdCurveDisplay.from_estimator(clf)
    drawn = list(clf.cv_results_["curves"])
    assert list(display.lines_) == drawn
    assert [ax.get_title() for ax in display.ax_] == [str(c) for c in drawn]
    for label, lines in display.lines_.items():
        curve = clf.cv_results_["curves"][label]
        objective = lines["objective"].get_ydata()
        assert np.max(objective) == pytest.approx(curve.scores.max())
        marked = lines["threshold"].get_xdata()[0]
        index = 0 if problem == "binary" else list(clf.classes_).index(label)
        expected = clf.thresholds_ if problem == "binary" else clf.thresholds_[index]
        assert marked == pytest.approx(expected)
        assert lines["default"].get_xdata()[0] == 0.5
    if problem == "multiclass":
        assert display.ax_[0].get_xscale() == "log"
    _png(display.figure_, tmp_path)


def test_threshold_curves_on_new_data_and_a_subset(tmp_path):
    """Check from_estimator(X, y) on test data, drawing a chosen subset of labels."""
    X, y = _data("multilabel")
    X_test, y_test = _data("multilabel", seed=1)
    clf = _model("multilabel").fit(X, y)  # fixed thresholds: 0.5 marked as in use
    display = ThresholdCurveDisplay.from_estimator(
        clf, X_test, y_test, classes=["moose", "zebra"]
    )
    assert list(display.lines_) == ["moose", "zebra"]
    assert display.lines_["moose"]["threshold"].get_xdata()[0] == 0.5
    _png(display.figure_, tmp_path)
    with pytest.raises(ValueError, match="'lion', which is not one of"):
        ThresholdCurveDisplay.from_estimator(clf, X_test, y_test, classes=["lion"])


def test_threshold_curves_need_stored_curves_or_data():
    """Check the error when the estimator stored no curves and no data is given."""
    X, y = _data("binary")
    clf = _model("binary", threshold="auto").fit(X, y)
    with pytest.raises(ValueError, match="store_cv_results=True"):
        ThresholdCurveDisplay.from_estimator(clf)


def test_threshold_curves_from_predictions_into_given_axes(tmp_path):
    """Check from_predictions draws into the axes passed in."""
    rng = np.random.default_rng(3)
    y = rng.choice(["no", "yes"], 200)
    score = np.clip((y == "yes") * 0.3 + rng.random(200) * 0.7, 0, 1)
    fig, ax = plt.subplots()
    display = ThresholdCurveDisplay.from_predictions(y, score, pos_label="yes", ax=ax)
    assert display.ax_[0] is ax and list(display.lines_) == ["yes"]
    # objective, precision, recall, two markers, the folds' optima
    assert len(ax.get_lines()) == 6
    with pytest.raises(ValueError, match="ax holds 1 axes but 3 panels"):
        ThresholdCurveDisplay.from_predictions(
            np.eye(3, dtype=int)[rng.integers(0, 3, 60)] | (rng.random((60, 3)) < 0.3),
            rng.random((60, 3)),
            problem="multilabel",
            ax=ax,
        )
    _png(fig, tmp_path)


def _inside_figure(artist, fig):
    """Whether ``artist`` is drawn within the saved figure's canvas."""
    renderer = fig.canvas.get_renderer()
    box = artist.get_window_extent(renderer)
    width, height = fig.canvas.get_width_height()
    return box.x0 >= 0 and box.y0 >= 0 and box.x1 <= width and box.y1 <= height


def test_threshold_curves_band_folds_and_layout(tmp_path):
    """Check the fold band and ticks, and a saved layout: labels in, legend apart."""
    X, y = _data("multilabel")
    clf = _model(
        "multilabel", threshold="auto", store_cv_results=True, random_state=0
    ).fit(X, y)
    display = ThresholdCurveDisplay.from_estimator(clf, n_cols=2)
    _png(display.figure_, tmp_path)
    folds = clf.cv_results_["fold_thresholds"]
    for j, lines in enumerate(display.lines_.values()):
        assert {"band", "folds"} <= set(lines)
        np.testing.assert_allclose(lines["folds"].get_xdata(), folds[:, j])
        assert lines["band"].get_paths()  # a filled area, not empty
    fig = display.figure_
    for axis in display.ax_:
        assert _inside_figure(axis.xaxis.label, fig)
        legend_box = display.legend_.get_window_extent(fig.canvas.get_renderer())
        assert not legend_box.overlaps(axis.get_window_extent())
    assert _inside_figure(display.legend_, fig)


def test_threshold_curves_mark_a_constraint_floor(tmp_path):
    """Check RecallAtPrecision: its objective visible where met, its floor drawn."""
    rng = np.random.default_rng(4)
    y = rng.integers(0, 2, 400)
    score = np.clip(0.35 * y + rng.random(400) * 0.65, 0, 1)
    display = ThresholdCurveDisplay.from_predictions(
        y, score, scoring=RecallAtPrecision(0.8)
    )
    _png(display.figure_, tmp_path)
    lines = display.lines_[1]
    assert lines["floor"].get_ydata()[0] == 0.8
    assert "precision floor 0.8" in lines["floor"].get_label()
    drawn = np.asarray(lines["objective"].get_ydata(), dtype=float)
    assert np.isfinite(drawn).sum() > 1  # visible where the floor is met
    assert lines["objective"].get_zorder() > lines["recall"].get_zorder()
    assert _inside_figure(display.legend_, display.figure_)


def test_multilabel_confusion_grid(tmp_path):
    """Check one 2x2 panel per label with the counts of the per-label tables."""
    X, y = _data("multilabel")
    clf = _model("multilabel").fit(X, y)
    display = MultilabelConfusionDisplay.from_estimator(clf, X, y)
    tables = clf.confusion_matrix(X, y)
    assert list(display.displays_) == CLASSES
    for label, panel in display.displays_.items():
        np.testing.assert_array_equal(panel.confusion_matrix, tables[label].values)
        assert panel.ax_.get_title() == label
        assert [t.get_text() for t in panel.ax_.get_xticklabels()] == ["no", "yes"]
    _png(display.figure_, tmp_path)
    again = MultilabelConfusionDisplay.from_predictions(
        y, clf.predict(X), classes=CLASSES
    )
    assert list(again.displays_) == CLASSES
    single = _model("multiclass").fit(*_data("multiclass"))
    with pytest.raises(ValueError, match="ConfusionMatrixDisplay"):
        MultilabelConfusionDisplay.from_estimator(single, *_data("multiclass"))


@pytest.mark.parametrize("problem", ["binary", "multiclass"])
def test_coverage_accuracy_curve_marks_the_reject_threshold(problem, tmp_path):
    """Check coverage and accuracy points, and the marked tuned reject threshold."""
    X, y = _data(problem)
    clf = _model(
        problem,
        reject_threshold="auto",
        reject_coverage=0.8,
        reject_label="unsure",
    ).fit(X, y)
    display = CoverageAccuracyDisplay.from_estimator(clf, X, y)
    assert display.coverage[-1] == 1.0 and np.all(np.diff(display.coverage) > 0)
    plain = _model(problem).fit(X, y)
    assert display.accuracy[-1] == pytest.approx(plain.score(X, y))
    x, acc = display.marker_.get_xdata()[0], display.marker_.get_ydata()[0]
    pred = clf.predict(X)
    answered = pred != "unsure"
    assert x == pytest.approx(answered.mean())
    assert acc == pytest.approx(np.mean(pred[answered] == y[answered]))
    _png(display.figure_, tmp_path)


def test_coverage_accuracy_from_predictions(tmp_path):
    """Check the curve of held scores, and the refusal for multilabel scores."""
    rng = np.random.default_rng(4)
    y = rng.integers(0, 3, 100)
    proba = rng.dirichlet(np.ones(3), 100)
    display = CoverageAccuracyDisplay.from_predictions(y, proba, reject_threshold=0.5)
    answered = proba.max(axis=1) >= 0.5
    x, acc = display.marker_.get_xdata()[0], display.marker_.get_ydata()[0]
    assert x == pytest.approx(answered.mean())
    assert acc == pytest.approx(np.mean(proba.argmax(axis=1)[answered] == y[answered]))
    _png(display.figure_, tmp_path)
    with pytest.raises(ValueError, match="single-label"):
        CoverageAccuracyDisplay.from_predictions(
            (rng.random((50, 3)) < 0.5).astype(int), rng.random((50, 3))
        )


def test_few_positives_warning_reaches_display_users():
    """Check a display tuned on few positives passes the tuning warning on."""
    rng = np.random.default_rng(6)
    y = np.r_[np.ones(5, dtype=int), np.zeros(95, dtype=int)]
    with pytest.warns(FewPositivesWarning, match="fewer than 10 positives"):
        ThresholdCurveDisplay.from_predictions(y, rng.random(100))


def test_coverage_from_predictions_checks_lengths():
    """Check mismatched labels, scores or weights get a clear error, not numpy's."""
    rng = np.random.default_rng(5)
    with pytest.raises(ValueError, match="inconsistent numbers of samples"):
        CoverageAccuracyDisplay.from_predictions(
            rng.integers(0, 3, 40), rng.dirichlet(np.ones(3), 30)
        )
    with pytest.raises(ValueError, match=r"sample_weight.shape == \(41,\)"):
        CoverageAccuracyDisplay.from_predictions(
            rng.integers(0, 3, 40),
            rng.dirichlet(np.ones(3), 40),
            sample_weight=[1] * 41,
        )
    with pytest.raises(ValueError, match="Negative values"):
        CoverageAccuracyDisplay.from_predictions(
            [0, 1, 2], rng.dirichlet(np.ones(3), 3), sample_weight=[1, -1, 1]
        )


@pytest.mark.parametrize(
    ("params", "match"),
    [
        ({"problem": "multiclas"}, r"'problem' parameter .* Got 'multiclas' instead"),
        ({"reject_threshold": 1.5}, r"'reject_threshold' parameter .* Got 1.5 instead"),
        ({"reject_threshold": "auto"}, r"'reject_threshold' parameter .* Got 'auto'"),
    ],
)
def test_coverage_from_predictions_validates_parameters(params, match):
    """Check a bad parameter names itself, its value and the valid values."""
    rng = np.random.default_rng(7)
    with pytest.raises(ValueError, match=match):
        CoverageAccuracyDisplay.from_predictions(
            [0, 1, 2, 1], rng.dirichlet(np.ones(3), 4), **params
        )
