"""Train a small Keras network with one sigmoid output and get diagnosis names back.

A binary Keras model usually ends in ``Dense(1, activation="sigmoid")``: one column,
``p(classes_[1])``. ``KerasClassifier`` compiles it with ``BinaryCrossentropy`` (it is
not compiled yet), trains it on codes 0/1, and reports ``predict_proba`` as
scikit-learn's ``(n, 2)`` ``[1 - p, p]``; ``ProbabilisticLabelClassifier`` turns the
codes into ``'benign'`` / ``'malignant'``.

The common mistake shown at the end: ``argmax`` over the raw ``(n, 1)`` sigmoid output,
as if it were a softmax, predicts class 0 for every sample.
"""

import os

os.environ.setdefault("KERAS_BACKEND", "torch")  # any backend works; Torch here

import keras
import numpy as np
from sklearn.datasets import load_breast_cancer
from sklearn.metrics import classification_report
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

from sklabels import ProbabilisticLabelClassifier
from sklabels.adapters import KerasClassifier


def build(n_features: int = 30, hidden: int = 16) -> keras.Model:
    return keras.Sequential(
        [
            keras.Input((n_features,)),
            keras.layers.Dense(hidden, activation="relu"),
            keras.layers.Dense(1, activation="sigmoid"),
        ]
    )


data = load_breast_cancer()
y = data.target_names[data.target]  # 'malignant' / 'benign'
X_train, X_test, y_train, y_test = train_test_split(
    data.data, y, test_size=0.3, stratify=y, random_state=0
)
scaler = StandardScaler().fit(X_train)
X_train, X_test = scaler.transform(X_train), scaler.transform(X_test)

clf = ProbabilisticLabelClassifier(
    KerasClassifier(build, model__hidden=16, epochs=30, lr=1e-2, random_state=0),
    pos_label="malignant",
)
clf.fit(X_train, y_train)
predicted = clf.predict(X_test)
inner = clf.estimator_
print(
    f"compiled with: {type(inner.model_.loss).__name__}; head: {inner.n_outputs_} "
    f"sigmoid output; problem_: {inner.problem_}"
)
print(f"classes_: {clf.classes_.tolist()}  (pos_label_: {str(clf.pos_label_)!r})")
print(f"predict(X_test[:5]) = {predicted[:5].tolist()}")
print(f"truth               = {y_test[:5].tolist()}\n")
print(classification_report(y_test, predicted, labels=clf.classes_, digits=3))

# The mistake: treat the (n, 1) sigmoid output as softmax columns.
raw = inner.model_(X_test.astype("float32"), training=False).detach().numpy()
naive = clf.classes_[raw.argmax(axis=1)]
print(f"raw network output shape: {raw.shape}")
print(
    f"argmax over it predicts {sorted(set(naive.tolist()))} for every sample: "
    f"accuracy {np.mean(naive == y_test):.3f} vs {np.mean(predicted == y_test):.3f}"
)

assert raw.shape == (len(X_test), 1)
assert np.mean(predicted == y_test) > 0.93
assert set(naive.tolist()) == {clf.classes_[0]}
assert inner.problem_ == "binary"
