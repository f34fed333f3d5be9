"""Tune exact thresholds on a validation set split over Dask workers, then decode.

A LocalCluster of two worker processes (512 MiB each) stands in for a cluster. The
validation scores are generated chunk by chunk on the workers (never gathered in
one process); the thresholds tuned on them are checked against the in-memory
function on the same rows, and a pre-trained model is tuned and applied partition
by partition.
"""

import dask.array as da
import numpy as np
from distributed import Client, LocalCluster
from sklearn.datasets import make_classification
from sklearn.frozen import FrozenEstimator
from sklearn.linear_model import LogisticRegression

from sklabels import ProbabilisticLabelClassifier, decode, tune_thresholds

LABELS = ["spam", "promo", "urgent", "personal"]


def validation_chunk(block_id=None, rows=50_000):
    """Scores and truth of one chunk, made on the worker that needs them."""
    rng = np.random.default_rng(block_id[0])
    truth = rng.random((rows, len(LABELS))) < [0.05, 0.2, 0.01, 0.4]
    noise = rng.normal(size=truth.shape)
    scores = 1 / (1 + np.exp(-(2.5 * truth - 1.5 + noise)))
    return np.concatenate([scores, truth], axis=1).astype(np.float32)


def main() -> None:
    with (
        LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            memory_limit="512MiB",
            dashboard_address=":0",  # any free port
        ) as cluster,
        Client(cluster),
    ):
        n_chunks, rows, k = 6, 50_000, len(LABELS)
        both = da.map_blocks(
            validation_chunk,
            chunks=((rows,) * n_chunks, (2 * k,)),
            dtype=np.float32,
        )
        scores, truth = both[:, :k], both[:, k:].astype(np.int8)

        # 1. Exact per-label thresholds, from per-chunk counts merged on the workers.
        result = tune_thresholds(truth, scores, classes=LABELS, return_curves=False)
        print(f"tuned on {scores.shape[0]:,} rows:")
        for label, t in zip(LABELS, result.thresholds, strict=True):
            print(
                f"  {label:9s} threshold {t:.4f}  F1 {result.class_scores[label]:.4f}"
            )

        # The same thresholds as the in-memory function on the same rows.
        in_memory = tune_thresholds(
            truth.compute(), scores.compute(), classes=LABELS, return_curves=False
        )
        if not (
            np.array_equal(in_memory.thresholds, result.thresholds)
            and in_memory.best_score == result.best_score
        ):
            raise SystemExit("the Dask thresholds differ from the in-memory ones")
        print("identical to in-memory tune_thresholds: yes")

        # 2. Lazy decoding: a Dask Array of 0/1 indicators (columns: LABELS), which
        # computes at array speed; output="tuples" gives a Dask Bag of label tuples.
        labels = decode(scores, LABELS, threshold=result.thresholds)
        print("labels on per row (mean):", float(labels.sum(axis=1).mean().compute()))
        tuples = decode(scores, LABELS, threshold=result.thresholds, output="tuples")
        print("first rows:", tuples.take(3))

        # 3. A pre-trained model, its threshold tuned on every partition of X.
        X, y = make_classification(40_000, 10, weights=[0.9], random_state=0)
        model = LogisticRegression().fit(X[:10_000], y[:10_000])
        # On Dask inputs the thresholds are tuned exactly from merged counts.
        clf = ProbabilisticLabelClassifier(
            FrozenEstimator(model), threshold="auto", tuning="exact"
        )
        X_val = da.from_array(X[10_000:], chunks=(5_000, 10))
        clf.fit(X_val, da.from_array(y[10_000:], chunks=5_000))
        predicted = clf.predict(X_val)  # lazy, chunk-aligned with X_val
        print(
            f"frozen model: threshold {clf.thresholds_:.4f}, F1 {clf.best_score_:.4f}"
        )
        print("positives predicted:", int(predicted.sum().compute()))


if __name__ == "__main__":
    main()
