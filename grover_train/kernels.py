"""Compiled kernels (numba) of the training hot path, where no library has the loop:
batched Metropolis annealing and the exact training error.

Batched annealing: many landscapes that share their couplings, one call.

Training searches every sample of a mini-batch in a landscape whose couplings are the network's
weights (the same for every sample) and whose fields depend on the sample. dwave-samplers'
routine takes one landscape per call and spends about 65 us per call converting its inputs
(42 spins, 320 couplers; ``make bench`` measures it), ten times the cost of one read, so
training calls it through this kernel instead: one call anneals every read of every sample,
each sample with its own beta schedule, as a numba-compiled loop.

The algorithm is the one of :class:`dwave.samplers.SimulatedAnnealingSampler`: sequential
sweeps over the variables in index order, a Metropolis acceptance of each single-spin flip
at the schedule's beta, local fields updated on every flip. The random numbers differ (numba's
Mersenne Twister seeded per call), so results agree in distribution, not read by read
(``tests/test_batch_search.py`` checks it).
"""

from __future__ import annotations

import numba
import numpy as np

#: beta * dE above this accepts with probability below 4e-18: no random number is drawn
_SKIP = 40.0


@numba.njit(cache=True, nogil=True)
def _anneal_batch(fields, indptr, indices, data, betas, sweeps_per_beta, states, seed):
    np.random.seed(seed)
    B, R, n = states.shape
    T = betas.shape[1]
    lf = np.empty(n)
    for b in range(B):
        h = fields[b]
        for r in range(R):
            s = states[b, r]
            for i in range(n):
                acc = h[i]
                for k in range(indptr[i], indptr[i + 1]):
                    acc += data[k] * s[indices[k]]
                lf[i] = acc
            for t in range(T):
                beta = betas[b, t]
                for _ in range(sweeps_per_beta):
                    for i in range(n):
                        # flipping s_i changes the energy by -2 s_i (h_i + sum_j J_ij s_j)
                        dE = -2.0 * s[i] * lf[i]
                        if dE > 0.0:
                            x = beta * dE
                            if x > _SKIP or np.random.random() >= np.exp(-x):
                                continue
                        s[i] = -s[i]
                        two_s = 2.0 * s[i]
                        for k in range(indptr[i], indptr[i + 1]):
                            lf[indices[k]] += two_s * data[k]


