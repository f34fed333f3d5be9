"""Exactness of the tuner: the tuned objective equals the brute-force maximum.

On random data with heavy ties (few distinct score levels) and sample weights, for
every built-in objective (and FBeta, Cost and the two constrained objectives), the
value ``tune_thresholds`` reports -- and the value its threshold actually gets -- is
compared with the maximum over every distinct cut point and "predict nothing",
computed by direct counting. Binary and multilabel (every label) problems. Exits
with status 1 on any mismatch.

    python benchmarks/bench_tuning_exactness.py [--trials 200]
"""

import argparse
import sys
import warnings

import numpy as np

from sklabels import (
    Cost,
    FBeta,
    PrecisionAtRecall,
    RecallAtPrecision,
    tune_thresholds,
)
from sklabels._objectives import OBJECTIVES

CASES = {
    **OBJECTIVES,
    "FBeta(0.5)": FBeta(0.5),
    "FBeta(2)": FBeta(2),
    "Cost(fp=1, fn=5)": Cost(fp=1, fn=5),
    "RecallAtPrecision(0.6)": RecallAtPrecision(0.6),
    "PrecisionAtRecall(0.6)": PrecisionAtRecall(0.6),
}


def counts(scores, truth, weight, cut):
    pred = scores >= cut
    return [
        np.array([np.sum(weight * m)])
        for m in (pred & truth, pred & ~truth, ~pred & truth, ~pred & ~truth)
    ]


def brute_force(scores, truth, weight, objective):
    cuts = list(np.unique(scores))
    if scores.max() < 1:  # "predict nothing" needs a threshold above the top score
        cuts.append(np.inf)
    return max(float(objective(*counts(scores, truth, weight, c))[0]) for c in cuts)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=200)
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    failures = 0
    checked_all = 0
    for name, objective in CASES.items():
        checked = mismatches = constant = 0
        for _ in range(args.trials):
            n = int(rng.integers(5, 80))
            levels = int(rng.integers(1, 7))  # few distinct scores: heavy ties
            scores = rng.integers(0, levels + 1, (n, 3)) / levels
            truth = rng.random((n, 3)) < rng.uniform(0.1, 0.7, 3)
            truth[:2] = [[True] * 3, [False] * 3]  # both classes in every column
            weight = rng.choice([0.5, 1.0, 2.0, 3.0], n)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                binary = tune_thresholds(
                    truth[:, 0].astype(int),
                    scores[:, 0],
                    scoring=objective,
                    sample_weight=weight,
                )
                multi = tune_thresholds(
                    truth.astype(int),
                    scores,
                    problem="multilabel",
                    scoring=objective,
                    sample_weight=weight,
                )
            pairs = [(scores[:, 0], truth[:, 0], binary.best_score, binary.thresholds)]
            pairs += [
                (scores[:, j], truth[:, j], multi.class_scores[j], multi.thresholds[j])
                for j in range(3)
            ]
            for column, hits, reported, threshold in pairs:
                if column.min() == column.max():
                    # A constant column separates nothing: by rule it is not tuned
                    # and keeps the default threshold (with a FewPositivesWarning).
                    constant += 1
                    mismatches += threshold != 0.5
                    continue
                expected = brute_force(column, hits, weight, objective)
                if expected == -np.inf:
                    continue  # an unreachable constraint: warned about, not tuned
                got = float(objective(*counts(column, hits, weight, threshold))[0])
                checked += 1
                if abs(reported - expected) > 1e-9 or abs(got - expected) > 1e-9:
                    mismatches += 1
        failures += mismatches
        checked_all += checked
        print(
            f"{name:>24}: {checked:5d} columns, exact: "
            f"{'yes' if mismatches == 0 else f'NO ({mismatches} mismatches)'}"
            f"{f'; {constant} constant columns kept the default' if constant else ''}"
        )
    print(
        f"summary: {checked_all} tuned columns, {failures} mismatches; "
        f"ratio of exact results: {(checked_all - failures) / checked_all:.3f}"
    )
    print(f"all exact: {'yes' if failures == 0 else 'no'}")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
