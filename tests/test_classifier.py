"""ProbabilisticLabelClassifier end to end, and inside the scikit-learn ecosystem."""

import pickle

import joblib
import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.datasets import (
    load_breast_cancer,
    load_iris,
    make_multilabel_classification,
)
from sklearn.ensemble import RandomForestClassifier
from sklearn.exceptions import NotFittedError
from sklearn.frozen import FrozenEstimator
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import (
    ConfusionMatrixDisplay,
    classification_report,
    confusion_matrix,
    f1_score,
    make_scorer,
)
from sklearn.model_selection import (
    GridSearchCV,
    ParameterGrid,
    cross_val_score,
    cross_validate,
    train_test_split,
)
from sklearn.multiclass import OneVsRestClassifier
from sklearn.multioutput import MultiOutputClassifier
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import MultiLabelBinarizer, StandardScaler
from sklearn.svm import LinearSVC

from sklabels import ProbabilisticLabelClassifier, decode


def lr():
    return make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000))


@pytest.fixture(scope="module")
def iris():
    data = load_iris()
    return data.data, data.target_names[data.target]


@pytest.fixture(scope="module")
def cancer():
    data = load_breast_cancer()
    return data.data, data.target_names[data.target]


@pytest.fixture(scope="module")
def multilabel():
    X, Y = make_multilabel_classification(
        n_samples=300, n_classes=5, n_labels=2, random_state=0
    )
    names = np.array(["sky", "sea", "sand", "tree", "road"])
    sets = [tuple(names[row.astype(bool)]) for row in Y]
    return X, Y, sets, names


# ----------------------------------------------------------------------------- forms


def test_string_labels_predict_names(iris):
    """Check that multiclass string labels come back as names, in y's dtype."""
    X, y = iris
    clf = ProbabilisticLabelClassifier(lr()).fit(X, y)
    pred = clf.predict(X)
    assert pred.dtype == y.dtype
    assert set(pred) <= set(y)
    assert clf.problem_ == "multiclass"
    assert_array_equal(clf.classes_, ["setosa", "versicolor", "virginica"])
    assert clf.score(X, y) > 0.9


def test_onehot_y_predict_onehot(iris):
    """Check that a one-hot y gives one-hot predictions of the same dtype."""
    X, y = iris
    onehot = (y[:, None] == np.unique(y)).astype(np.float32)
    clf = ProbabilisticLabelClassifier(lr(), classes=np.unique(y)).fit(X, onehot)
    pred = clf.predict(X)
    assert pred.dtype == np.float32 and pred.shape == onehot.shape
    assert_array_equal(pred.sum(axis=1), 1)
    assert_array_equal(clf.predict_labels(X), np.unique(y)[pred.argmax(axis=1)])
    assert clf.score(X, onehot) == clf.score(X, y)


def test_two_column_onehot_is_binary(cancer):
    """Check that a two-column one-hot y is a binary problem."""
    X, y = cancer
    onehot = np.column_stack([y == "malignant", y == "benign"]).astype(int)
    clf = ProbabilisticLabelClassifier(lr(), classes=["malignant", "benign"])
    clf.fit(X, onehot)
    assert clf.problem_ == "binary"
    assert clf.pos_label_ == "benign"
    assert clf.predict(X).shape == onehot.shape


def test_column_vector_y_round_trip(iris):
    """Check that an (n, 1) y predicts (n, 1) with the labels of the 1-D fit."""
    X, y = iris
    flat = ProbabilisticLabelClassifier(lr()).fit(X, y).predict(X)
    column = ProbabilisticLabelClassifier(lr()).fit(X, y[:, None]).predict(X)
    assert column.shape == (len(y), 1)
    assert_array_equal(column.ravel(), flat)


@pytest.mark.parametrize("dtype", [np.int64, np.bool_, np.float32])
def test_indicator_y_predict_indicator(multilabel, dtype):
    """Check that an indicator y gives an indicator of the same dtype and shape."""
    X, Y, _, _ = multilabel
    clf = ProbabilisticLabelClassifier(KNeighborsClassifier()).fit(X, Y.astype(dtype))
    pred = clf.predict(X)
    assert pred.dtype == dtype and pred.shape == Y.shape
    assert_array_equal(clf.classes_, np.arange(5))
    assert clf.predict_labels(X[:1])[0] == tuple(np.flatnonzero(pred[0]))


