"""sklabels._targets: problem inference, target encoding and decoding, label look-ups.

Every expected value is computed independently: by scikit-learn's ``LabelEncoder`` and
``MultiLabelBinarizer``, or by hand with numpy.
"""

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_array_equal
from sklearn.preprocessing import LabelEncoder, MultiLabelBinarizer

from sklabels._targets import (
    TargetEncoding,
    as_class_array,
    binary_positive_index,
    check_sequence_label_types,
    fit_target,
    indicator_to_tuples,
    label_codes,
    truth_positive_index,
    with_extra_label,
)

SEEDED = settings(derandomize=True, deadline=None, max_examples=40)

LABEL_POOLS = {
    "int": st.integers(-50, 50),
    "str": st.text(alphabet="abcxyz_", min_size=1, max_size=5),
}


@st.composite
def single_labels(draw):
    """A 1-D label array (ints or strings) in which every drawn label occurs."""
    pool = LABEL_POOLS[draw(st.sampled_from(sorted(LABEL_POOLS)))]
    labels = draw(st.lists(pool, min_size=2, max_size=6, unique=True))
    extra = draw(st.lists(st.sampled_from(labels), max_size=20))
    order = draw(st.permutations(labels + extra))
    return np.asarray(order)


@st.composite
def label_sets(draw):
    """A list of label tuples over 1 to 5 labels of one type (rows may be empty)."""
    pool = LABEL_POOLS[draw(st.sampled_from(sorted(LABEL_POOLS)))]
    labels = draw(st.lists(pool, min_size=1, max_size=5, unique=True))
    rows = draw(
        st.lists(
            st.lists(st.sampled_from(labels), max_size=len(labels), unique=True).map(
                tuple
            ),
            min_size=1,
            max_size=15,
        )
    )
    return [tuple(labels), *rows]  # every label occurs


# ----------------------------------------------------------------------------------
# fit_target: every form of y
# ----------------------------------------------------------------------------------


@SEEDED
@given(y=single_labels())
def test_fit_target_labels_match_label_encoder(y):
    """Check that 1-D labels get LabelEncoder's classes and codes, and decode back."""
    encoding, codes = fit_target(y)
    reference = LabelEncoder().fit(y)
    assert encoding.form == "labels"
    assert encoding.problem == ("binary" if len(set(y)) == 2 else "multiclass")
    assert_array_equal(encoding.classes, reference.classes_)
    assert_array_equal(codes, reference.transform(y))
    decoded = encoding.decode(codes)
    assert decoded.dtype == y.dtype
    assert_array_equal(decoded, y)


def test_fit_target_column_vector_keeps_its_shape():
    """Check that an (n, 1) y is read as labels and decodes to (n, 1) of its dtype."""
    y = np.array([["b"], ["a"], ["c"], ["a"]])
    encoding, codes = fit_target(y)
    assert (encoding.problem, encoding.form) == ("multiclass", "column")
    assert_array_equal(codes, LabelEncoder().fit_transform(y.ravel()))
    decoded = encoding.decode(codes)
    assert decoded.shape == (4, 1)
    assert decoded.dtype == y.dtype
    assert_array_equal(decoded, y)


def test_fit_target_column_vector_is_one_label_indicator_when_multilabel():
    """Check that an (n, 1) 0/1 y with problem='multilabel' is a one-label indicator."""
    y = np.array([[1], [0], [1]], dtype=np.int8)
    encoding, indicator = fit_target(y, problem="multilabel")
    assert (encoding.problem, encoding.form) == ("multilabel", "indicator")
    assert_array_equal(encoding.classes, [0])
    assert_array_equal(indicator, y)
    decoded = encoding.decode(indicator)
    assert decoded.dtype == np.int8
    assert_array_equal(decoded, y)


def test_fit_target_two_column_onehot_is_binary():
    """Check that a two-column one-hot y is binary, coded by the column of its 1."""
    y = np.array([[1, 0], [0, 1], [0, 1], [1, 0]])
    encoding, codes = fit_target(y)
    assert (encoding.problem, encoding.form) == ("binary", "onehot")
    assert_array_equal(encoding.classes, [0, 1])
    assert_array_equal(codes, [0, 1, 1, 0])


