"""The class-order check (``ClassOrderWarning``): false alarms and misses.

For each setting, ``--reps`` data sets are drawn with ``make_classification``; a
``LogisticRegression`` is fitted on 500 rows and checked on ``n`` others, the way
``ProbabilisticLabelClassifier.fit`` checks a frozen model: with the right order
(every warning is a false alarm) and with a wrong one (every silence is a miss):
the two names swapped (binary), the columns shifted cyclically, or two columns
transposed (multiclass). Scores are read as probabilities (``predict_proba``) and
as logits (``decision_function``).

Grid: binary with positive prevalence 0.5 / 0.3 / 0.1 / 0.05; 3 and 5 balanced
classes; ``class_sep`` 0.5 / 1 / 2; ``n`` 50 / 200 / 2000.

Verdicts: no false alarm anywhere (required); no miss where the data show the
order plainly (``class_sep`` >= 1, ``n`` >= 200 and at least 30 samples of every
class expected).

    python benchmarks/bench_class_order.py [--reps 30] [--sizes 50,200,2000]
"""

import argparse
import warnings
from itertools import product

import numpy as np
from sklearn.datasets import make_classification
from sklearn.linear_model import LogisticRegression

from sklabels import ClassOrderWarning
from sklabels._frozen import _ORDER_LEVEL, warn_class_order
from sklabels._scores import MARGIN, PROBA, Scores

TRAIN = 500


def _scores(model, X, logits):
    if not logits:
        return model.predict_proba(X), PROBA
    margin = model.decision_function(X)
    if margin.ndim == 1:
        margin = np.column_stack([-margin, margin])
    return margin, MARGIN


def _warns(values, kind, truth, k):
    classes = np.array([f"c{j}" for j in range(k)])
    problem = "binary" if k == 2 else "multiclass"
    scores = Scores(values, kind, logits=kind == MARGIN)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        warn_class_order(scores, truth, classes, problem, "model")
    return any(w.category is ClassOrderWarning for w in caught)


def _wrong_orders(k):
    if k == 2:
        return {"swapped": [1, 0]}
    transposed = list(range(k))
    transposed[0], transposed[1] = 1, 0
    return {"shifted": list(np.roll(np.arange(k), 1)), "transposed": transposed}


def _cell(k, prevalence, sep, n, reps):
    """Counts of warnings per (order, output): the right order and each wrong one."""
    counts = {}
    weights = None if k > 2 else [1 - prevalence, prevalence]
    for rep in range(reps):
        X, y = make_classification(
            n_samples=TRAIN + n,
            n_features=6,
            n_informative=4,
            n_classes=k,
            n_clusters_per_class=1,
            weights=weights,
            class_sep=sep,
            flip_y=0,
            random_state=rep,
        )
        model = LogisticRegression(max_iter=1000).fit(X[:TRAIN], y[:TRAIN])
        truth = y[TRAIN:]
        for logits in (False, True):
            values, kind = _scores(model, X[TRAIN:], logits)
            output = "logits" if logits else "proba"
            orders = {"right": list(range(k)), **_wrong_orders(k)}
            for name, order in orders.items():
                key = (name, output)
                counts[key] = counts.get(key, 0) + _warns(
                    values[:, order], kind, truth, k
                )
    return counts


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=30)
    parser.add_argument("--sizes", default="50,200,2000")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    problems = [(2, p) for p in (0.5, 0.3, 0.1, 0.05)] + [(3, None), (5, None)]
    print(
        f"Class-order check, level {_ORDER_LEVEL}, {args.reps} reps per cell; "
        "false alarms (right order warns) and misses (wrong order silent), "
        "proba / logits, in % of reps\n"
    )
    header = "classes prev   sep     n | false alarms  | misses"
    print(header)
    print("-" * 78)
    false_alarms, plain_misses = 0, 0
    for (k, prevalence), sep, n in product(problems, (0.5, 1.0, 2.0), sizes):
        counts = _cell(k, prevalence, sep, n, args.reps)
        pct = {key: 100 * v / args.reps for key, v in counts.items()}
        alarms = f"{pct['right', 'proba']:5.1f} / {pct['right', 'logits']:5.1f}"
        misses = "  ".join(
            f"{name} {100 - pct[name, 'proba']:5.1f} / {100 - pct[name, 'logits']:5.1f}"
            for name in _wrong_orders(k)
        )
        share = prevalence if k == 2 else 1 / k
        least = min(share, 1 - share) * n
        prev = f"{prevalence:4.2f}" if k == 2 else "bal."
        print(f"{k:7d} {prev} {sep:5.1f} {n:5d} | {alarms} | {misses}")
        false_alarms += counts["right", "proba"] + counts["right", "logits"]
        if sep >= 1 and n >= 200 and least >= 30:
            plain_misses += sum(
                2 * args.reps - counts[name, "proba"] - counts[name, "logits"]
                for name in _wrong_orders(k)
            )
    print()
    print(f"false alarms with the right order: {false_alarms}")
    print(f"misses where the data show the order plainly: {plain_misses}")
    if false_alarms:
        raise SystemExit("FAIL: the right order warned")
    if plain_misses:
        raise SystemExit("FAIL: a wrong order the data show plainly was missed")
    print("PASS: no false alarm; no miss where the data show the order plainly")


if __name__ == "__main__":
    main()