def test_label_sets_predict_label_tuples(multilabel):
    """Check that a list of label sets predicts tuples of names in classes_ order."""
    X, _, sets, names = multilabel
    clf = ProbabilisticLabelClassifier(RandomForestClassifier(random_state=0))
    pred = clf.fit(X, sets).predict(X)
    assert clf.problem_ == "multilabel"
    assert_array_equal(clf.classes_, sorted(names))
    assert isinstance(pred, list) and all(isinstance(p, tuple) for p in pred)
    mlb = MultiLabelBinarizer(classes=clf.classes_).fit(sets)
    assert (mlb.transform(pred) == mlb.transform(sets)).mean() > 0.9
    for row in pred:
        assert list(row) == sorted(row)  # classes_ order, which is sorted here


def test_label_sets_with_explicit_order(multilabel):
    """Check that classes= fixes the column order of a label-set problem."""
    X, _Y, sets, names = multilabel
    clf = ProbabilisticLabelClassifier(KNeighborsClassifier(), classes=names).fit(
        X, sets
    )
    assert_array_equal(clf.classes_, names)
    assert_array_equal(clf.predict_proba(X).shape, (len(X), 5))
    pred = clf.predict(X)
    order = {n: i for i, n in enumerate(names)}
    assert all(list(r) == sorted(r, key=order.get) for r in pred)


def test_sparse_indicator_y_predict_sparse(multilabel):
    """Check that a sparse indicator y gives sparse predictions."""
    X, Y, _, _ = multilabel
    clf = ProbabilisticLabelClassifier(KNeighborsClassifier()).fit(X, sp.csr_matrix(Y))
    pred = clf.predict(X)
    assert sp.issparse(pred)
    dense = ProbabilisticLabelClassifier(KNeighborsClassifier()).fit(X, Y).predict(X)
    assert_array_equal(pred.toarray(), dense)


def test_dataframe_y_columns_name_labels(multilabel):
    """Check that an indicator DataFrame's column names become classes_."""
    X, Y, _, names = multilabel
    frame = pd.DataFrame(Y, columns=names)
    clf = ProbabilisticLabelClassifier(KNeighborsClassifier()).fit(X, frame)
    assert_array_equal(clf.classes_, names)
    assert all(set(r) <= set(names) for r in clf.predict_labels(X))


@pytest.mark.parametrize(
    "estimator",
    [
        RandomForestClassifier(n_estimators=20, random_state=0),
        KNeighborsClassifier(),
        MultiOutputClassifier(LogisticRegression()),
        OneVsRestClassifier(LogisticRegression()),
    ],
    ids=["forest", "knn", "multioutput", "ovr"],
)
def test_multilabel_predict_proba_is_n_by_k(multilabel, estimator):
    """Check that predict_proba is (n, k) whatever the inner estimator returns."""
    X, Y, _, _ = multilabel
    clf = ProbabilisticLabelClassifier(estimator).fit(X, Y)
    proba = clf.predict_proba(X)
    assert proba.shape == Y.shape
    assert_array_equal(clf.predict(X), (proba >= 0.5).astype(Y.dtype))


