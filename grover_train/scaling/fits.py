"""Power-law fits, the late-regime window rule and bootstrap confidence intervals.

Everything here works on plain arrays so that the search-level and training-level analyses
(and the tests) share one implementation. Fits are least squares in log-log space.

The **late-regime rule** (design section 7, written out in ``docs/measuring.md``): on the
seed-averaged curve eps(C) sampled on a log-spaced grid of cumulative queries C, the window
starts at the first grid point where eps has fallen to half of its initial value or below, and
ends at the last grid point where eps is still above zero (a log fit cannot use eps = 0). The
window needs at least :data:`MIN_WINDOW_POINTS` grid points; otherwise the last decade of
queries with eps > 0 is used (and the fit says so in ``window_rule``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass

import numpy as np

from grover_train.errors import InputError
from grover_train.rng import make_rng

#: Fewest points a fitted window may hold.
MIN_WINDOW_POINTS = 4


@dataclass(frozen=True)
class PowerLawFit:
    """y = prefactor * x**slope fitted by least squares on (log x, log y).

    Attributes:
        slope: fitted exponent (for eps ~ C^-alpha the slope is -alpha).
        prefactor: exp(intercept).
        r2: coefficient of determination in log space.
        num_points: points used.
        x_min, x_max: range of x used; ``decades`` = log10(x_max / x_min).
    """

    slope: float
    prefactor: float
    r2: float
    num_points: int
    x_min: float
    x_max: float

    @property
    def decades(self) -> float:
        return float(np.log10(self.x_max / self.x_min))

    def predict(self, x: np.ndarray) -> np.ndarray:
        return self.prefactor * np.asarray(x, dtype=float) ** self.slope

    def to_dict(self) -> dict:
        return {**asdict(self), "decades": self.decades}


@dataclass(frozen=True)
class BootstrapCI:
    """A point estimate with a percentile bootstrap interval."""

    estimate: float
    low: float
    high: float
    level: float
    num_boot: int

    def contains(self, value: float) -> bool:
        return bool(self.low <= value <= self.high)

    def to_dict(self) -> dict:
        return asdict(self)


def fit_power_law(x: Sequence[float], y: Sequence[float]) -> PowerLawFit:
    """Fit y = A x^slope by least squares on log y = log A + slope log x.

    Args:
        x, y: positive values of equal length (at least 2 distinct x).

    >>> x = np.array([1.0, 10.0, 100.0])
    >>> f = fit_power_law(x, 3 * x**0.5)
    >>> round(f.slope, 6), round(f.prefactor, 6), f.decades
    (0.5, 3.0, 2.0)
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
    slope, intercept = np.polyfit(lx, ly, 1)
    resid = ly - (intercept + slope * lx)
    ss_tot = float(np.sum((ly - ly.mean()) ** 2))
    r2 = 1.0 - float(np.sum(resid**2)) / ss_tot if ss_tot > 0 else 1.0
    return PowerLawFit(
        float(slope), float(np.exp(intercept)), r2, int(x.size), float(x.min()), float(x.max())
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
    groups: Sequence,
    statistic: Callable[[list], float],
    *,
    num_boot: int = 1000,
    level: float = 0.95,
    seed: int | None = 0,
) -> BootstrapCI:
    """Percentile bootstrap over ``groups`` (e.g. seeds or landscapes), resampled with
    replacement; ``statistic(list_of_groups)`` is computed on each resample. Resamples for
    which the statistic fails (raises InputError or gives NaN) are dropped.

    >>> rng = np.random.default_rng(1)
    >>> data = list(rng.normal(2.0, 1.0, size=200))
    >>> ci = bootstrap_ci(data, lambda g: float(np.mean(g)), num_boot=500, seed=0)
    >>> ci.low < 2.0 < ci.high
    True
    """
    groups = list(groups)
    if not groups:
        raise InputError("bootstrap needs at least one group")
    if not 0 < level < 1:
        raise InputError(f"confidence level must be in (0, 1), got {level}")
    estimate = float(statistic(groups))
    rng = make_rng(seed)
    values = []
    for _ in range(int(num_boot)):
        pick = rng.integers(0, len(groups), size=len(groups))
        try:
            v = float(statistic([groups[i] for i in pick]))
        except InputError:
            continue
        if np.isfinite(v):
            values.append(v)
    if not values:
        return BootstrapCI(estimate, float("nan"), float("nan"), level, 0)
    lo, hi = np.quantile(values, [(1 - level) / 2, (1 + level) / 2])
    return BootstrapCI(estimate, float(lo), float(hi), level, len(values))


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
    """eps ~ C^-alpha on the late window of the seed-averaged curve of one finder."""

    finder: str
    alpha: float
    ci: BootstrapCI | None
    fit: PowerLawFit
    window_rule: str
    num_seeds: int
    grid: tuple
    mean_eps: tuple
    window: tuple = ()

    def alpha_of(self, curves: Sequence[tuple[np.ndarray, np.ndarray]]) -> float:
        """alpha of other curves (e.g. a bootstrap resample) on this fit's grid and window."""
        grid = np.asarray(self.grid)
        idx = np.asarray(self.window, dtype=int)
        m = curve_on_grid(curves, grid)[idx]
        keep = m > 0
        if keep.sum() < 2:
            raise InputError("no positive eps in the window")
        return -fit_power_law(grid[idx][keep], m[keep]).slope

    def to_dict(self) -> dict:
        return {
            "finder": self.finder,
            "alpha": self.alpha,
            "ci": [self.ci.low, self.ci.high],
            "level": self.ci.level,
            "window": [self.fit.x_min, self.fit.x_max],
            "window_rule": self.window_rule,
            "num_points": self.fit.num_points,
            "num_seeds": self.num_seeds,
            "r2": self.fit.r2,
        }


def fit_training_curves(
    finder: str,
    curves: Sequence[tuple[np.ndarray, np.ndarray]],
    *,
    points: int = 40,
    num_boot: int = 1000,
    seed: int | None = 0,
) -> TrainingFit:
    """Fit eps ~ C^-alpha for one finder from one (queries, eps) curve per seed, with a
    bootstrap over seeds. The grid and window are chosen on the full-sample mean curve and
    kept fixed in the resamples so that the interval reflects seed-to-seed scatter only.

    >>> C = np.logspace(0, 4, 30)
    >>> curves = [(C, 0.9 * (1 + C) ** -0.5 * s) for s in (0.9, 1.0, 1.1)]
    >>> f = fit_training_curves('x', curves, num_boot=200)
    >>> abs(f.alpha - 0.5) < 0.05, f.ci.low <= f.alpha <= f.ci.high
    (True, True)
    """
    curves = [(np.asarray(q, float), np.asarray(e, float)) for q, e in curves]
    if not curves:
        raise InputError(f"no training curves for finder {finder!r}")
    grid = query_grid(curves, points)
    mean = curve_on_grid(curves, grid)
    idx, rule = late_window(grid, mean)
    if idx.size < 2 or np.unique(grid[idx]).size < 2:
        raise InputError(
            f"finder {finder!r}: its eps curve has no late regime to fit "
            "(eps never falls or is zero from the start); train longer"
        )
    fit = fit_power_law(grid[idx], mean[idx])

    out = TrainingFit(
        finder,
        -fit.slope,
        None,
        fit,
        rule,
        len(curves),
        tuple(grid.tolist()),
        tuple(mean.tolist()),
        tuple(int(i) for i in idx),
    )
    ci = bootstrap_ci(curves, out.alpha_of, num_boot=num_boot, seed=seed)
    object.__setattr__(out, "ci", ci)  # frozen dataclass: the interval needs out.alpha_of
    return out
