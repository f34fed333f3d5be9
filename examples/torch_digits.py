"""Train a small PyTorch network on handwritten digits and get digit *names* back.

``TorchClassifier`` makes an ``nn.Module`` a scikit-learn classifier on encoded
targets; ``ProbabilisticLabelClassifier`` around it encodes the names for training and
decodes predictions back to names. The network returns logits, so the adapter applies
the softmax itself (``output="logits"``, the default) and trains with
``CrossEntropyLoss``.

The common mistake shown at the end: passing ``target_names`` to
``classification_report`` in the order you wrote the names, while the report's rows
follow the sorted labels. ``labels=clf.classes_`` keeps them in step.
"""

import numpy as np
import torch
from sklearn.datasets import load_digits
from sklearn.metrics import accuracy_score, classification_report
from sklearn.model_selection import train_test_split

from sklabels import ProbabilisticLabelClassifier
from sklabels.adapters import TorchClassifier

NAMES = np.array(
    ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]
)


class DigitNet(torch.nn.Module):
    """Two hidden layers; 10 logits out."""

    def __init__(self, hidden: int = 64, dropout: float = 0.1):
        super().__init__()
        self.layers = torch.nn.Sequential(
            torch.nn.Linear(64, hidden),
            torch.nn.ReLU(),
            torch.nn.Dropout(dropout),
            torch.nn.Linear(hidden, hidden),
            torch.nn.ReLU(),
            torch.nn.Linear(hidden, 10),
        )

    def forward(self, x):
        return self.layers(x)


digits = load_digits()
X = (digits.data / 16.0).astype(np.float32)
y = NAMES[digits.target]  # names, not codes
X_train, X_test, y_train, y_test = train_test_split(
    X, y, test_size=0.25, stratify=y, random_state=0
)

clf = ProbabilisticLabelClassifier(
    TorchClassifier(
        DigitNet,
        module__hidden=64,
        epochs=25,
        batch_size=64,
        lr=3e-3,
        random_state=0,
        verbose=0,
    )
)
clf.fit(X_train, y_train)
predicted = clf.predict(X_test)
net = clf.estimator_
print(
    f"trained {net.epochs} epochs; loss {net.history_[0]:.3f} -> {net.history_[-1]:.3f}"
)
print(f"classes_ (sorted names, the column order of predict_proba): {clf.classes_}")
print(f"predict(X_test[:6]) = {predicted[:6].tolist()}")
print(f"truth               = {y_test[:6].tolist()}")
accuracy = accuracy_score(y_test, predicted)
print(f"test accuracy: {accuracy:.3f}\n")

print(classification_report(y_test, predicted, labels=clf.classes_, digits=3))

# The mistake: report on the encoded columns (code i = clf.classes_[i], sorted) but
# name the rows in the order the names were written (zero, one, two, ...).
true_codes = np.searchsorted(clf.classes_, y_test)
predicted_codes = clf.predict_proba(X_test).argmax(axis=1)
wrong = classification_report(
    true_codes, predicted_codes, target_names=NAMES, output_dict=True
)
right = classification_report(y_test, predicted, labels=clf.classes_, output_dict=True)
first = str(clf.classes_[0])
print(
    f"target_names=NAMES over the codes: the row called 'zero' really scores "
    f"{first!r} (recall {wrong['zero']['recall']:.3f}; the true 'zero' recall is "
    f"{right['zero']['recall']:.3f}). Pass labels=clf.classes_ or the names "
    f"themselves."
)

assert accuracy > 0.93, accuracy
assert set(predicted) <= set(NAMES)
assert list(clf.classes_) == sorted(NAMES)
assert wrong["zero"]["recall"] == right[first]["recall"]