def test_multilabel_constant_label_column():
    """Check that a label that never occurs in training is never predicted."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 3))
    Y = np.column_stack([X[:, 0] > 0, X[:, 1] > 0, np.zeros(60)]).astype(int)
    clf = ProbabilisticLabelClassifier(RandomForestClassifier(n_estimators=10)).fit(
        X, Y
    )
    assert clf.predict_proba(X)[:, 2].max() == 0
    assert clf.predict(X)[:, 2].sum() == 0


def test_unwrapped_multilabel_estimator_error(multilabel):
    """Check that a single-output estimator on multilabel y suggests OneVsRest."""
    X, Y, _, _ = multilabel
    with pytest.raises(ValueError, match="OneVsRestClassifier"):
        ProbabilisticLabelClassifier(LogisticRegression()).fit(X, Y)


# ------------------------------------------------------------------- classes= order


def test_classes_order_is_kept(iris):
    """Check that classes= keeps its order as the column order of predict_proba."""
    X, y = iris
    order = ["virginica", "setosa", "versicolor"]
    clf = ProbabilisticLabelClassifier(lr(), classes=order).fit(X, y)
    assert_array_equal(clf.classes_, order)
    proba = clf.predict_proba(X)
    assert_array_equal(clf.predict(X), np.asarray(order)[proba.argmax(axis=1)])
    default = ProbabilisticLabelClassifier(lr()).fit(X, y)
    assert_array_equal(clf.predict(X), default.predict(X))


def test_classes_may_name_absent_classes(iris):
    """Check that a class absent from y gets a zero column and is never predicted."""
    X, y = iris
    clf = ProbabilisticLabelClassifier(
        lr(), classes=["setosa", "unicorn", "versicolor", "virginica"]
    ).fit(X, y)
    proba = clf.predict_proba(X)
    assert proba.shape == (len(X), 4)
    assert_array_equal(proba[:, 1], 0)
    assert "unicorn" not in set(clf.predict(X))


# ---------------------------------------------------------------------- thresholds


def test_binary_threshold_matches_fixed_threshold_classifier(cancer):
    """Check that the binary rule equals scikit-learn's FixedThresholdClassifier."""
    from sklearn.model_selection import FixedThresholdClassifier

    X, y = cancer
    ours = ProbabilisticLabelClassifier(lr(), threshold=0.2).fit(X, y)
    theirs = FixedThresholdClassifier(lr(), threshold=0.2).fit(X, y)
    assert_array_equal(ours.predict(X), theirs.predict(X))


def test_binary_pos_label_moves_threshold(cancer):
    """Check that pos_label picks the class whose probability is thresholded."""
    X, y = cancer
    clf = ProbabilisticLabelClassifier(lr(), threshold=0.1, pos_label="benign")
    pred = clf.fit(X, y).predict(X)
    assert_array_equal(clf.classes_, ["benign", "malignant"])
    p_benign = clf.predict_proba(X)[:, 0]
    assert_array_equal(pred == "benign", p_benign >= 0.1)
    assert (pred == "benign").sum() > (y == "benign").sum()


def test_threshold_dict_keyed_by_label(iris):
    """Check that a dict threshold sets only the named classes."""
    X, y = iris
    clf = ProbabilisticLabelClassifier(lr(), threshold={"versicolor": 0.1}).fit(X, y)
    assert_allclose(clf.thresholds_, [0.5, 0.1, 0.5])
    proba = clf.predict_proba(X)
    expected = clf.classes_[np.argmax(proba / clf.thresholds_, axis=1)]
    assert_array_equal(clf.predict(X), expected)
    assert (clf.predict(X) == "versicolor").sum() >= (y == "versicolor").sum()


def test_multilabel_per_label_thresholds(multilabel):
    """Check that multilabel thresholds apply per label with >=."""
    X, Y, _, _ = multilabel
    thresholds = [0.1, 0.3, 0.5, 0.7, 0.9]
    clf = ProbabilisticLabelClassifier(KNeighborsClassifier(), threshold=thresholds)
    clf.fit(X, Y)
    assert_array_equal(clf.predict(X), clf.predict_proba(X) >= np.asarray(thresholds))


def test_decision_function_margins(cancer):
    """Check that decision scores are thresholded at 0 by default, like sklearn."""
    X, y = cancer
    model = make_pipeline(StandardScaler(), LinearSVC())
    clf = ProbabilisticLabelClassifier(model).fit(X, y)
    assert clf.response_method_ == "decision_function"
    assert not hasattr(clf, "predict_proba")
    reference = clone(model).fit(X, y)
    assert_array_equal(clf.predict(X), reference.predict(X))
    assert_allclose(clf.decision_function(X), reference.decision_function(X))
    shifted = ProbabilisticLabelClassifier(model, threshold=-1.0).fit(X, y)
    assert_array_equal(
        shifted.predict(X) == "malignant", shifted.decision_function(X) >= -1.0
    )


