"""The bounded Dask passes computed in waves of blocks equal the in-memory tuning."""

import warnings

import numpy as np
import pytest

da = pytest.importorskip("dask.array")

from sklabels import tune_thresholds  # noqa: E402
from sklabels._dask._passes import wave_size  # noqa: E402


@pytest.mark.parametrize(
    "options",
    [{}, {"average": "micro"}, {"from_logits": True}, {"scoring": "mcc"}],
    ids=["per-label", "micro", "logits", "mcc"],
)
def test_dask_tuning_in_many_waves_equals_memory(options):
    """Check that scores cut into several waves of blocks (more blocks than one
    wave holds) give the in-memory thresholds and values, per label and pooled,
    for probabilities and logits."""
    rng = np.random.default_rng(7)
    rows = 37 * wave_size()
    truth = rng.random((rows, 3)) < [0.05, 0.2, 0.4]
    scores = np.clip(rng.random((rows, 3)) * 0.8 + truth * 0.2, 0.001, 0.999)
    scores = scores.astype(np.float32)
    if options.get("from_logits"):
        scores = np.log(scores / (1 - scores))
    chunks = (12, 3)  # about three waves of blocks
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        expected = tune_thresholds(truth, scores, **options)
        got = tune_thresholds(
            da.from_array(truth.astype(np.int8), chunks=chunks),
            da.from_array(scores, chunks=chunks),
            **options,
        )
    np.testing.assert_array_equal(got.thresholds, expected.thresholds)
    assert got.class_scores == expected.class_scores
    assert got.best_score == expected.best_score
