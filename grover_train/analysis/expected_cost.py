"""Exact expected cost of one search, per method, from the head probability p alone.

The replay used to charge one random draw per visit; most of the width of its intervals was
that added noise. Where the cost distribution is known, its expectation is exact:

- classical repetition of A: Geometric(p), mean 1 / p;
- BBHT amplitude amplification (the ``bbht`` schedule, growth ``lam`` = 6/5): round k has
  M_k = ceil(m_k) with m_k = min(lam^k, sqrt(2^n)); r is uniform on {0, ..., M_k - 1}, costs
  r + 1 queries (mean (M_k + 1) / 2) and succeeds with sin^2((2r + 1) theta), sin^2 theta = p,
  whose average over r is P_k = 1/2 - sin(4 M_k theta) / (4 M_k sin 2 theta). The expected cost
  is sum_k S_k (M_k + 1) / 2 with S_k = prod_{j<k} (1 - P_j) the chance of reaching round k;
  once m_k has reached sqrt(2^n) the rounds repeat, and the tail is a geometric series.

The sampled costs (:func:`grover_train.studies.replay.classical_costs`,
:func:`~grover_train.studies.replay.bbht_costs`) stay as the check that these are right
(``tests/test_replay.py``).
"""

from __future__ import annotations

import math

import numpy as np

#: BBHT growth factor (the ``bbht`` schedule's default)
BBHT_LAMBDA = 6 / 5


def expected_classical(p: np.ndarray) -> np.ndarray:
    """Mean queries of classical repetition to the first head, 1 / p (0 where p = 0).

    >>> expected_classical(np.array([0.5, 0.0, 0.01])).tolist()
    [2.0, 0.0, 100.0]
    """
    p = np.asarray(p, dtype=float)
    return np.where(p > 0, 1.0 / np.where(p > 0, np.minimum(p, 1.0), 1.0), 0.0)


def round_success(p: float, M: int) -> float:
    """P(head) of one BBHT round with r uniform on {0, ..., M - 1}: the mean over r of
    sin^2((2r + 1) theta), sin^2 theta = p.

    >>> round(round_success(0.25, 1), 12), round(round_success(1.0, 3), 12)
    (0.25, 1.0)
    """
    theta = math.asin(math.sqrt(min(max(p, 0.0), 1.0)))
    s2 = math.sin(2 * theta)
    if abs(s2) < 1e-9:  # theta = 0 or pi/2: the closed form is 0/0; sum the M terms instead
        r = np.arange(M)
        return float(np.mean(np.sin((2 * r + 1) * theta) ** 2))
    return 0.5 - math.sin(4 * M * theta) / (4 * M * s2)


def expected_bbht_one(p: float, n: int, lam: float = BBHT_LAMBDA) -> float:
    """Exact mean queries of BBHT to the first head for one head probability ``p`` on ``n``
    spins (the model of :func:`grover_train.studies.replay.bbht_costs`).

    >>> expected_bbht_one(1.0, 4)   # the first round (r = 0) always succeeds: 1 query
    1.0
    >>> 64 < expected_bbht_one(2.0**-12, 12) < 200
    True
    """
    if p <= 0:
        return 0.0
    top = math.sqrt(2.0**n)
    m, survive, total = 1.0, 1.0, 0.0
    while True:
        M = math.ceil(m)
        P = round_success(p, M)
        total += survive * (M + 1) / 2
        if m >= top:  # saturated: every further round is the same, a geometric tail
            return total + survive * (1 - P) / P * (M + 1) / 2 if P > 0 else math.inf
        survive *= 1 - P
        if survive < 1e-16:
            return total
        m = min(lam * m, top)


def expected_bbht(p: np.ndarray, n: int, lam: float = BBHT_LAMBDA) -> np.ndarray:
    """:func:`expected_bbht_one` for every entry of ``p`` (0 where p = 0); equal values are
    computed once, since late in training most visits share p = heads / 2^n.

    >>> expected_bbht(np.array([0.0, 1.0, 1.0]), 4).tolist()
    [0.0, 1.0, 1.0]
    """
    p = np.asarray(p, dtype=float)
    uniq, inv = np.unique(p, return_inverse=True)
    vals = np.array([expected_bbht_one(float(q), n, lam) for q in uniq])
    return vals[inv].reshape(p.shape)


__all__ = [
    "BBHT_LAMBDA",
    "expected_bbht",
    "expected_bbht_one",
    "expected_classical",
    "round_success",
]
