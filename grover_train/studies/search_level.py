"""Search-level experiment: queries to the first head against the head probability p_A.

For one landscape and one state preparation A (``uniform`` or ``dqa``) a run measures:

- ``p_A``: the exact head probability of A, sum over heads of |<s|A|0>|^2 (uniform: heads/2^n;
  dqa: from the DQA statevector of :mod:`grover_train.finders.coherent.prep`);
- ``classical``: classical repetition of A: draw states from A's distribution until a head
  (one query per draw, docs/design.md section 3); ``searches`` seeded searches;
- ``amplified``: amplitude amplification with the BBHT schedule on the ``exact`` backend, via
  the ``grover`` finder (``r + 1`` queries per round); ``searches`` seeded searches;
- ``sa`` / ``sqa``: annealing reads until a head with the ``sa`` and ``sqa`` finders
  (``anneal_searches`` seeded searches; run with the uniform preparation only since they do not
  use A).

:func:`fit_search_scaling` fits log(mean queries) against log(1/p_A) over landscapes, with a
bootstrap over landscapes and, within each, over searches. Classical repetition has slope 1,
amplitude amplification 1/2 (BBHT's overhead lowers the small-1/p_A end slightly).
"""

from __future__ import annotations

import math
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from grover_train.analysis.fits import BootstrapCI, PowerLawFit, fit_power_law
from grover_train.enumeration.states import MAX_ENUMERATION_VARIABLES
from grover_train.errors import InputError, UnknownNameError
from grover_train.extras import ExtraMissingError
from grover_train.finders.search_problem import SearchProblem
from grover_train.rng import SEED_MAX, child_seed
from grover_train.studies.base import (
    ReportContext,
    RunContext,
    Section,
    Study,
    fmt,
    fmt_ci,
)
from grover_train.studies.search_landscapes import Landscape, make_landscape

PREPS = ("uniform", "dqa")
SEARCH_METHODS = ("classical", "amplified", "sa", "sqa")
#: keys a search run spec may hold (checked by the sweep loader)
SPEC_KEYS = {
    "family",
    "n",
    "seed",
    "stage",
    "index",
    "heads",
    "prep",
    "searches",
    "anneal_searches",
    "annealers",
    "steps",
    "dt",
    "budget_factor",
    "epochs",
    "margin",
}
#: bytes per state a run holds at once (energies, head and exclusion flags, A's distribution,
#: the sorted copy that places an SK threshold, the DQA statevector)
RUN_BYTES_PER_STATE = 48


def _int_in(lo: int, hi: float | None = None) -> tuple[Any, str]:
    def ok(v: Any) -> bool:
        return isinstance(v, int) and not isinstance(v, bool) and lo <= v <= (hi or v)

    return ok, f"an integer >= {lo}" if hi is None else f"an integer in [{lo}, {hi}]"


def _finite(lo: float, strict: bool) -> tuple[Any, str]:
    def ok(v: Any) -> bool:
        if isinstance(v, bool) or not isinstance(v, int | float):
            return False
        try:
            return math.isfinite(float(v)) and (v > lo if strict else v >= lo)
        except OverflowError:
            return False

    return ok, f"a finite number {'>' if strict else '>='} {lo}"


#: search spec key -> (check, what a good value looks like); n, heads and stage are checked
#: against the family in :func:`check_search_spec`
SPEC_TYPES: dict[str, tuple[Any, str]] = {
    "family": (lambda v: isinstance(v, str), 'a landscape family name, e.g. "sk"'),
    "n": _int_in(2, MAX_ENUMERATION_VARIABLES),
    "seed": _int_in(0, SEED_MAX),
    "stage": (lambda v: isinstance(v, str), 'a stage name, e.g. "early"'),
    "index": _int_in(0),
    "heads": _int_in(1),
    "prep": (lambda v: v in PREPS, " or ".join(f'"{p}"' for p in PREPS)),
    "searches": _int_in(1),
    "anneal_searches": _int_in(0),
    "annealers": (
        lambda v: isinstance(v, list) and all(x in ("sa", "sqa") for x in v),
        'a list of "sa" and "sqa"',
    ),
    "steps": _int_in(1),
    "dt": _finite(0.0, strict=True),
    "budget_factor": _finite(0.0, strict=True),
    "epochs": _int_in(0),
    "margin": _finite(0.0, strict=False),
}


