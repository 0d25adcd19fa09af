"""``random``: uniform random sampling, the classical repetition of the uniform preparation."""

from __future__ import annotations

import numpy as np

from grover_train.finders.base import FindResult, HeadFinder, batch_rng
from grover_train.finders.batch import BatchHeads, BatchLandscape, search_rounds
from grover_train.finders.collector import ReadCollector
from grover_train.finders.search_problem import SearchProblem


class RandomFinder(HeadFinder):
    """Draw uniform random states until ``max_heads`` distinct heads are seen or the budget
    is spent. One query = one energy evaluation; reads are counted one after another as for
    the annealers (:class:`~grover_train.finders.collector.ReadCollector`).

    >>> import dimod
    >>> bqm = dimod.BQM({0: -1.0, 1: -1.0}, {}, 0.0, 'SPIN')
    >>> ss = RandomFinder().sample(bqm, threshold=-1.5, budget=100, seed=0)
    >>> ss.record.sample.tolist(), ss.info['queries'] <= 100
    ([[1, 1]], True)
    >>> RandomFinder().sample(dimod.BQM('SPIN'), budget=100).info['queries']  # one state
    1
    """

    name = "random"
    batch = 4096

    def _find(self, problem: SearchProblem, budget, rng, max_heads=1, **kw) -> FindResult:
        n = problem.num_variables
        spin = problem.bqm.vartype.name == "SPIN"
        col = ReadCollector(problem, budget, max_heads)
        while not col.done:
            k = col.next_batch(self.batch if n else 1)  # no variables: one state, one read
            rows = rng.integers(0, 2, size=(k, n), dtype=np.int8)
            col.add(2 * rows - 1 if spin else rows)
        return col.result()

    def find_batch(
        self, landscapes: BatchLandscape, *, budget: int, seed=None, max_heads: int = 1
    ) -> BatchHeads:
        """Uniform reads for every landscape of the batch at once, counted one after another
        as in ``sample`` (another random stream, the same distribution).

        >>> land = BatchLandscape(np.array([[-1.0, -1.0]]), np.zeros(0, int), np.zeros(0, int),
        ...                       np.zeros(0), np.array([-1.5]), np.zeros(0, int),
        ...                       np.zeros((1, 0), int))
        >>> [h.tolist() for h in RandomFinder().find_batch(land, budget=50, seed=0).heads]
        [[[1, 1]]]
        """
        rng = batch_rng(seed)
        n = landscapes.num_variables

        def draw(idx, k, best):
            states = 2 * rng.integers(0, 2, size=(len(idx), k, n), dtype=np.int8) - 1
            return states.astype(np.int8)

        return search_rounds(
            landscapes, budget, max_heads, lambda active: max(1, self.batch // active), draw
        )
