"""Binary threshold tuning against scikit-learn's TunedThresholdClassifierCV.

``make_classification(n_samples=200_000, weights=[0.9])``, a held-out quarter, and
``LogisticRegression``. Ours: ``ProbabilisticLabelClassifier(LogisticRegression(),
threshold="auto", scoring="f1")`` -- 5 stratified folds, an exact sweep of every
out-of-fold score, refit. Peer: ``TunedThresholdClassifierCV(LogisticRegression(),
scoring="f1")`` -- the same 5 stratified folds, a 100-point grid with a full
``f1_score`` call at every point, refit. Same estimator, same folds, same process.

Target: fit time at most 0.7x the peer's, held-out F1 no lower (beyond noise).

    python benchmarks/bench_tuning_binary.py [--rows 200000] [--repeats 3]
"""

import argparse
import time

from sklearn.datasets import make_classification
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score
from sklearn.model_selection import (
    StratifiedKFold,
    TunedThresholdClassifierCV,
    train_test_split,
)

from sklabels import ProbabilisticLabelClassifier


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    X, y = make_classification(
        n_samples=args.rows, n_features=20, weights=[0.9], random_state=0
    )
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.25, random_state=0, stratify=y
    )
    cv = StratifiedKFold(5)
    models = {
        "sklabels threshold='auto'": lambda: ProbabilisticLabelClassifier(
            LogisticRegression(), threshold="auto", scoring="f1", cv=cv
        ),
        "TunedThresholdClassifierCV": lambda: TunedThresholdClassifierCV(
            LogisticRegression(), scoring="f1", cv=cv
        ),
    }
    times = {name: [] for name in models}
    fitted = {}
    for _ in range(args.repeats):  # interleaved rounds
        for name, make in models.items():
            model = make()
            start = time.perf_counter()
            model.fit(X_train, y_train)
            times[name].append(time.perf_counter() - start)
            fitted[name] = model
    plain = LogisticRegression().fit(X_train, y_train)
    print(
        f"train {len(y_train):,} rows, test {len(y_test):,}; positives "
        f"{y.mean():.1%}; best of {args.repeats} fits"
    )
    scores = {}
    for name, model in fitted.items():
        scores[name] = f1_score(y_test, model.predict(X_test))
        threshold = getattr(model, "thresholds_", None)
        if threshold is None:
            threshold = model.best_threshold_
        print(
            f"{name:>27}: fit {min(times[name]):6.2f} s  threshold "
            f"{float(threshold):.4f}  held-out F1 {scores[name]:.4f}"
        )
    print(
        f"{'0.5 rule (plain)':>27}: {'':>13}  held-out F1 "
        f"{f1_score(y_test, plain.predict(X_test)):.4f}"
    )
    ours, peer = models
    ratio = min(times[ours]) / min(times[peer])
    print(f"fit time ratio ours/peer: {ratio:.2f}x (target <= 0.7x)")
    print(f"held-out F1 difference ours - peer: {scores[ours] - scores[peer]:+.4f}")


if __name__ == "__main__":
    main()
