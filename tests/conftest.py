"""Test-session setup shared by every test module."""

import os

# Keras 3 runs on the installed Torch in the test suite (no TensorFlow needed); set
# before any test imports keras. Subprocesses (examples, CLI) inherit it.
os.environ.setdefault("KERAS_BACKEND", "torch")

import pytest


def _missing_in_ci(report) -> bool:
    return (
        os.environ.get("CI", "").lower() == "true"
        and report.skipped
        and "could not import" in str(report.longrepr)
    )


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """In CI (``CI=true``), an optional library that fails to import is a failure.

    ``.ci/run`` installs every extra (torch, keras, onnxruntime, skl2onnx), so an
    ``importorskip`` that skips there means a missing install step, not a choice.
    """
    outcome = yield
    report = outcome.get_result()
    if _missing_in_ci(report):
        report.outcome = "failed"


@pytest.hookimpl(hookwrapper=True)
def pytest_make_collect_report(collector):
    """The same for a module-level ``importorskip`` (skipped at collection)."""
    outcome = yield
    report = outcome.get_result()
    if _missing_in_ci(report):
        report.outcome = "failed"
