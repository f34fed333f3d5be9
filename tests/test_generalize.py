"""Tuning judged on held-out folds: fold spread, the guard, intervals, progress."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.special import expit, logit
from scipy.stats import norm
from sklearn.datasets import load_breast_cancer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold, cross_val_predict
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sklabels import ProbabilisticLabelClassifier, tune_thresholds
from sklabels._bagging import bagged_cuts, resample_counts
from sklabels._calibrated import calibrated_cuts
from sklabels._folds import split_rows
from sklabels._generalize import tune_with_evidence
from sklabels._objectives import f1 as f1_objective
from sklabels._scores import Scores

pytestmark = pytest.mark.filterwarnings("ignore::sklabels.FewPositivesWarning")


@pytest.fixture(scope="module")
def cancer():
    X, y = load_breast_cancer(return_X_y=True)
    return X[:, :10], y


def _gaussian(rng, n, prevalence=0.3, shift=1.5):
    """Binary truth and probability scores ``expit(x)``, ``x ~ N(shift * y, 1)``."""
    y = (rng.random(n) < prevalence).astype(int)
    return y, expit(rng.normal(size=n) + shift * y)


def _population_f1(t, prevalence=0.3, shift=1.5):
    """F1 of the rule ``score >= t`` on the population of :func:`_gaussian`."""
    x = logit(np.asarray(t, dtype=float))
    tp = prevalence * norm.sf(x - shift)
    fp = (1 - prevalence) * norm.sf(x)
    fn = prevalence - tp
    return 2 * tp / (2 * tp + fp + fn)


def test_cv_results_hold_each_folds_own_optimum_and_scores(cancer):
    """Check fold_thresholds are the folds' own optima and pooled the exact one."""
    X, y = cancer
    cv = StratifiedKFold(4, shuffle=True, random_state=0)
    model = make_pipeline(StandardScaler(), LogisticRegression())
    clf = ProbabilisticLabelClassifier(model, threshold="auto", cv=cv).fit(X, y)
    results = clf.cv_results_
    oof = cross_val_predict(model, X, y, cv=cv, method="predict_proba")[:, 1]
    folds = [test for _, test in cv.split(X, y)]
    own = [tune_thresholds(y[rows], oof[rows]).thresholds for rows in folds]
    np.testing.assert_allclose(results["fold_thresholds"][:, 0], own)
    assert results["fold_thresholds"].shape == results["fold_scores"].shape == (4, 1)
    pooled = tune_thresholds(y, oof).thresholds
    assert results["pooled_thresholds"][0] == pytest.approx(pooled)
    assert results["thresholds"][0] == pytest.approx(clf.thresholds_)
    assert np.ptp(results["fold_thresholds"]) > 0  # the spread is visible
    assert list(results["classes"]) == [1] and results["n_folds"] == 4


def _guarded(truth, scores, problem, **kwargs):
    """The smoothed cut behind the zero guard (the default before the fold average,
    still a strategy of the benchmark)."""
    values = np.column_stack([1 - scores, scores]) if problem == "binary" else scores
    return tune_with_evidence(
        Scores(values, "proba"),
        truth,
        problem=problem,
        classes=np.arange(values.shape[1]),
        tuning="smooth-robust",
        keep_curves=False,
        **kwargs,
    )


def test_guard_keeps_the_default_where_tuning_fits_noise():
    """Check the guard keeps 0.5 for accuracy on calibrated scores, and says so."""
    rng = np.random.default_rng(0)
    p = rng.random(3000)
    y = (rng.random(3000) < p).astype(int)  # calibrated: 0.5 is the best cut
    exact = tune_thresholds(y, p, scoring="accuracy")
    guarded = _guarded(y, p, "binary", scoring="accuracy", random_state=0)
    assert exact.thresholds != 0.5
    assert guarded.thresholds == 0.5
    assert guarded.cv_results["kept_default"].tolist() == [True]
    # the default is kept where the cross-fitted gain is not positive, not where
    # it is within a standard error
    assert guarded.cv_results["gain"][0] <= 0


