"""How does each label's threshold trade precision against recall? A picture.

A multilabel model (which properties does a handwritten digit have: even, prime,
greater than 4, round, a perfect square, and the rare "seven"?) is fitted with
``threshold="auto"`` and ``store_cv_results=True``: the out-of-fold curves behind each
tuned threshold are kept. ``ThresholdCurveDisplay`` draws, for every label, F1,
precision and recall against the threshold, with the threshold in use (dashed) and the
0.5 default (dotted) marked -- on the held-out test set, so the picture shows how
well the tuned thresholds carry over. The shaded band is the F1 curve's spread over
folds (mean +- 1 SD) and the ticks at the bottom each fold's own best threshold: a
wide band or scattered ticks say the threshold is uncertain. ``cv_results_`` holds the
same numbers, and ``thresholds_interval_`` a bootstrap interval for each threshold.

Writes ``threshold_curves.png`` (and ``threshold_curves_cv.png``, the out-of-fold
curves the tuner saw) into the current directory.
"""

import matplotlib

matplotlib.use("Agg")

import numpy as np
from sklearn.datasets import load_digits
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score
from sklearn.model_selection import train_test_split
from sklearn.multiclass import OneVsRestClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sklabels import ProbabilisticLabelClassifier, ThresholdCurveDisplay

PROPERTIES = {
    "even": {0, 2, 4, 6, 8},
    "prime": {2, 3, 5, 7},
    "greater-than-4": {5, 6, 7, 8, 9},
    "round": {0, 6, 8, 9},
    "square": {0, 1, 4, 9},
    "seven": {7},  # a rare label: one digit in ten
}
names = list(PROPERTIES)
digits = load_digits()
Y = np.array([[d in PROPERTIES[name] for name in names] for d in digits.target])
X_train, X_test, Y_train, Y_test = train_test_split(
    digits.data, Y.astype(int), test_size=0.4, random_state=0
)
model = OneVsRestClassifier(
    make_pipeline(StandardScaler(), LogisticRegression(C=0.01, max_iter=2000))
)
clf = ProbabilisticLabelClassifier(
    model, classes=names, threshold="auto", store_cv_results=True, random_state=0
)
clf.fit(X_train, Y_train)
default = ProbabilisticLabelClassifier(model, classes=names).fit(X_train, Y_train)

tuned_f1 = f1_score(Y_test, clf.predict(X_test), average=None)
default_f1 = f1_score(Y_test, default.predict(X_test), average=None)
folds = clf.cv_results_["fold_thresholds"]
low, high = clf.thresholds_interval_
kept = clf.cv_results_["kept_default"]
print(
    f"{'label':>15} {'threshold':>9} {'90% interval':>15} {'folds: min-max':>15} "
    f"{'F1 at 0.5':>9} {'F1 tuned':>9}"
)
for j, name in enumerate(names):
    note = "  (default kept: no clear gain on the folds)" if kept[j] else ""
    print(
        f"{name:>15} {clf.thresholds_[j]:9.3f} {low[j]:7.3f}-{high[j]:<7.3f} "
        f"{folds[:, j].min():7.3f}-{folds[:, j].max():<7.3f} "
        f"{default_f1[j]:9.3f} {tuned_f1[j]:9.3f}{note}"
    )
print(f"{'macro-F1':>15} {'':>41} {default_f1.mean():9.3f} {tuned_f1.mean():9.3f}")

display = ThresholdCurveDisplay.from_estimator(clf, X_test, Y_test, n_cols=3)
# The display lays its figure out itself (x labels inside, the legend below).
display.figure_.suptitle("Held-out F1, precision and recall against each threshold")
display.figure_.savefig("threshold_curves.png", dpi=100)
cv = ThresholdCurveDisplay.from_estimator(clf, n_cols=3)  # the out-of-fold curves
cv.figure_.suptitle("Out-of-fold curves the thresholds were tuned on")
cv.figure_.savefig("threshold_curves_cv.png", dpi=100)
print("wrote threshold_curves.png and threshold_curves_cv.png")

assert tuned_f1.mean() >= default_f1.mean()
assert list(display.lines_) == names
assert all("band" in lines for lines in cv.lines_.values())
assert np.all(low <= high)
