"""The streamed path of the ``exact`` backend and the streamed ``exact`` finder.

The streamed path is forced at small n (``TABLE_PATH_VARIABLES`` patched to 0) so that it can
be compared with the in-memory path and with brute force on the same problems.
"""

from __future__ import annotations

import dimod
import numpy as np
import pytest

from grover_train.finders import get_finder
from grover_train.finders.coherent.backends import exact as exact_mod
from grover_train.finders.coherent.backends import get_backend
from grover_train.finders.coherent.grover import GroverFinder
from grover_train.finders.coherent.prep import Preparation
from grover_train.finders.search_problem import SearchProblem
from grover_train.studies.search_landscapes import dragon_landscape

UNIFORM = Preparation("uniform")


def sk(n: int, seed: int) -> dimod.BQM:
    rng = np.random.default_rng(seed)
    J = {(f"s{i}", f"s{j}"): rng.normal() for i in range(n) for j in range(i + 1, n)}
    return dimod.BQM({f"s{i}": rng.normal() * 0.1 for i in range(n)}, J, 0.5, "SPIN")


def brute(bqm: dimod.BQM) -> np.ndarray:
    n = bqm.num_variables
    bits = (np.arange(2**n)[:, None] >> np.arange(n)[None, :]) & 1
    rows = 2 * bits - 1 if bqm.vartype is dimod.SPIN else bits
    return np.asarray(bqm.energies((rows, list(bqm.variables))))


@pytest.fixture
def streamed(monkeypatch):
    monkeypatch.setattr(exact_mod, "TABLE_PATH_VARIABLES", 0)
    return get_backend("exact")


def test_streamed_draws_follow_the_exact_probabilities(streamed):
    bqm = sk(7, seed=2)
    E = brute(bqm)
    exclude = {"s3": -1}
    problem = SearchProblem(bqm, float(np.quantile(E, 0.2)), exclude)
    assert streamed.streams(problem, UNIFORM)
    shots = 30000
    for it in (0, 1, 2, [(1.0, 2.0)]):
        p = streamed.probabilities(problem, UNIFORM, it)  # the full-vector formula
        z = streamed.sample(problem, UNIFORM, it, shots, np.random.default_rng(3))
        freq = np.bincount(z, minlength=p.size) / shots
        # TV over 128 states with 30000 shots is typically ~0.03; 0.06 is far outside
        assert 0.5 * np.abs(freq - p).sum() < 0.06, it
        heads = problem.marked
        # P(head) within 5 binomial standard errors
        ph = float(p[heads].sum())
        assert abs(freq[heads].sum() - ph) < 5 * np.sqrt(ph * (1 - ph) / shots) + 1e-12


def test_streamed_p_marked_equals_the_table_path(streamed):
    bqm = sk(9, seed=4)
    E = brute(bqm)
    for q in (0.0, 0.01, 0.3, 1.0):
        t = float(np.quantile(E, q))
        problem = SearchProblem(bqm, t, {"s0": 1})
        table = SearchProblem(bqm, t, {"s0": 1})
        for it in (0, 1, 3, [(0.3, 2.0)]):
            a = streamed.p_marked(problem, UNIFORM, it)
            exact_mod.TABLE_PATH_VARIABLES = 64  # the in-memory path on a fresh problem
            b = streamed.p_marked(table, UNIFORM, it)
            exact_mod.TABLE_PATH_VARIABLES = 0
            assert a == pytest.approx(b, abs=1e-12)


def test_streamed_dh_finds_the_ground_state(streamed):
    for seed in range(3):
        bqm = sk(12, seed=seed)
        e_min = float(brute(bqm).min())
        ss = GroverFinder(schedule="dh").sample(
            bqm, threshold=1e9, budget=4000, seed=seed, random_start=True
        )
        assert ss.first.energy == pytest.approx(e_min, abs=1e-12)
        assert ss.info["queries"] <= 4000


@pytest.mark.parametrize("stage", ["early", "late"])
def test_exact_finder_on_dragon_landscapes_equals_brute_force(stage):
    for n, seed in ((8, 0), (12, 1)):
        ls = dragon_landscape(n, seed=seed, stage=stage)
        E = brute(ls.bqm)
        order = list(ls.bqm.variables)
        z = np.arange(2**n)
        excl = np.ones(2**n, dtype=bool)
        for v, val in ls.exclude.items():
            excl &= ((z >> order.index(v)) & 1) == (1 if val > 0 else 0)
        heads = np.flatnonzero((E < ls.threshold) & ~excl)
        want = heads[np.lexsort((heads, E[heads]))][:16]
        ss = get_finder("exact").sample(
            ls.bqm, threshold=ls.threshold, exclude=ls.exclude, budget=1, max_heads=16
        )
        assert ss.info["num_heads_total"] == heads.size
        assert ss.info["queries"] == 2**n
        got = sorted(ss.record.energy.tolist())
        np.testing.assert_allclose(got, E[want], rtol=0, atol=1e-12)


def test_exact_finder_beyond_the_old_table_limit():
    """n = 27 (the old limit was 26): independent fields, so the lowest states are known: all
    spins down, then one flip of the weakest field, then of the second weakest."""
    n = 27
    h = {f"x{i}": 1.0 + 0.01 * ((7 * i) % n) for i in range(n)}
    bqm = dimod.BQM(h, {}, 0.0, "SPIN")
    ground = -sum(h.values())
    weak = sorted(h, key=h.get)
    ss = get_finder("exact").sample(bqm, threshold=0.0, budget=1, max_heads=3)
    assert ss.info["queries"] == 2**n
    np.testing.assert_allclose(
        ss.record.energy, [ground, ground + 2 * h[weak[0]], ground + 2 * h[weak[1]]], atol=1e-9
    )
    first = ss.first.sample
    assert all(first[v] == -1 for v in h)
