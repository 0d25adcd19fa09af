"""Coherent training (issue 24): the compiled DQA preparation against the gate-by-gate reference,
the anneal preparation's query count, BBHT's expected cost against simulated searches, the
per-sample budget sized from it, and the one-line warning of a budget far below it."""

from __future__ import annotations

import math
import warnings

import dimod
import numpy as np
import pytest

from grover_train.data.datasets import load_dataset
from grover_train.errors import InputError, OptionError
from grover_train.finders import get_finder
from grover_train.finders.coherent.backends.exact import ExactBackend
from grover_train.finders.coherent.budget import (
    CHECK_AFTER,
    DESIGN_P,
    BudgetCheck,
    BudgetWarning,
    expected_cost,
    sized_budget,
)
from grover_train.finders.coherent.prep import Preparation, dqa_statevector
from grover_train.finders.coherent.schedules import bbht_expected_cost
from grover_train.finders.search_problem import SearchProblem
from grover_train.train.cutting import HeadCutting
from grover_train.train.loop import train
from grover_train.train.options import HeadCuttingOptions


def _bqm(n: int, seed: int, vartype=dimod.SPIN) -> dimod.BinaryQuadraticModel:
    rng = np.random.default_rng(seed)
    lin = {i: float(rng.normal()) for i in range(n)}
    quad = {
        (i, j): float(rng.normal()) for i in range(n) for j in range(i + 1, n) if rng.random() < 0.5
    }
    bqm = dimod.BQM(lin, quad, 0.3, dimod.SPIN)
    return bqm if vartype is dimod.SPIN else bqm.change_vartype(dimod.BINARY, inplace=False)


@pytest.mark.parametrize(
    ("n", "seed", "vartype", "steps", "dt"),
    [
        (1, 0, dimod.SPIN, 1, 0.8),
        (5, 1, dimod.SPIN, 8, 0.8),
        (9, 2, dimod.BINARY, 3, 1.3),
        (12, 3, dimod.SPIN, 8, 0.8),  # above the cache block of the mixer (11 qubits)
    ],
)
def test_fast_dqa_matches_the_gate_by_gate_reference(n, seed, vartype, steps, dt):
    """The compiled ramp gives the reference's statevector and distribution to 1e-9."""
    problem = SearchProblem(_bqm(n, seed, vartype), threshold=0.0)
    prep = Preparation("dqa", steps=steps, dt=dt)
    fast = prep.statevector(problem)
    ref = prep.statevector_reference(problem)
    assert np.abs(fast - ref).max() < 1e-9
    assert np.abs(prep.probabilities(problem) - np.abs(ref) ** 2).max() < 1e-9


def test_dqa_statevector_refuses_a_ramp_that_is_not_linear():
    with pytest.raises(InputError, match="arithmetic progression"):
        dqa_statevector(np.zeros(2), np.array([0.1, 0.5, 0.6]), np.ones(3), 1)


def test_masked_dqa_sampling_has_the_sorted_paths_distribution(monkeypatch):
    """At 15+ variables dqa draws from the head mask: same p_A (1e-12) and, over 200,000
    shots, the same frequencies as the sorted table (within 6 standard errors per state)."""
    import grover_train.finders.coherent.backends.exact as ex

    bqm = _bqm(15, 4)
    prep = Preparation("dqa", steps=4)
    out = {}
    for masked in (15, 99):
        monkeypatch.setattr(ex, "MASKED_DQA_VARIABLES", masked)
        p = SearchProblem(bqm, threshold=-4.0, exclude={0: 1})
        z = ExactBackend().sample(p, prep, 2, 200_000, np.random.default_rng(1))
        out[masked] = (
            np.bincount(z, minlength=2**15) / z.size,
            ExactBackend().p_marked(p, prep, 2),
        )
    (f1, p1), (f2, p2) = out[15], out[99]
    assert abs(p1 - p2) < 1e-12
    se = np.sqrt(np.maximum(f1, f2) / 200_000) + 1e-6
    assert np.all(np.abs(f1 - f2) <= 6 * se * np.sqrt(2))