def test_multiclass_margin_thresholds_match_softmax_rule(iris):
    """Check that ratio thresholds on margins equal the rule on softmax(margins)."""
    X, y = iris
    t = [0.2, 0.5, 0.9]
    clf = ProbabilisticLabelClassifier(
        lr(), threshold=t, response_method="decision_function"
    ).fit(X, y)
    margins = clf.decision_function(X)
    from scipy.special import softmax

    expected = clf.classes_[np.argmax(softmax(margins, axis=1) / t, axis=1)]
    assert_array_equal(clf.predict(X), expected)


def test_reject_option(iris):
    """Check that low-confidence predictions become reject_label, also in one-hot."""
    X, y = iris
    clf = ProbabilisticLabelClassifier(
        lr(), reject_threshold=0.9, reject_label="unsure"
    ).fit(X, y)
    pred = clf.predict(X)
    top = clf.predict_proba(X).max(axis=1)
    assert_array_equal(pred == "unsure", top < 0.9)
    assert 0 < (pred == "unsure").sum() < len(y)
    onehot = (y[:, None] == clf.classes_).astype(int)
    clf1 = ProbabilisticLabelClassifier(
        lr(), classes=clf.classes_, reject_threshold=0.9, reject_label="unsure"
    ).fit(X, onehot)
    assert_array_equal(clf1.predict(X).sum(axis=1) == 0, top < 0.9)


def test_reject_label_keeps_integer_labels():
    """Check that an integer reject_label keeps integer predictions."""
    X, y = load_iris(return_X_y=True)
    clf = ProbabilisticLabelClassifier(lr(), reject_threshold=0.95, reject_label=-1)
    pred = clf.fit(X, y).predict(X)
    assert pred.dtype.kind == "i" and -1 in pred


# ------------------------------------------------------------------------- frozen


def test_frozen_estimator_is_not_refit(iris):
    """Check that a FrozenEstimator keeps its weights and its classes_ order."""
    X, y = iris
    model = lr().fit(X, y)
    coef = model[-1].coef_.copy()
    clf = ProbabilisticLabelClassifier(FrozenEstimator(model)).fit(X[:20], y[:20])
    assert_array_equal(model[-1].coef_, coef)
    assert_array_equal(clf.classes_, model.classes_)
    assert_array_equal(clf.predict(X), model.predict(X))


def test_frozen_estimator_on_codes_named_by_classes(iris):
    """Check that a model trained on integer codes is named by classes=."""
    X, y = iris
    codes = np.unique(y, return_inverse=True)[1]
    model = lr().fit(X, codes)
    names = ["setosa", "versicolor", "virginica"]
    clf = ProbabilisticLabelClassifier(FrozenEstimator(model), classes=names)
    clf.fit(X, y)
    assert_array_equal(clf.predict(X), np.asarray(names)[model.predict(X)])


def test_frozen_estimator_without_classes_needs_classes():
    """Check that a frozen model with no classes_ asks for classes=."""

    class Bare(ClassifierMixin, BaseEstimator):
        """A pre-trained model with no classes_ (e.g. loaded from elsewhere)."""

        def __sklearn_is_fitted__(self):
            return True

        def fit(self, X, y):
            return self

        def predict_proba(self, X):
            return np.tile([0.2, 0.8], (len(X), 1))

    with pytest.raises(ValueError, match="classes="):
        ProbabilisticLabelClassifier(FrozenEstimator(Bare())).fit(
            [[0], [1]], ["a", "b"]
        )
    clf = ProbabilisticLabelClassifier(FrozenEstimator(Bare()), classes=["a", "b"])
    assert_array_equal(clf.fit([[0], [1]], ["a", "a"]).predict([[3]]), ["b"])


def test_unfitted_model_inside_frozen_estimator_is_named():
    """Check that an unfitted frozen model is reported as such, classes= or not."""
    X, y = load_iris(return_X_y=True)
    for classes in (None, [0, 1, 2]):
        clf = ProbabilisticLabelClassifier(
            FrozenEstimator(LogisticRegression()), classes=classes
        )
        with pytest.raises(NotFittedError, match="LogisticRegression inside Frozen"):
            clf.fit(X, y)


