"""Coherent core: preparations, exact vs statevector backends, schedules, the grover finder."""

from __future__ import annotations

import math
from functools import reduce

import dimod
import numpy as np
import pytest
from scipy.linalg import expm

from grover_train.errors import BudgetError, InputError, TooManyQubitsError, UnknownNameError
from grover_train.finders import get_finder
from grover_train.finders.coherent.backends import as_phases, get_backend
from grover_train.finders.coherent.backends.exact import two_level_amplitudes
from grover_train.finders.coherent.grover import GroverFinder
from grover_train.finders.coherent.prep import Preparation
from grover_train.finders.coherent.schedules import ylc_phases
from grover_train.finders.search_problem import SearchProblem

EXACT = get_backend("exact")
SV = get_backend("statevector")
PREPS = [Preparation("uniform"), Preparation("dqa", steps=3, dt=0.7)]


def random_bqm(n: int, vartype: str, seed: int, integer: bool = False) -> dimod.BQM:
    rng = np.random.default_rng(seed)
    draw = (lambda: float(rng.integers(-5, 6))) if integer else (lambda: float(rng.normal()))
    lin = {f"v{i}": draw() for i in range(n)}
    quad = {
        (f"v{i}", f"v{j}"): draw() for i in range(n) for j in range(i + 1, n) if rng.random() < 0.6
    }
    return dimod.BQM(lin, quad, draw(), vartype)


def brute_energies(bqm: dimod.BQM) -> np.ndarray:
    """Energies by dimod, state index bit i = BINARY value of variable i (independent path)."""
    n = bqm.num_variables
    z = np.arange(2**n)
    bits = (z[:, None] >> np.arange(n)[None, :]) & 1
    rows = 2 * bits - 1 if bqm.vartype is dimod.SPIN else bits
    return bqm.energies((rows, list(bqm.variables)))


# ------------------------------------------------------------------ exact vs statevector
@pytest.mark.parametrize("n", [3, 4, 5, 6, 7, 8])
@pytest.mark.parametrize("vartype", ["SPIN", "BINARY"])
def test_exact_matches_statevector(n, vartype):
    bqm = random_bqm(n, vartype, seed=10 * n + len(vartype))
    E = brute_energies(bqm)
    first = next(iter(bqm.variables))
    excl = {first: 1}
    iterate_sets = [0, 1, 3, ylc_phases(0.1, 0.5), [(1.0, -2.0), (0.3, 2.5)]]
    for q in (0.05, 0.3, 0.7):
        problem = SearchProblem(bqm, float(np.quantile(E, q)), excl)
        for prep in PREPS:
            for it in iterate_sets:
                a = EXACT.probabilities(problem, prep, it)
                b = SV.probabilities(problem, prep, it)
                assert a.shape == (2**n,)
                np.testing.assert_allclose(a, b, atol=1e-9, rtol=0)
                assert a.sum() == pytest.approx(1.0, abs=1e-12)


def test_exact_p_marked_is_sin2():
    bqm = random_bqm(6, "SPIN", seed=3)
    E = brute_energies(bqm)
    prep = Preparation("uniform")
    for t in np.quantile(E, [0.02, 0.1, 0.4]):
        problem = SearchProblem(bqm, float(t))
        p = np.mean(E < t)  # uniform prep: the fraction of marked states
        theta = math.asin(math.sqrt(p))
        for r in range(6):
            expected = math.sin((2 * r + 1) * theta) ** 2
            got = EXACT.probabilities(problem, prep, r)[problem.marked].sum()
            assert got == pytest.approx(expected, abs=1e-12)
            assert EXACT.p_marked(problem, prep, r) == pytest.approx(expected, abs=1e-12)
            sv = SV.probabilities(problem, prep, r)[E < t].sum()
            assert sv == pytest.approx(expected, abs=1e-9)


def test_plain_and_pi_pairs_agree_and_edge_cases():
    bqm = random_bqm(5, "BINARY", seed=4)
    E = brute_energies(bqm)
    problem = SearchProblem(bqm, float(np.quantile(E, 0.2)))
    prep = PREPS[1]
    np.testing.assert_allclose(
        EXACT.probabilities(problem, prep, 2),
        EXACT.probabilities(problem, prep, [(math.pi, math.pi)] * 2),
        atol=1e-12,
    )
    # nothing marked / everything marked: the distribution is the prep's
    for t in (E.min() - 1, E.max() + 1):
        pr = problem.with_threshold(float(t))
        for backend in (EXACT, SV):
            np.testing.assert_allclose(
                backend.probabilities(pr, prep, 3), prep.probabilities(pr), atol=1e-9
            )


