"""Annealing vs backprop, decided (issue 19, item 5): the paper's 1.01 vs 0.78 on one task.

Three methods train the same student (one hidden layer of ``hidden`` units, n = hidden + 3
spins per landscape) on the same grown-teacher data
(:func:`grover_train.data.datasets.grown_teacher`: 300 samples, 240 train), one run per
(data seed, seed) pair and method:

- ``sa``: head cutting with simulated annealing; its reads per sample search (the search
  budget) are tuned first on a validation split of *other* data seeds (:func:`tune_reads`);
- ``sqa``: head cutting with simulated quantum annealing (OpenJij), the same reads;
- ``backprop``: gradient descent on the same network and classifier
  (:class:`grover_train.train.backprop.Backprop`, batches of 16).

Queries (docs/design.md section 3): one annealing read (plus one energy evaluation per sample
for its threshold) for ``sa``/``sqa``; one sample's forward plus backward pass for backprop.

Every step's training error eps is measured exactly on all 240 training samples
(:class:`CurveRecorder`), so each target's first crossing is located to the step. A run stops
at the first step with eps <= the lowest target (no cost beyond it enters any fit) or at its
budget. Targets follow the project's rule (:func:`targets_for`: 8 points geometric from 0.4
down to max(0.0125, 3 / training samples): 0.4 to 0.0125 here, 1.5 decades), fixed before any
run and the same for every method. Each run's alpha is 1 / slope of log C(eps*) against
log(1/eps*), C(eps*) read off the isotonic fit of its eps curve
(:func:`grover_train.analysis.replay_fit.exponent`); a run that does not reach the lowest target
is named with the reason, never dropped silently. Across seeds: 95 % t intervals (and BCa
from 8 seeds on, :func:`grover_train.analysis.replay_fit.estimate`); the difference
alpha_sa - alpha_backprop is paired by (data seed, seed). The verdict calls an ordering only
when the difference's interval excludes 0 (:func:`verdict_text`).
"""

from __future__ import annotations

import json
import math
import os
import time
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from grover_train import jsonify
from grover_train.analysis.replay_fit import Estimate, estimate, exponent
from grover_train.data.datasets import Dataset
from grover_train.errors import InputError
from grover_train.studies.base import ReportContext, RunContext, Section, Study
from grover_train.train.loop import Batch, StepResult, Updater

#: the paper's exponents (abstract of arXiv:2506.05244)
PAPER_ANNEALING, PAPER_BACKPROP = 1.01, 0.78
#: methods in table order
METHODS = ("sa", "sqa", "backprop")
#: file names written by :func:`run_once` and read back by the report
JSON_NAME, PLOT_NAME = "anneal_vs_backprop.json", "anneal_vs_backprop.png"
#: relative tolerance of "eps reached eps*": exp(log(3/240)) exceeds 3/240 by one rounding,
#: and an error of exactly 3 samples must count as reaching 0.0125
REACH_TOL = 1e-9


@dataclass(frozen=True)
class AnnealVsBackpropOptions:
    """Everything that defines the comparison (recorded with every result).

    Attributes:
        hidden: student hidden units H (teacher (12, H, 3), :func:`grown_teacher`).
        num_samples: samples drawn per data seed (80 % train).
        target_hi, target_floor, target_points: the target rule (geometric eps* from
            ``target_hi`` down to max(``target_floor``, smallest eps every run reaches)).
        batch_size, eta, eta_decay, margin, average: head cutting (sa and sqa): samples per
            step, step size eta / (1 + eta_decay * epochs), kappa, weight averaging (0: off,
            so eps is measured on the weights being cut).
        sa_sweeps: Metropolis sweeps per sa read.
        read_grid: reads per sample search tried when tuning sa.
        tuning_pairs: (data seed, seed) pairs of the tuning runs: data never used by the
            comparison.
        validation_fraction: share of the tuning data's training set held out for validation.
        validation_target: the validation error (1 - validation accuracy) whose first
            crossing's cost ranks the reads: 0.15 lies in the late regime, where the reads
            decide whether rare heads are found (0.2 and 0.25 are crossed within the first
            few thousand queries, where any budget finds heads and fewer reads always win).
        tuning_budget: queries per tuning run at most.
        sqa_reads, sqa_sweeps: OpenJij reads per batch and sweeps per read.
        backprop_batch, backprop_eta: backprop's mini-batch and Adam step size.
        budget_sa, budget_sqa, budget_backprop: queries per run at most.
        sqa_pairs: how many of the comparison's pairs also run sqa (None: all); sqa is about
            ten times slower per read than sa.
    """

    hidden: int = 16
    num_samples: int = 300
    target_hi: float = 0.4
    target_floor: float = 0.0125
    target_points: int = 8
    batch_size: int = 4
    eta: float = 0.1
    eta_decay: float = 0.2
    margin: float = 0.0
    average: int = 0
    sa_sweeps: int = 100
    read_grid: tuple[int, ...] = (4, 8, 16)
    tuning_pairs: tuple[tuple[int, int], ...] = ((1000, 1000), (1001, 1001), (1002, 1002))
    validation_fraction: float = 0.2
    validation_target: float = 0.15
    tuning_budget: int = 20_000
    sqa_reads: int = 4
    sqa_sweeps: int = 20
    backprop_batch: int = 16
    backprop_eta: float = 0.005
    budget_sa: int = 150_000
    budget_sqa: int = 150_000
    budget_backprop: int = 100_000
    sqa_pairs: int | None = None

    def to_dict(self) -> dict:
        return asdict(self)


