"""The benchmark scripts run end to end at tiny sizes (no timing targets checked)."""

import re
import subprocess
import sys
from pathlib import Path

import pytest

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"

CASES = {
    "bench_tuning_binary.py": ["--rows", "3000", "--repeats", "1"],
    "bench_tuning_multilabel.py": ["--rows", "1000", "--labels", "3"],
    "bench_tuning_engine.py": ["--rows", "3000", "--cols", "4", "--peer-cols", "1"],
    "bench_key_sort.py": ["--rows", "3000", "--cols", "3", "--repeats", "1"],
    "bench_tuning_exactness.py": ["--trials", "10"],
    "bench_adapters_defaults.py": ["--epochs", "1", "--seeds", "1", "--rows", "300"],
    "bench_adapters_predict.py": ["--rows", "2000", "--repeats", "1", "--texts", "64"],
    "bench_decode_multilabel.py": ["--rows", "2000", "--cols", "30", "--repeats", "1"],
    "bench_predict_overhead.py": ["--rows", "2000", "--repeats", "1", "--calls", "10"],
    "bench_prior_shift.py": ["--seeds", "1", "--target-rows", "300"],
    "bench_tuning_multicore.py": ["--rows", "3000", "--cols", "5", "--repeats", "1"],
    "bench_cli_decode.py": ["--rows", "2000", "--repeats", "1"],
    "bench_cli_dataset.py": ["--rows", "2000"],
    "bench_scale.py": [
        *("--sizes", "30000", "--chunk", "10000", "--labels", "3"),
        *("--memory-limit", "1GiB", "--decode-rows", "20000", "--decode-tuples"),
    ],
    "bench_guarantees.py": ["--draws", "10"],
    "bench_bands.py": ["--draws", "10"],
    "bench_small_samples.py": ["--draws", "3"],
    "bench_bands_dask.py": ["--rows", "40000", "--chunk", "5000"],
    "bench_fold_average.py": [
        "--splits",
        "2",
        "--scale",
        "0.2",
        "--problems",
        "rare-labels-logistic",
    ],
    "bench_generalization.py": [
        "--seeds",
        "2",
        "--scale",
        "0.2",
        "--problems",
        "cancer-logistic,5-classes-logistic",
    ],
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
    expected = {
        "bench_predict_overhead.py": ["overhead vs peer", "us/call"],
        "bench_adapters_defaults.py": ["accuracy ratio ours/Keras"],
        "bench_tuning_binary.py": ["held-out F1 difference"],
        "bench_tuning_multilabel.py": ["macro-F1 difference"],
        "bench_tuning_engine.py": ["never below the grid: yes"],
        "bench_key_sort.py": ["the engine chooses on this CPU"],
        "bench_tuning_exactness.py": ["all exact: yes"],
        "bench_prior_shift.py": ["EM within 0.03 of the true priors on average:"],
        "bench_guarantees.py": ["all checks pass:", "PASS"],
        "bench_bands.py": ["share ratio", "certified violation rates"],
        "bench_bands_dask.py": ["peak ratio dask", "cuts equal bit for bit"],
        "bench_fold_average.py": ["PASS: the fold average is exact", "foldavg/exact"],
        "bench_small_samples.py": [
            "robust never below the default rule",
            "robust - default",
        ],
        "bench_generalization.py": [
            "never below the default rule beyond noise",
            "at least sklearn's mean everywhere:",
            "robust - sklearn",
        ],
    }.get(script, ["outputs identical: yes"])
    for line in expected:
        assert line in result.stdout, result.stdout


def test_benchmarks_check_without_assert():
    """Check that no benchmark checks a result with a bare assert (gone under -O)."""
    bare = [
        f"{path.name}:{number}"
        for path in sorted(BENCHMARKS.glob("*.py"))
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if re.match(r"\s*assert\b", line)
    ]
    assert bare == []
