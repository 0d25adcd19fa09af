"""The replay estimator: pre-registered targets, paired costs to target, per-seed slopes.

Given cost curves that share one trajectory (:mod:`grover_train.scaling.replay`):

1. **Targets** eps* are fixed before any cost is looked at, from the training errors alone
   (:func:`preregistered_targets`): geometric points from ``hi`` (0.4) down to the smallest
   eps that *every* seed reaches, but not below ``floor`` (0.05, so at least 5 % of samples are
   still wrong there). The same targets serve every method.
2. **Cost to target** C_m(eps*) = cumulative cost at the first step with eps <= eps*.
3. **Per seed**: the exponent ratio alpha_amp / alpha_cl is the slope of log C_cl against
   log C_amp across the targets (both costs come from the same steps); each alpha is 1 / slope
   of log C_m against log(1/eps*); ``a`` (the free-oracle exponent) the same with the number of
   cuts K; ``beta`` the slope of log p_A against log eps* (p_A: geometric mean over the head
   visits between consecutive targets); the model's ratio 2 / (1 + alpha_cl / a).
4. **Across seeds**: the mean with a t interval (95 %) and, from 8 seeds on, a BCa bootstrap
   interval (``scipy.stats.bootstrap``); never from fewer than 2 seeds.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass

import numpy as np
from scipy import stats

from grover_train.errors import InputError

#: default upper end of the target range
TARGET_HI = 0.4
#: lowest target (at least this fraction of samples still wrong)
TARGET_FLOOR = 0.05
#: targets on the common range
TARGET_POINTS = 8


@dataclass(frozen=True)
class Estimate:
    """A mean over seeds with its 95 % t interval (and BCa interval from 8 seeds on).

    >>> e = estimate([1.0, 1.2, 0.8, 1.1])
    >>> round(e.mean, 3), e.num_seeds, e.lo < e.mean < e.hi
    (1.025, 4, True)
    """

    mean: float
    lo: float
    hi: float
    sd: float
    num_seeds: int
    bca_lo: float | None = None
    bca_hi: float | None = None

    @property
    def width(self) -> float:
        return float(self.hi - self.lo)

    def to_dict(self) -> dict:
        return asdict(self)


def estimate(values: Sequence[float], confidence: float = 0.95, seed: int = 0) -> Estimate:
    """Mean and intervals of per-seed values (NaN values are an error, not dropped)."""
    v = np.asarray(values, dtype=float)
    if v.size < 2:
        raise InputError(f"an interval needs at least 2 seeds, got {v.size}")
    if not np.all(np.isfinite(v)):
        raise InputError("a per-seed value is not finite: the fit of one seed failed")
    m, sd = float(v.mean()), float(v.std(ddof=1))
    half = float(stats.t.ppf(0.5 + confidence / 2, v.size - 1) * sd / np.sqrt(v.size))
    bca = (None, None)
    if v.size >= 8 and sd > 0:
        res = stats.bootstrap(
            (v,),
            np.mean,
            confidence_level=confidence,
            method="BCa",
            n_resamples=2000,
            random_state=np.random.default_rng(seed),
        )
        bca = (float(res.confidence_interval.low), float(res.confidence_interval.high))
    return Estimate(m, m - half, m + half, sd, int(v.size), *bca)


@dataclass(frozen=True)
class Targets:
    """The pre-registered target errors and the rule's inputs."""

    eps: np.ndarray
    hi: float
    lo: float
    rule: str

    def to_dict(self) -> dict:
        return {
            "eps": [float(e) for e in self.eps],
            "hi": self.hi,
            "lo": self.lo,
            "rule": self.rule,
        }


def preregistered_targets(
    eps_curves: Sequence[np.ndarray],
    *,
    hi: float = TARGET_HI,
    floor: float = TARGET_FLOOR,
    points: int = TARGET_POINTS,
) -> Targets:
    """Targets from the training-error curves only (no cost enters the choice).

    >>> t = preregistered_targets([np.array([0.9, 0.3, 0.1]), np.array([0.8, 0.2, 0.06])])
    >>> t.hi, t.lo, len(t.eps)
    (0.4, 0.1, 8)
    """
    if not eps_curves:
        raise InputError("no training curves to choose targets from")
    curves = [smoothed(e) for e in eps_curves]
    start = min(float(e[0]) for e in curves)
    reach = max(float(np.min(e)) for e in curves)
    top = min(hi, start)
    lo = max(floor, reach)
    if not lo < top:
        raise InputError(
            f"no common target range: every seed starts at or below {start:.3g} and one seed "
            f"gets no lower than {reach:.3g}: train longer (more epochs)"
        )
    return Targets(
        np.geomspace(top, lo, points),
        float(top),
        float(lo),
        f"eps* geometric from min({hi}, lowest start) to max({floor}, smallest eps every seed "
        f"reaches), {points} points",
    )


