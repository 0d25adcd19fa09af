"""``oracle``: a finder that knows every head and draws from the preparation's distribution.

It is not a search method but the reference of the training-level replay (docs/measuring.md):
training with it gives a trajectory that never depends on a finder's misses, and each search
method's cost is then assigned to that trajectory. The heads are enumerated exactly; the
returned heads are drawn (without replacement) from the preparation's conditional distribution
over the heads: uniform over the heads for ``prep="uniform"``, |<s|A|0>|^2 / p_A for ``dqa``.

Queries: one (the classical check of the returned state). ``info`` records ``num_heads_total``
(every head of the landscape), ``p_uniform`` and ``p_prep`` (P_A(heads) of the preparation),
so that a replay can charge any method its exact cost.
"""

from __future__ import annotations

import numpy as np

from grover_train.enumeration import MAX_ENUMERATION_VARIABLES, states_to_samples
from grover_train.finders.base import FindResult, HeadFinder
from grover_train.finders.search_problem import SearchProblem


class OracleFinder(HeadFinder):
    """Exact heads, drawn from the preparation's conditional distribution over the heads.

    Args:
        prep: ``"uniform"`` or ``"dqa"``.
        steps, dt: the dqa ramp (see :class:`grover_train.finders.coherent.prep.Preparation`).

    Raises:
        UnknownNameError: an unknown preparation.
        InputError: bad ``steps`` or ``dt``; a model above
            :data:`~grover_train.enumeration.MAX_ENUMERATION_VARIABLES` variables
            (:class:`~grover_train.errors.TooManyQubitsError`, at the search).

    >>> import dimod
    >>> bqm = dimod.BQM({0: 1.0, 1: -1.0}, {(0, 1): 0.5}, 0.0, 'SPIN')
    >>> ss = OracleFinder().sample(bqm, threshold=1.0, budget=1, seed=0)
    >>> ss.info['num_heads_total'], ss.info['p_uniform'], len(ss), ss.info['queries']
    (3, 0.75, 1, 1)
    """

    name = "oracle"
    max_variables = MAX_ENUMERATION_VARIABLES

    def __init__(self, prep: str = "uniform", steps: int = 8, dt: float = 0.8) -> None:
        from grover_train.finders.coherent.prep import Preparation

        self.prep = Preparation(prep, steps=steps, dt=dt)

    @property
    def properties(self) -> dict:
        return {**super().properties, "prep": self.prep.label()}

    def distribution(self, problem: SearchProblem) -> tuple[np.ndarray, np.ndarray]:
        """(head state indices, their conditional probabilities under the preparation)."""
        marked = np.flatnonzero(problem.marked)
        if self.prep.kind == "uniform":
            w = np.ones(marked.size)
        else:
            w = self.prep.probabilities(problem)[marked]
        total = w.sum()
        return marked, (w / total if total > 0 else w)

    def _find(self, problem: SearchProblem, budget, rng, max_heads=1, **kw) -> FindResult:
        marked, cond = self.distribution(problem)
        n = problem.num_variables
        if self.prep.kind == "uniform":
            p_prep = marked.size / 2.0**n
        else:
            p_prep = float(self.prep.probabilities(problem)[marked].sum())
        info = {
            "num_heads_total": int(marked.size),
            "p_uniform": marked.size / 2.0**n,
            "p_prep": p_prep,
            "prep": self.prep.label(),
        }
        if marked.size == 0:
            return FindResult([], queries=1, info=info)
        k = min(int(max_heads), marked.size)
        z = rng.choice(marked, size=k, replace=False, p=cond)
        rows = states_to_samples(z, n, problem.bqm.vartype)
        return FindResult([rows], queries=1, info=info)


__all__ = ["OracleFinder"]