def test_bbht_expected_cost_limits():
    assert bbht_expected_cost(0.0) == (math.inf, 0)
    assert bbht_expected_cost(1.0)[0] == pytest.approx(1.0, abs=1e-12)
    # r = 0 rounds only (m stays below 2) would be 1/p; BBHT's growing m does better at small p
    assert bbht_expected_cost(1e-4, m_max=100)[0] < 1e3
    with pytest.raises(InputError):
        bbht_expected_cost(1.5)


@pytest.mark.parametrize("k", [1, 6])
def test_bbht_expected_cost_matches_simulated_searches(k):
    """The mean queries of 600 seeded BBHT searches (uniform, exact backend) to their first head
    match the computed expectation within 4 standard errors."""
    n = 8
    rng = np.random.default_rng(k)
    heads = set(rng.choice(2**n, size=k, replace=False).tolist())
    # a landscape whose heads are exactly the chosen states: energy -1 there, 0 elsewhere
    lin = {i: 0.0 for i in range(n)}
    bqm = dimod.BQM(lin, {}, 0.0, dimod.BINARY)
    energies = np.zeros(2**n)
    energies[list(heads)] = -1.0
    problem = SearchProblem(bqm, threshold=-0.5)
    problem.cached(("energies",), lambda: energies)  # the landscape as the search sees it
    finder = get_finder("grover")
    from grover_train.finders.coherent.schedules import RoundRunner, run_bbht

    spent = []
    for seed in range(600):
        runner = RoundRunner(
            problem, finder.prep, finder.backend, np.random.default_rng(seed), 10**6
        )
        runner.is_head = lambda z, t: energies[z] < t  # noqa: B023 - the table above
        runner.energy = lambda z: float(energies[z])
        run_bbht(runner)
        spent.append(runner.queries)
    mean, se = float(np.mean(spent)), float(np.std(spent) / np.sqrt(len(spent)))
    want = bbht_expected_cost(k / 2**n, m_max=math.sqrt(2**n))[0]
    assert abs(mean - want) < 4 * se, (mean, want, se)


def test_sized_budget_is_the_expected_bbht_cost_at_the_design_probability():
    for kind, n in (("uniform", 18), ("uniform", 10), ("dqa", 18), ("anneal", 18)):
        prep = Preparation(kind)
        p = DESIGN_P[kind] or 2.0**-n
        cost = bbht_expected_cost(p, m_max=math.sqrt(2**n), prep_reads=kind == "anneal")[0]
        assert sized_budget(prep, n) == math.ceil(cost)
    # certification from the uniform preparation costs about sqrt(2^n): 1.2 to 4.5 sqrt(N)
    assert 1.2 < sized_budget(Preparation("uniform"), 18) / 2**9 < 4.5


def test_anneal_prep_counts_its_reads_and_runs_on_exact_only():
    """A round with r iterates costs r + 1 + (2r + 1) reads of A and A^dagger."""
    bqm = _bqm(10, 5)
    finder = get_finder("grover", prep="anneal", sweeps=2)
    ss = finder.sample(bqm, threshold=-3.0, budget=200, seed=3)
    rounds = ss.info["rounds"]
    assert rounds and all(r["queries"] == 3 * r["r"] + 2 for r in rounds)
    assert ss.info["queries"] == sum(r["queries"] for r in rounds) <= 200
    assert ss.info["prep_reads"] == sum(2 * r["r"] + 1 for r in rounds)
    assert ss.info["prep"] == "anneal(sweeps=2)"
    with pytest.raises(OptionError, match="exact backend only"):
        get_finder("grover", prep="anneal", backend="statevector")
    with pytest.raises(InputError, match="no 2\\^n statevector"):
        Preparation("anneal").probabilities(SearchProblem(bqm, 0.0))


