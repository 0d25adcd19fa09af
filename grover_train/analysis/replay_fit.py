"""The replay estimator: pre-registered targets, paired costs to target, per-seed slopes.

Given cost curves that share one trajectory (:mod:`grover_train.studies.replay`):

1. **Targets** eps* follow one written rule (:data:`TARGET_RULE`, :func:`rule_targets`),
   fixed before any cost is looked at and the same for every method and size: 8 points
   geometric from 0.4 down to 0.0125 (1.5 decades; 3 of 240 training samples still wrong
   there, and never fewer than :data:`MIN_WRONG` samples on a smaller training set). A seed
   that does not reach the last target is named, never dropped. (:func:`preregistered_targets`
   is the older data-driven variant, still used for capped runs that may stall.)
2. **Cost to target** C_m(eps*) = cumulative cost at the first step with eps <= eps*, eps read
   off its isotonic fit and compared with a relative tolerance :data:`REACH_TOL`, so that an
   error of exactly 3/240 reaches 0.0125 (exp(log 0.0125) exceeds 0.0125 by one rounding).
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
#: lowest target: 3 of 240 training samples still wrong
TARGET_FLOOR = 0.0125
#: targets on the common range
TARGET_POINTS = 8
#: fewest training samples still wrong at the lowest target
MIN_WRONG = 3
#: fewest decades of eps* for an exponent to be called measured; the rule spans log10(32)
MIN_DECADES = 1.5
#: relative tolerance of "eps <= eps*": a target reached exactly counts despite round-off
REACH_TOL = 1e-9
#: the target rule in words (report, exponents.json, docs/measuring.md)
TARGET_RULE = (
    f"eps* = {TARGET_POINTS} points geometric from {TARGET_HI} down to max({TARGET_FLOOR}, "
    f"{MIN_WRONG} / training samples), fixed before any cost is seen, the same for every "
    "method and size; a seed that does not reach the last target is named, not dropped"
)


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


def rule_targets(num_train: int = 240) -> Targets:
    """The targets of :data:`TARGET_RULE`: they depend on the training-set size only.

    >>> t = rule_targets(240)
    >>> t.hi, t.lo, len(t.eps), round(float(np.log10(t.hi / t.lo)), 3)
    (0.4, 0.0125, 8, 1.505)
    >>> rule_targets(60).lo   # 3 of 60 samples
    0.05
    """
    num_train = int(num_train)
    if num_train < 1:
        raise InputError(f"the training set must hold at least one sample, got {num_train}")
    lo = max(TARGET_FLOOR, MIN_WRONG / num_train)
    if not lo < TARGET_HI:
        raise InputError(
            f"{num_train} training samples leave no target range: {MIN_WRONG} wrong samples "
            f"is an error of {lo:.3g} >= {TARGET_HI}; use more samples"
        )
    return Targets(np.geomspace(TARGET_HI, lo, TARGET_POINTS), TARGET_HI, float(lo), TARGET_RULE)


def decades(targets: Targets) -> float:
    """Decades of eps* the targets span.

    >>> round(decades(rule_targets()), 3)
    1.505
    """
    return float(np.log10(targets.hi / targets.lo))


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
    # the tolerance: exp(log(3/240)) > 3/240 by one rounding, and an error of exactly the
    # target must count as reaching it
    goal = np.asarray(targets, dtype=float) * (1.0 + REACH_TOL)
    idx = np.searchsorted(-running, -goal, side="left")
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
    """Per-seed numbers on the common targets (see the module docstring).

    ``ratio`` and ``alpha`` use each visit's exact expected cost (sa: its measured reads);
    ``ratio_sampled`` the sampled costs, the check. ``beta`` is the slope of log mean(1/p_A)
    over the head visits between targets against log(1/eps*): the quantity the classical cost
    follows. ``predicted_ratio`` and ``predicted_alpha`` are the one model's
    (:func:`model_ratio`, :func:`model_alpha`). ``cost_to_target[m]``: C_m at every target
    (expected, without certification); ``anneal_per_cut``: mean queries per cut of each
    annealer and of the other methods on the visits where the annealers were measured (None
    without annealers).
    """

    seed: int | str
    ratio: float
    ratio_sampled: float
    alpha: dict
    a: float
    beta: float
    predicted_ratio: float
    predicted_alpha: float
    cost_per_cut: dict
    eps_one_head: float | None
    cost_to_target: dict
    anneal_per_cut: dict | None = None


def model_alpha(a: float, beta: float, gamma: float = 1.0) -> float:
    """The one model: 1/alpha = 1/a + gamma * beta (gamma 1 classical, 1/2 amplified).

    >>> model_alpha(1.0, 1.0), model_alpha(1.0, 1.0, 0.5)
    (0.5, 0.6666666666666666)
    """
    return 1.0 / (1.0 / a + gamma * beta)


def model_ratio(a: float, beta: float) -> float:
    """alpha_amplified / alpha_classical of the model: 2 (1 + a beta) / (2 + a beta).

    >>> model_ratio(1.0, 0.0), round(model_ratio(1.0, 1e6), 4)
    (1.0, 2.0)
    """
    return model_alpha(a, beta, 0.5) / model_alpha(a, beta, 1.0)


def fit_seed(
    costs,
    targets: Targets,
    *,
    seed: int | str,
    classical: str = "classical",
    amplified: str = "amplified",
    certify: bool = False,
) -> SeedFit:
    """Fit one seed's :class:`~grover_train.studies.replay.ReplayCosts` on the targets."""
    idx = first_reach(costs.eps, targets.eps)
    if np.any(idx < 0):
        raise InputError(f"seed {seed} never reaches eps = {targets.lo:.3g}")
    C = {m: costs.total(m, certify, expected=True)[idx] for m in costs.search}
    Cs = {m: costs.total(m, certify)[idx] for m in (classical, amplified)}
    if any(np.any(c[1:] <= 0) for c in C.values()):
        raise InputError(f"seed {seed}: a cost to target is zero")
    alpha = {m: exponent(c, targets.eps, what=f"the {m} cost", seed=seed) for m, c in C.items()}
    ratio = _slope(np.log(C[amplified]), np.log(C[classical]))
    ratio_sampled = _slope(np.log(Cs[amplified]), np.log(Cs[classical]))
    K = costs.cuts[idx].astype(float)
    a = exponent(np.maximum(K, 1.0), targets.eps, what="the number of cuts", seed=seed)
    beta = _beta(costs, idx, K, targets.eps)
    span = K[-1] - K[0]
    cost_per_cut = {
        m: float(
            (costs.total(m, False, True)[idx[-1]] - costs.total(m, False, True)[idx[0]]) / span
        )
        if span > 0
        else float("nan")
        for m in costs.search
    }
    anneal_per_cut = None
    if costs.anneal_count is not None:
        count = costs.anneal_count[idx[-1]] - costs.anneal_count[idx[0]]
        if count > 0:
            paired = {**costs.anneal_sum, **costs.on_anneal}
            anneal_per_cut = {m: float((v[idx[-1]] - v[idx[0]]) / count) for m, v in paired.items()}
    one = None
    med = costs.median_heads
    for j, e in zip(idx, targets.eps, strict=True):
        window = med[: j + 1]
        window = window[np.isfinite(window)]
        if window.size and np.median(window[-50:]) <= 1.0:
            one = float(e)
            break
    wo_cert = {m: costs.total(m, False, True)[idx] for m in costs.search}
    return SeedFit(
        seed=seed,
        ratio=ratio,
        ratio_sampled=ratio_sampled,
        alpha=alpha,
        a=a,
        beta=beta,
        predicted_ratio=model_ratio(a, beta),
        predicted_alpha=model_alpha(a, beta),
        cost_per_cut=cost_per_cut,
        eps_one_head=one,
        cost_to_target={m: [float(v) for v in c] for m, c in wo_cert.items()},
        anneal_per_cut=anneal_per_cut,
    )


