"""The documentation site builds cleanly and documents every public name."""

import os
import re
import subprocess
import sys
from pathlib import Path

import sklabels
import sklabels.adapters

ROOT = Path(__file__).resolve().parent.parent


def test_mkdocs_build_is_strict_clean(tmp_path):
    """Check ``mkdocs build --strict`` succeeds (broken links, bad docstrings fail)."""
    env = dict(os.environ, NO_MKDOCS_2_WARNING="1")
    env["PYTHONPATH"] = os.pathsep.join(
        p for p in (str(ROOT), env.get("PYTHONPATH", "")) if p
    )
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "mkdocs",
            "build",
            "--strict",
            "-q",
            "-f",
            str(ROOT / "mkdocs.yml"),
            "-d",
            str(tmp_path / "site"),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert (tmp_path / "site" / "api" / "index.html").is_file()


def test_every_public_name_is_in_the_api_reference():
    """Check each name of ``__all__`` has a mkdocstrings entry in docs/api.md."""
    text = (ROOT / "docs" / "api.md").read_text()
    documented = set(re.findall(r"^::: sklabels\.(?:adapters\.)?(\w+)", text, re.M))
    public = {n for n in sklabels.__all__ if n != "__version__"}
    public |= set(sklabels.adapters.__all__)
    assert public <= documented, (
        f"missing from docs/api.md: {sorted(public - documented)}"
    )


def test_every_example_is_listed():
    """Check docs/examples.md lists every script in examples/."""
    text = (ROOT / "docs" / "examples.md").read_text()
    missing = [p.name for p in (ROOT / "examples").glob("*.py") if p.name not in text]
    assert not missing, f"add to docs/examples.md: {missing}"