def test_anneal_prep_estimates_p_from_its_pool():
    """p_prep is the pool's share of heads: on a model whose every read is the ground state,
    1; the head drawn is that state."""
    bqm = dimod.BQM({0: -1.0, 1: -1.0}, {(0, 1): -1.0}, 0.0, "SPIN")
    ss = get_finder("grover", prep="anneal").sample(bqm, threshold=-2.5, budget=10, seed=0)
    assert ss.info["p_prep"] == 1.0 and ss.record.sample.tolist() == [[1, 1]]


def test_budget_check_warns_once_with_the_budget_that_would_do():
    chk = BudgetCheck(Preparation("uniform"), budget=2)
    for _ in range(CHECK_AFTER - 1):
        chk.add(2.0**-12, 14)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        chk.check()  # too few searches yet: silent
    chk.add(None, 14)  # a search whose p_A is unknown still counts
    need = math.ceil(expected_cost(Preparation("uniform"), 2.0**-12, 14))
    with pytest.warns(BudgetWarning) as rec:
        chk.check()
        chk.check()
    assert len(rec) == 1
    msg = str(rec[0].message)
    assert "\n" not in msg and f"--search-budget {need}" in msg
    w = rec[0]
    shown = warnings.formatwarning(w.message, w.category, w.filename, w.lineno, w.line)
    assert shown.strip().count("\n") == 0  # printed as one line
    # a budget that suffices: silent
    ok = BudgetCheck(Preparation("uniform"), budget=need)
    for _ in range(CHECK_AFTER):
        ok.add(2.0**-12, 14)
    assert ok.message() is None


def _tiny_run(search_budget):
    ds = load_dataset("digits", seed=0, classes=[0, 1, 2], pool=True)
    upd = HeadCutting(
        HeadCuttingOptions(
            "grover", {"prep": "uniform"}, max_qubits=10, search_budget=search_budget, batch_size=8
        )
    )
    return train(ds, upd, hidden=8, budget=400, seed=0, progress=False)


def test_training_warns_once_when_the_budget_is_far_too_small():
    """Windows of 7 spins (4 of the 8 hidden units + 3 outputs): budget 1 is far below BBHT's
    cost on them; the warning comes once per run, and the sized default is silent."""
    with pytest.warns(BudgetWarning) as rec:
        r = _tiny_run(1)
    mine = [w for w in rec if issubclass(w.category, BudgetWarning)]
    assert len(mine) == 1 and "--search-budget" in str(mine[0].message)
    assert r.summary["search_budget"] == 1
    with warnings.catch_warnings():
        warnings.simplefilter("error", BudgetWarning)
        r = _tiny_run(None)
    assert r.summary["search_budget"] == sized_budget(Preparation("uniform"), 7)


def test_auto_prep_is_anneal_on_exact_and_uniform_on_circuit_backends():
    assert get_finder("grover", prep="auto").prep.kind == "anneal"
    assert get_finder("grover", prep="auto", backend="statevector").prep.kind == "uniform"


def test_train_cli_defaults_to_the_anneal_prep_with_a_sized_budget(tmp_path):
    """``train --finder grover`` without coherent options: prep auto (anneal on exact) and the
    per-sample budget sized for it on the run's windows (4 + 3 spins here)."""
    import json

    from grover_train.cli.main import main

    out = tmp_path / "run"
    args = ["train", "--dataset", "digits", "--classes", "0,1,2", "--pool", "--hidden", "8"]
    args += ["--max-qubits", "10", "--finder", "grover", "--budget", "300", "--no-progress"]
    assert main([*args, "--out", str(out)]) in (0, None)
    summary = json.loads((out / "summary.json").read_text())
    assert summary["finder_options"]["prep"] == "auto"
    assert summary["search_budget"] == sized_budget(Preparation("anneal"), 7)
    assert summary["queries"] >= 300
