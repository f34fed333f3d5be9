"""Features that meet: a frozen network's logits decided by cost, under shifted
priors, on Dask inputs -- each equal to a hand-written reference."""

import numpy as np
import pytest
from scipy.special import softmax

torch = pytest.importorskip("torch")
da = pytest.importorskip("dask.array")

import dask  # noqa: E402
from sklearn.frozen import FrozenEstimator  # noqa: E402

from sklabels import ProbabilisticLabelClassifier  # noqa: E402
from sklabels.adapters import TorchClassifier  # noqa: E402

NAMES = np.array(["benign", "suspect", "malignant"])
COSTS = np.array([[0.0, 1.0, 3.0], [4.0, 0.0, 1.0], [30.0, 8.0, 0.0]])


@pytest.fixture(scope="module")
def network():
    """A fixed 3-logit network (no training) and data whose labels it half knows."""
    torch.manual_seed(0)
    net = torch.nn.Sequential(torch.nn.Linear(5, 8), torch.nn.Tanh())
    net.append(torch.nn.Linear(8, 3))
    rng = np.random.default_rng(0)
    X = rng.normal(size=(300, 5)).astype(np.float32)
    with torch.no_grad():
        logits = net(torch.from_numpy(X)).double().numpy()
    truth = np.array([rng.choice(3, p=p) for p in softmax(logits, axis=1)])
    return net, X, logits, NAMES[truth]


def _fitted(net, X, y, **params):
    clf = ProbabilisticLabelClassifier(
        FrozenEstimator(TorchClassifier(net)), classes=NAMES, **params
    )
    return clf.fit(X, y)


def test_frozen_logits_decided_by_cost(network):
    """Check the least expected cost under the logits' softmax, with abstention."""
    net, X, logits, y = network
    clf = _fitted(net, X, y, costs=COSTS, reject_cost=0.9, reject_label="refer")
    expected = softmax(logits, axis=1) @ COSTS  # expected cost of each prediction
    cheapest = expected.argmin(axis=1)
    reference = np.where(expected.min(axis=1) > 0.9, "refer", NAMES[cheapest])
    # Rows where two actions cost the same (to rounding) may go either way.
    gap = np.sort(np.c_[expected, np.full(len(X), 0.9)], axis=1)
    clear = gap[:, 1] - gap[:, 0] > 1e-6
    np.testing.assert_array_equal(clf.predict(X)[clear], reference[clear])


def test_frozen_logits_under_shifted_priors(network):
    """Check that priors re-weight the softmax of the logits before the argmax."""
    net, X, logits, y = network
    train = np.array([0.5, 0.3, 0.2])
    deploy = np.array([0.2, 0.3, 0.5])
    clf = _fitted(net, X, y, priors=deploy, train_priors=train)
    p = softmax(logits, axis=1) * deploy / train
    p /= p.sum(axis=1, keepdims=True)
    np.testing.assert_allclose(clf.predict_proba(X), p, atol=1e-6)
    ranked = np.sort(p, axis=1)
    clear = ranked[:, -1] - ranked[:, -2] > 1e-6
    np.testing.assert_array_equal(clf.predict(X)[clear], NAMES[p.argmax(axis=1)][clear])


def test_dask_rows_give_the_in_memory_decisions(network):
    """Check costs that depend on the row (a callable of X) on Dask blocks of X."""
    net, X, _, y = network

    def costs(rows):  # a missed malignancy costs more with the first feature
        matrix = np.repeat(1.0 - np.eye(3)[None], len(rows), axis=0)
        matrix[:, 2, 0] += 5.0 * np.abs(np.asarray(rows)[:, 0])
        return matrix

    clf = _fitted(net, X, y, costs=costs)
    lazy = clf.predict(da.from_array(X, chunks=(64, 5)))
    assert dask.is_dask_collection(lazy)
    with dask.config.set(scheduler="synchronous"):
        got = lazy.compute()
    np.testing.assert_array_equal(got, clf.predict(X))
    plain = clf.set_params(costs=1.0 - np.eye(3)).predict(X)
    assert (got != plain).any()  # the row's costs changed some decisions


@pytest.mark.parametrize("width", [1, 3])
def test_dask_fit_of_a_logit_network_tunes_as_in_memory(network, width):
    """Check thresholds tuned on Dask blocks of a frozen logit network's inputs."""
    net, X, _, y = network
    names = NAMES
    if width == 1:  # a single sigmoid logit: malignant or not
        torch.manual_seed(1)
        net = torch.nn.Sequential(torch.nn.Linear(5, 1))
        names = NAMES[[0, 2]]
        y = np.where(y == "malignant", "malignant", "benign")
    params = dict(threshold="auto", tuning="exact", classes=names)
    model = FrozenEstimator(TorchClassifier(net))
    ref = ProbabilisticLabelClassifier(model, **params).fit(X, y)
    got = ProbabilisticLabelClassifier(model, **params)
    with dask.config.set(scheduler="synchronous"):
        got.fit(da.from_array(X, chunks=(64, 5)), da.from_array(y, chunks=64))
    np.testing.assert_allclose(got.thresholds_, ref.thresholds_, rtol=0, atol=0)
    assert got.best_score_ == ref.best_score_
    np.testing.assert_array_equal(got.predict(X), ref.predict(X))
