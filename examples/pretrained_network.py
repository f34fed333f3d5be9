"""Wrap a PyTorch network trained elsewhere, without retraining it, and predict names.

A training script left a network that outputs 3 logits, one per iris species in the
order ``["setosa", "versicolor", "virginica"]``, and knows nothing of names.
``FrozenEstimator(TorchClassifier(net))`` with ``classes=`` naming the output columns
makes ``ProbabilisticLabelClassifier`` use it as is: ``fit`` on validation data
(labels as names) only sets up the label coding, the weights do not move, and
``predict`` returns names.

No ``problem=`` on the adapter: it reads from the last ``Linear`` layer that the
network returns logits, and the classifier, which knows from ``y`` that each sample
has one species, reads them as softmax logits.

The common mistake shown at the end: ``classes=`` in another order than the
network's outputs (typically ``sorted(names)``; iris names happen to sort in output
order, so the example reverses them). ``fit`` warns (``ClassOrderWarning``): the
network agrees with the validation labels no better than chance, while reading its
outputs in another order would agree far better; the warning names that order.
"""

import copy
import warnings

import numpy as np
import torch
from sklearn.datasets import load_iris
from sklearn.frozen import FrozenEstimator
from sklearn.model_selection import train_test_split

from sklabels import ClassOrderWarning, ProbabilisticLabelClassifier
from sklabels.adapters import TorchClassifier

iris = load_iris()
X = ((iris.data - iris.data.mean(0)) / iris.data.std(0)).astype(np.float32)
X_pretrain, X_val, codes_pretrain, codes_val = train_test_split(
    X, iris.target, test_size=0.4, stratify=iris.target, random_state=0
)

# "Elsewhere": a plain Torch training loop on integer codes.
torch.manual_seed(0)
net = torch.nn.Sequential(
    torch.nn.Linear(4, 16), torch.nn.ReLU(), torch.nn.Linear(16, 3)
)
optimizer = torch.optim.Adam(net.parameters(), lr=0.05)
inputs, targets = torch.from_numpy(X_pretrain), torch.from_numpy(codes_pretrain)
for _ in range(100):
    optimizer.zero_grad()
    loss = torch.nn.functional.cross_entropy(net(inputs), targets)
    loss.backward()
    optimizer.step()
net.eval()
weights_before = copy.deepcopy(net.state_dict())
print(f"pre-trained network: {net}")

# Here: validation labels are names; output column i is OUTPUT_NAMES[i].
OUTPUT_NAMES = ["setosa", "versicolor", "virginica"]
y_val = np.array(OUTPUT_NAMES)[codes_val]
adapter = TorchClassifier(net)
print(
    f"adapter fitted before any fit: {adapter.__sklearn_is_fitted__()}; "
    f"classes_ read from the last Linear layer: {adapter.classes_.tolist()}"
)
clf = ProbabilisticLabelClassifier(FrozenEstimator(adapter), classes=OUTPUT_NAMES)
clf.fit(X_val, y_val)
predicted = clf.predict(X_val)
print(f"predict(X_val[:6]) = {predicted[:6].tolist()}")
print(f"truth              = {y_val[:6].tolist()}")
print(f"validation accuracy: {clf.score(X_val, y_val):.3f}")
proba = clf.predict_proba(X_val[:1])
shown = np.round(proba.astype(float), 3).tolist()
print(f"predict_proba(X_val[:1]) = {shown} (softmax of the logits)")

unchanged = all(torch.equal(weights_before[k], v) for k, v in net.state_dict().items())
print(f"weights unchanged by fit: {unchanged}")
with torch.no_grad():
    direct = net(torch.from_numpy(X_val)).argmax(1).numpy()

# The mistake: classes= in another order than the outputs.
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    ProbabilisticLabelClassifier(
        FrozenEstimator(TorchClassifier(net)), classes=OUTPUT_NAMES[::-1]
    ).fit(X_val, y_val)
messages = [str(w.message) for w in caught if w.category is ClassOrderWarning]
print(f"with classes={OUTPUT_NAMES[::-1]}, fit warns:\n  {messages[0]}")

assert unchanged
assert np.array_equal(predicted, np.array(OUTPUT_NAMES)[direct])
assert messages and str(OUTPUT_NAMES) in messages[0]
assert clf.score(X_val, y_val) > 0.9
assert np.allclose(proba.sum(), 1.0)