def check_search_spec(spec: Mapping[str, Any]) -> None:
    """Check every value of a search run spec before it runs (the sweep loader calls this for
    each run): types and ranges, ``n`` against the family and the memory its 2^n tables take.

    >>> check_search_spec({"family": "sk", "n": 10, "prep": "dqa"})
    >>> check_search_spec({"n": -3})
    Traceback (most recent call last):
    ...
    grover_train.errors.InputError: n = -3 is not an integer in [2, 26]: change it ...
    """
    from grover_train.enumeration import check_memory
    from grover_train.studies.search_landscapes import LANDSCAPE_FAMILIES

    for key, value in spec.items():
        if key in SPEC_TYPES and not SPEC_TYPES[key][0](value):
            raise InputError(
                f"{key} = {value!r} is not {SPEC_TYPES[key][1]}: change it in the sweep file"
            )
    family = LANDSCAPE_FAMILIES.get(spec.get("family", "sk"))
    if family is None:
        return  # the sweep loader names the known families
    n = spec.get("n", 10)
    if n < family.min_n:
        raise InputError(
            f"n = {n} is too small for family {family.name!r}: give n >= {family.min_n}"
        )
    stage = spec.get("stage") or ""
    if stage and stage not in family.stages:
        raise InputError(
            f"stage = {stage!r} is not a stage of family {family.name!r}: "
            + (f"use one of {', '.join(family.stages)}" if family.stages else "remove it")
        )
    if family.name == "sk" and spec.get("heads", 2) >= 2**n:
        raise InputError(f"heads = {spec['heads']} is not below 2^n = {2**n}: give fewer heads")
    check_memory(n, RUN_BYTES_PER_STATE, "a search run", "use a smaller n")


#: points with 1/p_A below this are left out of the slope fits (BBHT's constant overhead
#: dominates there; see docs/measuring.md)
MIN_INV_P = 10.0


def _get(spec: Any, key: str, default: Any = None) -> Any:
    if isinstance(spec, Mapping):
        return spec.get(key, default)
    return getattr(spec, key, default)


# --------------------------------------------------------------------------- preparation
def prep_distribution(
    problem: SearchProblem, prep: str = "uniform", *, steps: int = 8, dt: float = 0.8
) -> np.ndarray:
    """Probabilities |<s|A|0>|^2 over the 2^n states (little-endian order).

    >>> from grover_train.studies.search_landscapes import sk_landscape
    >>> p = prep_distribution(sk_landscape(4, 0).problem())
    >>> p.shape, float(p.sum())
    ((16,), 1.0)
    """
    n = problem.num_variables
    if prep == "uniform":
        return np.full(2**n, 1.0 / 2**n)
    if prep == "dqa":
        from grover_train.finders.coherent.prep import Preparation

        return Preparation("dqa", steps, dt).probabilities(problem)  # cached on the problem
    raise UnknownNameError(f"unknown preparation {prep!r}: choose one of {', '.join(PREPS)}")


def head_probability(problem: SearchProblem, probs: np.ndarray) -> float:
    """p_A: the marked mass of a preparation's distribution.

    >>> from grover_train.studies.search_landscapes import sk_landscape
    >>> pr = sk_landscape(6, 0, heads=4).problem()
    >>> head_probability(pr, prep_distribution(pr)) == 4 / 64
    True
    """
    return float(probs[problem.marked].sum())