def default_options(quick: bool) -> AnnealVsBackpropOptions:
    """The options of ``reproduce`` (full) and ``reproduce --quick`` (``make demo``).

    The quick run keeps the task, the size and the tuning and leaves sqa out: through OpenJij
    one sqa read costs about ten times an sa read (1-3 minutes per pair here), more than the
    demo's time allows.

    >>> default_options(True).sqa_pairs, default_options(False).sqa_pairs is None
    (0, True)
    """
    return AnnealVsBackpropOptions(sqa_pairs=0) if quick else AnnealVsBackpropOptions()


def default_pairs(quick: bool) -> tuple[list[int], list[int]]:
    """(seeds, data seeds): 10 pairs quick, 18 full; the data seed varies with the run seed.

    The difference needs >= 8 (quick) and >= 16 (full) pairs in which both methods reach the
    lowest target; sa stalls above it on some data seeds (1 of 8 in the first quick runs), so
    two pairs more are run. Every pair run is reported, a stalled one with its reason.

    >>> default_pairs(True)[0] == default_pairs(True)[1] == list(range(10))
    True
    """
    n = 10 if quick else 18
    return list(range(n)), list(range(n))


# ---------------------------------------------------------------- one run, step by step


class _Reached(Exception):
    """Raised by :class:`CurveRecorder` to end a run at its stop criterion."""


class CurveRecorder(Updater):
    """Wraps an updater: after every step, the exact training error of the weights being
    trained on the whole training set (and the validation error when asked), with the
    cumulative queries; ends the run when ``stop(row)`` is true.

    The loop (:func:`grover_train.train.loop.train`) still owns batches, seeds and query
    counts; this only measures (measuring is never counted as queries).
    """

    def __init__(self, inner: Updater, *, stop=None, validation: bool = False) -> None:
        self.inner = inner
        self.name = inner.name
        self.options = inner.options
        self.finder_options = inner.finder_options
        self.stop = stop
        self.validation = validation
        self.rows: list[tuple[int, float, float]] = []  # (queries, eps, validation error)

    def check(self, dataset: Dataset, hidden: list[int]) -> None:
        self.inner.check(dataset, hidden)
        self.name = self.inner.name

    def fresh(self, net):
        return self.inner.fresh(net)

    def init(self, net, dataset: Dataset, state: dict, seed: int) -> None:
        from grover_train.train.result import Evaluator

        self.inner.init(net, dataset, state, seed)
        self.evaluator = Evaluator(dataset, eval_size=None, seed=seed)
        self.dataset = dataset
        self._record(int(state.get("queries", 0)))

    def _record(self, queries: int) -> None:
        net = self.inner.network()
        eps = self.evaluator.train_errors(net)[0]
        val = float("nan")
        if self.validation:
            val = 1.0 - net.accuracy(self.dataset.X_val, self.dataset.y_val)
        self.rows.append((int(queries), float(eps), float(val)))

    def order(self, rng, n: int):
        return self.inner.order(rng, n)

    def step(self, batch: Batch) -> StepResult:
        res = self.inner.step(batch)
        self._record(batch.queries + res.queries)
        if self.stop is not None and self.stop(self.rows[-1]):
            raise _Reached
        return res

    def network(self):
        return self.inner.network()

    def state(self) -> dict:
        return self.inner.state()

    def summary(self) -> dict:
        return self.inner.summary()

    def options_used(self) -> dict:
        return self.inner.options_used()

    def close(self) -> None:
        self.inner.close()


