"""The command line run from tests: in this process, or as ``python -m sklabels``."""

import contextlib
import io
import os
import subprocess
import sys
from pathlib import Path

from sklabels.__main__ import main

ROOT = Path(__file__).resolve().parent.parent


def cli(*args):
    """Run the command line in this process; return (exit status, stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main([str(a) for a in args])
        except SystemExit as exc:  # argparse: usage errors, --help
            code = exc.code
    return code, out.getvalue(), err.getvalue()


def subprocess_cli(*args, cwd, **kwargs):
    """``python -m sklabels ARGS`` in ``cwd`` with this checkout importable."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(
        p for p in (str(ROOT), env.get("PYTHONPATH", "")) if p
    )
    return subprocess.run(
        [sys.executable, "-m", "sklabels", *map(str, args)],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        **kwargs,
    )


def sklabels(*args, cwd):
    """Run ``python -m sklabels``; return (exit status, stdout, stderr)."""
    result = subprocess_cli(*args, cwd=cwd)
    return result.returncode, result.stdout, result.stderr
