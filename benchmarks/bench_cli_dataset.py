"""``sklabels tune DIR labels.parquet`` on a directory of parquet score files: read in
memory (under ``--memory-budget``) against through Dask (``--memory-budget 0``).

Writes 2,000,000 x 5 float64 sigmoid scores (multilabel) in 4 parquet files and the
true 0/1 labels in one parquet file, then runs the command as a process of its own
for each reader (``python -m sklabels tune val labels.parquet -o thresholds.json``)
and reports its
wall time and peak resident memory (``ru_maxrss`` of the child, read by a small
parent that runs nothing else). Both runs must write the same thresholds file and
print the same report. The in-memory library call (``tune_thresholds`` on the
concatenated matrix, in this process) is shown as the floor.

    python benchmarks/bench_cli_dataset.py [--rows 2000000] [--cols 5] [--files 4]
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from sklabels import tune_thresholds

ROOT = Path(__file__).resolve().parents[1]
# The peak of the command's own process: a parent that only waits for it.
MEASURE = """
import resource, subprocess, sys, time
start = time.perf_counter()
result = subprocess.run(sys.argv[1:], capture_output=True, text=True)
wall = time.perf_counter() - start
peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
print(result.returncode, wall, peak)
sys.stdout.write(result.stdout)
sys.stderr.write(result.stderr)
"""


def write_files(folder: Path, rows: int, cols: int, files: int) -> list[str]:
    rng = np.random.default_rng(0)
    p = rng.random((rows, cols))  # sigmoid outputs, one label per column
    classes = [f"class_{j}" for j in range(cols)]
    truth = pd.DataFrame((rng.random(p.shape) < p).astype(np.int8), columns=classes)
    (folder / "val").mkdir()
    bounds = np.linspace(0, rows, files + 1).astype(int)
    for i in range(files):
        part = pd.DataFrame(p[bounds[i] : bounds[i + 1]], columns=classes)
        part.to_parquet(folder / "val" / f"part{i:02d}.parquet", index=False)
    truth.to_parquet(folder / "labels.parquet", index=False)
    return classes


def run_command(folder: Path, budget: list[str], out: str):
    """(status, wall seconds, peak MiB, stdout) of ``sklabels tune`` as a process."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    command = [sys.executable, "-m", "sklabels", "tune", "val", "labels.parquet"]
    result = subprocess.run(
        [sys.executable, "-c", MEASURE, *command, "-o", out, *budget],
        cwd=folder,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    head, _, stdout = result.stdout.partition("\n")
    status, wall, peak = head.split()
    if int(status):
        raise SystemExit(f"FAIL: sklabels tune exited {status}: {result.stderr}")
    return float(wall), float(peak), stdout


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=2_000_000)
    parser.add_argument("--cols", type=int, default=5)
    parser.add_argument("--files", type=int, default=4)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        classes = write_files(folder, args.rows, args.cols, args.files)
        size = args.rows * args.cols * 8 / 1e6
        print(
            f"scores: {args.rows:,} x {args.cols} float64 in {args.files} parquet "
            f"files ({size:.0f} MB as a matrix)"
        )
        dask_wall, dask_peak, dask_out = run_command(
            folder, ["--memory-budget", "0"], "dask.json"
        )
        mem_wall, mem_peak, mem_out = run_command(folder, [], "memory.json")
        files = [(folder / f).read_text() for f in ("dask.json", "memory.json")]
        frame = pd.concat(
            [pd.read_parquet(f) for f in sorted((folder / "val").iterdir())]
        )
        truth = pd.read_parquet(folder / "labels.parquet")[classes].to_numpy()
        start = time.perf_counter()
        result = tune_thresholds(
            truth, frame.to_numpy(), classes=classes, return_curves=False
        )
        floor = time.perf_counter() - start
        written = json.loads(files[1])["thresholds"]
    checks = {
        "thresholds files": files[0] == files[1],
        "reports": dask_out == mem_out,
        "thresholds of the library in process": written == result.thresholds.tolist(),
    }
    print(f"through Dask (--memory-budget 0): {dask_wall:6.2f} s, {dask_peak:6.0f} MiB")
    print(f"in memory (default budget):       {mem_wall:6.2f} s, {mem_peak:6.0f} MiB")
    print(f"library floor, tune_thresholds in process: {floor:6.2f} s")
    print(f"time ratio in memory / Dask: {mem_wall / dask_wall:.2f}x")
    print(f"memory ratio in memory / Dask: {mem_peak / dask_peak:.2f}x")
    for what, same in checks.items():
        print(f"identical {what}: {'yes' if same else 'no'}")
    same = all(checks.values())
    print(f"outputs identical: {'yes' if same else 'no'}")
    if not same:
        raise SystemExit("FAIL: the readers wrote different thresholds or reports")


if __name__ == "__main__":
    main()
