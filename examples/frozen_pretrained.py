"""Use a model trained elsewhere, without retraining it, and get label names back.

A pre-trained model knows only integer codes: it was fitted on ``0..9`` and its output
columns follow them. Wrapping it in ``sklearn.frozen.FrozenEstimator`` and naming its
columns with ``classes=`` makes ``ProbabilisticLabelClassifier`` use it as is: ``fit``
on a validation set (labels given as names) only sets up the label coding -- the
model's coefficients do not change -- and ``predict`` returns names.

Without ``FrozenEstimator`` the same ``fit`` would retrain a copy of the model on the
(small) validation set.
"""

import numpy as np
from sklearn.datasets import load_digits
from sklearn.frozen import FrozenEstimator
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split

from sklabels import ProbabilisticLabelClassifier

NAMES = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]

digits = load_digits()
X = digits.data / 16.0
X_pretrain, X_val, codes_pretrain, codes_val = train_test_split(
    X, digits.target, test_size=0.2, random_state=0
)

# "Elsewhere": a model fitted on integer codes, as a training script would leave it.
pretrained = LogisticRegression(max_iter=1000).fit(X_pretrain, codes_pretrain)
coef_before = pretrained.coef_.copy()
print(f"pre-trained model: classes_ = {pretrained.classes_.tolist()}")

# Here: the validation labels are names; code i means NAMES[i].
y_val = np.array(NAMES)[codes_val]
clf = ProbabilisticLabelClassifier(FrozenEstimator(pretrained), classes=NAMES)
clf.fit(X_val, y_val)
predicted = clf.predict(X_val)

print(f"wrapped: classes_ = {clf.classes_.tolist()}")
print(f"predict(X_val[:8]) = {predicted[:8].tolist()}")
print(f"truth              = {y_val[:8].tolist()}")
print(f"validation accuracy: {clf.score(X_val, y_val):.3f}")
unchanged = np.array_equal(pretrained.coef_, coef_before)
print(f"coefficients unchanged by fit: {unchanged}")

# For contrast: without FrozenEstimator, fit retrains a clone on the validation set.
retrained = ProbabilisticLabelClassifier(pretrained, classes=NAMES).fit(X_val, y_val)
moved = np.abs(retrained.estimator_.coef_ - coef_before).max()
print(f"without FrozenEstimator, fit retrains a copy: coefficients move by {moved:.2f}")

# The claims above, checked.
assert unchanged, "fit must not retrain a frozen model"
assert np.array_equal(pretrained.coef_, coef_before), "the original model is untouched"
assert not np.array_equal(retrained.estimator_.coef_, coef_before)
assert set(predicted.tolist()) <= set(NAMES)
assert np.array_equal(predicted, np.array(NAMES)[pretrained.predict(X_val)])
assert np.allclose(clf.predict_proba(X_val), pretrained.predict_proba(X_val))
assert clf.score(X_val, y_val) > 0.9
