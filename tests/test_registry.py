"""A finder added in one registry line trains through ``train`` and ``sweep`` like a built-in.

The toy finder is a second, independent implementation of the ``exact`` finder (the lowest
heads from the full energy table instead of the streamed enumeration), so a run with it must
give the same network, bit for bit, as the same run with ``exact``.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from grover_train.enumeration import states_to_samples
from grover_train.errors import InputError, OptionError
from grover_train.finders import FINDERS, FinderEntry, HeadFinder, get_finder, register
from grover_train.finders.base import FindResult


class ToyFinder(HeadFinder):
    """The lowest heads by (energy, state index) from the full table; 2^n queries."""

    name = "toy"

    def __init__(self, scale: int = 1) -> None:
        self.scale = int(scale)

    def _find(self, problem, budget, rng, max_heads=1, **kw) -> FindResult:
        z = np.flatnonzero(problem.marked)
        z = z[np.lexsort((z, problem.energies[z]))][:max_heads]
        rows = states_to_samples(z, problem.num_variables, problem.bqm.vartype)
        return FindResult([rows], queries=self.scale * 2**problem.num_variables)


@pytest.fixture
def toy():
    register(FinderEntry("toy", f"{__name__}:ToyFinder", "the exact finder again"))  # one line
    yield
    del FINDERS["toy"]


TASK = ["--dataset", "teacher", "--teacher", "6,4,2", "--num-samples", "40", "--hidden", "4"]


def _train(tmp_path, finder: str, *extra: str, budget: int = 600) -> dict:
    from grover_train.cli.main import main

    out = tmp_path / f"{finder}-{budget}-{len(extra)}"
    argv = ["train", *TASK, "--finder", finder, "--budget", str(budget), "--seed", "3"]
    assert main([*argv, "--out", str(out), "--json", "--no-progress", *extra]) == 0
    return json.loads((out / "summary.json").read_text())


def test_toy_finder_trains_like_exact_through_the_cli(toy, tmp_path, capsys):
    toy_run, exact_run = _train(tmp_path, "toy"), _train(tmp_path, "exact")
    assert toy_run["finder"] == "toy" and exact_run["finder"] == "exact"
    for key in ("queries", "steps", "train_error", "test_accuracy", "train_accuracy"):
        assert toy_run[key] == exact_run[key], key
    assert toy_run["queries"] > 0
    a, b = (np.load(tmp_path / f"{f}-600-0" / "model.npz") for f in ("toy", "exact"))
    assert a.files == b.files and len(a.files) > 0
    for key in a.files:
        if a[key].dtype.kind == "f":
            assert np.array_equal(a[key], b[key]), key
    assert "toy" in get_finder("toy").properties["name"]


def test_toy_finder_options_reach_it_and_bad_ones_fail_first(toy, tmp_path, capsys):
    from grover_train.cli.main import main

    # the toy counts each enumeration twice: the same cuts for twice the queries
    doubled = _train(tmp_path, "toy", "--finder-option", "scale=2", budget=1200)
    single = _train(tmp_path, "toy", budget=600)
    assert doubled["finder_options"] == {"scale": 2} and single["finder_options"] == {}
    assert doubled["queries"] > 1.9 * single["queries"] and doubled["steps"] == single["steps"]
    assert doubled["train_error"] == single["train_error"]
    with pytest.raises(OptionError, match="finder 'toy' takes no option 'scael': it takes scale"):
        get_finder("toy", scael=2)
    argv = ["train", *TASK, "--finder", "toy", "--budget", "600", "--out", str(tmp_path / "bad")]
    assert main([*argv, "--num-reads", "4"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "--num-reads applies to sa, cyclic-sa, sqa, not 'toy'" in err[0]
    assert main([*argv, "--finder-option", "scael=2"]) == 2  # an OptionError: exit 2, one line
    err = capsys.readouterr().err.strip().splitlines()
    assert err == ["grover-train: error: finder 'toy' takes no option 'scael': it takes scale"]
    assert not (tmp_path / "bad").exists()


SWEEP = """
[sweep]
name = "toy"
kind = "train"
[grid]
finder = ["toy", "exact", "grover"]
prep = ["dqa"]                 # a grover option: dropped from the toy and exact runs
[fixed]
dataset = "teacher"
teacher = [6, 4, 2]
num_samples = 40
hidden = 4
budget = 300
seed = 1
"""


def test_toy_finder_runs_in_a_sweep(toy, tmp_path):
    from grover_train.runs.config import check_specs
    from grover_train.runs.store import Store
    from grover_train.runs.sweep import run_sweep

    (tmp_path / "s.toml").write_text(SWEEP)
    result = run_sweep(tmp_path / "s.toml", tmp_path / "s.sqlite", progress=False)
    assert result.total == 3 and len(result.finished) == 3 and not result.failed
    runs = {r["spec"]["finder"]: r for r in Store(tmp_path / "s.sqlite").runs(status="finished")}
    assert "prep" not in runs["toy"]["spec"] and runs["grover"]["spec"]["prep"] == "dqa"
    assert runs["toy"]["summary"]["train_error"] == runs["exact"]["summary"]["train_error"]
    assert runs["toy"]["queries"] == runs["exact"]["queries"] > 0
    bad = {"kind": "train", "finder": "toy", "hidden": 4, "budget": 9, "seed": 0}
    with pytest.raises(InputError, match="finder 'toy' refuses options"):
        check_specs([{**bad, "finder_options": {"scael": 1}}], "s.toml")


def test_unknown_options_raise_and_unknown_call_arguments_warn_as_in_dimod():
    import dimod

    from grover_train.finders import SearchProblem

    with pytest.raises(OptionError, match="finder 'sa' takes no option 'num_raeds'") as err:
        get_finder("sa", num_raeds=3)
    assert isinstance(err.value, ValueError) and isinstance(err.value, TypeError)
    problem = SearchProblem(dimod.BQM({0: -1.0, 1: 0.5}, {}, 0.0, "SPIN"), threshold=0.0)
    with pytest.warns(dimod.exceptions.SamplerUnknownArgWarning, match="max_head"):
        ss = get_finder("exact").search(problem, 10, max_head=3)  # a typo of max_heads
    assert len(ss) == 1 and ss.info["queries"] == 4
    assert set(get_finder("grover").parameters) - set(get_finder("sa").parameters) == {
        "random_start"
    }


def test_a_landscape_family_added_in_one_line_runs_in_a_search_sweep(tmp_path):
    from grover_train.runs.store import Store
    from grover_train.runs.sweep import run_sweep
    from grover_train.studies.search_landscapes import (
        LANDSCAPE_FAMILIES,
        LandscapeFamily,
        register_family,
        sk_landscape,
    )

    def four_heads(n, seed, **_):  # an SK glass with four heads (the sk family's default: 2)
        return sk_landscape(n, seed, heads=4)

    register_family(LandscapeFamily("sk4", four_heads, "SK with four heads"))  # one line
    try:
        spec = {"kind": "search", "n": 6, "seed": 0, "searches": 4, "prep": "uniform"}
        result = run_sweep([{**spec, "family": "sk4"}], tmp_path / "s.sqlite", progress=False)
        assert len(result.finished) == 1 and not result.failed
        (run,) = Store(tmp_path / "s.sqlite").runs(status="finished")
        assert run["summary"]["num_heads"] == 4 != sk_landscape(6, 0).meta["num_heads"]
        with pytest.raises(InputError, match="unknown landscape family 'nope': use one of sk"):
            run_sweep([{**spec, "family": "nope"}], tmp_path / "t.sqlite", progress=False)
        assert not (tmp_path / "t.sqlite").exists()  # refused before anything is written
    finally:
        del LANDSCAPE_FAMILIES["sk4"]
