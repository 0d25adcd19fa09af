"""Every fenced bash and Python block of README.md and docs/*.md runs as written.

Each block runs as a script (Python blocks as ``python block.py``, bash blocks with ``bash -e``)
in a fresh folder that links ``docs`` and ``.venv`` of the repository and has the venv's
``bin`` first on PATH, after the block's setup (files a block refers to, such as a model or
``sweep.toml``). Blocks are recognised by a distinctive line, so a changed block is run anew.
Slow blocks are marked in :data:`SLOW` and run when ``GROVER_TRAIN_DOCS_SLOW=1``; blocks that
must never run here (they need an account or are the test command itself) are in :data:`NEVER`.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
#: a line of the block -> why it is slow (run with GROVER_TRAIN_DOCS_SLOW=1)
SLOW = {
    "grover-train train --dataset digits --hidden 32 --finder sa": "trains two digits models "
    "to 300000 queries (minutes)",
    "n, seeds = 20, 40": "40 minimum findings at n = 20 (a minute)",
    'run_sweep("docs/example-sweep.toml"': "the 18 runs of the example sweep (over a minute)",
}
#: a line of the block -> why it never runs in the tests
NEVER = {
    "make demo": "it is the set-up itself (make test runs this test)",
    "QiskitRuntimeService.save_account": "needs an IBM Quantum account and writes credentials",
}
TINY_SWEEP = """[sweep]
name = "tiny"
kind = "train"
[grid]
finder = ["random", "sa"]
seed = [0, 1]
[fixed]
dataset = "teacher"
teacher = [6, 4, 2]
num_samples = 40
hidden = 4
budget = 300
"""


def _setup_model(tmp: Path) -> None:
    import numpy as np

    from grover_train.model import DragonNetwork
    from grover_train.model.io import save_model

    save_model(DragonNetwork.random(8, 4, 3, seed=0), tmp / "out" / "model.npz")
    np.save(tmp / "inputs.npy", np.where(np.random.default_rng(0).random((5, 8)) < 0.5, -1.0, 1.0))


#: a line of the block -> the files it expects, made before it runs
SETUP = {
    'np.load("out/model.npz")': _setup_model,
    '"sweep.toml", "results.sqlite", dask_address': lambda tmp: (tmp / "sweep.toml").write_text(
        TINY_SWEEP
    ),
}


def blocks() -> list[tuple[str, str, str]]:
    """(id, language, body) of every bash and python block of README.md and docs/*.md."""
    out = []
    for path in DOCS:
        text = path.read_text()
        fences = re.finditer(r"^```(\w+)[^\n]*\n(.*?)^```", text, flags=re.S | re.M)
        for k, m in enumerate(f for f in fences if f.group(1) in ("bash", "python")):
            out.append((f"{path.name}#{k}", m.group(1), m.group(2)))
    return out


def _mark(body: str, table: dict) -> str | None:
    return next((why for key, why in table.items() if key in body), None)


def test_every_mark_names_an_existing_block():
    bodies = [b for _, _, b in blocks()]
    for table in (SLOW, NEVER, SETUP):
        for key in table:
            assert any(key in b for b in bodies), f"no docs block contains {key!r} any more"


@pytest.mark.parametrize(
    "lang, body", [(b[1], b[2]) for b in blocks()], ids=[b[0] for b in blocks()]
)
def test_docs_block_runs(lang, body, tmp_path):
    never = _mark(body, NEVER)
    if never:
        pytest.skip(never)
    slow = _mark(body, SLOW)
    if slow and os.environ.get("GROVER_TRAIN_DOCS_SLOW") != "1":
        pytest.skip(f"slow: {slow} (GROVER_TRAIN_DOCS_SLOW=1 runs it)")
    for key, make in SETUP.items():
        if key in body:
            make(tmp_path)
    for name in ("docs", ".venv"):
        (tmp_path / name).symlink_to(ROOT / name)
    env = {
        **os.environ,
        "PATH": os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")]),
        "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
        "MPLBACKEND": "Agg",
    }
    if lang == "python":
        (tmp_path / "block.py").write_text(body)
        cmd = [sys.executable, "block.py"]
    else:
        cmd = ["bash", "-e", "-c", body]
    proc = subprocess.run(cmd, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, f"{cmd}\n{proc.stdout[-2000:]}\n{proc.stderr[-3000:]}"
    assert "Traceback" not in proc.stderr


def test_tutorial_script_runs_and_writes_its_plot_and_report(tmp_path):
    import importlib.util

    if all(importlib.util.find_spec(m) for m in ("mkdocs", "material", "jupytext")):
        # tests/test_docs_site.py runs the tutorial as the site builds and checks the same
        # output on its page: running it here too would cost the suite a second run
        pytest.skip("the docs site build runs the tutorial (tests/test_docs_site.py)")
    env = {
        **os.environ,
        "MPLBACKEND": "Agg",
        "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
    }
    proc = subprocess.run(
        [sys.executable, str(ROOT / "docs" / "tutorial.py")],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert (tmp_path / "spectrum.png").stat().st_size > 10_000
    assert "grover-train report" in (tmp_path / "tutorial-report" / "report.md").read_text()
    assert "'finished': 4, 'failed': 0" in proc.stdout and "heads found with" in proc.stdout
