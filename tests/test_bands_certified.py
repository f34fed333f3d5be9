"""Certified bands: the edge bands' event-rate targets hold on new data."""

import warnings

import numpy as np
import pytest
from scipy.special import logit
from scipy.stats import binom

from sklabels import certify_cut
from sklabels._bands import Bands, BandWarning, band_report, tune_bands

NAMES = ["routine", "urgent", "emergency"]
FLOOR, CEILING, CONFIDENCE = 0.6, 0.05, 0.9


def top_rate(t):
    """Event rate of {s >= t} for s ~ U(0, 1), P(event | s) = s**2."""
    t = np.asarray(t, dtype=float)
    return (1 + t + t**2) / 3


def bottom_rate(t):
    """Event rate of {s < t} for the same population."""
    t = np.asarray(t, dtype=float)
    return t**2 / 3


def draw(rng, n):
    s = rng.uniform(size=n)
    return s, (rng.uniform(size=n) < s**2).astype(float)


def violations(bands, draws=300, n=400):
    """How often the tuned highest / lowest band misses its target on the
    population, over independent draws of the tuning rows."""
    rng = np.random.default_rng(0)
    top, bottom = [], []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", BandWarning)
        for _ in range(draws):
            tuned = tune_bands(bands, *draw(rng, n))
            low, high = tuned.cuts[0], tuned.cuts[-1]
            top.append(high <= 1 and top_rate(high) < FLOOR)
            bottom.append(low > 0 and bottom_rate(low) > CEILING)
    return np.mean(top), np.mean(bottom)


def allowance(rate, draws=300):
    """The largest violation rate a correct certificate shows with 99.9%
    probability over the draws: the binomial quantile of ``draws`` at ``rate``."""
    return binom.ppf(0.999, draws, rate) / draws


def test_certified_bands_violate_their_targets_at_most_one_minus_confidence():
    """Check in simulation that the certified top and bottom bands miss their
    targets on the population in at most 1 - confidence of the draws, while the
    same bands tuned exactly (no certificate) miss them far more often."""
    targets = {"min_event_rate": {"emergency": FLOOR}}
    targets["max_event_rate"] = {"routine": CEILING}
    certified = violations(Bands(NAMES, **targets, confidence=CONFIDENCE))
    exact = violations(Bands(NAMES, **targets))
    assert max(certified) <= allowance(1 - CONFIDENCE)
    assert min(exact) > 0.3


def test_joint_certified_bands_hold_together():
    """Check that joint=True bands both meet their targets in at least
    `confidence` of the draws, all at once."""
    bands = Bands(
        NAMES,
        min_event_rate={"emergency": FLOOR},
        max_event_rate={"routine": CEILING},
        confidence=CONFIDENCE,
        joint=True,
    )
    rng = np.random.default_rng(1)
    misses = []
    for _ in range(200):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", BandWarning)
            tuned = tune_bands(bands, *draw(rng, 400))
        low, high = tuned.cuts[0], tuned.cuts[-1]
        misses.append(top_rate(high) < FLOOR or bottom_rate(low) > CEILING)
    assert np.mean(misses) <= allowance(1 - CONFIDENCE, 200)


def test_the_certified_top_band_is_certify_cuts_lowest_certified_precision_cut():
    """Check that the highest band is the largest top set certify_cut certifies
    for a precision floor (the same exact test, not a copy of it)."""
    s, y = draw(np.random.default_rng(2), 2000)
    tuned = tune_bands(
        Bands(NAMES[:2], min_event_rate={"urgent": FLOOR}, confidence=0.9), s, y
    )
    cert = certify_cut(s, y, floor=FLOOR, confidence=0.9, objective="coverage")
    assert tuned.cuts == (cert.threshold,)
    record = tuned.certificates["urgent"]
    assert record.certified and record.p_value == cert.p_value
    assert record.n_certified == cert.n_certified
    assert record.cut == cert.threshold


def test_the_certified_bottom_band_is_the_mirror_of_the_top_band():
    """Check that a max_event_rate band on scores equals a min_event_rate band on
    the mirrored scores (1 - s) with the events flipped."""
    # scores on a 1/1000 grid: 1 - s is exact, and ties at the cuts are tested
    rng = np.random.default_rng(3)
    s = rng.integers(0, 1001, 1500) / 1000
    y = (rng.uniform(size=1500) < s**2).astype(float)
    low = tune_bands(Bands(["a", "b"], max_event_rate={"a": 0.1}, confidence=0.9), s, y)
    high = tune_bands(
        Bands(["a", "b"], min_event_rate={"b": 0.9}, confidence=0.9), 1 - s, 1 - y
    )
    in_low = low.assign(s) == 0
    assert np.array_equal(in_low, high.assign(1 - s) == 1)
    assert low.certificates["a"].p_value == high.certificates["b"].p_value


def test_an_uncertified_band_is_empty_on_any_data_and_warns():
    """Check that a band with no certified set warns, records it and stays empty
    on new data too (not just on the tuning rows)."""
    s, y = draw(np.random.default_rng(4), 60)
    bands = Bands(NAMES, min_event_rate={"emergency": 0.99}, confidence=0.9)
    with pytest.warns(BandWarning, match="'emergency' is empty: no set"):
        tuned = tune_bands(bands, s, y)
    record = tuned.certificates["emergency"]
    assert not record.certified and record.p_value == 1.0
    assert record.n_certified == 0
    new = np.array([0.0, 0.5, 0.999, 1.0])
    assert not np.any(tuned.assign(new) == 2)
    assert not np.any(
        tuned.assign(logit(np.clip(new, 1e-9, 1 - 1e-9)), logits=True) == 2
    )
    rows = band_report(tuned, s, y)
    assert rows[-1].count == 0 and rows[-1].certificate == record
    assert rows[0].certificate is None


