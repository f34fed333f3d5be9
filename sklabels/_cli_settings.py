"""What a command decodes or tunes with: the flags, the files and the thresholds file
put together (classes, problem, logits flag, positive class, thresholds), checked
for conflicts between them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from ._cli_dask import computed
from ._cli_files import CommandError, ScoreFile, as_int, python_value, shown_list
from ._cli_labels import LabelFile, align_labels
from ._cli_options import parse_classes, typed_classes, typed_label
from ._cli_scores import align_scores
from ._cli_thresholds import Saved, thresholds_for
from ._decode import decode


@dataclass
class Settings:
    """What a command decodes or tunes with, from the flags, the files and the
    thresholds file, checked for conflicts."""

    classes: list | None
    scores: np.ndarray
    truth: Any
    problem: str
    from_logits: bool
    pos_label: Any
    thresholds: Any

    def decision_options(self) -> dict[str, Any]:
        """How the library reads the scores: the keywords of ``decode`` and
        ``tune_thresholds`` that the flags and the thresholds file set."""
        return {
            "problem": self.problem,
            "from_logits": self.from_logits,
            "pos_label": self.pos_label,
        }


def resolve(
    args, scores: ScoreFile, labels: LabelFile | None, saved: Saved | None
) -> Settings:
    """The settings, each from its flag, else from the thresholds file or the files."""
    classes, named = _classes(args, scores, labels, saved)
    tuned_in = saved.path if saved is not None and saved.classes is not None else None
    values = (
        scores.values if classes is None else align_scores(scores, classes, tuned_in)
    )
    truth = _truth(labels, classes, scores)
    problem = _problem(args.problem, saved)
    from_logits = _from_logits(args.from_logits, saved)
    thresholds = thresholds_for(saved, classes or [])
    pos_label = _pos_label(args, scores, labels, saved, classes)
    if (
        pos_label is None
        and named
        and len(classes) == 2
        and _is_binary(problem, labels, truth, values, classes, from_logits)
    ):
        # Two columns named in a file: their order is no statement about which class
        # is positive (permuting named columns never changes the labels).
        pos_label = _larger_of_named_pair(classes, scores)
    return Settings(classes, values, truth, problem, from_logits, pos_label, thresholds)


# ----------------------------------------------------------------------- classes
def _classes(args, scores: ScoreFile, labels, saved) -> tuple[list | None, bool]:
    """The classes, and whether they are the names of the score columns in file
    order (``None`` for a single unnamed column)."""
    classes = _given_classes(parse_classes(args.classes), labels, saved)
    if classes is None and scores.n_columns > 1:
        return typed_classes(_column_names(scores, labels), labels), True
    if classes is None and labels is not None and labels.names is not None:
        classes = list(labels.names)  # one score column: an indicator names the two
    return classes, False


def _given_classes(given: list[str] | None, labels, saved: Saved | None):
    """The thresholds file's classes (``--classes`` must agree), else ``--classes``."""
    if saved is not None and saved.classes is not None:
        if given is not None and [str(c) for c in saved.classes] != given:
            raise CommandError(
                f"thresholds file {saved.path!r} was tuned for classes "
                f"{shown_list(saved.classes)} but --classes is {given}; tune again for "
                f"these classes, or pass the same --classes in the same order (or "
                f"none)."
            )
        return list(saved.classes)
    if given is not None:
        return typed_classes(given, labels)
    return None


def _column_names(scores: ScoreFile, labels: LabelFile | None) -> list[str]:
    """The names of several score columns, which the classes must then be."""
    if scores.names is not None:
        return scores.names
    k = scores.n_columns
    note = ""
    if labels is not None and labels.names is not None:
        note = (
            f" The header of labels file {labels.path!r} names the label columns, "
            f"not the score columns."
        )
    raise CommandError(
        f"--classes is required: scores file {scores.path!r} has {k} unnamed "
        f"columns; list the class each one scores, in column order (e.g. "
        f"--classes {','.join(_example_names(k))}), or use a .csv with a "
        f"header row or a .parquet file, with columns named by class.{note}"
    )


def _example_names(k: int) -> list[str]:
    names = ["cat", "dog", "bird"] if k <= 3 else [f"class{j}" for j in range(3)]
    return names[:k] if k <= 3 else [*names, "..."]


def _truth(labels: LabelFile | None, classes: list | None, scores: ScoreFile) -> Any:
    """The true labels, one per row of scores (indicator columns in class order)."""
    if labels is None:
        return None
    truth = labels.values if classes is None else align_labels(labels, classes, scores)
    if len(labels) != len(scores.values):
        header = (
            f" (its first row {labels.header} was read as a header: a first row "
            f"is a header when it names the classes or holds no number)"
            if labels.header is not None
            else ""
        )
        raise CommandError(
            f"scores file {scores.path!r} has {len(scores.values)} rows but labels "
            f"file {labels.path!r} has {len(labels)}{header}; the files must "
            f"describe the same samples in the same order."
        )
    return truth


# ---------------------------------------------------------- problem and logits
def _problem(problem: str, saved: Saved | None) -> str:
    """``--problem``, which must agree with the thresholds file's problem."""
    if saved is None or saved.problem is None:
        return problem
    if problem not in ("auto", saved.problem):
        raise CommandError(
            f"--problem {problem} conflicts with thresholds file {saved.path!r}, "
            f"tuned for a {saved.problem} problem; drop --problem (the file says "
            f"it), or tune again with --problem {problem}."
        )
    return saved.problem


