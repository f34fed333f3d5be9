"""Test-session setup shared by every test module."""

import importlib.util
import os
import re

# Keras 3 runs on the installed Torch in the test suite (no TensorFlow needed); set
# before any test imports keras. Subprocesses (examples, CLI) inherit it.
os.environ.setdefault("KERAS_BACKEND", "torch")

import pytest
from hypothesis import HealthCheck, settings

# Every property test runs the same examples on every run and machine: derandomized (the
# seed comes from the test's source), no example database to replay a past run's
# failures, and no wall-clock limits that a loaded CI runner would trip.
settings.register_profile(
    "sklabels",
    derandomize=True,
    database=None,
    deadline=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile("sklabels")

# Import names of the optional dependencies (the extras in pyproject.toml). ``.ci/run``
# installs every extra, so a test skipped for one of them there is a missing install
# step or a broken one, not a choice.
OPTIONAL_DEPENDENCIES = (
    "dask",
    "distributed",
    "keras",
    "matplotlib",
    "onnx",
    "onnxruntime",
    "pandas",
    "pyarrow",
    "skl2onnx",
    "skops",
    "tokenizers",
    "torch",
    "transformers",
)


def _installed(name: str) -> bool:
    try:
        return importlib.util.find_spec(name) is not None
    except (ImportError, ValueError):
        return False


def skip_fails_in_ci(reason: str) -> bool:
    """Whether a skip with this reason is a failure in CI.

    It is when an optional dependency could not be imported (``importorskip``), or
    when the reason names an optional dependency that is installed (a plain
    ``pytest.skip`` hiding a broken install). Other skips (scikit-learn's own
    array-API checks, say) stay skips.
    """
    missing = re.search(r"could not import '([\w.]+)'", reason)
    if missing and missing.group(1).split(".")[0] in OPTIONAL_DEPENDENCIES:
        return True
    words = re.findall(r"(?<![\w-])([a-z]\w*)(?![\w-])", reason.lower())
    return any(word in OPTIONAL_DEPENDENCIES and _installed(word) for word in words)


def _skip_reason(report) -> str:
    longrepr = report.longrepr
    if isinstance(longrepr, tuple) and len(longrepr) == 3:
        return str(longrepr[2])
    return str(longrepr)


def _fail_in_ci(report) -> None:
    in_ci = os.environ.get("CI", "").lower() == "true"
    plain_skip = report.skipped and not hasattr(report, "wasxfail")
    if in_ci and plain_skip and skip_fails_in_ci(_skip_reason(report)):
        report.outcome = "failed"


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """In CI (``CI=true``), a skip for an optional dependency is a failure."""
    outcome = yield
    _fail_in_ci(outcome.get_result())


@pytest.hookimpl(hookwrapper=True)
def pytest_make_collect_report(collector):
    """The same for a module-level ``importorskip`` (skipped at collection)."""
    outcome = yield
    _fail_in_ci(outcome.get_result())
