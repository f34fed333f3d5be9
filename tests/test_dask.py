"""Dask inputs: every result equals the in-memory result on the same data.

The equality tests of each entry point and problem kind run on a
``distributed.LocalCluster`` of two process workers with a memory limit each (one
cluster for the module). Long tables of cases (every objective, every decode option)
and the metamorphic tests (hypothesis: chunking, partitioning and column order never
change a result) run the same graphs on Dask's synchronous scheduler, in this
process, to stay fast.
"""

import subprocess
import sys
import warnings

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

da = pytest.importorskip("dask.array")
dd = pytest.importorskip("dask.dataframe")
distributed = pytest.importorskip("distributed")
pd = pytest.importorskip("pandas")

import dask  # noqa: E402
from sklearn.frozen import FrozenEstimator  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402
from sklearn.multiclass import OneVsRestClassifier  # noqa: E402

from sklabels import (  # noqa: E402
    Cost,
    FBeta,
    FewPositivesWarning,
    PrecisionAtRecall,
    ProbabilisticLabelClassifier,
    RecallAtPrecision,
    UnreachableConstraintWarning,
    decode,
    tune_thresholds,
)

OBJECTIVES = [
    "f1",
    "balanced_accuracy",
    "youden",
    "mcc",
    "accuracy",
    "jaccard",
    FBeta(2),
    Cost(fp=1, fn=5),
    RecallAtPrecision(0.6),
    PrecisionAtRecall(0.7),
]
CLASSES = np.array(["cat", "dog", "bird"])