@settings(derandomize=True, deadline=None, max_examples=15)
@given(seed=st.integers(0, 2**32 - 1), shift=st.floats(0.0, 2.0))
def test_guard_keeps_the_default_exactly_where_the_gain_is_not_positive(seed, shift):
    """Check that guarded per-label tuning keeps 0.5 iff the cross-fitted gain <= 0,
    and that robust tuning (no guard on cut-offs) keeps nothing."""
    rng = np.random.default_rng(seed)
    Y = (rng.random((200, 4)) < [0.5, 0.3, 0.1, 0.05]).astype(int)
    p = expit(rng.normal(size=(200, 4)) + shift * (Y - 0.5) - 1.0)
    result = _guarded(Y, p, "multilabel", random_state=0)
    kept = result.cv_results["kept_default"]
    np.testing.assert_array_equal(kept, result.cv_results["gain"] <= 0)
    np.testing.assert_array_equal(np.asarray(result.thresholds)[kept], 0.5)
    robust = tune_thresholds(Y, p, tuning="robust")
    assert not robust.cv_results["kept_default"].any()


def test_guard_lets_a_clear_gain_through():
    """Check a rare label's F1 cut, far below 0.5, is tuned and not guarded."""
    rng = np.random.default_rng(1)
    y, p = _gaussian(rng, 3000, prevalence=0.05, shift=2.0)
    p = p / 4  # under-confident scores: 0.5 predicts almost nothing
    robust = tune_thresholds(y, p, tuning="robust")
    assert robust.cv_results["kept_default"].tolist() == [False]
    assert robust.cv_results["gain"][0] > robust.cv_results["gain_se"][0] > 0
    assert robust.thresholds < 0.25


def test_multiclass_robust_keeps_argmax_on_calibrated_balanced_scores():
    """Check robust multiclass ratios stay at argmax where tuning fits noise."""
    rng = np.random.default_rng(2)
    logits = rng.normal(size=(1500, 4)) * 1.5
    proba = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    y = np.array([rng.choice(4, p=row) for row in proba])  # calibrated
    exact = tune_thresholds(y, proba)
    robust = tune_thresholds(y, proba, tuning="robust")
    assert np.ptp(exact.thresholds) > 0
    np.testing.assert_array_equal(robust.thresholds, np.full(4, 0.5))
    assert robust.cv_results["kept_default"].all()
    assert robust.cv_results["fold_thresholds"].shape == (5, 4)


def test_intervals_cover_the_population_values():
    """Check 90% bootstrap intervals cover the true F1 and optimal threshold."""
    grid = np.linspace(0.05, 0.95, 2001)
    best_cut = grid[np.argmax(_population_f1(grid))]
    covered_score = covered_cut = 0
    reps = 30
    for seed in range(reps):
        y, p = _gaussian(np.random.default_rng(100 + seed), 600)
        result = tune_thresholds(y, p, n_bootstraps=100, random_state=seed)
        low, high = result.best_score_interval
        covered_score += low <= _population_f1(result.thresholds) <= high
        low, high = result.thresholds_interval
        covered_cut += low <= best_cut <= high
    # 90% nominal; a run of 30 falls below 0.7 with probability < 0.1%.
    assert covered_score / reps >= 0.7
    assert covered_cut / reps >= 0.7


def test_intervals_are_seeded_and_hold_the_estimate():
    """Check the same seed gives the same intervals, and they hold the estimates."""
    y, p = _gaussian(np.random.default_rng(5), 500)
    first = tune_thresholds(y, p, n_bootstraps=50, random_state=3)
    again = tune_thresholds(y, p, n_bootstraps=50, random_state=3)
    np.testing.assert_array_equal(first.thresholds_interval, again.thresholds_interval)
    low, high = first.best_score_interval
    assert low <= first.best_score <= high
    assert tune_thresholds(y, p).thresholds_interval is None


