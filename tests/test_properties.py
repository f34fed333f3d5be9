"""Property-based tests: round trips of every target form, identities of the rules."""

import numpy as np
import scipy.sparse as sp
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from numpy.testing import assert_array_equal
from sklearn.neighbors import KNeighborsClassifier

from sklabels import ProbabilisticLabelClassifier, decode
from sklabels._rules import binary_codes, multiclass_codes
from sklabels._targets import fit_target

LABEL_POOLS = {
    "int": st.integers(-1000, 1000),
    "str": st.text(alphabet="abcxyz-_ é", min_size=0, max_size=12),
    "bool": st.booleans(),
}


@st.composite
def single_label_targets(draw):
    """A 1-D label array with at least two distinct labels of one dtype."""
    pool = draw(st.sampled_from(sorted(LABEL_POOLS)))
    labels = draw(st.lists(LABEL_POOLS[pool], min_size=2, max_size=6, unique=True))
    n = draw(st.integers(len(labels), 40))
    picks = draw(st.lists(st.sampled_from(labels), min_size=n, max_size=n))
    picks[: len(labels)] = labels  # every label occurs
    return np.asarray(picks)


@st.composite
def label_set_targets(draw):
    """A list of label tuples over 1 to 6 labels of one dtype (rows may be empty)."""
    pool = draw(st.sampled_from(sorted(LABEL_POOLS)))
    labels = draw(st.lists(LABEL_POOLS[pool], min_size=1, max_size=6, unique=True))
    n = draw(st.integers(1, 30))
    rows = [
        tuple(
            draw(st.lists(st.sampled_from(labels), max_size=len(labels), unique=True))
        )
        for _ in range(n)
    ]
    rows[0] = tuple(labels)  # every label occurs
    return rows


def _same_sets(a, b):
    return [set(r) for r in a] == [set(r) for r in b]


@settings(max_examples=60, deadline=None)
@given(y=single_label_targets())
def test_single_label_forms_round_trip(y):
    """Check that encode then decode gives back labels, column and one-hot forms."""
    enc, codes = fit_target(y)
    decoded = enc.decode(codes)
    assert decoded.dtype == y.dtype
    assert_array_equal(decoded, y)
    enc_col, codes_col = fit_target(y[:, None])
    assert_array_equal(enc_col.decode(codes_col), y[:, None])
    onehot = (y[:, None] == enc.classes).astype(np.int8)
    enc_hot, codes_hot = fit_target(onehot, classes=enc.classes)
    assert_array_equal(enc_hot.decode(codes_hot), onehot)
    assert_array_equal(enc_hot.names(codes_hot), y)


@settings(max_examples=60, deadline=None)
@given(rows=label_set_targets())
def test_label_sets_round_trip(rows):
    """Check that label sets, indicator and sparse forms round-trip."""
    enc, indicator = fit_target(rows, problem="multilabel")
    assert _same_sets(enc.decode(indicator), rows)
    assert all(isinstance(r, tuple) for r in enc.decode(indicator))
    enc_ind, ind = fit_target(indicator, problem="multilabel", classes=enc.classes)
    assert_array_equal(enc_ind.decode(ind), indicator)
    assert _same_sets(enc_ind.names(ind), rows)
    enc_sp, ind_sp = fit_target(sp.csr_matrix(indicator), classes=enc.classes)
    assert_array_equal(enc_sp.decode(ind_sp).toarray(), indicator)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(y=single_label_targets(), form=st.sampled_from(["labels", "column", "onehot"]))
def test_classifier_round_trip_single_label(y, form):
    """Check that a 1-nearest-neighbour model returns y itself, in y's form."""
    X = np.arange(len(y), dtype=float)[:, None]
    classes = np.unique(y)
    target = {
        "labels": y,
        "column": y[:, None],
        "onehot": (y[:, None] == classes).astype(int),
    }[form]
    clf = ProbabilisticLabelClassifier(
        KNeighborsClassifier(n_neighbors=1), classes=classes
    )
    pred = clf.fit(X, target).predict(X)
    assert_array_equal(pred, target)
    assert_array_equal(clf.predict_labels(X), y)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=label_set_targets())
