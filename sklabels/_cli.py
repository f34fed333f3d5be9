"""The ``decode``, ``tune`` and ``report`` commands: files in, labels and reports out.

Scores and labels are read from ``.npy``, ``.csv`` or ``.parquet`` files; every
problem with a file (unreadable, wrong shape, missing columns, not numbers) is a
:class:`CommandError` whose message names the file and the fix, printed without a
traceback with exit status 1.
"""

from __future__ import annotations

import csv
import io
import json
import math
import sys
from pathlib import Path
from typing import Any

import numpy as np

from . import _tuning
from ._decode import decode
from ._reports import classification_report, confusion_matrix
from ._tuner import tune_thresholds

LABEL_SEPARATOR = "|"  # multilabel label sets in one CSV cell: "sky|sea"
FORMATS = (".npy", ".csv", ".parquet")


class CommandError(Exception):
    """A problem with the command's input, reported as one line (exit status 1)."""


# ------------------------------------------------------------------------- reading
def _suffix(path: Path, what: str) -> str:
    suffix = path.suffix.lower()
    if suffix not in FORMATS:
        raise CommandError(
            f"{what} file {str(path)!r} has extension {suffix or '(none)'!r}; use a "
            f".npy, .csv or .parquet file."
        )
    if not path.is_file():
        raise CommandError(f"{what} file {str(path)!r} does not exist.")
    return suffix