@pytest.fixture(scope="module")
def client():
    """Two process workers of 1 GiB each, for the whole module."""
    with (
        distributed.LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            memory_limit="1GiB",
            dashboard_address=":0",
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        yield client


@pytest.fixture
def synchronous():
    with dask.config.set(scheduler="synchronous"):
        yield


def _data(n=600, k=3, seed=0, dtype=np.float32, ties=None):
    rng = np.random.default_rng(seed)
    p = rng.random((n, k))
    if ties:
        p = np.round(p * ties) / ties
    p = p.astype(dtype)
    y = (rng.random((n, k)) < p).astype(int)
    return p, y


def _softmax(p):
    return p / p.sum(axis=1, keepdims=True)


def _chunked(values, chunks):
    return da.from_array(values, chunks=(chunks,) + values.shape[1:])


def _assert_same_tuning(got, ref):
    """Thresholds, objective values, start values and curves all identical."""
    np.testing.assert_array_equal(got.thresholds, ref.thresholds)
    assert got.best_score == ref.best_score or (
        np.isnan(got.best_score) and np.isnan(ref.best_score)
    )
    assert got.class_scores == ref.class_scores
    assert got.start_score == ref.start_score or np.isnan(ref.start_score)
    assert (got.problem, got.scoring, got.average) == (
        ref.problem,
        ref.scoring,
        ref.average,
    )
    np.testing.assert_array_equal(got.classes, ref.classes)
    assert got.pos_label == ref.pos_label
    assert list(got.curves) == list(ref.curves)
    for label, curve in ref.curves.items():
        other = got.curves[label]
        for field in ("thresholds", "scores", "tp", "fp", "fn", "tn"):
            np.testing.assert_array_equal(getattr(other, field), getattr(curve, field))
        assert other.best_threshold == curve.best_threshold


def _warnings_of(call):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = call()
    return result, sorted((w.category.__name__, str(w.message)) for w in caught)


# ------------------------------------------------------------------ the cluster
def test_workers_import_this_sklabels(client):
    """Check that the worker processes run the sklabels under test."""
    import sklabels

    paths = client.run(lambda: __import__("sklabels").__file__)
    assert len(paths) == 2
    assert set(paths.values()) == {sklabels.__file__}


# ------------------------------------------------------------------------ decode
@pytest.mark.parametrize(
    "make, classes, options",
    [
        (lambda p: p[:, 0], ["no", "yes"], {}),
        (lambda p: p[:, 0], ["no", "yes"], {"threshold": 0.3, "pos_label": "no"}),
        (lambda p: _softmax(p[:, :2]), ["no", "yes"], {"threshold": 0.7}),
        (lambda p: _softmax(p), CLASSES, {}),
        (lambda p: np.round(_softmax(p), 3), CLASSES, {}),
        (lambda p: _softmax(p), CLASSES, {"threshold": [0.2, 0.5, 0.3]}),
        (
            lambda p: _softmax(p),
            CLASSES,
            {"reject_threshold": 0.4, "reject_label": "unsure"},
        ),
        (lambda p: np.log(_softmax(p)), CLASSES, {"problem": "multiclass"}),
        (lambda p: p, CLASSES, {}),
        (lambda p: p, CLASSES, {"threshold": {"dog": 0.2}}),
        (lambda p: p * 8 - 4, CLASSES, {"problem": "multilabel", "from_logits": True}),
        (
            lambda p: _softmax(p),
            CLASSES,
            {
                "costs": [[0, 1, 4], [2, 0, 1], [9, 3, 0]],
                "reject_cost": 0.5,
                "reject_label": "?",
            },
        ),
        (
            lambda p: _softmax(p),
            CLASSES,
            {"priors": [0.6, 0.3, 0.1], "train_priors": [0.3, 0.3, 0.4]},
        ),
        (lambda p: p[:, 0], ["no", "yes"], {"costs": [[0, 1], [5, 0]]}),
    ],
)
def test_decode_dask_array_equals_in_memory(synchronous, make, classes, options):
    """Check that decode on a chunked Dask Array is lazy and gives the same labels."""
    p, _ = _data(n=500)
    scores = make(p)
    if options.get("problem") == "multiclass":
        options = {**options, "from_logits": True}
    ref = decode(scores, classes, **options)
    lazy = decode(_chunked(scores, 77), classes, **options)
    assert dask.is_dask_collection(lazy)
    got = lazy.compute()
    if isinstance(ref, list):  # multilabel: the indicator, tuples on request
        indicator = decode(scores, classes, output="indicator", **options)
        assert got.dtype == indicator.dtype == np.int8
        assert lazy.chunks == ((77,) * 6 + (38,), (len(classes),))
        np.testing.assert_array_equal(got, indicator)
        lazy = decode(_chunked(scores, 77), classes, output="tuples", **options)
        assert isinstance(lazy, dask.bag.Bag)
        assert lazy.npartitions == 7  # one partition per row block
        assert lazy.compute() == ref
    else:
        assert lazy.chunks[0] == _chunked(scores, 77).chunks[0]
        assert got.dtype == ref.dtype
        np.testing.assert_array_equal(got, ref)


def test_decode_dask_refuses_per_sample_costs():
    """Check that per-sample costs, which cannot follow Dask blocks, raise at once."""
    p = _softmax(_data(n=40)[0])
    costs = np.ones((40, 3, 3)) - np.eye(3)
    with pytest.raises(ValueError, match="per-sample costs"):
        decode(_chunked(p, 10), CLASSES, costs=costs)
    np.testing.assert_array_equal(
        decode(_chunked(p, 10), CLASSES, costs=costs[0]).compute(),
        decode(p, CLASSES, costs=costs[0]),
    )


def test_decode_dask_on_the_cluster(client):
    """Check binary, rounded multiclass and multilabel decoding on process workers."""
    p, _ = _data(n=500)
    cases = [
        (p[:, 0], ["no", "yes"]),
        (np.round(_softmax(p), 3), CLASSES),
        (p, CLASSES),
    ]
    for scores, classes in cases:
        threshold = 0.4 if len(classes) == 2 else None
        ref = decode(scores, classes, threshold=threshold)
        got = decode(_chunked(scores, 77), classes, threshold=threshold)
        if isinstance(ref, list):
            tuples = decode(_chunked(scores, 77), classes, output="tuples")
            assert tuples.compute() == ref
            ref = decode(scores, classes, output="indicator")
        np.testing.assert_array_equal(got.compute(), ref)


@pytest.mark.parametrize("softmax", [True, False])
def test_decode_dask_dataframe_matches_names(client, softmax):
    """Check that named score columns of a Dask DataFrame are matched by name: any
    column order gives the same labels, with the frame's index (a Series; the
    multilabel indicator: a DataFrame of columns named by the classes)."""
    p, _ = _data(n=400)
    scores = _softmax(p) if softmax else p
    frame = pd.DataFrame(scores, columns=CLASSES)
    ref = decode(frame, CLASSES)
    shuffled = dd.from_pandas(frame[["bird", "cat", "dog"]], npartitions=3)
    got = decode(shuffled, CLASSES).compute()
    pd.testing.assert_index_equal(got.index, frame.index)
    if softmax:
        assert isinstance(got, pd.Series)
        np.testing.assert_array_equal(got.to_numpy(), ref)
        return
    assert list(got.columns) == list(CLASSES)
    indicator = decode(frame, CLASSES, output="indicator")
    np.testing.assert_array_equal(got.to_numpy(), indicator)
    got = decode(shuffled, CLASSES, output="tuples").compute()
    assert isinstance(got, pd.Series)
    assert got.tolist() == ref


def test_decode_dask_dataframe_wrong_names_raise_before_compute():
    """Check that columns that do not name the classes raise at once, as in memory."""
    frame = dd.from_pandas(pd.DataFrame({"a": [0.5], "b": [0.5], "c": [0.0]}), 1)
    with pytest.raises(ValueError, match="matched to classes by name"):
        decode(frame, CLASSES)


@pytest.mark.parametrize(
    "options, message",
    [
        ({"threshold": [0.5, 0.5]}, "one per class|one value per class|3"),
        ({"pos_label": "owl"}, "owl"),
        ({"reject_threshold": 0.5}, "reject_label"),
        ({"problem": "sideways"}, "problem must be one of"),
    ],
)
def test_decode_dask_bad_options_raise_before_compute(options, message):
    """Check that bad options raise the in-memory error when decode is called."""
    scores = _chunked(_softmax(_data(n=50)[0]).astype(np.float64), 10)
    with pytest.raises(ValueError, match=message):
        decode(scores, CLASSES, **options)


def test_decode_dask_ambiguous_rows_raise_as_in_memory(synchronous):
    """Check that scores whose rows mostly sum to 1 ask for problem=, as in memory."""
    p = _softmax(_data(n=40)[0].astype(np.float64))
    p[7] = [0.9, 0.9, 0.9]
    with pytest.raises(ValueError, match=r"row 7 sums to 2\.7") as ref:
        decode(p, CLASSES)
    with pytest.raises(ValueError, match=r"row 7 sums to 2\.7") as got:
        decode(_chunked(p, 6), CLASSES)
    assert str(got.value) == str(ref.value)


def test_decode_dask_nan_raises_at_compute(synchronous):
    """Check that NaN in one block raises the in-memory error when computed."""
    p = _softmax(_data(n=40)[0])
    p[33, 1] = np.nan
    lazy = decode(_chunked(p, 10), CLASSES, problem="multiclass")
    with pytest.raises(ValueError, match="NaN"):
        lazy.compute()


@st.composite
def _score_arrays(draw):
    n = draw(st.integers(1, 60))
    k = draw(st.integers(1, 4))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    p = rng.random((n, k))
    form = draw(st.sampled_from(["sigmoid", "softmax", "rounded", "mixed"]))
    if form != "sigmoid" and k > 1:
        p = _softmax(p)
    if form == "rounded":
        p = np.round(p, draw(st.integers(1, 4)))
    if form == "mixed" and n > 1:
        p[rng.integers(0, n)] = rng.random(k)
    dtype = draw(st.sampled_from([np.float32, np.float64]))
    chunks = draw(st.integers(1, n))
    return p.astype(dtype), chunks


def _outcome(call):
    try:
        out = call()
    except ValueError as exc:
        return "error", str(exc)
    if dask.is_dask_collection(out):
        out = out.compute()
    return "labels", list(out) if isinstance(out, list) else out.tolist()


@settings(
    max_examples=60,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(_score_arrays())
def test_decode_dask_chunking_never_changes_labels(data):
    """Check that problem="auto" on Dask infers what it infers in memory (softmax,
    rounded softmax, sigmoid, ambiguous), whatever the chunking."""
    p, chunks = data
    classes = ["a", "b"] if p.shape[1] == 1 else [f"c{j}" for j in range(p.shape[1])]
    with dask.config.set(scheduler="synchronous"):
        ref = _outcome(lambda: decode(p, classes))
        got = _outcome(lambda: decode(_chunked(p, chunks), classes, output="tuples"))
    assert got == ref


# --------------------------------------------------------------------- tuning
@pytest.mark.parametrize("scoring", OBJECTIVES, ids=repr)
def test_tune_dask_binary_every_objective(synchronous, scoring):
    """Check that every built-in objective tunes the same binary threshold."""
    p, y = _data(n=800, k=1, seed=3)
    labels = np.where(y[:, 0] == 1, "spam", "ham")
    call = dict(pos_label="spam", scoring=scoring)
    ref, ref_warnings = _warnings_of(lambda: tune_thresholds(labels, p[:, 0], **call))
    got, got_warnings = _warnings_of(
        lambda: tune_thresholds(_chunked(labels, 130), _chunked(p[:, 0], 170), **call)
    )
    _assert_same_tuning(got, ref)
    assert got_warnings == ref_warnings


@pytest.mark.parametrize("average", ["macro", "micro"])
@pytest.mark.parametrize("scoring", ["f1", "mcc", Cost(fp=1, fn=3)], ids=repr)
def test_tune_dask_multilabel(client, average, scoring):
    """Check that multilabel tuning (macro and micro) equals the in-memory one,
    with weights and ties, curves included."""
    p, y = _data(n=900, k=4, seed=5, ties=40)
    w = np.random.default_rng(1).integers(0, 4, len(p))
    call = dict(average=average, scoring=scoring)
    ref = tune_thresholds(y, p, sample_weight=w, **call)
    got = tune_thresholds(
        _chunked(y, 100), _chunked(p, 250), sample_weight=_chunked(w, 300), **call
    )
    _assert_same_tuning(got, ref)


@pytest.mark.parametrize("average", ["macro", "micro"])
def test_tune_dask_multiclass_gathers_columns(client, average):
    """Check that multiclass ratio tuning on Dask inputs equals the in-memory one."""
    p, _ = _data(n=600, seed=7)
    p = _softmax(p.astype(np.float64))
    truth = np.random.default_rng(2).choice(CLASSES, len(p))
    ref = tune_thresholds(truth, p, classes=CLASSES, average=average)
    got = tune_thresholds(
        _chunked(truth, 90), _chunked(p, 110), classes=CLASSES, average=average
    )
    _assert_same_tuning(got, ref)


def test_tune_dask_logits_and_dataframes(client):
    """Check logits, DataFrames of named columns (any order) and a labels Series."""
    p, y = _data(n=700, k=3, seed=11)
    logits = np.log(p) - np.log1p(-p)
    truth = pd.DataFrame(y, columns=CLASSES)
    ref = tune_thresholds(truth, logits, from_logits=True, classes=CLASSES)
    scores = dd.from_pandas(
        pd.DataFrame(logits, columns=CLASSES)[["dog", "bird", "cat"]], npartitions=4
    )
    frame_truth = dd.from_pandas(truth[["bird", "cat", "dog"]], npartitions=4)
    got = tune_thresholds(frame_truth, scores, from_logits=True, classes=CLASSES)
    _assert_same_tuning(got, ref)
    labels = pd.Series(np.where(y[:, 0] == 1, "yes", "no"))
    ref = tune_thresholds(labels, p[:, 0], pos_label="yes")
    got = tune_thresholds(
        dd.from_pandas(labels, npartitions=3), _chunked(p[:, 0], 100), pos_label="yes"
    )
    _assert_same_tuning(got, ref)


def test_tune_dask_in_memory_truth_with_dask_scores(synchronous):
    """Check that a NumPy or list y beside Dask scores is cut into the same blocks."""
    p, y = _data(n=300, k=3, seed=13)
    sets = [tuple(CLASSES[np.flatnonzero(row)]) for row in y]
    ref = tune_thresholds(sets, p, classes=CLASSES)
    got = tune_thresholds(sets, _chunked(p, 70), classes=CLASSES)
    _assert_same_tuning(got, ref)


def test_tune_dask_few_positives_warn_alike(synchronous):
    """Check that the warnings (few positives, no positives, constant scores,
    unreachable floors) name the same classes and counts as in memory."""
    p, y = _data(n=400, k=4, seed=17)
    y[:, 0] = 0
    y[5:, 1] = 0
    p[:, 2] = 0.25
    y[:, 3] = np.arange(len(y)) % 2
    y[np.argmax(p[:, 3]), 3] = 0  # no prefix of the ranking is 99% precise
    call = dict(scoring=RecallAtPrecision(0.99))
    ref, ref_warnings = _warnings_of(lambda: tune_thresholds(y, p, **call))
    got, got_warnings = _warnings_of(
        lambda: tune_thresholds(_chunked(y, 60), _chunked(p, 60), **call)
    )
    _assert_same_tuning(got, ref)
    assert got_warnings == ref_warnings
    kinds = {kind for kind, _ in ref_warnings}
    assert kinds == {"FewPositivesWarning", "UnreachableConstraintWarning"}
    assert FewPositivesWarning and UnreachableConstraintWarning


@st.composite
def _tuning_cases(draw):
    n = draw(st.integers(2, 80))
    k = draw(st.integers(1, 3))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    levels = draw(st.sampled_from([3, 10, 1000]))
    p = (np.round(rng.random((n, k)) * levels) / levels).astype(np.float32)
    y = (rng.random((n, k)) < p).astype(int)
    y[0] = 1
    y[1] = 0
    weighted = draw(st.booleans())
    w = rng.integers(0, 3, n) if weighted else None
    return p, y, w, draw(st.integers(1, n)), draw(st.integers(1, n))


@settings(
    max_examples=40,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(_tuning_cases(), st.sampled_from(["f1", "mcc", "youden"]))
def test_tune_dask_chunking_never_changes_thresholds(case, scoring):
    """Check that how scores, truth and weights are chunked never changes the tuned
    thresholds or objective values (ties and zero weights included)."""
    p, y, w, score_chunks, truth_chunks = case
    if w is not None and not w.any():  # refused, whole or chunked
        with pytest.raises(ValueError, match="at least one non-zero") as ref:
            tune_thresholds(y, p, sample_weight=w)
        with pytest.raises(ValueError, match="at least one non-zero") as got:
            tune_thresholds(_chunked(y, 1), _chunked(p, 1), sample_weight=w)
        assert str(got.value) == str(ref.value)
        return
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = tune_thresholds(y, p, sample_weight=w, scoring=scoring)
        with dask.config.set(scheduler="synchronous"):
            got = tune_thresholds(
                _chunked(y, truth_chunks),
                _chunked(p, score_chunks),
                sample_weight=None if w is None else _chunked(w, truth_chunks),
                scoring=scoring,
            )
    _assert_same_tuning(got, ref)


def _tables_refused(*args, **kwargs):
    raise AssertionError("the merged tables were built: not the bounded path")


@pytest.mark.parametrize(
    "dtype, ties, weighted",
    [(np.float32, None, False), (np.float64, 25, True)],
    ids=["float32", "float64-ties-weights"],
)
@pytest.mark.parametrize("scoring", OBJECTIVES, ids=repr)
def test_tune_dask_bounded_equals_in_memory(
    client, monkeypatch, scoring, dtype, ties, weighted
):
    """Check that the bounded-memory passes (the default without curves) give the
    in-memory thresholds, values and warnings: binary and multilabel macro, with a
    constant column."""
    monkeypatch.setattr("sklabels._dask._tune._tune_tables", _tables_refused)
    p, y = _data(n=500, k=3, seed=19, dtype=dtype, ties=ties)
    p[:, 1] = dtype(0.3)
    w = np.random.default_rng(4).integers(0, 4, len(p)) if weighted else None
    wd = None if w is None else _chunked(w, 90)
    call = dict(scoring=scoring, return_curves=False)
    ref, ref_warnings = _warnings_of(
        lambda: tune_thresholds(y, p, sample_weight=w, **call)
    )
    got, got_warnings = _warnings_of(
        lambda: tune_thresholds(
            _chunked(y, 70), _chunked(p, 120), sample_weight=wd, **call
        )
    )
    _assert_same_tuning(got, ref)
    assert got_warnings == ref_warnings
    labels = np.where(y[:, 0] == 1, "spam", "ham")
    call["pos_label"] = "spam"
    ref = tune_thresholds(labels, p[:, 0], sample_weight=w, **call)
    got = tune_thresholds(
        _chunked(labels, 70), _chunked(p[:, 0], 120), sample_weight=wd, **call
    )
    _assert_same_tuning(got, ref)


@pytest.mark.parametrize("scoring", ["f1", "mcc", RecallAtPrecision(0.6)], ids=repr)
def test_tune_dask_bounded_micro_and_logits(client, monkeypatch, scoring):
    """Check the bounded passes on the micro average (one pooled tuner, each
    label's own value) and on logits (the probability of each cut), as in memory."""
    monkeypatch.setattr("sklabels._dask._tune._tune_tables", _tables_refused)
    p, y = _data(n=600, k=3, seed=23, dtype=np.float64, ties=50)
    p = np.clip(p, 0.01, 0.99)
    logits = (np.log(p) - np.log1p(-p)).astype(np.float32)
    w = np.random.default_rng(5).integers(0, 3, len(p))
    for average, scores in [("micro", p), ("macro", logits), ("micro", logits)]:
        call = dict(scoring=scoring, average=average, return_curves=False)
        call["from_logits"] = scores is logits
        ref = tune_thresholds(y, scores, sample_weight=w, **call)
        got = tune_thresholds(
            _chunked(y, 80),
            _chunked(scores, 130),
            sample_weight=_chunked(w, 80),
            **call,
        )
        _assert_same_tuning(got, ref)


def test_tune_dask_bounded_falls_back_to_tables(synchronous, monkeypatch):
    """Check that where the bound is exceeded the merged tables give the result."""
    from sklabels._bounded import BoundExceeded

    def exceeded(*args, **kwargs):
        raise BoundExceeded("too many candidates")

    monkeypatch.setattr("sklabels._dask._tune.tune_in_passes", exceeded)
    p, y = _data(n=300, k=2, seed=29)
    ref = tune_thresholds(y, p, return_curves=False)
    got = tune_thresholds(_chunked(y, 70), _chunked(p, 70), return_curves=False)
    _assert_same_tuning(got, ref)


def test_classifier_dask_fit_bounded_without_cv_results(client, monkeypatch):
    """Check that fit on Dask inputs without store_cv_results tunes in bounded
    memory and equals the in-memory fit."""
    monkeypatch.setattr("sklabels._dask._tune._tune_tables", _tables_refused)
    rng = np.random.default_rng(31)
    X = rng.normal(size=(600, 4))
    y = (X[:, :3] + rng.normal(size=(600, 3)) > 0.3).astype(int)
    model = OneVsRestClassifier(LogisticRegression()).fit(X[:200], y[:200])
    params = dict(threshold="auto", scoring="f1", tuning="exact")
    ref = ProbabilisticLabelClassifier(FrozenEstimator(model), **params)
    ref.fit(X[200:], y[200:])
    got = ProbabilisticLabelClassifier(FrozenEstimator(model), **params)
    got.fit(da.from_array(X[200:], chunks=(70, 4)), da.from_array(y[200:], chunks=70))
    np.testing.assert_array_equal(got.thresholds_, ref.thresholds_)
    assert got.best_score_ == ref.best_score_


def test_tune_dask_inconsistent_lengths_raise(synchronous):
    """Check that scores and labels of different lengths raise scikit-learn's error."""
    p, y = _data(n=100, k=2)
    with pytest.raises(ValueError, match="inconsistent numbers of samples"):
        tune_thresholds(_chunked(y[:90], 30), _chunked(p, 30))


def test_decode_dask_bag_is_refused():
    """Check that a dask Bag (no row order) is refused with the fix."""
    bag = dask.bag.from_sequence([(0.1,), (0.9,)])
    with pytest.raises(TypeError, match="dask Bag"):
        decode(bag, ["a", "b"])


# ----------------------------------------------------------------- the classifier
def _lazy_method_results(clf, X, lazy_X, methods):
    for method in methods:
        ref = getattr(clf, method)(X)
        lazy = getattr(clf, method)(lazy_X)
        assert dask.is_dask_collection(lazy), method
        got = lazy.compute()
        if isinstance(ref, list) and method == "predict":  # the indicator
            assert got.dtype == np.int8
            np.testing.assert_array_equal(
                got, [np.isin(clf.classes_, row) for row in ref]
            )
        elif isinstance(ref, list):
            assert list(got) == ref, method
        else:
            if hasattr(got, "to_numpy"):  # pandas keeps text labels as objects
                got = got.to_numpy()
                assert got.dtype == ref.dtype or ref.dtype.kind == "U", method
            else:
                assert got.dtype == ref.dtype, method
            np.testing.assert_array_equal(got, ref, err_msg=method)


def test_classifier_dask_array_and_dataframe(client):
    """Check predict, predict_labels, predict_proba and decision_function on a Dask
    Array and a Dask DataFrame, partition by partition, against in memory."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(500, 4))
    y = CLASSES[np.argmax(X[:, :3] + rng.normal(size=(500, 3)), axis=1)]
    frame = pd.DataFrame(X, columns=["a", "b", "c", "d"])
    clf = ProbabilisticLabelClassifier(
        LogisticRegression(), threshold=[0.3, 0.5, 0.4]
    ).fit(frame, y)
    methods = ["predict", "predict_labels", "predict_proba", "decision_function"]
    _lazy_method_results(clf, frame, dd.from_pandas(frame, npartitions=4), methods)
    clf = ProbabilisticLabelClassifier(
        LogisticRegression(), reject_threshold=0.5, reject_label="unsure"
    ).fit(X, y)
    _lazy_method_results(clf, X, da.from_array(X, chunks=(90, 2)), methods)


@pytest.mark.parametrize("form", ["indicator", "sets"])
def test_classifier_dask_multilabel(client, form):
    """Check multilabel predictions: an indicator Dask Array (also for label-set
    y), and predict_labels' Bag of tuples."""
    rng = np.random.default_rng(1)
    X = rng.normal(size=(400, 4))
    Y = (X[:, :3] + rng.normal(size=(400, 3)) > 0).astype(int)
    y = Y if form == "indicator" else [tuple(np.flatnonzero(r)) for r in Y]
    clf = ProbabilisticLabelClassifier(OneVsRestClassifier(LogisticRegression()))
    clf.fit(X, y)
    _lazy_method_results(
        clf,
        X,
        da.from_array(X, chunks=(75, 4)),
        ["predict", "predict_labels", "predict_proba"],
    )


class _CountingModel(LogisticRegression):
    """Counts the rows it scores, in this process (synchronous scheduler)."""

    scored = 0

    def predict_proba(self, X):
        type(self).scored += len(X)
        return super().predict_proba(X)


def test_classifier_dask_nothing_computed_until_asked(synchronous):
    """Check that predict on Dask X builds a graph only; set_params afterwards does
    not change it (the decision parameters are those of the call)."""
    rng = np.random.default_rng(2)
    X = rng.normal(size=(300, 3))
    y = (X[:, 0] > 0).astype(int)
    clf = ProbabilisticLabelClassifier(_CountingModel(), threshold=0.3).fit(X, y)
    _CountingModel.scored = 0
    lazy = clf.predict(da.from_array(X, chunks=50))
    assert _CountingModel.scored == 0
    expected = clf.predict(X)
    clf.set_params(threshold=0.9)
    np.testing.assert_array_equal(lazy.compute(), expected)
    assert _CountingModel.scored == 2 * len(X)


@pytest.mark.parametrize("problem", ["binary", "multiclass", "multilabel"])
@pytest.mark.parametrize("weighted", [False, True])
def test_classifier_dask_fit_frozen_auto(client, problem, weighted):
    """Check threshold="auto" around a FrozenEstimator on Dask X and y: the scores
    of every partition tuned exactly as in memory."""
    rng = np.random.default_rng(3)
    X = rng.normal(size=(700, 4))
    raw = X[:, :3] + rng.normal(size=(700, 3))
    if problem == "binary":
        y, model = (raw[:, 0] > 0.5).astype(int), LogisticRegression()
    elif problem == "multiclass":
        y, model = np.argmax(raw, axis=1), LogisticRegression()
    else:
        y, model = (raw > 0.3).astype(int), OneVsRestClassifier(LogisticRegression())
    model.fit(X[:300], y[:300])
    w = rng.integers(1, 4, 400) if weighted else None
    params = dict(threshold="auto", scoring="f1", store_cv_results=True)
    params["tuning"] = "exact"  # "robust" needs the rows in memory (it raises)
    ref = ProbabilisticLabelClassifier(FrozenEstimator(model), **params)
    ref.fit(X[300:], y[300:], sample_weight=w)
    got = ProbabilisticLabelClassifier(FrozenEstimator(model), **params)
    Xd = da.from_array(X[300:], chunks=(60, 4))
    yd = da.from_array(y[300:], chunks=(60,) + y.shape[1:])
    wd = None if w is None else da.from_array(w, chunks=60)
    got.fit(Xd, yd, sample_weight=wd)
    np.testing.assert_array_equal(got.thresholds_, ref.thresholds_)
    assert got.best_score_ == ref.best_score_
    np.testing.assert_array_equal(got.classes_, ref.classes_)
    np.testing.assert_array_equal(
        got.cv_results_["pooled_thresholds"], ref.cv_results_["pooled_thresholds"]
    )
    assert list(got.cv_results_["curves"]) == list(ref.cv_results_["curves"])
    np.testing.assert_array_equal(got.predict(X), ref.predict(X))
    with pytest.raises(ValueError, match="tuning='exact'"):
        got.set_params(tuning="robust").fit(Xd, yd, sample_weight=wd)


def test_classifier_dask_fit_needs_a_frozen_model(synchronous):
    """Check that fitting an unfrozen model on Dask inputs says what to do."""
    X = da.from_array(np.zeros((10, 2)), chunks=5)
    y = da.from_array(np.arange(10) % 2, chunks=5)
    with pytest.raises(TypeError, match="FrozenEstimator"):
        ProbabilisticLabelClassifier(LogisticRegression()).fit(X, y)


# ------------------------------------------------------------ without dask
def test_package_imports_without_dask():
    """Check that sklabels imports and decodes with dask made unimportable."""
    code = (
        "import sys; sys.modules['dask'] = None\n"
        "from sklabels import decode, tune_thresholds\n"
        "print(decode([[0.2], [0.9]], ['no', 'yes']).tolist())\n"
        "print(tune_thresholds([0, 1, 1, 0], [0.1, 0.8, 0.6, 0.4]).thresholds)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    assert "['no', 'yes']" in result.stdout


@pytest.mark.parametrize("form", ["sparse", "column", "onehot"])
def test_classifier_dask_predict_mirrors_every_y_form(synchronous, form):
    """Check that predict on Dask X returns the form of y in fit: CSR blocks for a
    sparse indicator, a column of labels, a one-hot matrix."""
    import scipy.sparse as sp

    rng = np.random.default_rng(4)
    X = rng.normal(size=(300, 4))
    codes = np.argmax(X[:, :3] + rng.normal(size=(300, 3)), axis=1)
    model = LogisticRegression()
    if form == "sparse":
        y = sp.csr_matrix((X[:, :3] + rng.normal(size=(300, 3)) > 0).astype(int))
        model = OneVsRestClassifier(model)
    else:
        y = codes.reshape(-1, 1) if form == "column" else np.eye(3, dtype=int)[codes]
    clf = ProbabilisticLabelClassifier(model).fit(X, y)
    ref = clf.predict(X)
    got = clf.predict(da.from_array(X, chunks=(70, 4))).compute()
    if form == "sparse":
        assert sp.issparse(got)
        assert (got != ref).nnz == 0
    else:
        assert got.shape == ref.shape
        np.testing.assert_array_equal(got, ref)


@settings(
    max_examples=12,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(
    st.permutations(list(CLASSES)),
    st.integers(1, 5),
    st.integers(0, 2**32 - 1),
    st.booleans(),
)
def test_dask_named_columns_in_any_order(order, npartitions, seed, softmax):
    """Check that permuting named score columns (and indicator truth columns) of Dask
    DataFrames, and their partitioning, never change labels or thresholds."""
    p, y = _data(n=120, seed=seed % 1000)
    scores = _softmax(p) if softmax else p
    frame = pd.DataFrame(scores, columns=CLASSES)
    truth = pd.DataFrame(y, columns=CLASSES)
    with dask.config.set(scheduler="synchronous"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref_labels = decode(frame, CLASSES)
        lazy_scores = dd.from_pandas(frame[order], npartitions=npartitions)
        got_labels = decode(lazy_scores, CLASSES, output="tuples").compute()
        assert list(got_labels) == list(ref_labels)
        if softmax:
            return
        ref = tune_thresholds(truth, frame, classes=CLASSES)
        lazy_truth = dd.from_pandas(truth[order[::-1]], npartitions=npartitions)
        got = tune_thresholds(lazy_truth, lazy_scores, classes=CLASSES)
    _assert_same_tuning(got, ref)


def test_tune_dask_chunks_of_unknown_size(synchronous):
    """Check that an Array of unknown chunk sizes (``to_dask_array()``) beside a
    Series is measured and cut like it."""
    p, y = _data(n=200, k=1, seed=19)
    frame = dd.from_pandas(pd.DataFrame({"s": p[:, 0], "y": y[:, 0]}), npartitions=3)
    scores = frame[["s"]].to_dask_array()
    assert np.isnan(scores.chunks[0]).any()
    ref = tune_thresholds(y[:, 0], p[:, 0])
    got = tune_thresholds(frame["y"].repartition(npartitions=2), scores)
    _assert_same_tuning(got, ref)


@pytest.mark.parametrize("tuning", ["exact", "robust"])
def test_classifier_dask_fit_cost_matrix_says_memory_not_tuning(synchronous, tuning):
    """Check that CostMatrix tuning on Dask inputs asks for in-memory inputs, never
    for the tuning='exact' that is already set."""
    from sklabels import CostMatrix

    rng = np.random.default_rng(0)
    X = rng.normal(size=(80, 2))
    y = (X[:, 0] > 0).astype(int)
    model = FrozenEstimator(LogisticRegression().fit(X, y))
    clf = ProbabilisticLabelClassifier(
        model, threshold="auto", scoring=CostMatrix([[0, 1], [5, 0]]), tuning=tuning
    )
    Xd, yd = da.from_array(X, chunks=40), da.from_array(y, chunks=40)
    with pytest.raises(ValueError, match="CostMatrix") as info:
        clf.fit(Xd, yd)
    assert "tuning=" not in str(info.value)
    assert "NumPy or pandas" in str(info.value)


EMPTY_CHUNKS = (0, 40, 0, 0, 60, 0)  # zero-length chunks first, between and last


@pytest.mark.parametrize("problem", ["binary", "multiclass", "multilabel"])
def test_dask_zero_length_chunks_give_the_in_memory_results(synchronous, problem):
    """Check that decode, tune_thresholds, fit and predict on Dask inputs with
    zero-length chunks give exactly the results of the same rows in memory."""
    p, y = _data(n=100, seed=5)
    if problem == "binary":
        p, y = p[:, 1], y[:, 1]
    elif problem == "multiclass":
        p, y = _softmax(p), np.argmax(p + 0.3 * y, axis=1)
    classes = [0, 1] if problem == "binary" else [0, 1, 2]
    pd_, yd = _chunked(p, EMPTY_CHUNKS), _chunked(y, EMPTY_CHUNKS)
    assert 0 in pd_.chunks[0]
    options = dict(classes=classes, problem=problem)
    got = decode(pd_, output="tuples", **options)
    ref = decode(p, **options)
    got = got.compute()
    if problem == "multilabel":
        assert list(got) == list(ref)
    else:
        np.testing.assert_array_equal(got, ref)
    if problem != "multilabel":  # problem="auto" reads the row sums of every block
        auto = decode(pd_, classes=classes).compute()
        np.testing.assert_array_equal(auto, decode(p, classes=classes))
    _assert_same_tuning(
        tune_thresholds(yd, pd_, **options), tune_thresholds(y, p, **options)
    )
    X = np.column_stack([p, -p]) if p.ndim == 2 else np.column_stack([p, -p, p**2])
    model = LogisticRegression()
    if problem == "multilabel":
        model = OneVsRestClassifier(model)
    model.fit(X, y)
    params = dict(threshold="auto", tuning="exact")
    ref_clf = ProbabilisticLabelClassifier(FrozenEstimator(model), **params)
    ref_clf.fit(X, y)
    Xd = _chunked(X, EMPTY_CHUNKS)
    got_clf = ProbabilisticLabelClassifier(FrozenEstimator(model), **params)
    got_clf.fit(Xd, yd)
    np.testing.assert_array_equal(got_clf.thresholds_, ref_clf.thresholds_)
    np.testing.assert_array_equal(got_clf.predict(Xd).compute(), ref_clf.predict(X))
    np.testing.assert_array_equal(
        got_clf.predict_proba(Xd).compute(), ref_clf.predict_proba(X)
    )


def test_dask_empty_dataframe_partitions_give_the_in_memory_results(synchronous):
    """Check that decode and predict on a Dask DataFrame with empty partitions give
    the labels of the same rows in memory, with the input's index."""
    pd = pytest.importorskip("pandas")
    dd = pytest.importorskip("dask.dataframe")
    p, _ = _data(n=60, seed=6)
    p = _softmax(p)
    frame = pd.DataFrame(p, columns=["a", "b", "c"])
    parts = [frame.iloc[:0], frame.iloc[:25], frame.iloc[25:25], frame.iloc[25:]]
    ddf = dd.concat([dd.from_pandas(part, npartitions=1) for part in parts])
    assert 0 in ddf.map_partitions(len).compute().tolist()
    got = decode(ddf, classes=["a", "b", "c"]).compute()
    np.testing.assert_array_equal(
        got.to_numpy(), decode(frame, classes=["a", "b", "c"])
    )
    np.testing.assert_array_equal(got.index, frame.index)
    y = np.argmax(p, axis=1)
    model = LogisticRegression().fit(frame, y)
    clf = ProbabilisticLabelClassifier(FrozenEstimator(model)).fit(frame, y)
    np.testing.assert_array_equal(
        clf.predict(ddf).compute().to_numpy(), clf.predict(frame)
    )
