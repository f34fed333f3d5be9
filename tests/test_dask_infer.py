"""problem="auto" on Dask scores reads the precision of all rows, as in memory."""

import numpy as np
import pytest

da = pytest.importorskip("dask.array")

from sklabels import decode  # noqa: E402

CLASSES = ["x", "y", "z"]


def _float32_rows(n, seed, off):
    """Softmax rows computed in float32, off from 1 by ``off`` (float32 rounding
    of a row of three values allows about 6e-6), stored as float64."""
    rows = np.random.default_rng(seed).dirichlet([1, 1, 1], n).astype(np.float32)
    rows[:, 2] = np.float32(1) - rows[:, 0] - rows[:, 1] + np.float32(off)
    return rows.astype(np.float64)


def _decoded(scores):
    """What decode(problem="auto") gives (labels) or the error message it raises."""
    try:
        out = decode(scores, CLASSES)
    except ValueError as error:
        return str(error)
    return np.asarray(out.compute() if hasattr(out, "compute") else out)


def test_dask_auto_refuses_like_memory_when_one_block_is_finer():
    """Check that float32-rounded rows in one block and float64 rows in another are
    judged at float64 precision on Dask too: the rows off by 3e-6 make the scores
    ambiguous in memory, and on Dask (each block alone would pass)."""
    float64_rows = np.random.default_rng(1).dirichlet([1, 1, 1], 40)
    scores = np.vstack([_float32_rows(40, 0, 3e-6), float64_rows])
    in_memory = _decoded(scores)
    assert isinstance(in_memory, str) and "cannot tell" in in_memory
    assert _decoded(da.from_array(scores, chunks=(40, 3))) == in_memory


@pytest.mark.parametrize("chunk", [7, 40, 80])
def test_dask_auto_accepts_float32_rounding_in_every_block_like_memory(chunk):
    """Check that rows rounded at float32 precision in every block are softmax rows
    on Dask as in memory, whatever the blocks, with the same labels."""
    scores = np.vstack([_float32_rows(40, 0, 3e-6), _float32_rows(40, 2, -2e-6)])
    in_memory = _decoded(scores)
    assert not isinstance(in_memory, str)
    got = _decoded(da.from_array(scores, chunks=(chunk, 3)))
    np.testing.assert_array_equal(got, in_memory)


def test_dask_auto_ignores_empty_blocks():
    """Check that an empty block (no rows, so no precision of its own) leaves the
    inferred problem as in memory."""
    scores = _float32_rows(40, 0, 3e-6)
    dask_scores = da.concatenate(
        [
            da.from_array(scores[:20]),
            da.from_array(scores[:0]),
            da.from_array(scores[20:]),
        ]
    )
    np.testing.assert_array_equal(_decoded(dask_scores), _decoded(scores))
