"""Trajectory replay: one training trajectory, every search method's cost assigned to it.

A replay trains a one-hidden-layer network by cutting heads with an *oracle* that knows every
head exactly and returns one drawn from the preparation's conditional distribution over heads
(uniform: uniform over the heads; dqa: |<s|A|0>|^2 / p_A over the heads). The trajectory
therefore never depends on a finder's misses. Every sample visit is logged (n, number of heads,
p_A of the uniform preparation, p_A of the oracle's preparation, whether it had a head), and each
method's cost is then *assigned* to the same visits, with the run's seed:

- ``classical``: classical repetition of A, a geometric number of queries with mean 1/p_A;
- ``amplified``: amplitude amplification of A with the BBHT schedule, round by round with the
  exact success probabilities sin^2((2r + 1) theta), sin^2 theta = p_A (r + 1 queries a round);
- ``sa``, ``sqa`` (optional, ``anneal_every`` and ``annealers``): each annealing finder's reads
  to its first head, measured on the landscape of every ``anneal_every``-th visit that has a head
  (the same visits for every annealer, each with its own random stream) and held until the next
  measurement;
- a visit to a sample with no head costs a stated *certification budget*, kept as its own term:
  classical ceil(ln(1/delta) 2^n), amplified the (1 - delta) quantile of the BBHT cost of a single
  head (p = 2^-n), both the budgets at which one head is missed with probability delta.

Every visit also costs one query for its threshold E+(x, k*), as in training. Beside each
sampled cost the replay keeps the method's exact *expected* cost of the same visit
(:mod:`grover_train.analysis.expected_cost`: 1/p for repetition, BBHT's exact mean), which the
verdict uses; the sampled costs remain as the check. The costs of all methods thus belong to
one trajectory and are paired by construction; the analysis is in
:mod:`grover_train.analysis.replay_fit`. This is our reconstruction of the paper's setting
(docs/measuring.md).
"""

from __future__ import annotations

import math
import time
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from typing import Any

import numpy as np

from grover_train.analysis.expected_cost import BBHT_LAMBDA, expected_bbht, expected_classical
from grover_train.errors import InputError
from grover_train.model.heads import count_heads
from grover_train.model.landscape import training_error
from grover_train.model.network import DragonNetwork
from grover_train.provenance import versions
from grover_train.validate import positive_int

#: methods whose cost is assigned to every replayed trajectory
ASSIGNED_METHODS = ("classical", "amplified")
#: probability of missing a single head within the certification budget
CERT_DELTA = 0.05
#: annealing finders a replay can measure on its visits, each with its own random stream
ANNEALER_STREAMS = {"sa": 8, "sqa": 9}