def test_frozen_pretrained_adapter_counts_as_fitted():
    """Check that a handed-in network (never fitted here) passes the check."""
    from sklabels.adapters import FunctionClassifier

    def network(X):
        return np.tile([0.3, 0.7], (len(X), 1))

    clf = ProbabilisticLabelClassifier(
        FrozenEstimator(FunctionClassifier(network)), classes=["a", "b"]
    )
    assert_array_equal(clf.fit([[0], [1]], ["a", "b"]).predict([[2]]), ["b"])


# ------------------------------------------------------ predict-time parameters


def test_set_threshold_after_fit_applies_at_predict(iris):
    """Check that a fixed threshold set after fit is used without refitting."""
    X, y = iris
    clf = ProbabilisticLabelClassifier(lr()).fit(X, y)
    before = clf.predict(X)
    coef = clf.estimator_[-1].coef_.copy()
    clf.set_params(threshold=[0.5, 0.2, 0.5])
    expected = ProbabilisticLabelClassifier(lr(), threshold=[0.5, 0.2, 0.5]).fit(X, y)
    assert_array_equal(clf.predict(X), expected.predict(X))
    assert (clf.predict(X) != before).any()
    assert_array_equal(clf.thresholds_, [0.5, 0.2, 0.5])
    assert_array_equal(clf.estimator_[-1].coef_, coef)  # not refit
    clf.set_params(threshold={"versicolor": 0.3})  # a dict: the others default
    assert_array_equal(clf.thresholds_, [0.5, 0.3, 0.5])
    clf.set_params(threshold=None)
    assert_array_equal(clf.predict(X), before)


def test_threshold_changed_in_place_is_seen(iris):
    """Check that a list threshold edited in place after fit is read again."""
    X, y = iris
    threshold = [0.5, 0.5, 0.5]
    clf = ProbabilisticLabelClassifier(lr(), threshold=threshold).fit(X, y)
    before = clf.predict(X)
    threshold[1] = 0.05
    assert_array_equal(clf.thresholds_, [0.5, 0.05, 0.5])
    assert (clf.predict(X) != before).any()


@pytest.mark.parametrize("threshold", [0.2, 0.8])
@pytest.mark.parametrize("pos_label", [None, "benign", "malignant"])
def test_set_params_after_fit_matches_fixed_threshold_classifier(
    cancer, threshold, pos_label
):
    """Check that threshold and pos_label set after fit act as in scikit-learn."""
    from sklearn.model_selection import FixedThresholdClassifier

    X, y = cancer
    ours = ProbabilisticLabelClassifier(lr()).fit(X, y)
    theirs = FixedThresholdClassifier(lr(), pos_label="malignant").fit(X, y)
    ours.set_params(threshold=threshold, pos_label=pos_label)
    theirs.set_params(threshold=threshold, pos_label=pos_label or "malignant")
    assert_array_equal(ours.predict(X), theirs.predict(X))
    assert ours.thresholds_ == threshold
    assert ours.pos_label_ == (pos_label or "malignant")


@pytest.mark.parametrize(
    "params, match",
    [
        ({"threshold": [0.5, 0.2]}, "threshold has shape"),
        ({"threshold": [0.5, 1.5, 0.5]}, r"ratios in \(0, 1\]"),
        ({"threshold": {"tulip": 0.3}}, "tulip"),
        ({"reject_threshold": 0.8}, "needs reject_label"),
        ({"reject_threshold": 0.8, "reject_label": "setosa"}, "is one of the classes"),
        ({"reject_coverage": 0.9}, "only apply with reject_threshold='auto'"),
        ({"pos_label": "setosa"}, "only applies to binary problems"),
    ],
)
def test_bad_decision_parameters_after_fit_fail_as_in_fit(iris, params, match):
    """Check that a bad value set after fit raises at predict what fit raises."""
    X, y = iris
    clf = ProbabilisticLabelClassifier(lr()).fit(X, y)
    clf.set_params(**params)
    with pytest.raises(ValueError, match=match) as at_predict:
        clf.predict(X)
    with pytest.raises(ValueError, match=match) as at_fit:
        clone(clf).fit(X, y)
    assert str(at_predict.value) == str(at_fit.value)