# --------------------------------------------------------------------------- searches
def classical_repetition(
    problem: SearchProblem, probs: np.ndarray, rng: np.random.Generator, budget: int
) -> tuple[int, bool]:
    """Draw states from ``probs`` (one query each) until a head; return (queries, found).

    >>> from grover_train.studies.search_landscapes import sk_landscape
    >>> pr = sk_landscape(6, 0, heads=4).problem()
    >>> q, found = classical_repetition(pr, prep_distribution(pr), np.random.default_rng(0), 10**4)
    >>> found and q >= 1
    True
    """
    marked = problem.marked
    N = marked.size
    uniform = bool(np.all(probs == probs[0]))
    cdf = None if uniform else np.cumsum(probs)
    used, batch = 0, 256
    while used < budget:
        k = min(batch, budget - used)
        if uniform:
            z = rng.integers(0, N, size=k)
        else:
            z = np.minimum(np.searchsorted(cdf, rng.random(k) * cdf[-1], side="right"), N - 1)
        hits = np.flatnonzero(marked[z])
        if hits.size:
            return used + int(hits[0]) + 1, True
        used += k
        batch = min(batch * 4, 1 << 20)
    return used, False


def bbht_model(
    p: float,
    rng: np.random.Generator,
    budget: int,
    lam: float = 6 / 5,
    num_states: int | None = None,
) -> tuple[int, bool]:
    """Queries to the first head of BBHT amplitude amplification on an ideal (exact) machine
    with head probability ``p``: rounds j ~ U[0, m), cost j + 1, success sin^2((2j+1) theta),
    m <- min(lam m, sqrt(N)). An independent model of the ``grover`` finder's exact backend,
    used as a cross-check and when that finder is not installed.

    >>> qs = [bbht_model(1e-4, np.random.default_rng(s), 10**6)[0] for s in range(200)]
    >>> bool(50 < np.mean(qs) < 400)
    True
    """
    if p <= 0:
        return budget, False
    theta = np.arcsin(np.sqrt(min(p, 1.0)))
    cap = np.sqrt(num_states) if num_states else np.inf
    m, used = 1.0, 0
    while used < budget:
        j = int(rng.integers(0, max(1, int(m))))
        used += j + 1
        if rng.random() < np.sin((2 * j + 1) * theta) ** 2:
            return min(used, budget), used <= budget
        m = min(lam * m, cap)
    return budget, False


def amplified_search(
    problem: SearchProblem, prep: str, seed: int, budget: int, *, steps: int = 8, dt: float = 0.8
) -> tuple[int, bool, str]:
    """One BBHT search with the ``grover`` finder on the exact backend.

    Returns (queries, found, implementation); the implementation is ``"grover-finder"`` (the
    run records it; :func:`bbht_model` is the independent model the tests compare it with).
    """
    from grover_train.finders import get_finder

    options = {"prep": prep, "schedule": "bbht", "backend": "exact"}
    if prep == "dqa":
        options.update(steps=steps, dt=dt)
    finder = get_finder("grover", **options)
    # search on our prepared problem: the finder reuses its energies and prep statevector
    ss = finder.search(problem, budget, seed=seed, max_heads=1)
    return int(ss.info["queries"]), len(ss) > 0, "grover-finder"


def annealer_search(landscape: Landscape, name: str, seed: int, budget: int) -> tuple[int, bool]:
    """Annealing reads (queries) until the first head with the ``sa`` or ``sqa`` finder."""
    from grover_train.finders import get_finder

    ss = get_finder(name).sample(
        landscape.bqm,
        threshold=landscape.threshold,
        exclude=landscape.exclude,
        budget=budget,
        seed=seed,
        max_heads=1,
    )
    return int(ss.info["queries"]), len(ss) > 0


