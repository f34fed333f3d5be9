"""The Dask layer: ``decode``, ``tune_thresholds`` and the estimator on Dask inputs.

The core never imports this package; ``sklabels._backend`` loads it by name when
an input is a Dask collection, and hands the call over to one of the four
functions below. Dask is imported only then, so the package imports without it.

- ``decode`` and ``predict`` run the in-memory code on each block or partition,
  lazily (``_outputs``); the only decision that needs every row, the problem kind
  of a multi-column score array under ``problem="auto"``, is the core's row-sum
  rule on statistics reduced over all rows (``_infer``).
- ``tune`` reduces every block to a table of its distinct scores with the counts
  at each, merges the tables in a tree (``_blocks``) and runs the in-memory sweep on
  the merged table: exactly the in-memory result (``_tune``).
- ``tune_bands`` tunes the cuts of bands exactly from the bounded tuner's
  mergeable summaries, refined where a cut can lie (``_bands``).
- ``fit`` tunes a frozen model's thresholds that way on its scores of every
  partition (``_fit``); the classes come from one reduction over ``y``
  (``_target``).
"""

from ._bands import tune_bands
from ._fit import fit
from ._outputs import decode, predict
from ._tune import tune

__all__ = ["decode", "fit", "predict", "tune", "tune_bands"]