def test_fit_target_onehot_with_classes_names_the_columns():
    """Check that classes= names one-hot columns in order and decode keeps the dtype."""
    y = np.array([[0, 0, 1], [1, 0, 0], [0, 1, 0]], dtype=np.uint8)
    encoding, codes = fit_target(y, classes=["z", "x", "y"])
    assert (encoding.problem, encoding.form) == ("multiclass", "onehot")
    assert_array_equal(encoding.classes, ["z", "x", "y"])
    assert_array_equal(codes, [2, 0, 1])
    decoded = encoding.decode(codes)
    assert decoded.dtype == np.uint8
    assert_array_equal(decoded, y)
    assert_array_equal(encoding.names(codes), ["y", "z", "x"])


def test_fit_target_onehot_forced_multilabel_is_indicator():
    """Check that problem='multilabel' reads a one-1-per-row matrix as an indicator."""
    y = np.eye(3, dtype=np.int64)[[0, 1, 2, 1]]
    encoding, indicator = fit_target(y, problem="multilabel")
    assert (encoding.problem, encoding.form) == ("multilabel", "indicator")
    assert_array_equal(indicator, y)


def test_fit_target_indicator_is_multilabel_and_keeps_dtype():
    """Check that a 0/1 matrix with several 1s per row is multilabel, names 0..k-1."""
    y = np.array([[1, 1, 0], [0, 0, 0], [1, 0, 1]], dtype=np.int8)
    encoding, indicator = fit_target(y)
    assert (encoding.problem, encoding.form) == ("multilabel", "indicator")
    assert_array_equal(encoding.classes, [0, 1, 2])
    assert_array_equal(indicator, y)
    assert encoding.decode(indicator).dtype == np.int8
    assert encoding.names(indicator) == [(0, 1), (), (0, 2)]


def test_fit_target_sparse_is_multilabel_even_with_one_label_per_row():
    """Check that a sparse 0/1 y is multilabel and decodes to an equal CSR matrix."""
    dense = np.eye(3, dtype=np.int8)[[0, 2, 1]]
    encoding, indicator = fit_target(sp.csc_matrix(dense))
    assert (encoding.problem, encoding.form) == ("multilabel", "sparse")
    assert_array_equal(indicator, dense)
    decoded = encoding.decode(indicator)
    assert sp.issparse(decoded) and decoded.format == "csr"
    assert decoded.dtype == np.int8
    assert_array_equal(decoded.toarray(), dense)


def test_fit_target_dataframe_columns_name_the_labels():
    """Check that an indicator DataFrame's column names become the classes."""
    y = pd.DataFrame({"sky": [1, 0, 1], "sea": [1, 1, 0], "sand": [0, 0, 1]})
    encoding, indicator = fit_target(y)
    assert encoding.problem == "multilabel"
    assert_array_equal(encoding.classes, ["sky", "sea", "sand"])
    assert_array_equal(indicator, y.to_numpy())
    assert encoding.names(indicator) == [("sky", "sea"), ("sea",), ("sky", "sand")]


def test_fit_target_dataframe_is_reordered_to_classes():
    """Check that classes= reorders DataFrame columns by name, not by position."""
    y = pd.DataFrame({"a": [1, 0, 1], "b": [0, 1, 1], "c": [1, 1, 0]})
    encoding, indicator = fit_target(y, classes=["c", "a", "b"])
    assert_array_equal(encoding.classes, ["c", "a", "b"])
    assert_array_equal(indicator, y[["c", "a", "b"]].to_numpy())


def test_fit_target_dataframe_of_mixed_bool_and_int_columns():
    """Check that a DataFrame mixing bool and int 0/1 columns is read as numbers."""
    y = pd.DataFrame({"a": [True, False, True], "b": [1, 1, 0]})
    encoding, indicator = fit_target(y)
    assert_array_equal(encoding.classes, ["a", "b"])
    assert_array_equal(indicator, [[1, 1], [0, 1], [1, 0]])


