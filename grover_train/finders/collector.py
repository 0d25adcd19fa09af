"""Counting the reads of a sampling finder one after another (the annealers and ``random``).

Reads run in batches for speed but are *counted as if run one after another*: a search stops at
the read that yields the ``max_heads``-th distinct head, and the reads after it in the same
batch are neither counted nor returned (so ``queries`` is the number of reads a
one-read-at-a-time machine would have needed). ``info['reads_run']`` holds the reads computed.
"""

from __future__ import annotations

import numpy as np

from grover_train.finders.base import FindResult
from grover_train.finders.search_problem import SearchProblem


class ReadCollector:
    """Keeps distinct heads in read order and counts reads sequentially.

    >>> import dimod
    >>> p = SearchProblem(dimod.BQM({0: -1.0}, {}, 0.0, 'SPIN'), threshold=0.0)
    >>> col = ReadCollector(p, budget=10, max_heads=1)
    >>> col.add(np.array([[-1], [1], [1]], dtype=np.int8))
    >>> col.queries, col.done, col.result().samples[0].tolist()
    (2, True, [[1]])
    """

    def __init__(self, problem: SearchProblem, budget: int, max_heads: int) -> None:
        self.problem = problem
        self.budget = budget
        self.max_heads = max_heads
        self.queries = 0
        self.reads_run = 0
        self.seen: set[bytes] = set()
        self.found: list[np.ndarray] = []
        self.best_energy = np.inf
        self.best_state: np.ndarray | None = None

    @property
    def done(self) -> bool:
        # A model without variables has one state: one read shows it.
        exhausted = self.problem.num_variables == 0 and self.reads_run > 0
        return exhausted or self.queries >= self.budget or len(self.seen) >= self.max_heads

    def next_batch(self, num_reads: int) -> int:
        """How many reads the next batch may run (at most ``num_reads``, within the budget)."""
        return min(num_reads, self.budget - self.queries)

    def add(
        self, rows: np.ndarray, energies: np.ndarray | None = None, reads: int | None = None
    ) -> None:
        """Add a batch of reads (rows in the problem's vartype, in read order); ``reads`` is
        the number of reads the batch cost when the sampler returned fewer rows. Without
        ``energies`` they are computed with ``bqm.energies`` (and then decide the heads too)."""
        k = rows.shape[0]
        reads = k if reads is None else max(int(reads), k)
        self.reads_run += reads
        if k == 0:
            self.queries += reads
            return
        if energies is None:
            energies = self.problem.bqm.energies((rows, self.problem.variables))
            heads = np.flatnonzero(self.problem.is_head(rows, energies))
        else:  # a sampler's own energies: the heads are decided with dimod's
            heads = np.flatnonzero(self.problem.is_head(rows))
        stop = reads
        for i in heads:
            key = rows[i].tobytes()
            if key not in self.seen:
                self.seen.add(key)
                self.found.append(rows[i : i + 1].copy())
                if len(self.seen) >= self.max_heads:
                    stop = int(i) + 1
                    break
        self.queries += stop
        i = int(np.argmin(energies[:stop]))
        if energies[i] < self.best_energy:
            self.best_energy = float(energies[i])
            self.best_state = rows[i].copy()

    def result(self, **info) -> FindResult:
        """The heads, the reads counted as queries, and ``reads_run``, ``best_energy`` and
        ``info`` for ``SampleSet.info``."""
        best = self.best_energy if np.isfinite(self.best_energy) else None  # None: no read
        info = {"reads_run": self.reads_run, "best_energy": best, **info}
        return FindResult(self.found, queries=self.queries, info=info)


__all__ = ["ReadCollector"]
