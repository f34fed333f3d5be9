"""Certified cuts: exact p-values, fixed-sequence walks, the guarantee by simulation.

The simulated population: s ~ U(0, 1), P(y = 1 | s) = s**2, so that at the rule
``s >= t`` the precision is (1 + t + t**2) / 3 and the recall 1 - t**3.
"""

import dataclasses
import warnings

import numpy as np
import pytest
from scipy.stats import binom

from sklabels import AtLeast, NotCertifiedWarning, RecallAtPrecision, tune_thresholds
from sklabels._certify import (
    Certificate,
    candidate_pvalues,
    certify_cut,
    certify_cuts,
    certify_reject,
    fixed_sequence,
    hoeffding_bentkus_pvalues,
)

DRAWS = 300


def _precision(t):
    return (1 + t + t * t) / 3


def _recall(t):
    return 1 - t**3


def _draws(seed, n, draws=DRAWS, width=None):
    """``draws`` data sets of ``n`` rows (``width`` labels each, if given)."""
    rng = np.random.default_rng(seed)
    shape = (draws, n) if width is None else (draws, n, width)
    scores = rng.uniform(size=shape)
    truth = (rng.uniform(size=shape) < scores**2).astype(int)
    return scores, truth


def _allowed(alpha, draws=DRAWS):
    """The violation rate a valid procedure may show: alpha plus 3 binomial SDs."""
    return alpha + 3 * np.sqrt(alpha * (1 - alpha) / draws)