@pytest.mark.parametrize(
    ("classes", "message"),
    [(["c", "a", "x"], "does not name the columns"), (["c", "a"], "3 columns")],
)
def test_fit_target_dataframe_classes_that_differ_raise(classes, message):
    """Check that classes= not naming a DataFrame's columns raises ValueError."""
    y = pd.DataFrame({"a": [1, 0], "b": [0, 1], "c": [1, 1]})
    with pytest.raises(ValueError, match=message):
        fit_target(y, classes=classes)


@SEEDED
@given(rows=label_sets())
def test_fit_target_label_sets_match_multilabel_binarizer(rows):
    """Check that label sets get MultiLabelBinarizer's classes, matrix and inverse."""
    encoding, indicator = fit_target(rows)
    mlb = MultiLabelBinarizer().fit(rows)
    assert (encoding.problem, encoding.form) == ("multilabel", "sets")
    assert encoding.classes.tolist() == list(mlb.classes_)
    assert_array_equal(indicator, mlb.transform(rows))
    assert encoding.decode(indicator) == mlb.inverse_transform(mlb.transform(rows))


def test_fit_target_label_sets_keep_the_given_class_order():
    """Check that classes= orders label-set columns and may name unseen labels."""
    encoding, indicator = fit_target(
        [{"a"}, {"a", "b"}, set()], classes=["b", "a", "z"]
    )
    assert_array_equal(encoding.classes, ["b", "a", "z"])
    assert_array_equal(indicator, [[0, 1, 0], [1, 1, 0], [0, 0, 0]])
    assert encoding.decode(indicator) == [("a",), ("b", "a"), ()]


@pytest.mark.parametrize(
    ("y", "form", "indicator"),
    [
        ([(0, 1), (1,)], "sets", [[1, 1], [0, 1]]),
        ([(0, 1), (1, 0)], "sets", [[1, 1], [1, 1]]),
        ([(1,), (0,)], "sets", [[0, 1], [1, 0]]),
        ([[0, 1], [1, 0]], "onehot", None),
        ([[1, 1], [1, 0]], "indicator", [[1, 1], [1, 0]]),
        ([[0, 2], [1, 0]], "sets", [[1, 0, 1], [1, 1, 0]]),
    ],
)
def test_fit_target_tuples_are_sets_and_lists_of_01_are_rows(y, form, indicator):
    """Check that tuples are label sets and equal-length 0/1 lists are matrix rows."""
    encoding, encoded = fit_target(y)
    assert encoding.form == form
    if indicator is not None:
        assert_array_equal(encoded, indicator)


def test_fit_target_explicit_classes_may_name_absent_labels():
    """Check that classes= keeps its order, includes unseen classes, fits y's dtype."""
    y = np.array([2, 0, 2, 1], dtype=np.int32)
    encoding, codes = fit_target(y, classes=[3.0, 2.0, 1.0, 0.0])
    assert_array_equal(encoding.classes, [3, 2, 1, 0])
    assert_array_equal(codes, [1, 3, 1, 2])
    assert encoding.decode(codes).dtype == np.int32


