"""Prior shift: EM (Saerens et al., 2002) and BBSE (Lipton et al., 2018) estimates,
and what adapting to them buys over the unadapted model.

Two real datasets shipped with scikit-learn: ``load_digits`` (10 classes) and
``load_breast_cancer`` (2 classes). Per seed, the data is split into a training
half, a validation quarter (labelled, training distribution: BBSE's confusion
matrix) and a pool. Label shift is simulated by resampling the pool (with
replacement, ``--target-rows`` rows) to each target prior: a Dirichlet draw, a
class made rare, a class made dominant. Model: ``ProbabilisticLabelClassifier(
make_pipeline(StandardScaler(), LogisticRegression()))``.

Reported, mean +- SD over seeds and targets:

- mean absolute error of each estimate against the true target priors (target: EM
  within 0.03 on average);
- held-out accuracy and log-loss on the shifted samples of the unadapted model (the
  peer), of the model adapted to each estimate, and of the model given the true
  priors (the best re-weighting can do); ratios adapted / unadapted.

    python benchmarks/bench_prior_shift.py [--seeds 10] [--target-rows 2000]
"""

import argparse

import numpy as np
from sklearn.datasets import load_breast_cancer, load_digits
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, log_loss
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sklabels import ProbabilisticLabelClassifier


def _targets(k, rng):
    """Target priors: a Dirichlet draw, one class rare, one class dominant."""
    rare = np.full(k, 1.0)
    rare[rng.integers(k)] = 0.1
    dominant = np.full(k, 1.0)
    dominant[rng.integers(k)] = 3.0 * k
    return [
        rng.dirichlet(np.ones(k)),
        rare / rare.sum(),
        dominant / dominant.sum(),
    ]


def _resample(pool_y, priors, rows, rng):
    """Row indices of the pool drawn (with replacement) to the given priors."""
    labels = rng.choice(len(priors), size=rows, p=priors)
    by_class = [np.flatnonzero(pool_y == c) for c in range(len(priors))]
    return np.array([rng.choice(by_class[c]) for c in labels])


def _run(X, y, seed, rows):
    X_train, X_rest, y_train, y_rest = train_test_split(
        X, y, test_size=0.5, random_state=seed, stratify=y
    )
    X_val, X_pool, y_val, y_pool = train_test_split(
        X_rest, y_rest, test_size=0.5, random_state=seed, stratify=y_rest
    )
    model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000))
    clf = ProbabilisticLabelClassifier(model).fit(X_train, y_train)
    rng = np.random.default_rng(seed)
    labels = np.unique(y)
    out = []
    for target in _targets(len(labels), rng):
        rows_ = _resample(y_pool, target, rows, rng)
        X_new, y_new = X_pool[rows_], y_pool[rows_]
        truth = np.bincount(y_new, minlength=len(labels)) / len(y_new)
        models = {
            "unadapted": clf,
            "EM": clf.adapt_priors(X_new, method="em"),
            "BBSE": clf.adapt_priors(X_new, method="bbse", X_val=X_val, y_val=y_val),
            "true priors": clf,  # with priors=truth, set just below
        }
        row = {}
        for name, m in models.items():
            m.set_params(priors=truth if name == "true priors" else m.priors)
            proba = np.clip(m.predict_proba(X_new), 1e-15, 1)
            row[name] = {
                "accuracy": accuracy_score(y_new, m.predict(X_new)),
                "log_loss": log_loss(y_new, proba, labels=labels),
            }
            if name in ("EM", "BBSE"):
                estimate = m.prior_estimate_
                row[name]["error"] = float(np.abs(estimate.priors - truth).mean())
                row[name]["converged"] = estimate.converged
        clf.set_params(priors=None)
        out.append(row)
    return out


def _summary(rows, name, key):
    values = np.array([r[name][key] for r in rows], dtype=float)
    return values.mean(), values.std()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--target-rows", type=int, default=2000)
    args = parser.parse_args()
    datasets = {
        "digits (10 classes)": load_digits(return_X_y=True),
        "breast_cancer (2 classes)": load_breast_cancer(return_X_y=True),
    }
    all_em = []
    for title, (X, y) in datasets.items():
        rows = [r for s in range(args.seeds) for r in _run(X, y, s, args.target_rows)]
        print(f"\n{title}: {len(rows)} shifted test sets ({args.seeds} seeds x 3)")
        print(
            f"  {'model':<12} {'|prior error|':>16} {'accuracy':>16} {'log-loss':>16}"
        )
        for name in ("unadapted", "EM", "BBSE", "true priors"):
            acc = _summary(rows, name, "accuracy")
            loss = _summary(rows, name, "log_loss")
            err = (
                ""
                if name not in ("EM", "BBSE")
                else "{:.4f} +- {:.4f}".format(*_summary(rows, name, "error"))
            )
            print(
                f"  {name:<12} {err:>16} {acc[0]:>8.4f} +- {acc[1]:.3f}"
                f" {loss[0]:>8.4f} +- {loss[1]:.3f}"
            )
        base_acc = _summary(rows, "unadapted", "accuracy")[0]
        base_loss = _summary(rows, "unadapted", "log_loss")[0]
        for name in ("EM", "BBSE"):
            acc = _summary(rows, name, "accuracy")[0]
            loss = _summary(rows, name, "log_loss")[0]
            error_ratio = (1 - acc) / (1 - base_acc)
            print(
                f"  {name}: error ratio (adapted / unadapted) {error_ratio:.3f}, "
                f"log-loss ratio {loss / base_loss:.3f}"
            )
        em_err = _summary(rows, "EM", "error")[0]
        all_em.append(em_err)
        better_acc = _summary(rows, "EM", "accuracy")[0] > base_acc
        better_loss = _summary(rows, "EM", "log_loss")[0] < base_loss
        converged = np.mean([r["EM"]["converged"] for r in rows])
        print(f"  EM converged on {converged:.0%} of the test sets")
        print(
            f"  EM adaptation improves accuracy: {'yes' if better_acc else 'no'}, "
            f"log-loss: {'yes' if better_loss else 'no'}"
        )
    within = max(all_em) <= 0.03
    print(
        f"\nEM within 0.03 of the true priors on average: {'yes' if within else 'no'}"
    )


if __name__ == "__main__":
    main()