@dataclass
class RunRecord:
    """One training run: its exact eps curve per step and how it was produced.

    ``queries``/``eps``/``val_error``: cumulative queries and errors after every step
    (the first entry: before any step); ``spent``: queries spent when the run ended;
    ``stopped``: it ended at its stop criterion (else at its budget).
    """

    method: str
    data_seed: int
    seed: int
    queries: np.ndarray
    eps: np.ndarray
    val_error: np.ndarray
    spent: int
    stopped: bool
    wall_s: float
    options: dict

    def to_dict(self) -> dict:
        return {
            "method": self.method,
            "data_seed": self.data_seed,
            "seed": self.seed,
            "queries": self.queries.tolist(),
            "eps": self.eps.tolist(),
            "val_error": self.val_error.tolist(),
            "spent": self.spent,
            "stopped": self.stopped,
            "wall_s": self.wall_s,
            "options": self.options,
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> RunRecord:
        return cls(
            d["method"],
            int(d["data_seed"]),
            int(d["seed"]),
            np.asarray(d["queries"], dtype=float),
            np.asarray(d["eps"], dtype=float),
            np.asarray([np.nan if v is None else v for v in d["val_error"]], dtype=float),
            int(d["spent"]),
            bool(d["stopped"]),
            float(d["wall_s"]),
            dict(d["options"]),
        )


def load_task(options: AnnealVsBackpropOptions, data_seed: int) -> Dataset:
    """The grown-teacher data of one data seed (teacher (12, H, 3), a new teacher per seed).

    >>> ds = load_task(AnnealVsBackpropOptions(hidden=4, num_samples=50), 0)
    >>> ds.meta["teacher_sizes"], len(ds.y_train)
    ([12, 4, 3], 40)
    """
    from grover_train.data.datasets import grown_teacher, load_dataset

    return load_dataset(
        "teacher",
        seed=int(data_seed),
        teacher_sizes=grown_teacher(options.hidden),
        num_samples=options.num_samples,
    )


#: fewest training samples still wrong at the lowest target (the project's target rule)
MIN_WRONG = 3


def targets_for(options: AnnealVsBackpropOptions, num_train: int) -> np.ndarray:
    """The targets: ``target_points`` geometric from ``target_hi`` down to
    max(``target_floor``, 3 / training samples), fixed before any run (the project's rule,
    docs/measuring.md; 0.4 down to 0.0125 = 3/240 by default).

    >>> t = targets_for(AnnealVsBackpropOptions(), 240)
    >>> len(t), float(t[0]), float(t[-1]), round(float(np.log10(t[0] / t[-1])), 3)
    (8, 0.4, 0.0125, 1.505)
    """
    o = options
    lo = max(o.target_floor, MIN_WRONG / int(num_train))
    if not lo < o.target_hi:
        raise InputError(
            f"{num_train} training samples leave no target range below {o.target_hi}: "
            "use more samples"
        )
    return np.geomspace(o.target_hi, lo, int(o.target_points))


def method_kwargs(method: str, options: AnnealVsBackpropOptions, reads: int) -> dict:
    """The values of one method's options (:func:`grover_train.train.options.method_options`
    builds them from ``finder``, ``finder_options`` and the rest).

    >>> method_kwargs("sa", AnnealVsBackpropOptions(), 8)["search_budget"]
    8
    >>> method_kwargs("backprop", AnnealVsBackpropOptions(), 8)["batch_size"]
    16
    """
    o = options
    if method == "backprop":
        return {"finder": "backprop", "batch_size": o.backprop_batch, "eta": o.backprop_eta}
    if method == "sa":
        fopts = {"num_reads": min(4, int(reads)), "num_sweeps": o.sa_sweeps}
    elif method == "sqa":
        fopts = {"num_reads": min(o.sqa_reads, int(reads)), "num_sweeps": o.sqa_sweeps}
    else:
        raise InputError(f"unknown method {method!r}: choose one of {', '.join(METHODS)}")
    return {
        "finder": method,
        "finder_options": fopts,
        "search_budget": int(reads),
        "max_heads": 1,
        "batch_size": o.batch_size,
        "eta": o.eta,
        "eta_decay": o.eta_decay,
        "margin": o.margin,
        "average": o.average,
    }


def train_curve(
    method: str,
    options: AnnealVsBackpropOptions,
    *,
    data_seed: int,
    seed: int,
    reads: int = 8,
    budget: int | None = None,
    tuning: bool = False,
) -> RunRecord:
    """Train one run and record its exact eps after every step.

    A comparison run (``tuning`` False) uses the whole training set and stops at the first
    step with eps <= ``options.target_floor``; a tuning run holds out
    ``options.validation_fraction`` of the training data and stops at the first step with
    validation error <= ``options.validation_target``.

    >>> o = AnnealVsBackpropOptions(hidden=4, num_samples=60)
    >>> r = train_curve("backprop", o, data_seed=0, seed=0, budget=800)
    >>> float(r.queries[0]), r.spent <= 800, len(r.eps) == len(r.queries)
    (0.0, True, True)
    """
    from grover_train.data.datasets import split_validation
    from grover_train.train.loop import train
    from grover_train.train.options import method_options
    from grover_train.train.run import make_updater

    if budget is None:
        budget = options.tuning_budget if tuning else getattr(options, f"budget_{method}")
    budget = int(budget)
    kw = method_kwargs(method, options, reads)
    dataset = load_task(options, data_seed)
    floor = targets_for(options, len(dataset.y_train))[-1] * (1 + REACH_TOL)
    if tuning:
        dataset = split_validation(dataset, options.validation_fraction, data_seed)
        vt = options.validation_target * (1 + REACH_TOL)

        def stop(row):
            return row[2] <= vt

    else:

        def stop(row):
            return row[1] <= floor

    finder = kw.pop("finder")
    fopts = kw.pop("finder_options", None)
    updater = make_updater(method_options(finder, fopts, **kw))
    rec = CurveRecorder(updater, stop=stop, validation=tuning)
    t0 = time.perf_counter()
    stopped = False
    try:
        # the loop's own metrics are not needed (the recorder measures every step): few evals
        train(
            dataset,
            rec,
            hidden=options.hidden,
            budget=budget,
            seed=seed,
            progress=False,
            num_evals=2,
        )
    except _Reached:
        stopped = True
    rows = np.asarray(rec.rows, dtype=float)
    return RunRecord(
        method=method,
        data_seed=int(data_seed),
        seed=int(seed),
        queries=rows[:, 0],
        eps=rows[:, 1],
        val_error=rows[:, 2],
        spent=int(rows[-1, 0]),
        stopped=stopped,
        wall_s=round(time.perf_counter() - t0, 3),
        options={
            "budget": budget,
            "reads": int(reads),
            "tuning": tuning,
            "num_train": len(dataset.y_train),
            **kw,
            "finder_options": fopts,
        },
    )


# ---------------------------------------------------------------- tuning sa on validation


@dataclass(frozen=True)
class Tuning:
    """The sa reads per sample search chosen on the validation split, and the table.

    ``rows``: per reads, the cost (queries) of each tuning pair to its first step with
    validation error <= the validation target (``None``: not within the tuning budget) and
    their median (``inf`` when any pair missed).
    """

    reads: int
    rows: list[dict]
    target: float
    pairs: list[tuple[int, int]]


def choose_reads(costs: Mapping[int, Sequence[float | None]]) -> tuple[int, list[dict]]:
    """The reads with the lowest median cost to the validation target (a pair that missed it
    counts as infinite cost; ties: fewer reads), and the table.

    >>> choose_reads({4: [100, None], 8: [300, 500], 16: [400, 900]})[0]
    8
    >>> choose_reads({4: [200, 300], 8: [300, 200]})[0]   # a tie goes to fewer reads
    4
    """
    rows = []
    for reads, cs in sorted(costs.items()):
        vals = [math.inf if c is None else float(c) for c in cs]
        rows.append({"reads": int(reads), "costs": list(cs), "median": float(np.median(vals))})
    if not rows:
        raise InputError("no tuning runs to choose the reads from")
    best = min(rows, key=lambda r: (r["median"], r["reads"]))
    return best["reads"], rows


def tune_reads(options: AnnealVsBackpropOptions, *, workers: int = 1) -> tuple[Tuning, list]:
    """Train sa with each of ``options.read_grid`` reads per search on every tuning pair
    (the training set minus a validation split, data seeds the comparison never uses) and
    choose by :func:`choose_reads`. Returns the choice and the tuning runs."""
    jobs = [("sa", r, ds, s, True) for r in options.read_grid for ds, s in options.tuning_pairs]
    runs = _run_jobs(jobs, options, workers)
    target = options.validation_target * (1 + REACH_TOL)
    costs: dict[int, list] = {}
    for rec in runs:
        hit = np.flatnonzero(rec.val_error <= target)
        costs.setdefault(rec.options["reads"], []).append(
            int(rec.queries[hit[0]]) if hit.size else None
        )
    reads, rows = choose_reads(costs)
    pairs = [(int(a), int(b)) for a, b in options.tuning_pairs]
    return Tuning(reads, rows, options.validation_target, pairs), runs


def _one_job(args) -> RunRecord:
    method, reads, data_seed, seed, tuning, options = args
    return train_curve(method, options, data_seed=data_seed, seed=seed, reads=reads, tuning=tuning)


def _run_jobs(jobs: list[tuple], options: AnnealVsBackpropOptions, workers: int) -> list:
    """Run (method, reads, data seed, seed, tuning) jobs, in order; ``workers`` > 1: in that
    many processes (each run is seeded on its own, so the results do not depend on it)."""
    args = [(*job, options) for job in jobs]
    if workers <= 1 or len(args) <= 1:
        return [_one_job(a) for a in args]
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(max_workers=int(workers)) as pool:
        return list(pool.map(_one_job, args))


# ---------------------------------------------------------------- fits and the verdict


def run_alpha(rec: RunRecord, targets: np.ndarray) -> float:
    """alpha of one run on the targets: 1 / slope of log C(eps*) against log(1/eps*), C the
    queries at the first step where the isotonic-smoothed eps reaches eps* (the project's
    estimator, :func:`grover_train.analysis.fits.costs_to_targets`).

    >>> C = np.logspace(2, 5, 60)
    >>> rec = RunRecord("x", 0, 0, C, 30 * C**-0.8, C * np.nan, int(C[-1]), True, 0.0, {})
    >>> round(run_alpha(rec, np.geomspace(0.4, 0.0125, 8)), 1)
    0.8
    """
    from grover_train.analysis.fits import costs_to_targets

    # reaching eps* within a rounding counts (REACH_TOL); the slope uses the nominal targets
    costs = costs_to_targets(rec.queries, rec.eps, targets * (1 + REACH_TOL))
    return exponent(costs, targets, seed=(rec.data_seed, rec.seed))


def paired_difference(
    first: Mapping[Any, float], second: Mapping[Any, float], confidence: float = 0.95
) -> Estimate:
    """Mean of first[k] - second[k] over the keys both have, with its t interval (and BCa
    from 8 pairs on): the per-pair differences share data and seed, so pairing removes what
    the two runs have in common.

    >>> rng = np.random.default_rng(0)
    >>> base = {k: v for k, v in enumerate(rng.normal(1.0, 0.3, 16))}
    >>> other = {k: v - 0.2 + rng.normal(0, 0.02) for k, v in base.items()}
    >>> d = paired_difference(base, other)
    >>> d.lo < 0.2 < d.hi, d.hi - d.lo < 0.05
    (True, True)
    """
    keys = [k for k in first if k in second]
    return estimate([first[k] - second[k] for k in keys], confidence=confidence)


def verdict_text(
    difference: Estimate, alpha_sa: float | None = None, alpha_backprop: float | None = None
) -> str:
    """One sentence: an ordering only when the difference's interval excludes 0, else
    equality within the interval's half-width.

    >>> from grover_train.analysis.replay_fit import Estimate
    >>> verdict_text(Estimate(0.3, 0.1, 0.5, 0.2, 16)).startswith("sa scales with a larger")
    True
    >>> "equal exponents within +-0.15" in verdict_text(Estimate(0.05, -0.1, 0.2, 0.2, 16))
    True
    """
    d, lo, hi = difference.mean, difference.lo, difference.hi
    half = (hi - lo) / 2
    pair = (
        f" (alpha_sa {alpha_sa:.2f}, alpha_backprop {alpha_backprop:.2f})"
        if alpha_sa is not None and alpha_backprop is not None
        else ""
    )
    n = difference.num_seeds
    paper = PAPER_ANNEALING - PAPER_BACKPROP
    where = "inside" if lo <= paper <= hi else "outside"
    if lo > 0:
        return (
            f"sa scales with a larger exponent than backprop{pair}: alpha_sa - alpha_backprop "
            f"= {d:.2f} [{lo:.2f}, {hi:.2f}] (95 %, {n} paired seeds) excludes 0, the paper's "
            f"ordering (1.01 above 0.78); the paper's difference {paper:.2f} lies {where} it."
        )
    if hi < 0:
        return (
            f"sa scales with a smaller exponent than backprop{pair}: alpha_sa - alpha_backprop "
            f"= {d:.2f} [{lo:.2f}, {hi:.2f}] (95 %, {n} paired seeds) excludes 0, the reverse "
            f"of the paper's ordering (1.01 above 0.78)."
        )
    return (
        f"sa and backprop scale with equal exponents within +-{half:.2f}{pair}: "
        f"alpha_sa - alpha_backprop = {d:.2f} [{lo:.2f}, {hi:.2f}] (95 %, {n} paired seeds) "
        f"contains 0, so no ordering is called; the paper's difference {paper:.2f} lies "
        f"{where} the interval."
    )


# ---------------------------------------------------------------- the comparison


@dataclass
class AnnealVsBackpropResult:
    """The comparison's outcome (see the module docstring).

    Attributes:
        options: the options (as a dict); ``quick``: the demo's version.
        pairs: the (data seed, seed) pairs; ``tuning``: the reads chosen and the table.
        targets: the pre-registered eps* (all three methods, before any cost).
        alphas: method -> per-pair alpha (keys ``"<data seed>/<seed>"``); ``failed``: method
            -> pair -> why it could not be fitted.
        estimates: method -> :class:`Estimate` of alpha over its pairs.
        difference: alpha_sa - alpha_backprop paired by (data seed, seed), or None.
        verdict: the sentence; ``runs``: every run (curves, queries, wall time, options).
        wall_s: wall time of the whole comparison; ``versions``: package versions.
    """

    options: dict
    quick: bool
    pairs: list[tuple[int, int]]
    tuning: Tuning | None
    targets: list[float]
    alphas: dict[str, dict[str, float]]
    failed: dict[str, dict[str, str]]
    estimates: dict[str, Estimate]
    difference: Estimate | None
    verdict: str
    runs: list[RunRecord] = field(default_factory=list)
    tuning_runs: list[RunRecord] = field(default_factory=list)
    wall_s: float = 0.0
    versions: dict = field(default_factory=dict)
    #: alpha_sqa - alpha_backprop paired the same way (None without two common pairs)
    difference_sqa: Estimate | None = None

    @property
    def decades(self) -> float:
        """Decades of eps* the common targets span."""
        return float(np.log10(self.targets[0] / self.targets[-1])) if self.targets else 0.0

    def to_dict(self) -> dict:
        return {
            "options": self.options,
            "quick": self.quick,
            "pairs": [list(p) for p in self.pairs],
            "tuning": None if self.tuning is None else asdict(self.tuning),
            "targets": self.targets,
            "decades": self.decades,
            "alphas": self.alphas,
            "failed": self.failed,
            "estimates": {m: e.to_dict() for m, e in self.estimates.items()},
            "difference": None if self.difference is None else self.difference.to_dict(),
            "difference_sqa": None
            if self.difference_sqa is None
            else self.difference_sqa.to_dict(),
            "verdict": self.verdict,
            "runs": [r.to_dict() for r in self.runs],
            "tuning_runs": [r.to_dict() for r in self.tuning_runs],
            "wall_s": self.wall_s,
            "versions": self.versions,
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> AnnealVsBackpropResult:
        t = d.get("tuning")
        tuning = (
            None
            if t is None
            else Tuning(
                int(t["reads"]), list(t["rows"]), float(t["target"]), [tuple(p) for p in t["pairs"]]
            )
        )
        diff = d.get("difference")
        dsqa = d.get("difference_sqa")
        return cls(
            options=dict(d["options"]),
            quick=bool(d["quick"]),
            pairs=[tuple(p) for p in d["pairs"]],
            tuning=tuning,
            targets=list(d["targets"]),
            alphas={m: dict(v) for m, v in d["alphas"].items()},
            failed={m: dict(v) for m, v in d["failed"].items()},
            estimates={m: Estimate(**e) for m, e in d["estimates"].items()},
            difference=None if diff is None else Estimate(**diff),
            verdict=str(d["verdict"]),
            runs=[RunRecord.from_dict(r) for r in d.get("runs", [])],
            tuning_runs=[RunRecord.from_dict(r) for r in d.get("tuning_runs", [])],
            wall_s=float(d.get("wall_s", 0.0)),
            versions=dict(d.get("versions", {})),
            difference_sqa=None if dsqa is None else Estimate(**dsqa),
        )


def _key(rec: RunRecord) -> str:
    return f"{rec.data_seed}/{rec.seed}"


def analyse(
    runs: Sequence[RunRecord], options: AnnealVsBackpropOptions
) -> tuple[list[float], dict, dict, dict, Estimate | None, str]:
    """Targets, per-pair alphas, failures, estimates, the paired difference and the verdict
    of a set of comparison runs."""
    num_train = {int(r.options.get("num_train", 0)) for r in runs}
    if len(num_train) != 1:
        raise InputError(f"the runs hold training sets of several sizes {sorted(num_train)}")
    targets = targets_for(options, num_train.pop())
    alphas: dict[str, dict[str, float]] = {}
    failed: dict[str, dict[str, str]] = {}
    for rec in runs:
        try:
            alphas.setdefault(rec.method, {})[_key(rec)] = run_alpha(rec, targets)
        except InputError as exc:
            failed.setdefault(rec.method, {})[_key(rec)] = str(exc)
    estimates = {}
    for m in METHODS:
        if len(alphas.get(m, {})) >= 2:
            estimates[m] = estimate(list(alphas[m].values()))
    diff = None
    if len(set(alphas.get("sa", {})) & set(alphas.get("backprop", {}))) >= 2:
        diff = paired_difference(alphas["sa"], alphas["backprop"])
    if diff is None:
        verdict = (
            "No verdict: fewer than 2 (data seed, seed) pairs have both an sa and a backprop "
            "exponent."
        )
    else:
        verdict = verdict_text(diff, estimates["sa"].mean, estimates["backprop"].mean)
    return [float(t) for t in targets], alphas, failed, estimates, diff, verdict


def run_anneal_vs_backprop(
    options: AnnealVsBackpropOptions | None = None,
    *,
    seeds: Sequence[int] | None = None,
    data_seeds: Sequence[int] | None = None,
    quick: bool = True,
    workers: int = 1,
    tune: bool = True,
) -> AnnealVsBackpropResult:
    """Tune sa's reads on validation, then train sa, sqa and backprop on every
    (data seed, seed) pair and fit (module docstring).

    Args:
        options: the comparison (default :func:`default_options` of ``quick``).
        seeds, data_seeds: the pairs, zipped (default :func:`default_pairs`).
        quick: the demo's version (recorded; selects the defaults).
        workers: processes for the runs (results do not depend on it).
        tune: tune the reads (else the first of ``options.read_grid``).

    >>> o = AnnealVsBackpropOptions(hidden=4, num_samples=60, target_floor=0.2,
    ...     read_grid=(4,), budget_sa=3000, budget_backprop=3000, sqa_pairs=0)
    >>> r = run_anneal_vs_backprop(o, seeds=[0, 1], data_seeds=[0, 1])
    >>> sorted(r.alphas), round(r.decades, 2), len(r.runs)
    (['backprop', 'sa'], 0.3, 4)
    """
    o = options if options is not None else default_options(quick)
    if seeds is None or data_seeds is None:
        s0, d0 = default_pairs(quick)
        seeds = s0 if seeds is None else seeds
        data_seeds = d0 if data_seeds is None else data_seeds
    if len(seeds) != len(data_seeds):
        raise InputError(
            f"seeds and data seeds pair up: got {len(seeds)} seeds and {len(data_seeds)} data seeds"
        )
    pairs = [(int(d), int(s)) for d, s in zip(data_seeds, seeds, strict=True)]
    t0 = time.perf_counter()
    tuning, tuning_runs = (None, [])
    reads = int(o.read_grid[0])
    if tune and len(o.read_grid) > 1:
        tuning, tuning_runs = tune_reads(o, workers=workers)
        reads = tuning.reads
    n_sqa = len(pairs) if o.sqa_pairs is None else min(int(o.sqa_pairs), len(pairs))
    jobs = [("sa", reads, d, s, False) for d, s in pairs]
    jobs += [("backprop", reads, d, s, False) for d, s in pairs]
    jobs += [("sqa", reads, d, s, False) for d, s in pairs[:n_sqa]]
    runs = _run_jobs(jobs, o, workers)
    targets, alphas, failed, estimates, diff, verdict = analyse(runs, o)
    dsqa = None
    if len(set(alphas.get("sqa", {})) & set(alphas.get("backprop", {}))) >= 2:
        dsqa = paired_difference(alphas["sqa"], alphas["backprop"])
    from grover_train.provenance import versions

    return AnnealVsBackpropResult(
        options={**o.to_dict(), "sa_reads": reads},
        quick=bool(quick),
        pairs=pairs,
        tuning=tuning,
        targets=targets,
        alphas=alphas,
        failed=failed,
        estimates=estimates,
        difference=diff,
        verdict=verdict,
        runs=list(runs),
        tuning_runs=list(tuning_runs),
        wall_s=round(time.perf_counter() - t0, 1),
        versions=versions(),
        difference_sqa=dsqa,
    )


def exponent_keys(result: AnnealVsBackpropResult | None) -> dict[str, Any]:
    """The flat ``anneal_vs_backprop.*`` keys of ``exponents.json`` ({} without a result).

    >>> exponent_keys(None)
    {}
    """
    if result is None:
        return {}
    p = "anneal_vs_backprop."
    out: dict[str, Any] = {
        # the pairs the paired difference rests on (both sa and backprop fitted)
        p + "seeds": 0 if result.difference is None else result.difference.num_seeds,
        p + "pairs_run": len(result.pairs),
        p + "pairs": [list(x) for x in result.pairs],
        p + "decades": result.decades,
        p + "targets": result.targets,
        p + "hidden": result.options.get("hidden"),
        p + "sa_reads": result.options.get("sa_reads"),
        p + "paper_annealing": PAPER_ANNEALING,
        p + "paper_backprop": PAPER_BACKPROP,
        p + "wall_s": result.wall_s,
    }
    for m in METHODS:
        e = result.estimates.get(m)
        out[p + f"alpha_{m}"] = None if e is None else e.mean
        out[p + f"alpha_{m}_ci"] = None if e is None else [e.lo, e.hi]
        out[p + f"{m}_seeds"] = len(result.alphas.get(m, {}))
        if result.failed.get(m):
            out[p + f"{m}_failed"] = dict(result.failed[m])
        if e is None:
            ran = any(r.method == m for r in result.runs)
            if ran:
                out[p + f"{m}_note"] = "fewer than 2 runs reached the lowest target"
            elif m == "sqa":
                out[p + f"{m}_note"] = "full run only: an sqa read costs about ten sa reads"
            else:
                out[p + f"{m}_note"] = "not run"
    d = result.difference
    out[p + "difference"] = None if d is None else d.mean
    out[p + "difference_ci"] = None if d is None else [d.lo, d.hi]
    out[p + "difference_bca"] = None if d is None or d.bca_lo is None else [d.bca_lo, d.bca_hi]
    out[p + "verdict"] = result.verdict
    ds = result.difference_sqa
    out[p + "difference_sqa_backprop"] = None if ds is None else ds.mean
    out[p + "difference_sqa_backprop_ci"] = None if ds is None else [ds.lo, ds.hi]
    return out


# ---------------------------------------------------------------- report, plot, files

#: each method's query unit, as the report states it
UNITS = {
    "sa": "one sa read (100 Metropolis sweeps of one sample's landscape) + one energy "
    "evaluation per sample visit",
    "sqa": "one sqa read (OpenJij path-integral anneal of one sample's landscape) + one "
    "energy evaluation per sample visit",
    "backprop": "one sample's forward + backward pass",
}
PAPER_ROW = {"sa": "1.01 (quantum annealer)", "sqa": "1.01 (quantum annealer)", "backprop": "0.78"}


def _f(x: float | None, digits: int = 2) -> str:
    if x is not None and math.isinf(x):
        return "inf"
    return "n/a" if x is None or not math.isfinite(x) else f"{x:.{digits}f}"


def section(result: AnnealVsBackpropResult | None) -> str:
    """The report's "Annealing vs backprop" section ("" without a result)."""
    if result is None:
        return ""
    o = result.options
    t = result.targets
    lines = [
        "## Annealing vs backprop (the paper's 1.01 vs 0.78)",
        "",
        f"Task: grown teacher (12, {o['hidden']}, 3), student H = {o['hidden']} "
        f"(n = {o['hidden'] + 3} spins per landscape), {o['num_samples']} samples (240 train), "
        f"{len(result.pairs)} (data seed, seed) pairs, the data seed varying with the run seed. "
        f"Targets eps* {t[0]:.3g} to {t[-1]:.4g} ({len(t)} points geometric, "
        f"{result.decades:.2f} decades), fixed by rule before any run, the same for every "
        "method; eps is measured exactly on all training samples after every step and a run "
        "stops at its first step at or below the lowest target. alpha per run: 1 / slope of "
        "log C(eps*) against log(1/eps*); 95 % t intervals over pairs.",
        "",
        "| method | paper | alpha (95 % CI) | pairs fitted | median queries to the lowest "
        "target | query unit |",
        "|---|---|---|---|---|---|",
    ]
    for m in METHODS:
        e = result.estimates.get(m)
        runs = [r for r in result.runs if r.method == m]
        if not runs:
            why = "full run only (an sqa read costs about ten sa reads)" if m == "sqa" else ""
            lines.append(f"| {m} | {PAPER_ROW[m]} | not run | {why or 'not run'} | | {UNITS[m]} |")
            continue
        spent = [r.spent for r in runs if r.stopped]
        med = f"{np.median(spent):.3g}" if spent else "n/a"
        alpha = "n/a" if e is None else f"{e.mean:.2f} [{e.lo:.2f}, {e.hi:.2f}]"
        fails = len(result.failed.get(m, {}))
        fitted = f"{len(result.alphas.get(m, {}))} of {len(runs)}" + (
            f" ({fails} not fitted)" if fails else ""
        )
        lines.append(f"| {m} | {PAPER_ROW[m]} | {alpha} | {fitted} | {med} | {UNITS[m]} |")
    d = result.difference
    if d is not None:
        bca = f"; BCa [{d.bca_lo:.2f}, {d.bca_hi:.2f}]" if d.bca_lo is not None else ""
        lines.append(
            f"| alpha_sa - alpha_backprop (paired) | {PAPER_ANNEALING - PAPER_BACKPROP:.2f} | "
            f"{d.mean:.2f} [{d.lo:.2f}, {d.hi:.2f}] | {d.num_seeds} pairs{bca} | | |"
        )
    ds = result.difference_sqa
    if ds is not None:
        lines.append(
            f"| alpha_sqa - alpha_backprop (paired) | {PAPER_ANNEALING - PAPER_BACKPROP:.2f} | "
            f"{ds.mean:.2f} [{ds.lo:.2f}, {ds.hi:.2f}] | {ds.num_seeds} pairs | | |"
        )
    stalled = [
        f"{r.method} on pair {_key(r)} (lowest eps {r.eps.min():.3g} within {r.spent} queries)"
        for r in result.runs
        if _key(r) in result.failed.get(r.method, {})
    ]
    if stalled:
        lines += [
            "",
            "Not fitted (the run never reached the lowest target; its pair is left out of the "
            "difference, which favours the method that stalled): " + "; ".join(stalled) + ".",
        ]
    lines += ["", f"**Verdict.** {result.verdict}", ""]
    if result.tuning is not None:
        tu = result.tuning
        lines += [
            f"sa's reads per sample search were tuned on a validation split "
            f"({o['validation_fraction']:.0%} of the training set of data seeds "
            f"{', '.join(str(p[0]) for p in tu.pairs)}, never used by the comparison; the test "
            f"set is never used): the cost in queries to the first step with validation error "
            f"<= {tu.target:g}, median over the tuning pairs (a miss within "
            f"{o['tuning_budget']} queries counts as infinite; ties go to fewer reads):",
            "",
            "| reads per search | queries per tuning pair | median |",
            "|---|---|---|",
            *[
                f"| {r['reads']} | {', '.join('miss' if c is None else str(c) for c in r['costs'])}"
                f" | {'inf' if r['median'] is None else _f(r['median'], 0)} |"
                for r in tu.rows
            ],
            "",
            f"Chosen: {tu.reads} reads per search (sqa uses the same).",
            "",
        ]
    lines += [
        "What differs from the paper's setting: (1) the query unit: an annealing read here is "
        "a classical simulation of one anneal of one sample's landscape (sa: 100 sweeps; sqa: "
        f"{o['sqa_sweeps']} sweeps), a backprop query one sample's forward and backward pass; "
        "the paper's units are not given in its abstract, and ours differ in kind and cost, so "
        "the exponents compare how each method's own cost scales, not wall time or energy; "
        "(2) the data: a random realizable teacher (12 inputs, H hidden, 3 classes) with 240 "
        "training samples, not the paper's data set; (3) the cut rule: margin 0, one head per "
        "sample search, a per-sample budget of the tuned reads, batches of 4 and "
        "eta = 0.1 / (1 + 0.2 epochs), our reconstruction of head cutting from the abstract "
        "(docs/design.md section 2); backprop is softmax cross-entropy over all 2^3 output "
        "configurations with Adam. Plot: `anneal_vs_backprop.png` (eps against queries, median "
        "and 16-84 % band of the pairs per method).",
    ]
    return "\n".join(lines) + "\n\n"


def plot(result: AnnealVsBackpropResult, path: str | os.PathLike) -> bool:
    """eps against cumulative queries per method: the median over pairs and the 16-84 % band
    (each curve a step function, held at its last value after it stops), and the targets.
    Returns False (nothing written) without runs."""
    if not result.runs:
        return False
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6.4, 4.8))
    colors = {"sa": "tab:green", "sqa": "tab:purple", "backprop": "k"}
    for m in METHODS:
        runs = [r for r in result.runs if r.method == m]
        if not runs:
            continue
        lo = max(1.0, min(float(r.queries[1]) for r in runs if r.queries.size > 1))
        hi = max(float(r.queries[-1]) for r in runs)
        grid = np.geomspace(lo, hi, 200)
        each = []
        for r in runs:
            pos = np.searchsorted(r.queries, grid, side="right") - 1
            each.append(r.eps[np.clip(pos, 0, None)])
        each = np.array(each)
        med = np.median(each, axis=0)
        q16, q84 = np.percentile(each, [16, 84], axis=0)
        e = result.estimates.get(m)
        label = f"{m} ({len(runs)} pairs)" + ("" if e is None else f", alpha {e.mean:.2f}")
        keep = med > 0
        ax.plot(grid[keep], med[keep], color=colors[m], lw=1.5, label=label)
        band = q84 > 0
        ax.fill_between(
            grid[band], np.maximum(q16[band], 1e-3), q84[band], color=colors[m], alpha=0.15
        )
    for tgt in result.targets:
        ax.axhline(tgt, color="gray", lw=0.5, ls=":")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("cumulative queries (reads for sa/sqa, sample passes for backprop)")
    ax.set_ylabel("training error eps (median, band: 16-84 % of pairs)")
    ax.set_title(f"Annealing vs backprop, H = {result.options['hidden']} (dotted: targets)")
    ax.legend(fontsize=8, loc="lower left", framealpha=0.6)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return True


