"""The benchmark scripts run end to end at tiny sizes (no timing targets checked)."""

import subprocess
import sys
from pathlib import Path

import pytest

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"

CASES = {
    "bench_adapters_predict.py": ["--rows", "2000", "--repeats", "1"],
    "bench_decode_multilabel.py": ["--rows", "2000", "--cols", "30", "--repeats", "1"],
    "bench_predict_overhead.py": ["--rows", "2000", "--repeats", "1", "--calls", "10"],
}


@pytest.mark.parametrize("script", sorted(CASES))
def test_benchmark_runs(script):
    """Check that the script exits 0 and prints its ratio / overhead lines."""
    result = subprocess.run(
        [sys.executable, str(BENCHMARKS / script), *CASES[script]],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "ratio" in result.stdout
    if script == "bench_predict_overhead.py":
        assert "overhead vs peer" in result.stdout
        assert "us/call" in result.stdout
    else:
        assert "outputs identical: yes" in result.stdout
