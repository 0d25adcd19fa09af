"""The ``anneal`` preparation: amplitude amplification over an annealer's output distribution.

A is a coherent version of simulated annealing (the training finder ``sa``'s reads, ``steps``
Metropolis sweeps on the dwave-samplers schedule): measuring A|0> gives a state distributed as
one annealing read. Amplitude amplification then raises the share of heads among the reads;
since A is an annealer, every application of A or A^dagger costs one read, so a round with r
iterates costs r oracle calls + the check + 2r + 1 reads (docs/coherent.md).

Simulation (exact backend): the two-level formula needs p_A, the share of reads that are heads,
and the reads' distribution inside heads and non-heads. Both are estimated from a pool of reads
of the landscape, drawn once per landscape and grown (doubling) until it holds
:data:`POOL_MIN_HEADS` heads at the round's threshold or :data:`POOL_MAX_READS` reads: a measured
head is a uniformly drawn head of the pool, a miss a uniformly drawn non-head. The pool's reads
are the simulator's work, not queries; p_A is estimated to about 1/sqrt(POOL_MIN_HEADS)
relative error, and p_A below 1/POOL_MAX_READS reads as 0 (no round then finds a head: a
pessimistic simulation for those landscapes).
"""

from __future__ import annotations

import numpy as np

from grover_train.finders.search_problem import SearchProblem

#: the pool grows until it holds this many heads at the round's threshold ...
POOL_MIN_HEADS = 16
#: ... or this many reads
POOL_MAX_READS = 2048
#: reads added at a time
POOL_CHUNK = 64


class ReadPool:
    """Annealing reads of one landscape (SPIN rows in ``problem.variables`` order), grown on
    demand, with the head mask per threshold.

    >>> import dimod
    >>> bqm = dimod.BQM({0: -1.0, 1: -1.0}, {(0, 1): -1.0}, 0.0, 'SPIN')
    >>> pool = ReadPool(SearchProblem(bqm, threshold=-2.5), sweeps=10)
    >>> p, heads, rest = pool.split(-2.5, np.random.default_rng(0))
    >>> p, set(heads.tolist()), rest.size, pool.reads    # every read finds the ground state
    (1.0, {3}, 0, 64)
    """

    def __init__(self, problem: SearchProblem, sweeps: int) -> None:
        from grover_train.finders.annealing import default_beta_range
        from grover_train.finders.ising import ising_arrays

        self.problem = problem
        self.arrays = ising_arrays(problem)
        lo, hi = default_beta_range(*self.arrays[:4])
        self.betas = np.array([hi]) if sweeps == 1 else np.geomspace(lo, hi, sweeps)
        n = problem.num_variables
        self.rows = np.empty((0, n), dtype=np.int8)
        self.energies = np.empty(0)
        self.z = np.empty(0, dtype=np.int64)
        self._masks: dict[float, np.ndarray] = {}

    @property
    def reads(self) -> int:
        return len(self.energies)

    def _grow(self, rng: np.random.Generator) -> None:
        """Add as many reads as the pool holds (at least :data:`POOL_CHUNK`, at most up to
        :data:`POOL_MAX_READS`): few kernel calls; the cached masks are extended, not redone."""
        from grover_train.finders.annealing import _random_spins, anneal, sa_seed

        n = self.problem.num_variables
        k = min(max(POOL_CHUNK, self.reads), POOL_MAX_READS - self.reads)
        states, e = anneal(*self.arrays[:4], self.betas, sa_seed(rng), _random_spins(rng, k, n))
        e = e + self.arrays[4]
        self.rows = np.concatenate([self.rows, states])
        self.energies = np.concatenate([self.energies, e])
        self.z = np.concatenate([self.z, _states(states)])
        for t in self._masks:
            self._masks[t] = np.concatenate([self._masks[t], self._heads(t, states, e)])

    def _heads(self, threshold: float, rows: np.ndarray, energies: np.ndarray) -> np.ndarray:
        p = self.problem.with_threshold(threshold)
        rows = rows if p.bqm.vartype.name == "SPIN" else (rows + 1) // 2
        return p.is_head(rows, energies)

    def mask(self, threshold: float) -> np.ndarray:
        """Which reads of the pool are heads at ``threshold``."""
        if threshold not in self._masks:
            self._masks[threshold] = self._heads(threshold, self.rows, self.energies)
        return self._masks[threshold]

    def split(
        self, threshold: float, rng: np.random.Generator
    ) -> tuple[float, np.ndarray, np.ndarray]:
        """(estimated p_A, head states, non-head states) at ``threshold``; the states are
        indices z (bit i: variable i is +1), one per read."""
        if self.problem.num_variables == 0:
            z = np.zeros(1, dtype=np.int64)
            head = bool(self.problem.with_threshold(threshold).is_head(np.zeros((1, 0)))[0])
            return (1.0, z, z[:0]) if head else (0.0, z[:0], z)
        while self.reads < POOL_MAX_READS and int(self.mask(threshold).sum()) < POOL_MIN_HEADS:
            self._grow(rng)
        m = self.mask(threshold)
        return float(m.mean()), self.z[m], self.z[~m]


def _states(rows: np.ndarray) -> np.ndarray:
    return ((rows > 0).astype(np.int64) << np.arange(rows.shape[1])).sum(axis=1)


def read_pool(problem: SearchProblem, sweeps: int) -> ReadPool:
    """The pool of ``problem``'s landscape (cached on it, shared by every threshold)."""
    return problem.cached(("anneal-pool", sweeps), lambda: ReadPool(problem, sweeps))


def sample_anneal(
    problem: SearchProblem, sweeps: int, p_head: float, shots: int, rng: np.random.Generator
) -> np.ndarray:
    """``shots`` measured states of a round whose head probability is ``p_head``: a head of the
    pool with that probability, else a non-head."""
    _, heads, rest = read_pool(problem, sweeps).split(problem.threshold, rng)
    hit = rng.random(shots) < p_head
    out = np.empty(shots, dtype=np.int64)
    if hit.any():
        out[hit] = heads[rng.integers(0, heads.size, int(hit.sum()))]
    if (~hit).any():
        out[~hit] = rest[rng.integers(0, rest.size, int((~hit).sum()))]
    return out


__all__ = ["POOL_MAX_READS", "POOL_MIN_HEADS", "ReadPool", "read_pool", "sample_anneal"]
