"""Exact tuning and decoding on Dask against the in-memory engine: time and memory.

Per-label F1 tuning (``tune_thresholds(..., return_curves=False)``) and multilabel
decoding of ``rows x labels`` continuous float32 sigmoid scores with a 0/1 truth
(label frequencies from 30% down to 1%), generated chunk by chunk on the workers of
a ``distributed.LocalCluster`` (never materialised in one process), at growing
sizes (default 1M to 100M rows x 10 labels, 2 workers of 1 GiB each):

- dask tune: ``tune_thresholds`` on the Dask arrays: the bounded-memory passes
  (each pass reads the chunks again: chunk generation included; the generation
  alone is timed too);
- dask decode: ``decode(scores, labels, problem="multilabel", threshold=...)``, the
  0/1 indicator array summed on the workers;
- in memory (up to ``--in-memory-max`` rows): the same rows computed into this
  process, then the in-memory ``tune_thresholds``; the thresholds and objective
  values must be identical, and the time ratio dask / in-memory is printed.

Peak worker memory is the largest peak RSS of the worker processes (``VmHWM`` of
each worker's own memory map; each size runs on a fresh cluster, and the workers'
RSS at its start is printed as the baseline). In-memory peak memory is the input
plus the ``tracemalloc`` peak of one call. With ``--decimals d`` the scores are
rounded to ``d`` decimals, as in CSV exports: the merged tables then hold at most
``10**d + 1`` values per label whatever the number of rows.

Then multilabel decoding of ``--decode-rows x --decode-labels`` scores held by the
workers (persisted), computed into this process: the Dask indicator (and with
``--decode-tuples`` the Bag of tuples) against the in-memory ``decode`` (tuples,
and ``output="indicator"``) of the same rows.

    python benchmarks/bench_scale.py [--sizes 1000000,8000000,16000000,100000000]
        [--labels 10] [--memory-limit 1GiB] [--decode-rows 2000000]
"""

import argparse
import contextlib
import os
import resource
import time
import tracemalloc
import warnings

import dask.array as da
import numpy as np
from distributed import Client, LocalCluster

from sklabels import decode, tune_thresholds


def make_truth(block_id=None, *, rows, labels, seed):
    """The 0/1 truth of one chunk (label frequencies from 30% down to 1%)."""
    rng = np.random.default_rng([seed, block_id[0]])
    return rng.random((rows, labels), dtype=np.float32) < np.geomspace(
        0.3, 0.01, labels
    )


def make_scores(block_id=None, *, rows, labels, decimals, seed):
    """Sigmoid scores of one chunk, from its truth (re-made from the same seed)."""
    truth = make_truth(block_id, rows=rows, labels=labels, seed=seed)
    rng = np.random.default_rng([seed, block_id[0], 1])
    logit = 2.5 * truth - 1.5 + rng.standard_normal((rows, labels), dtype=np.float32)
    scores = (1 / (1 + np.exp(-logit))).astype(np.float32)
    if decimals is not None:
        scores = np.round(scores, decimals).astype(np.float32)
    return scores


