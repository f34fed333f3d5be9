"""Calibration error, reliability diagrams, and calibrating inside the estimator."""

import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.calibration import CalibratedClassifierCV
from sklearn.datasets import load_digits, make_classification
from sklearn.frozen import FrozenEstimator
from sklearn.metrics import log_loss
from sklearn.model_selection import train_test_split
from sklearn.naive_bayes import GaussianNB

from sklabels import ProbabilisticLabelClassifier, calibration_error


def _hand_ece(p, hit, n_bins=15):
    total = 0.0
    for b in range(n_bins):
        lo, hi = b / n_bins, (b + 1) / n_bins
        rows = (p >= lo) & ((p < hi) if b < n_bins - 1 else (p <= hi))
        if rows.any():
            total += rows.sum() * abs(p[rows].mean() - hit[rows].mean())
    return total / len(p)


def test_binary_ece_equals_the_textbook_sum():
    """Check that the binary ECE is the weighted gap per equal-width bin."""
    rng = np.random.default_rng(0)
    p = rng.random(500)
    y = rng.random(500) < p**2
    result = calibration_error(y.astype(int), p, [0, 1])
    assert result.ece == pytest.approx(_hand_ece(p, y.astype(float)))
    assert result.per_class[1] == pytest.approx(result.ece)


def test_multiclass_ece_reads_the_top_label():
    """Check that the multiclass ECE is the top label's: confidence against hits."""
    rng = np.random.default_rng(1)
    proba = rng.dirichlet([1, 1, 1], size=800)
    truth = np.array([rng.choice(3, p=row) for row in proba])
    names = np.array(["a", "b", "c"])
    result = calibration_error(names[truth], proba, names)
    top = proba.argmax(axis=1)
    expected = _hand_ece(proba.max(axis=1), (top == truth).astype(float))
    assert result.ece == pytest.approx(expected)


def test_multilabel_ece_is_the_mean_over_labels():
    """Check that the multilabel ECE is the mean of each label's own ECE."""
    rng = np.random.default_rng(2)
    proba = rng.random((600, 3))
    truth = (rng.random((600, 3)) < proba**1.5).astype(int)
    result = calibration_error(truth, proba, ["x", "y", "z"], problem="multilabel")
    per_label = [_hand_ece(proba[:, j], truth[:, j].astype(float)) for j in range(3)]
    assert result.ece == pytest.approx(np.mean(per_label))
    assert list(result.per_class.values()) == pytest.approx(per_label)


@settings(max_examples=15, deadline=None, derandomize=True)
@given(st.integers(300, 3000), st.integers(0, 10_000))
def test_calibrated_scores_are_never_called_miscalibrated(n, seed):
    """Check that labels drawn from the scores themselves are not flagged."""
    rng = np.random.default_rng(seed)
    p = rng.beta(0.5, 0.5, n)
    y = (rng.random(n) < p).astype(int)
    assert not calibration_error(y, p, [0, 1], random_state=seed).miscalibrated


def test_overconfident_scores_are_miscalibrated_the_same_as_logits():
    """Check that sharpened scores are flagged, read as probabilities or logits."""
    rng = np.random.default_rng(3)
    z = rng.normal(0, 1.5, 3000)
    y = (rng.random(3000) < 1 / (1 + np.exp(-z))).astype(int)
    from_proba = calibration_error(y, 1 / (1 + np.exp(-3 * z)), [0, 1])
    from_logits = calibration_error(y, 3 * z, [0, 1], from_logits=True)
    assert from_proba.miscalibrated and from_logits.miscalibrated
    assert from_proba.ece == pytest.approx(from_logits.ece)


def test_length_mismatch_is_a_clear_error():
    """Check that labels and scores of different lengths are refused by name."""
    with pytest.raises(ValueError, match="y_true has 3 samples but scores has 4"):
        calibration_error([0, 1, 0], [0.1, 0.2, 0.3, 0.4], [0, 1])


def test_reliability_diagram_draws_each_class_and_the_top_label():
    """Check that the diagram has one line per class and one for the top label."""
    pytest.importorskip("matplotlib")
    import matplotlib

    matplotlib.use("Agg")
    from sklabels import plot_reliability

    rng = np.random.default_rng(4)
    proba = rng.dirichlet([2, 2, 2], size=300)
    truth = np.array([rng.choice(3, p=row) for row in proba])
    displays = plot_reliability(truth, proba, [0, 1, 2])
    assert [d.estimator_name for d in displays] == ["0", "1", "2", "top label"]