def smoothed(eps: np.ndarray) -> np.ndarray:
    """The decreasing least-squares fit of log eps against the step (isotonic regression).

    Reaching a target is read off this curve rather than the raw one: the first step at which
    a *noisy* eps dips below eps* comes early, and the more so the more steps the curve spends
    near eps* (late, flat parts), which biases every slope; the isotonic fit averages the noise
    out instead. Steps with eps = 0 are kept at a floor of half the smallest positive value.

    >>> smoothed(np.array([0.9, 0.5, 0.6, 0.2])).round(3).tolist()
    [0.9, 0.548, 0.548, 0.2]
    """
    from sklearn.isotonic import IsotonicRegression

    eps = np.asarray(eps, dtype=float)
    pos = eps[eps > 0]
    floor = pos.min() / 2 if pos.size else 1e-12
    logs = np.log(np.maximum(eps, floor))
    fit = IsotonicRegression(increasing=False).fit_transform(np.arange(eps.size), logs)
    return np.exp(fit)


def first_reach(eps: np.ndarray, targets: np.ndarray) -> np.ndarray:
    """Index of the first step where the smoothed eps (:func:`smoothed`) is <= each target
    (-1 where never reached).

    >>> first_reach(np.array([0.9, 0.5, 0.6, 0.2]), np.array([0.55, 0.3])).tolist()
    [1, 3]
    """
    running = smoothed(eps)
    idx = np.searchsorted(-running, -np.asarray(targets, dtype=float), side="left")
    return np.where(idx < len(eps), idx, -1)


def _slope(x: np.ndarray, y: np.ndarray) -> float:
    if len(x) < 2 or np.ptp(x) == 0:
        return float("nan")
    return float(stats.linregress(x, y).slope)


def _inverse(slope: float, what: str, seed) -> float:
    if not np.isfinite(slope) or slope <= 0:
        raise InputError(
            f"seed {seed}: {what} does not grow across the targets (slope {slope:.3g}): the "
            "trajectory reaches them in too few steps; train on more samples or epochs"
        )
    return 1.0 / slope


def exponent(costs: np.ndarray, targets: np.ndarray, *, what: str = "the cost", seed=None) -> float:
    """alpha = 1 / slope of log C(eps*) against log(1/eps*): the one rule every training-level
    exponent uses (replay, validation, capped runs).

    >>> t = np.geomspace(0.4, 0.05, 8)
    >>> round(exponent(10 * t**-2.0, t), 6)
    0.5
    """
    costs = np.asarray(costs, dtype=float)
    if np.any(costs <= 0):
        raise InputError(f"seed {seed}: a cost to target is zero (reached at the start)")
    return _inverse(_slope(np.log(1.0 / targets), np.log(costs)), what, seed)


@dataclass(frozen=True)
class SeedFit:
    """Per-seed numbers on the common targets (see the module docstring)."""

    seed: int
    ratio: float
    alpha: dict
    a: float
    beta: float
    predicted_ratio: float
    cost_per_cut: dict
    eps_one_head: float | None


def fit_seed(
    costs,
    targets: Targets,
    *,
    seed: int,
    classical: str = "classical",
    amplified: str = "amplified",
    certify: bool = False,
) -> SeedFit:
    """Fit one seed's :class:`~grover_train.scaling.replay.ReplayCosts` on the targets."""
    idx = first_reach(costs.eps, targets.eps)
    if np.any(idx < 0):
        raise InputError(f"seed {seed} never reaches eps = {targets.lo:.3g}")
    C = {m: costs.total(m, certify)[idx] for m in costs.search}
    if any(np.any(c[1:] <= 0) for c in C.values()):
        raise InputError(f"seed {seed}: a cost to target is zero")
    alpha = {m: exponent(c, targets.eps, what=f"the {m} cost", seed=seed) for m, c in C.items()}
    ratio = _slope(np.log(C[amplified]), np.log(C[classical]))
    K = costs.cuts[idx].astype(float)
    a = exponent(np.maximum(K, 1.0), targets.eps, what="the number of cuts", seed=seed)
    # geometric-mean p_A over the head visits between consecutive targets
    dK = np.diff(K)
    dlog = np.diff(costs.log_p_sum[idx])
    ok = dK > 0
    mid = np.sqrt(targets.eps[:-1] * targets.eps[1:])
    beta = _slope(np.log(mid[ok]), dlog[ok] / dK[ok]) if ok.sum() >= 2 else float("nan")
    span = K[-1] - K[0]
    cost_per_cut = {
        m: float((costs.search[m][idx[-1]] - costs.search[m][idx[0]]) / span)
        if span > 0
        else float("nan")
        for m in costs.search
    }
    one = None
    med = costs.median_heads
    for j, e in zip(idx, targets.eps, strict=True):
        window = med[: j + 1]
        window = window[np.isfinite(window)]
        if window.size and np.median(window[-50:]) <= 1.0:
            one = float(e)
            break
    return SeedFit(
        seed=int(seed),
        ratio=ratio,
        alpha=alpha,
        a=a,
        beta=beta,
        predicted_ratio=2.0 / (1.0 + alpha[classical] / a),
        cost_per_cut=cost_per_cut,
        eps_one_head=one,
    )


