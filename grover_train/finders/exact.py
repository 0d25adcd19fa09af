"""``exact``: full enumeration (the reference every other finder is checked against)."""

from __future__ import annotations

import numpy as np

from grover_train.finders.base import FindResult, HeadFinder
from grover_train.finders.problem import SearchProblem
from grover_train.model.landscape import MAX_ENUMERATION_VARIABLES, states_to_samples


class ExactFinder(HeadFinder):
    """Enumerate all 2^n states; return the ``max_heads`` lowest heads. Costs 2^n queries
    (one energy evaluation per state), whatever the budget: it is the reference, not a
    contender.

    >>> import dimod
    >>> bqm = dimod.BQM({0: -1.0}, {}, 0.0, 'SPIN')
    >>> ExactFinder().sample(bqm, threshold=0.0).record.sample.tolist()
    [[1]]
    """

    name = "exact"
    max_variables = MAX_ENUMERATION_VARIABLES

    def _find(self, problem: SearchProblem, budget, rng, max_heads=1, **kw) -> FindResult:
        z = np.flatnonzero(problem.marked)
        order = np.argsort(problem.energies[z], kind="stable")[:max_heads]
        rows = states_to_samples(z[order], problem.num_variables, problem.bqm.vartype)
        n_marked = int(z.size)
        return FindResult(
            [rows], queries=2**problem.num_variables, info={"num_heads_total": n_marked}
        )
