"""The one road from the core to the Dask layer.

The core never imports ``sklabels._dask``: it asks :func:`is_dask` (cheap, never
imports Dask) and hands Dask inputs to :func:`dask_layer`, which loads the layer by
name, as pandas loads its plotting backend.
"""

from __future__ import annotations

import importlib
import sys
from types import ModuleType
from typing import Any


def is_dask(obj: Any) -> bool:
    """Whether ``obj`` is a Dask collection; never imports Dask."""
    if sys.modules.get("dask") is None:  # never imported, or blocked
        return False
    # Dask's own Array, DataFrame, Series and Bag only; a cheap test first, since
    # is_dask_collection reads an attribute that pandas looks up among the columns.
    if type(obj).__module__.partition(".")[0] not in ("dask", "dask_expr"):
        return False
    from dask import is_dask_collection

    return is_dask_collection(obj)


def any_dask(*objs: Any) -> bool:
    """Whether any of ``objs`` is a Dask collection."""
    return any(is_dask(obj) for obj in objs)


def dask_layer() -> ModuleType:
    """The Dask layer (``sklabels._dask``), loaded on first use."""
    return importlib.import_module("sklabels._dask")
