"""The examples in the public docstrings run and print what they show."""

import doctest
import importlib
import warnings

import pytest

MODULES = [
    "sklabels._certify",
    "sklabels._classifier",
    "sklabels._decode",
    "sklabels._display",
    "sklabels._fold_average",
    "sklabels._objectives",
    "sklabels._tune",
    "sklabels.adapters._function",
    "sklabels.adapters._keras",
    "sklabels.adapters._onnx",
    "sklabels.adapters._torch",
]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    """Check that every ``>>>`` example in the module gives its documented output."""
    module = importlib.import_module(name)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # e.g. FewPositivesWarning
        result = doctest.testmod(
            module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE
        )
    assert result.attempted > 0, f"{name} has no examples"
    assert result.failed == 0