@pytest.mark.parametrize(
    ("y", "kwargs", "error", "message"),
    [
        (np.array(["a", "a"]), {}, ValueError, "only one class"),
        (np.array([0.5, 1.5, 2.7, 0.1]), {}, ValueError, "Unknown label type"),
        (np.array([1.0, np.nan, 2.0]), {}, ValueError, "NaN"),
        (np.array(["a", None, "b"], dtype=object), {}, ValueError, "None"),
        ([True, 2, False], {}, TypeError, "mixed label types"),
        ([b"a", "b"], {}, TypeError, "mixed label types"),
        ([1, "a"], {}, TypeError, "mixed label types"),
        (np.array([[1, 2], [0, 1]]), {}, ValueError, "Unknown label type"),
        (np.array(["a", "b", "c"]), {"problem": "binary"}, ValueError, "3 classes"),
        (np.array(["a", "b"]), {"problem": "multilabel"}, ValueError, "multilabel y"),
        (
            np.array([[1, 1], [0, 1]]),
            {"problem": "multiclass"},
            ValueError,
            "exactly one 1",
        ),
        ([("a",), ("b",)], {"problem": "binary"}, ValueError, "label sets"),
        ([(), ()], {}, ValueError, "empty label sets"),
        (np.array(["a", "b", "c"]), {"classes": ["a", "b"]}, ValueError, "'c'"),
        (None, {}, ValueError, "None"),
    ],
)
def test_fit_target_rejects_invalid_targets(y, kwargs, error, message):
    """Check that each invalid target raises the documented error type and message."""
    with pytest.raises(error, match=message):
        fit_target(y, **kwargs)


# ----------------------------------------------------------------------------------
# TargetEncoding.encode / decode / names
# ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "y",
    [
        np.array(["b", "a", "c", "a"]),
        np.array([["b"], ["a"], ["c"]]),
        np.array([[0, 1, 0], [1, 0, 0], [0, 0, 1]]),
        np.array([[1, 1, 0], [0, 0, 1], [0, 0, 0]]),
        sp.csr_matrix(np.array([[1, 1], [0, 1]])),
        [("x", "y"), (), ("y",)],
    ],
    ids=["labels", "column", "onehot", "indicator", "sparse", "sets"],
)
def test_encode_gives_the_codes_of_fit(y):
    """Check that encode(y) on the fitted encoding equals what fit_target returned."""
    encoding, encoded = fit_target(y)
    assert_array_equal(encoding.encode(y), encoded)


def test_encode_reads_labels_and_onehot_alike():
    """Check that labels and their one-hot matrix encode to the same codes."""
    encoding, _ = fit_target(np.array(["a", "b", "c"]))
    labels = np.array(["c", "a", "c", "b"])
    onehot = (labels[:, None] == encoding.classes).astype(int)
    expected = LabelEncoder().fit(["a", "b", "c"]).transform(labels)
    assert_array_equal(encoding.encode(labels), expected)
    assert_array_equal(encoding.encode(onehot), expected)
    assert_array_equal(encoding.encode(labels[:, None]), expected)


@pytest.mark.parametrize(
    ("fit_y", "y", "error", "message"),
    [
        (np.array(["a", "b"]), np.array(["a", "q"]), ValueError, "'q'"),
        (np.array([0, 1]), np.array(["0", "1"]), ValueError, "not in classes"),
        (np.array(["a", "b"]), np.ones((2, 3)), ValueError, "single labels"),
        (np.array([[1, 1], [0, 1]]), np.array([0, 1]), ValueError, "multilabel"),
        (np.array([[1, 1], [0, 1]]), [(0,), (5,)], ValueError, "not in classes"),
        (np.array([0, 1]), [True, 0, 1], TypeError, "mixed label types"),
    ],
)
def test_encode_rejects_targets_that_do_not_fit(fit_y, y, error, message):
    """Check that encode raises for unknown labels, wrong forms and mixed types."""
    encoding, _ = fit_target(fit_y)
    with pytest.raises(error, match=message):
        encoding.encode(y)


def test_encode_matches_dataframe_columns_by_name():
    """Check that encode reads a one-hot DataFrame by its column names."""
    y = pd.DataFrame({"a": [1, 0, 0], "b": [0, 1, 0], "c": [0, 0, 1]})
    encoding, codes = fit_target(y)
    assert_array_equal(encoding.encode(y[["c", "a", "b"]]), codes)


def test_decode_labels_with_rejected_rows():
    """Check that rejected rows decode to reject_label, the others to their class."""
    encoding, _ = fit_target(np.array(["a", "b", "c"]))
    codes = np.array([2, 0, 1, 0])
    rejected = np.array([False, True, False, True])
    decoded = encoding.decode(codes, rejected, "unknown")
    assert decoded.tolist() == ["c", "unknown", "b", "unknown"]