def _certify_quietly(*args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", NotCertifiedWarning)
        return certify_cut(*args, **kwargs)


def test_certified_precision_meets_floor_where_plain_tuning_does_not():
    """Check the certified cut violates a precision floor in at most 1 - confidence
    of the draws, while the highest-recall cut meeting the floor on the data
    (``RecallAtPrecision``) violates it in about half."""
    floor, confidence = 0.8, 0.9
    scores, truth = _draws(0, 1000)
    ours, plain = [], []
    for s, y in zip(scores, truth, strict=True):
        cert = _certify_quietly(s, y, floor=floor, confidence=confidence)
        ours.append(cert.certified and _precision(cert.cut) < floor)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            tuned = tune_thresholds(
                y, s, classes=[0, 1], scoring=RecallAtPrecision(floor)
            )
        plain.append(_precision(tuned.thresholds) < floor)
    assert np.mean(ours) <= _allowed(1 - confidence)
    assert np.mean(plain) > 0.4


def test_certified_precision_has_power():
    """Check the certificate is not the trivial safe rule: most draws certify a cut
    with a useful recall (the oracle's is 0.52)."""
    scores, truth = _draws(1, 1000, draws=100)
    certs = [
        _certify_quietly(s, y, floor=0.8, confidence=0.9)
        for s, y in zip(scores, truth, strict=True)
    ]
    recall = [_recall(c.cut) if c.certified else 0.0 for c in certs]
    assert np.mean([c.certified for c in certs]) > 0.8
    assert np.mean(recall) > 0.2


def test_certified_recall_meets_floor():
    """Check a certified recall floor is violated in at most 1 - confidence of draws."""
    floor, confidence = 0.9, 0.95
    scores, truth = _draws(2, 500)
    violations = [
        _recall(c.cut) < floor if c.certified else False
        for c in (
            _certify_quietly(s, y, metric="recall", floor=floor, confidence=confidence)
            for s, y in zip(scores, truth, strict=True)
        )
    ]
    assert np.mean(violations) <= _allowed(1 - confidence)


@pytest.mark.parametrize("joint", [False, True])
def test_multilabel_floors_hold_per_label_and_jointly(joint):
    """Check per-label certificates hold each at its confidence, and joint=True
    holds for all labels together."""
    confidence = 0.8
    floors = [0.8, 0.7, 0.75]
    scores, truth = _draws(3, 800, width=3)
    violated = np.zeros((DRAWS, 3), dtype=bool)
    for d in range(DRAWS):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", NotCertifiedWarning)
            certs = certify_cuts(
                scores[d], truth[d], floor=floors, confidence=confidence, joint=joint
            )
        for j, cert in enumerate(certs):
            violated[d, j] = cert.certified and _precision(cert.cut) < floors[j]
            assert cert.floor == floors[j] and cert.confidence == confidence
    alpha = 1 - confidence
    if joint:
        assert violated.any(axis=1).mean() <= _allowed(alpha)
    else:
        assert (violated.mean(axis=0) <= _allowed(alpha)).all()


def test_reject_level_meets_accuracy_among_accepted():
    """Check a certified reject level keeps the accuracy among accepted rows above
    the floor in at most 1 - confidence of draws (calibrated 3-class scores)."""
    rng = np.random.default_rng(4)
    floor, confidence, n = 0.85, 0.9, 1000

    def sample(size):
        proba = rng.dirichlet([0.6, 0.6, 0.6], size=size)
        cum = proba.cumsum(axis=-1)
        y = (rng.uniform(size=proba.shape[:-1])[..., None] > cum).sum(axis=-1)
        return proba, np.minimum(y, 2)

    # the population: accuracy among rows whose top probability is >= tau
    top = np.sort(rng.dirichlet([0.6, 0.6, 0.6], size=400_000).max(axis=1))
    suffix = np.cumsum(top[::-1])[::-1] / np.arange(top.size, 0, -1)

    def accuracy(tau):
        return suffix[min(np.searchsorted(top, tau), top.size - 1)]

    probas, ys = sample((DRAWS, n))
    violations = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", NotCertifiedWarning)
        for proba, y in zip(probas, ys, strict=True):
            cert = certify_reject(proba, y, floor=floor, confidence=confidence)
            violations.append(cert.certified and accuracy(cert.cut) < floor)
    assert np.mean(violations) <= _allowed(1 - confidence)
    assert cert.metric == "accuracy"


@pytest.mark.parametrize(
    "metric, threshold", [("precision", np.inf), ("accuracy", np.inf)]
)
def test_nothing_certified_gives_the_safe_rule_and_warns(metric, threshold):
    """Check that too few rows give no cut, the safe rule and a warning."""
    scores, truth = np.array([0.2, 0.6, 0.9]), np.array([0, 1, 1])
    with pytest.warns(NotCertifiedWarning, match="safe rule"):
        cert = certify_cut(scores, truth, metric=metric, floor=0.9, confidence=0.95)
    assert not cert.certified and cert.cut is None
    assert cert.threshold == threshold and cert.n_certified == 0
    assert cert.p_value == 1.0


def test_recall_safe_rule_is_every_row_positive():
    """Check an uncertifiable recall floor predicts every row positive."""
    with pytest.warns(NotCertifiedWarning, match="every row positive"):
        cert = certify_cut(
            [0.1, 0.9], [1, 1], metric="recall", floor=1.0, confidence=0.9
        )
    assert cert.threshold == -np.inf


def test_candidate_pvalues_are_the_conditional_binomial_tails():
    """Check each p-value is P(Binomial(count, floor) >= successes) for the rows
    at or above the cut, ties included."""
    scores = np.array([0.1, 0.5, 0.5, 0.7, 0.7, 0.7, 0.9])
    truth = np.array([0, 0, 1, 1, 0, 1, 1])
    cuts = np.array([0.0, 0.5, 0.7, 0.95])
    got = candidate_pvalues(scores, truth, cuts, metric="precision", floor=0.6)
    for cut, p in zip(cuts, got, strict=True):
        kept = scores >= cut
        expected = binom.sf(truth[kept].sum() - 1, kept.sum(), 0.6) if kept.any() else 1
        assert p == pytest.approx(expected)
    recall = candidate_pvalues(scores, truth, cuts, metric="recall", floor=0.6)
    assert recall[2] == pytest.approx(binom.sf(3 - 1, 4, 0.6))


def test_fixed_sequence_stops_at_first_failure_and_shares_the_budget():
    """Check each walk stops at its first p-value above alpha / number of walks."""
    p = np.array([0.5, 0.01, 0.04, 0.2, 0.001, 0.001])
    assert fixed_sequence(p, 0.05).tolist() == [False] * 6
    assert fixed_sequence(p, 0.05, [1]).tolist() == [0, 1, 1, 0, 0, 0]
    assert fixed_sequence(p, 0.05, [1, 4]).tolist() == [0, 1, 0, 0, 1, 1]


def test_candidates_on_another_scale():
    """Check logits certify with a fixed grid of cuts passed as candidates."""
    rng = np.random.default_rng(5)
    s = rng.uniform(size=3000)
    y = (rng.uniform(size=3000) < s**2).astype(int)
    logits = np.log(s / (1 - s))
    grid = np.linspace(-6, 6, 601)
    cert = certify_cut(logits, y, floor=0.8, confidence=0.9, candidates=grid)
    prob = certify_cut(s, y, floor=0.8, confidence=0.9)
    assert cert.certified and prob.certified
    assert 1 / (1 + np.exp(-cert.cut)) == pytest.approx(prob.cut, abs=0.05)


def test_certificate_and_floor_are_immutable_values():
    """Check Certificate and AtLeast are frozen and compare by value."""
    assert AtLeast(0.9, confidence=0.95) == AtLeast(0.9, 0.95)
    with pytest.raises(dataclasses.FrozenInstanceError):
        AtLeast(0.9).value = 0.8
    cert = _certify_quietly([0.2, 0.9], [0, 1], floor=0.9, confidence=0.9)
    assert isinstance(cert, Certificate)
    with pytest.raises(dataclasses.FrozenInstanceError):
        cert.threshold = 0.5


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"sample_weight": [1, -1, 1]}, "sample_weight must hold 3 finite"),
        ({"sample_weight": [0, 0, 0]}, "not all 0"),
        ({"confidence": 1.0}, "confidence must be a number in"),
        ({"floor": 0.0}, "floor must be a number in"),
        ({"metric": "f1"}, "metric must be one of"),
        ({"objective": "f1"}, "objective must be one of"),
        ({"scores": [-1.0, 0.5, 2.0]}, "need candidates="),
        ({"truth": [0, 1]}, "same length"),
        ({"truth": [0, 2, 1]}, "only 0 and 1"),
        ({"scores": [0.1, np.nan, 0.5]}, "must be finite"),
    ],
)
def test_bad_input_is_refused(kwargs, message):
    """Check bad inputs raise ValueError naming the problem."""
    args = {
        "scores": [0.1, 0.5, 0.9],
        "truth": [0, 1, 1],
        "floor": 0.5,
        "confidence": 0.5,
        **kwargs,
    }
    with pytest.raises(ValueError, match=message):
        certify_cut(args.pop("scores"), args.pop("truth"), **args)


