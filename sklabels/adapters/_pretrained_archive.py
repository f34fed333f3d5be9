"""A transformers model or tokenizer as bytes: its ``save_pretrained`` files, zipped.

Read back with the ``from_pretrained`` of the same class, looked up by name among
the classes that ``transformers`` itself exports (never imported from elsewhere):
weights as safetensors, configuration and vocabulary as JSON, so a loader such as
``skops.io`` rebuilds it without unpickling anything.
"""

from __future__ import annotations

import io
import tempfile
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

_KIND = "sklabels-class.txt"  # the zip entry naming the class to rebuild


def _exported_class(transformers: Any, obj: Any) -> str | None:
    """The name of ``obj``'s class where ``transformers`` exports that class."""
    name = type(obj).__name__
    return name if getattr(transformers, name, None) is type(obj) else None


@contextmanager
def _quiet(transformers: Any) -> Iterator[None]:
    """No progress bar on stderr while saving (as it was after)."""
    bars = transformers.utils.logging
    shown = bars.is_progress_bar_enabled()
    bars.disable_progress_bar()
    try:
        yield
    finally:
        if shown:
            bars.enable_progress_bar()


def pretrained_bytes(obj: Any) -> bytes | None:
    """``obj`` as the zipped files of ``save_pretrained`` (None: not a model or
    tokenizer of a class that transformers exports; it is then pickled as it is)."""
    import transformers

    name = _exported_class(transformers, obj)
    if name is None or not hasattr(obj, "save_pretrained"):
        return None
    buffer = io.BytesIO()
    with tempfile.TemporaryDirectory() as folder, _quiet(transformers):
        obj.save_pretrained(folder)
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
            archive.writestr(_KIND, name)
            for path in sorted(Path(folder).rglob("*")):
                if path.is_file():
                    archive.write(path, path.relative_to(folder).as_posix())
    return buffer.getvalue()


def from_pretrained_bytes(data: bytes) -> Any:
    """The model or tokenizer that :func:`pretrained_bytes` wrote."""
    import transformers

    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        name = archive.read(_KIND).decode("utf-8")
        cls = getattr(transformers, name, None)
        if not isinstance(cls, type) or not hasattr(cls, "from_pretrained"):
            raise ValueError(
                f"the saved TransformersClassifier holds a {name!r}, which this "
                f"version of transformers ({transformers.__version__}) does not "
                f"export; install the version it was saved with."
            )
        with tempfile.TemporaryDirectory() as folder:
            for entry in archive.namelist():
                if entry != _KIND and not Path(entry).is_absolute():
                    archive.extract(entry, folder)
            loaded = cls.from_pretrained(folder, local_files_only=True)
    return loaded.eval() if hasattr(loaded, "eval") else loaded
