"""The command line: ``python -m sklabels demo`` and ``--help``."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from sklabels.__main__ import main
from sklabels._demo import DIGIT_PROPERTIES

ROOT = Path(__file__).resolve().parent.parent
# As in the pytest configuration: deprecations are errors.
WARNINGS_AS_ERRORS = ["-W", "error::FutureWarning", "-W", "error::DeprecationWarning"]


def _run(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    env = dict(os.environ, MPLBACKEND="Agg")
    env["PYTHONPATH"] = os.pathsep.join(
        p for p in (str(ROOT), env.get("PYTHONPATH", "")) if p
    )
    return subprocess.run(
        [sys.executable, *WARNINGS_AS_ERRORS, "-m", "sklabels", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory):
    return _run("demo", cwd=tmp_path_factory.mktemp("demo"))


def test_demo_exits_zero(demo_run):
    """Check that ``python -m sklabels demo`` exits with status 0."""
    assert demo_run.returncode == 0, demo_run.stderr


def test_demo_prints_every_section(demo_run):
    """Check that the demo prints binary, multiclass and multilabel label names."""
    out = demo_run.stdout
    assert "malignant" in out and "benign" in out
    assert "versicolor" in out
    for name in DIGIT_PROPERTIES:
        assert name in out


def test_demo_prints_classification_reports(demo_run):
    """Check that the demo prints one classification report per section."""
    assert demo_run.stdout.count("precision") == 3


def test_cli_help_lists_demo(tmp_path):
    """Check that ``--help`` exits with status 0 and names the demo command."""
    result = _run("--help", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "demo" in result.stdout
    assert "python -m sklabels demo" in result.stdout


def test_main_without_command_returns_2(capsys):
    """Check that ``main([])`` prints the help and returns 2."""
    assert main([]) == 2
    assert "demo" in capsys.readouterr().out


def test_main_unknown_command_exits_2(capsys):
    """Check that an unknown command is an argparse usage error (status 2)."""
    with pytest.raises(SystemExit) as excinfo:
        main(["no-such-command"])
    assert excinfo.value.code == 2
    assert "invalid choice" in capsys.readouterr().err