@pytest.mark.parametrize(
    "value, confidence, message",
    [(1.5, None, "value must"), (0.9, 0.0, "confidence must"), (True, None, "value")],
)
def test_at_least_refuses_bad_values(value, confidence, message):
    """Check AtLeast validates its floor and confidence."""
    with pytest.raises(ValueError, match=message):
        AtLeast(value, confidence=confidence)


def test_joint_needs_one_confidence():
    """Check joint=True refuses one confidence per label."""
    with pytest.raises(ValueError, match="one confidence"):
        certify_cuts(
            np.full((4, 2), 0.5),
            np.ones((4, 2)),
            floor=0.5,
            confidence=[0.9, 0.8],
            joint=True,
        )


def test_one_versus_rest_precision_per_class():
    """Check multiclass probabilities with one-hot truth give one certificate per
    class, each a cut on that class's own column."""
    rng = np.random.default_rng(6)
    proba = rng.dirichlet([0.5, 0.5, 0.5], size=3000)
    y = (rng.uniform(size=(3000, 1)) > proba.cumsum(axis=1)).sum(axis=1)
    onehot = np.eye(3, dtype=int)[np.minimum(y, 2)]
    certs = certify_cuts(proba, onehot, floor=0.9, confidence=0.9)
    assert len(certs) == 3 and all(c.certified for c in certs)
    for j, cert in enumerate(certs):
        kept = proba[:, j] >= cert.cut
        assert onehot[kept, j].mean() > 0.85


@pytest.mark.parametrize("kind", ["bernoulli", "uniform", "two-point"])
def test_hoeffding_bentkus_pvalues_are_valid_at_the_boundary(kind):
    """Check P(p <= delta) <= delta (within binomial error) for losses in [0, 1]
    whose mean is exactly the level tested: Bernoulli (the worst case), uniform,
    and a two-point law."""
    rng = np.random.default_rng(7)
    alpha, n, draws = 0.2, 200, 4000
    if kind == "bernoulli":
        losses = (rng.uniform(size=(draws, n)) < alpha).astype(float)
    elif kind == "uniform":
        losses = rng.uniform(0, 2 * alpha, size=(draws, n))
    else:
        losses = np.where(rng.uniform(size=(draws, n)) < 0.5, 0.05, 0.35)
    p = hoeffding_bentkus_pvalues(losses.mean(axis=1), np.full(draws, n), alpha)
    for delta in (0.05, 0.1, 0.2):
        assert np.mean(p <= delta) <= _allowed(delta, draws)


def test_hoeffding_bentkus_is_e_times_the_binomial_tail_or_hoeffding():
    """Check the p-value is min(exp(-n h(r, a)), e P(Bin(n, a) <= ceil(n r))), 1 for
    a mean loss at or above the level, and 1 with no rows."""
    n, alpha, risk = 50, 0.3, 0.12
    h = risk * np.log(risk / alpha) + (1 - risk) * np.log((1 - risk) / (1 - alpha))
    expected = min(np.exp(-n * h), np.e * binom.cdf(6, n, alpha))
    got = hoeffding_bentkus_pvalues([risk, alpha, 0.5, 0.1], [n, n, n, 0], alpha)
    assert got[0] == pytest.approx(expected)
    assert got[1:].tolist() == [1.0, 1.0, 1.0]