def _beta(costs, idx: np.ndarray, K: np.ndarray, eps: np.ndarray) -> float:
    """Slope of log mean(1/p_A) over the head visits between consecutive targets against
    log(1/eps*) at their geometric midpoint. The mean of 1/p_A, not the geometric mean of
    p_A: a classical cut costs 1/p_A on average, which single-head samples dominate."""
    dK = np.diff(K)
    ok = dK > 0
    mid = np.sqrt(eps[:-1] * eps[1:])
    if ok.sum() < 2:
        return float("nan")
    if costs.inv_p_sum is not None:
        per_cut = np.diff(costs.inv_p_sum[idx])[ok] / dK[ok]
        return _slope(np.log(1.0 / mid[ok]), np.log(per_cut))
    # stores without 1/p sums: the geometric mean of p_A (an older, lower estimate)
    dlog = np.diff(costs.log_p_sum[idx])
    return _slope(np.log(mid[ok]), dlog[ok] / dK[ok])


@dataclass
class SizeResult:
    """Everything measured at one size n for one preparation."""

    n: int
    prep: str
    targets: Targets
    fits: list[SeedFit]
    fits_certified: list[SeedFit]
    failed: dict[int | str, str]
    data_seeds: tuple[int, ...] = ()

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
            "data_seeds": list(self.data_seeds),
            "failed_seeds": {str(k): v for k, v in self.failed.items()},
            "targets": self.targets.to_dict(),
            "decades": decades(self.targets),
            "ratio": est([f.ratio for f in self.fits]),
            "ratio_sampled": est([f.ratio_sampled for f in self.fits]),
            "ratio_certified": est([f.ratio for f in self.fits_certified]),
            "a": est([f.a for f in self.fits]),
            "beta": est([f.beta for f in self.fits]),
            "predicted_ratio": est([f.predicted_ratio for f in self.fits]),
            "predicted_alpha_classical": est([f.predicted_alpha for f in self.fits]),
        }
        for m in self.fits[0].alpha:
            out[f"alpha_{m}"] = est([f.alpha[m] for f in self.fits])
            out[f"alpha_{m}_certified"] = est([f.alpha[m] for f in self.fits_certified])
            out[f"cost_per_cut_{m}"] = float(np.median([f.cost_per_cut[m] for f in self.fits]))
        ann = [f.anneal_per_cut for f in self.fits if f.anneal_per_cut is not None]
        out["anneal_per_cut"] = (
            {m: float(np.mean([d[m] for d in ann])) for m in ann[0]} if ann else None
        )
        out["anneal_per_cut_seeds"] = len(ann)
        ones = [f.eps_one_head for f in self.fits if f.eps_one_head is not None]
        out["eps_one_head"] = float(np.median(ones)) if ones else None
        return out


def fit_size(
    runs: Sequence[tuple[int | str, object]],
    *,
    n: int,
    prep: str,
    targets: Targets | None = None,
    data_seeds: Sequence[int] = (),
) -> SizeResult:
    """Fit every seed of one size: ``runs`` are (seed, ReplayCosts) pairs; ``targets``
    default to the written rule for 240 training samples (:func:`rule_targets`)."""
    if targets is None:
        targets = rule_targets(240)
    fits, fits_c, failed = [], [], {}
    for s, c in runs:
        try:
            fits.append(fit_seed(c, targets, seed=s))
            fits_c.append(fit_seed(c, targets, seed=s, certify=True))
        except InputError as exc:  # reported with the size, never dropped silently
            failed[s] = str(exc)
    if len(fits) < 2:
        raise InputError(
            f"n = {n} ({prep}): fewer than 2 seeds could be fitted: " + "; ".join(failed.values())
        )
    return SizeResult(n, prep, targets, fits, fits_c, failed, tuple(sorted(set(data_seeds))))


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
    "decades",
    "first_reach",
    "fit_seed",
    "model_alpha",
    "model_ratio",
    "rule_targets",
    "fit_size",
    "preregistered_targets",
    "size_trend",
]