def _from_logits(from_logits: bool | None, saved: Saved | None) -> bool:
    """``--from-logits``, which must agree with the thresholds file's flag."""
    if saved is not None and saved.from_logits is not None:
        if from_logits is not None and from_logits != saved.from_logits:
            flag = "--from-logits" if from_logits else "--no-from-logits"
            said = "logits" if saved.from_logits else "probabilities"
            raise CommandError(
                f"{flag} conflicts with thresholds file {saved.path!r}, tuned on "
                f"{said}; drop {flag} (the file says it), or tune again on scores of "
                f"the same kind."
            )
        from_logits = saved.from_logits
    return bool(from_logits)


def _is_binary(problem, labels, truth, values, classes, from_logits) -> bool:
    """Whether two classes make a binary problem (else: two labels, multilabel)."""
    if problem != "auto":
        return problem == "binary"
    if labels is not None:
        return problem_of_labels(labels, truth, classes) == "binary"
    try:  # what decode infers from the scores (rows that sum to 1: binary)
        labels_out = computed(
            decode(values, classes, from_logits=from_logits, output="tuples")
        )
    except (ValueError, TypeError):
        return False  # decode itself will explain
    return not isinstance(labels_out, list)


def problem_of_labels(labels: LabelFile, truth: Any, classes: list) -> str:
    """The problem kind the labels describe (as ``fit`` infers it from ``y``)."""
    if labels.kind == "sets":
        return "multilabel"
    if labels.kind == "indicator":
        if (np.asarray(truth).sum(axis=1) == 1).all():  # one-hot
            return "binary" if len(classes) == 2 else "multiclass"
        return "multilabel"
    return "binary" if len(classes) == 2 else "multiclass"


# -------------------------------------------------------------- positive class
def _pos_label(args, scores, labels, saved, classes) -> Any:
    """``--pos-label`` typed as the classes, checked against the thresholds file and
    against a single score column named by a class."""
    candidates = _candidates(classes, labels)
    pos = args.pos_label
    if pos is not None and candidates:
        pos = typed_label(pos, candidates, "--pos-label")
    pos = _saved_pos_label(pos, args.pos_label, saved)
    pos = _named_column_pos_label(pos, scores, candidates)
    if (
        pos is None
        and scores.n_columns == 1
        and classes is None
        and labels is not None
        and labels.kind == "labels"
        and len(candidates) == 2
    ):
        return _larger_of_labels(candidates, scores, labels)
    return pos


def _candidates(classes: list | None, labels: LabelFile | None) -> list:
    """The classes the positive class is one of, as far as they are known."""
    if classes is not None:
        return list(classes)
    if labels is not None:
        return labels.distinct()
    return []


def _saved_pos_label(pos: Any, given: str | None, saved: Saved | None) -> Any:
    """The thresholds file's positive class, which ``--pos-label`` must agree with."""
    if saved is None or saved.pos_label is None:
        return pos
    if pos is not None and str(python_value(pos)) != str(saved.pos_label):
        raise CommandError(
            f"--pos-label {given} conflicts with thresholds file "
            f"{saved.path!r}, tuned with the positive class {saved.pos_label!r}; "
            f"drop --pos-label (the file says it), or tune again with this one."
        )
    return saved.pos_label if pos is None else pos


def _named_column_pos_label(pos: Any, scores: ScoreFile, candidates: list) -> Any:
    """A single score column named by a class is the score of that class."""
    if scores.names is None or scores.n_columns != 1 or not candidates:
        return pos
    named = [c for c in candidates if str(python_value(c)) == scores.names[0]]
    if not named:
        return pos
    if pos is not None and str(python_value(pos)) != scores.names[0]:
        raise CommandError(
            f"scores file {scores.path!r} has one column, named "
            f"{scores.names[0]!r}, but the positive class is {python_value(pos)!r}; "
            f"a single column is the score of the positive class. Rename the "
            f"column or change --pos-label."
        )
    return named[0]


def _larger_of_labels(candidates: list, scores: ScoreFile, labels: LabelFile) -> Any:
    """The class a single score column scores, from the two labels of the truth."""
    return _larger_or_ask(
        candidates,
        f"which class does the single score column of {scores.path!r} score? The "
        f"labels in {labels.path!r} are {shown_list(candidates)}, whose order says "
        f"nothing about it (only 0/1, -1/1 and False/True do). Pass --pos-label, "
        f"e.g. --pos-label {python_value(candidates[-1])}, or --classes "
        f"negative,positive in that order.",
    )


def _larger_of_named_pair(classes: list, scores: ScoreFile) -> Any:
    """The positive class of two named score columns; else ask for --pos-label."""
    return _larger_or_ask(
        classes,
        f"which class is positive? Scores file {scores.path!r} names its two "
        f"columns {scores.names}, and their order says nothing about it (only "
        f"0/1, -1/1 and False/True do). Pass --pos-label (one of {scores.names}), "
        f"or --classes negative,positive in that order.",
    )


def _larger_or_ask(values: list, question: str) -> Any:
    """The larger of a pair whose order says which one is positive; else the
    ``question`` (a CommandError that asks for --pos-label)."""
    pos = _larger_of_pair(values)
    if pos is None:
        raise CommandError(question)
    return pos


def _larger_of_pair(values: list) -> Any:
    """The larger of 0/1, -1/1 or False/True (also as text); None for other labels,
    whose order says nothing about which one is positive."""
    order = [_order_value(v) for v in values]
    if None in order or sorted(order) not in ([0.0, 1.0], [-1.0, 1.0]):
        return None
    return values[int(np.argmax(order))]


def _order_value(value: Any) -> float | None:
    """0/1, -1/1, False/True (also as text) as numbers; None for other labels."""
    value = python_value(value)
    if isinstance(value, bool):
        return float(value)
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        if value in ("True", "False"):
            return float(value == "True")
        return float(value) if as_int(value) is not None else None
    return None
