"""The PennyLane backend agrees with the exact and statevector backends and with a dense
numpy reference, for both oracles, both preparations and generalised iterates (seeds, errors,
repeated requests and resources keys: the backend kit, tests/test_backend_kit.py)."""

from __future__ import annotations

import math

import dimod
import numpy as np
import pytest

from grover_train.errors import InputError, TooManyQubitsError
from grover_train.finders.coherent.backends import get_backend
from grover_train.finders.coherent.backends.pennylane import PennyLaneBackend
from grover_train.finders.coherent.prep import Preparation
from grover_train.finders.search_problem import SearchProblem

pytest.importorskip("pennylane")

ITERATES = [0, 1, 3, [(1.0, 2.0), (math.pi, 0.5), (-0.7, math.pi)]]


def dense_reference(problem: SearchProblem, prep: Preparation, iterates) -> np.ndarray:
    """|G_r ... G_1 A|0>|^2 with G = -A S_0(beta) A^dagger O(alpha) as dense numpy algebra."""
    a = prep.statevector(problem)
    pairs = [(math.pi, math.pi)] * iterates if isinstance(iterates, int) else iterates
    psi = a.copy()
    for alpha, beta in pairs:
        psi = np.where(problem.marked, np.exp(1j * alpha), 1.0) * psi
        # A S_0(beta) A^dagger = I - (1 - e^{i beta}) |a><a|
        psi = -(psi - (1 - np.exp(1j * beta)) * a * np.vdot(a, psi))
    return np.abs(psi) ** 2


def random_bqm(n: int, vartype: str, seed: int, integer: bool = False) -> dimod.BQM:
    rng = np.random.default_rng(seed)
    if integer:
        lin = {f"v{n - 1 - i}": int(rng.integers(-5, 6)) for i in range(n)}
        quad = {
            (f"v{n - 1 - i}", f"v{n - 1 - j}"): int(rng.integers(-5, 6))
            for i in range(n)
            for j in range(i + 1, n)
            if rng.random() < 0.7
        }
        return dimod.BQM(lin, quad, int(rng.integers(-3, 4)), vartype)
    # labels in reverse order so that variable order != label order
    lin = {f"v{n - 1 - i}": rng.normal() for i in range(n)}
    quad = {
        (f"v{n - 1 - i}", f"v{n - 1 - j}"): rng.normal()
        for i in range(n)
        for j in range(i + 1, n)
        if rng.random() < 0.7
    }
    return dimod.BQM(lin, quad, rng.normal(), vartype)


def problems(bqm: dimod.BQM, with_exclusion: bool):
    """Two thresholds (few heads, a quarter of the states), with and without an exclusion."""
    excl = {list(bqm.variables)[-1]: 1} if with_exclusion else None
    free = SearchProblem(bqm, 0.0, excl)
    E = np.sort(free.energies[~free.excluded])
    for t in (E[1] + 1e-9, E[len(E) // 4]):
        yield SearchProblem(bqm, float(t), excl)


@pytest.mark.parametrize("n", range(3, 9))
@pytest.mark.parametrize("vartype", ["SPIN", "BINARY"])
@pytest.mark.parametrize("kind", ["uniform", "dqa"])
def test_diagonal_oracle_agrees_with_exact_and_statevector(n, vartype, kind):
    bqm = random_bqm(n, vartype, seed=100 * n + len(vartype))
    prep = Preparation(kind, steps=3, dt=0.9)
    pl, exact = PennyLaneBackend(), get_backend("exact")
    statevector = get_backend("statevector")
    for problem in problems(bqm, with_exclusion=n % 2 == 1):
        assert 0 < problem.marked.sum() < 2**n
        for it in ITERATES:
            p = pl.probabilities(problem, prep, it)
            assert p.shape == (2**n,)
            np.testing.assert_allclose(p, exact.probabilities(problem, prep, it), atol=1e-9)
            np.testing.assert_allclose(p, dense_reference(problem, prep, it), atol=1e-9)
            if it in (1, ITERATES[-1]):
                np.testing.assert_allclose(
                    p, statevector.probabilities(problem, prep, it), atol=1e-9
                )


@pytest.mark.parametrize("n", [3, 4, 5, 6])
@pytest.mark.parametrize("vartype", ["SPIN", "BINARY"])
def test_arithmetic_oracle_marks_like_the_diagonal_oracle(n, vartype):
    bqm = random_bqm(n, vartype, seed=7 * n, integer=True)
    prep = Preparation("uniform")
    arith, diag = PennyLaneBackend(oracle="arithmetic"), PennyLaneBackend()
    E = np.sort(SearchProblem(bqm, 0.0).energies)
    # an integer threshold, one between integers, none marked, all marked
    for t in (E[2], E[3] + 0.5, E[0] - 1.0, E[-1] + 1.0):
        problem = SearchProblem(bqm, float(t), {list(bqm.variables)[0]: 1})
        for it in (1, [(2.0, 1.0), (0.3, -1.2)]):
            p = arith.probabilities(problem, prep, it)
            np.testing.assert_allclose(p, diag.probabilities(problem, prep, it), atol=1e-9)
            np.testing.assert_allclose(p, dense_reference(problem, prep, it), atol=1e-9)
    res = arith.resources(problem, prep, 1)
    assert res["rounding_error_bound"] == 0.0
    assert res["num_qubits"] == n + res["num_value_qubits"]
    assert res["two_qubit_gates"] > 0


def test_arithmetic_oracle_quantizes_real_models():
    bqm = dimod.BQM({0: 0.31, 1: -0.72, 2: 0.05}, {(0, 1): 0.44, (1, 2): -0.13}, 0.0, "BINARY")
    problem = SearchProblem(bqm, -0.3)
    res = PennyLaneBackend(oracle="arithmetic", bits=6).resources(
        problem, Preparation("uniform"), 1
    )
    assert 0 < res["rounding_error_bound"] < 3
    # the quantized marks equal the exact ones here (no energy within the error of -0.3)
    p = PennyLaneBackend(oracle="arithmetic", bits=6).probabilities(
        problem, Preparation("uniform"), 1
    )
    np.testing.assert_allclose(p, dense_reference(problem, Preparation("uniform"), 1), atol=1e-9)


def test_size_limit_names_qubits_and_limit():
    problem = SearchProblem(random_bqm(5, "SPIN", 1), 0.0)
    with pytest.raises(TooManyQubitsError, match=r"needs 5 qubits .* limited to 4"):
        PennyLaneBackend(max_qubits=4).probabilities(problem, Preparation("uniform"), 1)
    arith = PennyLaneBackend(oracle="arithmetic", max_qubits=6)
    q = arith.num_qubits(SearchProblem(random_bqm(5, "SPIN", 1, integer=True), 0.0))
    assert q > 6
    with pytest.raises(TooManyQubitsError, match=rf"needs {q} qubits"):
        arith.check_size(SearchProblem(random_bqm(5, "SPIN", 1, integer=True), 0.0))


def test_bad_arguments():
    problem = SearchProblem(random_bqm(3, "SPIN", 2), 0.0)
    # bad iterates, shots and seeds: the backend kit (tests/test_backend_kit.py)
    with pytest.raises(InputError, match="unknown pennylane oracle"):
        PennyLaneBackend(oracle="qft")
    assert PennyLaneBackend(oracle="arithmetic").num_qubits(problem) > problem.num_variables