def _read_csv(path: Path, what: str) -> tuple[list[str] | None, list[list[str]]]:
    """Rows of a CSV file, and its header when the first row is not all numbers."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise CommandError(f"cannot read {what} file {str(path)!r}: {exc}") from None
    try:
        rows = [row for row in csv.reader(io.StringIO(text)) if row]
    except csv.Error as exc:
        raise CommandError(
            f"{what} file {str(path)!r} is not valid CSV: {exc}"
        ) from None
    if not rows:
        raise CommandError(f"{what} file {str(path)!r} is empty.")
    header = None
    if not any(_is_number(cell) for cell in rows[0]):  # a row of names
        header, rows = [cell.strip() for cell in rows[0]], rows[1:]
    widths = {len(row) for row in rows}
    if len(widths) > 1:
        raise CommandError(
            f"{what} file {str(path)!r} has rows of different lengths "
            f"{sorted(widths)}; every row needs the same number of columns."
        )
    return header, rows


def _is_number(cell: str) -> bool:
    try:
        float(cell)
    except ValueError:
        return False
    return True


def _read_parquet(path: Path, what: str):
    try:
        import pandas as pd
    except ImportError:  # pragma: no cover - pandas is a test dependency
        raise CommandError(
            'reading .parquet needs pandas and pyarrow: pip install "sklabels[parquet]"'
        ) from None
    try:
        return pd.read_parquet(path)
    except ImportError:
        raise CommandError(
            'reading .parquet needs pyarrow: pip install "sklabels[parquet]"'
        ) from None
    except Exception as exc:  # pyarrow raises its own types for corrupt files
        raise CommandError(f"cannot read {what} file {str(path)!r}: {exc}") from None


def read_scores(
    path_text: str, classes: list[str] | None
) -> tuple[np.ndarray, list[str] | None]:
    """The score matrix, in the column order of ``classes`` when columns are named."""
    path = Path(path_text)
    suffix = _suffix(path, "scores")
    names = None
    if suffix == ".npy":
        try:
            values = np.load(path, allow_pickle=False)
        except (OSError, ValueError) as exc:
            raise CommandError(
                f"cannot read scores file {path_text!r}: {exc}"
            ) from None
    elif suffix == ".csv":
        names, rows = _read_csv(path, "scores")
        try:
            values = np.array(rows, dtype=np.float64)
        except ValueError:
            bad = next(c for row in rows for c in row if not _is_number(c))
            raise CommandError(
                f"scores file {path_text!r} holds {bad!r}, which is not a number; "
                f"scores must be numbers (one column per class, an optional header "
                f"row of class names)."
            ) from None
    else:
        frame = _read_parquet(path, "scores")
        names = [str(c) for c in frame.columns]
        try:
            values = frame.to_numpy(dtype=np.float64)
        except (TypeError, ValueError):
            raise CommandError(
                f"scores file {path_text!r} has non-numeric columns; scores must be "
                f"numbers, one column per class."
            ) from None
    values = np.asarray(values)
    if values.dtype.kind not in "iuf" or values.ndim not in (1, 2) or not len(values):
        raise CommandError(
            f"scores file {path_text!r} holds an array of shape {values.shape} and "
            f"dtype {values.dtype}; expected numbers of shape (n_samples,) or "
            f"(n_samples, n_classes)."
        )
    if names is not None and classes is not None:
        missing = [c for c in classes if c not in names]
        if missing and len(names) > 1:
            raise CommandError(
                f"scores file {path_text!r} has columns {names} but no column for "
                f"{missing}; name one column per class (or omit --classes to use the "
                f"columns as they are)."
            )
        if not missing:
            values = values[:, [names.index(c) for c in classes]]
            names = list(classes)
    return values, names


def read_labels(path_text: str, classes: list[str] | None) -> Any:
    """True labels: one column of labels, label sets ("a|b"), or an indicator."""
    path = Path(path_text)
    suffix = _suffix(path, "labels")
    if suffix == ".npy":
        try:
            return np.load(path, allow_pickle=False)
        except (OSError, ValueError) as exc:
            raise CommandError(
                f"cannot read labels file {path_text!r}: {exc}"
            ) from None
    if suffix == ".csv":
        header, rows = _read_csv(path, "labels")
        if header is not None and len(header) > 1:  # an indicator with named columns
            return _indicator(np.array(rows), header, classes, path_text)
        column = [row[0] for row in rows] if rows and len(rows[0]) == 1 else None
        if column is None:
            return _indicator(np.array(rows), None, classes, path_text)
        return _label_column(column)
    frame = _read_parquet(path, "labels")
    if frame.shape[1] == 1:
        return _label_column([str(v) for v in frame.iloc[:, 0]])
    return _indicator(
        frame.to_numpy(), [str(c) for c in frame.columns], classes, path_text
    )


def _label_column(cells: list[str]) -> Any:
    if any(LABEL_SEPARATOR in cell for cell in cells):
        return [tuple(x for x in cell.split(LABEL_SEPARATOR) if x) for cell in cells]
    values = np.array(cells)
    try:
        as_int = values.astype(np.int64)
    except ValueError:
        return values
    return as_int if np.array_equal(as_int.astype(str), values) else values


def _indicator(values, header, classes, path_text) -> np.ndarray:
    try:
        matrix = np.asarray(values, dtype=np.float64).astype(np.int64)
    except ValueError:
        raise CommandError(
            f"labels file {path_text!r} has several columns, read as a 0/1 indicator "
            f"matrix, but holds values that are not 0/1. Use one column of labels "
            f"(label sets as 'a{LABEL_SEPARATOR}b') or 0/1 columns named by class."
        ) from None
    if header is not None and classes is not None:
        missing = [c for c in classes if c not in header]
        if missing:
            raise CommandError(
                f"labels file {path_text!r} has columns {header} but none for "
                f"{missing}."
            )
        matrix = matrix[:, [header.index(c) for c in classes]]
    return matrix


def read_thresholds(path_text: str | None) -> Any:
    """Thresholds from JSON: the file ``tune`` writes, a number, a list or a dict."""
    if path_text is None:
        return None
    path = Path(path_text)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise CommandError(
            f"cannot read thresholds file {path_text!r}: {exc}"
        ) from None
    except json.JSONDecodeError as exc:
        raise CommandError(
            f"thresholds file {path_text!r} is not valid JSON ({exc}); write a number, "
            f"a list, a {{label: value}} object, or the file `sklabels tune` writes."
        ) from None
    return data


def _thresholds_and_classes(
    path_text: str | None, classes: list[str] | None, names: list[str] | None
) -> tuple[Any, Any]:
    """Thresholds from the file; the file's classes fill in or check --classes."""
    data = read_thresholds(path_text)
    if not (isinstance(data, dict) and "thresholds" in data):
        return data, _classes_for(classes, names)
    saved = data.get("classes")
    chosen = _classes_for(classes, names)
    if chosen is None:
        return data["thresholds"], saved
    if saved is not None and [str(c) for c in saved] != [str(c) for c in chosen]:
        raise CommandError(
            f"thresholds file {path_text!r} was tuned for classes {saved} but the "
            f"scores' classes are {list(chosen)}; tune again for these classes or "
            f"pass the same --classes in the same order."
        )
    return data["thresholds"], chosen


