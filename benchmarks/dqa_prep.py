"""(d) The DQA preparation A|0> (p = 10 steps) at n = 20: our statevector vs Aer on the same
circuit.

Ours: ``get_backend("statevector").probabilities(problem, Preparation("dqa", steps=10), 0)`` on a
cold problem (its time includes enumerating the 2^n energies for the phase diagonal). Aer: the
circuit ``prep_circuit(bqm, prep)`` (RZ, RZZ per coupling, RX per qubit and step) with
``save_probabilities``, transpiled to Aer's target (transpile timed separately) and run with the
statevector method.
"""

from __future__ import annotations

import time

import numpy as np

from benchmarks.common import median_time, table, verdict
from benchmarks.simulators import sk_bqm

TITLE = "(d) DQA preparation (p = 10): our statevector vs Aer on the same circuit"


def main(quick: bool = False) -> list[str]:
    from qiskit import transpile
    from qiskit_aer import AerSimulator

    from grover_train.finders.coherent.backends import get_backend
    from grover_train.finders.coherent.circuits import prep_circuit
    from grover_train.finders.coherent.prep import Preparation
    from grover_train.finders.search_problem import SearchProblem

    n = 14 if quick else 20
    repeat = 3
    prep = Preparation("dqa", steps=10)
    bqm = sk_bqm(n, seed=n)
    print(TITLE)
    print(
        f"instance: dense SK spin glass n={n} ({n * (n - 1) // 2} couplings), steps=10, "
        f"dt={prep.dt}; median of {repeat} runs"
    )
    backend = get_backend("statevector")
    t_ours, p_ours = median_time(
        lambda: backend.probabilities(SearchProblem(bqm, 0.0), prep, 0), repeat
    )
    warm = SearchProblem(bqm, 0.0)
    _ = warm.energies
    t_warm, _ = median_time(lambda: prep.statevector(_fresh(warm, bqm)), repeat)

    qc = prep_circuit(bqm, prep)
    sim = AerSimulator(method="statevector")
    t0 = time.perf_counter()
    tq = transpile(qc, target=sim.target, optimization_level=0)
    tq.save_probabilities(range(n), label="p")
    t_transpile = time.perf_counter() - t0
    t_aer, res = median_time(lambda: sim.run(tq, shots=1).result(), repeat)
    p_aer = np.asarray(res.data(0)["p"], dtype=float)
    diff = float(np.max(np.abs(p_aer - p_ours)))
    gates = sum(qc.count_ops().values())
    ratio = t_aer / t_ours
    print(
        table(
            [
                "n",
                "gates",
                "ours s",
                "prep.statevector s (exact backend path)",
                "aer run s",
                "aer transpile s",
                "ratio aer/ours",
                "ratio (aer+transpile)/ours",
                "max |dP|",
            ],
            [
                [
                    n,
                    gates,
                    t_ours,
                    t_warm,
                    t_aer,
                    t_transpile,
                    ratio,
                    (t_aer + t_transpile) / t_ours,
                    diff,
                ]
            ],
        )
    )
    if quick:
        return []
    return [verdict("d (n=20, p=10: >= 3x faster than Aer)", ratio >= 3, f"{ratio:.1f}x")]


def _fresh(warm, bqm):
    from grover_train.finders.search_problem import SearchProblem

    p = SearchProblem(bqm, 0.0)
    p.cached(("energies",), lambda: warm.energies)
    return p


if __name__ == "__main__":
    for line in main():
        print(line)
