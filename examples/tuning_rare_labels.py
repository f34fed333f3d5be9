"""Tuned thresholds for rare labels: what tuning buys, and how much it can be trusted.

A multilabel model thresholded at 0.5 under-predicts its rare labels -- often it never
predicts them at all. Tuning one threshold per label for F1 (``threshold="auto"``)
fixes that; but a threshold tuned on a handful of positives is a noisy statistic of
those few scores. sklabels warns about it (``FewPositivesWarning``), and its default
``tuning="robust"`` takes each label's median over held-out folds of the folds' own
optima, a steadier cut than the pooled one. This script measures
both sides:

1. held-out F1 per label for the 0.5 rule, the exact per-label optimum
   (``tuning="exact"``), the robust default, and one shared threshold
   (``average="micro"``);
2. how much per-label tuning's held-out F1 moves when the training sample changes
   (five resamples): the spread is the overfitting risk.

The data: scikit-learn's handwritten digits, one label per digit ("is it a 3?"), with
the training set thinned so that the labels range from common to very rare.
"""

import warnings

import numpy as np
from sklearn.datasets import load_digits
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score
from sklearn.model_selection import train_test_split
from sklearn.multiclass import OneVsRestClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sklabels import FewPositivesWarning, ProbabilisticLabelClassifier

digits = load_digits()
names = np.array([f"digit-{d}" for d in range(10)])
X_train, X_test, d_train, d_test = train_test_split(
    digits.data, digits.target, test_size=0.5, random_state=0, stratify=digits.target
)
# Digit d keeps at most KEEP[d] training samples (rare labels last).
KEEP = [400, 400, 400, 400, 200, 100, 50, 25, 12, 6]


def model():
    inner = make_pipeline(StandardScaler(), LogisticRegression(C=0.05, max_iter=2000))
    return OneVsRestClassifier(inner)


def thin(seed):
    """The training set with digit d cut down to KEEP[d] samples."""
    rng = np.random.default_rng(seed)
    keep = np.concatenate(
        [rng.permutation(np.flatnonzero(d_train == d))[:n] for d, n in enumerate(KEEP)]
    )
    return X_train[keep], (d_train[keep, None] == np.arange(10)).astype(int)


Y_test = (d_test[:, None] == np.arange(10)).astype(int)
rules = {
    "0.5": {},
    "exact": {"threshold": "auto", "tuning": "exact"},
    "robust": {"threshold": "auto"},
    "shared": {"threshold": "auto", "average": "micro"},
}
X_thin, Y_thin = thin(0)
scores = {}
caught = []
for rule, params in rules.items():
    clf = ProbabilisticLabelClassifier(
        model(), problem="multilabel", classes=names, random_state=0, **params
    )
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always", FewPositivesWarning)
        clf.fit(X_thin, Y_thin)
    caught += [str(w.message) for w in seen if w.category is FewPositivesWarning]
    scores[rule] = f1_score(Y_test, clf.predict(X_test), average=None, zero_division=0)

# The same per-label tuning on five resamples of the thinned training set.
resampled = {"exact": [], "robust": []}
with warnings.catch_warnings():
    warnings.simplefilter("ignore", FewPositivesWarning)
    for seed in range(5):
        for tuning, runs in resampled.items():
            clf = ProbabilisticLabelClassifier(
                model(),
                problem="multilabel",
                classes=names,
                threshold="auto",
                tuning=tuning,
                random_state=seed,
            )
            pred = clf.fit(*thin(seed)).predict(X_test)
            runs.append(f1_score(Y_test, pred, average=None, zero_division=0))
spread = {tuning: np.std(runs, axis=0) for tuning, runs in resampled.items()}

positives = Y_thin.sum(axis=0)
header = " ".join(f"{r:>8}" for r in rules)
print(
    f"held-out F1 per label\n{'label':>9} {'train +':>8} {header} "
    f"{'spread exact':>12} {'robust':>6}"
)
for j, name in enumerate(names):
    row = " ".join(f"{scores[r][j]:8.3f}" for r in rules)
    print(
        f"{name:>9} {positives[j]:8d} {row} {spread['exact'][j]:12.3f} "
        f"{spread['robust'][j]:6.3f}"
    )
common, rare = positives >= 50, positives < 50
for title, mask in (("common (>= 50 +)", common), ("rare (< 50 +)", rare)):
    row = " ".join(f"{scores[r][mask].mean():8.3f}" for r in rules)
    print(
        f"{title:>18} {row} {spread['exact'][mask].mean():12.3f} "
        f"{spread['robust'][mask].mean():6.3f}"
    )
print(f"{'macro-F1':>18} " + " ".join(f"{scores[r].mean():8.3f}" for r in rules))
print(
    "\n'spread': standard deviation of each tuning's held-out F1 over five "
    "resamples of the training set."
)
print("warning raised while tuning:", caught[0] if caught else "none")

# Tuning must not hurt the labels that have data to tune on, and must warn about
# the ones that do not.
assert scores["robust"][common].mean() >= scores["0.5"][common].mean() - 0.01
assert scores["robust"].mean() > scores["0.5"].mean()
assert any("fewer than 10 positives" in message for message in caught)