def test_decode_onehot_rejected_rows_are_all_zero():
    """Check that a one-hot decode has zero rows where the prediction was rejected."""
    y = np.eye(3, dtype=np.int8)
    encoding, _ = fit_target(y)
    decoded = encoding.decode(np.array([2, 0, 1]), np.array([False, True, False]), -1)
    assert decoded.dtype == np.int8
    assert_array_equal(decoded, [[0, 0, 1], [0, 0, 0], [0, 1, 0]])


def test_names_returns_names_whatever_the_form():
    """Check that names() gives labels for one-hot and tuples for indicator forms."""
    onehot, codes = fit_target(np.eye(3, dtype=int), classes=["x", "y", "z"])
    assert onehot.names(codes).tolist() == ["x", "y", "z"]
    indicator = TargetEncoding("multilabel", "indicator", np.array(["p", "q"]))
    assert indicator.names(np.array([[1, 1], [0, 0], [0, 1]])) == [
        ("p", "q"),
        (),
        ("q",),
    ]


# ----------------------------------------------------------------------------------
# label_codes and as_class_array
# ----------------------------------------------------------------------------------


@SEEDED
@given(y=single_labels(), data=st.data())
def test_label_codes_are_positions_in_classes(y, data):
    """Check that label_codes gives each label's position in an unsorted classes."""
    classes = np.asarray(data.draw(st.permutations(sorted(set(y.tolist())))))
    position = {c: i for i, c in enumerate(classes.tolist())}
    expected = [position[v] for v in y.tolist()]
    assert_array_equal(label_codes(y, classes), expected)
    assert_array_equal(label_codes(y.astype(object), classes), expected)


@pytest.mark.parametrize(
    ("labels", "classes"),
    [
        (np.array(["1"]), np.array([0, 1])),
        (np.array([1]), np.array(["0", "1"])),
        (np.array(["1"], dtype=object), np.array([0, 1])),
        (np.array([1], dtype=object), np.array(["0", "1"], dtype=object)),
        (np.array([b"a"]), np.array(["a", "b"])),
        (np.array(["a"]), np.array([b"a", b"b"])),
    ],
)
def test_label_codes_never_match_text_and_numbers(labels, classes):
    """Check that 1 and '1' (and b'a' and 'a') never match: ValueError."""
    with pytest.raises(ValueError, match="not in classes"):
        label_codes(labels, classes)


@pytest.mark.parametrize(
    ("labels", "classes", "expected"),
    [
        (np.array([True, False]), np.array([0, 1, 2]), [1, 0]),
        (np.array([1, 0]), np.array([False, True]), [1, 0]),
        (np.array([True], dtype=object), np.array([0, 1], dtype=object), [1]),
        (np.array([1.0, 2.0]), np.array([2, 1]), [1, 0]),
        (np.array([np.int8(2), 1.0], dtype=object), np.array([1, 2]), [1, 0]),
    ],
)
def test_label_codes_match_as_python_equality(labels, classes, expected):
    """Check that True equals 1 and 1.0 equals 1 in look-ups, as in Python."""
    assert_array_equal(label_codes(labels, classes), expected)


def test_label_codes_big_integers_are_not_rounded_to_float():
    """Check that an int64 label does not match a float class it only rounds to."""
    with pytest.raises(ValueError, match="not in classes"):
        label_codes(np.array([2**53 + 1]), np.array([0.0, 2.0**53]))


def test_label_codes_of_nothing_is_empty():
    """Check that no labels give an empty code array of their shape."""
    codes = label_codes(np.array([], dtype=int), np.array([0, 1]))
    assert codes.shape == (0,)
    assert codes.dtype == np.intp


@pytest.mark.parametrize(
    "classes",
    [["cat", "dog"], [3, 1, 2], (b"x", b"y"), np.array([True, False])],
)
def test_as_class_array_keeps_values_and_order(classes):
    """Check that valid classes come back as a 1-D array in the given order."""
    arr = as_class_array(classes)
    assert arr.ndim == 1
    assert arr.tolist() == list(np.asarray(classes).tolist())