def dataset(n, args):
    """Dask arrays of scores and truth, each chunk made on the worker that needs it."""
    chunk = min(args.chunk, n)
    chunks = ((chunk,) * -(-n // chunk), (args.labels,))
    common = dict(rows=chunk, labels=args.labels, seed=n, chunks=chunks)
    scores = da.map_blocks(
        make_scores, decimals=args.decimals, dtype=np.float32, **common
    )
    truth = da.map_blocks(make_truth, dtype=bool, **common).astype(np.int8)
    return scores[:n], truth[:n]


def gathered(array):
    """A Dask array computed into this process chunk by chunk (one task that
    concatenated every chunk would need a worker as large as the array)."""
    import dask

    return np.concatenate(dask.compute(*array.to_delayed().ravel()))


def _own_peak_kib():
    """This process's peak RSS in KiB: ``VmHWM`` of its own memory map. Not
    ``ru_maxrss``, which Linux carries over ``exec`` from the forking process: a
    worker spawned by a client grown large would report the client's peak."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def worker_peak_mib(client):
    """The largest peak RSS of the worker processes, in MiB."""
    peaks = client.run(_own_peak_kib)
    return max(peaks.values()) / 1024


def worker_rss_mib(client):
    import psutil

    rss = client.run(lambda: psutil.Process().memory_info().rss)
    return max(rss.values()) / 2**20


def timed(func):
    start = time.perf_counter()
    out = func()
    return out, time.perf_counter() - start


def quiet(func):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return func()


@contextlib.contextmanager
def fresh_cluster(args):
    """A client on a new ``LocalCluster`` of ``args.workers`` one-thread processes
    with ``args.memory_limit`` each (fresh workers: their peaks are this run's)."""
    with (
        LocalCluster(
            n_workers=args.workers,
            threads_per_worker=1,
            memory_limit=args.memory_limit,
            dashboard_address=":0",
        ) as cluster,
        Client(cluster) as client,
    ):
        yield client


def one_size(client, n, args, labels):
    """One row of the table, on a fresh cluster (so that peaks are this size's)."""
    baseline = worker_rss_mib(client)
    scores, truth = dataset(n, args)

    def tune_dask():
        return quiet(
            lambda: tune_thresholds(truth, scores, classes=labels, return_curves=False)
        )

    result, t_tune = timed(tune_dask)
    tune_peak = worker_peak_mib(client)
    if args.tune_only:
        row = f"{n:>12,} {'-':>10} {t_tune:>11.2f} {'-':>9} {tune_peak:>7.0f}"
        return row + f" {'-':>7} ({baseline:>4.0f})", True
    lazy = decode(scores, labels, problem="multilabel", threshold=0.5)
    shape, t_decode = timed(lambda: lazy.sum(axis=1).compute().shape)
    if shape != (n,):  # not an assert: the check must survive python -O
        raise SystemExit(f"FAIL: decode returned {shape} rows for {n:,} scores")
    peak = worker_peak_mib(client)
    # Generation timed alone (it also runs inside the tune), after the peaks are
    # read: a reduction over every block lets the scheduler generate blocks ahead
    # of the sums, a peak of this timing, not of the tuner.
    _, t_gen = timed(lambda: (scores.sum() + truth.sum()).compute())
    if n > args.in_memory_max:
        cells = f"{'-':>13} {'-':>15} {'-':>10} {'-':>9}"
        same = True
    else:
        s_np, y_np = gathered(scores), gathered(truth)

        def tune_memory():
            return quiet(
                lambda: tune_thresholds(y_np, s_np, classes=labels, return_curves=False)
            )

        ref, t_mem = timed(tune_memory)
        tracemalloc.start()
        tune_memory()
        mem_peak = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()
        mem_peak += (s_np.nbytes + y_np.nbytes) / 2**20
        same = bool(
            np.array_equal(ref.thresholds, result.thresholds)
            and ref.best_score == result.best_score
            and ref.class_scores == result.class_scores
        )
        ratio = t_tune / t_mem
        cells = (
            f"{t_mem:>13.2f} {mem_peak:>15.0f} {ratio:>10.2f} "
            f"{'yes' if same else 'NO':>9}"
        )
    row = (
        f"{n:>12,} {t_gen:>10.2f} {t_tune:>11.2f} {t_decode:>9.2f} "
        f"{tune_peak:>7.0f} {peak:>7.0f} ({baseline:>4.0f}) {cells}"
    )
    return row, same


def decode_table(args):
    """Multilabel decode of scores held by the workers, computed into this process,
    against the in-memory decode of the same rows."""
    n, k = args.decode_rows, args.decode_labels
    labels = [f"label_{j:02d}" for j in range(k)]
    sub = argparse.Namespace(**{**vars(args), "labels": k, "decimals": None})
    with fresh_cluster(args) as client:
        scores = client.persist(dataset(n, sub)[0])
        s_np = scores.compute()
        call = dict(problem="multilabel", threshold=0.5)
        ref, t_tuples = timed(lambda: decode(s_np, labels, **call))
        ind, t_ind = timed(lambda: decode(s_np, labels, output="indicator", **call))
        got, t_dask = timed(lambda: decode(scores, labels, **call).compute())
        same = bool(np.array_equal(got, ind)) and got.dtype == ind.dtype
        cells = ""
        if args.decode_tuples:
            bag, t_bag = timed(
                lambda: decode(scores, labels, output="tuples", **call).compute()
            )
            same &= list(bag) == ref
            cells = f"; Dask Bag of tuples {t_bag:.2f} s"
        peak = worker_peak_mib(client)
    print(
        f"\nmultilabel decode, {n:,} rows x {k} labels (scores persisted on the "
        f"workers, result computed into this process; worker peak {peak:.0f} MiB):\n"
        f"  in memory: tuples {t_tuples:.2f} s, output='indicator' {t_ind:.2f} s; "
        f"Dask indicator {t_dask:.2f} s{cells}\n"
        f"  time ratio Dask indicator / in-memory tuples: {t_dask / t_tuples:.2f}, "
        f"/ in-memory indicator: {t_dask / t_ind:.2f}; identical: "
        f"{'yes' if same else 'NO'}",
        flush=True,
    )
    return same


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000000,8000000,16000000,100000000")
    parser.add_argument("--labels", type=int, default=10)
    parser.add_argument("--chunk", type=int, default=250_000, help="rows per chunk")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--memory-limit", default="1GiB", help="per worker")
    parser.add_argument("--decode-rows", type=int, default=2_000_000)
    parser.add_argument("--decode-labels", type=int, default=5)
    parser.add_argument(
        "--decode-tuples",
        action="store_true",
        help="also time the Dask Bag of tuples (output='tuples'; slow)",
    )
    parser.add_argument("--in-memory-max", type=int, default=16_000_000)
    parser.add_argument("--decimals", type=int, default=None)
    parser.add_argument(
        "--tune-only",
        action="store_true",
        help="only the Dask tuning on each fresh cluster (its own worker peak)",
    )
    args = parser.parse_args()
    sizes = [int(float(s)) for s in args.sizes.split(",")]
    labels = [f"label_{j:02d}" for j in range(args.labels)]

    import psutil

    total = psutil.virtual_memory().total / 2**30
    print(
        f"machine: {os.cpu_count()} cores, {total:.1f} GiB memory; LocalCluster of "
        f"{args.workers} worker processes x 1 thread, memory limit {args.memory_limit} "
        f"each; chunks of {args.chunk:,} rows; {args.labels} labels, float32 scores"
        + (f" rounded to {args.decimals} decimals" if args.decimals else "")
    )
    header = (
        f"{'rows':>12} {'generate s':>10} {'dask tune s':>11} {'decode s':>9} "
        f"{'worker peak MiB: tune, +decode':>30} {'in-mem tune s':>13} "
        f"{'in-mem peak MiB':>15} "
        f"{'time ratio':>10} {'identical':>9}"
    )
    all_identical = True
    rows_out = []
    for n in sizes:
        with fresh_cluster(args) as client:
            row, same = one_size(client, n, args, labels)
        all_identical &= same
        rows_out.append(row)
        print(row if len(rows_out) > 1 else header + "\n" + row, flush=True)
    print(
        "worker peak MiB: largest peak RSS of a worker process after the tuning, "
        "then after the decoding too "
        "(its RSS when the fresh cluster started in parentheses); time ratio = "
        "dask tune / in-memory tune_thresholds on the same rows"
    )
    if args.decode_rows:
        all_identical &= decode_table(args)
    print(f"outputs identical: {'yes' if all_identical else 'NO'}")


if __name__ == "__main__":
    main()
