"""Command line: ``python -m sklabels <command>`` (or the ``sklabels`` script)."""

from __future__ import annotations

import argparse
from collections.abc import Sequence

from ._version import __version__

EXAMPLES = """\
examples:
  python -m sklabels demo     fit and evaluate on datasets bundled with scikit-learn
  sklabels demo               the same, through the installed script
"""


def _demo(args: argparse.Namespace) -> int:
    from ._demo import run_demo  # imports scikit-learn's datasets: only when asked

    run_demo()
    return 0


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
    demo = commands.add_parser(
        "demo",
        help="binary, multiclass and multilabel examples on bundled datasets",
        description=(
            "Fit ProbabilisticLabelClassifier on breast cancer (binary), iris\n"
            "(multiclass) and properties of digits (multilabel); print predictions\n"
            "and classification reports. Needs no network and no arguments."
        ),
        epilog="example:\n  python -m sklabels demo\n",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    demo.set_defaults(handler=_demo)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status (2 when no command is given)."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 2
    return args.handler(args)


if __name__ == "__main__":
    raise SystemExit(main())