@dataclass(frozen=True)
class ReplaySetup:
    """What a replay trains and how (every field is part of the run spec).

    Attributes:
        hidden: hidden units H of the student (n = H + C spins per landscape).
        teacher: (D, H, C) of the realizable teacher that labels the data.
        num_samples: samples drawn (80 % train), ``data_seed`` fixes them for every run.
        batch_size, eta, eta_decay: mini-batch cuts, step eta / (1 + eta_decay * cuts / N),
            scheduled per cut so the schedule follows the trajectory's progress.
        margin: kappa of the head threshold.
        max_epochs: epochs at most; a replay stops early when eps reaches 0.
        prep: the oracle's preparation, ``uniform`` or ``dqa`` (dqa needs a statevector).
        dqa_steps, dqa_dt: the dqa ramp.
        anneal_every: measure the ``annealers``' reads to first head every this many head
            visits (0: not measured).
        annealers: the annealing finders measured (``sa``, ``sqa``), in their default settings.
        stop_eps, stop_tail: stop at the first step with eps <= ``stop_eps`` that comes at
            least ``stop_tail`` steps after eps first reached it (0: only at eps = 0). The
            isotonic fit's last value never exceeds the last raw eps, so the lowest target is
            reached on it too; the tail keeps the fit near the end from resting on one dip.
    """

    hidden: int = 8
    teacher: tuple[int, int, int] = (12, 6, 3)
    num_samples: int = 300
    data_seed: int = 0
    batch_size: int = 4
    eta: float = 0.1
    eta_decay: float = 0.2
    margin: float = 0.0
    max_epochs: int = 30
    prep: str = "uniform"
    dqa_steps: int = 8
    dqa_dt: float = 0.8
    anneal_every: int = 0
    annealers: tuple[str, ...] = ("sa",)
    stop_eps: float = 0.0
    stop_tail: int = 60

    def __post_init__(self) -> None:
        if self.prep not in ("uniform", "dqa"):
            raise InputError(f"prep must be 'uniform' or 'dqa', got {self.prep!r}")
        for name in ("hidden", "num_samples", "batch_size", "max_epochs"):
            positive_int(getattr(self, name), name)
        if not (np.isfinite(self.eta) and self.eta > 0):
            raise InputError(f"eta must be a positive number, got {self.eta!r}")
        if not (np.isfinite(self.margin) and self.margin >= 0):
            raise InputError(f"margin must be a number >= 0, got {self.margin!r}")
        object.__setattr__(self, "teacher", tuple(int(v) for v in self.teacher))
        if not isinstance(self.anneal_every, int) or self.anneal_every < 0:
            raise InputError(
                f"anneal_every must be an integer >= 0 (0: annealers not measured), "
                f"got {self.anneal_every!r}"
            )
        annealers = tuple(str(a) for a in self.annealers)
        unknown = [a for a in annealers if a not in ANNEALER_STREAMS]
        if unknown or len(set(annealers)) != len(annealers):
            raise InputError(
                f"annealers must be distinct names among {', '.join(ANNEALER_STREAMS)}, "
                f"got {list(self.annealers)!r}"
            )
        object.__setattr__(self, "annealers", annealers)

    @property
    def num_variables(self) -> int:
        return self.hidden + self.teacher[2]

    @classmethod
    def grown(cls, hidden: int, data_seed: int = 0, **kw: Any) -> ReplaySetup:
        """The growing-teacher task (:func:`grover_train.data.datasets.grown_teacher`).

        >>> s = ReplaySetup.grown(10, data_seed=2)
        >>> s.teacher, s.num_samples, s.num_variables
        ((12, 10, 3), 300, 13)
        """
        from grover_train.data.datasets import GROWN_TEACHER_SAMPLES, grown_teacher

        kw.setdefault("num_samples", GROWN_TEACHER_SAMPLES)
        return cls(hidden=hidden, teacher=grown_teacher(hidden), data_seed=data_seed, **kw)


@dataclass
class Trajectory:
    """One replayed training run: per-visit log and per-step training error.

    Per visit (arrays of equal length): ``visit_step`` (the step it belongs to), ``heads``,
    ``p_uniform``, ``p_prep`` (p_A of the oracle's preparation; equals ``p_uniform`` for uniform),
    and ``reads[finder]`` per annealer (NaN where not measured). Per step s = 0..S: ``eps``
    (exact training error on the weights being trained, after s steps) and ``cuts`` (visits
    with a head so far).
    """

    setup: ReplaySetup
    seed: int
    visit_step: np.ndarray
    heads: np.ndarray
    p_uniform: np.ndarray
    p_prep: np.ndarray
    reads: dict[str, np.ndarray]
    eps: np.ndarray
    cuts: np.ndarray
    wall_s: float
    versions: dict = field(default_factory=dict)

    @property
    def num_variables(self) -> int:
        return self.setup.num_variables

    @property
    def had_head(self) -> np.ndarray:
        return self.heads > 0


