"""``sklabels decode`` on a large CSV of scores, against pandas + decode + to_csv.

Writes a CSV of 1,000,000 rows x 10 float32 softmax probabilities with a header of
class names (about 110 MB, as ``DataFrame.to_csv`` writes float32), then times, in
the same process:

- ours: the command line, ``sklabels.__main__.main(["decode", scores.csv, "-o",
  labels.csv])`` -- its checks, reading the file, decoding, writing the labels
  atomically;
- the peer: ``pandas.read_csv`` (C engine) + ``sklabels.decode`` of its values with
  its column names as classes + ``DataFrame.to_csv`` of the labels.

Both write the same file (checked byte for byte). Peak memory: each pipeline run
once more in a child process of its own; its peak resident memory (``VmHWM``,
Linux) is shown with the file size, and the interpreter with the same imports
and no work as the baseline. Target: ours at most 1.5x the peer's time, with peak
memory a small multiple of the file.

    python benchmarks/bench_cli_decode.py [--rows 1000000] [--cols 10]
"""

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

import sklabels._cli  # noqa: F401  (imported by the command at its first run)
from sklabels import decode
from sklabels.__main__ import main as cli

ROOT = Path(__file__).resolve().parents[1]
IMPORTS = "import pandas, sklabels, sklabels._cli; from sklabels.__main__ import main"
PEER = """
frame = pandas.read_csv(sys.argv[1])
labels = sklabels.decode(frame.to_numpy(), list(frame.columns))
pandas.DataFrame({"label": labels}).to_csv(sys.argv[2], index=False)
"""
OURS = """
status = main(["decode", *sys.argv[1:]])
if status != 0:  # not an assert: the check must survive python -O
    raise SystemExit(f"FAIL: sklabels decode exited with status {status}")
"""
# The high-water mark of the child's own memory (VmHWM, Linux); getrusage's
# maximum would include the parent's size at fork.
PEAK = """
for line in open("/proc/self/status"):
    if line.startswith("VmHWM:"):
        print("peak", int(line.split()[1]) / 1024)
"""


def peer(path, out):
    frame = pd.read_csv(path)
    labels = decode(frame.to_numpy(), list(frame.columns))
    pd.DataFrame({"label": labels}).to_csv(out, index=False)


def ours(path, out):
    status = cli(["decode", str(path), "-o", str(out)])
    if status:
        raise SystemExit(f"sklabels decode failed with status {status}")


def best_time(func, repeats):
    best = np.inf
    for _ in range(repeats):
        start = time.perf_counter()
        func()
        best = min(best, time.perf_counter() - start)
    return best


def child_peak_mib(code, *args):
    """Peak resident memory of ``python -c code args``, after the same imports."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    program = f"import sys\n{IMPORTS}\n{code}\n{PEAK}"
    result = subprocess.run(
        [sys.executable, "-c", program, *map(str, args)],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode:
        raise SystemExit(f"child failed: {result.stderr}")
    return float(result.stdout.split("peak")[-1])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--cols", type=int, default=10)
    parser.add_argument("--repeats", type=int, default=2)
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    probabilities = rng.dirichlet(np.ones(args.cols), args.rows).astype(np.float32)
    classes = [f"class_{j}" for j in range(args.cols)]
    with tempfile.TemporaryDirectory() as tmp:
        path, mine, theirs = (Path(tmp) / f for f in ("s.csv", "a.csv", "b.csv"))
        pd.DataFrame(probabilities, columns=classes).to_csv(path, index=False)
        size = path.stat().st_size / 2**20
        print(f"scores: {args.rows:,} x {args.cols} float32 CSV, {size:.0f} MiB")
        t_ours = best_time(lambda: ours(path, mine), args.repeats)
        t_peer = best_time(lambda: peer(path, theirs), args.repeats)
        identical = mine.read_bytes() == theirs.read_bytes()
        base = child_peak_mib("")
        mem_ours = child_peak_mib(OURS, path, "-o", mine)
        mem_peer = child_peak_mib(PEER, path, theirs)
    print(f"peer: pandas read_csv + decode + to_csv: {t_peer:7.2f} s")
    print(f"ours: sklabels decode (main, in process): {t_ours:7.2f} s")
    ratio = t_ours / t_peer
    verdict = "PASS" if ratio <= 1.5 else "FAIL"
    print(f"time ratio ours / peer: {ratio:.2f}x (target <= 1.5x): {verdict}")
    print(f"peak memory, imports alone (baseline): {base:6.0f} MiB")
    for name, mem in (("peer", mem_peer), ("ours", mem_ours)):
        print(
            f"peak memory, {name}: {mem:6.0f} MiB = {mem / size:4.1f}x the file "
            f"({(mem - base) / size:4.1f}x above the baseline)"
        )
    print(f"memory ratio ours / peer: {mem_ours / mem_peer:.2f}x")
    print(f"outputs identical: {'yes' if identical else 'no'}")


if __name__ == "__main__":
    main()