# ------------------------------------------------------------------ preparations
def _pauli_reference(bqm: dimod.BQM, prep: Preparation) -> np.ndarray:
    """DQA state from Pauli matrices and scipy's expm: H_P = -sum h Z + sum J ZZ (s = -Z)."""
    n = bqm.num_variables
    order = list(bqm.variables)
    spin = bqm.spin if bqm.vartype is dimod.BINARY else bqm
    eye, X, Z = np.eye(2), np.array([[0, 1], [1, 0]]), np.diag([1.0, -1.0])

    def op(single, q):  # qubit q is bit q of the index: the LAST factor of the kron is qubit 0
        return reduce(np.kron, [single if k == q else eye for k in reversed(range(n))])

    HP = sum(-spin.get_linear(v) * op(Z, i) for i, v in enumerate(order))
    for (u, v), J in spin.quadratic.items():
        HP = HP + J * op(Z, order.index(u)) @ op(Z, order.index(v))
    HD = sum(op(X, q) for q in range(n))
    problem = SearchProblem(bqm, 0.0)
    psi = np.full(2**n, 2 ** (-n / 2), dtype=complex)
    for g, b in zip(*prep.angles(problem), strict=True):
        psi = expm(1j * b * HD) @ (expm(-1j * g * HP) @ psi)
    return psi


@pytest.mark.parametrize("vartype", ["SPIN", "BINARY"])
def test_dqa_statevector_matches_pauli_reference(vartype):
    bqm = random_bqm(4, vartype, seed=7)
    prep = Preparation("dqa", steps=5, dt=0.9)
    psi = prep.statevector(SearchProblem(bqm, 0.0))
    np.testing.assert_allclose(psi, _pauli_reference(bqm, prep), atol=1e-10)
    assert np.linalg.norm(psi) == pytest.approx(1.0, abs=1e-12)


def test_dqa_angles_follow_the_contract():
    bqm = dimod.BQM({0: 0.5, 1: -3.0}, {(0, 1): 2.0}, 7.0, "SPIN")
    g, b = Preparation("dqa", steps=4, dt=0.8).angles(SearchProblem(bqm, 0.0))
    s = (np.arange(1, 5) - 0.5) / 4
    np.testing.assert_allclose(g, 0.8 * s / 3.0)
    np.testing.assert_allclose(b, 0.8 * (1 - s))


def test_dqa_raises_ground_state_probability_on_average():
    gains = []
    for seed in range(12):
        bqm = random_bqm(8, "SPIN", seed=100 + seed)
        problem = SearchProblem(bqm, 0.0)
        gs = np.argmin(problem.energies)
        pd = Preparation("dqa", steps=8, dt=0.8).probabilities(problem)
        assert pd.sum() == pytest.approx(1.0, abs=1e-12)
        gains.append(pd[gs] / 2**-8)
    assert np.mean(gains) > 2.0, gains


def test_preparation_validation():
    with pytest.raises(UnknownNameError, match="uniform, dqa"):
        Preparation("qaoa")
    with pytest.raises(InputError, match="steps"):
        Preparation("dqa", steps=0)
    with pytest.raises(InputError, match="dt"):
        Preparation("dqa", dt=float("nan"))


# ------------------------------------------------------------------ backends misc
def test_backend_registry_and_validation():
    with pytest.raises(UnknownNameError, match="exact.*statevector"):
        get_backend("nope")
    with pytest.raises(UnknownNameError):
        get_backend("zap:thing")
    with pytest.raises(BudgetError):
        as_phases(-1)
    big = dimod.BQM({i: 1.0 for i in range(27)}, {}, 0.0, "SPIN")
    with pytest.raises(TooManyQubitsError, match="27"):
        SV.check_size(SearchProblem(big, 0.0))
    # exact: the uniform preparation streams up to 36 variables, dqa needs a table
    EXACT.check_size(SearchProblem(big, 0.0))
    huge = dimod.BQM({i: 1.0 for i in range(37)}, {}, 0.0, "SPIN")
    with pytest.raises(TooManyQubitsError, match="37"):
        EXACT.check_size(SearchProblem(huge, 0.0))


