"""The core install works alone; each optional feature names its extra when it is missing."""

from __future__ import annotations

import json
import subprocess
import sys
import tomllib
from pathlib import Path

import dimod
import pytest

ROOT = Path(__file__).resolve().parent.parent
CORE = {
    "numpy",
    "scipy",
    "dimod",
    "dwave-samplers",
    "qiskit",
    "qiskit-aer",
    "scikit-learn",
    "matplotlib",
    "tqdm",
    "numba",
    "psutil",
}
#: modules of the extras, hidden from the interpreter as if they were not installed
BLOCKER = """
import sys, importlib.abc
BLOCKED = {"torch", "pennylane", "pennylane_lightning", "qiskit_ibm_runtime", "dwave.system",
           "openjij", "dask", "distributed", "qiskit_optimization"}
class Block(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path, target=None):
        if name in BLOCKED or any(name.startswith(b + ".") for b in BLOCKED):
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
sys.meta_path.insert(0, Block())
from grover_train.cli.main import main
sys.exit(main(sys.argv[1:]))
"""


def _name(requirement: str) -> str:
    for sep in "<>=[ ":
        requirement = requirement.split(sep)[0]
    return requirement


def test_core_dependencies_and_extras():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert {_name(r) for r in project["dependencies"]} == CORE
    extras = project["optional-dependencies"]
    assert {"ibm", "pennylane", "dwave", "sqa", "torch", "dask", "all", "dev"} <= set(extras)
    # docs is tooling (dev brings it too), not a feature of the library
    named = {_name(r) for k, v in extras.items() if k not in ("all", "dev", "docs") for r in v}
    assert {_name(r) for r in extras["all"]} == named
    assert "torch==2.13.0" in extras["torch"]  # the CPU build installed here
    assert '".[all,dev]"' in (ROOT / "Makefile").read_text()
    assert {"pyarrow", "hypothesis", "mypy"} <= {_name(r) for r in extras["all"] + extras["dev"]}
    assert {_name(r) for r in extras["docs"]} <= {_name(r) for r in extras["dev"]}


def _run(tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", BLOCKER, *args],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=300,
    )


def test_core_alone_imports_and_searches_on_the_exact_backend(tmp_path):
    bqm = dimod.generators.ran_r(1, 6, seed=0)
    (tmp_path / "b.json").write_text(json.dumps(bqm.to_serializable()))
    proc = _run(tmp_path, "search", "--bqm", "b.json", "--seed", "0", "--json")
    assert proc.returncode == 0, proc.stderr[-2000:]
    out = json.loads(proc.stdout.splitlines()[-1])
    assert out["energy"] == dimod.ExactSolver().sample(bqm).first.energy


@pytest.mark.parametrize(
    "args, extra",
    [
        (
            [
                "train",
                "--dataset",
                "digits",
                "--classes",
                "0,1",
                "--hidden",
                "2",
                "--finder",
                "backprop",
                "--budget",
                "50",
                "--out",
                "o",
                "--no-progress",
            ],
            "torch",
        ),
        (["search", "--bqm", "b.json", "--backend", "pennylane"], "pennylane"),
        (["search", "--bqm", "b.json", "--backend", "fake:manila"], "ibm"),
        (
            [
                "train",
                "--dataset",
                "digits",
                "--classes",
                "0,1",
                "--hidden",
                "2",
                "--finder",
                "sqa",
                "--budget",
                "50",
                "--out",
                "o",
                "--no-progress",
            ],
            "sqa",
        ),
        (["sweep", "s.toml", "--store", "s.sqlite", "--dask", "tcp://127.0.0.1:9"], "dask"),
    ],
    ids=["torch", "pennylane", "ibm", "sqa", "dask"],
)
def test_a_missing_extra_is_named_in_one_line(tmp_path, args, extra):
    (tmp_path / "b.json").write_text(
        json.dumps(dimod.generators.ran_r(1, 3, seed=0).to_serializable())
    )
    (tmp_path / "s.toml").write_text(
        '[sweep]\nkind = "grover_train.runs.runners:echo"\n[grid]\nseed = [1]\n'
    )
    proc = _run(tmp_path, *args)
    err = proc.stderr.strip()
    assert proc.returncode == 2 and len(err.splitlines()) == 1, err[-2000:]
    assert f"pip install 'grover-train[{extra}]'" in err and "Traceback" not in err


def test_the_dwave_finder_without_dwave_system_names_the_extra(monkeypatch):
    from grover_train.extras import ExtraMissingError
    from grover_train.finders.annealing import DWaveFinder

    monkeypatch.setenv("DWAVE_API_TOKEN", "a-token")  # an account, but no dwave-system
    monkeypatch.setitem(sys.modules, "dwave.system", None)
    with pytest.raises(ExtraMissingError, match=r"pip install 'grover-train\[dwave\]'"):
        _ = DWaveFinder().sampler