def run_replay(setup: ReplaySetup, seed: int) -> Trajectory:
    """Train with the oracle and log every visit.

    >>> t = run_replay(ReplaySetup(hidden=4, num_samples=60, max_epochs=3), seed=0)
    >>> t.eps.shape == t.cuts.shape, bool(t.eps[-1] <= t.eps[0]), t.num_variables
    (True, True, 7)
    """
    from grover_train.data.datasets import load_dataset
    from grover_train.train.delta import add, apply, cut_delta, scale
    from grover_train.train.problems import FullConfig, positive_config

    t0 = time.perf_counter()
    data = load_dataset(
        "teacher",
        seed=setup.data_seed,
        teacher_sizes=setup.teacher,
        num_samples=setup.num_samples,
    )
    X, y = data.X_train, data.y_train
    N = len(y)
    # the same initial weights and batch order as train_model for this seed
    init_seed = int(np.random.SeedSequence([seed, 3]).generate_state(1)[0])
    net = DragonNetwork.random(data.num_inputs, [setup.hidden], data.num_classes, seed=init_seed)
    rng = np.random.default_rng([seed, 7])
    anneal_rngs = {a: np.random.default_rng([seed, ANNEALER_STREAMS[a]]) for a in setup.annealers}
    log: dict[str, list] = {k: [] for k in ("step", "heads", "pu", "pp")}
    reads: dict[str, list[float]] = {a: [] for a in setup.annealers}
    eps = [training_error(net, X, y, setup.margin)]
    cuts_log = [0]
    cuts = 0
    head_visits = 0
    step = 0
    stop_at: int | None = None  # the step at which the replay ends (after the tail)
    for epoch in range(setup.max_epochs):
        perm = np.random.default_rng([seed, 2, epoch]).permutation(N)
        for pos in range(0, N, setup.batch_size):
            batch = perm[pos : pos + setup.batch_size]
            delta = None
            for i in batch:
                x, label = X[i], int(y[i])
                hc = count_heads(net, x, label, setup.margin)
                pu = hc.p_uniform
                pp = pu
                measured = dict.fromkeys(setup.annealers, math.nan)
                if hc.total == 0:
                    log["step"].append(step)
                    log["heads"].append(0)
                    log["pu"].append(0.0)
                    log["pp"].append(0.0)
                    for a in setup.annealers:
                        reads[a].append(math.nan)
                    continue
                if setup.prep == "uniform":
                    h, yy = hc.sample(rng)
                    head = FullConfig([h[0].astype(float)], yy[0].astype(float))
                else:
                    pp, head = _dqa_head(net, x, label, setup, rng)
                if setup.anneal_every and head_visits % setup.anneal_every == 0:
                    for a in setup.annealers:
                        measured[a] = float(
                            reads_to_head(a, net, x, label, setup.margin, anneal_rngs[a])
                        )
                head_visits += 1
                cuts += 1
                log["step"].append(step)
                log["heads"].append(hc.total)
                log["pu"].append(pu)
                log["pp"].append(pp)
                for a in setup.annealers:
                    reads[a].append(measured[a])
                d = cut_delta(net, x, positive_config(net, x, label), [head])
                delta = d if delta is None else add(delta, d)
            if delta is not None:
                eta_t = setup.eta / (1.0 + setup.eta_decay * cuts / N)
                apply(net, scale(delta, 1.0 / len(batch)), eta_t, 0.0)
            step += 1
            eps.append(training_error(net, X, y, setup.margin))
            cuts_log.append(cuts)
            low = eps[-1] <= setup.stop_eps * (1 + 1e-9)
            if stop_at is None and low:
                stop_at = step + setup.stop_tail
            # end on a step at or below stop_eps, so the isotonic fit's last value is too
            if eps[-1] == 0.0 or (stop_at is not None and step >= stop_at and low):
                break
        if eps[-1] == 0.0 or (stop_at is not None and step >= stop_at and low):
            break
    return Trajectory(
        setup=setup,
        seed=int(seed),
        visit_step=np.asarray(log["step"], dtype=np.int64),
        heads=np.asarray(log["heads"], dtype=np.int64),
        p_uniform=np.asarray(log["pu"], dtype=float),
        p_prep=np.asarray(log["pp"], dtype=float),
        reads={a: np.asarray(v, dtype=float) for a, v in reads.items()},
        eps=np.asarray(eps, dtype=float),
        cuts=np.asarray(cuts_log, dtype=np.int64),
        wall_s=time.perf_counter() - t0,
        versions=versions(),
    )


