"""``sklabels export``: a thresholds file and an ONNX network, one ONNX model out.

Imports nothing heavy at module level: ``sklabels --help`` stays fast.
"""

from __future__ import annotations

import argparse

EXPORT_TEXTS = {
    "help": "a thresholds file plus an ONNX network: one ONNX model, labels out",
    "description": (
        "Append the decision of a thresholds file (from `sklabels tune`) to an\n"
        "ONNX network that returns one score column per class, in the file's\n"
        "class order; the model written outputs 'label' and 'probabilities'."
    ),
    "epilog": (
        "example:\n  sklabels export thresholds.json network.onnx -o labelled.onnx\n"
    ),
}


def add_export_arguments(parser: argparse.ArgumentParser) -> None:
    """THRESHOLDS NETWORK -o OUT [--output-name NAME]."""
    parser.add_argument("thresholds", help="the JSON file `sklabels tune` wrote")
    parser.add_argument("network", help="ONNX network: features in, scores out")
    parser.add_argument("-o", "--output", required=True, help="the model to write")
    parser.add_argument(
        "--output-name", default=None, help="the network's score output (if several)"
    )


def run_export(args: argparse.Namespace) -> int:
    """Write the exported model; 0 on success (errors are ValueError/OSError)."""
    from .onnx import export_thresholds_file

    export_thresholds_file(
        args.thresholds, args.network, args.output, output_name=args.output_name
    )
    return 0
