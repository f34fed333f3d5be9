"""Row blocks: several inputs cut into the same row blocks, and the merge tree."""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np

from .._backend import is_dask

# Tables merged per task in the tree reduction.
FAN_IN = 8


def is_frame(obj: Any) -> bool:
    """A Dask DataFrame or Series (partitions are pandas objects)."""
    import dask.dataframe as dd

    return isinstance(obj, dd.DataFrame | dd.Series)


def _is_bag(obj: Any) -> bool:
    import dask.bag as db

    return isinstance(obj, db.Bag)


def refuse_bag(obj: Any, name: str) -> None:
    if is_dask(obj) and _is_bag(obj):
        raise TypeError(
            f"{name} is a dask Bag; pass a dask Array or DataFrame (one row per "
            f"sample). For label sets, pass a 0/1 indicator (dask Array or "
            f"DataFrame with one column per label)."
        )


def _known_chunks(obj: Any) -> Any:
    """A Dask Array with row chunks of unknown size (``to_dask_array()``) measured."""
    if is_dask(obj) and not is_frame(obj) and any(np.isnan(obj.chunks[0])):
        return obj.compute_chunk_sizes()
    return obj


def _row_lengths(obj: Any) -> tuple[int, ...]:
    """Rows per block of a Dask collection (a pass over a DataFrame's partitions)."""
    if not is_frame(obj):
        return tuple(int(c) for c in obj.chunks[0])
    return tuple(int(n) for n in obj.map_partitions(len).compute())


def _blocks_of(obj: Any, lengths: tuple[int, ...], own: tuple | None) -> list:
    """``obj`` as a list of delayed row blocks of ``lengths`` rows each (``own``:
    its own block lengths when it is a Dask collection)."""
    import dask

    if obj is None:
        return [None] * len(lengths)
    if is_dask(obj) and is_frame(obj):
        if own != lengths:
            raise ValueError(
                "the Dask DataFrames passed are partitioned differently; take them "
                "from the same DataFrame (e.g. df[score_columns] and df['label']) "
                "or repartition them alike."
            )
        return list(obj.to_delayed())
    if is_dask(obj):
        chunks = {0: lengths} if obj.ndim == 1 else {0: lengths, 1: -1}
        blocks = obj.rechunk(chunks).to_delayed()
        return list(blocks.ravel())
    bounds = np.concatenate([[0], np.cumsum(lengths)])
    slices = [slice(int(a), int(b)) for a, b in itertools.pairwise(bounds)]
    if hasattr(obj, "iloc"):
        return [dask.delayed(obj.iloc[s]) for s in slices]
    if isinstance(obj, list | tuple):
        return [dask.delayed(list(obj[s])) for s in slices]
    values = np.asarray(obj)
    return [dask.delayed(values[s]) for s in slices]


def aligned_blocks(*objs: Any) -> list[tuple]:
    """The inputs (Dask collections, arrays, frames, lists or None) cut alike.

    The row blocks follow the first Dask DataFrame among ``objs``, else the first
    Dask Array; Dask frames must all be partitioned alike (same DataFrame), arrays
    are rechunked, in-memory inputs sliced. Unequal lengths raise scikit-learn's
    consistent-length error.
    """
    from sklearn.utils.validation import check_consistent_length

    objs = tuple(_known_chunks(o) for o in objs)
    present = [o for o in objs if o is not None]
    frames = [o for o in present if is_dask(o) and is_frame(o)]
    lead = frames[0] if frames else next(o for o in present if is_dask(o))
    if frames and all(is_dask(o) and is_frame(o) for o in present):
        counts = {o.npartitions for o in frames}
        if len(counts) == 1:  # partitions zipped; their lengths checked per block
            n = counts.pop()
            return list(zip(*(_blocks_of_frame(o, n) for o in objs), strict=True))
    # Each collection's block lengths once: for frames, a pass over the data.
    own = [_row_lengths(o) if is_dask(o) else None for o in objs]
    lengths = own[next(i for i, o in enumerate(objs) if o is lead)]
    totals = [
        np.empty(sum(n) if n is not None else length(o), dtype=bool)
        for o, n in zip(objs, own, strict=True)
        if o is not None
    ]
    check_consistent_length(*totals)
    return list(
        zip(
            *(_blocks_of(o, lengths, n) for o, n in zip(objs, own, strict=True)),
            strict=True,
        )
    )


def _blocks_of_frame(obj: Any, n: int) -> list:
    return [None] * n if obj is None else list(obj.to_delayed())


def length(obj: Any) -> int:
    return len(obj) if hasattr(obj, "__len__") else int(np.shape(obj)[0])


def check_block_rows(*blocks: Any) -> None:
    """Blocks taken from different frames must hold the same rows."""
    sizes = {length(b) for b in blocks if b is not None}
    if len(sizes) > 1:
        raise ValueError(
            f"a partition of the inputs holds {sorted(sizes)} rows: the Dask "
            f"DataFrames passed are partitioned differently. Take them from the "
            f"same DataFrame (e.g. df[score_columns] and df['label']), or "
            f"repartition them alike."
        )


def tree(parts: list, combine) -> Any:
    """Reduce delayed ``parts`` with ``combine`` in a tree of fan-in ``FAN_IN``."""
    import dask

    merge = dask.delayed(combine, pure=True)
    while len(parts) > 1:
        parts = [merge(*parts[i : i + FAN_IN]) for i in range(0, len(parts), FAN_IN)]
    return parts[0]


def single_column_chunk(data: Any) -> Any:
    return data.rechunk({1: -1}) if data.ndim == 2 and data.numblocks[1] > 1 else data
