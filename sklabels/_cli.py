"""The ``decode``, ``tune`` and ``report`` commands: files in, labels and reports out.

Each command reads its files (``_cli_scores``, ``_cli_labels``, ``_cli_thresholds``),
puts the settings together (``_cli_settings``) and calls the library. Every problem
is a :class:`CommandError` (``_cli_files``) whose one-line message names the file, the
bad value, what was expected and the fix; errors of the library are told in
command-line words (``--pos-label`` for ``pos_label=``).
"""

from __future__ import annotations

import dataclasses
import math
import re
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ._bands import Bands
from ._cli_bands import band_report_text, bands_text, tune_bands_decision, tune_bands_of
from ._cli_dask import computed
from ._cli_dataset import dataset_inputs, parse_memory_budget
from ._cli_export import run_export
from ._cli_files import (
    CommandError,
    ScoreFile,
    check_output,
    python_value,
    write_output,
)
from ._cli_labels import LabelFile, labels_text, read_labels
from ._cli_options import parse_bands, parse_classes, parse_scoring, typed_label
from ._cli_scores import read_scores
from ._cli_settings import Settings, problem_of_labels, resolve
from ._cli_thresholds import Saved, read_thresholds, thresholds_text
from ._decode import decode
from ._reports import classification_report, confusion_matrix
from ._tune import tune_thresholds

__all__ = ["CommandError", "run_decode", "run_export", "run_report", "run_tune"]


# ---------------------------------------------------------------------- commands
def run_decode(args) -> int:
    out = check_output(args.output, _inputs(args, "scores", "thresholds"), "labels.csv")
    saved = read_thresholds(args.thresholds)
    names = [parse_classes(args.classes), *_text_names(saved)]
    scores = read_scores(args.scores, names, parse_memory_budget(args.memory_budget))
    s = resolve(args, scores, None, saved)
    if s.classes is None:
        raise _classes_required(
            args.scores, "cat,dog (a single column: negative,positive)"
        )
    s = _with_bands(args, s)
    text = labels_text(_labels(f"scores file {args.scores!r}", s))
    _write(out, text, args.output)
    return 0


def _with_bands(args, s: Settings) -> Settings:
    """The settings with ``--bands`` as the rule (instead of thresholds)."""
    score_of = getattr(args, "score_of", None)
    if score_of is not None:
        score_of = typed_label(score_of, s.classes, "--score-of")
    bands = parse_bands(
        getattr(args, "bands", None), getattr(args, "cuts", None), score_of
    )
    if bands is None:
        return s
    if args.thresholds is not None:
        raise CommandError("--bands and --thresholds are two rules; pass one of them.")
    return dataclasses.replace(s, thresholds=bands)


def run_tune(args) -> int:
    inputs = _inputs(args, "scores", "labels")
    out = check_output(args.output, inputs, "thresholds.json")
    scoring = parse_scoring(args.scoring)
    scores, labels = _read_pair(args, None)
    s = resolve(args, scores, labels, None)
    context = _pair_context(args)
    if getattr(args, "bands", None) is not None:
        s = _with_labels(args, s, scores, labels)
    bands = tune_bands_of(args, s.classes or [])
    if bands is not None:
        return _tune_bands(args, out, context, s, bands)
    result = _api(
        context,
        tune_thresholds,
        s.truth,
        s.scores,
        classes=s.classes,
        scoring=scoring,
        average=args.average,
        **s.decision_options(),
    )
    text = thresholds_text(result, s.from_logits)
    tuned = _tuned(s, result)
    report = _report(context, tuned, _labels(context, tuned), tuned.problem)
    summary = _tune_summary(result, len(s.scores))
    _write(out, text, args.output)
    # What was done goes to stdout, or to stderr when the thresholds are on stdout
    # (flushed first, so that a terminal shows them in that order).
    sys.stdout.flush()
    print(summary, report, sep="\n", file=sys.stderr if out is None else sys.stdout)
    return 0


def _tune_bands(args, out: Path | None, context: str, s: Settings, bands) -> int:
    """``tune --bands``: the tuned band rule to the thresholds file, and its report."""
    decision = _api(context, tune_bands_decision, s, bands)
    tuned = decision.bands.bands
    report = _api(context, band_report_text, s, tuned)
    _write(out, bands_text(decision, s.from_logits), args.output)
    sys.stdout.flush()
    summary = f"tuned bands {tuned!r} on {len(s.scores)} samples"
    print(summary, report, sep="\n", file=sys.stderr if out is None else sys.stdout)
    return 0


def _with_labels(args, s: Settings, scores: ScoreFile, labels: LabelFile) -> Settings:
    """The settings with the classes and problem the labels tell, where the flags,
    the thresholds file and the scores did not."""
    if s.classes is None:
        if scores.n_columns != 1 or labels.kind != "labels":
            raise _classes_required(args.scores, "negative,positive")
        s.classes = labels.distinct()  # a single column: the labels' two classes
    if s.problem == "auto":  # the labels say what kind of problem this is
        s.problem = problem_of_labels(labels, s.truth, s.classes)
    return s


