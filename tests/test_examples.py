"""Every script in ``examples/`` runs to completion (its own assertions included)."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = sorted((ROOT / "examples").glob("*.py"))
# As in the pytest configuration: deprecations are errors.
WARNINGS_AS_ERRORS = ["-W", "error::FutureWarning", "-W", "error::DeprecationWarning"]


def _env() -> dict[str, str]:
    env = dict(os.environ, MPLBACKEND="Agg")
    # Import this checkout of sklabels even where it is not installed.
    env["PYTHONPATH"] = os.pathsep.join(
        p for p in (str(ROOT), env.get("PYTHONPATH", "")) if p
    )
    return env


def test_examples_are_found():
    """Check that the examples folder is found and holds scripts."""
    assert EXAMPLES, f"no examples found in {ROOT / 'examples'}"


@pytest.mark.parametrize("script", EXAMPLES, ids=[path.name for path in EXAMPLES])
def test_example_runs_without_error(script, tmp_path):
    """Check that the example script exits with status 0, its assertions passing."""
    result = subprocess.run(
        [sys.executable, *WARNINGS_AS_ERRORS, str(script)],
        cwd=tmp_path,
        env=_env(),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, (
        f"{script.name} exited with status {result.returncode}\n"
        f"--- stdout ---\n{result.stdout}\n--- stderr ---\n{result.stderr}"
    )
    assert result.stdout.strip(), f"{script.name} printed nothing"
