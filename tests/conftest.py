"""Test-session setup shared by every test module."""

import os

# Keras 3 runs on the installed Torch in the test suite (no TensorFlow needed); set
# before any test imports keras. Subprocesses (examples, CLI) inherit it.
os.environ.setdefault("KERAS_BACKEND", "torch")