def test_classifier_round_trip_label_sets(rows):
    """Check that a 1-nearest-neighbour model returns the label sets it was fit on."""
    X = np.arange(len(rows), dtype=float)[:, None]
    clf = ProbabilisticLabelClassifier(KNeighborsClassifier(n_neighbors=1))
    pred = clf.fit(X, rows).predict(X)
    assert all(isinstance(r, tuple) for r in pred)
    assert _same_sets(pred, rows)


probabilities = st.floats(0, 1, allow_nan=False, width=64)


@settings(max_examples=200, deadline=None)
@given(
    p=hnp.arrays(np.float64, st.integers(1, 50), elements=probabilities),
    tau=st.floats(1e-6, 1 - 1e-6),
)
def test_two_class_ratio_rule_is_binary_rule(p, tau):
    """Check that multiclass thresholds (1 - tau, tau) equal the binary rule at tau."""
    values = np.column_stack([1 - p, p])
    ratio = multiclass_codes(values, np.array([1 - tau, tau]), "proba")
    assert_array_equal(ratio, binary_codes(values, tau, 1))
    assert_array_equal(ratio, (p >= tau).astype(int))
    names = np.array(["neg", "pos"])
    assert_array_equal(
        decode(values, names, problem="multiclass", threshold=[1 - tau, tau]),
        decode(p, names, threshold=tau),
    )


@settings(max_examples=100, deadline=None)
@given(
    raw=hnp.arrays(
        np.float64,
        st.tuples(st.integers(1, 30), st.integers(3, 8)),
        elements=st.floats(1e-3, 1, allow_nan=False),
    )
)
def test_decode_default_is_argmax(raw):
    """Check that decode on softmax rows with default thresholds is argmax."""
    proba = raw / raw.sum(axis=1, keepdims=True)
    classes = np.array([f"c{i}" for i in range(raw.shape[1])])
    expected = classes[np.argmax(proba, axis=1)]
    assert_array_equal(decode(proba, classes, problem="multiclass"), expected)
    assert_array_equal(decode(proba, classes), expected)  # auto: rows sum to 1


@settings(max_examples=100, deadline=None)
@given(
    proba=hnp.arrays(
        np.float64,
        st.tuples(st.integers(1, 30), st.integers(1, 8)),
        elements=probabilities,
    )
)
def test_decode_default_is_half_threshold(proba):
    """Check that decode on sigmoid columns with default thresholds is >= 0.5."""
    k = proba.shape[1]
    classes = np.arange(10, 10 + max(k, 2))
    if k == 1:
        expected = classes[(proba[:, 0] >= 0.5).astype(int)]
        assert_array_equal(decode(proba, classes), expected)
        assert_array_equal(decode(proba[:, 0], classes), expected)
        return
    expected = [tuple(classes[row >= 0.5].tolist()) for row in proba]
    assert decode(proba, classes, problem="multilabel") == expected


@settings(max_examples=100, deadline=None)
@given(
    logits=hnp.arrays(
        np.float64,
        st.tuples(st.integers(1, 30), st.integers(3, 6)),
        elements=st.floats(-800, 800, allow_nan=False),
    )
)
def test_decode_logits_stable(logits):
    """Check that huge logits decode like their argmax / sign, without overflow."""
    k = logits.shape[1]
    classes = np.arange(k)
    assert_array_equal(
        decode(logits, classes, problem="multiclass", from_logits=True),
        np.argmax(logits, axis=1),
    )
    assert decode(logits, classes, problem="multilabel", from_logits=True) == [
        tuple(classes[row >= 0].tolist()) for row in logits
    ]