def _weighted_precision(t, positive_weight):
    """Precision at s >= t with positives weighted ``positive_weight``."""
    hits = (1 - t**3) / 3
    return positive_weight * hits / (positive_weight * hits + (1 - t) - hits)


@pytest.mark.parametrize("weights, floor", [("class", 0.85), ("random", 0.7)])
def test_weighted_precision_floor_holds_with_hoeffding_bentkus(weights, floor):
    """Check a floor on the weighted precision (class weights 1 / 3, or weights
    drawn independently of the rows) is violated in at most 1 - confidence of the
    draws, certified by Hoeffding--Bentkus, while plain tuning of the same floor on
    the weighted rows violates it in about half."""
    confidence = 0.9
    scores, truth = _draws(8, 1000, draws=200)
    rng = np.random.default_rng(9)

    def true_rate(cut):
        return _weighted_precision(cut, 3.0) if weights == "class" else _precision(cut)

    ours, plain, certified = [], [], []
    for s, y in zip(scores, truth, strict=True):
        w = 1 + 2.0 * y if weights == "class" else rng.uniform(0.5, 2.0, y.size)
        cert = _certify_quietly(
            s, y, floor=floor, confidence=confidence, sample_weight=w
        )
        assert cert.test == "hoeffding-bentkus"
        ours.append(cert.certified and true_rate(cert.cut) < floor)
        certified.append(cert.certified)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            tuned = tune_thresholds(
                y, s, classes=[0, 1], scoring=RecallAtPrecision(floor), sample_weight=w
            )
        plain.append(true_rate(tuned.thresholds) < floor)
    assert np.mean(ours) <= _allowed(1 - confidence, 200)
    assert np.mean(certified) > 0.6  # not the trivial safe rule
    assert np.mean(plain) > 0.3


def test_equal_weights_keep_the_exact_tail():
    """Check equal weights give the unweighted certificate, exact binomial tail."""
    scores, truth = _draws(10, 500, draws=1)
    plain = _certify_quietly(scores[0], truth[0], floor=0.8, confidence=0.9)
    weighted = _certify_quietly(
        scores[0], truth[0], floor=0.8, confidence=0.9, sample_weight=np.full(500, 2)
    )
    assert weighted == plain and plain.test == "binomial"


def _holm_over_labels(labels, alpha, cuts):
    """Holm across labels (not offered): labels not yet certified are retested at
    alpha / (labels left) after each step that certifies one."""
    done = {}
    while len(done) < len(labels):
        level = alpha / (len(labels) - len(done))
        new = {
            j: certify_cut(s, y, floor=0.9, confidence=1 - level, warn=False, **cuts[j])
            for j, (s, y) in enumerate(labels)
            if j not in done
        }
        new = {j: c for j, c in new.items() if c.certified}
        if not new:
            break
        done.update(new)
    return done


def test_holm_across_labels_breaks_the_joint_guarantee_bonferroni_keeps():
    """Check why joint=True stays Bonferroni: three labels certify a safe cut at
    once and walk on to a cut just below the floor; Holm then spends the whole
    budget on a fourth label whose only cut is just below the floor, and the joint
    violation exceeds 1 - confidence, where Bonferroni's does not."""
    rng = np.random.default_rng(12)
    alpha, n, draws, floor = 0.2, 20000, 300, 0.9
    edge = 0.47222  # precision 0.475 / (1 - edge) = 0.899996 on labels 0-2
    cuts = [dict(candidates=[edge, 0.8], starts=[0.8])] * 3 + [
        dict(candidates=[0.5], starts=[0.5])
    ]
    bonferroni, holm = [], []
    for _ in range(draws):
        s = rng.uniform(size=(n, 4))
        p = np.where(s >= 0.5, 0.95, 0.0)
        p[:, 3] = 0.89999  # label 3: precision 0.89999 at every cut
        y = (rng.uniform(size=(n, 4)) < p).astype(int)
        labels = [(s[:, j], y[:, j]) for j in range(4)]

        def violated(certs):
            return any(c.cut < 0.5 or j == 3 for j, c in certs.items())

        together = {
            j: _certify_quietly(
                *labels[j], floor=floor, confidence=1 - alpha / 4, **cuts[j]
            )
            for j in range(4)
        }
        together = {j: c for j, c in together.items() if c.certified}
        bonferroni.append(violated(together))
        holm.append(violated(_holm_over_labels(labels, alpha, cuts)))
    assert np.mean(bonferroni) <= _allowed(alpha, draws)
    assert np.mean(holm) > _allowed(alpha, draws)
