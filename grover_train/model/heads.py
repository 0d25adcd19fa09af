"""Exact head counts and uniform head draws of a one-hidden-layer landscape, without 2^n tables.

For a fixed output pattern y the free energy is linear in the hidden spins::

    E(h, y | x) = -h . g(y) - y . c,     g(y) = W x + b + U^T y

so the heads with output y (y != e_k*, E < tau) are the h with h . g(y) > t(y) = -y . c - tau:
a counting problem over H spins. Meet in the middle: split the hidden units into two halves,
list the 2^(H/2) partial sums of each, sort one list, and count the pairs above t(y) with one
``searchsorted``. Cost O(2^C * 2^(H/2) * H) time and O(2^(H/2)) memory instead of O(2^(H+C)),
which is what lets the training-level replay (docs/measuring.md) reach sizes the enumeration of
every state cannot.

Ties are resolved as by summation in floating point: a state whose energy equals tau to the last
bit may be classified differently from ``bqm.energies``; with real-valued weights this has
measure zero (the tests compare against brute force on random networks).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from grover_train.enumeration import states_to_samples
from grover_train.errors import InputError, TooManyQubitsError
from grover_train.model.network import DragonNetwork, one_hot_spins

#: Largest number of hidden units per half list (2^22 sums of 8 bytes = 32 MiB per list).
MAX_HALF_UNITS = 22


@dataclass
class HeadCounts:
    """Heads of one sample by output pattern.

    Attributes:
        counts: heads per output pattern (index z over {+-1}^C, little-endian; the correct
            pattern e_k* has count 0).
        num_hidden, num_classes: H and C (n = H + C spins).
        patterns: the output patterns, shape (2^C, C).
    """

    counts: np.ndarray
    num_hidden: int
    num_classes: int
    patterns: np.ndarray
    _halves: list[Any]

    @property
    def total(self) -> int:
        """Number of heads."""
        return int(self.counts.sum())

    @property
    def num_variables(self) -> int:
        return self.num_hidden + self.num_classes

    @property
    def p_uniform(self) -> float:
        """P_A(marked) of the uniform preparation: heads / 2^n."""
        return float(self.total) / 2.0**self.num_variables

    def sample(self, rng: np.random.Generator, size: int = 1) -> tuple[np.ndarray, np.ndarray]:
        """``size`` heads drawn uniformly (with replacement) as (hidden rows, output rows).

        >>> net = DragonNetwork.random(5, 4, 3, seed=1)
        >>> hc = count_heads(net, np.ones(5), 0, margin=2.0)
        >>> h, y = hc.sample(np.random.default_rng(0), size=3)
        >>> h.shape, y.shape
        ((3, 4), (3, 3))
        """
        if self.total == 0:
            raise InputError("this sample has no heads to draw: check HeadCounts.total first")
        pick = rng.choice(len(self.counts), size=size, p=self.counts / self.total)
        H = self.num_hidden
        hs = np.empty((size, H), dtype=np.int8)
        for row, z in enumerate(pick):
            sa, sb_sorted, order_b, t, states_a, states_b = self._halves[z]
            # valid partners of each a: the sb above t - sa (a suffix of the sorted list)
            start = np.searchsorted(sb_sorted, t - sa, side="right")
            per_a = len(sb_sorted) - start
            i = int(rng.choice(len(sa), p=per_a / per_a.sum()))
            j = int(order_b[start[i] + rng.integers(0, per_a[i])])
            hs[row] = np.concatenate([states_a[i], states_b[j]])
        return hs, self.patterns[pick].astype(np.int8)


def _half_states(m: int) -> np.ndarray:
    return states_to_samples(np.arange(2**m), m)


def count_heads(net: DragonNetwork, x: np.ndarray, label: int, margin: float = 0.0) -> HeadCounts:
    """Count the heads of (x, label) exactly by meet in the middle over the hidden units.

    The heads are the states (h, y), y != e_label, with E(h, y | x) < E+(x, label) + margin,
    exactly the marked set of :func:`grover_train.model.landscape.free_bqm` with
    :func:`~grover_train.model.landscape.head_threshold` and
    :func:`~grover_train.model.landscape.label_exclusion`.

    >>> net = DragonNetwork.random(5, 4, 3, seed=1)
    >>> hc = count_heads(net, np.ones(5), 0, margin=2.0)
    >>> hc.counts.shape, hc.total >= 0, 0.0 <= hc.p_uniform <= 1.0
    ((8,), True, True)
    """
    if net.num_layers != 1:
        raise InputError("count_heads takes a one-hidden-layer network")
    if margin < 0 or not np.isfinite(margin):
        raise InputError(f"the margin must be a finite number >= 0, got {margin}")
    H, C = net.hidden[0], net.num_classes
    ma = H // 2
    mb = H - ma
    if mb > MAX_HALF_UNITS:
        raise TooManyQubitsError(
            f"{H} hidden units need half lists of 2^{mb} sums (limit 2^{MAX_HALF_UNITS}): "
            "use fewer hidden units"
        )
    if C > 16:
        raise TooManyQubitsError(f"{C} output spins are too many to enumerate (limit 16)")
    x = net.check_inputs(x)[0]
    f = net.W[0] @ x + net.b[0]
    tau = float(net.clamped_energies(x[None, :])[0, int(label)] + margin)
    patterns = states_to_samples(np.arange(2**C), C).astype(float)
    own = int(np.flatnonzero(np.all(patterns == one_hot_spins(np.array([label]), C)[0], axis=1))[0])
    states_a, states_b = _half_states(ma), _half_states(mb)
    G = f[None, :] + patterns @ net.U  # (2^C, H): g(y) per pattern
    SA = states_a.astype(float) @ G[:, :ma].T  # (2^ma, 2^C)
    SB = states_b.astype(float) @ G[:, ma:].T  # (2^mb, 2^C)
    T = -(patterns @ net.c) - tau  # threshold on h . g per pattern
    counts = np.zeros(2**C, dtype=np.int64)
    halves: list[Any] = [None] * 2**C
    for z in range(2**C):
        if z == own:
            continue
        order = np.argsort(SB[:, z], kind="stable")
        sb = SB[order, z]
        sa = SA[:, z]
        start = np.searchsorted(sb, T[z] - sa, side="right")
        counts[z] = int((len(sb) - start).sum())
        halves[z] = (sa, sb, order, T[z], states_a, states_b)
    return HeadCounts(counts, H, C, patterns.astype(np.int8), halves)


def heads_by_enumeration(
    net: DragonNetwork, x: np.ndarray, label: int, margin: float = 0.0
) -> np.ndarray:
    """Boolean marks over all 2^n states of the free landscape (the reference for tests).

    >>> net = DragonNetwork.random(5, 4, 3, seed=1)
    >>> int(heads_by_enumeration(net, np.ones(5), 0, 2.0).sum()) == count_heads(
    ...     net, np.ones(5), 0, 2.0).total
    True
    """
    from grover_train.enumeration import energy_vector, exclusion_mask
    from grover_train.model.landscape import free_bqm, head_threshold, label_exclusion

    bqm = free_bqm(net, x)
    below = energy_vector(bqm) < head_threshold(net, x, label, margin)
    mask = exclusion_mask(bqm, label_exclusion(net, label))
    return below if mask is None else below & ~mask


__all__ = ["HeadCounts", "count_heads", "heads_by_enumeration"]
