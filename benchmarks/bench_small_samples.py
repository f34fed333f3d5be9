"""The default tuning on small samples: held-out F1 of the tuned cut against 0.5.

The generalization benchmark uses mid-sized problems. Here the tuning rows are few
(40 to 200) and the positives sometimes rare, where fold optima are noisy. Each
draw: ``n`` tuning rows and 5,000 new rows from the same population (logistic
scores with separation ``sep``), a cut tuned for F1 on the tuning rows by each
strategy (``robust``: the default, the midpoint of the bagged and the
calibrated optimum; ``bagged-robust``, ``median-robust`` and ``smooth-robust``:
earlier defaults; ``calibrated`` alone), and its F1 on the new rows. Printed: the
mean over draws, and the mean paired difference robust - default rule with its
standard error.

    python benchmarks/bench_small_samples.py [--draws 150]
"""

import argparse
import warnings

import numpy as np
from scipy.special import expit
from sklearn.metrics import f1_score

from sklabels._generalize import tune_with_evidence
from sklabels._scores import Scores

SETTINGS = [
    (40, 0.5, 1.0),
    (60, 0.3, 1.0),
    (100, 0.1, 1.5),
    (200, 0.05, 2.0),
    (60, 0.5, 0.3),
]
METHODS = [
    "default",
    "robust",
    "bagged-robust",
    "calibrated",
    "median-robust",
    "smooth-robust",
    "exact",
]


def tuned_cut(strategy, y, p):
    values = np.column_stack([1 - p, p])
    result = tune_with_evidence(
        Scores(values, "proba"),
        y,
        problem="binary",
        classes=np.arange(2),
        tuning=strategy,
        keep_curves=False,
        scoring="f1",
        random_state=0,
    )
    return float(np.atleast_1d(result.thresholds)[-1])


def draw(rng, m, prevalence, sep):
    y = (rng.random(m) < prevalence).astype(int)
    p = expit(
        sep * (2 * y - 1) + rng.normal(size=m) + np.log(prevalence / (1 - prevalence))
    )
    return y, p


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--draws", type=int, default=150)
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    rng = np.random.default_rng(1)
    print("| n | prevalence | sep | " + " | ".join(METHODS) + " | robust - default |")
    print("|---" * (len(METHODS) + 4) + "|")
    worst = np.inf
    ratios = []
    for n, prevalence, sep in SETTINGS:
        scores = {k: [] for k in METHODS}
        while len(scores["default"]) < args.draws:
            y, p = draw(rng, n, prevalence, sep)
            if y.sum() < 2 or y.sum() > n - 2:
                continue
            y_new, p_new = draw(rng, 5000, prevalence, sep)
            for k in METHODS:
                cut = 0.5 if k == "default" else tuned_cut(k, y, p)
                scores[k].append(f1_score(y_new, p_new >= cut, zero_division=0))
        diff = np.array(scores["robust"]) - np.array(scores["default"])
        se = diff.std(ddof=1) / np.sqrt(len(diff))
        worst = min(worst, diff.mean() + 2 * se)
        ratios.append(np.mean(scores["robust"]) / np.mean(scores["default"]))
        means = " | ".join(f"{np.mean(scores[k]):.4f}" for k in METHODS)
        print(
            f"| {n} | {prevalence} | {sep} | {means} | {diff.mean():+.4f} +- {se:.4f} |"
        )
    print(f"score ratio robust/default, mean over settings: {np.mean(ratios):.3f}")
    verdict = "PASS" if worst >= 0 else "FAIL"
    print(f"{verdict}: robust never below the default rule beyond 2 paired SEs")


if __name__ == "__main__":
    main()
