"""``random``: uniform random sampling, the classical repetition of the uniform preparation."""

from __future__ import annotations

import numpy as np

from grover_train.finders.base import FindResult, HeadFinder
from grover_train.finders.problem import SearchProblem


class RandomFinder(HeadFinder):
    """Draw uniform random states until ``max_heads`` distinct heads are seen or the budget
    is spent. One query = one energy evaluation.

    >>> import dimod
    >>> bqm = dimod.BQM({0: -1.0, 1: -1.0}, {}, 0.0, 'SPIN')
    >>> ss = RandomFinder().sample(bqm, threshold=-1.5, budget=100, seed=0)
    >>> ss.record.sample.tolist(), ss.info['queries'] <= 100
    ([[1, 1]], True)
    """

    name = "random"
    batch = 4096

    def _find(self, problem: SearchProblem, budget, rng, max_heads=1, **kw) -> FindResult:
        n = problem.num_variables
        lo = -1 if problem.bqm.vartype.name == "SPIN" else 0
        used, found, seen = 0, [], set()
        while used < budget and len(seen) < max_heads:
            k = min(self.batch, budget - used)
            rows = rng.integers(0, 2, size=(k, n), dtype=np.int8)
            if lo == -1:
                rows = 2 * rows - 1
            heads = np.flatnonzero(problem.is_head(rows)) if n else np.array([], dtype=int)
            stop = k
            for i in heads:
                key = rows[i].tobytes()
                if key not in seen:
                    seen.add(key)
                    found.append(rows[i : i + 1])
                    if len(seen) >= max_heads:
                        stop = int(i) + 1
                        break
            used += stop
        return FindResult(found, queries=used)
