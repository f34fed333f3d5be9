"""The code base stays ruff-clean (the project's one linter)."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_ruff_check_is_clean():
    """Check that ruff reports nothing on the package, tests, examples, benchmarks."""
    paths = [
        p
        for p in ("sklabels", "tests", "examples", "benchmarks", "docs")
        if (ROOT / p).exists()
    ]
    result = subprocess.run(
        [sys.executable, "-m", "ruff", "check", "--output-format", "concise", *paths],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
