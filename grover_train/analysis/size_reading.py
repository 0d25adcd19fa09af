"""The size reading: at a fixed target error eps*, how the cost grows with the number of spins.

Beside the error reading (the exponent alpha of cost against 1/eps at one size), a user
comparing with the paper needs the size reading: at each fixed eps*, log C_m(eps*) = const +
kappa_m n. Classical repetition pays 1/p_A per cut and p_A ~ 2^-n once heads are single, so
kappa_classical tends to ln 2; amplitude amplification pays ~ p_A^-1/2, so kappa_amplified
tends to ln 2 / 2: the quadratic search speed-up shows as a kappa ratio of 2, while the
exponent ratio at one size stays near 1.

Per method and target, kappa is the least-squares slope over every (size, seed) point; the
summary kappa is the mean over the targets. Intervals are percentile bootstraps that
resample the seeds within each size (the methods stay paired: one resample draws the same
trajectories for every method), so the ratio's interval carries the pairing.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from grover_train.errors import InputError

#: the targets (indices into the rule's 8 targets) the size reading uses: every other one,
#: ending at the lowest, so they span the same 1.5 decades as the exponents
TARGET_INDICES = (1, 3, 5, 7)


@dataclass(frozen=True)
class Kappa:
    """A slope of log cost against n with its 95 % bootstrap interval."""

    value: float
    lo: float
    hi: float


@dataclass(frozen=True)
class SizeReading:
    """kappa per method (mean over targets) and per target, and the classical/amplified ratio."""

    eps_targets: tuple[float, ...]
    sizes: tuple[int, ...]
    kappa: dict[str, Kappa]
    per_target: dict[str, tuple[float, ...]]
    ratio: Kappa
    num_boot: int


def _slopes(ns: np.ndarray, logc: np.ndarray) -> np.ndarray:
    """Least-squares slope of each column of ``logc`` against ``ns``."""
    x = ns - ns.mean()
    return (x @ (logc - logc.mean(axis=0))) / (x @ x)


def size_reading(
    costs: Mapping[int, Mapping[str, Sequence[Sequence[float]]]],
    eps_targets: Sequence[float],
    *,
    num_boot: int = 2000,
    seed: int = 0,
    classical: str = "classical",
    amplified: str = "amplified",
) -> SizeReading:
    """kappa of every method from ``costs[n][method]``: per seed, the cost at each target.

    Every method must have the same seeds at a size (paired by trajectory).

    >>> rng = np.random.default_rng(0)
    >>> costs = {n: {"classical": np.exp(0.7 * n + rng.normal(0, 0.1, (8, 2))),
    ...              "amplified": np.exp(0.35 * n + rng.normal(0, 0.1, (8, 2)))}
    ...          for n in (11, 13, 15)}
    >>> r = size_reading(costs, [0.2, 0.1], num_boot=200)
    >>> round(r.kappa["classical"].value, 1), round(r.ratio.value, 1)
    (0.7, 2.0)
    """
    sizes = tuple(sorted(costs))
    if len(sizes) < 2:
        raise InputError(f"a size reading needs at least 2 sizes, got {len(sizes)}")
    methods = [m for m in costs[sizes[0]] if all(m in costs[n] for n in sizes)]
    if classical not in methods or amplified not in methods:
        raise InputError("the size reading needs the classical and amplified costs at every size")
    arrays = {n: {m: np.log(np.asarray(costs[n][m], dtype=float)) for m in methods} for n in sizes}
    for n in sizes:
        counts = {arrays[n][m].shape[0] for m in methods}
        if len(counts) != 1 or min(counts) < 2:
            raise InputError(f"n = {n}: every method needs the same >= 2 seeds")

    def kappas(pick: dict[int, np.ndarray]) -> dict[str, np.ndarray]:
        ns = np.concatenate([np.full(pick[n].size, float(n)) for n in sizes])
        return {
            m: _slopes(ns, np.concatenate([arrays[n][m][pick[n]] for n in sizes], axis=0))
            for m in methods
        }

    full = kappas({n: np.arange(arrays[n][methods[0]].shape[0]) for n in sizes})
    rng = np.random.default_rng(seed)
    boot = {m: np.empty(num_boot) for m in methods}
    ratio_boot = np.empty(num_boot)
    for b in range(num_boot):
        pick = {
            n: rng.integers(0, arrays[n][methods[0]].shape[0], arrays[n][methods[0]].shape[0])
            for n in sizes
        }
        k = kappas(pick)
        for m in methods:
            boot[m][b] = k[m].mean()
        ratio_boot[b] = k[classical].mean() / k[amplified].mean()

    def interval(value: float, draws: np.ndarray) -> Kappa:
        lo, hi = np.percentile(draws[np.isfinite(draws)], [2.5, 97.5])
        return Kappa(float(value), float(lo), float(hi))

    kappa = {m: interval(float(full[m].mean()), boot[m]) for m in methods}
    ratio = interval(kappa[classical].value / kappa[amplified].value, ratio_boot)
    return SizeReading(
        eps_targets=tuple(float(e) for e in eps_targets),
        sizes=sizes,
        kappa=kappa,
        per_target={m: tuple(float(v) for v in full[m]) for m in methods},
        ratio=ratio,
        num_boot=int(num_boot),
    )


__all__ = ["TARGET_INDICES", "Kappa", "SizeReading", "size_reading"]