def _dqa_head(net, x, label, setup: ReplaySetup, rng):
    """p_A of the dqa preparation and a head drawn from its conditional distribution."""
    from grover_train.enumeration import states_to_samples
    from grover_train.finders.coherent.prep import Preparation
    from grover_train.finders.search_problem import SearchProblem
    from grover_train.model.landscape import free_bqm, head_threshold, label_exclusion
    from grover_train.train.problems import FullConfig

    problem = SearchProblem(
        free_bqm(net, x), head_threshold(net, x, label, setup.margin), label_exclusion(net, label)
    )
    probs = Preparation("dqa", steps=setup.dqa_steps, dt=setup.dqa_dt).probabilities(problem)
    marked = np.flatnonzero(problem.marked)
    w = probs[marked]
    p = float(w.sum())
    z = int(rng.choice(marked, p=w / p))
    s = states_to_samples(np.array([z]), problem.num_variables)[0].astype(float)
    H = setup.hidden
    return p, FullConfig([s[:H]], s[H:])


def reads_to_head(
    finder: str,
    net: DragonNetwork,
    x: np.ndarray,
    label: int,
    margin: float,
    rng: np.random.Generator,
    *,
    max_reads: int = 4096,
) -> int:
    """Reads of the annealing ``finder`` (its default settings) until the first head, at most
    ``max_reads`` (returned when none was found)."""
    from grover_train.finders import get_finder
    from grover_train.model.landscape import free_bqm, head_threshold, label_exclusion

    ss = get_finder(finder).sample(
        free_bqm(net, x),
        threshold=head_threshold(net, x, label, margin),
        exclude=label_exclusion(net, label),
        budget=max_reads,
        seed=int(rng.integers(0, 2**31 - 1)),
    )
    return int(ss.info["queries"]) if len(ss) else max_reads


