"""A single sigmoid output is not a softmax: decoding ``(n, 1)`` detection scores.

A detector that ends in one sigmoid unit returns an ``(n, 1)`` array: the probability
of "detection". Code written for softmax outputs takes ``argmax(axis=1)`` -- which, on
a single column, is always 0, so every sample comes out as "nothing-detected", with no
error and no warning.

``sklabels.decode`` reads one column as ``p(classes[1])`` and applies the binary rule
``p >= threshold`` (0.5 by default); it gives the same labels from the logits with
``from_logits=True``. A lower threshold trades precision for recall: more detections.

The "detector" here is a logistic regression on scikit-learn's bundled breast cancer
data, detecting malignant tumours.
"""

import numpy as np
from sklearn.datasets import load_breast_cancer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sklabels import decode

CLASSES = np.array(["nothing-detected", "detection"])

data = load_breast_cancer()
detected = (data.target_names[data.target] == "malignant").astype(int)
X_train, X_test, y_train, y_test = train_test_split(
    data.data, detected, test_size=0.3, stratify=detected, random_state=0
)
model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000))
model.fit(X_train, y_train)

# What a one-unit sigmoid network returns: shape (n, 1), and its logits.
proba = model.predict_proba(X_test)[:, 1:]
logits = model.decision_function(X_test)[:, None]
truth = CLASSES[y_test]
print(f"sigmoid output: shape {proba.shape}; logits: shape {logits.shape}")

# The mistake: reading the single column as softmax rows.
mistake = CLASSES[proba.argmax(axis=1)]
# The right answer, from the probabilities and from the logits.
labels = decode(proba, CLASSES)
labels_from_logits = decode(logits, CLASSES, from_logits=True)
# A lower threshold on p(detection): more detections, fewer misses.
labels_at_03 = decode(proba, CLASSES, threshold=0.3)

print()
print(f"{'p(detection)':>12}  {'argmax (wrong)':<18}{'decode':<18}{'truth'}")
for row in np.argsort(-proba[:, 0])[::15]:
    print(f"{proba[row, 0]:12.3f}  {mistake[row]:<18}{labels[row]:<18}{truth[row]}")


def report(name, predicted):
    hits = np.sum((predicted == "detection") & (truth == "detection"))
    print(
        f"{name:<26} {np.sum(predicted == 'detection'):3d} detections, "
        f"{hits:3d} of {np.sum(truth == 'detection')} true detections found, "
        f"accuracy {np.mean(predicted == truth):.3f}"
    )


print()
report("argmax(axis=1) (wrong)", mistake)
report("decode, threshold 0.5", labels)
report("decode from logits", labels_from_logits)
report("decode, threshold 0.3", labels_at_03)

# The claims above, checked.
assert (mistake == "nothing-detected").all(), "argmax of one column is always 0"
assert (labels == "detection").any() and (labels != mistake).any()
assert np.array_equal(labels, labels_from_logits), "logits and probabilities agree"
assert np.array_equal(labels, CLASSES[(proba[:, 0] >= 0.5).astype(int)])
assert np.sum(labels_at_03 == "detection") > np.sum(labels == "detection")
assert np.mean(labels == truth) > 0.9