def load(out_dir: str | os.PathLike) -> AnnealVsBackpropResult | None:
    """The result saved in ``out_dir`` (None when there is none or it cannot be read).

    >>> load("/nonexistent") is None
    True
    """
    path = Path(out_dir) / JSON_NAME
    if not path.exists():
        return None
    try:
        return AnnealVsBackpropResult.from_dict(json.loads(path.read_text()))
    except (OSError, ValueError, KeyError, TypeError):
        return None


def run_once(
    out_dir: str | os.PathLike, *, quick: bool, workers: int = 1
) -> AnnealVsBackpropResult:
    """Run the comparison into ``out_dir`` (``anneal_vs_backprop.json`` and ``.png``) unless
    that file already holds the same options and pairs; return the result."""
    out = Path(out_dir)
    options = default_options(quick)
    seeds, data_seeds = default_pairs(quick)
    old = load(out)
    same = (
        old is not None
        and {k: v for k, v in old.options.items() if k != "sa_reads"}
        == json.loads(json.dumps(options.to_dict()))
        and [list(p) for p in old.pairs] == [[d, s] for d, s in zip(data_seeds, seeds, strict=True)]
    )
    if same:
        return old
    result = run_anneal_vs_backprop(
        options, seeds=seeds, data_seeds=data_seeds, quick=quick, workers=workers
    )
    out.mkdir(parents=True, exist_ok=True)
    text = json.dumps(jsonify.finite(result.to_dict()), allow_nan=False)
    (out / JSON_NAME).write_text(text + "\n")
    plot(result, out / PLOT_NAME)
    return result