# --------------------------------------------------------------------------- one run
def landscape_of(spec: Any) -> Landscape:
    """The landscape a search spec names (family, n, seed, stage, index, heads...)."""
    family = _get(spec, "family", "sk")
    options = {}
    for key in ("epochs", "margin"):
        if _get(spec, key) is not None:
            options[key] = _get(spec, key)
    return make_landscape(
        family,
        int(_get(spec, "n", 10)),
        int(_get(spec, "seed", 0)),
        stage=_get(spec, "stage", "") or "",
        index=int(_get(spec, "index", 0)),
        heads=int(_get(spec, "heads", 2)),
        **options,
    )


def run_search_spec(spec: Any, progress: bool = False):
    """Run the search-level measurement of one landscape and one preparation.

    Returns a :class:`grover_train.run_output.RunOutput`: ``summary`` with ``p_A``,
    ``inv_p``, ``num_heads`` and ``mean.<method>``; ``metrics`` with one row per search
    (``method``, ``search``, ``seed``, ``queries``, ``found``).

    >>> out = run_search_spec({"family": "sk", "n": 6, "seed": 0, "heads": 4, "searches": 8,
    ...                        "anneal_searches": 0})
    >>> out.summary["p_A"], len(out.metrics)
    (0.0625, 16)
    """
    from grover_train.run_output import RunOutput

    t0 = time.perf_counter()
    prep = _get(spec, "prep", "uniform")
    if prep not in PREPS:
        raise UnknownNameError(f"unknown preparation {prep!r}: choose one of {', '.join(PREPS)}")
    steps, dt = int(_get(spec, "steps", 8)), float(_get(spec, "dt", 0.8))
    searches = int(_get(spec, "searches", 64))
    anneal = int(_get(spec, "anneal_searches", 8)) if prep == "uniform" else 0
    annealers = list(_get(spec, "annealers", ["sa", "sqa"]))
    factor = float(_get(spec, "budget_factor", 60.0))
    seed = int(_get(spec, "seed", 0))

    ls = landscape_of(spec)
    problem = ls.problem()
    probs = prep_distribution(problem, prep, steps=steps, dt=dt)
    p = head_probability(problem, probs)
    if p <= 0:
        raise InputError(f"landscape {ls.name} has no heads under {prep!r}: pick another")
    budget = int(min(max(factor / p, 1000), 2**40))
    rng = np.random.default_rng([seed, 1])  # independent of the landscape's own stream
    metrics: list[dict] = []
    impl = None
    for i in range(searches):
        s = child_seed(rng)
        q, found = classical_repetition(problem, probs, np.random.default_rng(s), budget)
        metrics.append(
            {"method": "classical", "search": i, "seed": s, "queries": q, "found": found}
        )
    for i in range(searches):
        s = child_seed(rng)
        q, found, impl = amplified_search(problem, prep, s, budget, steps=steps, dt=dt)
        metrics.append(
            {"method": "amplified", "search": i, "seed": s, "queries": q, "found": found}
        )
    for name in annealers if anneal else []:
        for i in range(anneal):
            s = child_seed(rng)
            try:
                q, found = annealer_search(ls, name, s, max(budget // 1000, 200))
            except ExtraMissingError:
                break  # the annealer's optional package is not installed: the run records none
            metrics.append({"method": name, "search": i, "seed": s, "queries": q, "found": found})
    for step, row in enumerate(metrics):
        row["step"] = step
    summary: dict[str, Any] = {
        "family": ls.family,
        "n": ls.n,
        "stage": ls.stage,
        "landscape": ls.name,
        "prep": prep,
        "p_A": p,
        "inv_p": 1.0 / p,
        "num_heads": int(problem.marked.sum()),
        "num_states": int(problem.marked.size),
        "amplified_impl": impl,
        "p_uniform": float(problem.marked.mean()),
    }
    for method in SEARCH_METHODS:
        q = [m["queries"] for m in metrics if m["method"] == method]
        if q:
            summary[f"mean.{method}"] = float(np.mean(q))
            summary[f"found.{method}"] = float(
                np.mean([m["found"] for m in metrics if m["method"] == method])
            )
    summary["queries"] = int(sum(m["queries"] for m in metrics))
    summary["wall_s"] = time.perf_counter() - t0
    return RunOutput(summary, metrics, seed=seed)


# --------------------------------------------------------------------------- fits
@dataclass(frozen=True)
class SearchPoint:
    """One landscape under one preparation: p_A and the queries of each search per method."""

    landscape: str
    prep: str
    p_A: float
    p_uniform: float
    queries: dict  # method -> np.ndarray of queries to the first head

    @property
    def inv_p(self) -> float:
        return 1.0 / self.p_A


@dataclass(frozen=True)
class SearchFit:
    """Slopes of log(mean queries) vs log(1/p_A) with bootstrap intervals."""

    classical: PowerLawFit
    coherent: PowerLawFit
    classical_ci: BootstrapCI
    coherent_ci: BootstrapCI
    ratio_ci: BootstrapCI
    annealers: dict  # name -> (PowerLawFit, BootstrapCI) vs 1/p_uniform
    num_points: int
    decades: float

    @property
    def ratio(self) -> float:
        return self.classical.slope / self.coherent.slope


def points_from_runs(runs: Sequence[tuple[dict, list[dict]]]) -> list[SearchPoint]:
    """Turn (summary, metrics) pairs of search runs into :class:`SearchPoint` objects."""
    pts = []
    for summary, metrics in runs:
        q: dict[str, list] = {}
        for m in metrics:
            q.setdefault(m["method"], []).append(float(m["queries"]))
        pts.append(
            SearchPoint(
                summary["landscape"],
                summary["prep"],
                float(summary["p_A"]),
                float(summary.get("p_uniform", summary["p_A"])),
                {k: np.asarray(v) for k, v in q.items()},
            )
        )
    return pts


def _slope(
    points: Sequence[SearchPoint], method: str, rng: np.random.Generator | None, x: str = "inv_p"
) -> float:
    xs, ys = [], []
    for pt in points:
        q = pt.queries.get(method)
        if q is None or q.size == 0:
            continue
        if rng is not None:
            q = q[rng.integers(0, q.size, size=q.size)]
        xs.append(pt.inv_p if x == "inv_p" else 1.0 / pt.p_uniform)
        ys.append(q.mean())
    return fit_power_law(xs, ys).slope


def fit_search_scaling(
    points: Sequence[SearchPoint],
    *,
    num_boot: int = 1000,
    seed: int = 0,
    min_inv_p: float = MIN_INV_P,
    level: float = 0.95,
) -> SearchFit:
    """Fit the classical and coherent slopes, their ratio and the annealers' cost per head.

    Points with 1/p_A < ``min_inv_p`` are left out. The bootstrap resamples landscapes (with
    their preparations) and, within each, the searches.

    >>> rng = np.random.default_rng(0)
    >>> pts = [SearchPoint(f"l{i}", "uniform", p, p, {"classical": rng.geometric(p, 64),
    ...        "amplified": np.array([bbht_model(p, rng, 10**9)[0] for _ in range(64)])})
    ...        for i, p in enumerate(np.logspace(-1.5, -5.5, 9))]
    >>> fit = fit_search_scaling(pts, num_boot=100)
    >>> 0.9 < fit.classical.slope < 1.1, 0.4 < fit.coherent.slope < 0.6
    (True, True)
    """
    pts = [pt for pt in points if pt.inv_p >= min_inv_p]
    if len({pt.p_A for pt in pts}) < 2:
        raise InputError(
            "the search-level fit needs landscapes with at least two different "
            f"p_A above 1/p_A = {min_inv_p}: run more landscapes"
        )

    def xy(method: str, x: str = "inv_p"):
        use = [pt for pt in pts if method in pt.queries and pt.queries[method].size]
        xs = [pt.inv_p if x == "inv_p" else 1 / pt.p_uniform for pt in use]
        return xs, [pt.queries[method].mean() for pt in use]

    classical = fit_power_law(*xy("classical"))
    coherent = fit_power_law(*xy("amplified"))
    by_land: dict[str, list[SearchPoint]] = {}
    for pt in pts:
        by_land.setdefault(pt.landscape, []).append(pt)
    lands = list(by_land)
    rng = np.random.default_rng(seed)
    boots: dict[str, list[float]] = {"classical": [], "amplified": [], "ratio": []}
    ann_names = sorted({m for pt in pts for m in pt.queries} - {"classical", "amplified"})
    ann_boot: dict[str, list[float]] = {a: [] for a in ann_names}
    for _ in range(int(num_boot)):
        pick = [
            pt for i in rng.integers(0, len(lands), size=len(lands)) for pt in by_land[lands[i]]
        ]
        try:
            c = _slope(pick, "classical", rng)
            a = _slope(pick, "amplified", rng)
        except InputError:
            continue
        boots["classical"].append(c)
        boots["amplified"].append(a)
        boots["ratio"].append(c / a)
        for name in ann_names:
            try:
                ann_boot[name].append(_slope(pick, name, rng, x="uniform"))
            except InputError:
                pass

    def ci(values: list[float], estimate: float) -> BootstrapCI:
        if not values:
            return BootstrapCI(estimate, float("nan"), float("nan"), level, 0)
        lo, hi = np.quantile(values, [(1 - level) / 2, (1 + level) / 2])
        return BootstrapCI(estimate, float(lo), float(hi), level, len(values))

    annealers = {}
    for name in ann_names:
        xs, ys = xy(name, "uniform")
        if len(set(xs)) >= 2:
            f = fit_power_law(xs, ys)
            annealers[name] = (f, ci(ann_boot[name], f.slope))
    inv = [pt.inv_p for pt in pts]
    return SearchFit(
        classical,
        coherent,
        ci(boots["classical"], classical.slope),
        ci(boots["amplified"], coherent.slope),
        ci(boots["ratio"], classical.slope / coherent.slope),
        annealers,
        len(pts),
        float(np.log10(max(inv) / min(inv))),
    )


# --------------------------------------------------------------------------- the study
def search_keys(s: SearchFit | str) -> dict[str, Any]:
    """The flat ``search.*`` keys of exponents.json (the reason as ``search.note`` when the
    fit failed)."""
    out: dict[str, Any] = {}
    if isinstance(s, SearchFit):
        out.update(
            {
                "search.coherent_slope": s.coherent.slope,
                "search.coherent_slope_ci": [s.coherent_ci.low, s.coherent_ci.high],
                "search.classical_slope": s.classical.slope,
                "search.classical_slope_ci": [s.classical_ci.low, s.classical_ci.high],
                "search.ratio": s.ratio,
                "search.ratio_ci": [s.ratio_ci.low, s.ratio_ci.high],
                "search.decades": s.decades,
                "search.num_points": s.num_points,
            }
        )
        for name, (f, ci) in s.annealers.items():
            out[f"search.{name}_slope"] = f.slope
            out[f"search.{name}_slope_ci"] = [ci.low, ci.high]
    else:
        for key in ("coherent_slope", "classical_slope", "ratio"):
            out[f"search.{key}"] = None
            out[f"search.{key}_ci"] = None
        out["search.note"] = s
    return out


def search_rows(s: SearchFit | str) -> str:
    """The search level's rows of the side-by-side table (paper | ours | window)."""
    if not isinstance(s, SearchFit):
        return f"| search slopes | 1 and 0.5 | n/a | {s} |"
    w = f"1/p_A in [{s.classical.x_min:.3g}, {s.classical.x_max:.3g}] "
    w += f"({s.decades:.1f} decades, {s.num_points} landscape x prep points)"
    lines = [
        f"| search slope, classical repetition | 1 (theory) | {fmt(s.classical.slope, 3)} "
        f"{fmt_ci(s.classical_ci.low, s.classical_ci.high)} | {w} |",
        f"| search slope, amplified (bbht) | 0.5 (theory) | {fmt(s.coherent.slope, 3)} "
        f"{fmt_ci(s.coherent_ci.low, s.coherent_ci.high)} | {w} |",
        f"| search ratio classical / coherent | up to 2 | {fmt(s.ratio, 3)} "
        f"{fmt_ci(s.ratio_ci.low, s.ratio_ci.high)} | exponent gain of amplitude amplification |",
    ]
    for name, (f, ci) in s.annealers.items():
        lines.append(
            f"| search slope, {name} reads per head | - | {fmt(f.slope, 3)} "
            f"{fmt_ci(ci.low, ci.high)} | vs 1/p_uniform |"
        )
    return "\n".join(lines)


def search_verdict(s: SearchFit | str) -> str:
    """One sentence: does the search level gain the full factor of 2?"""
    if not isinstance(s, SearchFit):
        return "The search level was not measured."
    lo, hi = s.ratio_ci.low, s.ratio_ci.high
    if hi < 1.8 or lo > 2.2:
        word = "does not reach" if hi < 1.8 else "exceeds"
        return (
            f"At the search level the exponent gain {word} 2: ratio {s.ratio:.2f} "
            f"[{lo:.2f}, {hi:.2f}]."
        )
    return (
        f"At the search level amplitude amplification gains the full factor of "
        f"2 in the exponent (ratio {s.ratio:.2f} [{lo:.2f}, {hi:.2f}]), as "
        "theory says: 2x is the ceiling."
    )


def plot_search(pts: Sequence[SearchPoint], s: SearchFit | str, path: Path) -> bool:
    """Queries to the first head against 1/p_A (error bars: standard error over searches),
    with reference slopes 1 and 1/2 and the fits; annealer reads on their own axis (against
    1/p_uniform, a different quantity). Writes nothing and returns False without points."""
    if not pts:
        return False
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from grover_train.finders.registry import FINDERS

    annealing = [m for m, e in FINDERS.items() if e.family == "annealing"]
    annealers = [m for m in annealing if any(m in p.queries for p in pts)]
    fig, axes = plt.subplots(1, 2 if annealers else 1, figsize=(12 if annealers else 6.4, 4.8))
    axes = np.atleast_1d(axes)
    ax = axes[0]
    styles = {
        "classical": ("tab:blue", "classical repetition"),
        "amplified": ("tab:red", "amplified (bbht)"),
        **{
            m: ({"sa": "tab:green", "sqa": "tab:purple"}.get(m, "tab:gray"), f"{m} reads")
            for m in annealers
        },
    }
    for method, (color, label) in styles.items():
        target = ax if method in ("classical", "amplified") else axes[-1]
        for prep, marker in (("uniform", "o"), ("dqa", "s")):
            use = [p for p in pts if p.prep == prep and method in p.queries]
            if not use:
                continue
            x = [p.inv_p if method in ("classical", "amplified") else 1 / p.p_uniform for p in use]
            q = [np.asarray(p.queries[method], dtype=float) for p in use]
            y = [v.mean() for v in q]
            err = [v.std(ddof=1) / np.sqrt(v.size) if v.size > 1 else 0.0 for v in q]
            target.errorbar(
                x,
                y,
                yerr=err,
                fmt=marker,
                color=color,
                ms=4,
                alpha=0.7,
                capsize=2,
                label=f"{label} ({prep})",
            )
    xs_all = [p.inv_p for p in pts]
    lo, hi = min(xs_all), max(xs_all)
    xs = np.logspace(np.log10(lo), np.log10(hi), 50)
    for slope, ls in ((1.0, ":"), (0.5, "-.")):
        ax.plot(
            xs,
            (xs / lo) ** slope * lo**slope,
            color="gray",
            ls=ls,
            lw=1,
            label=f"reference slope {slope:g}",
        )
    if isinstance(s, SearchFit):
        for f, color, name in (
            (s.classical, "tab:blue", "classical"),
            (s.coherent, "tab:red", "coherent"),
        ):
            xf = np.logspace(np.log10(f.x_min), np.log10(f.x_max), 50)
            ax.plot(
                xf, f.predict(xf), color=color, lw=1.5, label=f"{name} fit: slope {f.slope:.3f}"
            )
    for a in axes:
        a.set_xscale("log")
        a.set_yscale("log")
        a.set_ylabel("mean queries to the first head")
        a.legend(fontsize=7, loc="upper left", framealpha=0.6)
    ax.set_xlabel("1 / p_A")
    ax.set_title("Search level: amplitude amplification vs classical repetition")
    if annealers:
        axes[-1].set_xlabel("1 / p_uniform")
        axes[-1].set_title("Annealers: reads to the first head")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return True


def search_specs(*, quick: bool = True, seeds: Sequence[int] | None = None) -> list[dict]:
    """The run specs of the search-level experiment (SK sizes 8..20 and dragon landscapes at
    two stages and four sizes, each under the uniform and dqa preparations).

    >>> len(search_specs(quick=True)) > 10
    True
    """
    seeds = tuple(seeds) if seeds is not None else ((0, 1) if quick else (0, 1, 2))
    sizes = (8, 10, 12, 14, 16, 18, 20) if not quick else (8, 11, 14, 17, 20)
    searches = 200 if not quick else 64
    anneal = 16 if not quick else 4
    specs = []
    for prep in PREPS:
        for seed in seeds:
            for n in sizes:
                specs.append(
                    {
                        "kind": "search",
                        "family": "sk",
                        "n": n,
                        "seed": seed,
                        "heads": 2,
                        "prep": prep,
                        "searches": searches,
                        "anneal_searches": anneal,
                    }
                )
            for n in (8, 12, 16, 20):
                for stage in ("early", "late"):
                    specs.append(
                        {
                            "kind": "search",
                            "family": "dragon",
                            "n": n,
                            "seed": seed,
                            "stage": stage,
                            "prep": prep,
                            "searches": searches,
                            "anneal_searches": anneal,
                        }
                    )
    return specs


def _run(ctx: RunContext) -> None:
    seeds = ctx.seeds.get("search-level")
    ctx.sweep(f"search-level-{ctx.tag}", "search", search_specs(quick=ctx.quick, seeds=seeds))


def _report(ctx: ReportContext) -> Section:
    runs = [
        (rec["summary"], ctx.store.metrics(rec["run_id"]))
        for rec in ctx.store.runs(kind="search", status="finished")
    ]
    points = points_from_runs(runs)
    try:
        fit: SearchFit | str = fit_search_scaling(points, num_boot=ctx.num_boot, seed=ctx.seed)
    except InputError as exc:
        fit = str(exc) if runs else "no search-level runs in the store"
    plotted = plot_search(points, fit, ctx.out / "search_scaling.png")
    table = search_rows(fit)
    verdict = search_verdict(fit)
    plot = (
        " Plot: `search_scaling.png` (circles: uniform A, squares: dqa A, with both fitted slopes)."
        if plotted
        else ""
    )
    markdown = f"""## Search level

The search level validates the simulator: classical repetition has slope 1 and amplitude
amplification 1/2 in log(queries) against log(1/p_A) by construction, so the measured slopes
check the engines, not the paper's claim. Search slopes: least-squares slope of log(mean
queries to first head) against log(1/p_A), points with 1/p_A >= 10; 95 % percentile bootstrap
intervals over landscapes and their searches.{plot}

| quantity | theory | ours (95% CI) | fit window / notes |
|---|---|---|---|
{table}

{verdict}

"""
    files = ("search_scaling.png",) if plotted else ()
    return Section(markdown, search_keys(fit), files, table, verdict)


#: the study's registry entry (:data:`grover_train.studies.STUDIES`)
STUDY = Study(
    "search-level",
    "queries to the first head against 1/p_A, per method and preparation",
    _report,
    _run,
)
