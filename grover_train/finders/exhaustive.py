"""The ``exact`` finder: exhaustive search, every one of the 2^n states is enumerated (the
reference every other finder is checked against). Not to be confused with the coherent search's
``exact`` backend, which computes amplitude amplification analytically.

Streamed (:mod:`grover_train.enumeration`): one pass for the block minima and head count,
then only the blocks that can hold the ``max_heads`` lowest heads; memory O(block + max_heads).
"""

from __future__ import annotations

import numpy as np

from grover_train.enumeration import MAX_STREAM_VARIABLES, states_to_samples
from grover_train.finders.base import FindResult, HeadFinder
from grover_train.finders.search_problem import SearchProblem


class ExhaustiveFinder(HeadFinder):
    """Enumerate all 2^n states; return the ``max_heads`` lowest heads. Costs 2^n queries
    (one energy evaluation per state), whatever the budget: it is the reference, not a
    contender.

    >>> import dimod
    >>> bqm = dimod.BQM({0: -1.0}, {}, 0.0, 'SPIN')
    >>> ExhaustiveFinder().sample(bqm, threshold=0.0).record.sample.tolist()
    [[1]]
    """

    name = "exact"
    max_variables = MAX_STREAM_VARIABLES

    def _find(self, problem: SearchProblem, budget, rng, max_heads=1, **kw) -> FindResult:
        n_marked = problem.num_heads()
        z = problem.lowest_heads(max_heads)[0] if n_marked else np.empty(0, dtype=np.int64)
        rows = states_to_samples(z, problem.num_variables, problem.bqm.vartype)
        return FindResult(
            [rows], queries=2**problem.num_variables, info={"num_heads_total": n_marked}
        )