def test_classifier_intervals_on_first_access(cancer):
    """Check thresholds_interval_/best_score_interval_ and their absence untuned."""
    X, y = cancer
    model = make_pipeline(StandardScaler(), LogisticRegression())
    clf = ProbabilisticLabelClassifier(model, threshold="auto", cv=3, random_state=0)
    clf.fit(X, y)
    low, high = clf.best_score_interval_
    assert low <= clf.best_score_ <= high < 1
    assert clf.thresholds_interval_.shape == (2,)
    assert clf.thresholds_interval_[0] <= clf.thresholds_interval_[1]
    fixed = ProbabilisticLabelClassifier(model).fit(X, y)
    with pytest.raises(AttributeError, match="threshold='auto'"):
        fixed.thresholds_interval_


def test_verbose_prints_fold_by_fold_progress(cancer, capsys):
    """Check verbose=1 prints each fold with the elapsed time, verbose=0 nothing."""
    X, y = cancer
    model = make_pipeline(StandardScaler(), LogisticRegression())
    ProbabilisticLabelClassifier(model, threshold="auto", cv=3).fit(X, y)
    assert capsys.readouterr().out == ""
    ProbabilisticLabelClassifier(model, threshold="auto", cv=3, verbose=1).fit(X, y)
    out = capsys.readouterr().out.splitlines()
    folds = [line for line in out if "fold " in line and "/3" in line]
    assert len(folds) == 3 and all("elapsed" in line for line in out)
    assert out[0].startswith("[ProbabilisticLabelClassifier] fold 1/3")
    assert any("refitted" in line for line in out)
    assert any("cross-fitted" in line for line in out)


def test_tune_thresholds_verbose_reports_its_steps(capsys):
    """Check tune_thresholds(verbose=2) reports tuning and the bootstrap."""
    y, p = _gaussian(np.random.default_rng(6), 400)
    tune_thresholds(y, p, tuning="robust", n_bootstraps=8, verbose=2)
    out = capsys.readouterr().out
    for words in ("pooled exact tuning on 400 rows", "bootstrap 8/8", "elapsed"):
        assert words in out


def test_split_rows_are_seeded_and_cover_every_row():
    """Check the folds made from tuning rows partition them, stratified."""
    y = np.repeat([0, 1, 2], [50, 30, 20])
    folds = split_rows(y, "multiclass", random_state=0)
    assert sorted(np.concatenate(folds).tolist()) == list(range(100))
    assert all(np.bincount(y[rows]).tolist() == [10, 6, 4] for rows in folds)
    again = split_rows(y, "multiclass", random_state=0)
    assert all(np.array_equal(a, b) for a, b in zip(folds, again, strict=True))


@settings(max_examples=15, deadline=None, derandomize=True)
@given(seed=st.integers(0, 10_000), k=st.integers(2, 5))
def test_robust_multilabel_follows_reordered_columns(seed, k):
    """Check reordering labels with their columns reorders the robust thresholds."""
    rng = np.random.default_rng(seed)
    Y = (rng.random((300, k)) < rng.uniform(0.05, 0.5, k)).astype(int)
    scores = np.clip(0.3 * Y + rng.random((300, k)) * 0.7, 0, 1)
    names = np.array([f"l{j}" for j in range(k)])
    first = tune_thresholds(Y, scores, classes=names, tuning="robust")
    order = rng.permutation(k)
    again = tune_thresholds(
        Y[:, order], scores[:, order], classes=names[order], tuning="robust"
    )
    np.testing.assert_array_equal(again.thresholds, first.thresholds[order])
    kept = first.cv_results["kept_default"][order]
    np.testing.assert_array_equal(again.cv_results["kept_default"], kept)