def test_exact_backend_refuses_tables_that_do_not_fit(monkeypatch):
    from grover_train.enumeration import engine as en

    monkeypatch.setattr(en, "available_memory", lambda: 2**30)
    bqm = dimod.BQM({i: 1.0 for i in range(24)}, {}, 0.0, "SPIN")
    problem = SearchProblem(bqm, 0.0)
    EXACT.check_preparation(problem, Preparation("uniform"))  # streams: no table
    with pytest.raises(TooManyQubitsError, match=r"'dqa'.*2\^24 states needs 1\.8 GiB"):
        EXACT.check_preparation(problem, Preparation("dqa"))
    with pytest.raises(TooManyQubitsError, match=r"needs .* GiB, 1\.0 GiB of memory"):
        EXACT.probabilities(problem, Preparation("uniform"), 1)


@pytest.mark.parametrize("prep", PREPS)
def test_exact_sampler_matches_distribution(prep):
    """The exact backend's sorted-index sampler draws from its own probabilities (TV bound)."""
    bqm = random_bqm(5, "SPIN", seed=11)
    E = brute_energies(bqm)
    problem = SearchProblem(bqm, float(np.quantile(E, 0.25)), {"v1": -1})
    shots = 40000
    for it in (0, 1, [(1.0, 2.0)]):
        p = EXACT.probabilities(problem, prep, it)
        z = EXACT.sample(problem, prep, it, shots, np.random.default_rng(5))
        freq = np.bincount(z, minlength=p.size) / shots
        # TV distance of 40000 shots over 32 states: typically ~0.01; 0.03 is > 4 sigma
        assert 0.5 * np.abs(freq - p).sum() < 0.03
        # same draws as the generic procedure on the same probabilities
        z_sv = SV.sample(problem, prep, it, 200, np.random.default_rng(9))
        z_ex = EXACT.sample(problem, prep, it, 200, np.random.default_rng(9))
        np.testing.assert_array_equal(z_sv, z_ex)


def test_two_level_amplitudes_unitary_and_ylc_bound():
    for p in (0.01, 0.2, 0.7):
        cg, cb = two_level_amplitudes(p, [(0.4, 1.3), (2.0, -0.5), (math.pi, 1.0)])
        assert abs(cg) ** 2 + abs(cb) ** 2 == pytest.approx(1.0, abs=1e-12)
    for w in (0.2, 0.02, 0.002):
        ph = ylc_phases(w, 0.5)
        ps = np.linspace(w, 1.0, 60)
        worst = min(abs(two_level_amplitudes(p, ph)[0]) ** 2 for p in ps)
        assert worst >= 0.75 - 1e-9


# ------------------------------------------------------------------ schedules and finder
@pytest.mark.parametrize("schedule", ["bbht", "dh", "fixed-point"])
@pytest.mark.parametrize("prep", ["uniform", "dqa"])
def test_schedules_find_true_heads(schedule, prep):
    found = 0
    for seed in range(6):
        bqm = random_bqm(8, "SPIN", seed=200 + seed)
        E = brute_energies(bqm)
        t = float(np.sort(E)[3])  # 3 states below (ties aside): p ~ 1%
        excl = {"v0": 1}
        ss = GroverFinder(prep=prep, schedule=schedule).sample(
            bqm, threshold=t, exclude=excl, budget=400, seed=seed, max_heads=2
        )
        ref = get_finder("exact").sample(bqm, threshold=t, exclude=excl, budget=10, max_heads=256)
        ref_rows = {tuple(r) for r in ref.record.sample.tolist()}
        for row, e in zip(ss.record.sample.tolist(), ss.record.energy, strict=True):
            assert tuple(row) in ref_rows
            assert e < t
        found += len(ss) > 0
        # query accounting: r + 1 per round (1 for dh's optional random start)
        rounds = ss.info["rounds"]
        assert ss.info["queries"] == sum(r["r"] + 1 for r in rounds) <= 400
        assert ss.info["circuits"] == ss.info["shots"] == len(rounds)
        assert ss.info["oracle_calls"] == sum(r["r"] for r in rounds)
        if schedule == "dh":
            ts = [r["threshold"] for r in rounds]
            assert all(a >= b for a, b in zip(ts, ts[1:], strict=False))  # only descends
        else:
            assert all(r["threshold"] == t for r in rounds)
    assert found >= 5


