"""The documentation site (mkdocs.yml: docs/*.md, the tutorial through jupytext, the API
reference from the docstrings) builds with ``mkdocs build --strict``: no broken link, no
unreadable docstring."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def test_the_site_builds_strictly(tmp_path):
    for module in ("mkdocs", "material", "mkdocstrings_handlers.python", "jupytext"):
        pytest.importorskip(module, reason="the docs extra is not installed")
    site = tmp_path / "site"
    proc = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(site)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    api = (site / "api" / "index.html").read_text()
    assert "grover_train.interop.as_bqm" in api and "check_dimod_bqm_tests" in api
    assert 'class="gp">&gt;&gt;&gt; </span>' in api  # doctests rendered as console code
    tutorial = (site / "tutorial" / "index.html").read_text()
    assert "Train a small network" in tutorial
    # the script ran at build time: its printed lines and its figure are on the page
    assert "test accuracy 0." in tutorial and "queries" in tutorial
    assert 'src="../tutorial-spectrum.png"' in tutorial
    png = (site / "tutorial-spectrum.png").read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 10_000
    # what tests/test_docs_run.py checks when the docs extra is missing
    assert "'finished': 4, 'failed': 0" in tutorial and "grover-train report" in tutorial
    assert re.search(r"\d+ heads found with \d+ queries", tutorial)  # the printed line
    for page in ("design", "training", "sweeps", "measuring"):
        assert (site / page / "index.html").is_file()
