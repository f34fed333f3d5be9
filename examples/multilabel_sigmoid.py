"""Which of six labels are present? Decoding independent sigmoid columns.

A multilabel model has one sigmoid output per label; each sample gets every label whose
probability reaches the threshold. The hand-written version thresholds the row into 0/1
and then looks the names up -- and ``names[row]`` with an integer 0/1 row does not
select the labels that are on: it indexes ``names[0]`` and ``names[1]``, once per
column. It runs without error and returns six wrong names per sample.

Right: ``names[row.astype(bool)]`` or ``names[np.nonzero(row)[0]]`` -- or
``sklabels.decode``, which also reads the logits (``from_logits=True``).

The labels are properties of the handwritten digits bundled with scikit-learn.
"""

import numpy as np
from sklearn.datasets import load_digits
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.multiclass import OneVsRestClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sklabels import decode

PROPERTIES = {
    "even": {0, 2, 4, 6, 8},
    "prime": {2, 3, 5, 7},
    "greater-than-4": {5, 6, 7, 8, 9},
    "round": {0, 6, 8, 9},  # drawn with a closed loop
    "square": {0, 1, 4, 9},  # perfect squares
    "straight": {1, 4, 7},  # drawn with straight strokes only
}
names = np.array(list(PROPERTIES))

digits = load_digits()
indicator = np.array([[d in m for m in PROPERTIES.values()] for d in digits.target])
indicator = indicator.astype(int)
X_train, X_test, Y_train, Y_test, _, digit_test = train_test_split(
    digits.data, indicator, digits.target, test_size=0.25, random_state=0
)
model = make_pipeline(
    StandardScaler(), OneVsRestClassifier(LogisticRegression(max_iter=1000))
)
model.fit(X_train, Y_train)
proba = model.predict_proba(X_test)  # (n, 6): one sigmoid per label
logits = model.decision_function(X_test)  # (n, 6): their logits
print(f"sigmoid columns: shape {proba.shape}, labels {names.tolist()}")

on = (proba >= 0.5).astype(int)  # rows like [1, 0, 1, 0, 0, 0]
# The mistake: integer 0/1 rows used as indices.
mistake = [tuple(names[row].tolist()) for row in on]
# The right answers.
as_mask = [tuple(names[row.astype(bool)].tolist()) for row in on]
as_nonzero = [tuple(names[np.nonzero(row)[0]].tolist()) for row in on]
# problem= is optional for probabilities; it says what the columns are.
labels = decode(proba, names, problem="multilabel")
labels_from_logits = decode(logits, names, problem="multilabel", from_logits=True)
truth = [tuple(names[row.astype(bool)].tolist()) for row in Y_test]

print()
for i in range(0, 40, 8):
    print(f"digit {digit_test[i]}   0/1 row {on[i].tolist()}")
    print(f"  names[row]   (wrong): {', '.join(mistake[i])}")
    print(f"  decode              : {', '.join(labels[i]) or '(none)'}")
    print(f"  truth               : {', '.join(truth[i]) or '(none)'}")

exact = np.mean([p == t for p, t in zip(labels, truth, strict=True)])
exact_mistake = np.mean([p == t for p, t in zip(mistake, truth, strict=True)])
print()
print("samples with exactly the right label set:")
print(f"  decode: {exact:.3f}   names[row]: {exact_mistake:.3f}")

# The claims above, checked.
assert labels == as_mask == as_nonzero, "decode agrees with the boolean mask"
assert labels == labels_from_logits, "logits and probabilities agree"
assert all(len(m) == len(names) for m in mistake), "names[row] returns 6 names"
assert set(np.concatenate(mistake).tolist()) <= {names[0], names[1]}
assert sum(m != r for m, r in zip(mistake, labels, strict=True)) > 0.9 * len(labels)
assert exact > 0.6
