"""Softmax columns follow the model's class order, not alphabetical order.

A network (or any model fitted on integer codes) outputs one softmax column per class,
in the order its labels were encoded when it was trained -- here
``["virginica", "setosa", "versicolor"]``. Code that looks names up in a sorted list
(``sorted(set(y))``, ``load_iris().target_names``) gives confidently wrong labels, and
``classification_report(..., target_names=sorted_names)`` prints each row under another
class's name. Neither raises an error.

``sklabels.decode(scores, classes)`` takes the names in column order, from softmax rows
or from logits. ``ProbabilisticLabelClassifier(..., classes=[...])`` keeps that order
for ``classes_``, ``predict_proba`` and the report.
"""

import numpy as np
from sklearn.datasets import load_iris
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import classification_report
from sklearn.model_selection import train_test_split

from sklabels import ProbabilisticLabelClassifier, decode

ORDER = ["virginica", "setosa", "versicolor"]  # column order of the outputs

data = load_iris()
names = data.target_names[data.target]
X_train, X_test, y_train, y_test = train_test_split(
    data.data, names, test_size=0.3, random_state=0
)

# "Trained elsewhere" with its own label encoding: code i means ORDER[i].
codes_train = np.array([ORDER.index(name) for name in y_train])
codes_test = np.array([ORDER.index(name) for name in y_test])
model = LogisticRegression(max_iter=1000).fit(X_train, codes_train)
softmax_rows = model.predict_proba(X_test)  # (n, 3), rows sum to 1
logits = model.decision_function(X_test)  # (n, 3), softmax(logits) == softmax_rows

# The mistake: argmax indexes names in sorted order.
sorted_names = np.array(sorted(set(y_train.tolist())))
mistake = sorted_names[softmax_rows.argmax(axis=1)]
# The right answer: names in the model's column order.
labels = decode(softmax_rows, ORDER)
labels_from_logits = decode(logits, ORDER, problem="multiclass", from_logits=True)

print(f"model columns: {ORDER}; sorted names: {sorted_names.tolist()}")
print()
print(f"{'softmax row':<20}  {'sorted[argmax]':<15} {'decode':<11} truth")
for row in range(0, len(y_test), 9):
    shown = " ".join(f"{p:.2f}" for p in softmax_rows[row])
    print(f"{shown:<20}  {mistake[row]:<15} {labels[row]:<11} {y_test[row]}")
print()
print(f"accuracy, sorted[argmax]: {np.mean(mistake == y_test):.3f}")
print(f"accuracy, decode:         {np.mean(labels == y_test):.3f}")

# The same mistake in a report: rows named in sorted order, numbers in model order.
predicted_codes = softmax_rows.argmax(axis=1)
print()
print("classification_report(codes, predicted, target_names=sorted_names)  # wrong")
print(classification_report(codes_test, predicted_codes, target_names=sorted_names))
wrong_report = classification_report(
    codes_test, predicted_codes, target_names=sorted_names, output_dict=True
)
first = str(sorted_names[0])
print(
    f"(the row named {first!r} holds the numbers of {ORDER[0]!r}: support "
    f"{wrong_report[first]['support']:.0f}, but there are {np.sum(y_test == first)} "
    f"{first} samples)"
)
print()

# The wrapper keeps the order given in classes= everywhere.
clf = ProbabilisticLabelClassifier(LogisticRegression(max_iter=1000), classes=ORDER)
clf.fit(X_train, y_train)
predicted = clf.predict(X_test)
print(f"ProbabilisticLabelClassifier(classes=...): classes_ = {clf.classes_.tolist()}")
print("classification_report(y_test, clf.predict(X_test), labels=clf.classes_)")
print(classification_report(y_test, predicted, labels=clf.classes_))
right_report = classification_report(
    y_test, predicted, labels=clf.classes_, output_dict=True
)

# The claims above, checked.
assert np.array_equal(labels, labels_from_logits), "logits and softmax rows agree"
assert np.mean(labels == y_test) > 0.9
assert np.mean(mistake == y_test) < 0.1, "every class is renamed to another one"
assert clf.classes_.tolist() == ORDER
assert np.array_equal(predicted, decode(clf.predict_proba(X_test), clf.classes_))
setosa = clf.predict_proba(X_test)[y_test == "setosa"]
assert (setosa.argmax(axis=1) == ORDER.index("setosa")).all()
for name in ORDER:
    true_support = np.sum(y_test == name)
    assert right_report[name]["support"] == true_support
assert any(
    wrong_report[name]["support"] != right_report[name]["support"] for name in ORDER
), "the sorted target_names put the numbers of one class under another's name"