@dataclass
class SizeResult:
    """Everything measured at one size n for one preparation."""

    n: int
    prep: str
    targets: Targets
    fits: list[SeedFit]
    fits_certified: list[SeedFit]
    failed: dict[int, str]

    def summary(self) -> dict:
        """Estimates over seeds (the numbers the report and exponents.json show)."""

        def est(values):
            try:
                return estimate(values).to_dict()
            except InputError as exc:
                return {"mean": None, "lo": None, "hi": None, "error": str(exc)}

        out = {
            "n": self.n,
            "prep": self.prep,
            "seeds": len(self.fits),
            "failed_seeds": dict(self.failed),
            "targets": self.targets.to_dict(),
            "ratio": est([f.ratio for f in self.fits]),
            "ratio_certified": est([f.ratio for f in self.fits_certified]),
            "a": est([f.a for f in self.fits]),
            "beta": est([f.beta for f in self.fits]),
            "predicted_ratio": est([f.predicted_ratio for f in self.fits]),
        }
        for m in self.fits[0].alpha:
            out[f"alpha_{m}"] = est([f.alpha[m] for f in self.fits])
            out[f"alpha_{m}_certified"] = est([f.alpha[m] for f in self.fits_certified])
            out[f"cost_per_cut_{m}"] = float(np.median([f.cost_per_cut[m] for f in self.fits]))
        ones = [f.eps_one_head for f in self.fits if f.eps_one_head is not None]
        out["eps_one_head"] = float(np.median(ones)) if ones else None
        return out


def fit_size(
    runs: Sequence[tuple[int, object]], *, n: int, prep: str, targets: Targets | None = None
) -> SizeResult:
    """Fit every seed of one size: ``runs`` are (seed, ReplayCosts) pairs."""
    if targets is None:
        targets = preregistered_targets([c.eps for _, c in runs])
    fits, fits_c, failed = [], [], {}
    for s, c in runs:
        try:
            fits.append(fit_seed(c, targets, seed=s))
            fits_c.append(fit_seed(c, targets, seed=s, certify=True))
        except InputError as exc:  # reported with the size, never dropped silently
            failed[int(s)] = str(exc)
    if len(fits) < 2:
        raise InputError(
            f"n = {n} ({prep}): fewer than 2 seeds could be fitted: " + "; ".join(failed.values())
        )
    return SizeResult(n, prep, targets, fits, fits_c, failed)


def size_trend(sizes: Mapping[int, SizeResult], key: str = "classical") -> dict:
    """Slope of log(cost per cut) against n over every seed of every size, with a 95 % t
    interval from the regression (expected: ln 2 = 0.69 classical, ln 2 / 2 amplified)."""
    ns, ys = [], []
    for n, res in sizes.items():
        for f in res.fits:
            c = f.cost_per_cut.get(key)
            if c is not None and np.isfinite(c) and c > 0:
                ns.append(n)
                ys.append(np.log(c))
    if len(set(ns)) < 2:
        return {"error": "fewer than two sizes"}
    r = stats.linregress(ns, ys)
    half = float(stats.t.ppf(0.975, len(ns) - 2) * r.stderr)
    return {"slope": float(r.slope), "lo": float(r.slope - half), "hi": float(r.slope + half)}


__all__ = [
    "Estimate",
    "SeedFit",
    "SizeResult",
    "Targets",
    "estimate",
    "exponent",
    "first_reach",
    "fit_seed",
    "fit_size",
    "preregistered_targets",
    "size_trend",
]
