"""A mini-batch of head searches in numpy arrays: the training hot path of the finders.

Training searches every sample of a mini-batch for heads. The landscapes of one batch share
their couplings (the network's weights) and differ in their fields, thresholds and excluded
outputs, so :class:`BatchLandscape` keeps them as arrays and a finder searches all of them in
one call of :meth:`grover_train.finders.base.HeadFinder.find_batch`. No dimod model and no
``SampleSet`` is built per sample. A finder without a batched search answers through its
public ``sample`` (the reference path, one landscape at a time, the same seeds and heads as
before batching), so every finder trains the same way; ``sa``, ``cyclic-sa`` and ``random``
search the whole batch at once.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property

import dimod
import numpy as np


@dataclass(frozen=True)
class BatchLandscape:
    """B SPIN landscapes over the same n variables ``0..n-1`` with shared couplings.

    Energy of state s in landscape b: ``fields[b] @ s + sum_k J[k] s[irow[k]] s[icol[k]]``.
    A head of landscape b has energy below ``threshold[b]`` and does not take the values
    ``exclude_values[b]`` on the variables ``exclude_vars`` (the correct outputs).

    >>> land = BatchLandscape(np.array([[1.0, -1.0]]), np.array([0]), np.array([1]),
    ...                       np.array([0.5]), np.array([0.0]), np.array([1]), np.array([[1]]))
    >>> land.energies(np.array([[[-1, 1], [1, 1]]], dtype=np.int8)).tolist()
    [[-2.5, 0.5]]
    >>> land.is_head(np.array([[[-1, 1], [-1, -1]]], dtype=np.int8)).tolist()
    [[False, False]]
    """

    fields: np.ndarray
    irow: np.ndarray
    icol: np.ndarray
    J: np.ndarray
    threshold: np.ndarray
    exclude_vars: np.ndarray
    exclude_values: np.ndarray

    @property
    def size(self) -> int:
        """Number of landscapes B."""
        return int(self.fields.shape[0])

    @property
    def num_variables(self) -> int:
        return int(self.fields.shape[1])

    @cached_property
    def couplings(self) -> np.ndarray:
        """The couplings as an (n, n) matrix, J[k] at (irow[k], icol[k])."""
        n = self.num_variables
        M = np.zeros((n, n))
        np.add.at(M, (self.irow, self.icol), self.J)
        return M

    def energies(self, states: np.ndarray) -> np.ndarray:
        """Energies (B, R) of states (B, R, n) of +-1."""
        s = states.astype(np.float64)
        quad = np.einsum("brn,brn->br", s @ self.couplings, s)
        energies: np.ndarray = np.einsum("brn,bn->br", s, self.fields) + quad
        return energies

    def excluded(self, states: np.ndarray) -> np.ndarray:
        """(B, R): which states take the excluded values (the correct outputs)."""
        if self.exclude_vars.size == 0:
            return np.zeros(states.shape[:2], dtype=bool)
        hit: np.ndarray = np.all(
            states[:, :, self.exclude_vars] == self.exclude_values[:, None, :], axis=2
        )
        return hit

    def is_head(self, states: np.ndarray, energies: np.ndarray | None = None) -> np.ndarray:
        """(B, R): which states of (B, R, n) are heads of their landscape."""
        E = self.energies(states) if energies is None else energies
        heads: np.ndarray = (E < self.threshold[:, None]) & ~self.excluded(states)
        return heads

    def take(self, index: np.ndarray) -> BatchLandscape:
        """The landscapes ``index`` (an integer or boolean index) as a new batch."""
        return BatchLandscape(
            self.fields[index],
            self.irow,
            self.icol,
            self.J,
            self.threshold[index],
            self.exclude_vars,
            self.exclude_values[index],
        )

    def bqm(self, b: int) -> dimod.BinaryQuadraticModel:
        """Landscape ``b`` as a dimod model (variables ``0..n-1``)."""
        n = self.num_variables
        return dimod.BinaryQuadraticModel.from_numpy_vectors(
            self.fields[b], (self.irow, self.icol, self.J), 0.0, dimod.SPIN, variable_order=range(n)
        )

    def exclude(self, b: int) -> dict[int, int]:
        """The excluded assignment of landscape ``b`` as ``{variable: spin}``."""
        return {
            int(v): int(s) for v, s in zip(self.exclude_vars, self.exclude_values[b], strict=True)
        }


@dataclass
class BatchHeads:
    """What a batched search found: per landscape, the queries it counted and its heads.

    Attributes:
        queries: (B,) queries of each search (reads counted one after another).
        heads: per landscape, the distinct heads found as rows of +-1 (int8), lowest energy
            first, at most ``max_heads``.
        reads_run: reads actually computed (a batch may compute reads it does not count).
    """

    queries: np.ndarray
    heads: list[np.ndarray]
    reads_run: int = 0

    @property
    def found(self) -> np.ndarray:
        """(B,) which searches found at least one head."""
        return np.array([len(h) > 0 for h in self.heads], dtype=bool)


def first_heads(
    land: BatchLandscape,
    states: np.ndarray,
    allowed: np.ndarray,
    max_heads: int,
    seen: list[list[np.ndarray]],
) -> tuple[np.ndarray, np.ndarray]:
    """Count reads one after another in a batch of reads per landscape.

    ``states`` (B, R, n) are the reads of this round, ``allowed`` (B,) how many of them each
    search may still count, ``seen`` per landscape the heads already found (a list of rows,
    extended in place). Returns the reads counted per landscape (up to the read that gives
    the ``max_heads``-th distinct head) and the energies.

    >>> land = BatchLandscape(np.array([[-1.0]]), np.zeros(0, int), np.zeros(0, int),
    ...                       np.zeros(0), np.array([0.0]), np.zeros(0, int), np.zeros((1, 0)))
    >>> seen = [[]]
    >>> used, _ = first_heads(land, np.array([[[-1], [1], [1]]], np.int8), np.array([3]), 1, seen)
    >>> used.tolist(), [r.tolist() for r in seen[0]]
    ([2], [[1]])
    """
    E = land.energies(states)
    head = land.is_head(states, E)
    R = states.shape[1]
    valid = np.arange(R)[None, :] < allowed[:, None]
    head &= valid
    used = np.minimum(allowed, R).astype(np.int64)
    if max_heads == 1:
        hit = head.any(axis=1) & np.array([not s for s in seen])
        first = np.argmax(head, axis=1)
        for b in np.flatnonzero(hit):
            seen[b].append(states[b, first[b]].copy())
        used = np.where(hit, first + 1, used)
        return used, E
    for b in np.flatnonzero(head.any(axis=1)):
        keys = {r.tobytes() for r in seen[b]}
        for i in np.flatnonzero(head[b]):
            key = states[b, i].tobytes()
            if key in keys:
                continue
            keys.add(key)
            seen[b].append(states[b, i].copy())
            if len(seen[b]) >= max_heads:
                used[b] = i + 1
                break
    return used, E


def search_rounds(
    land: BatchLandscape,
    budget: int,
    max_heads: int,
    round_reads: Callable[[int], int],
    draw: Callable[[np.ndarray, int, np.ndarray | None], np.ndarray],
) -> BatchHeads:
    """Rounds of reads for every landscape still searching, until each has ``max_heads``
    distinct heads or has counted ``budget`` reads (counted one after another,
    :func:`first_heads`). ``round_reads(active)`` is the reads per landscape of a round with
    ``active`` landscapes still searching; ``draw(idx, k, best)`` returns that round's reads
    (len(idx), k, n) of the landscapes ``idx``, ``best`` the lowest state each has counted so
    far (None in the first round). A landscape without variables has one state: one read
    shows it.

    >>> land = BatchLandscape(np.array([[-1.0]]), np.zeros(0, int), np.zeros(0, int),
    ...                       np.zeros(0), np.array([0.0]), np.zeros(0, int), np.zeros((1, 0)))
    >>> found = search_rounds(land, 5, 1, lambda a: 2,
    ...                       lambda idx, k, best: -np.ones((len(idx), k, 1), np.int8))
    >>> found.queries.tolist(), found.heads[0].size
    ([5], 0)
    """
    B, n = land.size, land.num_variables
    used = np.zeros(B, dtype=np.int64)
    seen: list[list[np.ndarray]] = [[] for _ in range(B)]
    best = np.ones((B, n), dtype=np.int8)
    best_e = np.full(B, np.inf)
    reads_run = 0
    first = True
    active = np.ones(B, dtype=bool)
    while active.any():
        idx = np.flatnonzero(active)
        allowed = np.minimum(round_reads(len(idx)), budget - used[idx])
        k = int(allowed.max())
        states = draw(idx, k, None if first else best[idx])
        reads_run += int(allowed.sum())
        sub_seen = [seen[b] for b in idx]
        counted, E = first_heads(land.take(idx), states, allowed, max_heads, sub_seen)
        used[idx] += counted
        # the lowest state among the counted reads: where a restart begins
        masked = np.where(np.arange(k)[None, :] < counted[:, None], E, np.inf)
        j = np.argmin(masked, axis=1)
        low = masked[np.arange(len(idx)), j]
        better = low < best_e[idx]
        best_e[idx[better]] = low[better]
        best[idx[better]] = states[better, j[better]]
        done = (used[idx] >= budget) | np.array([len(h) >= max_heads for h in sub_seen])
        if n == 0:
            done[:] = True
        active[idx[done]] = False
        first = False
    return BatchHeads(used, sorted_heads(land, seen, max_heads), reads_run=reads_run)


def sorted_heads(
    land: BatchLandscape, seen: list[list[np.ndarray]], max_heads: int
) -> list[np.ndarray]:
    """Each landscape's heads as one array, lowest energy first (ties in row order), at most
    ``max_heads``."""
    out = []
    n = land.num_variables
    for b, rows in enumerate(seen):
        if not rows:
            out.append(np.empty((0, n), dtype=np.int8))
            continue
        if len(rows) == 1:
            out.append(rows[0][None, :].astype(np.int8))
            continue
        R = np.unique(np.vstack(rows).astype(np.int8), axis=0)
        E = land.take(np.array([b])).energies(R[None])[0]
        out.append(R[np.argsort(E, kind="stable")][:max_heads])
    return out


__all__ = ["BatchHeads", "BatchLandscape", "first_heads", "search_rounds", "sorted_heads"]