def run_report(args) -> int:
    saved = read_thresholds(args.thresholds)
    scores, labels = _read_pair(args, saved)
    s = _with_labels(args, resolve(args, scores, labels, saved), scores, labels)
    context = _pair_context(args)
    if isinstance(s.thresholds, Bands):  # a band rule: one row per band
        print(_api(context, band_report_text, s, s.thresholds))
        return 0
    pred = _labels(context, s)
    problem = "multilabel" if isinstance(pred, list) else s.problem
    report = _report(context, s, pred, problem)
    matrix = _api(
        context, confusion_matrix, s.truth, pred, classes=s.classes, problem=problem
    )
    print(report)
    if isinstance(matrix, dict):
        for label, table in matrix.items():
            print(f"{label}:\n{_text(table)}\n")
    else:
        print(_text(matrix))
    return 0


# ----------------------------------------------------------------- their files
def _inputs(args, *names: str) -> dict[str, str | None]:
    """The input files of a command, which ``-o`` must not name (every file of a
    directory or glob of scores too)."""
    inputs = {name: getattr(args, name) for name in names}
    return {**inputs, **dataset_inputs(inputs)}


def _write(out: Path | None, text: str, given: str | None) -> None:
    """``text`` to the ``-o`` file checked beforehand, else to stdout."""
    if out is None:
        sys.stdout.write(text)
    else:
        write_output(out, text, given)


def _text_names(saved: Saved | None) -> list[list[str]]:
    if saved is None or saved.classes is None:
        return []
    return [[str(c) for c in saved.classes]]


def _read_pair(args, saved: Saved | None) -> tuple[ScoreFile, LabelFile]:
    given = parse_classes(args.classes)
    budget = parse_memory_budget(args.memory_budget)
    scores = read_scores(args.scores, [given, *_text_names(saved)], budget)
    names = [given, *_text_names(saved), scores.names]
    labels = read_labels(args.labels, names)
    return scores, labels


def _pair_context(args) -> str:
    return f"scores file {args.scores!r} with labels file {args.labels!r}"


def _classes_required(path: str, example: str) -> CommandError:
    return CommandError(
        f"--classes is required: scores file {path!r} does not name its columns. "
        f"List the class names in column order, e.g. --classes {example}."
    )


def _tuned(s: Settings, result: Any) -> Settings:
    """The settings ``tune`` found: what decoding with the file it writes uses."""
    binary = result.problem == "binary"
    return dataclasses.replace(
        s,
        classes=result.classes,
        problem=result.problem,
        thresholds=result.thresholds,
        pos_label=result.pos_label if binary else None,
    )


# -------------------------------------------------------------- the library
_API_WORDS = (
    (re.compile(r"\bfrom_logits=True\b"), "--from-logits"),
    (re.compile(r"\bpos_label="), "--pos-label "),
    (re.compile(r"\bproblem='(\w+)'"), r"--problem \1"),
    (re.compile(r"\bproblem="), "--problem "),
    (re.compile(r"\bclasses=\[([^\]]*)\]"), lambda m: "--classes " + _csv_list(m[1])),
    (re.compile(r"\bclasses="), "--classes "),
)


def _csv_list(text: str) -> str:
    return ",".join(part.strip().strip("'\"") for part in text.split(","))


def cli_words(message: str) -> str:
    """A library message in command-line words: ``pos_label=`` is ``--pos-label``."""
    for pattern, replacement in _API_WORDS:
        message = pattern.sub(replacement, message)
    return message


def _api(context: str, function: Callable, *args: Any, **kwargs: Any) -> Any:
    """Call the library; its ValueError/TypeError become one line naming the files."""
    try:
        return function(*args, **kwargs)
    except (ValueError, TypeError) as exc:
        raise CommandError(f"{context}: {cli_words(str(exc))}") from None


def _labels(context: str, s: Settings) -> Any:
    """The labels ``decode`` gives the scores with these settings."""
    options = s.decision_options()
    labels = _api(
        context,
        decode,
        s.scores,
        s.classes,
        threshold=s.thresholds,
        output="tuples",
        **options,
    )
    return _api(context, computed, labels)  # Dask scores: computed here


def _report(context: str, s: Settings, pred: Any, problem: str) -> str:
    return _api(
        context,
        classification_report,
        s.truth,
        pred,
        classes=s.classes,
        problem=problem,
        zero_division=0,
    )


# ---------------------------------------------------------------------- output
def _tune_summary(result: Any, n_samples: int) -> str:
    """One line: what was tuned, for what, and the score before and after."""
    if result.problem == "binary":
        how = f"binary, positive class {python_value(result.pos_label)!r}"
        what = "threshold"
    else:
        how, what = result.average, "thresholds"
    return (
        f"tuned {result.problem} {what} for {result.scoring} ({how}): "
        f"{result.start_score:.4f} at the defaults -> {result.best_score:.4f} tuned, "
        f"on {n_samples} samples"
    )


def _text(table: Any) -> str:
    if hasattr(table, "to_string"):
        return table.to_string()
    width = max(len(str(c)) for c in [*table.columns, *table.index]) + 2
    lines = ["".join(f"{c!s:>{width}}" for c in ["", *table.columns])]
    for name, row in zip(table.index, table.values, strict=True):
        cells = [f"{v:>{width}.4g}" if not math.isnan(v) else "" for v in row]
        lines.append(f"{name!s:>{width}}" + "".join(cells))
    return "\n".join(lines)
