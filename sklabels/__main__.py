"""Command line: ``python -m sklabels <command>`` (or the ``sklabels`` script)."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from ._cli_band_args import add_tune_band_arguments
from ._cli_export import EXPORT_TEXTS, add_export_arguments
from ._version import __version__

EXAMPLES = """\
examples:
  python -m sklabels demo     fit and evaluate on datasets bundled with scikit-learn
  sklabels demo               the same, through the installed script

  # tune per-class thresholds on validation scores, then decode test scores with them
  # (the thresholds file keeps the classes, problem, positive class and logits flag)
  sklabels tune val_scores.npy val_labels.csv --classes cat,dog,bird -o thresholds.json
  sklabels decode test_scores.npy --thresholds thresholds.json
  sklabels report test_scores.npy test_labels.csv --thresholds thresholds.json

  # one score column (a sigmoid): say which class it scores
  sklabels tune val_p.csv val_labels.csv --pos-label fraud -o thresholds.json
"""

SCORES_HELP = (
    "model outputs: .npy, .csv (optional header row of class names) or .parquet "
    "(columns named by class), or a directory or quoted pattern of .parquet files "
    "('val/*.parquet'); (n,) / (n, 1) sigmoid, (n, k) softmax or sigmoid "
    "columns, or logits with --from-logits"
)
LABELS_HELP = (
    "true labels: .npy, .csv or .parquet with one column of labels (label sets as "
    "'a|b'), or 0/1 columns named by class"
)


def _command(name: str):
    """Run ``_cli.run_<name>``; input problems exit 1 with one clear line."""

    def handler(args: argparse.Namespace) -> int:
        import warnings

        from . import _cli

        def show(message, category, filename, lineno, file=None, line=None):
            text = " ".join(str(message).split())
            print(f"sklabels {name}: warning: {text}", file=sys.stderr)

        with warnings.catch_warnings():
            warnings.showwarning = show  # one line, no source line
            try:
                return getattr(_cli, f"run_{name}")(args)
            except BrokenPipeError:
                raise  # handled in main: a reader such as `head` closed the pipe
            except (_cli.CommandError, ValueError, TypeError, OSError) as exc:
                text = " ".join(str(exc).split())  # one line, whatever the source
                print(f"sklabels {name}: error: {text}", file=sys.stderr)
                return 1

    return handler


def _add_common(parser: argparse.ArgumentParser, *, thresholds: bool) -> None:
    """The options every decoding command shares: what the scores are."""
    parser.add_argument(
        "--classes",
        help="class names in the column order of SCORES, comma-separated "
        "(default: the thresholds file's classes, or the column names of a CSV header "
        "or parquet file; required for unnamed .npy/.csv columns)",
    )
    parser.add_argument(
        "--problem",
        default="auto",
        choices=["auto", "binary", "multiclass", "multilabel"],
        help="the problem kind (default: inferred)",
    )
    parser.add_argument(
        "--from-logits",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="SCORES are logits (default: what the thresholds file says, else no)",
    )
    parser.add_argument(
        "--pos-label",
        help="binary: the positive class, which a single score column scores "
        "(default: the last of --classes, or 1 of 0/1, -1/1 and True of False/True "
        "labels; other labels need it)",
    )
    if thresholds:
        parser.add_argument(
            "--thresholds",
            metavar="FILE",
            help="JSON thresholds: the file `sklabels tune` writes, a number, a "
            "list (one per class) or an object {label: value}",
        )


def _add_inputs(parser: argparse.ArgumentParser, *, labels: bool) -> None:
    """SCORES, and LABELS for the commands that compare with the truth."""
    parser.add_argument("scores", metavar="SCORES", help=SCORES_HELP)
    parser.add_argument(
        "--memory-budget",
        metavar="SIZE",
        help="a directory or pattern of parquet SCORES whose float64 matrix (rows x "
        "columns x 8 bytes, from the file footers) fits SIZE is read in memory, a "
        "larger one through Dask (default: 2GB; 0: always Dask)",
    )
    if labels:
        parser.add_argument("labels", metavar="LABELS", help=LABELS_HELP)


def _add_output(parser: argparse.ArgumentParser, what: str) -> None:
    parser.add_argument(
        "-o",
        "--output",
        help=f"write {what} here, atomically; never one of the inputs "
        "(default: stdout)",
    )


def _demo(args: argparse.Namespace) -> int:
    from ._demo import run_demo  # imports scikit-learn's datasets: only when asked

    run_demo()
    return 0


def _band_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--bands",
        metavar="NAMES",
        help="band names from low to high, comma-separated: write the band of one "
        "score instead of labels (needs --cuts)",
    )
    parser.add_argument(
        "--cuts",
        metavar="CUTS",
        help="with --bands: increasing cut-points (probabilities), one fewer than "
        "the names; a score >= a cut is in the higher band",
    )
    parser.add_argument(
        "--score-of",
        metavar="CLASS",
        help="with --bands: the class whose score is cut (default: the positive "
        "class of a binary problem; required otherwise)",
    )


def _objective_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--scoring", default="f1", help="the objective (default: f1)")
    parser.add_argument(
        "--average",
        default="macro",
        choices=["macro", "micro"],
        help="macro: each class on its own; micro: pooled (one shared multilabel "
        "threshold)",
    )
    add_tune_band_arguments(parser)


# The commands that read SCORES: whether they read LABELS and take --thresholds,
# the options of their own, and what -o writes (None: no -o), in --help's order.
SCORE_COMMANDS = {
    "decode": (False, True, _band_arguments, "the CSV"),
    "tune": (True, False, _objective_arguments, "the thresholds JSON"),
    "report": (True, True, None, None),
}


def _score_command_arguments(name: str):
    """What adds the arguments of the score command ``name``."""
    labels, thresholds, own, output = SCORE_COMMANDS[name]

    def add(parser: argparse.ArgumentParser) -> None:
        _add_inputs(parser, labels=labels)
        _add_common(parser, thresholds=thresholds)
        if own is not None:
            own(parser)
        if output is not None:
            _add_output(parser, output)

    return add


# Each subcommand: its texts for --help (description and epilog keep their line
# breaks), and what adds its arguments.
SUBCOMMANDS = {
    "demo": {
        "help": "binary, multiclass and multilabel examples on bundled datasets",
        "description": (
            "Fit ProbabilisticLabelClassifier on breast cancer (binary), iris\n"
            "(multiclass) and properties of digits (multilabel); print predictions\n"
            "and classification reports. Needs no network and no arguments."
        ),
        "epilog": "example:\n  python -m sklabels demo\n",
    },
    "decode": {
        "help": "turn a file of scores into labels (CSV)",
        "description": "Decode model outputs into label names, one row per sample.",
        "epilog": (
            "examples:\n"
            "  sklabels decode scores.npy --classes cat,dog,bird > labels.csv\n"
            "  sklabels decode logits.csv --classes sky,sea,sand --problem "
            "multilabel --from-logits --thresholds thresholds.json -o labels.csv\n"
            "\noutput: a CSV with a 'label' column (multilabel: 'labels', as "
            "'sky|sea')"
        ),
    },
    "tune": {
        "help": "tune per-class thresholds on scores and true labels",
        "description": (
            "Tune the thresholds exactly (one sorted sweep per class) for an\n"
            "objective on validation scores; write them as JSON and print the report."
        ),
        "epilog": (
            "example:\n"
            "  sklabels tune val_scores.npy val_labels.csv --classes cat,dog,bird "
            "--scoring f1 -o thresholds.json\n"
            "  sklabels tune val_p.csv val_labels.csv --bands "
            "routine,urgent,emergency --min-event-rate emergency=0.6 "
            "--confidence 0.9 -o bands.json\n"
            "\nscoring: f1, balanced_accuracy, youden, mcc, accuracy, jaccard, "
            "fbeta=2, cost=1,10 (fp, fn), recall_at_precision=0.9, "
            "precision_at_recall=0.9"
        ),
    },
    "report": {
        "help": "classification report and confusion matrix of scores vs labels",
        "description": "Decode SCORES and compare with LABELS: report and matrix.",
        "epilog": (
            "example:\n"
            "  sklabels report test_scores.npy test_labels.csv --classes "
            "cat,dog,bird --thresholds thresholds.json"
        ),
    },
    "export": EXPORT_TEXTS,
}
ARGUMENTS = {
    **{name: _score_command_arguments(name) for name in SCORE_COMMANDS},
    "export": add_export_arguments,
}


def build_parser() -> argparse.ArgumentParser:
    """The argument parser, one subcommand per action."""
    parser = argparse.ArgumentParser(
        prog="sklabels",
        description="sklabels: from classifier outputs to the labels you asked for.",
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    version = f"sklabels {__version__}"
    parser.add_argument("--version", action="version", version=version)
    commands = parser.add_subparsers(title="commands", dest="command", metavar="CMD")
    for name, texts in SUBCOMMANDS.items():
        _add_subcommand(commands, name, texts)
    return parser


def _add_subcommand(commands, name: str, texts: dict[str, str]) -> None:
    """The subcommand ``name``: ``demo`` takes no arguments, the others run
    ``_cli.run_<name>``."""
    parser = commands.add_parser(
        name, **texts, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    if name == "demo":  # no arguments, and none of the commands' error handling
        parser.set_defaults(handler=_demo)
    else:
        ARGUMENTS[name](parser)
        parser.set_defaults(handler=_command(name))


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status (2 when no command is given)."""
    try:
        try:
            return _main(argv)
        finally:
            sys.stdout.flush()  # here, where a closed pipe can still be handled
    except BrokenPipeError:
        # The reader went away (`sklabels report ... | head`): stop quietly, as the
        # Python documentation recommends, with nothing more written to stdout.
        _stdout_to_devnull()
        return 1
    except KeyboardInterrupt:
        print("sklabels: interrupted", file=sys.stderr)
        return 130


def _main(argv: Sequence[str] | None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 2
    return args.handler(args)


def _stdout_to_devnull() -> None:
    """Point the stdout file descriptor at devnull, so that the interpreter's final
    flush of what is left in the buffer cannot fail again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):  # stdout is not a real file
        pass


if __name__ == "__main__":
    raise SystemExit(main())