def test_calibrating_a_scikit_learn_model_inside_the_estimator():
    """Check that CalibratedClassifierCV composes with the estimator and helps."""
    X, y = make_classification(
        n_samples=3000, n_features=20, n_informative=4, n_redundant=10, random_state=0
    )
    X_fit, X_test, y_fit, y_test = train_test_split(X, y, random_state=0)
    raw = ProbabilisticLabelClassifier(GaussianNB()).fit(X_fit, y_fit)
    raw_error = calibration_error(y_test, raw.predict_proba(X_test), raw.classes_)
    assert raw_error.miscalibrated
    for method in ("sigmoid", "isotonic"):
        calibrated = ProbabilisticLabelClassifier(
            CalibratedClassifierCV(GaussianNB(), method=method, cv=5)
        ).fit(X_fit, y_fit)
        proba = calibrated.predict_proba(X_test)
        error = calibration_error(y_test, proba, calibrated.classes_)
        assert error.ece < raw_error.ece
        assert log_loss(y_test, proba) < log_loss(y_test, raw.predict_proba(X_test))


def test_temperature_scaling_a_frozen_torch_logit_network():
    """Check that temperature scaling of a frozen logit network (on its logits)
    lowers the log-loss and calibration error on held-out rows."""
    torch = pytest.importorskip("torch")
    from sklabels.adapters import TorchClassifier

    X, y = load_digits(return_X_y=True)
    X = (X / 16).astype(np.float32)
    X_train, X_rest, y_train, y_rest = train_test_split(X, y, random_state=0)
    X_cal, X_test, y_cal, y_test = train_test_split(X_rest, y_rest, random_state=0)
    torch.manual_seed(0)
    net = torch.nn.Sequential(
        torch.nn.Linear(64, 32), torch.nn.ReLU(), torch.nn.Linear(32, 10)
    )
    optimizer = torch.optim.Adam(net.parameters(), lr=1e-2)
    inputs, targets = torch.tensor(X_train), torch.tensor(y_train)
    for _ in range(150):
        optimizer.zero_grad()
        loss = torch.nn.functional.cross_entropy(net(inputs), targets)
        loss.backward()
        optimizer.step()
    with torch.no_grad():  # an overconfident head: logits five times too large
        net[2].weight.mul_(5.0)
        net[2].bias.mul_(5.0)
    adapter = TorchClassifier(net)
    classes = list(range(10))
    raw = ProbabilisticLabelClassifier(FrozenEstimator(adapter), classes=classes)
    raw.fit(X_cal, y_cal)
    # The network's logits reach the calibrator through decision_function.
    calibrator = CalibratedClassifierCV(FrozenEstimator(adapter), method="temperature")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # sklearn: rows sum to 1 - 1e-7
        calibrator.fit(X_cal, y_cal)
        calibrated = ProbabilisticLabelClassifier(
            FrozenEstimator(calibrator), classes=classes
        ).fit(X_cal, y_cal)
        p_raw, p_cal = raw.predict_proba(X_test), calibrated.predict_proba(X_test)
        assert log_loss(y_test, p_cal) < log_loss(y_test, p_raw)
    before = calibration_error(y_test, p_raw, classes)
    after = calibration_error(y_test, p_cal, classes)
    assert before.miscalibrated and not after.miscalibrated
    assert (calibrated.predict(X_test) == raw.predict(X_test)).mean() > 0.97


@pytest.mark.parametrize("n_bins", [0, -3, 2.5, True, "15"])
def test_bad_bin_counts_are_clear_errors(n_bins):
    """Check that a bin count that is not a positive integer is refused by name."""
    with pytest.raises(ValueError, match="n_bins must be a positive integer"):
        calibration_error([0, 1, 1], [0.2, 0.7, 0.9], [0, 1], n_bins=n_bins)


@settings(max_examples=25, deadline=None, derandomize=True)
@given(st.integers(0, 10_000), st.permutations([0, 1, 2]), st.booleans())
def test_calibration_error_follows_columns_by_name(seed, order, frame):
    """Check that columns permuted with their names (array or DataFrame) and rounded
    scores leave the calibration error of each class where it was."""
    pd = pytest.importorskip("pandas")
    rng = np.random.default_rng(seed)
    proba = rng.dirichlet([1, 1, 1], size=400)
    names = np.array(["a", "b", "c"])
    y = names[[rng.choice(3, p=row) for row in proba]]
    base = calibration_error(y, proba, names)
    permuted = proba[:, order]
    scores = pd.DataFrame(permuted, columns=names[order]) if frame else permuted
    moved = calibration_error(y, scores, names if frame else names[order])
    assert moved.ece == pytest.approx(base.ece)
    assert moved.per_class == pytest.approx(base.per_class)
    rounded = calibration_error(y, np.round(proba, 6), names)
    assert rounded.ece == pytest.approx(base.ece, abs=1e-4)