# ---------------------------------------------------------------------------- cost assignment
def classical_costs(p: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Queries of classical repetition to the first head: Geometric(p) (p > 0 entries only).

    >>> c = classical_costs(np.full(20000, 0.01), np.random.default_rng(0))
    >>> bool(95 < c.mean() < 105)
    True
    """
    p = np.asarray(p, dtype=float)
    out = np.zeros(p.shape)
    ok = p > 0
    out[ok] = rng.geometric(np.minimum(p[ok], 1.0))
    return out


def bbht_costs(
    p: np.ndarray, n: int | np.ndarray, rng: np.random.Generator, lam: float = BBHT_LAMBDA
) -> np.ndarray:
    """Queries of BBHT amplitude amplification to the first head, sampled round by round.

    Round: r uniform in {0, ..., ceil(m) - 1}, cost r + 1, success sin^2((2r + 1) theta) with
    sin^2 theta = p; after a miss m = min(lam m, sqrt(2^n)). Entries with p = 0 cost 0.

    >>> c = bbht_costs(np.full(4000, 2.0**-12), 12, np.random.default_rng(0))
    >>> bool(60 < c.mean() < 200)   # about sqrt(4096) = 64 times a constant of order 1-3
    True
    """
    p = np.asarray(p, dtype=float)
    n_arr = np.broadcast_to(np.asarray(n, dtype=float), p.shape)
    out = np.zeros(p.shape)
    idx = np.flatnonzero(p > 0)
    theta = np.arcsin(np.sqrt(np.minimum(p[idx], 1.0)))
    top = np.sqrt(2.0 ** n_arr[idx])
    m = np.ones(idx.size)
    cost = np.zeros(idx.size)
    active = np.ones(idx.size, dtype=bool)
    while active.any():
        a = np.flatnonzero(active)
        r = np.floor(rng.random(a.size) * np.ceil(m[a]))
        cost[a] += r + 1
        hit = rng.random(a.size) < np.sin((2 * r + 1) * theta[a]) ** 2
        m[a] = np.where(hit, m[a], np.minimum(lam * m[a], top[a]))
        active[a[hit]] = False
    out[idx] = cost
    return out


def certification_classical(n: int, delta: float = CERT_DELTA) -> int:
    """Queries after which classical repetition misses a single head (p = 2^-n) with
    probability about delta: ceil(ln(1/delta) 2^n).

    >>> certification_classical(10)
    3068
    """
    return int(math.ceil(math.log(1.0 / delta) * 2.0**n))


@lru_cache(maxsize=64)
def certification_amplified(n: int, delta: float = CERT_DELTA) -> int:
    """The (1 - delta) quantile of BBHT's cost for a single head (p = 2^-n), from 20000 sampled
    searches with a fixed seed: the budget after which BBHT misses one head with probability
    about delta.

    >>> 2**5 < certification_amplified(10) < 2**5 * 12
    True
    """
    c = bbht_costs(np.full(20000, 2.0**-n), n, np.random.default_rng(12345))
    return int(np.ceil(np.quantile(c, 1.0 - delta)))


@dataclass
class ReplayCosts:
    """Per-step cumulative costs of one trajectory (index s = after s steps, s = 0..S).

    ``search[m]``: threshold queries plus the method's *sampled* queries on visits that had a
    head; ``expected[m]``: the same with each visit's exact expected queries (classical and
    amplified; the verdict uses these); ``certification[m]``: the certification budget spent
    on visits without a head; the cost with certification is the sum. ``cuts``: visits with a
    head; ``eps``: the trajectory's training error; ``inv_p_sum``: cumulative sum of 1/p_A
    over head visits (the quantity the classical cost follows); ``anneal_sum[a]``: annealer a's
    reads measured so far, ``anneal_count``: how many visits they cover (the same visits for
    every annealer); ``on_anneal[m]``: method m's expected queries on those same visits (paired
    with the annealers).
    """

    eps: np.ndarray
    cuts: np.ndarray
    search: dict[str, np.ndarray]
    certification: dict[str, np.ndarray]
    num_variables: int
    log_p_sum: np.ndarray  # per step: sum of log p_prep over head visits of that step
    median_heads: np.ndarray  # per step: median heads over head visits (NaN without)
    expected: dict[str, np.ndarray] = field(default_factory=dict)
    inv_p_sum: np.ndarray | None = None
    anneal_sum: dict[str, np.ndarray] = field(default_factory=dict)
    anneal_count: np.ndarray | None = None
    on_anneal: dict[str, np.ndarray] = field(default_factory=dict)

    def total(self, method: str, certify: bool, expected: bool = False) -> np.ndarray:
        """Cumulative cost of ``method`` (expected where known and asked for, else sampled),
        with the certification term when ``certify``."""
        c = self.expected[method] if expected and method in self.expected else self.search[method]
        return c + self.certification[method] if certify and method in self.certification else c


def assign_costs(traj: Trajectory, seed: int | None = None) -> ReplayCosts:
    """Assign every method's cost to the visits of ``traj`` (the trajectory's seed by default).

    >>> t = run_replay(ReplaySetup(hidden=4, num_samples=60, max_epochs=2), seed=0)
    >>> c = assign_costs(t)
    >>> bool(np.all(np.diff(c.search["classical"]) >= 0)), sorted(c.search)
    (True, ['amplified', 'classical'])
    """
    rng = np.random.default_rng([traj.seed if seed is None else seed, 11])
    n = traj.num_variables
    steps = len(traj.eps) - 1
    p = traj.p_prep
    head = traj.had_head
    per_visit = {
        "classical": classical_costs(p, rng),
        "amplified": bbht_costs(p, n, rng),
    }
    mean_visit = {"classical": expected_classical(p), "amplified": expected_bbht(p, n)}
    # every annealer is measured on the same visits, so any one of them says which
    first = next(iter(traj.reads.values()), np.full(len(p), np.nan))
    measured = np.isfinite(first)
    if measured.any():
        per_visit.update({a: _hold_last(r, head) for a, r in traj.reads.items()})
    cert = {
        "classical": np.where(head, 0.0, certification_classical(n)),
        "amplified": np.where(head, 0.0, certification_amplified(n)),
    }

    def cumulative(values: np.ndarray) -> np.ndarray:
        per_step = np.bincount(traj.visit_step, weights=values, minlength=steps)[:steps]
        return np.concatenate([[0.0], np.cumsum(per_step)])

    threshold = cumulative(np.ones(len(p)))
    search = {m: threshold + cumulative(v) for m, v in per_visit.items()}
    expected = {m: threshold + cumulative(v) for m, v in mean_visit.items()}
    certification = {m: cumulative(v) for m, v in cert.items()}
    inv_p = cumulative(mean_visit["classical"])
    anneal_sum: dict[str, np.ndarray] = {}
    anneal_count = None
    on_anneal: dict[str, np.ndarray] = {}
    if measured.any():
        anneal_sum = {a: cumulative(np.where(measured, r, 0.0)) for a, r in traj.reads.items()}
        anneal_count = cumulative(measured.astype(float))
        on_anneal = {m: cumulative(np.where(measured, v, 0.0)) for m, v in mean_visit.items()}
    logp = np.where(head, np.log(np.where(head, p, 1.0)), 0.0)
    log_p_sum = cumulative(logp)
    med = np.full(steps + 1, np.nan)
    for s in range(steps):
        sel = (traj.visit_step == s) & head
        if sel.any():
            med[s + 1] = float(np.median(traj.heads[sel]))
    return ReplayCosts(
        eps=traj.eps,
        cuts=traj.cuts,
        search=search,
        certification=certification,
        num_variables=n,
        log_p_sum=log_p_sum,
        median_heads=med,
        expected=expected,
        inv_p_sum=inv_p,
        anneal_sum=anneal_sum,
        anneal_count=anneal_count,
        on_anneal=on_anneal,
    )


def _hold_last(values: np.ndarray, head: np.ndarray) -> np.ndarray:
    """Measured values carried forward to the following head visits (0 on visits without)."""
    out = np.zeros(values.shape)
    last = np.nan
    for i, v in enumerate(values):
        if np.isfinite(v):
            last = v
        if head[i]:
            out[i] = last if np.isfinite(last) else 0.0
    return out


# ---------------------------------------------------------------------------- sweep runner
def run_replay_spec(spec: dict[str, Any]):
    """Sweep runner of kind ``replay``: a trajectory and its assigned costs as metric rows.

    Spec keys: ``seed`` and the fields of :class:`ReplaySetup`. One metric row per step holds
    ``eps``, ``cuts``, the cumulative ``C_<method>`` (search) and ``cert_<method>``
    (certification) costs, ``log_p_sum`` and ``median_heads``.
    """
    from grover_train.run_output import RunOutput

    spec = dict(spec)
    spec.pop("kind", None)
    seed = int(spec.pop("seed", 0))
    setup = ReplaySetup(**spec)
    traj = run_replay(setup, seed)
    costs = assign_costs(traj)
    rows = costs_to_rows(costs)
    summary = {
        **{k: (list(v) if isinstance(v, tuple) else v) for k, v in asdict(setup).items()},
        "seed": seed,
        "num_variables": setup.num_variables,
        "steps": len(traj.eps) - 1,
        "visits": int(len(traj.heads)),
        "cuts": int(traj.cuts[-1]),
        "final_eps": float(traj.eps[-1]),
        "queries": int(rows[-1]["C_classical"] + rows[-1]["cert_classical"]),
        "certification": {
            "classical": certification_classical(setup.num_variables),
            "amplified": certification_amplified(setup.num_variables),
            "delta": CERT_DELTA,
        },
    }
    return RunOutput(summary=summary, metrics=rows, wall_s=traj.wall_s, seed=seed)


def costs_to_rows(costs: ReplayCosts) -> list[dict[str, Any]]:
    """Per-step metric rows of :class:`ReplayCosts` (inverse: :func:`costs_from_rows`)."""
    rows = []
    for s in range(len(costs.eps)):
        row: dict[str, Any] = {
            "step": s,
            "eps": float(costs.eps[s]),
            "cuts": int(costs.cuts[s]),
            "log_p_sum": float(costs.log_p_sum[s]),
            "median_heads": None if np.isnan(costs.median_heads[s]) else costs.median_heads[s],
            "n": costs.num_variables,
        }
        for m, v in costs.search.items():
            row[f"C_{m}"] = float(v[s])
        for m, v in costs.certification.items():
            row[f"cert_{m}"] = float(v[s])
        for m, v in costs.expected.items():
            row[f"E_{m}"] = float(v[s])
        if costs.inv_p_sum is not None:
            row["inv_p_sum"] = float(costs.inv_p_sum[s])
        if costs.anneal_count is not None:
            row["anneal_count"] = float(costs.anneal_count[s])
            for a, v in costs.anneal_sum.items():
                row[f"reads_{a}"] = float(v[s])
            for m, v in costs.on_anneal.items():
                row[f"Eann_{m}"] = float(v[s])
        rows.append(row)
    return rows


def costs_from_rows(rows: list[dict[str, Any]]) -> ReplayCosts:
    """Rebuild :class:`ReplayCosts` from stored metric rows."""
    methods = sorted(k[2:] for k in rows[0] if k.startswith("C_"))
    certs = sorted(k[5:] for k in rows[0] if k.startswith("cert_"))
    means = sorted(k[2:] for k in rows[0] if k.startswith("E_"))
    paired = sorted(k[5:] for k in rows[0] if k.startswith("Eann_"))
    annealers = sorted(k[6:] for k in rows[0] if k.startswith("reads_"))
    if "sa_sum" in rows[0]:  # a store written before sqa was measured: sa alone
        rows = [
            {
                **{k: v for k, v in r.items() if not k.startswith(("sa_", "Esa_"))},
                "reads_sa": r["sa_sum"],
                "anneal_count": r["sa_count"],
                **{"Eann_" + k[4:]: v for k, v in r.items() if k.startswith("Esa_")},
            }
            for r in rows
        ]
        paired = sorted(k[5:] for k in rows[0] if k.startswith("Eann_"))
        annealers = ["sa"]
    col = lambda k: np.array([r[k] for r in rows], dtype=float)  # noqa: E731
    med = np.array(
        [np.nan if r.get("median_heads") is None else r["median_heads"] for r in rows], dtype=float
    )
    return ReplayCosts(
        eps=col("eps"),
        cuts=col("cuts").astype(np.int64),
        search={m: col(f"C_{m}") for m in methods},
        certification={m: col(f"cert_{m}") for m in certs},
        num_variables=int(rows[0]["n"]),
        log_p_sum=col("log_p_sum"),
        median_heads=med,
        expected={m: col(f"E_{m}") for m in means},
        inv_p_sum=col("inv_p_sum") if "inv_p_sum" in rows[0] else None,
        anneal_sum={a: col(f"reads_{a}") for a in annealers},
        anneal_count=col("anneal_count") if "anneal_count" in rows[0] else None,
        on_anneal={m: col(f"Eann_{m}") for m in paired},
    )


__all__ = [
    "ASSIGNED_METHODS",
    "ReplayCosts",
    "ReplaySetup",
    "Trajectory",
    "assign_costs",
    "bbht_costs",
    "certification_amplified",
    "certification_classical",
    "classical_costs",
    "reads_to_head",
    "run_replay",
    "run_replay_spec",
]
