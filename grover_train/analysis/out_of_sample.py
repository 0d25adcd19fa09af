"""Out-of-sample test of a size trend, before anything is extrapolated.

A straight line of the per-seed values (e.g. the exponent ratio) against n is fitted on every
size but the largest ``hold_out`` (default 2); it predicts those sizes with 95 % intervals
(t, from the regression); each held-out size's measured mean has its own 95 % t interval over
its seeds. A size is a *hit* when the 95 % interval of measured - predicted, with both
uncertainties combined, contains 0. Predictions further out (n = 50, 100) are given only from
a fit that hit every held-out size, and are labelled as such.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
from scipy import stats

from grover_train.errors import InputError

#: sizes the report extrapolates to, only from a fit that passed
FAR_SIZES = (50, 100)


@dataclass(frozen=True)
class HeldOut:
    """One held-out size: the line's prediction and the measurement, each with a 95 % interval."""

    n: int
    predicted: float
    predicted_ci: tuple[float, float]
    measured: float
    measured_ci: tuple[float, float]
    hit: bool


@dataclass(frozen=True)
class OutOfSample:
    """The result: the fitted line, the held-out sizes, and far predictions if it passed."""

    fit_sizes: tuple[int, ...]
    slope: float
    intercept: float
    held_out: tuple[HeldOut, ...]
    far: dict[int, tuple[float, float, float]] = field(default_factory=dict)

    @property
    def hit(self) -> bool:
        """True when every held-out size is a hit."""
        return all(h.hit for h in self.held_out)


def _line(ns: np.ndarray, ys: np.ndarray):
    """Least squares y = b0 + b1 n with what a prediction interval for the mean needs."""
    X = np.column_stack([np.ones_like(ns), ns])
    beta, *_ = np.linalg.lstsq(X, ys, rcond=None)
    dof = ns.size - 2
    resid = ys - X @ beta
    s2 = float(resid @ resid / dof)
    cov = s2 * np.linalg.inv(X.T @ X)
    return beta, cov, dof


def _mean_ci(v: np.ndarray) -> tuple[float, float, float]:
    se = float(v.std(ddof=1) / math.sqrt(v.size))
    return float(v.mean()), se, float(stats.t.ppf(0.975, v.size - 1))


def out_of_sample(
    per_size: Mapping[int, Sequence[float]], *, hold_out: int = 2, far: Sequence[int] = FAR_SIZES
) -> OutOfSample:
    """Fit a line on all sizes but the largest ``hold_out``, predict those, report hit/miss.

    >>> rng = np.random.default_rng(0)
    >>> data = {n: 1 + 0.01 * n + rng.normal(0, 0.02, 8) for n in (11, 13, 15, 17, 19)}
    >>> r = out_of_sample(data)
    >>> [h.n for h in r.held_out], r.hit, sorted(r.far)
    ([17, 19], True, [50, 100])
    """
    sizes = sorted(per_size)
    if len(sizes) < hold_out + 2:
        raise InputError(
            f"an out-of-sample test needs at least {hold_out + 2} sizes (a line on 2, "
            f"{hold_out} held out), got {len(sizes)}"
        )
    fit_sizes = sizes[:-hold_out]
    ns = np.concatenate([np.full(len(per_size[n]), float(n)) for n in fit_sizes])
    ys = np.concatenate([np.asarray(per_size[n], dtype=float) for n in fit_sizes])
    if not np.all(np.isfinite(ys)) or ys.size < 3:
        raise InputError("the trend needs at least 3 finite per-seed values")
    beta, cov, dof = _line(ns, ys)
    tq = float(stats.t.ppf(0.975, dof))

    def predict(n: float) -> tuple[float, float]:
        x = np.array([1.0, n])
        return float(x @ beta), float(math.sqrt(x @ cov @ x))

    held = []
    for n in sizes[-hold_out:]:
        p, se_p = predict(n)
        v = np.asarray(per_size[n], dtype=float)
        if v.size < 2 or not np.all(np.isfinite(v)):
            raise InputError(f"n = {n}: a held-out size needs at least 2 finite per-seed values")
        m, se_m, tm = _mean_ci(v)
        # both uncertainties together; the larger t quantile keeps the test conservative
        half = max(tq, tm) * math.sqrt(se_p**2 + se_m**2)
        held.append(
            HeldOut(
                n=int(n),
                predicted=p,
                predicted_ci=(p - tq * se_p, p + tq * se_p),
                measured=m,
                measured_ci=(m - tm * se_m, m + tm * se_m),
                hit=bool(abs(m - p) <= half),
            )
        )
    far_pred: dict[int, tuple[float, float, float]] = {}
    if all(h.hit for h in held):
        for n in far:
            p, se_p = predict(float(n))
            far_pred[int(n)] = (p, p - tq * se_p, p + tq * se_p)
    return OutOfSample(tuple(fit_sizes), float(beta[1]), float(beta[0]), tuple(held), far_pred)


__all__ = ["FAR_SIZES", "HeldOut", "OutOfSample", "out_of_sample"]
