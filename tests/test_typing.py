"""The public API modules are clean under ``mypy --strict`` (the list and settings are
``[tool.mypy]`` in pyproject.toml; ``make lint`` runs the same check). Skipped where mypy is
not installed (it comes with the dev extra). The cache in .mypy_cache makes a rerun take a few
seconds; a cold run about 15 s of CPU."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def test_public_api_modules_pass_mypy_strict():
    pytest.importorskip("mypy")
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["mypy"]
    assert config["strict"] is True
    assert {"grover_train/finders/base.py", "grover_train/model"} <= set(config["files"])
    proc = subprocess.run(
        [sys.executable, "-m", "mypy", "--cache-dir", str(ROOT / ".mypy_cache")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-2000:]
    assert "Success: no issues found" in proc.stdout