@pytest.mark.parametrize(
    ("classes", "error", "message"),
    [
        ("ab", ValueError, "1-D list"),
        ([["a", "b"]], ValueError, "1-D list"),
        ({"a", "b"}, ValueError, "1-D list"),
        (["a", "b", "a"], ValueError, "repeat"),
        ([1, 1.0], ValueError, "repeat"),
        ([0.0, np.nan], ValueError, "NaN"),
        (["a", 1], TypeError, "mixed label types"),
        ([True, 2], TypeError, "mixed label types"),
        (np.array(["a", 1], dtype=object), TypeError, "mixed label types"),
    ],
)
def test_as_class_array_rejects_invalid_classes(classes, error, message):
    """Check that non-1-D, repeated, NaN or mixed-type classes raise."""
    with pytest.raises(error, match=message):
        as_class_array(classes)


# ----------------------------------------------------------------------------------
# check_sequence_label_types
# ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("values", "examples"),
    [
        ([True, 2, False], ["True (bool)", "2 (number)"]),
        ([np.True_, 0], ["True (bool)", "0 (number)"]),
        ([b"a", "b"], ["b'a' (bytes)", "'b' (string)"]),
        (("a", 1.5), ["1.5 (number)", "'a' (string)"]),
    ],
)
def test_check_sequence_label_types_names_an_example_of_each(values, examples):
    """Check that mixed-type lists raise TypeError naming one value of each type."""
    with pytest.raises(TypeError, match="mixed label types") as info:
        check_sequence_label_types(values, "y")
    for example in examples:
        assert example in str(info.value)


@pytest.mark.parametrize(
    "values",
    [
        [True, False],
        [1, 2.5, np.int64(3)],
        ["a", np.str_("b")],
        [b"a", np.bytes_(b"b")],
        np.array([1, 0]),
        [(True, 2), ("a",)],
    ],
)
def test_check_sequence_label_types_accepts_uniform_labels(values):
    """Check that uniform lists, arrays and label-set rows pass without error."""
    assert check_sequence_label_types(values, "y") is None


# ----------------------------------------------------------------------------------
# The single-score-column rule (docs/semantics.md)
# ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("pos_label", "classes", "given", "positive"),
    [
        ("neg", np.array(["neg", "pos"]), False, "neg"),
        (True, np.array([0, 1]), False, 1),
        (None, np.array(["pos", "neg"]), True, "neg"),
        (None, np.array(["detection", "nothing-detected"]), True, "nothing-detected"),
        (None, np.array([0, 1]), False, 1),
        (None, np.array([-1, 1]), False, 1),
        (None, np.array([False, True]), False, True),
        (None, np.array([0.0, 1.0]), False, 1.0),
        (None, np.array([0, 1], dtype=object), False, 1),
    ],
)
def test_binary_positive_index_follows_the_rule_table(
    pos_label, classes, given, positive
):
    """Check each row of the single-column table: the class the column scores."""
    index = binary_positive_index(pos_label, classes, classes_given=given)
    found = np.asarray(classes[index]).item()
    assert found == positive
    assert type(found) is type(positive)


@pytest.mark.parametrize(
    ("pos_label", "classes", "message"),
    [
        (None, np.array(["neg", "pos"]), "which class is positive"),
        (None, np.array([1, 2]), "which class is positive"),
        (None, np.array(["0", "1"]), "which class is positive"),
        ("1", np.array([0, 1]), "not one of the classes"),
        ("maybe", np.array(["neg", "pos"]), "not one of the classes"),
    ],
)
def test_binary_positive_index_asks_when_labels_do_not_say(pos_label, classes, message):
    """Check that unordered labels read off y, or a wrong pos_label, raise."""
    with pytest.raises(ValueError, match=message):
        binary_positive_index(pos_label, classes, classes_given=False)