def test_logit_scores_give_the_same_certified_bands_as_probabilities():
    """Check that logits are certified on their probabilities."""
    s, y = draw(np.random.default_rng(5), 1000)
    s = np.clip(s, 1e-6, 1 - 1e-6)
    bands = Bands(
        NAMES,
        min_event_rate={"emergency": FLOOR},
        max_event_rate={"routine": CEILING},
        confidence=0.8,
    )
    on_proba = tune_bands(bands, s, y)
    on_logits = tune_bands(bands, logit(s), y, logits=True)
    assert on_proba.certificates == on_logits.certificates
    assert np.array_equal(on_proba.assign(s), on_logits.assign(logit(s), logits=True))


def test_certificates_round_trip_through_a_dict():
    """Check that the thresholds file keeps each certified band's certificate."""
    s, y = draw(np.random.default_rng(6), 800)
    tuned = tune_bands(
        Bands(NAMES, min_event_rate={"emergency": FLOOR}, confidence=0.9), s, y
    )
    back = Bands.from_dict(tuned.to_dict())
    assert back == tuned and back.certificates == tuned.certificates


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"cuts": [0.3, 0.7], "confidence": 0.9}, "certifies min_event_rate"),
        ({"shares": [0.3, 0.3, 0.4], "confidence": 0.9}, "certifies min_event_rate"),
        (
            {"min_event_rate": {"emergency": 0.8, "urgent": 0.5}, "confidence": 0.9},
            r"got targets for \['urgent'\]",
        ),
        ({"min_event_rate": {"emergency": 0.8}, "confidence": 1.0}, r"in \(0, 1\)"),
        ({"min_event_rate": {"emergency": 0.0}, "confidence": 0.9}, "above 0"),
        ({"max_event_rate": {"routine": 1.0}, "confidence": 0.9}, "below 1"),
        ({"min_event_rate": {"emergency": 0.8}, "joint": True}, "needs confidence"),
    ],
)
def test_bad_certified_bands_are_clear_errors(kwargs, message):
    """Check that confidence= on bands it cannot certify names the fix."""
    with pytest.raises(ValueError, match=message):
        Bands(NAMES, **kwargs)


def test_confidence_is_part_of_the_bands_identity():
    """Check that bands differing only in confidence are different rules (a
    fitted estimator must be refitted for the new confidence)."""
    plain = Bands(NAMES, min_event_rate={"emergency": FLOOR})
    certified = Bands(NAMES, min_event_rate={"emergency": FLOOR}, confidence=0.9)
    assert plain != certified
    assert "confidence=0.9" in repr(certified)


def test_the_fitted_estimator_holds_the_certified_bands_and_reports_them():
    """Check that fit certifies the bands on its held-out scores: bands_ holds
    the certificates, band_report shows them, predict uses the certified cuts."""
    from sklearn.datasets import make_classification
    from sklearn.linear_model import LogisticRegression

    from sklabels import ProbabilisticLabelClassifier

    X, y = make_classification(1500, random_state=0)
    bands = Bands(
        NAMES,
        min_event_rate={"emergency": 0.9},
        max_event_rate={"routine": 0.1},
        confidence=0.9,
    )
    clf = ProbabilisticLabelClassifier(LogisticRegression(), threshold=bands)
    clf.fit(X, y)
    certificates = clf.bands_.certificates
    assert sorted(certificates) == ["emergency", "routine"]
    assert all(c.certified for c in certificates.values())
    assert clf.bands_.cuts[-1] == certificates["emergency"].cut
    rows = clf.band_report(X, y)
    assert rows[-1].certificate == certificates["emergency"]
    proba = clf.estimator_.predict_proba(X)[:, 1]
    expected = np.asarray(NAMES)[clf.bands_.assign(proba)]
    assert np.array_equal(clf.predict(X), expected)


def test_certified_bands_survive_skops_persistence(tmp_path):
    """Check that a fitted estimator with certified bands saves and loads with the
    package's trusted types, certificates and predictions unchanged."""
    sio = pytest.importorskip("skops.io")
    from sklearn.datasets import make_classification
    from sklearn.linear_model import LogisticRegression

    from sklabels import ProbabilisticLabelClassifier
    from sklabels.persistence import trusted_types

    X, y = make_classification(1000, random_state=1)
    bands = Bands(NAMES, min_event_rate={"emergency": 0.9}, confidence=0.9)
    clf = ProbabilisticLabelClassifier(LogisticRegression(), threshold=bands)
    clf.fit(X, y)
    sio.dump(clf, tmp_path / "model.skops")
    loaded = sio.load(tmp_path / "model.skops", trusted=trusted_types())
    assert loaded.bands_.certificates == clf.bands_.certificates
    assert loaded.predict(X).tolist() == clf.predict(X).tolist()


def test_a_malformed_certificate_in_a_file_is_a_clear_error():
    """Check that a certificate with missing or unknown fields names the fix."""
    s, y = draw(np.random.default_rng(7), 800)
    data = tune_bands(
        Bands(NAMES, min_event_rate={"emergency": FLOOR}, confidence=0.9), s, y
    ).to_dict()
    del data["certificates"][0]["p_value"]
    with pytest.raises(ValueError, match="write the file again"):
        Bands.from_dict(data)
