"""Tuned bands on Dask scores: exactly the cuts tuned in memory."""

import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.special import logit

da = pytest.importorskip("dask.array")
dask = pytest.importorskip("dask")

from sklabels import Bands, BandWarning, tune_bands  # noqa: E402

NAMES = ["routine", "urgent", "emergency"]
TARGETS = [
    {},
    {"shares": [0.5, 0.3, 0.2]},
    {"shares": [0.0, 0.9, 0.1]},
    {"min_event_rate": {"emergency": 0.6}},
    {"max_event_rate": {"routine": 0.05}},
    {"min_event_rate": {"emergency": 0.8, "urgent": 0.4}},
    {"min_event_rate": {"emergency": 0.6}, "max_event_rate": {"routine": 0.1}},
    {"max_event_rate": {"routine": 0.02, "urgent": 0.3}},
]


@pytest.fixture(autouse=True)
def synchronous():
    with dask.config.set(scheduler="synchronous"):
        yield


def _pair(score, event, chunks):
    return da.from_array(score, chunks=chunks), da.from_array(event, chunks=chunks)


@settings(max_examples=25, deadline=None, derandomize=True)
@given(
    st.integers(1, 2500),
    st.integers(0, 10_000),
    st.sampled_from(range(len(TARGETS))),
    st.sampled_from([None, 1, 2, 3]),
    st.integers(1, 900),
    st.booleans(),
)
def test_dask_tuned_bands_equal_the_in_memory_cuts(n, seed, target, ties, chunk, lg):
    """Check that bands tuned on Dask blocks have exactly the cuts tune_bands finds
    in memory, for shares and event-rate targets, with tied scores, any blocks,
    on probabilities and on logits."""
    rng = np.random.default_rng(seed)
    score = rng.uniform(0.001, 0.999, n)
    if ties is not None:  # many rows share each score
        score = np.round(score, ties).clip(0.001, 0.999)
    event = (rng.uniform(size=n) < score**2).astype(int)
    if lg:
        score = logit(score)
    bands = Bands(NAMES, **TARGETS[target])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", BandWarning)
        expected = tune_bands(bands, score, event, logits=lg)
        got = tune_bands(bands, *_pair(score, event, chunk), logits=lg)
    assert got.cuts == expected.cuts


def test_dask_bands_refine_cells_of_many_scores():
    """Check that the cuts fall between neighbouring distinct scores that share
    the first pass's cell (the refinement is needed, and exact)."""
    rng = np.random.default_rng(0)
    score = 0.5 + rng.uniform(0, 1e-6, 20_000)  # one cell of pass 1
    event = (rng.uniform(size=20_000) < (score - 0.5) * 1e6).astype(int)
    bands = Bands(NAMES, min_event_rate={"emergency": 0.8}, shares=None)
    expected = tune_bands(bands, score, event)
    got = tune_bands(bands, *_pair(score, event, 3_000))
    assert got.cuts == expected.cuts
    assert len(np.unique(score[score >= got.cuts[-1]])) > 1


def test_an_unfillable_band_on_dask_warns_once():
    """Check that a band no set fills warns once, not once per pass."""
    rng = np.random.default_rng(1)
    score = rng.uniform(size=3000)
    event = (rng.uniform(size=3000) < 0.1).astype(int)
    bands = Bands(NAMES, min_event_rate={"emergency": 0.99})
    with pytest.warns(BandWarning) as record:
        got = tune_bands(bands, *_pair(score, event, 500))
    assert len(record) == 1 and "'emergency' is empty" in str(record[0].message)
    with pytest.warns(BandWarning):
        assert got.cuts == tune_bands(bands, score, event).cuts


def test_certified_bands_on_dask_are_refused():
    """Check that confidence= on Dask scores is a clear error naming the fix."""
    score = da.from_array(np.linspace(0, 1, 100), chunks=30)
    event = da.from_array((np.linspace(0, 1, 100) > 0.5).astype(int), chunks=30)
    bands = Bands(NAMES, min_event_rate={"emergency": 0.6}, confidence=0.9)
    with pytest.raises(ValueError, match="compute a sample of the scores"):
        tune_bands(bands, score, event)


def test_events_that_are_not_zero_or_one_are_refused_on_dask():
    """Check that events other than 0/1 name what is expected."""
    score = da.from_array(np.linspace(0, 1, 10), chunks=5)
    event = da.from_array(np.full(10, 2), chunks=5)
    with pytest.raises(ValueError, match="events must be 0/1"):
        tune_bands(Bands(NAMES), score, event)