def test_truth_positive_index_reads_how_the_classes_were_known():
    """Check truth_positive_index for labels, classes=, one-hot and other problems."""
    y = np.array(["neg", "pos", "neg"])
    encoding, _ = fit_target(y)
    with pytest.raises(ValueError, match="which class is positive"):
        truth_positive_index(encoding, None)
    assert encoding.classes[truth_positive_index(encoding, "neg")] == "neg"
    given, _ = fit_target(y, classes=["pos", "neg"])
    assert given.classes[truth_positive_index(given, None, ["pos", "neg"])] == "neg"
    onehot, _ = fit_target(np.eye(2, dtype=int), classes=["yes", "no"])
    assert onehot.classes[truth_positive_index(onehot, None)] == "no"
    numbers, _ = fit_target(np.array([1, -1, 1]))
    assert numbers.classes[truth_positive_index(numbers, None)] == 1


def test_truth_positive_index_refuses_pos_label_outside_binary():
    """Check that pos_label with a multilabel or multiclass target raises."""
    multilabel, _ = fit_target([("a", "b"), ("b",)])
    with pytest.raises(ValueError, match="only applies to binary"):
        truth_positive_index(multilabel, "a")
    multiclass, _ = fit_target(np.array(["a", "b", "c"]))
    with pytest.raises(ValueError, match="only applies to binary"):
        truth_positive_index(multiclass, "a")


# ----------------------------------------------------------------------------------
# with_extra_label and indicator_to_tuples
# ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("classes", "label", "dtype"),
    [
        (np.array([1, 2]), -1, np.dtype(np.int64)),
        (np.array([1, 2], dtype=np.uint8), -1, np.dtype(np.int64)),
        (np.array([1, 2]), 2**63, np.dtype(object)),
        (np.array(["a", "bb"]), "unknown", np.dtype("U7")),
        (np.array([b"a"]), b"zz", np.dtype("S2")),
        (np.array([False, True]), -1, np.dtype(object)),
        (np.array([1, 2]), "x", np.dtype(object)),
        (np.array(["a"]), -1, np.dtype(object)),
        (np.array(["a"]), b"z", np.dtype(object)),
        (np.array([0.5, 1.5]), -1, np.dtype(object)),
    ],
)
def test_with_extra_label_holds_both_without_casting(classes, label, dtype):
    """Check the dtype of classes plus a reject label and that no value changed."""
    table = with_extra_label(classes, label)
    assert table.dtype == dtype
    assert table.tolist() == [*classes.tolist(), label]
    assert [type(v) for v in table.tolist()] == [
        *[type(v) for v in classes.tolist()],
        type(label),
    ]


@pytest.mark.parametrize("dtype", [np.int8, np.int16, np.int32])
def test_with_extra_label_keeps_a_small_int_dtype_that_holds_the_label(dtype):
    """Check that -1 added to small-int classes keeps their dtype."""
    assert with_extra_label(np.array([1, 2], dtype=dtype), -1).dtype == dtype


@SEEDED
@given(
    matrix=st.integers(0, 6).flatmap(
        lambda k: st.lists(
            st.lists(st.booleans(), min_size=k, max_size=k), min_size=0, max_size=12
        ).map(lambda rows, k=k: np.asarray(rows, dtype=bool).reshape(len(rows), k))
    ),
    as_int=st.booleans(),
)
def test_indicator_to_tuples_is_multilabel_binarizer_inverse(matrix, as_int):
    """Check that indicator_to_tuples equals MultiLabelBinarizer.inverse_transform."""
    k = matrix.shape[1]
    classes = np.array([f"label{j}" for j in range(k)])
    indicator = matrix.astype(np.int8) if as_int else matrix
    expected = [tuple(classes[row].tolist()) for row in matrix]
    if k:
        mlb = MultiLabelBinarizer(classes=classes.tolist()).fit([])
        assert expected == mlb.inverse_transform(matrix.astype(int))
    result = indicator_to_tuples(np.asfortranarray(indicator), classes)
    assert result == expected
    assert all(isinstance(row, tuple) for row in result)
