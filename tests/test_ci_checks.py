"""The test-session rules of tests/conftest.py: seeded property tests, and skips that
are failures in CI."""

import ast
from pathlib import Path

import pytest
from conftest import OPTIONAL_DEPENDENCIES, skip_fails_in_ci
from hypothesis import settings

pytest_plugins = ["pytester"]

TESTS = Path(__file__).parent


def test_hypothesis_profile_is_derandomized():
    """Check that property tests run derandomized, with no database or deadline."""
    assert settings.default.derandomize
    assert settings.default.database is None
    assert settings.default.deadline is None


def _settings_calls(tree):
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "settings":
            yield node


def test_no_test_module_unseeds_hypothesis():
    """Check that no test module turns derandomization off or loads another profile."""
    offenders = []
    for path in sorted(TESTS.glob("test_*.py")):
        tree = ast.parse(path.read_text())
        for call in _settings_calls(tree):
            for keyword in call.keywords:
                if keyword.arg in {"derandomize", "database"} and not (
                    isinstance(keyword.value, ast.Constant)
                    and keyword.value.value in {True, None}
                ):
                    offenders.append(f"{path.name}:{call.lineno} {keyword.arg}=")
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and node.attr == "load_profile":
                offenders.append(f"{path.name}:{node.lineno} load_profile")
    assert offenders == []


@pytest.mark.parametrize(
    ("reason", "fails"),
    [
        ("could not import 'torch': No module named 'torch'", True),
        ("could not import 'dask.array': No module named 'dask'", True),
        ("torch.onnx.export unavailable: boom", True),
        ("pandas is broken here", True),
        ("Keras backend not usable", True),
        ("SCIPY_ARRAY_API is not set: not checking array_api input", False),
        ("could not import 'cupy': No module named 'cupy'", False),
        ("needs pandas-stubs", False),
        ("slow on this platform", False),
    ],
)
def test_skip_fails_in_ci_reasons(reason, fails):
    """Check that a skip fails in CI exactly when it names an optional dependency."""
    assert skip_fails_in_ci(reason) is fails


def test_optional_dependencies_cover_the_extras():
    """Check that every optional dependency of pyproject.toml's extras is listed."""
    import tomllib

    pyproject = tomllib.loads((TESTS.parent / "pyproject.toml").read_text())
    extras = pyproject["project"]["optional-dependencies"]
    skip = {"test", "docs", "all"}
    names = {
        requirement.split("[")[0].split(">")[0].split("=")[0].strip().lower()
        for extra, requirements in extras.items()
        if extra not in skip
        for requirement in requirements
    }
    assert names <= set(OPTIONAL_DEPENDENCIES)


SKIPPING_TESTS = """
import sys

import pytest

def test_missing():
    pytest.importorskip("sklabels_no_such_module_torch")

def test_missing_optional(monkeypatch):
    monkeypatch.setitem(sys.modules, "skops", None)  # as if skops were not installed
    pytest.importorskip("skops")

def test_named_installed():
    pytest.skip("pytest broke, and so did pandas")

def test_accepted():
    pytest.skip("SCIPY_ARRAY_API is not set: not checking array_api input")

@pytest.mark.xfail(reason="torch rounds differently", strict=True)
def test_expected_failure():
    assert False
"""


@pytest.mark.parametrize(
    ("ci", "failing"),
    [("true", ["test_missing_optional", "test_named_installed"]), ("", [])],
)
def test_ci_turns_optional_dependency_skips_into_failures(
    pytester, monkeypatch, ci, failing
):
    """Check that in CI a skip for an optional dependency fails, other skips pass."""
    monkeypatch.setenv("CI", ci)
    pytester.makeconftest((TESTS / "conftest.py").read_text())
    pytester.makepyfile(test_skips=SKIPPING_TESTS)
    reprec = pytester.inline_run("-p", "no:randomly", "-p", "no:xdist")
    passed, skipped, failed = reprec.listoutcomes()
    assert sorted(report.nodeid.split("::")[-1] for report in failed) == failing
    assert passed == []
    assert len(skipped) == 5 - len(failing)  # the xfail counts as skipped here


def test_dask_extra_ties_distributed_to_dask():
    """Check that the dask extra asks for dask[distributed], which pins distributed to
    dask's own release, and never for an unpinned distributed of its own (pip then
    tried 53 versions of distributed before finding one that matched)."""
    import tomllib

    pyproject = tomllib.loads((TESTS.parent / "pyproject.toml").read_text())
    extra = pyproject["project"]["optional-dependencies"]["dask"]
    dask = [req for req in extra if req.startswith("dask[")]
    assert len(dask) == 1 and "distributed" in dask[0].split("]")[0]
    assert not [req for req in extra if req.startswith("distributed")]