@settings(max_examples=20, deadline=None, derandomize=True)
@given(seed=st.integers(0, 10_000), k=st.integers(2, 6))
def test_split_rows_ignore_how_classes_are_coded(seed, k):
    """Check the folds of single-label rows do not depend on the class codes."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, k, 120)
    relabelled = rng.permutation(k)[y]
    first = split_rows(y, "multiclass", random_state=seed)
    again = split_rows(relabelled, "multiclass", random_state=seed)
    assert all(np.array_equal(a, b) for a, b in zip(first, again, strict=True))


@settings(max_examples=15, deadline=None, derandomize=True)
@given(
    seed=st.integers(0, 10_000),
    decimals=st.sampled_from([None, 1, 2]),
    container=st.sampled_from(["array", "frame", "list"]),
    micro=st.booleans(),
)
def test_robust_cuts_do_not_depend_on_row_order_or_container(
    seed, decimals, container, micro
):
    """Check tuning="robust" (bagged) gives the same cuts for the rows in any
    order, with tied (rounded) scores, given as an array, a DataFrame or lists."""
    pd = pytest.importorskip("pandas")
    rng = np.random.default_rng(seed)
    n, k = 240, 3
    Y = (rng.random((n, k)) < rng.uniform(0.1, 0.5, k)).astype(int)
    scores = np.clip(0.3 * Y + 0.7 * rng.random((n, k)), 0, 1)
    if decimals is not None:
        scores = np.round(scores, decimals)
    average = "micro" if micro else "macro"
    first = tune_thresholds(Y, scores, tuning="robust", average=average)
    order = rng.permutation(n)
    Y2, s2 = Y[order], scores[order]
    if container == "frame":
        Y2, s2 = pd.DataFrame(Y2), pd.DataFrame(s2)
    elif container == "list":
        Y2, s2 = Y2.tolist(), s2.tolist()
    again = tune_thresholds(Y2, s2, tuning="robust", average=average)
    np.testing.assert_array_equal(again.thresholds, first.thresholds)


def _binary_cut_case(func):
    """Hypothesis cases for a binary cut: seed, rounded or not, weighted or not,
    probabilities or logits."""
    return settings(max_examples=20, deadline=None, derandomize=True)(
        given(
            seed=st.integers(0, 10_000),
            decimals=st.sampled_from([None, 2]),
            weighted=st.booleans(),
            logits=st.booleans(),
        )(func)
    )


def _rounded_weighted(rng, p, decimals, weighted, logits):
    """``p`` rounded to ``decimals`` (kept off 0 and 1), row weights 1-3 or ones,
    and the scores as given to the tuner (logits or probabilities)."""
    if decimals is not None:
        p = np.clip(np.round(p, decimals), 0.005, 0.995)
    w = rng.integers(1, 4, len(p)).astype(float) if weighted else np.ones(len(p))
    return p, w, logit(p) if logits else p


@_binary_cut_case
def test_bagged_cut_is_the_mean_of_the_resamples_exact_optima(
    seed, decimals, weighted, logits
):
    """Check each resample's cut read off the grouped counts equals the exact
    tuner's cut on the resampled rows themselves (rows repeated as drawn), and the
    bagged cut is their mean."""
    rng = np.random.default_rng(seed)
    n = 120
    y = (rng.random(n) < rng.uniform(0.1, 0.5)).astype(bool)
    p = np.clip(0.3 * y + 0.7 * rng.random(n), 1e-3, 1 - 1e-3)
    p, w, values = _rounded_weighted(rng, p, decimals, weighted, logits)
    order = np.lexsort((w, y.astype(float), values))
    cuts = []
    for b in range(5):
        counts = resample_counts(n, (seed,), b, order).astype(int)
        drawn = np.repeat(np.arange(n), counts)
        if y[drawn].all() or not y[drawn].any():
            continue
        exact = tune_thresholds(
            y[drawn].astype(int),
            values[drawn],
            sample_weight=w[drawn] if weighted else None,
            from_logits=logits,
        )
        cuts.append(float(exact.thresholds))
    mean = bagged_cuts(
        values[:, None],
        y[:, None],
        w,
        objective=f1_objective,
        name="f1",
        proba=not logits,
        micro=False,
        seed=(seed,),
        bags=5,
    )[0]
    bagged = expit(mean) if logits else mean
    # logits: the exact tuner's cuts are in logit units, and averaged there
    expected = expit(np.mean(logit(np.array(cuts)))) if logits else np.mean(cuts)
    np.testing.assert_allclose(bagged, expected, rtol=1e-9, atol=1e-12)


def _with_strategy(truth, scores, tuning, **kwargs):
    """A benchmark strategy of tune_with_evidence on binary probability scores."""
    values = np.column_stack([1 - scores, scores])
    result = tune_with_evidence(
        Scores(values, "proba"),
        truth,
        problem="binary",
        classes=np.arange(2),
        tuning=tuning,
        keep_curves=False,
        **kwargs,
    )
    return float(result.thresholds)


@_binary_cut_case
def test_calibrated_cut_is_the_best_cut_at_expected_counts(
    seed, decimals, weighted, logits
):
    """Check the calibrated cut predicts the rows that maximise F1 at expected
    counts (each row a positive with its Platt probability), counted by hand over
    every distinct score; in logit units too."""
    rng = np.random.default_rng(seed)
    n = 150
    y = rng.random(n) < rng.uniform(0.1, 0.5)
    p = expit(rng.normal(size=n) + rng.uniform(0.5, 2.5) * y - 0.5)
    p, w, values = _rounded_weighted(rng, p, decimals, weighted, logits)
    z = logit(np.clip(p, 1e-6, 1 - 1e-6))
    model = LogisticRegression(C=1e6, solver="newton-cholesky", tol=1e-8, max_iter=100)
    q = model.fit(z[:, None], y, sample_weight=w).predict_proba(z[:, None])[:, 1]
    distinct = np.unique(values)
    predicted = values[None, :] >= distinct[:, None]
    tp = predicted @ (w * q)
    f1 = 2 * tp / (predicted @ w + (w * q).sum())
    best = predicted[int(np.argmax(f1))]
    cut = calibrated_cuts(
        values[:, None],
        y[:, None],
        w,
        objective=f1_objective,
        name="f1",
        proba=not logits,
        micro=False,
    )[0]
    np.testing.assert_array_equal(values >= cut, best)


def test_calibrated_cut_moves_less_than_the_exact_one():
    """Check the point of the calibrated curve: on calibrated scores (where the
    logistic calibration is right) its cut lands nearer the population's best F1
    cut than the exact optimum does, draw after draw; replacing the calibrated
    labels by the 0/1 truth makes the two equal and fails this."""
    rng = np.random.default_rng(3)
    grid = np.linspace(0.05, 0.95, 1801)
    best = grid[np.argmax(_population_f1(grid))]
    exact, calibrated = [], []
    for _ in range(40):
        y, p = _gaussian(rng, 300)
        exact.append(tune_thresholds(y, p, tuning="exact").thresholds)
        calibrated.append(_with_strategy(y, p, "calibrated"))
    exact_error = np.mean((np.array(exact) - best) ** 2)
    calibrated_error = np.mean((np.array(calibrated) - best) ** 2)
    assert calibrated_error < 0.5 * exact_error


@settings(max_examples=10, deadline=None, derandomize=True)
@given(seed=st.integers(0, 10_000), weighted=st.booleans())
def test_robust_cut_is_the_midpoint_of_the_bagged_and_calibrated_cuts(seed, weighted):
    """Check tuning="robust" on cut-offs is the mean of the bagged exact optimum
    and the calibrated one (each also a strategy of the benchmark)."""
    rng = np.random.default_rng(seed)
    y, p = _gaussian(rng, 200)
    w = rng.integers(1, 4, 200).astype(float) if weighted else None
    robust = tune_thresholds(y, p, tuning="robust", sample_weight=w, random_state=1)
    parts = [
        _with_strategy(y, p, s, sample_weight=w, random_state=1)
        for s in ("bagged-robust", "calibrated")
    ]
    assert float(robust.thresholds) == pytest.approx(np.mean(parts), rel=1e-12)


def test_calibrated_micro_cut_counts_every_column_once():
    """Check the shared (micro) calibrated cut is the best cut over the pooled
    cells at expected counts, each column with its own calibration, and a column
    with no positive (none fits) counted with its 0/1 truth, not left out."""
    rng = np.random.default_rng(5)
    n = 200
    Y = rng.random((n, 3)) < [0.3, 0.15, 0.0]
    P = expit(rng.normal(size=(n, 3)) + 1.5 * Y - 1.0)
    expected = []
    for j in range(3):
        z = logit(P[:, j])[:, None]
        if Y[:, j].any():
            model = LogisticRegression(C=1e6, solver="newton-cholesky", tol=1e-8)
            expected.append(model.fit(z, Y[:, j]).predict_proba(z)[:, 1])
        else:
            expected.append(np.zeros(n))
    values, q = P.T.reshape(-1), np.concatenate(expected)
    distinct = np.unique(values)
    predicted = values[None, :] >= distinct[:, None]
    f1 = 2 * (predicted @ q) / (predicted.sum(axis=1) + q.sum())
    best = predicted[int(np.argmax(f1))]
    cut = calibrated_cuts(
        P,
        Y,
        np.ones(n),
        objective=f1_objective,
        name="f1",
        proba=True,
        micro=True,
    )
    assert np.ptp(cut) == 0
    np.testing.assert_array_equal(values >= cut[0], best)


@pytest.mark.parametrize("positives", [1, 2, 40])
def test_calibrated_cut_above_the_fit_rows_keeps_every_class(monkeypatch, positives):
    """Check that above FIT_ROWS rows the calibration's systematic sample keeps
    every row of a rare class (a sample with no positive used to crash the fit) and
    weighs each class up to its total: the cut matches the fit on all rows."""
    import sklabels._calibrated as calibrated

    rng = np.random.default_rng(positives)
    n = 3000
    y = np.zeros(n, dtype=bool)
    y[rng.choice(n, positives, replace=False)] = True
    if positives == 40:
        y = rng.random(n) < 0.3
    p = expit(rng.normal(size=n) + 2.0 * y - 1.0)
    options = {"objective": f1_objective, "name": "f1", "proba": True}
    whole = calibrated_cuts(p[:, None], y[:, None], np.ones(n), micro=False, **options)
    monkeypatch.setattr(calibrated, "FIT_ROWS", 150)
    sampled = calibrated_cuts(
        p[:, None], y[:, None], np.ones(n), micro=False, **options
    )
    assert np.isfinite(sampled).all()
    assert sampled[0] == pytest.approx(whole[0], abs=0.02)
    robust = tune_thresholds(y.astype(int), p, tuning="robust", random_state=0)
    assert np.isfinite(robust.thresholds)


@settings(max_examples=10, deadline=None, derandomize=True)
@given(seed=st.integers(0, 10_000), exponent=st.sampled_from([-12, -6, -3, 3, 9]))
def test_robust_cut_does_not_depend_on_the_scale_of_the_weights(seed, exponent):
    """Check that multiplying every sample weight by the same factor leaves the
    robust cut unchanged (the calibration's penalty is relative to the summed
    weight: tiny weights used to flatten it)."""
    rng = np.random.default_rng(seed)
    y, p = _gaussian(rng, 300)
    w = rng.integers(1, 4, 300).astype(float)
    base = tune_thresholds(y, p, tuning="robust", sample_weight=w, random_state=0)
    scaled = tune_thresholds(
        y, p, tuning="robust", sample_weight=w * 10.0**exponent, random_state=0
    )
    assert float(scaled.thresholds) == pytest.approx(float(base.thresholds), rel=1e-9)