def test_bbht_rounds_follow_the_growth_rule():
    bqm = random_bqm(10, "SPIN", seed=5)
    E = brute_energies(bqm)
    ss = GroverFinder(schedule="bbht").sample(
        bqm, threshold=float(E.min()) + 1e-9, budget=500, seed=3
    )
    m = 1.0
    for r in ss.info["rounds"]:
        assert r["m"] == pytest.approx(m)
        assert 0 <= r["r"] < math.ceil(m)
        if not r["found"]:
            m = min(1.2 * m, math.sqrt(2**10))


def test_dh_without_threshold_starts_from_a_random_state():
    bqm = random_bqm(9, "BINARY", seed=8, integer=True)
    E = brute_energies(bqm)
    ss = GroverFinder(schedule="dh").sample(
        bqm, threshold=float(E.max()) + 1, budget=600, seed=2, random_start=True
    )
    first = ss.info["rounds"][0]
    assert first["start"] and first["queries"] == 1
    assert ss.info["rounds"][1]["threshold"] == first["energy"]
    assert ss.first.energy == pytest.approx(E.min())


def test_dh_finds_ground_state_n20():
    """The search target: >= 95% of seeds within 22.5 sqrt(2^n) queries (here 6 seeds, all
    must pass; benchmarks run more)."""
    n = 20
    budget = math.ceil(22.5 * math.sqrt(2**n))
    finder = GroverFinder(schedule="dh")
    for seed in range(6):
        rng = np.random.default_rng(seed)
        Q = {(i, j): float(rng.integers(-10, 11)) for i in range(n) for j in range(i, n)}
        bqm = dimod.BQM.from_qubo(Q)
        ss = finder.sample(bqm, threshold=1e9, budget=budget, seed=seed, random_start=True)
        problem = SearchProblem(bqm, 0.0)
        assert ss.first.energy == problem.energies.min()
        assert ss.info["queries"] <= budget
        # its wall time is measured in benchmarks/dh_n20.py (speed lives in benchmarks)


@pytest.mark.parametrize("schedule", ["bbht", "dh", "fixed-point"])
def test_same_seed_same_result_and_backends_agree(schedule):
    bqm = random_bqm(7, "BINARY", seed=12)
    t = float(np.quantile(brute_energies(bqm), 0.05))
    runs = []
    for backend, seed in (("exact", 4), ("exact", 4), ("statevector", 4), ("exact", 5)):
        ss = GroverFinder(prep="dqa", schedule=schedule, backend=backend, steps=3).sample(
            bqm, threshold=t, budget=150, seed=seed, max_heads=3
        )
        runs.append((ss.record.sample.tolist(), [(r["r"], r["energy"]) for r in ss.info["rounds"]]))
    assert runs[0] == runs[1] == runs[2]
    assert runs[0][1] != runs[3][1]


def test_finder_validation():
    with pytest.raises(UnknownNameError, match="bbht, dh, fixed-point"):
        GroverFinder(schedule="fast")
    with pytest.raises(TypeError, match="no option"):
        GroverFinder(schedule="bbht", delta=0.1)
    big = dimod.BQM({i: 1.0 for i in range(37)}, {}, 0.0, "SPIN")
    with pytest.raises(TooManyQubitsError, match="37"):
        GroverFinder().sample(big, threshold=0.0, budget=10, seed=1)
    assert get_finder("grover", schedule="dh").name == "grover"


@pytest.mark.parametrize("schedule", ["bbht", "dh", "fixed-point"])
def test_grover_passes_the_finder_kit(schedule):
    from grover_train import testing

    for prep in ("uniform", "dqa"):
        finder = get_finder("grover", schedule=schedule, prep=prep, steps=4)
        testing.assert_finder_api(finder)
        for seed in range(3):
            bqm, tau, exc = testing.dragon_instance(4, 5, 3, seed=seed, margin=0.5)
            testing.check_finder_against_exact(
                finder, bqm, tau, exc, budget=200, seed=seed, max_heads=3
            )