def test_auto_thresholds_stay_fitted(cancer):
    """Check the 'auto' rules: tuned values are fitted, fixed ones read now."""
    X, y = cancer
    tuned = ProbabilisticLabelClassifier(lr(), threshold="auto", cv=3).fit(X, y)
    t, score = tuned.thresholds_, tuned.best_score_
    tuned.set_params(threshold=0.9)  # a fixed value applies at once
    assert tuned.thresholds_ == 0.9
    assert_array_equal(
        tuned.predict(X),
        np.where(tuned.predict_proba(X)[:, 1] >= 0.9, *tuned.classes_[::-1]),
    )
    assert tuned.best_score_ == score  # describes the tuning of the last fit
    tuned.set_params(threshold="auto")  # back to the tuned value
    assert tuned.thresholds_ == t
    tuned.set_params(pos_label="benign")  # the tuned value is on p("malignant")
    with pytest.raises(ValueError, match="pos_label='benign' was set after fit"):
        tuned.predict(X)
    fixed = ProbabilisticLabelClassifier(lr(), threshold=0.3).fit(X, y)
    fixed.set_params(threshold="auto")  # nothing tuned to return to
    with pytest.raises(NotFittedError, match="threshold='auto' was set after fit"):
        fixed.predict(X)
    assert not hasattr(fixed, "thresholds_")
    fixed.fit(X, y)
    assert fixed.thresholds_ == pytest.approx(t, abs=0.2)


@pytest.mark.filterwarnings(
    "ignore::sklabels.CalibrationWarning"  # expected: the rule reads probabilities
)
def test_reject_parameters_after_fit(iris):
    """Check that reject_threshold and reject_label set after fit apply at once."""
    X, y = iris
    clf = ProbabilisticLabelClassifier(lr()).fit(X, y)
    top = clf.predict_proba(X).max(axis=1)
    clf.set_params(reject_threshold=0.9, reject_label="unsure")
    assert_array_equal(clf.predict(X) == "unsure", top < 0.9)
    assert clf.reject_threshold_ == 0.9
    clf.set_params(reject_label="?")
    assert_array_equal(clf.predict_labels(X) == "?", top < 0.9)
    report = clf.classification_report(X, y, output_dict=True)
    assert "?" in str(report)
    clf.set_params(reject_threshold=None)
    assert "?" not in set(clf.predict(X)) and clf.reject_threshold_ is None
    clf.set_params(reject_threshold="auto", reject_coverage=0.9)
    with pytest.raises(NotFittedError, match="reject_threshold='auto' was set"):
        clf.predict(X)


def test_frozen_estimator_threshold_set_after_fit(cancer):
    """Check set_params on a fitted wrapper of a FrozenEstimator: no refit needed."""
    X, y = cancer
    model = lr().fit(X, y)
    coef = model[-1].coef_.copy()
    clf = ProbabilisticLabelClassifier(FrozenEstimator(model)).fit(X, y)
    p = model.predict_proba(X)[:, 1]
    for threshold in (0.1, 0.5, 0.95):
        clf.set_params(threshold=threshold)
        assert_array_equal(clf.predict(X), model.classes_[(p >= threshold).astype(int)])
    assert_array_equal(model[-1].coef_, coef)


def test_predict_is_safe_while_parameters_change(iris):
    """Check that threads predicting while another changes threshold see one set."""
    from concurrent.futures import ThreadPoolExecutor

    X, y = iris
    clf = ProbabilisticLabelClassifier(lr()).fit(X, y)
    a = [0.5, 0.5, 0.5]
    b = [0.5, 0.05, 0.5]
    expected = {
        tuple(clone(clf).set_params(threshold=t).fit(X, y).predict(X)) for t in (a, b)
    }

    def flip(i):
        clf.set_params(threshold=a if i % 2 else b)
        return tuple(clf.predict(X))

    with ThreadPoolExecutor(8) as pool:
        seen = set(pool.map(flip, range(64)))
    assert seen <= expected


# ----------------------------------------------------------------- scikit-learn tools