# ---------------------------------------------------------------------- options
def parse_classes(text: str | None) -> list[str] | None:
    if text is None:
        return None
    classes = [c.strip() for c in text.split(",")]
    if any(not c for c in classes) or len(set(classes)) != len(classes):
        raise CommandError(
            f"--classes {text!r} must list distinct, non-empty names separated by "
            f"commas, e.g. --classes cat,dog,bird."
        )
    return classes


def parse_scoring(text: str) -> Any:
    """``f1``, ``mcc``, ... or ``fbeta=2``, ``cost=1,10`` (fp, fn),
    ``recall_at_precision=0.9``, ``precision_at_recall=0.9``."""
    name, _, argument = text.partition("=")
    try:
        if name == "fbeta":
            return _tuning.FBeta(float(argument))
        if name == "cost":
            fp, fn = (float(v) for v in argument.split(","))
            return _tuning.Cost(fp=fp, fn=fn)
        if name == "recall_at_precision":
            return _tuning.RecallAtPrecision(float(argument))
        if name == "precision_at_recall":
            return _tuning.PrecisionAtRecall(float(argument))
    except ValueError as exc:
        raise CommandError(f"--scoring {text!r}: {exc}") from None
    if argument or name not in _tuning.OBJECTIVES:
        raise CommandError(
            f"--scoring {text!r} is not known; use one of "
            f"{', '.join(sorted(_tuning.OBJECTIVES))}, or fbeta=2, cost=1,10, "
            f"recall_at_precision=0.9, precision_at_recall=0.9."
        )
    return name


def _classes_for(given: list[str] | None, names: list[str] | None) -> Any:
    """The class names: --classes, else the scores' column names, else from labels."""
    if given is not None:
        return given
    if names is not None and len(names) > 1:
        return names
    return None


def _match_label_types(classes: list[str] | None, labels: Any) -> Any:
    """--classes are text; integer labels read from a file match them as integers."""
    if classes is None or not isinstance(labels, np.ndarray):
        return classes
    if labels.dtype.kind in "iu" and all(c.lstrip("-").isdigit() for c in classes):
        return [int(c) for c in classes]
    return classes


# ---------------------------------------------------------------------- output
def write_labels(labels: Any, out: str | None) -> None:
    """One label per row in a ``label`` column (multilabel: "a|b" in ``labels``)."""
    multilabel = isinstance(labels, list)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["labels" if multilabel else "label"])
    for value in labels:
        if multilabel:
            writer.writerow([LABEL_SEPARATOR.join(str(v) for v in value)])
        else:
            writer.writerow([value.item() if hasattr(value, "item") else value])
    if out is None:
        sys.stdout.write(buffer.getvalue())
    else:
        Path(out).write_text(buffer.getvalue(), encoding="utf-8")


def _check_rows(scores: np.ndarray, labels: Any, args) -> None:
    if len(scores) != len(labels):
        raise CommandError(
            f"{args.scores!r} has {len(scores)} rows but {args.labels!r} has "
            f"{len(labels)}; the files must describe the same samples in order."
        )


