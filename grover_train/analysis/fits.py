"""Power-law fits, the late-regime window rule and bootstrap confidence intervals.

Everything here works on plain arrays so that the search-level and training-level analyses
(and the tests) share one implementation. Fits are least squares in log-log space.

The **late-regime rule** (docs/design.md section 7, written out in ``docs/measuring.md``): on the
seed-averaged curve eps(C) sampled on a log-spaced grid of cumulative queries C, the window
starts at the first grid point where eps has fallen to half of its initial value or below, and
ends at the last grid point where eps is still above zero (a log fit cannot use eps = 0). The
window needs at least :data:`MIN_WINDOW_POINTS` grid points; otherwise the last decade of
queries with eps > 0 is used (and the fit says so in ``window_rule``).
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
from scipy import stats

from grover_train.errors import InputError
from grover_train.rng import make_rng

#: Fewest points a fitted window may hold.
MIN_WINDOW_POINTS = 4

#: Interval methods of :func:`bootstrap_ci` (those of ``scipy.stats.bootstrap``).
BOOTSTRAP_METHODS = ("percentile", "basic", "BCa")


@dataclass(frozen=True)
class PowerLawFit:
    """y = prefactor * x**slope fitted by least squares on (log x, log y).

    Attributes:
        slope: fitted exponent (for eps ~ C^-alpha the slope is -alpha).
        prefactor: exp(intercept).
        r2: coefficient of determination in log space.
        num_points: points used.
        x_min, x_max: range of x used; ``decades`` = log10(x_max / x_min).
        slope_stderr: standard error of the slope (``scipy.stats.linregress``, residual
            scatter with num_points - 2 degrees of freedom); NaN for two points.
        intercept_stderr: standard error of log(prefactor), likewise.
    """

    slope: float
    prefactor: float
    r2: float
    num_points: int
    x_min: float
    x_max: float
    slope_stderr: float = float("nan")
    intercept_stderr: float = float("nan")

    @property
    def decades(self) -> float:
        return float(np.log10(self.x_max / self.x_min))

    def predict(self, x: np.ndarray) -> np.ndarray:
        return self.prefactor * np.asarray(x, dtype=float) ** self.slope

    def to_dict(self) -> dict:
        return {**asdict(self), "decades": self.decades}


@dataclass(frozen=True)
class BootstrapCI:
    """A point estimate with a bootstrap interval (percentile unless the caller asked for
    another method; ``num_boot`` counts the resamples that gave a value, ``failed`` the rest)."""

    estimate: float
    low: float
    high: float
    level: float
    num_boot: int
    failed: int = 0

    def contains(self, value: float) -> bool:
        return bool(self.low <= value <= self.high)

    def to_dict(self) -> dict:
        return asdict(self)


def fit_power_law(x: Sequence[float], y: Sequence[float]) -> PowerLawFit:
    """Fit y = A x^slope by least squares on log y = log A + slope log x
    (``scipy.stats.linregress``, which also gives the slope's standard error).

    Args:
        x, y: positive values of equal length (at least 2 distinct x).

    >>> x = np.array([1.0, 10.0, 100.0])
    >>> f = fit_power_law(x, 3 * x**0.5)
    >>> round(f.slope, 6), round(f.prefactor, 6), f.decades, round(f.slope_stderr, 9)
    (0.5, 3.0, 2.0, 0.0)
    """
    x = np.asarray(x, dtype=float).ravel()
    y = np.asarray(y, dtype=float).ravel()
    if x.shape != y.shape:
        raise InputError(f"x and y need the same length, got {x.size} and {y.size}")
    if x.size < 2 or np.unique(x).size < 2:
        raise InputError("a power-law fit needs at least two distinct x values")
    if np.any(~np.isfinite(x)) or np.any(~np.isfinite(y)) or np.any(x <= 0) or np.any(y <= 0):
        raise InputError("a power-law fit needs finite positive x and y (drop zeros first)")
    lx, ly = np.log(x), np.log(y)
    res = stats.linregress(lx, ly)
    slope, intercept = float(res.slope), float(res.intercept)
    resid = ly - (intercept + slope * lx)
    ss_tot = float(np.sum((ly - ly.mean()) ** 2))
    # r2 from the residuals, not res.rvalue**2: linregress gives r = 0 for a flat y, where the
    # fit is exact (r2 = 1, as before)
    r2 = 1.0 - float(np.sum(resid**2)) / ss_tot if ss_tot > 0 else 1.0
    # two points leave no residual degrees of freedom: linregress says 0, the honest answer
    # is "unknown"
    se, ise = (float(res.stderr), float(res.intercept_stderr)) if x.size > 2 else (np.nan, np.nan)
    return PowerLawFit(
        slope,
        float(np.exp(intercept)),
        r2,
        int(x.size),
        float(x.min()),
        float(x.max()),
        se,
        ise,
    )


def late_window(queries: Sequence[float], eps: Sequence[float]) -> tuple[np.ndarray, str]:
    """Indices of the late (ordered) regime of an eps(C) curve, and the rule that chose them.

    Rule: from the first point with eps <= eps[0] / 2 to the last point with eps > 0; if that
    leaves fewer than :data:`MIN_WINDOW_POINTS` points, the last decade of C with eps > 0.

    >>> C = np.array([1, 10, 100, 1000, 1e4, 1e5])
    >>> idx, rule = late_window(C, [0.8, 0.6, 0.4, 0.2, 0.1, 0.05])
    >>> idx.tolist(), rule
    ([2, 3, 4, 5], 'half')
    """
    C = np.asarray(queries, dtype=float)
    e = np.asarray(eps, dtype=float)
    positive = np.flatnonzero(e > 0)
    if positive.size == 0 or e.size == 0:
        return np.array([], dtype=int), "none"
    last = int(positive[-1])
    below = np.flatnonzero(e <= e[0] / 2)
    if below.size:
        first = int(below[0])
        idx = np.arange(first, last + 1)
        idx = idx[e[idx] > 0]
        if idx.size >= MIN_WINDOW_POINTS:
            return idx, "half"
    idx = np.flatnonzero((C >= C[last] / 10) & (e > 0) & (np.arange(C.size) <= last))
    return idx, "last-decade"


def bootstrap_ci(
    groups: Sequence[Any],
    statistic: Callable[[list[Any]], float],
    *,
    num_boot: int = 1000,
    level: float = 0.95,
    seed: int | np.random.Generator | None = 0,
    method: str = "percentile",
) -> BootstrapCI:
    """Bootstrap over ``groups`` (e.g. seeds or landscapes), resampled with replacement by
    ``scipy.stats.bootstrap``; ``statistic(list_of_groups)`` is computed on each resample.
    ``method``: "percentile" (the default), "basic" or "BCa" (bias-corrected and
    accelerated; it also evaluates the statistic on the len(groups) leave-one-out lists).
    Resamples for which the statistic fails (raises InputError or gives NaN/inf) are counted
    in ``failed`` (the report states the count) and left out of the quantiles.

    >>> rng = np.random.default_rng(1)
    >>> data = list(rng.normal(2.0, 1.0, size=200))
    >>> ci = bootstrap_ci(data, lambda g: float(np.mean(g)), num_boot=500, seed=0)
    >>> ci.low < 2.0 < ci.high, ci.num_boot, ci.failed
    (True, 500, 0)
    >>> bca = bootstrap_ci(data, lambda g: float(np.mean(g)), num_boot=500, method="BCa")
    >>> bca.low < 2.0 < bca.high
    True
    """
    groups = list(groups)
    if not groups:
        raise InputError("bootstrap needs at least one group")
    if not 0 < level < 1:
        raise InputError(f"confidence level must be in (0, 1), got {level}")
    if method not in BOOTSTRAP_METHODS:
        raise InputError(
            f"unknown bootstrap method {method!r}: choose one of {', '.join(BOOTSTRAP_METHODS)}"
        )
    if int(num_boot) < 1:
        raise InputError(f"num_boot must be a positive integer, got {num_boot}")
    estimate = float(statistic(groups))
    if len(groups) == 1:
        # scipy needs two observations; every resample of one group is that group
        ok = np.isfinite(estimate)
        v = estimate if ok else float("nan")
        return BootstrapCI(estimate, v, v, level, int(num_boot) if ok else 0, 0 if ok else 1)

    def on_indices(idx: np.ndarray) -> float:
        try:
            v = float(statistic([groups[int(i)] for i in idx]))
        except InputError:
            return float("nan")
        return v if np.isfinite(v) else float("nan")

    # the groups are resampled by index, so any Python objects (curves, landscapes) work;
    # random_state= takes a Generator on every scipy >= 1.11 (rng= only from 1.15)
    with warnings.catch_warnings():
        # a degenerate or partly failed distribution is reported through ``failed`` / NaN
        warnings.simplefilter("ignore", RuntimeWarning)
        warnings.simplefilter("ignore", stats.DegenerateDataWarning)
        res = stats.bootstrap(
            (np.arange(len(groups)),),
            on_indices,
            n_resamples=int(num_boot),
            vectorized=False,
            confidence_level=level,
            method=method,
            random_state=make_rng(seed),
        )
    dist = np.asarray(res.bootstrap_distribution, dtype=float)
    values = dist[np.isfinite(dist)]
    failed = int(dist.size - values.size)
    if not values.size:
        return BootstrapCI(estimate, float("nan"), float("nan"), level, 0, failed)
    lo, hi = float(res.confidence_interval.low), float(res.confidence_interval.high)
    if not failed and np.ptp(values) == 0:
        lo = hi = float(values[0])  # every resample agrees (BCa would say NaN)
    elif failed and method != "BCa":
        # scipy's quantiles propagate NaN; these are the same quantiles over the resamples
        # that gave a value (BCa has no such reading: it stays NaN when resamples failed)
        q_lo, q_hi = np.quantile(values, [(1 - level) / 2, (1 + level) / 2])
        lo, hi = (
            (q_lo, q_hi) if method == "percentile" else (2 * estimate - q_hi, 2 * estimate - q_lo)
        )
    return BootstrapCI(estimate, float(lo), float(hi), level, int(values.size), failed)


def curve_on_grid(curves: Sequence[tuple[np.ndarray, np.ndarray]], grid: np.ndarray) -> np.ndarray:
    """Seed-average of step curves: eps of each curve at grid point C is the last recorded
    eps with queries <= C (the first value before its first record). Returns shape (len(grid),).

    Grid points beyond a curve's last record use its last value (training stopped there).

    >>> curve_on_grid([(np.array([1, 10]), np.array([1.0, 0.5]))], np.array([1, 5, 10, 20]))
    array([1. , 1. , 0.5, 0.5])
    """
    rows = []
    for q, e in curves:
        q = np.asarray(q, dtype=float)
        e = np.asarray(e, dtype=float)
        order = np.argsort(q, kind="stable")
        q, e = q[order], e[order]
        pos = np.searchsorted(q, grid, side="right") - 1
        rows.append(e[np.clip(pos, 0, None)])
    return np.mean(rows, axis=0)


def query_grid(curves: Sequence[tuple[np.ndarray, np.ndarray]], points: int = 40) -> np.ndarray:
    """Log-spaced grid of cumulative queries covered by every curve (from the largest first
    positive query to the smallest final query).

    >>> query_grid([(np.array([1, 1000]), np.zeros(2))], points=4).tolist()
    [1.0, 10.0, 100.0, 1000.0]
    """
    starts, ends = [], []
    for q, _ in curves:
        q = np.asarray(q, dtype=float)
        q = q[q > 0]
        if q.size:
            starts.append(q.min())
            ends.append(q.max())
    if not starts:
        raise InputError("no curve has a positive query count")
    lo, hi = max(starts), min(ends)
    if hi <= lo:
        hi = max(ends)
    return np.logspace(np.log10(lo), np.log10(hi), points)


@dataclass(frozen=True)
class TrainingFit:
    """eps ~ C^-alpha for one finder: per-seed fits on pre-registered targets, a t interval.

    ``targets`` are training errors fixed from the eps curves alone (before any cost is
    looked at, :func:`grover_train.analysis.replay_fit.preregistered_targets`); each seed's
    alpha is 1 / slope of log C(eps*) against log(1/eps*), C(eps*) the queries at the first
    step where the seed's (isotonic-smoothed) eps reaches eps*. ``alpha`` is the mean over
    seeds, ``ci`` its 95 % t interval (``num_boot`` = 0: no resampling), ``seed_alphas`` the
    per-seed values and ``failed`` the seeds that could not be fitted, with the reason.
    ``fit`` is the power law through the seed-median costs (for plots and the window).
    """

    finder: str
    alpha: float
    ci: BootstrapCI
    fit: PowerLawFit
    window_rule: str
    num_seeds: int
    targets: tuple
    seed_alphas: dict
    failed: dict = field(default_factory=dict)

    @property
    def decades(self) -> float:
        """Decades of eps* the targets span."""
        return float(np.log10(self.targets[0] / self.targets[-1]))

    def to_dict(self) -> dict:
        return {
            "finder": self.finder,
            "alpha": self.alpha,
            "ci": [self.ci.low, self.ci.high],
            "level": self.ci.level,
            "window": [self.fit.x_min, self.fit.x_max],
            "targets": [float(t) for t in self.targets],
            "window_rule": self.window_rule,
            "num_points": self.fit.num_points,
            "num_seeds": self.num_seeds,
            "failed_seeds": dict(self.failed),
        }


def costs_to_targets(q: np.ndarray, eps: np.ndarray, targets: np.ndarray) -> np.ndarray:
    """Cumulative queries at the first step where the smoothed eps reaches each target.

    >>> costs_to_targets(np.array([1.0, 10, 100]), np.array([0.9, 0.5, 0.2]), np.array([0.5]))
    array([10.])
    """
    from grover_train.analysis.replay_fit import first_reach

    idx = first_reach(np.asarray(eps, dtype=float), targets)
    if np.any(idx < 0):
        raise InputError(f"the curve never reaches eps = {float(np.min(targets)):.3g}")
    return np.asarray(q, dtype=float)[idx]


def seed_alpha(q: np.ndarray, eps: np.ndarray, targets: np.ndarray) -> float:
    """1 / slope of log C(eps*) against log(1/eps*) for one seed's curve."""
    from grover_train.analysis.replay_fit import exponent

    return exponent(costs_to_targets(q, eps, targets), targets)


def fit_training_curves(
    finder: str,
    curves: Sequence[tuple],
    *,
    targets: np.ndarray | None = None,
    level: float = 0.95,
    **_ignored,
) -> TrainingFit:
    """Fit eps ~ C^-alpha for one finder from one (queries, eps[, seed]) curve per seed.

    Targets default to the pre-registered rule on this finder's curves; pass ``targets`` to
    compare finders on one common range. Seeds that cannot be fitted are kept in ``failed``
    with the reason (never dropped silently); fewer than 2 fitted seeds is an error.

    >>> C = np.logspace(0, 4, 30)
    >>> curves = [(C, 0.9 * (1 + C) ** -0.5 * s) for s in (0.9, 1.0, 1.1)]
    >>> f = fit_training_curves('x', curves)
    >>> abs(f.alpha - 0.5) < 0.05, f.ci.low <= f.alpha <= f.ci.high
    (True, True)
    """
    from grover_train.analysis.replay_fit import estimate, preregistered_targets

    curves = [
        (np.asarray(c[0], float), np.asarray(c[1], float), c[2] if len(c) > 2 else i)
        for i, c in enumerate(curves)
    ]
    if not curves:
        raise InputError(f"no training curves for finder {finder!r}")
    if targets is None:
        try:
            t = preregistered_targets([e for _, e, _ in curves])
        except InputError as exc:
            raise InputError(f"finder {finder!r}: no late regime to fit ({exc})") from None
        targets, rule = t.eps, t.rule
    else:
        targets = np.asarray(targets, dtype=float)
        rule = "common targets"
    alphas, failed, costs = {}, {}, []
    for q, e, seed in curves:
        try:
            alphas[seed] = seed_alpha(q, e, targets)
            costs.append(costs_to_targets(q, e, targets))
        except InputError as exc:
            failed[seed] = str(exc)
    if len(alphas) < 2:
        raise InputError(
            f"finder {finder!r}: fewer than 2 seeds could be fitted on eps* "
            f"{targets[0]:.3g}..{targets[-1]:.3g}"
            + (f" ({'; '.join(f'seed {k}: {v}' for k, v in failed.items())})" if failed else "")
        )
    est = estimate(list(alphas.values()), confidence=level)
    median_cost = np.median(np.array(costs), axis=0)
    fit = fit_power_law(median_cost, targets) if np.ptp(median_cost) > 0 else None
    if fit is None:
        raise InputError(f"finder {finder!r}: the costs to target do not grow")
    return TrainingFit(
        finder,
        est.mean,
        BootstrapCI(est.mean, est.lo, est.hi, level, 0),
        fit,
        rule,
        len(alphas),
        tuple(float(t) for t in targets),
        alphas,
        failed,
    )
