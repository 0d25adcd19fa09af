"""Shared pieces of the benchmarks: instances, timing, tables, and the GroverOptimizer runner.

Every benchmark compares our code with a reference side by side in one run and prints the
ratios. Timings are wall-clock seconds on this machine (``time.perf_counter``); they are noisy
on a shared machine, so each benchmark prints how many repetitions it took the median of.
"""

from __future__ import annotations

import statistics
import time
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import dimod
import numpy as np

#: GroverOptimizer's stopping rule: searches without improvement before it stops (the value
#: used in qiskit-optimization's own Grover optimizer tutorial)
GO_NUM_ITERATIONS = 10


def random_qubo(n: int, seed: int, low: int = -10, high: int = 10) -> np.ndarray:
    """Dense upper-triangular integer QUBO matrix (diagonal = linear), entries in [low, high].

    >>> random_qubo(3, 0).shape
    (3, 3)
    """
    rng = np.random.default_rng(seed)
    return np.triu(rng.integers(low, high + 1, size=(n, n))).astype(np.int64)


def qubo_bqm(Q: np.ndarray) -> dimod.BinaryQuadraticModel:
    """The QUBO as a BINARY BQM with variables 0..n-1 (offset 0).

    >>> float(qubo_bqm(np.array([[1, -2], [0, 3]])).energy({0: 1, 1: 1}))
    2.0
    """
    n = len(Q)
    lin = {i: float(Q[i, i]) for i in range(n)}
    quad = {(i, j): float(Q[i, j]) for i in range(n) for j in range(i + 1, n) if Q[i, j]}
    return dimod.BQM(lin, quad, 0.0, "BINARY")


def qubo_energies(Q: np.ndarray) -> np.ndarray:
    """All 2^n energies, index bit i = x_i (the project's little-endian convention)."""
    n = len(Q)
    z = np.arange(2**n)
    b = ((z[:, None] >> np.arange(n)) & 1).astype(np.int64)
    return np.einsum("zi,ij,zj->z", b, Q, b)


def go_value_qubits(E: np.ndarray) -> int:
    """The fewest value qubits that keep GroverOptimizer correct on an instance.

    GroverOptimizer loads v = E(x) - t in two's complement, with thresholds t from 0 (its
    start, E(0) = 0 for our QUBOs) down to the minimum. v never wraps iff
    2^(m-1) - 1 >= E_max - E_min and 2^(m-1) >= -E_min. We compute m from the exact energy
    range (by enumeration), the most favourable choice for GroverOptimizer; a user without the
    range must guess larger.

    >>> go_value_qubits(np.array([0, -15, 3, 7]))
    6
    """
    lo, hi = int(E.min()), int(E.max())
    m = 1
    while not (2 ** (m - 1) - 1 >= hi - lo and 2 ** (m - 1) >= -min(lo, 0)):
        m += 1
    return m


def quadratic_program(Q: np.ndarray):
    """The QUBO as a qiskit-optimization ``QuadraticProgram`` (minimise)."""
    from qiskit_optimization import QuadraticProgram

    n = len(Q)
    qp = QuadraticProgram("qubo")
    for i in range(n):
        qp.binary_var(f"x{i}")
    quad = {(f"x{i}", f"x{j}"): int(Q[i, j]) for i in range(n) for j in range(i + 1, n)}
    qp.minimize(linear=[int(Q[i, i]) for i in range(n)], quadratic=quad)
    return qp


@dataclass(frozen=True)
class GORun:
    """One GroverOptimizer search: its answer, whether it is optimal, wall time, circuits."""

    fval: float
    success: bool
    seconds: float
    circuits: int
    value_qubits: int


_GO_CACHE: dict[tuple, GORun] = {}


def run_grover_optimizer(Q: np.ndarray, seed: int) -> GORun:
    """Solve the QUBO with qiskit-optimization's GroverOptimizer on Aer's SamplerV2.

    Set up as its documentation shows: Aer ``SamplerV2`` (seeded), a preset pass manager for
    ``AerSimulator`` (GroverOptimizer builds high-level gates Aer cannot run untranspiled),
    ``num_iterations`` = :data:`GO_NUM_ITERATIONS`, value qubits from :func:`go_value_qubits`.
    It draws its random rotation counts from the global ``algorithm_globals`` (seeded here).
    Results are cached per (instance, seed) so that benchmarks a and b share the same runs.
    """
    key = (Q.tobytes(), Q.shape, seed)
    if key in _GO_CACHE:
        return _GO_CACHE[key]
    from qiskit.transpiler import generate_preset_pass_manager
    from qiskit_aer import AerSimulator
    from qiskit_aer.primitives import SamplerV2
    from qiskit_optimization.algorithms import GroverOptimizer
    from qiskit_optimization.utils import algorithm_globals

    E = qubo_energies(Q)
    m = go_value_qubits(E)
    qp = quadratic_program(Q)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # algorithm_globals deprecation chatter
        t0 = time.perf_counter()
        algorithm_globals.random_seed = seed
        pm = generate_preset_pass_manager(optimization_level=1, backend=AerSimulator())
        go = GroverOptimizer(
            m, num_iterations=GO_NUM_ITERATIONS, sampler=SamplerV2(seed=seed), pass_manager=pm
        )
        res = go.solve(qp)
        seconds = time.perf_counter() - t0
    run = GORun(
        fval=float(res.fval),
        success=bool(res.fval == E.min()),
        seconds=seconds,
        circuits=len(res.operation_counts),
        value_qubits=m,
    )
    _GO_CACHE[key] = run
    return run


def median_time(fn: Callable[[], object], repeat: int = 3) -> tuple[float, object]:
    """Median wall time of ``repeat`` calls and the last result."""
    times, out = [], None
    for _ in range(max(1, repeat)):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), out


def table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """A plain fixed-width text table.

    >>> print(table(["a", "bb"], [[1, 2.5]]))
    a  bb
    -  ---
    1  2.5
    """
    cells = [[str(h) for h in headers]] + [[fmt(c) for c in r] for r in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in cells]
    lines.insert(1, "  ".join("-" * w for w in widths).rstrip())
    return "\n".join(lines)


def fmt(x: object) -> str:
    """Numbers to short strings (3 significant digits for floats)."""
    if isinstance(x, bool):
        return str(x)
    if isinstance(x, float | np.floating):
        if x == 0 or 1e-3 <= abs(x) < 1e5:
            return f"{x:.3g}"
        return f"{x:.2e}"
    return str(x)


def verdict(name: str, ok: bool, detail: str) -> str:
    """One line stating whether a target is met."""
    return f"TARGET {name}: {'MET' if ok else 'MISSED'} ({detail})"
