"""Ordered named bands cut from one score: the value, tuning, reports."""

import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sklabels._bands import Bands, BandWarning, band_report, tune_bands

NAMES = ["routine", "urgent", "emergency"]


def test_a_score_equal_to_a_cut_goes_to_the_higher_band():
    """Check that the band rule is >= at every cut, like every other rule."""
    bands = Bands(NAMES, cuts=[0.3, 0.7])
    labels = bands.labels(np.array([0.0, 0.2999, 0.3, 0.6999, 0.7, 1.0]))
    expected = ["routine", "routine", "urgent", "urgent", "emergency", "emergency"]
    assert labels.tolist() == expected


def test_logit_scores_are_cut_at_the_logit_of_each_cut():
    """Check that logits and their probabilities fall in the same bands."""
    rng = np.random.default_rng(0)
    z = rng.normal(0, 3, 500)
    bands = Bands(NAMES, cuts=[0.3, 0.7])
    from scipy.special import expit

    assert np.array_equal(bands.assign(z, logits=True), bands.assign(expit(z)))


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"names": ["a", "b", "c"], "cuts": [0.5]}, "need 2 cut-points"),
        ({"names": ["a", "b", "c"], "cuts": [0.7, 0.3]}, "increase strictly"),
        ({"names": ["a", "b"], "cuts": [float("nan")]}, "finite"),
        ({"names": ["a", "a"], "cuts": [0.5]}, "must differ"),
        ({"names": ["a"], "cuts": []}, "at least two names"),
        ({"names": "abc", "cuts": [0.5]}, "list of band names"),
        ({"names": ["a", "b"], "cuts": [0.5], "shares": [0.5, 0.5]}, "not both"),
        ({"names": ["a", "b"], "shares": [0.5, 0.6]}, "sum to 1"),
        ({"names": ["a", "b", "c"], "min_event_rate": {"a": 0.5}}, "top down"),
        ({"names": ["a", "b", "c"], "max_event_rate": {"c": 0.5}}, "bottom up"),
        ({"names": ["a", "b"], "min_event_rate": {"z": 0.5}}, "not among"),
        ({"names": ["a", "b"], "min_event_rate": {"b": 1.5}}, r"in \[0, 1\]"),
        (
            {
                "names": ["a", "b"],
                "min_event_rate": {"b": 0.5},
                "max_event_rate": {"a": 0.1},
            },
            "leave at least one band",
        ),
    ],
)
def test_bad_bands_are_clear_errors(kwargs, message):
    """Check that a mismatch in count, order or targets names the fix."""
    names = kwargs.pop("names")
    with pytest.raises((ValueError, TypeError), match=message):
        Bands(names, **kwargs)


def _oracle_top(score, event, rate):
    """Brute force: the largest set of top scores (ties kept) with rate >= target."""
    best = 0
    for cut in np.unique(score):
        inside = score >= cut
        if event[inside].mean() >= rate - 1e-12:
            best = max(best, int(inside.sum()))
    return best


def _oracle_bottom(score, event, rate):
    best = 0
    for cut in np.unique(score):
        inside = score <= cut
        if event[inside].mean() <= rate + 1e-12:
            best = max(best, int(inside.sum()))
    return best