# --------------------------------------------------------------------- commands
def run_decode(args) -> int:
    classes = parse_classes(args.classes)
    scores, names = read_scores(args.scores, classes)
    thresholds, classes = _thresholds_and_classes(args.thresholds, classes, names)
    if classes is None:
        raise CommandError(
            "--classes is required: the scores file does not name its columns. List "
            "the class names in column order, e.g. --classes cat,dog,bird."
        )
    labels = decode(
        scores,
        classes,
        problem=args.problem,
        threshold=thresholds,
        from_logits=args.from_logits,
        pos_label=args.pos_label,
    )
    write_labels(labels, args.output)
    return 0


def _scores_and_labels(args) -> tuple[list[str] | None, np.ndarray, list | None, Any]:
    """--classes, SCORES (and its column names) and LABELS, checked for row count."""
    classes = parse_classes(args.classes)
    scores, names = read_scores(args.scores, classes)
    truth = read_labels(args.labels, classes or names)
    _check_rows(scores, truth, args)
    return classes, scores, names, truth


def run_tune(args) -> int:
    classes, scores, names, truth = _scores_and_labels(args)
    classes = _match_label_types(_classes_for(classes, names), truth)
    result = tune_thresholds(
        truth,
        scores,
        problem=args.problem,
        classes=classes,
        pos_label=args.pos_label,
        scoring=parse_scoring(args.scoring),
        average=args.average,
        from_logits=args.from_logits,
    )
    summary = result.to_dict()
    summary["from_logits"] = bool(args.from_logits)
    text = json.dumps(summary, indent=2)
    if args.output is None:
        print(text)
    else:
        Path(args.output).write_text(text + "\n", encoding="utf-8")
    print(
        f"tuned {result.problem} thresholds for {result.scoring} "
        f"({result.average}): {result.start_score:.4f} at the defaults -> "
        f"{result.best_score:.4f} tuned, on {len(scores)} samples",
        file=sys.stderr if args.output is None else sys.stdout,
    )
    pred = decode(
        scores,
        result.classes,
        problem=result.problem,
        threshold=result.thresholds,
        from_logits=args.from_logits,
        pos_label=args.pos_label,
    )
    report = classification_report(
        truth, pred, classes=result.classes, problem=result.problem, zero_division=0
    )
    print(report, file=sys.stderr if args.output is None else sys.stdout)
    return 0


def run_report(args) -> int:
    classes, scores, names, truth = _scores_and_labels(args)
    thresholds, classes = _thresholds_and_classes(args.thresholds, classes, names)
    classes = _match_label_types(classes, truth)
    if classes is None:
        raise CommandError(
            "--classes is required: the scores file does not name its columns."
        )
    pred = decode(
        scores,
        classes,
        problem=args.problem,
        threshold=thresholds,
        from_logits=args.from_logits,
        pos_label=args.pos_label,
    )
    problem = "multilabel" if isinstance(pred, list) else "auto"
    print(
        classification_report(
            truth, pred, classes=classes, problem=problem, zero_division=0
        )
    )
    matrix = confusion_matrix(truth, pred, classes=classes, problem=problem)
    if isinstance(matrix, dict):
        for label, table in matrix.items():
            print(f"{label}:\n{_text(table)}\n")
    else:
        print(_text(matrix))
    return 0


def _text(table: Any) -> str:
    if hasattr(table, "to_string"):
        return table.to_string()
    width = max(len(str(c)) for c in [*table.columns, *table.index]) + 2
    lines = ["".join(f"{c!s:>{width}}" for c in ["", *table.columns])]
    for name, row in zip(table.index, table.values, strict=True):
        cells = [f"{v:>{width}.4g}" if not math.isnan(v) else "" for v in row]
        lines.append(f"{name!s:>{width}}" + "".join(cells))
    return "\n".join(lines)
