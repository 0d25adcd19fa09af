"""(a) Our Durr-Hoyer search on the ``exact`` backend vs qiskit-optimization's GroverOptimizer
on Aer, on the same random dense integer QUBOs (coefficients in [-10, 10]), n = 4, 6, 8.

Success = the search returns a state with the true minimum energy (found by enumeration).
Ours: ``get_finder("grover", schedule="dh", backend="exact")`` with a random start and the
budget 22.5 sqrt(2^n) queries (the search target's budget). GroverOptimizer: see
:func:`benchmarks.common.run_grover_optimizer`.
"""

from __future__ import annotations

import math
import statistics
import time

import numpy as np

from benchmarks.common import (
    GO_NUM_ITERATIONS,
    qubo_bqm,
    qubo_energies,
    random_qubo,
    run_grover_optimizer,
    table,
    verdict,
)

TITLE = "(a) dh search on 'exact' vs GroverOptimizer + Aer"


def dh_budget(n: int) -> int:
    """The query budget of one minimum-finding search: 22.5 sqrt(2^n)."""
    return math.ceil(22.5 * math.sqrt(2**n))


def run_dh(
    Q: np.ndarray, seeds, backend: str = "exact", budget: int | None = None, **backend_options
) -> dict:
    """Our dh searches on one instance: success count and wall seconds per search."""
    from grover_train.finders import get_finder
    from grover_train.finders.coherent.schedules import energy_upper_bound

    bqm = qubo_bqm(Q)
    E_min = float(qubo_energies(Q).min())
    finder = get_finder(
        "grover", schedule="dh", backend=backend, backend_options=backend_options or None
    )
    start = energy_upper_bound(bqm) + 1.0  # every state is below it: dh starts at random
    times, wins, queries = [], 0, []
    for seed in seeds:
        t0 = time.perf_counter()
        ss = finder.sample(
            bqm,
            threshold=start,
            budget=budget or dh_budget(len(Q)),
            seed=int(seed),
            random_start=True,
        )
        times.append(time.perf_counter() - t0)
        wins += int(ss.info["best_energy"] == E_min)
        queries.append(ss.info["queries"])
    return {"wins": wins, "runs": len(times), "times": times, "queries": queries}


def main(quick: bool = False) -> list[str]:
    sizes = (4, 6) if quick else (4, 6, 8)
    # GroverOptimizer runs (instance seeds x optimizer seeds) per n; n = 8 costs minutes each
    go_plan = {4: (3, 2), 6: (3, 2), 8: (3, 1)} if not quick else {4: (1, 1), 6: (1, 1)}
    ours_seeds = 10 if quick else 50
    print(TITLE)
    print(
        f"instances: dense upper-triangular integer QUBOs, entries uniform in [-10, 10]; "
        f"ours: {ours_seeds} seeds per instance, budget 22.5*sqrt(2^n) queries, random start; "
        f"GroverOptimizer: num_iterations={GO_NUM_ITERATIONS}, Aer SamplerV2, preset pass "
        "manager (optimization_level=1), value qubits = fewest that never wrap on the "
        "instance's exact energy range (most favourable to it)"
    )
    rows, verdicts = [], []
    for n in sizes:
        n_inst, n_go_seeds = go_plan[n]
        ours_t, ours_w, ours_r = [], 0, 0
        go_t, go_w, go_r, m_go = [], 0, 0, []
        for inst in range(n_inst):
            Q = random_qubo(n, seed=1000 * n + inst)
            res = run_dh(Q, range(ours_seeds))
            ours_t += res["times"]
            ours_w += res["wins"]
            ours_r += res["runs"]
            for s in range(n_go_seeds):
                go = run_grover_optimizer(Q, seed=s)
                go_t.append(go.seconds)
                go_w += int(go.success)
                go_r += 1
                m_go.append(go.value_qubits)
                print(
                    f"  n={n} instance {inst} GroverOptimizer seed {s}: "
                    f"{go.seconds:.2f} s, {go.circuits} circuits, optimal={go.success}",
                    flush=True,
                )
        t_ours, t_go = statistics.mean(ours_t), statistics.mean(go_t)
        ratio = t_go / t_ours
        rows.append(
            [
                n,
                f"{ours_w}/{ours_r}",
                t_ours,
                f"{go_w}/{go_r}",
                t_go,
                f"{min(m_go)}-{max(m_go)}",
                ratio,
            ]
        )
        if n == 8:
            ok = ratio >= 1000 and ours_w / ours_r >= go_w / go_r
            verdicts.append(
                verdict(
                    "a (n=8: >= 1000x faster, success >= GroverOptimizer's)",
                    ok,
                    f"{ratio:.0f}x, success {ours_w / ours_r:.2f} vs {go_w / go_r:.2f}",
                )
            )
    print(
        table(
            [
                "n",
                "ours success",
                "ours s/search",
                "GO success",
                "GO s/search",
                "GO value qubits",
                "speed ratio GO/ours",
            ],
            rows,
        )
    )
    return verdicts


if __name__ == "__main__":
    for line in main():
        print(line)