def test_grid_search_over_threshold_and_inner_param(cancer):
    """Check GridSearchCV over threshold and estimator__<param> picks the best pair."""
    X, y = cancer
    clf = ProbabilisticLabelClassifier(lr())
    params = {
        "threshold": [0.3, 0.5, 0.7],
        "estimator__logisticregression__C": [0.1, 1.0],
    }
    scoring = make_scorer(f1_score, pos_label="malignant")
    grid = GridSearchCV(clf, params, scoring=scoring, cv=3).fit(X, y)
    assert len(grid.cv_results_["params"]) == 6
    candidates = list(ParameterGrid(params))
    means = [
        cross_val_score(clone(clf).set_params(**c), X, y, scoring=scoring, cv=3).mean()
        for c in candidates
    ]
    assert grid.best_params_ == candidates[int(np.argmax(means))]
    assert set(grid.predict(X)) <= {"malignant", "benign"}


def test_cross_validate_and_clone(iris):
    """Check cross_validate, and that clone gives an unfitted, independent copy."""
    X, y = iris
    clf = ProbabilisticLabelClassifier(lr(), threshold=[0.4, 0.5, 0.6])
    result = cross_validate(clf, X, y, cv=3, scoring="accuracy")
    assert result["test_score"].mean() > 0.85
    copy = clone(clf)
    assert copy.get_params()["threshold"] == [0.4, 0.5, 0.6]
    assert not hasattr(copy, "classes_")


@pytest.mark.parametrize("dump", ["pickle", "joblib"])
def test_serialisation_round_trip(iris, tmp_path, dump):
    """Check that pickle and joblib round trips give identical predictions."""
    X, y = iris
    clf = ProbabilisticLabelClassifier(lr(), threshold=[0.3, 0.5, 0.5]).fit(X, y)
    if dump == "pickle":
        restored = pickle.loads(pickle.dumps(clf))
    else:
        joblib.dump(clf, tmp_path / "clf.joblib")
        restored = joblib.load(tmp_path / "clf.joblib")
    assert_array_equal(restored.predict(X), clf.predict(X))
    assert_array_equal(restored.predict_proba(X), clf.predict_proba(X))


def test_dataframe_x_feature_names(cancer):
    """Check that DataFrame X works and feature_names_in_ comes from the estimator."""
    data = load_breast_cancer()
    X = pd.DataFrame(data.data, columns=data.feature_names)
    y = pd.Series(data.target_names[data.target])
    clf = ProbabilisticLabelClassifier(lr()).fit(X, y)
    assert_array_equal(clf.feature_names_in_, data.feature_names)
    assert clf.n_features_in_ == X.shape[1]
    assert set(clf.predict(X)) == {"malignant", "benign"}


def test_confusion_matrix_and_report_rows_follow_classes(iris):
    """Check confusion_matrix and classification_report rows with labels=classes_."""
    X, y = iris
    order = ["virginica", "setosa", "versicolor"]
    X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)
    clf = ProbabilisticLabelClassifier(lr(), classes=order).fit(X_train, y_train)
    pred = clf.predict(X_test)
    cm = confusion_matrix(y_test, pred, labels=clf.classes_)
    for i, name in enumerate(order):
        assert cm[i].sum() == (y_test == name).sum()
    report = classification_report(
        y_test,
        pred,
        labels=clf.classes_,
        target_names=[c.upper() for c in order],
        output_dict=True,
    )
    for name in order:
        assert report[name.upper()]["support"] == (y_test == name).sum()


def test_confusion_matrix_display_shows_names(iris):
    """Check that ConfusionMatrixDisplay.from_estimator labels the axes by name."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    X, y = iris
    clf = ProbabilisticLabelClassifier(lr()).fit(X, y)
    display = ConfusionMatrixDisplay.from_estimator(clf, X, y)
    ticks = [t.get_text() for t in display.ax_.get_xticklabels()]
    assert ticks == ["setosa", "versicolor", "virginica"]
    plt.close("all")


def test_predict_proba_agrees_with_decode(cancer):
    """Check that predict equals decode applied to predict_proba."""
    X, y = cancer
    clf = ProbabilisticLabelClassifier(lr(), threshold=0.35).fit(X, y)
    proba = clf.predict_proba(X)
    assert_array_equal(clf.predict(X), decode(proba, clf.classes_, threshold=0.35))
    assert_array_equal(
        clf.predict(X), decode(proba[:, 1], clf.classes_, threshold=0.35)
    )
