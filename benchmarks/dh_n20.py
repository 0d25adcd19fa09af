"""Durr-Hoyer minimum finding on the ``exact`` backend at n = 20 (the search target: >= 95 % of
searches end in the ground state).

Random dense QUBOs with integer entries in [-10, 10], budget 22.5 sqrt(2^n) queries, random
start; prints how many searches end in the true ground state (found by enumeration) and the
wall time per search. Run: ``.venv/bin/python -m benchmarks.dh_n20``.
"""

from __future__ import annotations

import math

import dimod
import numpy as np

from grover_train.finders.coherent.grover import GroverFinder
from grover_train.finders.search_problem import SearchProblem


def main(n: int = 20, instances: int = 5, seeds: int = 20) -> str:
    """Run the searches and return the summary line."""
    budget = math.ceil(22.5 * math.sqrt(2**n))
    finder = GroverFinder(schedule="dh")
    wins, walls, queries = 0, [], []
    for inst in range(instances):
        rng = np.random.default_rng(inst)
        Q = {(i, j): float(rng.integers(-10, 11)) for i in range(n) for j in range(i, n)}
        bqm = dimod.BQM.from_qubo(Q)
        e_min = SearchProblem(bqm, 0.0).energies.min()
        for seed in range(seeds):
            ss = finder.sample(bqm, threshold=1e9, budget=budget, seed=seed, random_start=True)
            wins += int(ss.first.energy == e_min)
            walls.append(ss.info["wall_s"])
            queries.append(ss.info["queries"])
    return (
        f"n={n} dh on 'exact': ground state in {wins}/{instances * seeds} searches "
        f"({instances} QUBOs x {seeds} seeds), budget {budget} queries, mean queries "
        f"{np.mean(queries):.0f}, wall per search median {np.median(walls):.3f} s, "
        f"max {max(walls):.3f} s"
    )


if __name__ == "__main__":
    print(main())