@settings(max_examples=60, deadline=None, derandomize=True)
@given(
    st.integers(5, 60),
    st.integers(0, 10_000),
    st.floats(0.05, 0.95),
    st.floats(0.0, 0.5),
    st.sampled_from([None, 4]),
)
def test_tuned_event_rate_bands_match_a_brute_force_oracle(n, seed, top, bottom, ties):
    """Check that the tuned top and bottom bands are the largest sets meeting their
    targets, as a brute force over every cut finds, ties never split."""
    rng = np.random.default_rng(seed)
    score = rng.random(n)
    if ties:
        score = np.round(score * ties) / ties
    event = (rng.random(n) < score).astype(float)
    bands = Bands(
        NAMES, min_event_rate={"emergency": top}, max_event_rate={"routine": bottom}
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", BandWarning)
        tuned = tune_bands(bands, score, event)
    counts = [row.count for row in band_report(tuned, score, event)]
    expected_top = _oracle_top(score, event, top)
    assert counts[2] == expected_top
    rest = score < (
        np.inf if expected_top == 0 else np.sort(score)[::-1][expected_top - 1]
    )
    if expected_top == 0:
        rest = np.ones(n, dtype=bool)
    assert counts[0] == _oracle_bottom(score[rest], event[rest], bottom)


def test_shares_split_the_rows_without_splitting_ties():
    """Check that equal shares give equal bands, and tied scores stay together."""
    score = np.repeat(np.arange(8) / 8, 25)  # 8 distinct scores, 25 rows each
    event = np.zeros(200)
    tuned = tune_bands(Bands(["a", "b", "c", "d"]), score, event)
    assert [row.count for row in band_report(tuned, score, event)] == [50] * 4
    odd = tune_bands(Bands(["a", "b", "c"]), score, event)
    counts = [row.count for row in band_report(odd, score, event)]
    assert sum(counts) == 200 and all(c % 25 == 0 for c in counts)


def test_a_band_that_cannot_be_filled_warns():
    """Check that an unreachable target is reported, not silently emptied."""
    score = np.linspace(0, 1, 100)
    event = np.zeros(100)
    with pytest.warns(BandWarning, match="'emergency' is empty"):
        tuned = tune_bands(
            Bands(NAMES, min_event_rate={"emergency": 0.5}), score, event
        )
    assert band_report(tuned, score, event)[2].count == 0


def test_band_report_holds_counts_rates_and_intervals():
    """Check the per-band rows: count, share, events, rate inside its interval."""
    rng = np.random.default_rng(1)
    score = rng.random(400)
    event = (rng.random(400) < score).astype(float)
    bands = Bands(NAMES, cuts=[0.3, 0.7])
    rows = band_report(bands, score, event)
    assert sum(r.count for r in rows) == 400
    assert sum(r.share for r in rows) == pytest.approx(1.0)
    for row, inside in zip(
        rows, [score < 0.3, (score >= 0.3) & (score < 0.7), score >= 0.7], strict=True
    ):
        assert row.count == inside.sum()
        assert row.event_rate == pytest.approx(event[inside].mean())
        assert row.low <= row.event_rate <= row.high


def test_bands_round_trip_through_a_dict():
    """Check that fixed bands serialize and come back equal; unknown fields fail."""
    bands = Bands(NAMES, cuts=[0.3, 0.7], score_of="ill")
    assert Bands.from_dict(bands.to_dict()) == bands
    with pytest.raises(ValueError, match="unknown fields"):
        Bands.from_dict({**bands.to_dict(), "colour": "red"})


def test_band_display_draws_each_band_with_its_interval():
    """Check that the display has one point per band, at its event rate."""
    pytest.importorskip("matplotlib")
    import matplotlib

    matplotlib.use("Agg")
    from sklabels._bands import plot_bands

    rng = np.random.default_rng(2)
    score = rng.random(300)
    event = (rng.random(300) < score).astype(float)
    rows = band_report(Bands(NAMES, cuts=[0.3, 0.7]), score, event)
    ax = plot_bands(rows)
    points = ax.lines[0].get_ydata()
    assert np.allclose(points, [row.event_rate for row in rows])


@pytest.mark.parametrize(
    "event", [[0, 2, 1, 0], [0.0, 0.5, 1.0, 1.0], [0, np.nan, 1, 1]]
)
def test_tune_bands_refuses_events_that_are_not_zero_or_one(event):
    """Check that in-memory tuning refuses events other than 0/1, as Dask does."""
    with pytest.raises(ValueError, match="events must be 0/1"):
        tune_bands(Bands(["low", "high"]), [0.1, 0.4, 0.6, 0.9], event)


@pytest.mark.parametrize(
    ("score", "message"),
    [
        (np.ones((4, 2)), "one column of numeric scores"),
        (["a", "b", "c", "d"], "one column of numeric scores"),
        ([0.1, np.nan, 0.5, 0.9], "NaN or infinity"),
        ([0.1, np.inf, 0.5, 0.9], "NaN or infinity"),
    ],
)
def test_tune_bands_refuses_scores_it_cannot_cut(score, message):
    """Check that tuning refuses 2-D, text and non-finite scores by name."""
    with pytest.raises(ValueError, match=message):
        tune_bands(Bands(["low", "high"]), score, [0, 1, 1, 0])


@settings(derandomize=True, deadline=None, max_examples=30)
@given(
    seed=st.integers(0, 2**32 - 1),
    decimals=st.sampled_from([None, 1, 2]),
    form=st.sampled_from(["list", "series", "column"]),
)
def test_tuned_bands_do_not_depend_on_row_order_or_container(seed, decimals, form):
    """Check that tuned cuts are the same for rows in any order, rounded (tied)
    scores included, and for a list, a Series or an (n, 1) column."""
    rng = np.random.default_rng(seed)
    score = rng.random(300)
    if decimals is not None:
        score = np.round(score, decimals)
    event = (rng.random(300) < score**2).astype(int)
    bands = Bands(["low", "mid", "high"], min_event_rate={"high": 0.5})
    expected = tune_bands(bands, score, event).cuts
    order = rng.permutation(300)
    shuffled, events = score[order], event[order]
    wrapped = {
        "list": (list(shuffled), list(events)),
        "series": (pd.Series(shuffled), pd.Series(events)),
        "column": (shuffled[:, None], events[:, None]),
    }[form]
    np.testing.assert_array_equal(tune_bands(bands, *wrapped).cuts, expected)
