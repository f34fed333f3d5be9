"""Multilabel threshold tuning against per-label TunedThresholdClassifierCV.

``make_multilabel_classification`` with 24 labels of varied frequency, a held-out
third. All three use ``LogisticRegression`` per label and 5 folds:

- ours: ``ProbabilisticLabelClassifier(OneVsRestClassifier(LogisticRegression()),
  threshold="auto", scoring="f1")`` -- out-of-fold scores of all labels at once, one
  exact sweep per label, refit;
- peer: ``MultiOutputClassifier(TunedThresholdClassifierCV(LogisticRegression(),
  scoring="f1"))`` -- one binary tuner per label, each with its own 5 folds and a
  100-point ``f1_score`` grid (scikit-learn's tuner is binary-only);
- fixed 0.5: ``ProbabilisticLabelClassifier(OneVsRestClassifier(...))``.

Targets: held-out macro-F1 at least the peer's; fit time at most 0.2x the peer's.

    python benchmarks/bench_tuning_multilabel.py [--rows 30000] [--labels 24]
"""

import argparse
import time
import warnings

import numpy as np
from sklearn.datasets import make_multilabel_classification
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score
from sklearn.model_selection import TunedThresholdClassifierCV, train_test_split
from sklearn.multiclass import OneVsRestClassifier
from sklearn.multioutput import MultiOutputClassifier

from sklabels import ProbabilisticLabelClassifier


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=30_000)
    parser.add_argument("--labels", type=int, default=24)
    parser.add_argument("--repeats", type=int, default=1)
    args = parser.parse_args()
    X, Y = make_multilabel_classification(
        n_samples=args.rows,
        n_features=40,
        n_classes=args.labels,
        n_labels=3,
        allow_unlabeled=True,
        random_state=0,
    )
    X_train, X_test, Y_train, Y_test = train_test_split(
        X, Y, test_size=1 / 3, random_state=0
    )
    freq = Y.mean(axis=0)
    print(
        f"{args.rows:,} rows x {X.shape[1]} features, {args.labels} labels; label "
        f"frequency {freq.min():.1%} to {freq.max():.1%} (median {np.median(freq):.1%})"
    )

    def lr():
        return LogisticRegression(max_iter=1000)

    models = {
        "sklabels threshold='auto'": lambda: ProbabilisticLabelClassifier(
            OneVsRestClassifier(lr()), threshold="auto", scoring="f1", random_state=0
        ),
        "MultiOutput(TunedThresholdCV)": lambda: MultiOutputClassifier(
            TunedThresholdClassifierCV(lr(), scoring="f1")
        ),
        "fixed 0.5": lambda: ProbabilisticLabelClassifier(OneVsRestClassifier(lr())),
    }
    times = {name: [] for name in models}
    scores = {}
    for _ in range(args.repeats):
        for name, make in models.items():
            model = make()
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                start = time.perf_counter()
                model.fit(X_train, Y_train)
                times[name].append(time.perf_counter() - start)
            pred = np.asarray(model.predict(X_test))
            scores[name] = f1_score(Y_test, pred, average="macro", zero_division=0)
    for name in models:
        print(
            f"{name:>30}: fit {min(times[name]):7.2f} s   held-out macro-F1 "
            f"{scores[name]:.4f}"
        )
    ours, peer, _ = models
    print(
        f"fit time ratio ours/peer: {min(times[ours]) / min(times[peer]):.3f}x "
        f"(target <= 0.2x)"
    )
    print(
        f"macro-F1 difference ours - peer: {scores[ours] - scores[peer]:+.4f} "
        f"(target >= 0)"
    )


if __name__ == "__main__":
    main()