__all__ = [
    "AnnealVsBackpropOptions",
    "AnnealVsBackpropResult",
    "CurveRecorder",
    "RunRecord",
    "Tuning",
    "analyse",
    "choose_reads",
    "default_options",
    "default_pairs",
    "exponent_keys",
    "load",
    "paired_difference",
    "plot",
    "run_alpha",
    "run_anneal_vs_backprop",
    "run_once",
    "section",
    "train_curve",
    "tune_reads",
    "verdict_text",
]


def _run(ctx: RunContext) -> None:
    t0 = time.perf_counter()
    run_once(ctx.out, quick=ctx.quick, workers=ctx.workers)
    ctx.time("anneal-vs-backprop", time.perf_counter() - t0)


def _report(ctx: ReportContext) -> Section:
    result = load(ctx.out)
    if result is None:
        return Section()
    files = (PLOT_NAME,) if (ctx.out / PLOT_NAME).exists() else ()
    return Section(section(result).rstrip() + "\n\n", exponent_keys(result), files)


#: the study's registry entry (:data:`grover_train.studies.STUDIES`)
STUDY = Study(
    "anneal-vs-backprop",
    "sa (reads tuned on validation), sqa and backprop over 1.5 decades of eps, paired by seed",
    _report,
    _run,
    switch="anneal",
)