def couplings_csr(
    irow: np.ndarray, icol: np.ndarray, J: np.ndarray, n: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Symmetric CSR adjacency (indptr, indices, data) of the couplers ``J[k]`` on
    ``(irow[k], icol[k])`` over ``n`` spins.

    >>> p, i, d = couplings_csr(np.array([0]), np.array([2]), np.array([-1.5]), 3)
    >>> p.tolist(), i.tolist(), d.tolist()
    ([0, 1, 1, 2], [2, 0], [-1.5, -1.5])
    """
    rows = np.concatenate([irow, icol]).astype(np.int64)
    cols = np.concatenate([icol, irow]).astype(np.int64)
    vals = np.concatenate([J, J]).astype(np.float64)
    order = np.lexsort((cols, rows))
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.add.at(indptr, rows + 1, 1)
    return np.cumsum(indptr), cols[order], vals[order]


def anneal_batch(
    fields: np.ndarray,
    csr: tuple[np.ndarray, np.ndarray, np.ndarray],
    betas: np.ndarray,
    states: np.ndarray,
    seed: int,
    sweeps_per_beta: int = 1,
) -> np.ndarray:
    """Anneal ``states`` (B, R, n) of +-1 in place-free fashion: landscape b has fields
    ``fields[b]``, the shared couplings ``csr`` (:func:`couplings_csr`) and the schedule
    ``betas[b]``. Energies are sum h_i s_i + sum J_ij s_i s_j, dimod's SPIN convention.
    Returns the final states (int8, a new array).

    >>> csr = couplings_csr(np.array([0]), np.array([1]), np.array([-1.0]), 2)
    >>> betas = np.tile(np.geomspace(0.1, 5.0, 20), (1, 1))
    >>> out = anneal_batch(np.array([[-1.0, -1.0]]), csr, betas, -np.ones((1, 3, 2), np.int8), 1)
    >>> out.tolist()
    [[[1, 1], [1, 1], [1, 1]]]
    """
    work = np.array(states, dtype=np.int8, order="C", copy=True)
    if work.size == 0:
        return work
    indptr, indices, data = csr
    _anneal_batch(
        np.ascontiguousarray(fields, dtype=np.float64),
        indptr,
        indices,
        data,
        np.ascontiguousarray(betas, dtype=np.float64),
        int(sweeps_per_beta),
        work,
        int(seed) % 2**32,
    )
    return work


def batch_beta_ranges(
    fields: np.ndarray, irow: np.ndarray, icol: np.ndarray, J: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """dwave-samplers' default (hot, cold) beta range for every row of ``fields`` with shared
    couplings: :func:`grover_train.finders.annealing.default_beta_range` for a batch.

    >>> hot, cold = batch_beta_ranges(np.array([[1.0, 0.0]]), np.array([0]), np.array([1]),
    ...                               np.array([0.5]))
    >>> float(hot[0]), float(cold[0])
    (0.23104906018664842, 5.298317366548036)
    """
    B, n = fields.shape
    absJ = np.abs(J)
    coup = np.zeros(n)
    np.add.at(coup, irow, absJ)
    np.add.at(coup, icol, absJ)
    smallest_J = np.full(n, np.inf)
    nz = absJ != 0
    np.minimum.at(smallest_J, irow[nz], absJ[nz])
    np.minimum.at(smallest_J, icol[nz], absJ[nz])
    absh = np.abs(fields)
    total = absh + coup
    smallest = np.minimum(np.where(fields != 0, absh, np.inf), smallest_J)
    finite = np.isfinite(smallest)
    min_field = np.where(finite, smallest, np.inf).min(axis=1)
    count = np.sum(smallest == min_field[:, None], axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        hot = np.log(2) / (2 * total.max(axis=1)) if n else np.full(B, 0.1)
        cold = np.log(count / 0.01) / (2 * min_field)
    flat = ~np.isfinite(min_field)  # all biases zero: every state has the same energy
    hot = np.where(flat, 0.1, hot)
    cold = np.where(flat, 1.0, cold)
    return hot, cold


def schedules(lo: np.ndarray, hi: np.ndarray, num: int, kind: str = "geometric") -> np.ndarray:
    """One beta schedule per row, from ``lo`` to ``hi`` in ``num`` steps (``num == 1``: the
    cold end only), as :class:`~grover_train.finders.annealing.SAFinder` builds its own.

    >>> schedules(np.array([0.1]), np.array([10.0]), 3).round(6).tolist()
    [[0.1, 1.0, 10.0]]
    """
    lo, hi = np.asarray(lo, dtype=float), np.asarray(hi, dtype=float)
    if num == 1:
        return hi[:, None].copy()
    if kind == "linear":
        return np.linspace(lo, hi, num, axis=1)
    return np.geomspace(lo, hi, num, axis=1)


@numba.njit(cache=True, nogil=True)
def _clamped_gaps(F, UY, cY, own, out_own, out_other):
    N, H = F.shape
    K = UY.shape[0]
    for i in range(N):
        best = np.inf
        mine = np.inf
        for y in range(K):
            g = -cY[y]
            for j in range(H):
                g -= abs(F[i, j] + UY[y, j])
            if y == own[i]:
                mine = g
            elif g < best:
                best = g
        out_own[i] = mine
        out_other[i] = best


def clamped_gaps(
    F: np.ndarray, UY: np.ndarray, cY: np.ndarray, own: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """For every row i: G(y) = -sum_j |F[i, j] + UY[y, j]| - cY[y] at ``y = own[i]``, and the
    minimum of G over every other y (the clamped-output energies of a one-layer network,
    :func:`grover_train.model.landscape.clamped_outputs_energy`, without the N x 2^C table).

    >>> mine, other = clamped_gaps(np.array([[1.0]]), np.array([[0.5], [-0.5]]),
    ...                            np.array([0.0, 1.0]), np.array([0]))
    >>> float(mine[0]), float(other[0])
    (-1.5, -1.5)
    """
    N = F.shape[0]
    out_own, out_other = np.empty(N), np.empty(N)
    _clamped_gaps(
        np.ascontiguousarray(F, dtype=np.float64),
        np.ascontiguousarray(UY, dtype=np.float64),
        np.ascontiguousarray(cY, dtype=np.float64),
        np.ascontiguousarray(own, dtype=np.int64),
        out_own,
        out_other,
    )
    return out_own, out_other


__all__ = ["anneal_batch", "clamped_gaps", "batch_beta_ranges", "couplings_csr", "schedules"]
